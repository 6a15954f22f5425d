"""Hybrid retrieval: dense vectors and BM25 keywords, fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass

from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import QueryFusionRetriever

from index.store import ArticleIndex, SearchFilters


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk: where it sits in its article, and its fused rank score."""

    doc_id: str
    chunk_id: str
    start: int
    end: int
    score: float


def retrieve(
    index: ArticleIndex, query_text: str, top_k: int, filters: SearchFilters | None = None
) -> list[Passage]:
    """The `top_k` chunks that best match `query_text` by either meaning or words."""
    if not index.manifest.articles:
        return []
    retrievers = [index.dense_retriever(top_k, filters)]
    keyword = index.keyword_retriever(top_k, filters)
    if keyword is not None:
        retrievers.append(keyword)
    fusion = QueryFusionRetriever(
        retrievers,
        llm=MockLLM(),  # only used to write extra queries, which num_queries=1 turns off
        mode="reciprocal_rerank",
        similarity_top_k=top_k,
        num_queries=1,
        use_async=False,
    )
    passages = []
    for hit in fusion.retrieve(query_text):
        meta = hit.node.metadata
        passages.append(Passage(
            doc_id=meta["doc_id"], chunk_id=hit.node.node_id, start=int(meta["start"]),
            end=int(meta["end"]), score=float(hit.score or 0.0),
        ))
    return passages
