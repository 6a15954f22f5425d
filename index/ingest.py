"""Bring an index in line with a folder of articles: embed what is new or changed, drop what
is gone, report what was skipped and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from index.chunking import chunk_article
from index.documents import Article, Chunk
from index.loaders import Skipped, load_folder, relative_id
from index.store import ArticleIndex


class CorpusNotFound(Exception):
    """The folder to ingest does not exist."""


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_total: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        lines = [
            f"articles: {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed, "
            f"{len(self.skipped)} skipped",
            f"chunks: {self.chunks_embedded} embedded, {self.chunks_total} in the index",
        ]
        lines += [f"  skipped {item.path}: {item.reason}" for item in self.skipped]
        return "\n".join(lines)


def ingest(
    index: ArticleIndex,
    corpus: Path,
    max_bytes: int = 20_000_000,
    progress: bool = True,
) -> IngestReport:
    """Index every article under `corpus`. Unchanged articles cost nothing; a changed article's
    new chunks are stored before its old ones are deleted; files that fail to load keep
    whatever the index already held for them."""
    corpus = Path(corpus)
    if not corpus.exists():
        raise CorpusNotFound(f"no such file or folder: {corpus}")
    report = IngestReport()
    found: dict[str, tuple[Article, str]] = {}
    failed_paths: set[str] = set()
    files = list(load_folder(corpus, max_bytes))
    for path, result in tqdm(files, desc="reading", unit="file", disable=not progress):
        rel_path = relative_id(path, corpus)
        report.skipped.extend(result.skipped)
        if result.skipped and not result.articles:
            failed_paths.add(rel_path)
        for article in result.articles:
            if article.doc_id in found:
                report.skipped.append(Skipped(rel_path, f"duplicate id {article.doc_id}"))
                continue
            found[article.doc_id] = (article, rel_path)

    manifest = index.manifest
    if not manifest.dimensions and found:
        manifest.dimensions = len(index.embedder.get_text_embedding("dimension probe"))
    manifest.corpus = str(corpus.resolve())
    articles = dict(index.articles)
    pending: list[tuple[Article, str, list[Chunk]]] = []
    for doc_id, (article, rel_path) in found.items():
        known = manifest.articles.get(doc_id)
        if known and known["hash"] == article.content_hash:
            report.unchanged.append(doc_id)
            continue
        (report.updated if known else report.added).append(doc_id)
        chunks = chunk_article(doc_id, article.text, article.content_hash, **_chunk_args(index))
        pending.append((article, rel_path, chunks))

    total = sum(len(chunks) for _, _, chunks in pending)
    with tqdm(total=total, desc="embedding", unit="chunk", disable=not progress or not total) as bar:
        for article, rel_path, chunks in pending:
            texts = [index.embedding_text(article, chunk) for chunk in chunks]
            vectors = index.embedder.get_text_embedding_batch(texts)
            index.add_chunks(article, chunks, vectors)
            old = manifest.articles.get(article.doc_id)
            manifest.articles[article.doc_id] = {
                "hash": article.content_hash,
                "path": rel_path,
                "chunks": [[c.chunk_id, c.start, c.end] for c in chunks],
            }
            articles[article.doc_id] = article
            index.save(articles)
            if old:
                index.delete_chunks([c[0] for c in old["chunks"]])
            report.chunks_embedded += len(chunks)
            bar.update(len(chunks))

    for doc_id in [d for d in manifest.articles if d not in found]:
        if manifest.articles[doc_id]["path"] in failed_paths:
            continue  # the file is still there but unreadable now: keep what we had
        old = manifest.articles.pop(doc_id)
        articles.pop(doc_id, None)
        index.save(articles)
        index.delete_chunks([c[0] for c in old["chunks"]])
        report.removed.append(doc_id)

    if report.changed or not (index.index_dir / "keyword").exists():
        index.save(articles)
        index.rebuild_keyword_index()
    report.chunks_total = manifest.chunk_count
    return report


def _chunk_args(index: ArticleIndex) -> dict[str, int]:
    return {"max_chars": index.chunking["max_chars"], "overlap": index.chunking["overlap"]}
