"""Extractive answers: rank the sentences of the retrieved passages with the fitted ranker,
decline below its threshold, and write up the best ones with [n] markers. No LLM; every word
of substance is quoted."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from index.documents import Article
from index.text import QUOTE_MAX_CHARS, dates, figures, is_relative_date

from assistant.citations import cite
from assistant.query import FIGURE_KINDS, Query, asks_about_article, asks_which_article
from assistant.ranker import (
    FEATURES, Candidate, Ranker, Scored, Similarity, article_sentences, as_named, default_ranker,
    fitting_figures, has_new_name, has_speech_verb, lead_index, scored,
)
from assistant.retrieval import Passage
from assistant.types import Draft

NOT_IN_ARTICLES = "The articles do not say. None of the indexed articles answers this question."
# Most sentences in one answer: the best, and runners-up from other articles.
MAX_SENTENCES = 3
# How many sentences back a quotation's opening or its speaker is looked for.
LOOK_BACK = 3


@dataclass(frozen=True)
class Pick:
    """A chosen sentence and the ranker's chance that it answers."""

    candidate: Candidate
    chance: float


def answer_extractively(
    query: Query,
    passages: list[Passage],
    articles: dict[str, Article],
    similarity: Similarity | None = None,
    ranker: Ranker | None = None,
) -> Draft:
    """Answer from the sentences of `passages`: of those that can answer (`may_answer`), the
    sentence the ranker rates best, when its chance of answering reaches the ranker's
    threshold, plus sentences of other articles that reach its `also` level and name what
    it names (other reports of the same thing, each cited)."""
    ranker = ranker or default_ranker()
    return answer_scored(query, scored(query, passages, articles, similarity, ranker), ranker)


def answer_scored(query: Query, ranked: Scored, ranker: Ranker) -> Draft:
    """`answer_extractively` from candidates already scored by `ranker` (`scored`)."""
    found, rows, chances = ranked
    if not found or not chances.any():
        return Draft(NOT_IN_ARTICLES, False, [])
    field = asks_about_article(query.text)
    if field:
        return _article_answer(field, Pick(found[int(np.argmax(chances))], float(chances.max())))
    if ranker.answer_chance(rows, chances) < ranker.threshold:
        return Draft(NOT_IN_ARTICLES, False, [])
    if query.kind == "summary":
        return _summary(query, found, rows, chances, ranker)
    order = np.argsort(-chances)
    chosen = [Pick(found[order[0]], float(chances[order[0]]))]
    named = as_named(rows, order[0])
    for i in order[1:]:
        if len(chosen) == MAX_SENTENCES:
            break
        if chances[i] >= ranker.also and named[i] and all(
            found[i].article.doc_id != p.candidate.article.doc_id for p in chosen
        ):
            chosen.append(Pick(found[i], float(chances[i])))
    if query.kind in FIGURE_KINDS and len(chosen) > 1:
        return _figures_answer(query, chosen)
    if query.kind == "when":
        return _when_answer(chosen)
    if query.kind in ("who", "quote"):
        chosen = [replace(p, candidate=with_speaker(p.candidate, query))
                  for p in chosen]
    if asks_which_article(query.text):
        def named(p: Pick) -> str:
            return f"{where(p.candidate.article)}: {p.candidate.text}"

        return _write_up(chosen, named, alone=named)
    return _write_up(chosen, lambda p: f"{p.candidate.text} ({where(p.candidate.article)})")


def best_sentences(ranked: Scored, limit: int) -> list[Candidate]:
    """The `limit` scored candidates that the ranker rates likeliest to answer, best first;
    none that cannot answer (`may_answer`)."""
    found, _, chances = ranked
    order = [int(i) for i in np.argsort(-chances, kind="stable") if chances[i] > 0]
    return [found[i] for i in order[:limit]]


def _article_answer(field: str, best: Pick) -> Draft:
    """Who wrote, or when was published, the article the best sentence is in: from what the
    article itself records, with that sentence quoted to show which article is meant."""
    article = best.candidate.article
    value = article.author if field == "author" else (
        article.published and article.published.isoformat())
    citations = _write_up([best], str).citations
    if not value:
        return Draft(f"The article {where(article)} does not record its "
                     f"{'author' if field == 'author' else 'date'}. [1]", False, citations)
    verb = "was written by" if field == "author" else "was published on"
    return Draft(f"The article {where(article)} {verb} {value}. [1]", True, citations)


def with_speaker(candidate: Candidate, query: Query) -> Candidate:
    """A sentence of a quotation, quoted from where the quotation opens and, when that names
    no one the question does not, from the sentence before it that says who speaks ("Director
    Ryuhei Kitamura said ...") when such a sentence is at most LOOK_BACK sentences back. The
    quote stays one verbatim span of the article, within QUOTE_MAX_CHARS."""
    spans = article_sentences(candidate.article)
    text = candidate.article.text
    first = candidate.index
    while first > 0 and candidate.index - first < LOOK_BACK and _closes_unopened(
        text[spans[first][0] : candidate.end]
    ):
        first -= 1
    run = [text[spans[i][0] : spans[i][1]] for i in range(first, candidate.index + 1)]
    if _QUOTE_MARK.search(" ".join(run)) and not any(has_new_name(s, query) for s in run):
        for j in range(first - 1, max(-1, first - 1 - LOOK_BACK), -1):
            sentence = text[spans[j][0] : spans[j][1]]
            if has_new_name(sentence, query) and _says(sentence):
                first = j
                break
    if first == candidate.index or candidate.end - spans[first][0] > QUOTE_MAX_CHARS:
        return candidate
    return replace(candidate, start=spans[first][0], index=first)


