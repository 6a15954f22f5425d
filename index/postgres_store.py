"""The server-mode article store: PostgreSQL, with a GIN-indexed tsvector of each chunk's
terms for keyword search. Any number of machines read it; writers take turns through an
advisory lock, which the server releases when the holder's connection goes away."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from index.article_store import COLLECTION, SearchFilters
from index.errors import StoreUnavailable
from index.sql_store import ARTICLES_SCHEMA, SqlStore

TABLES = ("meta", "articles", "chunks", "vocab", "pending", "word_case", "sentence_vectors")

SCHEMA = ARTICLES_SCHEMA + """
CREATE TABLE IF NOT EXISTS chunks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL, seq INTEGER NOT NULL, start_at INTEGER NOT NULL,
    end_at INTEGER NOT NULL, source TEXT NOT NULL, published_day INTEGER NOT NULL,
    terms TEXT NOT NULL,
    tsv TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks (doc_id, seq);
CREATE INDEX IF NOT EXISTS chunks_tsv ON chunks USING GIN (tsv);
CREATE TABLE IF NOT EXISTS vocab (
    term TEXT PRIMARY KEY, df INTEGER NOT NULL, first TEXT NOT NULL, len INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS vocab_shape ON vocab (first, len);
CREATE TABLE IF NOT EXISTS pending (chunk_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS sentence_vectors (
    doc_id TEXT NOT NULL, key TEXT NOT NULL, vector BYTEA NOT NULL);
CREATE INDEX IF NOT EXISTS sentence_vectors_key ON sentence_vectors (key);
CREATE INDEX IF NOT EXISTS sentence_vectors_doc ON sentence_vectors (doc_id);
"""


class PostgresStore(SqlStore):
    """Articles and keywords in the PostgreSQL database at `url` (postgresql://...)."""

    placeholder = "%s"

    def __init__(self, url: str, collection: str = COLLECTION) -> None:
        self.url = url
        self.location = _without_password(url)
        self._lock_key = _lock_key(f"newsdesk writer:{collection}")
        self._schema_key = _lock_key(f"newsdesk schema:{collection}")
        super().__init__()

    def _connect(self) -> Any:
        import psycopg

        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._schema_key,))
                conn.execute(SCHEMA)
        except psycopg.Error as error:
            raise StoreUnavailable(
                f"cannot open the article store at {self.location}: {error}") from error
        return conn

    def _rows(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        import psycopg

        try:
            return super()._rows(sql, params)
        except psycopg.OperationalError as error:
            raise StoreUnavailable(
                f"the article store at {self.location} stopped answering: {error}") from error

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._lock, self._conn.transaction(), self._conn.cursor() as cur:
            yield cur

    def _insert_chunk(self, cur: Any, row: tuple) -> int:
        cur.execute("INSERT INTO chunks (chunk_id, doc_id, seq, start_at, end_at, source, "
                    "published_day, terms) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                    row)
        return int(cur.fetchone()[0])

    def keyword_search(self, terms: list[str], top_k: int,
                       filters: SearchFilters | None) -> list[tuple[str, float]]:
        """The `top_k` chunks whose terms match any of `terms`, best ts_rank first."""
        if not terms or top_k <= 0:
            return []
        query = " | ".join("'" + t.replace("'", "''").replace("\\", "") + "'" for t in terms)
        where, params = self._filter_sql(filters)
        rows = self._rows(
            "SELECT c.chunk_id, ts_rank(c.tsv, q, 1) AS score "
            "FROM chunks c, to_tsquery('simple', ?) q "
            f"WHERE c.tsv @@ q{where} ORDER BY score DESC LIMIT ?", [query, *params, top_k])
        return [(chunk_id, float(score)) for chunk_id, score in rows]

    @contextmanager
    def try_write_lock(self) -> Iterator[bool]:
        """A session advisory lock on a connection of its own: the server releases it when
        the connection closes, including when the holding process is killed."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
            held = conn.execute("SELECT pg_try_advisory_lock(%s)", (self._lock_key,)).fetchone()[0]
            try:
                yield bool(held)
            finally:
                if held:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (self._lock_key,))

    def reset(self) -> None:
        with self._transaction() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {', '.join(TABLES)}")
        self.close()


def _lock_key(name: str) -> int:
    """A 64-bit advisory lock key for `name`."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _without_password(url: str) -> str:
    """The URL as it may be shown in messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))
