"""The article index on disk: chunk vectors in Chroma (through llama-index), a BM25 keyword
index beside it, the cleaned articles, and a manifest of what built it."""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from llama_index.core import VectorStoreIndex
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import (
    NodeRelationship,
    NodeWithScore,
    QueryBundle,
    RelatedNodeInfo,
    TextNode,
)
from llama_index.core.vector_stores import (
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
)

from index.chunking import MAX_CHARS, OVERLAP
from index.documents import Article, Chunk
from index.errors import IndexLocked, ModelMismatch, StoreUnavailable
from index.terms import TermStats

MANIFEST_VERSION = 1
COLLECTION = "newsdesk"  # the default Chroma collection
# Chunk metadata that is only for filtering and citing, never embedded or keyword-indexed.
_NOT_EMBEDDED = ["doc_id", "source", "published", "published_day", "url", "start", "end"]


@dataclass(frozen=True)
class SearchFilters:
    """Restrict retrieval to some outlets and/or a published-date range (inclusive)."""

    sources: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def to_metadata_filters(self) -> MetadataFilters | None:
        filters: list[MetadataFilter] = []
        if self.sources:
            filters.append(
                MetadataFilter(key="source", value=list(self.sources), operator=FilterOperator.IN)
            )
        if self.date_from:
            filters.append(MetadataFilter(
                key="published_day", value=_day(self.date_from), operator=FilterOperator.GTE))
        if self.date_to:
            filters.append(MetadataFilter(
                key="published_day", value=_day(self.date_to), operator=FilterOperator.LTE))
        if not filters:
            return None
        return MetadataFilters(filters=filters, condition=FilterCondition.AND)


def _day(value: date | None) -> int:
    """A date as the integer YYYYMMDD (0 for none), which Chroma can compare."""
    return value.year * 10000 + value.month * 100 + value.day if value else 0


