"""Chunk vectors: one interface, with Chroma (embedded, or a Chroma server) behind it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from llama_index.core import VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import (NodeRelationship, NodeWithScore, QueryBundle,
                                     RelatedNodeInfo, TextNode)
from llama_index.core.vector_stores import (FilterCondition, FilterOperator, MetadataFilter,
                                            MetadataFilters)

from index.article_store import COLLECTION, SearchFilters, day_number
from index.documents import Article, Chunk
from index.errors import StoreUnavailable

# Chunk metadata that is only for filtering and citing, never embedded.
_NOT_EMBEDDED = ["doc_id", "source", "published", "published_day", "url", "start", "end"]


class VectorStore(Protocol):
    """Where chunk vectors live and are searched by meaning."""

    location: str

    def add(self, chunks: list[tuple[Article, Chunk]], vectors: list[list[float]]) -> None: ...
    def delete(self, chunk_ids: list[str]) -> None: ...
    def count(self) -> int: ...
    def ids(self, chunk_ids: list[str] | None = None) -> list[str]: ...
    def retriever(self, embedder: BaseEmbedding, top_k: int,
                  filters: SearchFilters | None) -> BaseRetriever: ...
    def refresh(self) -> None: ...
    def reset(self) -> None: ...


def chunk_node(article: Article, chunk: Chunk) -> TextNode:
    """A chunk as llama-index stores it, with what filters and citations need as metadata."""
    return TextNode(
        id_=chunk.chunk_id,
        text=chunk.text,
        metadata={
            "doc_id": article.doc_id,
            "title": article.title,
            "source": article.source,
            "published": article.published.isoformat() if article.published else "",
            "published_day": day_number(article.published),
            "url": article.url,
            "start": chunk.start,
            "end": chunk.end,
        },
        excluded_embed_metadata_keys=_NOT_EMBEDDED,
        excluded_llm_metadata_keys=_NOT_EMBEDDED,
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=article.doc_id)},
    )


def embedding_text(article: Article, chunk: Chunk) -> str:
    """What the model embeds for a chunk (and the keyword index holds): the title gives every
    chunk its article's topic."""
    return chunk_node(article, chunk).get_content(metadata_mode="embed")


def metadata_filters(filters: SearchFilters | None) -> MetadataFilters | None:
    if filters is None:
        return None
    found: list[MetadataFilter] = []
    if filters.sources:
        found.append(MetadataFilter(key="source", value=list(filters.sources),
                                    operator=FilterOperator.IN))
    if filters.day_from:
        found.append(MetadataFilter(key="published_day", value=filters.day_from,
                                    operator=FilterOperator.GTE))
    if filters.day_to:
        found.append(MetadataFilter(key="published_day", value=filters.day_to,
                                    operator=FilterOperator.LTE))
    return MetadataFilters(filters=found, condition=FilterCondition.AND) if found else None


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


class ChromaVectors:
    """Vectors in a Chroma collection: embedded under `index_dir`, or on the server at
    `chroma_url`."""

    def __init__(self, index_dir: Path, chroma_url: str | None = None,
                 collection: str = COLLECTION) -> None:
        self.index_dir = Path(index_dir)
        self.chroma_url = chroma_url
        self.collection_name = collection
        self.location = chroma_url or str(self.index_dir / "chroma")
        self._client: Any = None
        self._collection: Any = None
        self._vector_store: Any = None
        self._vector_index: VectorStoreIndex | None = None

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._client = chroma_client(self.index_dir, self.chroma_url)
            try:
                self._collection = self._client.get_or_create_collection(
                    self.collection_name, metadata={"hnsw:space": "cosine"})
            except Exception as error:  # chromadb raises many types; all mean "store unusable"
                raise StoreUnavailable(
                    f"cannot open the Chroma store at {self.location}: {error}") from error
        return self._collection

    @property
    def _store(self) -> Any:
        if self._vector_store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._vector_store = ChromaVectorStore(chroma_collection=self.collection)
        return self._vector_store

    def add(self, chunks: list[tuple[Article, Chunk]], vectors: list[list[float]]) -> None:
        """Store chunks with their vectors, in one call to the store."""
        nodes = [chunk_node(article, chunk) for article, chunk in chunks]
        for node, vector in zip(nodes, vectors):
            node.embedding = vector
        if nodes:
            with _store_errors(self.location):
                self._store.add(nodes)

    def delete(self, chunk_ids: list[str]) -> None:
        with _store_errors(self.location):
            for start in range(0, len(chunk_ids), 5000):
                self.collection.delete(ids=chunk_ids[start : start + 5000])

    def count(self) -> int:
        with _store_errors(self.location):
            return int(self.collection.count())

    def ids(self, chunk_ids: list[str] | None = None) -> list[str]:
        """The stored ids among `chunk_ids` (all stored ids when None)."""
        with _store_errors(self.location):
            return list(self.collection.get(ids=chunk_ids, include=[])["ids"])

    def retriever(self, embedder: BaseEmbedding, top_k: int,
                  filters: SearchFilters | None) -> BaseRetriever:
        if self._vector_index is None:
            self._vector_index = VectorStoreIndex.from_vector_store(self._store,
                                                                     embed_model=embedder)
        return _Guarded(self._vector_index.as_retriever(
            similarity_top_k=top_k, filters=metadata_filters(filters)), self.location)

    def refresh(self) -> None:
        """Forget the open collection, so the next search sees what other processes wrote.
        An embedded Chroma keeps its vector index in memory, shared by the clients of one
        path in a process, and does not see other processes' writes: its cached system is
        dropped (not stopped: a search still running in another thread finishes on it), so
        the next client loads the index from disk."""
        if self._client is not None and not self.chroma_url:
            from chromadb.api.shared_system_client import SharedSystemClient

            identifier = getattr(self._client, "_identifier", None)
            SharedSystemClient._identifier_to_system.pop(identifier, None)
            SharedSystemClient._identifier_to_refcount.pop(identifier, None)
        self._client = self._collection = self._vector_store = self._vector_index = None

    def reset(self) -> None:
        client = chroma_client(self.index_dir, self.chroma_url)
        if self.collection_name in {c.name for c in client.list_collections()}:
            client.delete_collection(self.collection_name)
        self.refresh()
