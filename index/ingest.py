"""Bring an index in line with a folder of articles: embed what is new or changed, drop what
is gone, report what was skipped and why."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from index.article_store import ArticleWrite, ManifestEntry, Relink
from index.chunking import chunk_article
from index.documents import Article, Chunk
from index.errors import CorpusNotFound
from index.loaders import Skipped, find_files, load_file, relative_id
from index.sentence_vectors import pack, sentence_key, sentence_texts
from index.store import ArticleIndex
from index.terms import keyword_terms

COMMIT_CHUNKS = 512  # new chunks per commit (one transaction in the store)
COMMIT_ARTICLES = 1000  # removed articles per commit
SENTENCE_ARTICLES = 100  # stored articles per commit when only their sentences are embedded
EMBED_TEXTS = 32  # chunks or sentences per call to the model; the progress bar moves after each


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (path, stored doc_id)
    chunks_embedded: int = 0
    sentences_embedded: int = 0
    chunks_total: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        lines = [
            f"articles: {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed, "
            f"{len(self.skipped)} skipped, {len(self.duplicates)} duplicates",
            f"chunks: {self.chunks_embedded} embedded, {self.chunks_total} in the index"
            + (f"; sentences: {self.sentences_embedded} embedded"
               if self.sentences_embedded else ""),
        ]
        lines += [f"  skipped {item.path}: {item.reason}" for item in self.skipped]
        lines += [f"  duplicate {path}: same text as {doc_id}, stored once"
                  for path, doc_id in self.duplicates]
        return "\n".join(lines)


@dataclass
class _Plan:
    """What the folder holds compared with the store, without keeping any article text: the
    files with new or changed articles, and what is needed to relink and remove the rest."""

    # file -> its id and the doc_ids to index from it
    changed: dict[Path, tuple[str, list[str]]] = field(default_factory=dict)
    texts: int = 0  # chunks (and sentences) of the changed articles, to embed
    seen: set[str] = field(default_factory=set)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    unchanged: dict[str, tuple[str, ManifestEntry]] = field(default_factory=dict)
    lacking: list[str] = field(default_factory=list)  # unchanged, without sentence vectors
    failed_paths: set[str] = field(default_factory=set)
    failed_folders: list[str] = field(default_factory=list)  # "folder/" paths

    def failed(self, path: str) -> bool:
        """True when the file at `path` could not be read, so what it held is kept."""
        return path in self.failed_paths or any(
            folder == "./" or path.startswith(folder) for folder in self.failed_folders
        )


def ingest(
    index: ArticleIndex,
    corpus: Path,
    max_bytes: int = 20_000_000,
    progress: bool = True,
    sentence_vectors: bool = True,
) -> IngestReport:
    """Index every article under `corpus`. Unchanged articles cost a lookup; new and changed
    ones are embedded and committed in batches (text, chunks and keywords in one transaction
    each); files that fail to load keep whatever the index already held for them. With
    `sentence_vectors`, every answer sentence is embedded too, so answers need not run the
    model on sentences. One writer at a time (a lock held through the store)."""
    corpus = Path(corpus)
    if not corpus.exists():
        raise CorpusNotFound(f"no such file or folder: {corpus}")
    with index.writing():
        report = IngestReport()
        plan = _plan(index, corpus, max_bytes, report, progress, sentence_vectors)
        if sentence_vectors:  # articles stored before sentence vectors were kept get them
            plan.lacking = index.store.lacking_sentence_vectors(list(plan.unchanged))
            plan.texts += sum(len(sentence_texts(index.article(d))) for d in plan.lacking)
        corpus_path = str(corpus.resolve())
        if plan.texts:  # the probe loads the model before the progress bar starts timing
            dimensions = len(index.embedder.get_text_embedding("dimension probe"))
            index.info = replace(index.info, dimensions=dimensions, corpus=corpus_path)
            _embed_and_commit(index, corpus, max_bytes, plan, report, progress, sentence_vectors)
        gone = [doc_id for doc_id, path in index.store.doc_paths(origin=corpus_path)
                if doc_id not in plan.seen and not plan.failed(path)]
        for start in range(0, len(gone), COMMIT_ARTICLES):
            index.commit([], removed=gone[start : start + COMMIT_ARTICLES])
        report.removed.extend(gone)
        relinks = _relinks(plan, corpus_path)
        if relinks or index.info.corpus != corpus_path:
            index.info = replace(index.info, corpus=corpus_path)
            index.commit([], relinks=relinks)
        report.chunks_total = index.chunk_count()
        return report


def _plan(index: ArticleIndex, corpus: Path, max_bytes: int, report: IngestReport,
          progress: bool, sentence_vectors: bool) -> _Plan:
    plan = _Plan()
    by_hash: dict[str, str] = {}
    unreadable: list[Skipped] = []  # folders that cannot be listed keep what they held
    files = find_files(corpus, unreadable)
    report.skipped.extend(unreadable)
    plan.failed_folders = [item.path for item in unreadable]
    for path in tqdm(files, desc="reading", unit="file", disable=not progress):
        result = load_file(path, corpus, max_bytes)
        rel_path = relative_id(path, corpus)
        report.skipped.extend(result.skipped)
        if result.skipped and not result.articles:
            plan.failed_paths.add(rel_path)
        for article in result.articles:
            first = by_hash.setdefault(article.content_hash, article.doc_id)
            if first != article.doc_id:
                report.duplicates.append((article.doc_id, first))
                plan.aliases.setdefault(first, []).append(article.doc_id)
                continue
            if article.doc_id in plan.seen:
                report.skipped.append(Skipped(rel_path, f"duplicate id {article.doc_id}"))
                continue
            plan.seen.add(article.doc_id)
            stored = index.store.entry(article.doc_id, with_chunks=False)
            if stored is not None and stored.content_hash == article.content_hash:
                report.unchanged.append(article.doc_id)
                plan.unchanged[article.doc_id] = (rel_path, stored)
                continue
            (report.updated if stored else report.added).append(article.doc_id)
            plan.changed.setdefault(path, (rel_path, []))[1].append(article.doc_id)
            plan.texts += len(_chunks(index, article))
            plan.texts += len(sentence_texts(article)) if sentence_vectors else 0
    return plan


def _chunks(index: ArticleIndex, article: Article) -> list[Chunk]:
    return chunk_article(article.doc_id, article.text, article.content_hash,
                         index.chunking["max_chars"], index.chunking["overlap"])


def _embed_and_commit(index: ArticleIndex, corpus: Path, max_bytes: int, plan: _Plan,
                      report: IngestReport, progress: bool, sentence_vectors: bool) -> None:
    """Read the changed files again, one at a time, and embed and commit their articles in
    batches; the bar moves with every small embedding batch."""
    with tqdm(total=plan.texts, desc="embedding", unit="text", smoothing=0.1,
              disable=not progress) as bar:
        batch: list[ArticleWrite] = []
        for path, (rel_path, doc_ids) in plan.changed.items():
            wanted = set(doc_ids)
            for article in load_file(path, corpus, max_bytes).articles:
                if article.doc_id not in wanted:
                    continue
                wanted.discard(article.doc_id)
                chunks = _chunks(index, article)
                texts = [index.embedding_text(article, chunk) for chunk in chunks]
                batch.append(ArticleWrite(
                    article, index.info.corpus, rel_path, tuple(plan.aliases.get(article.doc_id, [])),
                    tuple(chunks), tuple(tuple(keyword_terms(t)) for t in texts)))
                if sum(len(w.chunks) for w in batch) >= COMMIT_CHUNKS:
                    _commit_batch(index, batch, report, bar, sentence_vectors)
                    batch = []
        if batch:
            _commit_batch(index, batch, report, bar, sentence_vectors)
        for start in range(0, len(plan.lacking), SENTENCE_ARTICLES):
            _add_sentence_vectors(index, plan.lacking[start : start + SENTENCE_ARTICLES],
                                  report, bar)


def _commit_batch(index: ArticleIndex, batch: list[ArticleWrite], report: IngestReport,
                  bar: tqdm, sentence_vectors: bool) -> None:
    pairs = [(write.article, chunk) for write in batch for chunk in write.chunks]
    sentences = [sentence_texts(write.article) if sentence_vectors else [] for write in batch]
    vectors = _embed([index.embedding_text(article, chunk) for article, chunk in pairs]
                     + [text for texts in sentences for text in texts], index, bar)
    if sentence_vectors:
        rest = iter(vectors[len(pairs) :])
        batch = [replace(write, sentences=tuple((sentence_key(text), pack(next(rest)))
                                                for text in texts))
                 for write, texts in zip(batch, sentences)]
    index.add_chunks(pairs, vectors[: len(pairs)])
    index.commit(batch)  # the commit point: the new chunks become the articles'
    report.chunks_embedded += len(pairs)
    report.sentences_embedded += len(vectors) - len(pairs)


def _add_sentence_vectors(index: ArticleIndex, doc_ids: list[str], report: IngestReport,
                          bar: tqdm) -> None:
    """Embed and store the sentences of stored articles that have no sentence vectors."""
    texts = {doc_id: sentence_texts(index.article(doc_id)) for doc_id in doc_ids}
    vectors = iter(_embed([text for each in texts.values() for text in each], index, bar))
    rows = [(doc_id, sentence_key(text), pack(next(vectors)))
            for doc_id, each in texts.items() for text in each]
    index.store.add_sentence_vectors(rows)
    report.sentences_embedded += len(rows)


def _embed(texts: list[str], index: ArticleIndex, bar: tqdm) -> list:
    """The vectors of `texts`, in order; texts of similar length are embedded together."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vectors: list = [None] * len(texts)
    for start in range(0, len(order), EMBED_TEXTS):
        part = order[start : start + EMBED_TEXTS]
        for i, vector in zip(part, index.embedder.embed([texts[i] for i in part])):
            vectors[i] = vector
        bar.update(len(part))
    return vectors


def _relinks(plan: _Plan, origin: str) -> list[Relink]:
    """Unchanged articles whose file name or duplicate files are not what the store says."""
    relinks = []
    for doc_id, (rel_path, stored) in plan.unchanged.items():
        aliases = tuple(plan.aliases.get(doc_id, []))
        if (origin, rel_path, aliases) != (stored.origin, stored.path, stored.aliases):
            relinks.append(Relink(doc_id, origin, rel_path, aliases))
    return relinks
