"""Hybrid retrieval: dense vectors (Chroma) and keywords (the article store), fused by
reciprocal rank."""

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
    """The `top_k` chunks that best match `query_text` by either meaning or words. Where each
    sits is read from the article store, so a chunk that a commit elsewhere has just replaced
    is left out rather than cited."""
    if not index.article_count():
        return []
    fusion = QueryFusionRetriever(
        [index.dense_retriever(top_k, filters), index.keyword_retriever(top_k, filters)],
        llm=MockLLM(),  # only used to write extra queries, which num_queries=1 turns off
        mode="reciprocal_rerank",
        similarity_top_k=top_k,
        num_queries=1,
        use_async=False,
    )
    hits = fusion.retrieve(query_text)
    spans = index.spans([hit.node.node_id for hit in hits])
    return [
        Passage(doc_id=span.doc_id, chunk_id=span.chunk_id, start=span.start, end=span.end,
                score=float(hit.score or 0.0))
        for hit in hits if (span := spans.get(hit.node.node_id)) is not None
    ]
