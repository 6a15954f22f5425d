"""Extractive answers: pick the sentences of the retrieved passages that answer the question,
and write them up with [n] markers. No LLM; every word of substance is quoted."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable

from index.chunking import split_sentences
from index.documents import Article
from index.terms import stem, stems

from assistant.citations import cite
from assistant.query import Query, sentence_stems
from assistant.retrieval import Passage
from assistant.types import Citation

# Scores how close in meaning each sentence is to the question (cosine, -1..1).
Similarity = Callable[[str, list[str]], list[float]]
# A sentence covering this share of the key terms may answer if its meaning is close enough.
_MIN_PARTIAL = 0.35
_MIN_SIMILARITY = 0.45

NOT_IN_ARTICLES = "The articles do not say. None of the indexed articles answers this question."
# Credit for a name the sentence does not repeat but its article is about.
_CONTEXT_CREDIT = 0.5

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
    "ninety|hundred|dozen|dozens|hundreds|thousands|scores"
)
_HEDGE = (
    r"(?:at least|a least|about|around|approximately|roughly|nearly|almost|over|more than|"
    r"fewer than|less than|up to|some|an estimated|as many as)"
)
_FIGURE = re.compile(
    rf"\b(?:{_HEDGE}\s+)?(?:\d[\d,]*(?:\.\d+)?|(?:{_NUMBER_WORDS})(?:[- ](?:{_NUMBER_WORDS}))*)"
    r"(?:\s+(?:hundred|thousand|million|billion))?\b"
    r"(?![-\s]?(?:year|month|week|day|hour)s?[-\s]old)(?!\s*(?:%|percent|per cent))"
    r"(?!st\b|nd\b|rd\b|th\b)",
    re.I,
)
# Nouns for people: "17 people injured" counts the injured, "30 missiles ... injuries" does not.
_PEOPLE = {
    stem(w) for w in """people persons person individuals civilians residents victims children
    adults women men soldiers troops officers police workers personnel staff passengers
    patients students families migrants refugees fighters rescuers volunteers""".split()
}
_CLAUSE_BREAK = re.compile(r";|,?\s+\b(?:with|while|whereas|but|and|when|after|as)\b\s+", re.I)
_YEAR = re.compile(r"^(1[89]|20)\d\d$")
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_WHEN = re.compile(
    rf"\b(?:(?:{_MONTHS})\b|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|\d{{4}}-\d\d-\d\d|"
    r"(?:19|20)\d\d\b|yesterday|today|tonight|last (?:week|month|year|night)|"
    r"(?:this|that) (?:morning|afternoon|evening)|New Year)",
)
_CALENDAR = {w.lower() for w in _MONTHS.split("|")} | {
    f"{d}day" for d in ("mon", "tues", "wednes", "thurs", "fri", "satur", "sun")
}
_PLACE = re.compile(
    r"\b(?:in|at|near|outside|(?:city|town|village|region|province) of)\s+([A-Z][\w’'-]+)"
)
_DEMONYM = re.compile(r"(?:ian|ean|ese|ish)$")
_PROPER_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*")


@dataclass(frozen=True)
class Candidate:
    """A sentence from a retrieved passage, scored against the question."""

    article: Article
    start: int
    end: int
    support: float
    retrieval: float
    figure: str | None
    fits_kind: bool
    names_ok: bool
    similarity: float = 0.0

    @property
    def text(self) -> str:
        return self.article.text[self.start : self.end]

    @property
    def score(self) -> float:
        return self.support + self.similarity + 0.2 * self.retrieval


@dataclass(frozen=True)
class Draft:
    """An answer before it is wrapped with timings and index details."""

    text: str
    answered: bool
    citations: list[Citation]


def answer_extractively(
    query: Query,
    passages: list[Passage],
    articles: dict[str, Article],
    min_support: float,
    similarity: Similarity | None = None,
) -> Draft:
    """Answer from the sentences of `passages`. A sentence answers when it fits the kind of
    question and covers at least `min_support` of its weighted key terms, or covers at least
    `_MIN_PARTIAL` of them and is close in meaning to the question (`similarity`, cosine of
    sentence embeddings, at least `_MIN_SIMILARITY`): this lets paraphrases through while a
    sentence that merely shares the topic does not."""
    pool = [
        c for c in _candidates(query, passages, articles)
        if c.names_ok and c.fits_kind and c.support >= min(_MIN_PARTIAL, min_support)
    ]
    if similarity and pool:
        scores = similarity(query.text, [c.text for c in pool])
        pool = [replace(c, similarity=float(s)) for c, s in zip(pool, scores)]
    eligible = [
        c for c in pool
        if c.support >= min_support or c.similarity >= _MIN_SIMILARITY
    ]
    if not eligible:
        return Draft(NOT_IN_ARTICLES, False, [])
    eligible.sort(key=lambda c: c.score, reverse=True)
    if query.kind == "count":
        return _figures_answer(eligible)
    return _sentences_answer(eligible)


def _candidates(query: Query, passages: list[Passage], articles: dict[str, Article]) -> list[Candidate]:
    total = sum(term.weight for term in query.terms) or 1.0
    top = passages[0].score if passages else 1.0
    asked = frozenset().union(*(t.matches for t in query.terms)) if query.terms else frozenset()
    asked_words = {w.lower() for t in query.terms for w in re.findall(r"\w+", t.word)} | _CALENDAR
    seen: set[tuple[str, int]] = set()
    found = []
    for passage in passages:
        article = articles[passage.doc_id]
        salient = _salient_stems(article)
        starts = _sentence_starts(article)
        for start, end in split_sentences(article.text, passage.start, passage.end):
            if (article.doc_id, start) in seen:
                continue
            seen.add((article.doc_id, start))
            sentence = article.text[start:end]
            if _is_heading(sentence):
                continue
            words = sentence_stems(sentence)
            two_back = starts[max(0, bisect.bisect_left(starts, start) - 2)]
            before = sentence_stems(article.text[two_back:start])
            # A sentence that leaves out a name of the question may stand for it when it is
            # not set somewhere else ("in Kharkiv" when Kyiv is asked) and one of the two
            # sentences before it names it, or its article is about it (title or first
            # sentence) and the sentence names no one and nowhere else. Who/where answers
            # name someone or somewhere new by nature.
            elsewhere = query.kind != "where" and bool(_places(sentence) - asked)
            about_others = not _names_known(sentence, asked | salient)
            matched = 0.0
            names_ok = True
            for term in query.terms:
                if term.matches & words:
                    matched += term.weight
                elif not term.is_name:
                    continue
                elif elsewhere:
                    names_ok = False
                elif term.matches & before or term.matches & salient and not about_others:
                    matched += _CONTEXT_CREDIT * term.weight
                elif not (term.matches & salient and query.kind in ("who", "where")):
                    names_ok = False
            figure = _figure(sentence, query) if query.kind == "count" else None
            found.append(Candidate(
                article=article, start=start, end=end, support=matched / total,
                retrieval=passage.score / top if top else 0.0, figure=figure,
                fits_kind=_fits_kind(query, sentence, figure, asked_words), names_ok=names_ok,
            ))
    return found


@lru_cache(maxsize=4096)
def _sentence_starts(article: Article) -> tuple[int, ...]:
    return tuple(start for start, _ in split_sentences(article.text))


@lru_cache(maxsize=4096)
def _salient_stems(article: Article) -> frozenset[str]:
    """Stems of what the article is about: its title and first sentence."""
    first = split_sentences(article.text)[:1]
    lead = article.text[first[0][0] : first[0][1]] if first else ""
    return frozenset(sentence_stems(f"{article.title}\n{lead}"))


def _places(sentence: str) -> set[str]:
    """Stems of the places a sentence sets things in: "in Kharkiv", "the village of Khorly"."""
    return {stem(m) for m in _PLACE.findall(sentence)}


def _names_known(sentence: str, known: frozenset[str]) -> bool:
    """True when every proper name in the sentence is one of `known`, a month or day, or a
    nationality word ("Ukrainian")."""
    for name in _PROPER_NAME.findall(sentence):
        for word in re.findall(r"\w+", name):
            if word.lower() in _CALENDAR or _DEMONYM.search(word):
                continue
            if stem(word) not in known:
                return False
    return True


def _is_heading(sentence: str) -> bool:
    return not re.search(r"[.!?\"'”’)]$", sentence) and len(sentence.split()) < 15


def _fits_kind(query: Query, sentence: str, figure: str | None, asked: set[str]) -> bool:
    """Whether the sentence gives what the question asks for: a count, a date, or a name not
    among the question's words (`asked`)."""
    if query.kind == "count":
        return figure is not None
    if query.kind == "when":
        return bool(_WHEN.search(sentence))
    if query.kind in ("who", "where"):
        return any(
            not set(re.findall(r"\w+", name.lower())) <= asked
            for name in _PROPER_NAME.findall(sentence)
        )
    return True


