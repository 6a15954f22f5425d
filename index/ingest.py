"""Bring an index in line with a folder of articles: embed what is new or changed, drop what
is gone, report what was skipped and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from index.chunking import chunk_article
from index.documents import Article, Chunk
from index.errors import CorpusNotFound
from index.loaders import Skipped, find_files, load_file, relative_id
from index.store import ArticleIndex

# Articles are committed to the manifest in batches of about this many chunks.
BATCH_CHUNKS = 2048


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (path, stored doc_id)
    chunks_embedded: int = 0
    chunks_total: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        lines = [
            f"articles: {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed, "
            f"{len(self.skipped)} skipped, {len(self.duplicates)} duplicates",
            f"chunks: {self.chunks_embedded} embedded, {self.chunks_total} in the index",
        ]
        lines += [f"  skipped {item.path}: {item.reason}" for item in self.skipped]
        lines += [f"  duplicate {path}: same text as {doc_id}, stored once"
                  for path, doc_id in self.duplicates]
        return "\n".join(lines)


@dataclass
class _Scan:
    """What the folder holds now: articles by id, with the file each came from."""

    articles: dict[str, tuple[Article, str]] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
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
) -> IngestReport:
    """Index every article under `corpus`. Unchanged articles cost nothing; a changed article's
    new chunks are stored before its old ones are deleted; files that fail to load keep
    whatever the index already held for them. One writer at a time (a lock in the index)."""
    corpus = Path(corpus)
    if not corpus.exists():
        raise CorpusNotFound(f"no such file or folder: {corpus}")
    with index.writing():
        report = IngestReport()
        scan = _scan(corpus, max_bytes, report, progress)
        _store(index, corpus, scan, report, progress)
        report.chunks_total = index.manifest.chunk_count
        return report


def _scan(corpus: Path, max_bytes: int, report: IngestReport, progress: bool) -> _Scan:
    scan = _Scan()
    by_hash: dict[str, str] = {}
    unreadable: list[Skipped] = []  # folders that cannot be listed keep what they held
    files = find_files(corpus, unreadable)
    report.skipped.extend(unreadable)
    scan.failed_folders = [item.path for item in unreadable]
    for path in tqdm(files, desc="reading", unit="file", disable=not progress):
        result = load_file(path, corpus, max_bytes)
        rel_path = relative_id(path, corpus)
        report.skipped.extend(result.skipped)
        if result.skipped and not result.articles:
            scan.failed_paths.add(rel_path)
        for article in result.articles:
            first = by_hash.setdefault(article.content_hash, article.doc_id)
            if first != article.doc_id:
                report.duplicates.append((article.doc_id, first))
                scan.aliases.setdefault(first, []).append(article.doc_id)
            elif article.doc_id in scan.articles:
                report.skipped.append(Skipped(rel_path, f"duplicate id {article.doc_id}"))
            else:
                scan.articles[article.doc_id] = (article, rel_path)
    return scan


def _store(index: ArticleIndex, corpus: Path, scan: _Scan, report: IngestReport, progress: bool) -> None:
    manifest = index.manifest
    if not manifest.dimensions and scan.articles:
        manifest.dimensions = len(index.embedder.get_text_embedding("dimension probe"))
    manifest.corpus = str(corpus.resolve())
    articles = dict(index.articles)
    pending: list[tuple[Article, str, list[Chunk]]] = []
    for doc_id, (article, rel_path) in scan.articles.items():
        known = manifest.articles.get(doc_id)
        if known and known["hash"] == article.content_hash:
            report.unchanged.append(doc_id)
            known["aliases"] = scan.aliases.get(doc_id, [])
            continue
        (report.updated if known else report.added).append(doc_id)
        chunks = chunk_article(doc_id, article.text, article.content_hash,
                               index.chunking["max_chars"], index.chunking["overlap"])
        pending.append((article, rel_path, chunks))

    total = sum(len(chunks) for _, _, chunks in pending)
    with tqdm(total=total, desc="embedding", unit="chunk", disable=not progress or not total) as bar:
        for batch in _batches(pending):
            index.begin()
            stale: list[str] = []
            pairs = [(article, chunk) for article, _, chunks in batch for chunk in chunks]
            texts = [index.embedding_text(article, chunk) for article, chunk in pairs]
            index.add_chunks(pairs, index.embedder.embed(texts))  # sorted by length inside
            for article, rel_path, chunks in batch:
                old = manifest.articles.get(article.doc_id)
                stale += [c[0] for c in old["chunks"]] if old else []
                manifest.articles[article.doc_id] = {
                    "hash": article.content_hash,
                    "path": rel_path,
                    "aliases": scan.aliases.get(article.doc_id, []),
                    "chunks": [[c.chunk_id, c.start, c.end] for c in chunks],
                }
                articles[article.doc_id] = article
                report.chunks_embedded += len(chunks)
                bar.update(len(chunks))
            index.save(articles)  # the commit point: new chunks become the article's
            index.delete_chunks(stale)

    gone = [d for d in manifest.articles
            if d not in scan.articles and not scan.failed(manifest.articles[d]["path"])]
    if gone:
        index.begin()
        stale = [c[0] for doc_id in gone for c in manifest.articles.pop(doc_id)["chunks"]]
        for doc_id in gone:
            articles.pop(doc_id, None)
        index.save(articles)
        index.delete_chunks(stale)
        report.removed.extend(gone)

    index.save_manifest()  # the corpus folder and aliases, even when no article changed
    if report.changed or not index.has_keyword_index():
        index.rebuild_keyword_index()
    index.finish()


def _batches(pending: list[tuple[Article, str, list[Chunk]]]):
    batch, size = [], 0
    for item in pending:
        batch.append(item)
        size += len(item[2])
        if size >= BATCH_CHUNKS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
