"""The embedded article store: one SQLite database (WAL) in the index folder, with an FTS5
keyword index ranked by bm25()."""

from __future__ import annotations

import fcntl
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from index.article_store import LEGACY_FILES, SearchFilters
from index.errors import StoreUnavailable
from index.sql_store import ARTICLES_SCHEMA, SqlStore

DATABASE = "store.sqlite"

SCHEMA = ARTICLES_SCHEMA + """
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL,
    seq INTEGER NOT NULL, start_at INTEGER NOT NULL, end_at INTEGER NOT NULL,
    source TEXT NOT NULL, published_day INTEGER NOT NULL, terms TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks (doc_id, seq);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_fts USING fts5 (
    terms, content = 'chunks', content_rowid = 'id', tokenize = "unicode61 tokenchars '_'");
CREATE TABLE IF NOT EXISTS vocab (
    term TEXT PRIMARY KEY, df INTEGER NOT NULL, first TEXT NOT NULL, len INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS vocab_shape ON vocab (first, len);
CREATE TABLE IF NOT EXISTS pending (chunk_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sentence_vectors (
    doc_id TEXT NOT NULL, key TEXT NOT NULL, vector BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS sentence_vectors_key ON sentence_vectors (key);
CREATE INDEX IF NOT EXISTS sentence_vectors_doc ON sentence_vectors (doc_id);
"""


class SQLiteStore(SqlStore):
    """Articles and keywords in `index_dir/store.sqlite`. Readers never block the writer
    (WAL); one writer at a time holds an OS lock beside the database."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self.path = self.index_dir / DATABASE
        self.location = str(self.path)
        super().__init__()

    @staticmethod
    def exists(index_dir: Path) -> bool:
        return (Path(index_dir) / DATABASE).exists()

    def _connect(self) -> sqlite3.Connection:
        try:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=60)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as error:
            raise StoreUnavailable(f"cannot open the article store {self.path}: {error}") from error
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            else:
                cur.execute("COMMIT")
            finally:
                cur.close()

    def _insert_chunk(self, cur: sqlite3.Cursor, row: tuple) -> int:
        cur.execute("INSERT INTO chunks (chunk_id, doc_id, seq, start_at, end_at, source, "
                    "published_day, terms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
        return int(cur.lastrowid)

    def _index_terms(self, cur: sqlite3.Cursor, rows: list[tuple[int, str]]) -> None:
        cur.executemany("INSERT INTO chunk_fts (rowid, terms) VALUES (?, ?)", rows)

    def _unindex_terms(self, cur: sqlite3.Cursor, rows: list[tuple[int, str]]) -> None:
        cur.executemany("INSERT INTO chunk_fts (chunk_fts, rowid, terms) VALUES ('delete', ?, ?)",
                        rows)

    def keyword_search(self, terms: list[str], top_k: int,
                       filters: SearchFilters | None) -> list[tuple[str, float]]:
        """The `top_k` chunks that hold any of `terms`, best BM25 first."""
        if not terms or top_k <= 0:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        where, params = self._filter_sql(filters)
        if where:
            rows = self._rows(
                "SELECT c.chunk_id, bm25(chunk_fts) AS score FROM chunk_fts "
                f"JOIN chunks c ON c.id = chunk_fts.rowid WHERE chunk_fts MATCH ?{where} "
                "ORDER BY score LIMIT ?", [match, *params, top_k])
        else:  # rank first, then look up only the top rows
            rows = self._rows(
                "SELECT c.chunk_id, s.score FROM (SELECT rowid, bm25(chunk_fts) AS score "
                "FROM chunk_fts WHERE chunk_fts MATCH ? ORDER BY score LIMIT ?) s "
                "JOIN chunks c ON c.id = s.rowid ORDER BY s.score", [match, top_k])
        return [(chunk_id, -score) for chunk_id, score in rows]

    @contextmanager
    def try_write_lock(self) -> Iterator[bool]:
        """Hold the writer lock if no other process does; yields whether it is held. The OS
        drops it when the holder dies, however it dies."""
        with open(self.path.with_name(DATABASE + ".writer"), "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def reset(self) -> None:
        self.close()
        delete_database(self.index_dir)


def delete_database(index_dir: Path) -> None:
    """Delete the store in `index_dir`, and any index files of the older format."""
    index_dir = Path(index_dir)
    for name in (DATABASE, DATABASE + "-wal", DATABASE + "-shm", DATABASE + ".writer",
                 *LEGACY_FILES):
        (index_dir / name).unlink(missing_ok=True)
    shutil.rmtree(index_dir / "keyword", ignore_errors=True)