def _figure(sentence: str, query: Query) -> str | None:
    """The figure that counts what the question asks about: a number in a clause that names
    the question's focus (or, without one, a key term), counting that focus or people ("17
    people injured", not "30 missiles ... resulting in injuries" when injuries are asked
    about). A figure counting the focus itself wins. Ages, years, percentages and ordinals are
    not counts."""
    focus = query.focus or set().union(*(t.matches for t in query.terms if not t.is_name))
    best, best_rank = None, 0
    for clause in _CLAUSE_BREAK.split(sentence):
        if focus and not focus & sentence_stems(clause):
            continue
        for match in _FIGURE.finditer(clause):
            number = _number(match.group())
            if _YEAR.match(number) or number in ("one", "some"):
                continue
            counted = set(stems(" ".join(clause[match.end():].split()[:3])))
            rank = 2 if counted & focus else 1 if counted & _PEOPLE or not focus else 0
            if rank > best_rank:
                best, best_rank = match.group().strip(), rank
    return best


def _figures_answer(eligible: list[Candidate], per_article: int = 2) -> Draft:
    """One line per figure: the best sentence of each article, and another of the same
    article when it gives a different figure (another event). Never added together."""
    chosen: list[Candidate] = []
    for candidate in eligible:
        same = [c for c in chosen if c.article.doc_id == candidate.article.doc_id]
        if len(same) < per_article and all(
            _number(c.figure) != _number(candidate.figure) for c in same
        ):
            chosen.append(candidate)
    return _write_up(
        chosen, lambda c: f"{c.figure}: {_where(c.article)}",
        heading="The articles give different figures, each for its own report; they are not "
        "added together:",
    )


