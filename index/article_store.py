"""The store for articles, their manifest entries and the keyword index: one interface, with
SQLite (embedded, beside an embedded Chroma) and PostgreSQL (server mode) behind it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

from index.documents import Article, Chunk
from index.errors import OldIndexFormat

COLLECTION = "newsdesk"  # the default name of an archive: its Chroma collection and store


@dataclass(frozen=True)
class SearchFilters:
    """Restrict retrieval to some outlets and/or a published-date range (inclusive)."""

    sources: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    @property
    def day_from(self) -> int | None:
        return day_number(self.date_from) if self.date_from else None

    @property
    def day_to(self) -> int | None:
        return day_number(self.date_to) if self.date_to else None


def day_number(value: date | None) -> int:
    """A date as the integer YYYYMMDD (0 for none), which stores can compare."""
    return value.year * 10000 + value.month * 100 + value.day if value else 0


@dataclass(frozen=True)
class ChunkSpan:
    """Where a chunk sits in its article's cleaned text."""

    chunk_id: str
    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
class ManifestEntry:
    """One committed article: its version (content hash), the folder it was ingested from
    and its file there, other files with the same text, and its chunks."""

    doc_id: str
    content_hash: str
    origin: str
    path: str
    aliases: tuple[str, ...] = ()
    chunks: tuple[ChunkSpan, ...] = ()


@dataclass(frozen=True)
class ArticleListing:
    """One line of the list of indexed articles."""

    doc_id: str
    title: str
    source: str
    published: date | None
    path: str
    chunks: int


@dataclass(frozen=True)
class IndexInfo:
    """What built the index: the embedding model, vector size, chunking and corpus folder."""

    model: str
    dimensions: int
    chunking: dict[str, int] = field(default_factory=dict)
    corpus: str = ""


@dataclass(frozen=True)
class ArticleWrite:
    """A new or changed article to commit: its text, where it came from, its chunks, the
    keyword terms of each chunk, and its sentence vectors (key, packed vector) if embedded."""

    article: Article
    origin: str
    path: str
    aliases: tuple[str, ...]
    chunks: tuple[Chunk, ...]
    terms: tuple[tuple[str, ...], ...]
    sentences: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class Relink:
    """An unchanged article whose folder, file name or duplicate files changed."""

    doc_id: str
    origin: str
    path: str
    aliases: tuple[str, ...]


class ArticleStore(Protocol):
    """Articles, manifest entries and keyword index, committed together; a generation number
    that each commit raises, so long-lived readers notice other processes' writes."""

    location: str

    def info(self) -> IndexInfo | None: ...
    def generation(self) -> int: ...
    def corpus_fingerprint(self) -> str: ...
    def article(self, doc_id: str) -> Article | None: ...
    def entry(self, doc_id: str, with_chunks: bool = True) -> ManifestEntry | None: ...
    def doc_paths(self, origin: str | None = None) -> Iterator[tuple[str, str]]: ...
    def listing(self) -> Iterator[ArticleListing]: ...
    def article_count(self) -> int: ...
    def chunk_count(self) -> int: ...
    def sources(self) -> list[str]: ...
    def spans(self, chunk_ids: list[str]) -> dict[str, ChunkSpan]: ...
    def keyword_search(self, terms: list[str], top_k: int,
                       filters: SearchFilters | None) -> list[tuple[str, float]]: ...
    def document_frequencies(self, terms: list[str]) -> dict[str, int]: ...
    def vocabulary_size(self) -> int: ...
    def terms_with_prefix(self, prefix: str) -> list[str]: ...
    def terms_by_shape(self, first: str, min_length: int, max_length: int) -> list[str]: ...
    def word_cases(self, words: list[str]) -> dict[str, tuple[int, int]]: ...
    def sentence_vectors(self, keys: list[str]) -> dict[str, bytes]: ...
    def lacking_sentence_vectors(self, doc_ids: list[str]) -> list[str]: ...
    def add_sentence_vectors(self, rows: list[tuple[str, str, bytes]]) -> None: ...
    def mark_pending(self, chunk_ids: list[str]) -> None: ...
    def pending(self) -> list[str]: ...
    def clear_pending(self, chunk_ids: list[str]) -> None: ...
    def uncommitted(self, chunk_ids: list[str]) -> list[str]: ...
    def commit(self, info: IndexInfo, writes: list[ArticleWrite], removed: list[str],
               relinks: list[Relink] = ()) -> list[str]: ...
    def write_lock(self, refusal: str) -> AbstractContextManager[None]: ...
    def try_write_lock(self) -> AbstractContextManager[bool]: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...


LEGACY_FILES = ("manifest.json", "articles.json", "journal.json", "write.lock")


def open_store(index_dir: Path, store_url: str | None = None,
               collection: str = COLLECTION) -> ArticleStore:
    """The PostgreSQL store at `store_url`, or the SQLite store in `index_dir`."""
    if store_url:
        from index.postgres_store import PostgresStore

        return PostgresStore(store_url, collection)
    from index.sqlite_store import SQLiteStore

    index_dir = Path(index_dir)
    if (index_dir / "manifest.json").exists() and not SQLiteStore.exists(index_dir):
        raise OldIndexFormat(
            f"the index in {index_dir} was built by an older Newsdesk (manifest.json, "
            f"articles.json); rebuild it: newsdesk ingest --rebuild --index-dir {index_dir}"
        )
    return SQLiteStore(index_dir)