_QUOTE_MARK = re.compile(r"[\"“”]")


def _closes_unopened(run: str) -> bool:
    """Whether the first quotation mark of `run` closes a quotation opened before it."""
    mark = _QUOTE_MARK.search(run)
    if not mark:
        return False
    if mark.group() != '"':
        return mark.group() == "”"
    before = run[mark.start() - 1] if mark.start() else " "
    return not before.isspace() and before not in "([:—–-"


def _says(sentence: str) -> bool:
    """Whether a sentence reports speech: a verb of saying, or a colon before a quotation."""
    return has_speech_verb(sentence) or bool(re.search(r":\s*[\"“]", sentence))


def _summary(
    query: Query, found: list[Candidate], rows: np.ndarray, chances: np.ndarray, ranker: Ranker
) -> Draft:
    """For each of the most relevant articles (the best one, and those with a sentence the
    ranker rates at its `also` level), one per article in order of relevance: its lead
    sentence, or where the lead does not name what the question names, its first sentence
    that does."""
    best: dict[str, float] = {}
    for candidate, chance in zip(found, chances):
        doc = candidate.article.doc_id
        best[doc] = max(best.get(doc, 0.0), float(chance))
    top = max(best.values())
    docs = sorted((d for d, c in best.items() if c >= min(ranker.also, top)), key=best.get,
                  reverse=True)[:MAX_SENTENCES]
    names_in = rows[:, FEATURES.index("names_in_sentence")]
    leads: dict[str, Candidate] = {}
    naming: dict[str, Candidate] = {}
    for i in sorted(range(len(found)), key=lambda i: found[i].index):
        candidate = found[i]
        doc = candidate.article.doc_id
        if candidate.index == lead_index(candidate.article):
            leads.setdefault(doc, candidate)
        if query.names and names_in[i] >= 1.0:
            naming.setdefault(doc, candidate)
    opening = leads | naming
    chosen = [Pick(opening[d], best[d]) for d in docs if d in opening]
    if not chosen:
        return Draft(NOT_IN_ARTICLES, False, [])
    return _write_up(chosen, lambda p: f"{p.candidate.text} ({where(p.candidate.article)})")


def _figures_answer(query: Query, chosen: list[Pick]) -> Draft:
    """One line per report: its figure, the sentence that gives it and its source. Figures
    are never added together."""

    def line(pick: Pick) -> str:
        fitting = [f.text for f in fitting_figures(query, figures(pick.candidate.text))]
        label = f"{fitting[0]}: " if fitting else ""
        return f"{label}{pick.candidate.text} ({where(pick.candidate.article)})"

    draft = _write_up(chosen, line, heading="The articles give these figures, each for its own "
                      "report; they are not added together:")
    return replace(draft, per_report=True)


def _when_answer(chosen: list[Pick]) -> Draft:
    """A date answer; where a sentence dates by the day ("on Friday") or not at all, its
    article's published date is given beside it, said as such."""
    notes = [_published_note(p.candidate) for p in chosen]
    if len(chosen) == 1:
        draft = _write_up(chosen, str)
        return Draft(f"{draft.text}{notes[0]}", True, draft.citations)
    lines = {id(p): note for p, note in zip(chosen, notes)}
    return _write_up(
        chosen, lambda p: f"{p.candidate.text} ({where(p.candidate.article)}){lines[id(p)]}"
    )


def _published_note(candidate: Candidate) -> str:
    said = dates(candidate.text)
    published = candidate.article.published
    if published and (not said or all(is_relative_date(d) for d in said)):
        return f" The article was published on {published.isoformat()}."
    return ""


def _write_up(
    chosen: list[Pick], line: Callable[[Pick], str], heading: str | None = None,
    alone: Callable[[Pick], str] = lambda p: p.candidate.text,
) -> Draft:
    """One sentence answers as itself (`alone`); several as a list, one line each with its
    marker."""
    citations = [
        cite(n, p.candidate.article, p.candidate.start, p.candidate.end, p.chance)
        for n, p in enumerate(chosen, 1)
    ]
    if len(chosen) == 1:
        return Draft(f"{alone(chosen[0])} [1]", True, citations)
    lines = [heading] if heading else []
    lines += [f"- {line(p)} [{n}]" for n, p in enumerate(chosen, 1)]
    return Draft("\n".join(lines), True, citations)


def where(article: Article) -> str:
    """Which article, for a line of an answer: title (or path), outlet, date."""
    label = f'"{article.title}"' if article.title else article.doc_id
    details = [d for d in (article.source, article.published and article.published.isoformat()) if d]
    return f"{label}, {', '.join(details)}" if details else label
