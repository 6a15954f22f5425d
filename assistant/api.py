"""The Python API: `Assistant(settings).ask(question)` returns an Answer."""

from __future__ import annotations

import hashlib
import time
from datetime import date
from pathlib import Path

from index.embedding import load_embedder
from index.ingest import IngestReport, ingest
from index.store import ArticleIndex, SearchFilters, reset_index

from assistant.answer import answer_extractively
from assistant.chat import Conversation, condense
from assistant.query import analyse
from assistant.retrieval import retrieve
from assistant.settings import Settings
from assistant.types import Answer


class Assistant:
    """Questions over one index. Cheap to build; the model and store open on first use."""

    def __init__(self, settings: Settings | None = None, embedder=None) -> None:
        self.settings = settings or Settings()
        self._embedder = embedder
        self._index: ArticleIndex | None = None
        self._term_stats = None

    @property
    def index(self) -> ArticleIndex:
        if self._index is None:
            s = self.settings
            if self._embedder is None:
                self._embedder = load_embedder(s.embed_model, s.embed_batch_size)
            self._index = ArticleIndex(
                s.index_dir, self._embedder, chroma_url=s.chroma_url, collection=s.collection,
                chunk_chars=s.chunk_chars, chunk_overlap=s.chunk_overlap,
            )
        return self._index

    def reset(self) -> None:
        """Delete the index so the next ingest builds it from scratch."""
        s = self.settings
        reset_index(s.index_dir, s.chroma_url, s.collection)
        self._index = None
        self._term_stats = None

    def ingest(self, path: Path | None = None, progress: bool = False) -> IngestReport:
        """Bring the index in line with the folder `path` (default: the corpus setting)."""
        report = ingest(
            self.index, Path(path or self.settings.corpus_dir),
            max_bytes=int(self.settings.max_file_mb * 1e6), progress=progress,
        )
        self._term_stats = None
        return report

    def ask(
        self,
        question: str,
        history: list[str] | None = None,
        sources: list[str] | tuple[str, ...] = (),
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> Answer:
        """Answer one question; `history` holds earlier questions of the same chat."""
        timings: dict[str, float] = {}
        started = time.perf_counter()
        standalone = condense(question, history or [])
        if self._term_stats is None:
            self._term_stats = self.index.term_stats()
        query = analyse(standalone, self._term_stats)
        filters = SearchFilters(tuple(sources), date_from, date_to)
        passages = retrieve(self.index, query.search_text, self.settings.top_k, filters)
        timings["retrieve"] = _ms(started)
        answered_at = time.perf_counter()
        draft = answer_extractively(
            query, passages, self.index.articles, self.settings.min_support
        )
        timings["answer"] = _ms(answered_at)
        timings["total"] = _ms(started)
        return Answer(
            question=question,
            answer=draft.text,
            answered=draft.answered,
            citations=draft.citations,
            mode="extractive",
            timings_ms=timings,
            index=self.index_id(),
            condensed_question=standalone if standalone != question else None,
        )

    def chat(self, **ask_options) -> Conversation:
        """A multi-turn conversation: follow-ups are read in the light of earlier questions."""
        return Conversation(self, **ask_options)

    def index_id(self) -> dict[str, str]:
        manifest = self.index.manifest
        hashes = sorted(entry["hash"] for entry in manifest.articles.values())
        corpus = hashlib.sha256("\n".join(hashes).encode()).hexdigest()[:16]
        return {"model": manifest.model, "corpus_hash": corpus, "articles": str(len(hashes))}

    def stats(self) -> dict:
        index = self.index
        articles = index.articles
        return {
            "index_dir": str(index.index_dir),
            "store": index.chroma_url or "embedded",
            "model": index.manifest.model,
            "corpus": index.manifest.corpus,
            "articles": len(index.manifest.articles),
            "chunks": index.manifest.chunk_count,
            "sources": sorted({a.source for a in articles.values() if a.source}),
        }


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
