"""What the SQLite and PostgreSQL stores share: the tables, the reads, and the commit that
writes a batch of articles, their chunks and keyword rows, and the vocabulary in one
transaction. Each backend adds its connection, its full-text index and its writer lock."""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from index.article_store import (ArticleListing, ArticleWrite, ChunkSpan, IndexInfo, ManifestEntry, Relink,
                                 SearchFilters, day_number)
from index.documents import Article
from index.errors import IndexLocked
from index.text import word_cases

FORMAT_VERSION = "2"
_IN_CHUNKS = 500  # ids per IN (...) list

# The tables both backends write alike; each adds its chunks, keywords and vocabulary.
ARTICLES_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    doc_id TEXT PRIMARY KEY, hash TEXT NOT NULL, origin TEXT NOT NULL, path TEXT NOT NULL,
    aliases TEXT NOT NULL,
    title TEXT NOT NULL, source TEXT NOT NULL, published TEXT, url TEXT NOT NULL,
    author TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS articles_source ON articles (source);
CREATE INDEX IF NOT EXISTS articles_origin ON articles (origin, doc_id);
CREATE TABLE IF NOT EXISTS word_case (
    word TEXT PRIMARY KEY, inside INTEGER NOT NULL, capitalised INTEGER NOT NULL);
"""
# Articles read at a time when word cases are first counted in a store from before them.
_RECOUNT_PAGE = 500


class SqlStore:
    """The shared part of a relational article store. Subclasses set `placeholder` and
    implement `_connect`, `_begin`, the full-text methods and the writer lock."""

    placeholder = "?"
    location = ""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._conn = self._connect()
        self._count_word_cases()

    # --- backend hooks -------------------------------------------------------------------------
    def _connect(self) -> Any:
        raise NotImplementedError

    def _transaction(self) -> Any:
        """A context manager around one write transaction, yielding a cursor."""
        raise NotImplementedError

    def _insert_chunk(self, cur: Any, row: tuple) -> int:
        """Insert a chunk row, returning its integer id."""
        raise NotImplementedError

    def _index_terms(self, cur: Any, rows: list[tuple[int, str]]) -> None:
        """Add chunks' terms (id, space-separated terms) to the full-text index."""

    def _unindex_terms(self, cur: Any, rows: list[tuple[int, str]]) -> None:
        """Remove chunks' terms from the full-text index, before their rows are deleted."""

    # --- helpers -------------------------------------------------------------------------------
    @contextmanager
    def write_lock(self, refusal: str) -> Iterator[None]:
        """Hold the writer lock (`try_write_lock`, the backend's own); IndexLocked with
        `refusal` when another process holds it."""
        with self.try_write_lock() as held:
            if not held:
                raise IndexLocked(refusal)
            yield

    def _sql(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def _rows(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        with self._lock:
            cur = self._conn.cursor()
            try:
                cur.execute(self._sql(sql), tuple(params))
                return list(cur.fetchall())
            finally:
                cur.close()

    def _value(self, sql: str, params: tuple | list = (), default: Any = None) -> Any:
        rows = self._rows(sql, params)
        return rows[0][0] if rows and rows[0][0] is not None else default

    def _meta(self, key: str, default: str | None = None) -> str | None:
        return self._value("SELECT value FROM meta WHERE key = ?", (key,), default)

    @staticmethod
    def _set_meta(cur: Any, sql: Any, values: dict[str, str]) -> None:
        for key, value in values.items():
            cur.execute(sql("INSERT INTO meta (key, value) VALUES (?, ?) "
                            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
                        (key, value))

    # --- reads ---------------------------------------------------------------------------------
    def info(self) -> IndexInfo | None:
        rows = dict(self._rows("SELECT key, value FROM meta"))
        if "model" not in rows:
            return None
        return IndexInfo(model=rows["model"], dimensions=int(rows["dimensions"]),
                         chunking=json.loads(rows["chunking"]), corpus=rows.get("corpus", ""))

    def generation(self) -> int:
        return int(self._meta("generation", "0"))

    def corpus_fingerprint(self) -> str:
        return self._meta("fingerprint", "0" * 16)

    def article(self, doc_id: str) -> Article | None:
        rows = self._rows("SELECT doc_id, title, source, published, url, author, text "
                          "FROM articles WHERE doc_id = ?", (doc_id,))
        if not rows:
            return None
        doc_id, title, source, published, url, author, text = rows[0]
        return Article(doc_id, title, source, date.fromisoformat(published) if published else None,
                       url, text, author)

    def entry(self, doc_id: str, with_chunks: bool = True) -> ManifestEntry | None:
        rows = self._rows("SELECT hash, origin, path, aliases FROM articles WHERE doc_id = ?",
                          (doc_id,))
        if not rows:
            return None
        chunks = self._rows("SELECT chunk_id, start_at, end_at FROM chunks WHERE doc_id = ? "
                            "ORDER BY seq", (doc_id,)) if with_chunks else []
        content_hash, origin, path, aliases = rows[0]
        return ManifestEntry(doc_id, content_hash, origin, path, tuple(json.loads(aliases)),
                             tuple(ChunkSpan(c, doc_id, s, e) for c, s, e in chunks))

    def doc_paths(self, origin: str | None = None) -> Iterator[tuple[str, str]]:
        """Every committed (doc_id, path), or those ingested from the folder `origin`, read
        a page at a time."""
        last = ""
        where, params = ("AND origin = ? ", [origin]) if origin is not None else ("", [])
        while True:
            page = self._rows(f"SELECT doc_id, path FROM articles WHERE doc_id > ? {where}"
                              "ORDER BY doc_id LIMIT 5000", [last, *params])
            yield from page
            if len(page) < 5000:
                return
            last = page[-1][0]

    def listing(self) -> Iterator[ArticleListing]:
        """Every article's title, outlet, date, file and chunk count, a page at a time."""
        last = ""
        while True:
            page = self._rows(
                "SELECT a.doc_id, a.title, a.source, a.published, a.path, "
                "(SELECT count(*) FROM chunks c WHERE c.doc_id = a.doc_id) FROM articles a "
                "WHERE a.doc_id > ? ORDER BY a.doc_id LIMIT 1000", (last,))
            for doc_id, title, source, published, path, chunks in page:
                yield ArticleListing(doc_id, title, source,
                                     date.fromisoformat(published) if published else None,
                                     path, int(chunks))
            if len(page) < 1000:
                return
            last = page[-1][0]

    def article_count(self) -> int:
        return int(self._meta("articles", "0"))

    def chunk_count(self) -> int:
        return int(self._meta("chunks", "0"))

    def sources(self) -> list[str]:
        return [s for (s,) in self._rows(
            "SELECT DISTINCT source FROM articles WHERE source <> '' ORDER BY source")]

    def spans(self, chunk_ids: list[str]) -> dict[str, ChunkSpan]:
        found: dict[str, ChunkSpan] = {}
        for part in _parts(list(dict.fromkeys(chunk_ids))):
            marks = ", ".join("?" * len(part))
            for chunk_id, doc_id, start, end in self._rows(
                f"SELECT chunk_id, doc_id, start_at, end_at FROM chunks WHERE chunk_id IN ({marks})",
                part,
            ):
                found[chunk_id] = ChunkSpan(chunk_id, doc_id, start, end)
        return found

    def document_frequencies(self, terms: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for part in _parts(list(dict.fromkeys(terms))):
            marks = ", ".join("?" * len(part))
            found.update(self._rows(f"SELECT term, df FROM vocab WHERE term IN ({marks})", part))
        return found

    def vocabulary_size(self) -> int:
        return int(self._meta("vocabulary", "0"))

    def terms_with_prefix(self, prefix: str) -> list[str]:
        return [t for (t,) in self._rows(
            "SELECT term FROM vocab WHERE term >= ? AND term < ? ORDER BY term",
            (prefix, prefix + "\uffff"))]

    def terms_by_shape(self, first: str, min_length: int, max_length: int) -> list[str]:
        return [t for (t,) in self._rows(
            "SELECT term FROM vocab WHERE first = ? AND len BETWEEN ? AND ? ORDER BY len, term",
            (first, min_length, max_length))]

    def word_cases(self, words: list[str]) -> dict[str, tuple[int, int]]:
        """For each of `words` (lower case) the articles use inside a sentence: how often,
        and how often capitalised."""
        found: dict[str, tuple[int, int]] = {}
        for part in _parts(list(dict.fromkeys(words))):
            marks = ", ".join("?" * len(part))
            for word, inside, capitalised in self._rows(
                    f"SELECT word, inside, capitalised FROM word_case WHERE word IN ({marks})",
                    part):
                found[word] = (int(inside), int(capitalised))
        return found

    @staticmethod
    def _filter_sql(filters: SearchFilters | None) -> tuple[str, list]:
        """Extra WHERE conditions on the chunks table `c`, with their parameters."""
        if filters is None:
            return "", []
        sql, params = "", []
        if filters.sources:
            sql += f" AND c.source IN ({', '.join('?' * len(filters.sources))})"
            params += list(filters.sources)
        if filters.day_from:
            sql += " AND c.published_day >= ?"
            params.append(filters.day_from)
        if filters.day_to:
            sql += " AND c.published_day <= ?"
            params.append(filters.day_to)
        return sql, params

    # --- the journal of chunks whose vectors may be in the vector store but not committed -------
    def mark_pending(self, chunk_ids: list[str]) -> None:
        with self._transaction() as cur:
            self._add_pending(cur, chunk_ids)

    def _add_pending(self, cur: Any, chunk_ids: list[str]) -> None:
        if chunk_ids:
            cur.executemany(self._sql("INSERT INTO pending (chunk_id) VALUES (?) "
                                      "ON CONFLICT (chunk_id) DO NOTHING"),
                            [(c,) for c in chunk_ids])

    def pending(self) -> list[str]:
        return [c for (c,) in self._rows("SELECT chunk_id FROM pending ORDER BY chunk_id")]

    def clear_pending(self, chunk_ids: list[str]) -> None:
        with self._transaction() as cur:
            cur.executemany(self._sql("DELETE FROM pending WHERE chunk_id = ?"),
                            [(c,) for c in chunk_ids])

    def uncommitted(self, chunk_ids: list[str]) -> list[str]:
        """Those of `chunk_ids` that no committed article has."""
        return sorted(set(chunk_ids) - set(self.spans(chunk_ids)))

    def sentence_vectors(self, keys: list[str]) -> dict[str, bytes]:
        """The stored vectors (packed) of those sentence `keys` that have one. A sentence that
        several articles hold has a row in each; one is read."""
        found: dict[str, bytes] = {}
        for key in dict.fromkeys(keys):
            vector = self._value("SELECT vector FROM sentence_vectors WHERE key = ? LIMIT 1",
                                 (key,))
            if vector is not None:
                found[key] = bytes(vector)
        return found

    def lacking_sentence_vectors(self, doc_ids: list[str]) -> list[str]:
        """Those of `doc_ids` whose sentences have no stored vectors (committed before
        sentence vectors were kept, or ingested without them)."""
        having: set[str] = set()
        for part in _parts(list(dict.fromkeys(doc_ids))):
            marks = ", ".join("?" * len(part))
            having |= {row[0] for row in self._rows(
                f"SELECT DISTINCT doc_id FROM sentence_vectors WHERE doc_id IN ({marks})", part)}
        return [doc_id for doc_id in doc_ids if doc_id not in having]

    def add_sentence_vectors(self, rows: list[tuple[str, str, bytes]]) -> None:
        """Store (doc_id, key, packed vector) rows for committed articles, in one
        transaction; an article's earlier rows are replaced."""
        sql = self._sql
        with self._transaction() as cur:
            for doc_id in dict.fromkeys(row[0] for row in rows):
                cur.execute(sql("DELETE FROM sentence_vectors WHERE doc_id = ?"), (doc_id,))
            self._insert_sentence_vectors(cur, rows)

    def _insert_sentence_vectors(self, cur: Any, rows: list[tuple[str, str, bytes]]) -> None:
        cur.executemany(self._sql("INSERT INTO sentence_vectors (doc_id, key, vector) "
                                  "VALUES (?, ?, ?)"), rows)

    # --- the commit ------------------------------------------------------------------------------
    def commit(self, info: IndexInfo, writes: list[ArticleWrite], removed: list[str],
               relinks: list[Relink] = ()) -> list[str]:
        """One transaction: replace the written articles (text, chunk rows, keyword rows),
        delete the removed ones, update file names, the vocabulary, the counts and the
        generation. Returns the chunk ids that no longer belong to any article; they are
        journalled as pending until the caller deletes their vectors."""
        sql = self._sql
        with self._transaction() as cur:
            fingerprint = int(self._meta_in(cur, "fingerprint", "0" * 16), 16)
            counts = {key: int(self._meta_in(cur, key, "0"))
                      for key in ("articles", "chunks", "vocabulary")}
            # word cases stay counted if they were, or if this commit starts the store
            cases_counted = (not counts["articles"]
                             or self._meta_in(cur, "word_cases", "") == "counted")
            df_delta: Counter[str] = Counter()
            cases: dict[str, list[int]] = {}
            stale: list[str] = []
            new_ids: list[str] = []
            for doc_id in [w.article.doc_id for w in writes] + list(removed):
                cur.execute(sql("SELECT hash, text FROM articles WHERE doc_id = ?"), (doc_id,))
                old = cur.fetchone()
                if old is None:
                    continue
                fingerprint ^= int(old[0], 16)
                _add_cases(cases, old[1], -1)
                counts["articles"] -= 1
                cur.execute(sql("SELECT id, chunk_id, terms FROM chunks WHERE doc_id = ?"), (doc_id,))
                rows = cur.fetchall()
                self._unindex_terms(cur, [(row[0], row[2]) for row in rows])
                for _, chunk_id, terms in rows:
                    df_delta.subtract(set(terms.split()))
                    stale.append(chunk_id)
                counts["chunks"] -= len(rows)
                cur.execute(sql("DELETE FROM chunks WHERE doc_id = ?"), (doc_id,))
                cur.execute(sql("DELETE FROM sentence_vectors WHERE doc_id = ?"), (doc_id,))
                cur.execute(sql("DELETE FROM articles WHERE doc_id = ?"), (doc_id,))
            for write in writes:
                article = write.article
                cur.execute(sql(
                    "INSERT INTO articles (doc_id, hash, origin, path, aliases, title, source, "
                    "published, url, author, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                    (article.doc_id, article.content_hash, write.origin, write.path,
                     json.dumps(list(write.aliases)), article.title, article.source,
                     article.published.isoformat() if article.published else None,
                     article.url, article.author, article.text))
                fingerprint ^= int(article.content_hash, 16)
                _add_cases(cases, article.text, 1)
                counts["articles"] += 1
                day = day_number(article.published)
                indexed = []
                for seq, (chunk, terms) in enumerate(zip(write.chunks, write.terms)):
                    joined = " ".join(terms)
                    row_id = self._insert_chunk(cur, (chunk.chunk_id, article.doc_id, seq,
                                                      chunk.start, chunk.end, article.source,
                                                      day, joined))
                    indexed.append((row_id, joined))
                    df_delta.update(set(terms))
                    new_ids.append(chunk.chunk_id)
                self._index_terms(cur, indexed)
                self._insert_sentence_vectors(
                    cur, [(article.doc_id, key, vector) for key, vector in write.sentences])
                counts["chunks"] += len(write.chunks)
            for relink in relinks:
                cur.execute(sql("UPDATE articles SET origin = ?, path = ?, aliases = ? "
                                "WHERE doc_id = ?"),
                            (relink.origin, relink.path, json.dumps(list(relink.aliases)),
                             relink.doc_id))
            counts["vocabulary"] += self._apply_df(cur, df_delta)
            self._apply_cases(cur, cases)
            new = set(new_ids)
            stale = [c for c in stale if c not in new]
            cur.executemany(sql("DELETE FROM pending WHERE chunk_id = ?"), [(c,) for c in new_ids])
            self._add_pending(cur, stale)
            generation = int(self._meta_in(cur, "generation", "0")) + 1
            self._set_meta(cur, sql, {
                "model": info.model, "dimensions": str(info.dimensions),
                "chunking": json.dumps(info.chunking, sort_keys=True), "corpus": info.corpus,
                "generation": str(generation), "fingerprint": f"{fingerprint:016x}",
                "format": FORMAT_VERSION, **{k: str(v) for k, v in counts.items()},
                **({"word_cases": "counted"} if cases_counted else {}),
            })
        return stale

    def _meta_in(self, cur: Any, key: str, default: str) -> str:
        cur.execute(self._sql("SELECT value FROM meta WHERE key = ?"), (key,))
        row = cur.fetchone()
        return row[0] if row else default

    def _apply_df(self, cur: Any, delta: Counter[str]) -> int:
        """Add `delta` to the terms' document frequencies; returns the change in vocabulary
        size (terms added minus terms whose frequency fell to zero)."""
        changed = {term: n for term, n in delta.items() if n}
        if not changed:
            return 0
        known = self.document_frequencies_in(cur, list(changed))
        rows = [(t, n, t[:1], len(t)) for t, n in changed.items()]
        cur.executemany(self._sql(
            "INSERT INTO vocab (term, df, first, len) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (term) DO UPDATE SET df = vocab.df + excluded.df"), rows)
        emptied = [t for t, n in changed.items() if known.get(t, 0) + n <= 0]
        cur.executemany(self._sql("DELETE FROM vocab WHERE term = ?"), [(t,) for t in emptied])
        added = sum(1 for t in changed if t not in known and changed[t] > 0)
        return added - sum(1 for t in emptied if t in known)

    def _apply_cases(self, cur: Any, delta: dict[str, list[int]]) -> None:
        """Add `delta` to the words' counts of uses inside sentences and capitalised ones;
        a word no article uses any more is dropped."""
        rows = [(w, inside, upper) for w, (inside, upper) in delta.items() if inside or upper]
        cur.executemany(self._sql(
            "INSERT INTO word_case (word, inside, capitalised) VALUES (?, ?, ?) "
            "ON CONFLICT (word) DO UPDATE SET inside = word_case.inside + excluded.inside, "
            "capitalised = word_case.capitalised + excluded.capitalised"), rows)
        gone = [(w,) for w, (inside, _) in delta.items() if inside < 0]
        cur.executemany(self._sql("DELETE FROM word_case WHERE word = ? AND inside <= 0"), gone)

    def _count_word_cases(self) -> None:
        """A store written before word cases were kept counts them once, from every
        article's text, while it holds the writer lock (so no commit runs meanwhile). Until
        then a word is taken for a common one."""
        if self._meta("word_cases") == "counted" or not self._rows("SELECT 1 FROM articles LIMIT 1"):
            return
        with self.try_write_lock() as held:
            if not held or self._meta("word_cases") == "counted":
                return
            print(f"newsdesk: counting how the articles in {self.location} write each word "
                  "(once, for a store written by an earlier version)", file=sys.stderr)
            cases: dict[str, list[int]] = {}
            last = ""
            while page := self._rows("SELECT doc_id, text FROM articles WHERE doc_id > ? "
                                     "ORDER BY doc_id LIMIT ?", (last, _RECOUNT_PAGE)):
                for _, text in page:
                    _add_cases(cases, text, 1)
                last = page[-1][0]
            with self._transaction() as cur:
                cur.execute("DELETE FROM word_case")
                self._apply_cases(cur, cases)
                self._set_meta(cur, self._sql, {"word_cases": "counted"})

    def document_frequencies_in(self, cur: Any, terms: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for part in _parts(terms):
            cur.execute(self._sql(f"SELECT term, df FROM vocab WHERE term IN "
                                  f"({', '.join('?' * len(part))})"), part)
            found.update(cur.fetchall())
        return found

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _add_cases(cases: dict[str, list[int]], text: str, sign: int) -> None:
    for word, (inside, upper) in word_cases(text).items():
        counts = cases.setdefault(word, [0, 0])
        counts[0] += sign * inside
        counts[1] += sign * upper


def _parts(items: list) -> Iterator[list]:
    for start in range(0, len(items), _IN_CHUNKS):
        yield items[start : start + _IN_CHUNKS]