def _number(figure: str | None) -> str:
    """The number in a figure, without its hedge: "A least 11" -> "11"."""
    return re.sub(rf"^{_HEDGE}\s+", "", figure or "", flags=re.I).lower()


def _sentences_answer(eligible: list[Candidate], max_sentences: int = 3) -> Draft:
    """The best sentence, plus close runners-up from other articles, so that differing reports
    all show."""
    chosen = [eligible[0]]
    for candidate in eligible[1:]:
        if len(chosen) == max_sentences or candidate.score < eligible[0].score - 0.15:
            break
        if all(candidate.article.doc_id != c.article.doc_id for c in chosen):
            chosen.append(candidate)
    return _write_up(chosen, lambda c: f"{c.text} ({_where(c.article)})")


def _write_up(
    chosen: list[Candidate], line: Callable[[Candidate], str], heading: str | None = None
) -> Draft:
    """One sentence answers as itself; several as a list, one line each with its marker."""
    citations = [cite(n, c.article, c.start, c.end, c.score) for n, c in enumerate(chosen, 1)]
    if len(chosen) == 1:
        return Draft(f"{chosen[0].text} [1]", True, citations)
    lines = [heading] if heading else []
    lines += [f"- {line(c)} [{n}]" for n, c in enumerate(chosen, 1)]
    return Draft("\n".join(lines), True, citations)


def _where(article: Article) -> str:
    """Which article, for a line of an answer: title (or path), outlet, date."""
    label = f'"{article.title}"' if article.title else article.doc_id
    details = [d for d in (article.source, article.published and article.published.isoformat()) if d]
    return f"{label}, {', '.join(details)}" if details else label
