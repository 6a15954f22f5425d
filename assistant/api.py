"""The Python API: `Assistant(settings).ask(question)` returns an Answer."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
from llama_index.core.llms import LLM

from index.embedding import load_embedder
from index.ingest import IngestReport, ingest
from index.store import ArticleIndex, SearchFilters, reset_index

from assistant import generate
from assistant.answer import answer_extractively
from assistant.chat import Conversation, condense, condense_with_llm
from assistant.llm import LLMUnavailable, llm_name, load_llm
from assistant.query import analyse
from assistant.retrieval import retrieve
from assistant.settings import Settings
from assistant.types import Answer


EXTRACTIVE_INSTEAD = "this is the extractive answer."


class Assistant:
    """Questions over one index. Cheap to build; the model and store open on first use."""

    def __init__(self, settings: Settings | None = None, embedder=None) -> None:
        self.settings = settings or Settings()
        self._embedder = embedder
        self._index: ArticleIndex | None = None
        self._term_stats = None
        self._index_id: dict[str, str] | None = None
        self._sentence_vectors: dict[str, list[float]] = {}
        self._llm: LLM | None = None
        self._llm_error: str | None = None

    @property
    def index(self) -> ArticleIndex:
        if self._index is None:
            s = self.settings
            if self._embedder is None:
                api_key = os.environ.get(s.embed_api_key_env) if s.embed_api_key_env else None
                self._embedder = load_embedder(
                    s.embed_model, s.embed_batch_size, url=s.embed_url, api_key=api_key,
                    backend=s.embed_backend, cache_dir=s.model_cache_dir,
                )
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
        self._forget_index_state()

    def ingest(self, path: Path | None = None, progress: bool = False) -> IngestReport:
        """Bring the index in line with the folder `path` (default: the corpus setting)."""
        report = ingest(
            self.index, Path(path or self.settings.corpus_dir),
            max_bytes=int(self.settings.max_file_mb * 1e6), progress=progress,
        )
        self._forget_index_state()
        return report

    def _forget_index_state(self) -> None:
        """Drop what was derived from the index's contents, after they change."""
        self._term_stats = None
        self._index_id = None

    def ask(
        self,
        question: str,
        history: list[str] | None = None,
        sources: list[str] | tuple[str, ...] = (),
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> Answer:
        """Answer one question; `history` holds earlier questions of the same chat."""
        for piece in self.ask_stream(question, history, sources, date_from, date_to):
            pass
        return piece

    def ask_stream(
        self,
        question: str,
        history: list[str] | None = None,
        sources: list[str] | tuple[str, ...] = (),
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> Iterator[str | Answer]:
        """Answer one question as it is written: yields `str` pieces of the LLM's draft as they
        arrive, then exactly one `Answer`, always last, and nothing after it.

        The draft is the model's raw text: its [n] markers number the prompt's sources and it
        has not been checked. The Answer is what to show and keep: its text replaces the draft
        (markers renumbered to its citations, unchecked claims flagged in `unsupported` or, when
        strict, dropped). Without an LLM, or when the LLM fails part-way, the Answer is the
        extractive one (with a `note` saying why) and the draft so far should be discarded.
        The generator does its work as it is iterated; it raises no LLM errors.
        """
        timings: dict[str, float] = {}
        started = time.perf_counter()
        llm, note = self._load_llm()
        history = history or []
        standalone = (
            condense_with_llm(llm, question, history) if llm else condense(question, history)
        )
        query = analyse(standalone, self.term_stats())
        filters = SearchFilters(tuple(sources), date_from, date_to)
        passages = retrieve(self.index, query.search_text, self.settings.top_k, filters)
        timings["retrieve"] = _ms(started)
        answered_at = time.perf_counter()
        checked = None
        if llm is not None and passages:
            prompt = generate.sources_for(passages, self.index.articles, self.settings.llm_sources)
            draft = ""
            try:
                for piece in generate.stream(
                    llm, generate.messages(standalone, prompt), self.settings.llm_timeout
                ):
                    draft += piece
                    yield piece
            except Exception as error:  # any backend failure: the extractive answer instead
                note = f"The language model failed ({_describe(error)}); " + EXTRACTIVE_INSTEAD
            else:
                checked = generate.check(draft, prompt, standalone, self.settings.llm_strict)
        if checked is None:
            checked = answer_extractively(
                query, passages, self.index.articles, similarity=self._similarity
            )
            mode, unsupported = "extractive", []
        else:
            mode, unsupported = llm_name(self.settings), checked.unsupported
        timings["answer"] = _ms(answered_at)
        timings["total"] = _ms(started)
        yield Answer(
            question=question,
            answer=checked.text,
            answered=checked.answered,
            citations=checked.citations,
            mode=mode,
            timings_ms=timings,
            index=self.index_id(),
            condensed_question=standalone if standalone != question else None,
            unsupported=unsupported,
            note=note,
        )

    def term_stats(self):
        """The index's word statistics, with how its articles capitalise each word."""
        if self._term_stats is None:
            texts = (article.text for article in self.index.articles.values())
            self._term_stats = self.index.term_stats().with_capitals(texts)
        return self._term_stats

    def _similarity(self, question: str, sentences: list[str]) -> list[float]:
        """Cosine similarity of each sentence to the question, with the index's embedder;
        sentence vectors are cached, since the same passages come back for related questions."""
        embedder = self.index.embedder
        missing = [s for s in dict.fromkeys(sentences) if s not in self._sentence_vectors]
        if missing:
            if len(self._sentence_vectors) > 50_000:
                self._sentence_vectors.clear()
            self._sentence_vectors.update(zip(missing, embedder.embed(missing)))
        question_vector = np.asarray(embedder.get_query_embedding(question))
        return [float(np.dot(self._sentence_vectors[s], question_vector)) for s in sentences]

    def _load_llm(self) -> tuple[LLM | None, str | None]:
        """The configured LLM, loaded once, or None and why it could not be loaded."""
        if self._llm is None and self._llm_error is None:
            try:
                self._llm = load_llm(self.settings)
            except LLMUnavailable as error:
                self._llm_error = (
                    f"The language model is unavailable ({error}); " + EXTRACTIVE_INSTEAD
                )
        return self._llm, self._llm_error

    def chat(self, **ask_options) -> Conversation:
        """A multi-turn conversation: follow-ups are read in the light of earlier questions."""
        return Conversation(self, **ask_options)

    def index_id(self) -> dict[str, str]:
        """The embedding model and a hash of the indexed articles (kept until an ingest)."""
        if self._index_id is None:
            manifest = self.index.manifest
            hashes = sorted(entry["hash"] for entry in manifest.articles.values())
            corpus = hashlib.sha256("\n".join(hashes).encode()).hexdigest()[:16]
            self._index_id = {"model": manifest.model, "corpus_hash": corpus,
                              "articles": str(len(hashes))}
        return self._index_id

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


def _describe(error: Exception) -> str:
    """One line about an error, for a note."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:200]}" if text else type(error).__name__


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
