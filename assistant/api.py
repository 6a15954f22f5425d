"""The Python API: `Assistant(settings).ask(question)` returns an Answer."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from datetime import date
from pathlib import Path

import numpy as np
from llama_index.core.llms import LLM

from index.article_store import ArticleListing
from index.documents import Article
from index.embedding import Embedder, load_embedder
from index.ingest import IngestReport, ingest
from index.store import ArticleIndex, SearchFilters, reset_index

from assistant import compare, constraints, generate
from assistant.answer import answer_scored, best_sentences
from assistant.chat import Conversation, condense, condense_with_llm
from assistant.llm import LLMUnavailable, llm_name, load_llm
from assistant.query import analyse
from assistant.ranker import default_ranker, scored
from assistant.retrieval import retrieve
from assistant.settings import Settings, use_offline_environment
from assistant.streaming import AnswerStream
from assistant.types import Answer, UsedPassage


EXTRACTIVE_INSTEAD = "this is the extractive answer."


class Assistant:
    """Questions over one index. Cheap to build; the model and store open on first use."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        use_offline_environment()
        self.settings = settings or Settings()
        self._embedder = embedder
        self._index: ArticleIndex | None = None
        self._index_id: dict[str, str] | None = None
        self._sentence_vectors: dict[str, np.ndarray] = {}
        self._llm: LLM | None = None
        self._llm_error: str | None = None

    @property
    def index(self) -> ArticleIndex:
        if self._index is None:
            s = self.settings
            if self._embedder is None:
                self._embedder = load_embedder(
                    s.embed_model, s.model_cache_dir, batch_size=s.embed_batch_size,
                    url=s.embed_url, api_key=s.embed_api_key, backend=s.embed_backend,
                )
            self._index = ArticleIndex(
                s.index_dir, self._embedder, chroma_url=s.chroma_url, collection=s.collection,
                chunk_chars=s.chunk_chars, chunk_overlap=s.chunk_overlap, store_url=s.store_url,
            )
        return self._index

    def reset(self) -> None:
        """Delete the index so the next ingest builds it from scratch."""
        s = self.settings
        if self._index is not None:
            self._index.store.close()
        reset_index(s.index_dir, s.chroma_url, s.collection, s.store_url)
        self._index = None
        self._forget_index_state()

    def ingest(self, path: Path | None = None, progress: bool = False) -> IngestReport:
        """Bring the index in line with the folder `path` (default: the corpus setting)."""
        report = ingest(
            self.index, Path(path or self.settings.corpus_dir),
            max_bytes=int(self.settings.max_file_mb * 1e6), progress=progress,
            sentence_vectors=self.settings.sentence_vectors,
        )
        self._forget_index_state()
        return report

    def _forget_index_state(self) -> None:
        """Drop what was derived from the index's contents, after they change."""
        self._index_id = None

    def refresh(self) -> None:
        """See the commits of other processes (and this one) since the last question."""
        if self.index.refresh():
            self._forget_index_state()

    def article_count(self) -> int:
        """How many articles the index holds now."""
        self.refresh()
        return self.index.article_count()

    def sources(self) -> list[str]:
        """The outlets of the indexed articles, sorted."""
        self.refresh()
        return self.index.sources()

    def article(self, doc_id: str) -> Article | None:
        """An indexed article, or None when the index no longer holds it."""
        return self.index.articles.get(doc_id)

    def listing(self) -> Iterator[ArticleListing]:
        """Every indexed article in doc_id order: title, outlet, date, file and chunk count."""
        self.refresh()
        return self.index.store.listing()

    def ask(
        self,
        question: str,
        history: list[str] | None = None,
        sources: list[str] | tuple[str, ...] = (),
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> Answer:
        """Answer one question; `history` holds earlier questions of the same chat."""
        return self.ask_stream(question, history, sources, date_from, date_to).answer

    def ask_stream(
        self,
        question: str,
        history: list[str] | None = None,
        sources: list[str] | tuple[str, ...] = (),
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> AnswerStream:
        """Answer one question as it is written: iterate the result for the LLM draft's text
        pieces as they arrive; its `.answer` is the Answer.

        The draft is the model's raw text: its [n] markers number the prompt's sources and it
        has not been checked. The Answer is what to show and keep: its text replaces the draft
        (markers renumbered to its citations, unchecked claims flagged in `unsupported` or, when
        strict, dropped). Without an LLM, or when the LLM fails part-way, the Answer is the
        extractive one (with a `note` saying why) and the draft so far should be discarded.
        The work is done as the stream is read; it raises no LLM errors.
        """
        return AnswerStream(self._answer(question, history or [], sources, date_from, date_to))

    def _answer(
        self, question: str, history: list[str], sources: list[str] | tuple[str, ...],
        date_from: date | None, date_to: date | None,
    ) -> Generator[str, None, Answer]:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        llm, note = self._load_llm()
        self.refresh()
        stats = self.index.term_stats()
        standalone = (condense_with_llm(llm, question, history, stats) if llm
                      else condense(question, history, stats))
        reading = constraints.read(standalone, self.index.sources())
        if reading.spans_sources and not (sources or date_from or date_to):
            evidence = compare.gather(self.index, reading, self._similarity)
            used = [UsedPassage(doc_id=ev.article.doc_id, start=ev.start, end=ev.end,
                                score=ev.score) for found in evidence for ev in found]
            timings["retrieve"] = _ms(started)
            draft, generated, failure = yield from compare.answer(
                reading, evidence, llm, self.settings.llm_timeout, self.settings.llm_strict
            )
            if failure:
                note = f"The language model failed ({failure}); " + EXTRACTIVE_INSTEAD
            mode = llm_name(self.settings) if generated else "extractive"
        else:
            query = analyse(standalone, stats)
            filters = SearchFilters(tuple(sources), date_from, date_to)
            passages = retrieve(self.index, query.search_text, self.settings.top_k, filters)
            used = [UsedPassage(doc_id=p.doc_id, start=p.start, end=p.end, score=p.score)
                    for p in passages]
            timings["retrieve"] = _ms(started)
            ranker = default_ranker()
            ranked = scored(query, passages, self.index.articles, self._similarity, ranker)
            extractive = answer_scored(query, ranked, ranker)
            draft = None
            # Where the ranker finds the articles answer, the model writes the answer from the
            # sentences it rates best; where they do not, or where the answer is each report's
            # own figure, the model is not asked.
            asked = llm is not None and extractive.answered and not extractive.per_report
            prompt = (generate.sources_for(best_sentences(ranked, self.settings.llm_sources))
                      if asked else [])
            if prompt:
                text = ""
                try:
                    for piece in generate.stream(
                        llm, generate.messages(standalone, prompt), self.settings.llm_timeout
                    ):
                        text += piece
                        yield piece
                except Exception as error:  # any backend failure: the extractive answer instead
                    note = (f"The language model failed ({_describe(error)}); "
                            + EXTRACTIVE_INSTEAD)
                else:
                    draft = generate.check(text, prompt, standalone, self.settings.llm_strict)
            mode = llm_name(self.settings) if draft else "extractive"
            draft = draft or extractive
        timings["total"] = _ms(started)
        timings["answer"] = round(timings["total"] - timings["retrieve"], 1)
        return Answer(
            question=question,
            answer=draft.text,
            answered=draft.answered,
            citations=draft.citations,
            mode=mode,
            timings_ms=timings,
            index=self.index_id(),
            condensed_question=standalone if standalone != question else None,
            unsupported=list(draft.unsupported),
            note=note,
            passages=used,
        )

    def warm_up(self) -> None:
        """Load what the first question would: the embedding model, the store and the LLM."""
        self.index.embedder.embed_query("warm up")
        self.index.term_stats()
        self._load_llm()

    def _similarity(self, question: str, sentences: list[str]) -> list[float]:
        """Cosine similarity of each sentence to the question, with the index's embedder.
        Sentence vectors come from the store (embedded at ingest), else from the model, and
        are cached, since the same passages come back for related questions."""
        embedder = self.index.embedder
        missing = [s for s in dict.fromkeys(sentences) if s not in self._sentence_vectors]
        if missing:
            if len(self._sentence_vectors) > 50_000:
                self._sentence_vectors.clear()
            stored = self.index.sentence_vectors(missing)
            self._sentence_vectors.update(stored)
            unstored = [s for s in missing if s not in stored]
            if unstored:
                vectors = np.asarray(embedder.embed(unstored), dtype=np.float32)
                self._sentence_vectors.update(zip(unstored, vectors))
        question_vector = np.asarray(embedder.embed_query(question))
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
        """The embedding model and a fingerprint of the indexed article versions (kept until
        a commit)."""
        if self._index_id is None:
            index = self.index
            self._index_id = {"model": index.info.model, "corpus_hash": index.fingerprint(),
                              "articles": str(index.article_count())}
        return self._index_id

    def stats(self) -> dict:
        self.refresh()
        index = self.index
        return {
            "index_dir": str(index.index_dir),
            "store": index.chroma_url or "embedded",
            "articles_store": index.store.location,
            "model": index.info.model,
            "corpus": index.info.corpus,
            "articles": index.article_count(),
            "chunks": index.chunk_count(),
            "sources": index.sources(),
        }


def _describe(error: Exception) -> str:
    """One line about an error, for a note."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:200]}" if text else type(error).__name__


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