@dataclass
class Manifest:
    """What built the index and which chunks each article has."""

    model: str
    dimensions: int
    chunking: dict[str, int]
    corpus: str = ""
    # doc_id -> {"hash": str, "path": str, "chunks": [[chunk_id, start, end], ...]}
    articles: dict[str, dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        self.articles = self.articles or {}

    @property
    def chunk_count(self) -> int:
        return sum(len(entry["chunks"]) for entry in self.articles.values())

    def chunk_ids(self) -> list[str]:
        return [c[0] for entry in self.articles.values() for c in entry["chunks"]]

    def to_dict(self) -> dict:
        return {"version": MANIFEST_VERSION, "model": self.model, "dimensions": self.dimensions,
                "chunking": self.chunking, "corpus": self.corpus, "articles": self.articles}


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON so that a crash leaves either the old file or the new one, never half."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def chroma_client(index_dir: Path, chroma_url: str | None = None) -> Any:
    """A Chroma client: the server at `chroma_url`, or an embedded store under `index_dir`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if chroma_url:
            from urllib.parse import urlparse

            url = urlparse(chroma_url)
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1", port=url.port or 8000,
                ssl=url.scheme == "https", settings=settings,
            )
        Path(index_dir).mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(Path(index_dir) / "chroma"), settings=settings)
    except Exception as error:  # chromadb raises many types; all mean "store unusable"
        where = chroma_url or str(Path(index_dir) / "chroma")
        raise StoreUnavailable(f"cannot open the Chroma store at {where}: {error}") from error


def reset_index(index_dir: Path, chroma_url: str | None = None, collection: str = COLLECTION) -> None:
    """Delete an index: its Chroma collection (through the client, which may be cached in
    this process), its keyword index, articles and manifest."""
    import shutil

    client = chroma_client(index_dir, chroma_url)
    if collection in {c.name for c in client.list_collections()}:
        client.delete_collection(collection)
    index_dir = Path(index_dir)
    shutil.rmtree(index_dir / "keyword", ignore_errors=True)
    for name in ("manifest.json", "articles.json"):
        (index_dir / name).unlink(missing_ok=True)


@contextmanager
def _store_errors(where: str) -> Iterator[None]:
    """Turn a lost connection to a Chroma server into a StoreUnavailable naming it."""
    import httpx

    try:
        yield
    except httpx.HTTPError as error:
        raise StoreUnavailable(f"the Chroma store at {where} stopped answering: {error}") from error


class _Guarded(BaseRetriever):
    """A retriever whose store errors come out as StoreUnavailable."""

    def __init__(self, inner: BaseRetriever, where: str) -> None:
        super().__init__()
        self._inner, self._where = inner, where

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        with _store_errors(self._where):
            return self._inner.retrieve(query_bundle)


class _Matching(BaseRetriever):
    """Keeps the hits of a keyword retriever that match at all: BM25 pads its top k with
    zero-score chunks, including ones the filters exclude."""

    def __init__(self, inner: BaseRetriever) -> None:
        super().__init__()
        self._inner = inner

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [hit for hit in self._inner.retrieve(query_bundle) if (hit.score or 0) > 0]


class ArticleIndex:
    """Open (or create) the index in `index_dir`. Vectors go to an embedded Chroma under it,
    or to the Chroma server at `chroma_url`."""

    def __init__(
        self,
        index_dir: Path,
        embedder: Any,
        chroma_url: str | None = None,
        collection: str = COLLECTION,
        chunk_chars: int = MAX_CHARS,
        chunk_overlap: int = OVERLAP,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.chroma_url = chroma_url
        self.collection_name = collection
        self.chunking = {"max_chars": chunk_chars, "overlap": chunk_overlap}
        self._manifest_path = self.index_dir / "manifest.json"
        self._articles_path = self.index_dir / "articles.json"
        self._keyword_dir = self.index_dir / "keyword"
        self._journal_path = self.index_dir / "journal.json"
        self.manifest = self._load_manifest()
        self._committed = {entry["hash"] for entry in self.manifest.articles.values()}
        self._articles: dict[str, Article] | None = None
        self._versions: dict[str, Article] | None = None  # content hash -> article
        self._collection: Any = None
        self._vector_store: Any = None
        self._vector_index: VectorStoreIndex | None = None
        self._bm25: Any = None
        self._recover_if_abandoned()

    # --- manifest and articles -------------------------------------------------------------
    def _load_manifest(self) -> Manifest:
        if not self._manifest_path.exists():
            return Manifest(model=self.embedder.model_name, dimensions=0, chunking=self.chunking)
        data = json.loads(self._manifest_path.read_text(encoding="utf-8"))
        manifest = Manifest(
            model=data["model"], dimensions=data["dimensions"], chunking=data["chunking"],
            corpus=data.get("corpus", ""), articles=data.get("articles"),
        )
        if manifest.model != self.embedder.model_name or manifest.chunking != self.chunking:
            raise ModelMismatch(
                f"the index in {self.index_dir} was built with model {manifest.model!r} and "
                f"chunking {manifest.chunking}, not {self.embedder.model_name!r} and "
                f"{self.chunking}. Rebuild it: newsdesk ingest --rebuild --index-dir "
                f"{self.index_dir}, or use the settings it was built with."
            )
        return manifest

    @property
    def articles(self) -> dict[str, Article]:
        """The committed articles: each manifest entry's version of the article."""
        if self._articles is None:
            versions = self._stored_versions()
            self._articles = {
                doc_id: versions[entry["hash"]]
                for doc_id, entry in self.manifest.articles.items() if entry["hash"] in versions
            }
        return self._articles

    def _stored_versions(self) -> dict[str, Article]:
        if self._versions is None:
            raw = (json.loads(self._articles_path.read_text(encoding="utf-8"))
                   if self._articles_path.exists() else {})
            self._versions = {key: Article.from_dict(value) for key, value in raw.items()}
        return self._versions

    def article(self, doc_id: str) -> Article:
        return self.articles[doc_id]

    def chunks(self, doc_id: str) -> list[Chunk]:
        text = self.articles[doc_id].text
        return [Chunk(cid, doc_id, text[s:e], s, e)
                for cid, s, e in self.manifest.articles[doc_id]["chunks"]]

    def save(self, articles: dict[str, Article]) -> None:
        """Persist the articles, then the manifest, which is the commit. Article texts are
        kept by version (content hash), and the versions the last committed manifest names
        stay until the next commit: a crash between the two writes leaves every committed
        article readable as it was."""
        self.index_dir.mkdir(parents=True, exist_ok=True)
        stored = self._stored_versions()
        committed = {h: stored[h] for h in self._committed if h in stored}
        versions = committed | {a.content_hash: a for a in articles.values()}
        write_json_atomic(self._articles_path, {k: a.to_dict() for k, a in versions.items()})
        self._versions, self._articles = versions, articles
        self.save_manifest()

    def save_manifest(self) -> None:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self._manifest_path, self.manifest.to_dict())
        self._committed = {entry["hash"] for entry in self.manifest.articles.values()}

    # --- one writer at a time, and recovery from a writer that died ---------------------------
    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the index's write lock; refuse at once if another process holds it."""
        self.index_dir.mkdir(parents=True, exist_ok=True)
        with open(self.index_dir / "write.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexLocked(
                    f"another process is writing to the index in {self.index_dir}; wait for it "
                    "to finish. To let several processes write to one archive, run a Chroma "
                    "server and use --chroma-url (server mode)."
                ) from None
            self._recover()
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def begin(self) -> None:
        """Mark the index as being written, so a crash before `finish` is noticed and undone."""
        write_json_atomic(self._journal_path, {"pid": os.getpid()})

    def finish(self) -> None:
        self._journal_path.unlink(missing_ok=True)

    def _recover_if_abandoned(self) -> None:
        """On open: if a writer died mid-ingest and no one holds the lock, clean up now."""
        if not self._journal_path.exists():
            return
        with open(self.index_dir / "write.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # the writer is alive
            try:
                self._recover()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _recover(self) -> None:
        """Undo what a writer that died left half done: chunks added but never committed to
        the manifest are deleted, and the keyword index is rebuilt from the manifest."""
        if not self._journal_path.exists():
            return
        stored = set(self.collection.get(include=[])["ids"])
        self.delete_chunks(sorted(stored - set(self.manifest.chunk_ids())))
        self.rebuild_keyword_index()
        self.finish()

    def has_keyword_index(self) -> bool:
        return (self._keyword_dir / "retriever.json").exists()

    # --- Chroma ------------------------------------------------------------------------------
    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._collection = self._open_collection()
        return self._collection

    def _open_collection(self) -> Any:
        client = chroma_client(self.index_dir, self.chroma_url)
        try:
            return client.get_or_create_collection(
                self.collection_name, metadata={"hnsw:space": "cosine"}
            )
        except Exception as error:  # chromadb raises many types; all mean "store unusable"
            raise StoreUnavailable(
                f"cannot open the Chroma store at {self.store_location}: {error}"
            ) from error

    @property
    def vector_store(self) -> Any:
        if self._vector_store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._vector_store = ChromaVectorStore(chroma_collection=self.collection)
        return self._vector_store

    def add_chunks(self, chunks: list[tuple[Article, Chunk]], vectors: list[list[float]]) -> None:
        """Store chunks with their vectors, in one call to the store."""
        nodes = [self._node(article, chunk) for article, chunk in chunks]
        for node, vector in zip(nodes, vectors):
            node.embedding = vector
        if nodes:
            with _store_errors(self.store_location):
                self.vector_store.add(nodes)

    def delete_chunks(self, chunk_ids: list[str]) -> None:
        with _store_errors(self.store_location):
            for start in range(0, len(chunk_ids), 5000):
                self.collection.delete(ids=chunk_ids[start : start + 5000])

    def stored_chunk_count(self) -> int:
        with _store_errors(self.store_location):
            return int(self.collection.count())

    @property
    def store_location(self) -> str:
        return self.chroma_url or str(self.index_dir / "chroma")

    @staticmethod
    def _node(article: Article, chunk: Chunk) -> TextNode:
        return TextNode(
            id_=chunk.chunk_id,
            text=chunk.text,
            metadata={
                "doc_id": article.doc_id,
                "title": article.title,
                "source": article.source,
                "published": article.published.isoformat() if article.published else "",
                "published_day": _day(article.published),
                "url": article.url,
                "start": chunk.start,
                "end": chunk.end,
            },
            excluded_embed_metadata_keys=_NOT_EMBEDDED,
            excluded_llm_metadata_keys=_NOT_EMBEDDED,
            relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=article.doc_id)},
        )

    @staticmethod
    def embedding_text(article: Article, chunk: Chunk) -> str:
        """What the model embeds for a chunk: the title gives every chunk its article's topic."""
        return ArticleIndex._node(article, chunk).get_content(metadata_mode="embed")

    # --- retrieval -----------------------------------------------------------------------------
    def dense_retriever(self, top_k: int, filters: SearchFilters | None = None) -> BaseRetriever:
        if self._vector_index is None:
            self._vector_index = VectorStoreIndex.from_vector_store(
                self.vector_store, embed_model=self.embedder
            )
        return _Guarded(self._vector_index.as_retriever(
            similarity_top_k=top_k, filters=filters.to_metadata_filters() if filters else None
        ), self.store_location)

    def keyword_retriever(self, top_k: int, filters: SearchFilters | None = None) -> BaseRetriever | None:
        """BM25 over the chunks; None when the index is empty or the filters exclude everything."""
        from llama_index.retrievers.bm25 import BM25Retriever

        bm25 = self._load_bm25()
        if bm25 is None:
            return None
        metadata_filters = filters.to_metadata_filters() if filters else None
        try:
            return _Matching(BM25Retriever(
                existing_bm25=bm25.bm25, similarity_top_k=min(top_k, self.manifest.chunk_count),
                filters=metadata_filters, skip_stemming=False,
            ))
        except ValueError:  # every chunk filtered out
            return None

    def _load_bm25(self) -> Any:
        if self._bm25 is None and self.has_keyword_index():
            from llama_index.retrievers.bm25 import BM25Retriever

            self._bm25 = BM25Retriever.from_persist_dir(
                str(self._keyword_dir), show_progress=False
            )
        return self._bm25

    def rebuild_keyword_index(self) -> None:
        """Re-index every chunk for BM25 (it has no incremental update) and persist it."""
        import shutil

        from llama_index.retrievers.bm25 import BM25Retriever

        nodes = [self._node(self.articles[doc_id], chunk)
                 for doc_id in self.manifest.articles for chunk in self.chunks(doc_id)]
        tmp = self._keyword_dir.with_name("keyword.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        self._bm25 = None
        if nodes:
            retriever = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(10, len(nodes)))
            retriever.persist(str(tmp), show_progress=False)
            shutil.rmtree(self._keyword_dir, ignore_errors=True)
            os.replace(tmp, self._keyword_dir)
        else:
            shutil.rmtree(self._keyword_dir, ignore_errors=True)

    def term_stats(self) -> TermStats:
        """Chunk frequencies of every stem in the keyword index."""
        bm25 = self._load_bm25()
        if bm25 is None:
            return TermStats(0, {})
        model = bm25.bm25
        indptr = np.asarray(model.scores["indptr"])
        counts = np.diff(indptr)
        vocab = model.vocab_dict
        return TermStats(
            n_docs=int(model.scores.get("num_docs", 0)),
            df={term: int(counts[i]) for term, i in vocab.items() if i < len(counts)},
        )
