"""The article index: an article store (articles, manifest entries, keyword index; SQLite or
PostgreSQL) beside a vector store (Chroma), kept in step. Vectors are added before the store
commits a batch and stale ones deleted after, with a journal of pending chunk ids in the store,
so a writer killed anywhere leaves every article wholly old or wholly new."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from index.article_store import (COLLECTION, ArticleStore, ArticleWrite, ChunkSpan, IndexInfo,
                                 ManifestEntry, Relink, SearchFilters, open_store)
from index.chunking import MAX_CHARS, OVERLAP
from index.documents import Article, Chunk
from index.errors import IndexLocked, ModelMismatch, StoreUnavailable
from index.sentence_vectors import sentence_key, unpack
from index.terms import TermStats, keyword_terms
from index.vectors import ChromaVectors, VectorStore, embedding_text

# Postings a keyword search reads at most (see KeywordRetriever): the development sets answer
# the same at 2,500 as at 10,000, and a search reads fewer rows.
KEYWORD_POSTINGS = 2_500

__all__ = ["ArticleIndex", "ArticleLookup", "IndexLocked", "KeywordRetriever", "ModelMismatch",
           "SearchFilters", "StoreUnavailable", "reset_index"]


class ArticleLookup(Mapping[str, Article]):
    """Committed articles by doc_id, fetched from the store when asked for; the most recent
    few are cached until the next commit."""

    def __init__(self, store: ArticleStore, cache_size: int = 512) -> None:
        self._store = store
        self._cache: OrderedDict[str, Article | None] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def get(self, doc_id: str, default: Any = None) -> Any:
        with self._lock:
            if doc_id in self._cache:
                self._cache.move_to_end(doc_id)
                found = self._cache[doc_id]
                return default if found is None else found
        found = self._store.article(doc_id)
        with self._lock:
            self._cache[doc_id] = found
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return default if found is None else found

    def __getitem__(self, doc_id: str) -> Article:
        found = self.get(doc_id)
        if found is None:
            raise KeyError(doc_id)
        return found

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self.get(doc_id) is not None

    def __len__(self) -> int:
        return self._store.article_count()

    def __iter__(self) -> Iterator[str]:
        return (doc_id for doc_id, _ in self._store.doc_paths())

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()


class ArticleIndex:
    """Open (or create) the index. Articles and keywords go to SQLite in `index_dir`, or to
    the PostgreSQL database at `store_url`; vectors to an embedded Chroma under `index_dir`,
    or to the Chroma server at `chroma_url`."""

    def __init__(
        self,
        index_dir: Path,
        embedder: Any,
        chroma_url: str | None = None,
        collection: str = COLLECTION,
        chunk_chars: int = MAX_CHARS,
        chunk_overlap: int = OVERLAP,
        store_url: str | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.chroma_url = chroma_url
        self.store_url = store_url
        self.chunking = {"max_chars": chunk_chars, "overlap": chunk_overlap}
        self.store: ArticleStore = open_store(self.index_dir, store_url, collection)
        self.vectors: VectorStore = ChromaVectors(self.index_dir, chroma_url, collection)
        self.articles = ArticleLookup(self.store)
        self._generation = self.store.generation()
        self._refreshing = threading.Lock()
        self._term_stats: TermStats | None = None
        self._sources: list[str] | None = None
        self.info = self._checked_info()
        self._recover_if_abandoned()

    def _checked_info(self) -> IndexInfo:
        stored = self.store.info()
        if stored is None:
            return IndexInfo(self.embedder.model_name, 0, dict(self.chunking))
        if stored.model != self.embedder.model_name or stored.chunking != self.chunking:
            raise ModelMismatch(
                f"the index in {self.location} was built with model {stored.model!r} and "
                f"chunking {stored.chunking}, not {self.embedder.model_name!r} and "
                f"{self.chunking}. Rebuild it: newsdesk ingest --rebuild --index-dir "
                f"{self.index_dir}, or use the settings it was built with."
            )
        return stored

    @property
    def location(self) -> str:
        return self.store_url and self.store.location or str(self.index_dir)

    # --- what the index holds ----------------------------------------------------------------
    def refresh(self) -> bool:
        """Notice a commit by any process (the store's generation number) and drop what was
        cached from before it. Returns whether anything changed."""
        with self._refreshing:
            generation = self.store.generation()
            if generation == self._generation:
                return False
            self._forget(generation)
            self.vectors.refresh()
            return True

    def _forget(self, generation: int) -> None:
        self._generation = generation
        self.articles.forget()
        self._term_stats = None
        self._sources = None
        self.info = self.store.info() or self.info

    @property
    def generation(self) -> int:
        return self._generation

    def article(self, doc_id: str) -> Article:
        return self.articles[doc_id]

    def entry(self, doc_id: str) -> ManifestEntry | None:
        return self.store.entry(doc_id)

    def entries(self) -> Iterator[ManifestEntry]:
        """Every committed article's manifest entry, one at a time."""
        for doc_id, _ in self.store.doc_paths():
            entry = self.store.entry(doc_id)
            if entry is not None:
                yield entry

    def chunks(self, doc_id: str) -> list[Chunk]:
        entry, text = self.store.entry(doc_id), self.article(doc_id).text
        return [Chunk(c.chunk_id, doc_id, text[c.start : c.end], c.start, c.end)
                for c in (entry.chunks if entry else ())]

    def article_count(self) -> int:
        return self.store.article_count()

    def chunk_count(self) -> int:
        return self.store.chunk_count()

    def sources(self) -> list[str]:
        """The outlets the articles name (cached until the next commit)."""
        if self._sources is None:
            self._sources = self.store.sources()
        return self._sources

    def spans(self, chunk_ids: list[str]) -> dict[str, ChunkSpan]:
        return self.store.spans(chunk_ids)

    def sentence_vectors(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The vectors stored at ingest for those of the sentence `texts` that have one."""
        keys = {sentence_key(text): text for text in texts}
        return {keys[key]: unpack(blob)
                for key, blob in self.store.sentence_vectors(list(keys)).items()}

    def fingerprint(self) -> str:
        """Changes whenever the set of committed article versions changes."""
        return self.store.corpus_fingerprint()

    def term_stats(self) -> TermStats:
        """Chunk frequencies of stems, from the store (cached until the next commit)."""
        if self._term_stats is None:
            self._term_stats = TermStats(self.store)
        return self._term_stats

    # --- writing -------------------------------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the archive's writer lock; refuse at once if another process holds it."""
        refusal = (
            f"another process is writing to the index in {self.location}; wait for it to "
            "finish. To let several machines write to one archive, use server mode: "
            "--chroma-url with --store-url postgresql://..."
        )
        with self.store.write_lock(refusal):
            self.refresh()  # start from every commit so far, whoever made it
            self._recover()
            yield

    def _recover_if_abandoned(self) -> None:
        """On open: if a writer died mid-batch and no one holds the lock, clean up now."""
        if self.store.pending():
            with self.store.try_write_lock() as held:
                if held:
                    self._recover()

    def _recover(self) -> None:
        """Delete the vectors of chunks that a writer that died added but never committed,
        or committed as replaced but never deleted."""
        pending = self.store.pending()
        if pending:
            self.vectors.delete(self.store.uncommitted(pending))
            self.store.clear_pending(pending)

    def add_chunks(self, chunks: list[tuple[Article, Chunk]], vectors: list[list[float]]) -> None:
        """Journal the chunks as pending, then store their vectors (not yet committed)."""
        self.store.mark_pending([chunk.chunk_id for _, chunk in chunks])
        self.vectors.add(chunks, vectors)

    def commit(self, writes: list[ArticleWrite], removed: list[str] = (),
               relinks: list[Relink] = ()) -> None:
        """The commit point of a batch: articles, chunks and keywords in one transaction;
        then the replaced chunks' vectors are deleted."""
        stale = self.store.commit(self.info, writes, list(removed), list(relinks))
        self.vectors.delete(stale)
        self.store.clear_pending(stale)
        with self._refreshing:  # this process's vectors are current: it wrote them
            self._forget(self.store.generation())

    @staticmethod
    def embedding_text(article: Article, chunk: Chunk) -> str:
        return embedding_text(article, chunk)

    # --- retrieval -------------------------------------------------------------------------------
    def dense_retriever(self, top_k: int, filters: SearchFilters | None = None) -> BaseRetriever:
        return _ById(self.vectors.retriever(self.embedder, top_k, filters))

    def keyword_retriever(self, top_k: int, filters: SearchFilters | None = None) -> BaseRetriever:
        return KeywordRetriever(self.store, top_k, filters)


class _ById(BaseRetriever):
    """Hits as bare chunk ids (the node text is the id), so that fusion matches the same
    chunk from any retriever; where it sits is read from the article store."""

    def __init__(self, inner: BaseRetriever) -> None:
        super().__init__()
        self._inner = inner

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [_hit(hit.node.node_id, hit.score or 0.0) for hit in self._inner.retrieve(query_bundle)]


class KeywordRetriever(BaseRetriever):
    """The article store's keyword search (BM25 in SQLite, ts_rank in PostgreSQL) as a
    llama-index retriever, with the same outlet and date filters as the dense one.

    Ranking reads every posting of the terms searched, so a question's terms are searched
    rarest first, up to `postings` postings in all (at least one term): the cost stays the
    same however large the archive grows, and what is left out are the commonest terms,
    which weigh least in BM25. Below that many postings the search is plain BM25."""

    def __init__(self, store: ArticleStore, top_k: int, filters: SearchFilters | None,
                 postings: int = KEYWORD_POSTINGS) -> None:
        super().__init__()
        self._store, self._top_k, self._filters = store, top_k, filters
        self._postings = postings

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        terms = list(dict.fromkeys(keyword_terms(query_bundle.query_str)))
        found = self._store.document_frequencies(terms)
        searched, postings = [], 0
        for term in sorted(found, key=lambda t: (found[t], t)):
            if searched and postings + found[term] > self._postings:
                break
            searched.append(term)
            postings += found[term]
        return [_hit(chunk_id, score) for chunk_id, score
                in self._store.keyword_search(searched, self._top_k, self._filters)]


def _hit(chunk_id: str, score: float) -> NodeWithScore:
    return NodeWithScore(node=TextNode(id_=chunk_id, text=chunk_id), score=score)


def reset_index(index_dir: Path, chroma_url: str | None = None, collection: str = COLLECTION,
                store_url: str | None = None) -> None:
    """Delete an index: its Chroma collection and its article store (also one of the older
    format, which cannot be opened)."""
    ChromaVectors(Path(index_dir), chroma_url, collection).reset()
    if store_url:
        open_store(Path(index_dir), store_url, collection).reset()
    else:
        from index.sqlite_store import delete_database

        delete_database(Path(index_dir))

