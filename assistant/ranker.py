"""Candidate answer sentences and what the answer ranker reads of each: features of a sentence
against the question, and the fitted model (`ranker.json`, written by
`benchmarks/fit_ranker.py`) that turns them into the chance that the sentence answers."""

from __future__ import annotations

import bisect
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index import lexicon
from index.documents import Article
from index.text import Figure, answer_sentences, dates, figures, names, stem, stems, words

from assistant.query import FIGURE_KINDS, Query
from assistant.retrieval import Passage

MODEL_PATH = Path(__file__).with_name("ranker.json")
# Sentences embedded per question: the best by the words-only score, to bound the time spent.
EMBEDDED_POOL = 6
# Scores how close in meaning each sentence is to the question (cosine, -1..1).
Similarity = Callable[[str, list[str]], list[float]]

FEATURES = (
    "coverage", "coverage_content", "coverage_context", "coverage_title", "names_missing",
    "names_in_sentence", "set_elsewhere",
    "bm25", "cosine", "coverage_gap", "bm25_gap", "cosine_gap", "retrieval_rank", "retrieval_score", "fits_kind", "answer_near_terms",
    "has_number", "new_name", "has_quote", "quote_asked", "is_lead", "position", "length",
    "key_missing", "pair_coverage", "content_before",
)


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved article, where it came from in the retrieval."""

    article: Article
    start: int
    end: int
    rank: int  # the retrieval rank of the first passage that held it (0 = best)
    retrieval: float  # that passage's fused score over the best passage's
    index: int  # the sentence's position in its article

    @property
    def text(self) -> str:
        return self.article.text[self.start : self.end]


def candidates(passages: list[Passage], articles: dict[str, Article]) -> list[Candidate]:
    """The sentences of the passages, each once, plus the lead sentence of every article."""
    top = passages[0].score if passages and passages[0].score else 1.0
    seen: set[tuple[str, int]] = set()
    found = []
    for rank, passage in enumerate(passages):
        article = articles[passage.doc_id]
        spans = article_sentences(article)
        starts = [s for s, _ in spans]
        first = bisect.bisect_left(starts, passage.start)
        wanted = [i for i in range(first, len(spans)) if spans[i][0] < passage.end]
        lead = lead_index(article)
        for i in ([lead] if lead is not None else []) + wanted:
            if (article.doc_id, i) in seen:
                continue
            seen.add((article.doc_id, i))
            start, end = spans[i]
            found.append(Candidate(article, start, end, rank, passage.score / top, i))
    return found


@lru_cache(maxsize=4096)
def article_sentences(article: Article) -> tuple[tuple[int, int], ...]:
    """The article's sentences, an over-long one in pieces a quote can hold."""
    return tuple(answer_sentences(article.text))


@lru_cache(maxsize=1 << 16)
def _sentence_stems(article: Article, index: int) -> tuple[str, ...]:
    """The stems of the article's sentence `index`, in order (only the sentences a question
    reads are stemmed, not the whole article)."""
    start, end = article_sentences(article)[index]
    return tuple(stems(article.text[start:end]))


@lru_cache(maxsize=4096)
def _title_stems(article: Article) -> frozenset[str]:
    """Stems of what the article is about and who published it: title, lead, outlet."""
    lead = lead_index(article)
    text = f"{article.title}\n{article.source}"
    if lead is not None:
        start, end = article_sentences(article)[lead]
        text += "\n" + article.text[start:end]
    return frozenset(stems(text))


@lru_cache(maxsize=4096)
def lead_index(article: Article) -> int | None:
    """The first sentence of the body: not a heading or the title repeated."""
    for i, (start, end) in enumerate(article_sentences(article)[:4]):
        sentence = article.text[start:end]
        if not is_heading(sentence) and sentence.strip() != article.title.strip():
            return i
    return None


@lru_cache(maxsize=1 << 16)
def sentences_before(article: Article, index: int, count: int = 2) -> tuple[int, ...]:
    """The sentences just before sentence `index` that it may lean on for what it names: up to
    `count`, back to its section's heading at most (what precedes a heading is another part
    of the article)."""
    spans = article_sentences(article)
    before = []
    for i in range(index - 1, max(-1, index - 1 - count), -1):
        before.append(i)
        if is_heading(article.text[spans[i][0] : spans[i][1]]):
            break
    return tuple(before)


def is_heading(sentence: str) -> bool:
    return not re.search(r"[.!?\"'”’)]$", sentence) and len(sentence.split()) < 15


def features(query: Query, found: list[Candidate]) -> np.ndarray:
    """One row per candidate, one column per name in FEATURES; the cosines are left at 0
    (`with_cosines` sets them). A `_gap` is how far a sentence falls behind the question's
    best candidate."""
    rows = np.zeros((len(found), len(FEATURES)), dtype=np.float64)
    if not found:
        return rows
    matches = _TermMatches(query)
    counts = np.zeros((len(found), len(query.terms)))  # how often each term is in a sentence
    in_context = np.zeros(counts.shape, dtype=bool)  # in the title, lead or sentences before
    in_title = np.zeros(counts.shape, dtype=bool)
    lengths = np.zeros(len(found))
    asked = query.asked
    query.written_lower({w for c in found if (w := _opening_word(c.text))})  # one lookup for all
    for row, candidate in enumerate(found):
        article = candidate.article
        sentence = candidate.text
        tokens = _sentence_stems(article, candidate.index)
        lengths[row] = len(tokens)
        counts[row] = matches.counts(tokens)
        in_title[row] = matches.in_title(article)
        in_context[row] = in_title[row]
        for i in sentences_before(article, candidate.index):
            in_context[row] |= matches.in_sentence(article, i)
        found_figures = figures(sentence)
        fits, near = _fits_kind(query, sentence, found_figures, asked)
        rows[row, _AFTER_TERMS] = (
            float(bool(query.names) and query.kind != "where"  # there, the place is asked for
                  and bool(_places(sentence, asked))),
            1.0 / (1 + candidate.rank), candidate.retrieval, fits, near,
            float(any(f.is_quantity for f in found_figures)),
            float(has_new_name(sentence, query)),
            float(bool(_QUOTATION.search(sentence))),
            float(query.kind == "quote" and bool(re.search(r"[\"“”‘]", sentence))),
            float(candidate.index == lead_index(article)), math.log1p(candidate.index),
            math.log1p(len(tokens)), _pair_coverage(query, tokens, counts[row] > 0),
        )
    _term_columns(query, rows, counts, in_context, in_title, lengths)
    for name, of in (("coverage_gap", "coverage_context"), ("bm25_gap", "bm25")):
        column = rows[:, FEATURES.index(of)]
        rows[:, FEATURES.index(name)] = column - column.max(initial=0.0)
    return rows


# The columns `features` fills sentence by sentence; the others come from the term matrices.
_AFTER_TERMS = [FEATURES.index(name) for name in (
    "set_elsewhere", "retrieval_rank", "retrieval_score", "fits_kind", "answer_near_terms",
    "has_number", "new_name", "has_quote", "quote_asked", "is_lead", "position", "length",
    "pair_coverage",
)]


class _TermMatches:
    """Which of the question's terms a list of stems holds: every stem that counts as a
    term points to it (a stem may count for two). What a title or sentence holds is kept,
    as neighbouring candidates read the same ones."""

    def __init__(self, query: Query) -> None:
        self.size = len(query.terms)
        self.owners: dict[str, list[int]] = {}
        for i, term in enumerate(query.terms):
            for match in term.matches:
                self.owners.setdefault(match, []).append(i)
        self._stems = frozenset(self.owners)
        self._held: dict[tuple[str, int], np.ndarray] = {}

    def counts(self, tokens: tuple[str, ...]) -> np.ndarray:
        found = np.zeros(self.size)
        for token in self._stems.intersection(tokens):
            for i in self.owners[token]:
                found[i] += tokens.count(token)
        return found

    def held(self, stems: Iterable[str]) -> np.ndarray:
        found = np.zeros(self.size, dtype=bool)
        for token in self._stems.intersection(stems):
            found[self.owners[token]] = True
        return found

    def in_title(self, article: Article) -> np.ndarray:
        """The terms in the article's title, lead or outlet."""
        key = (article.doc_id, -1)
        if key not in self._held:
            self._held[key] = self.held(_title_stems(article))
        return self._held[key]

    def in_sentence(self, article: Article, index: int) -> np.ndarray:
        key = (article.doc_id, index)
        if key not in self._held:
            self._held[key] = self.held(_sentence_stems(article, index))
        return self._held[key]


def _term_columns(query: Query, rows: np.ndarray, counts: np.ndarray, in_context: np.ndarray,
                  in_title: np.ndarray, lengths: np.ndarray) -> None:
    """The columns read from which of the question's terms each sentence, its context and its
    article's title hold: coverage (each term weighed by its rarity), names left out, BM25."""
    weight = np.array([t.weight for t in query.terms])
    is_name = np.array([t.is_name for t in query.terms], dtype=bool)
    total = query.weight
    heaviest = weight.max(initial=0.0) or 1.0
    name_total = weight[is_name].sum() or 1.0
    content_total = weight[~is_name].sum() or 1.0
    in_sentence = counts > 0
    # Names carry over from the title, lead and sentences just before ("The airstrike
    # targeted a school" after a sentence naming Kryvyi Rih); other words only from the title
    # and lead: "near" in the sentence before does not make this one say what was near.
    before = in_context & ~in_title & ~in_sentence & ~is_name
    in_context = (in_context & ~before) | in_sentence
    missing = ~in_context
    column = {
        "coverage": in_sentence @ weight / total,
        "coverage_content": (in_sentence & ~is_name) @ weight / content_total,
        "coverage_context": in_context @ weight / total,
        "coverage_title": in_title @ weight / total,
        "names_missing": (missing & is_name) @ weight / name_total,
        "names_in_sentence": (in_sentence & is_name) @ weight / name_total,
        "bm25": _bm25(weight, counts, lengths) / total,
        "key_missing": (missing * weight).max(axis=1, initial=0.0) / heaviest,
        "content_before": before @ weight / total,
    }
    for name, values in column.items():
        rows[:, FEATURES.index(name)] = values
    rows[:, FEATURES.index("answer_near_terms")] /= content_total


def _pair_coverage(query: Query, tokens: tuple[str, ...], held: np.ndarray,
                   gap: int = 2) -> float:
    """The share of the question's neighbouring key terms ("biggest creditor", "visa
    applications") that the sentence (its stems `tokens`, holding the terms `held`) also
    writes side by side (at most `gap` words apart), weighted by the lighter term of each
    pair."""
    total = found = 0.0
    for n, (first, second) in enumerate(zip(query.terms, query.terms[1:])):
        weight = min(first.weight, second.weight)
        total += weight
        if not (held[n] and held[n + 1]):
            continue
        at = [i for i, token in enumerate(tokens) if token in first.matches]
        if any(token in second.matches for i in at for token in tokens[i + 1 : i + 1 + gap]):
            found += weight
    return found / total if total else 0.0


def with_cosines(rows: np.ndarray, which: np.ndarray, cosines) -> None:
    """Set the cosine to the question of the candidates `which`, and their gap to the best."""
    cosines = np.asarray(cosines, dtype=np.float64)
    rows[which, FEATURES.index("cosine")] = cosines
    rows[which, FEATURES.index("cosine_gap")] = cosines - cosines.max(initial=0.0)


def _bm25(weight: np.ndarray, counts: np.ndarray, lengths: np.ndarray, k1: float = 1.2,
          b: float = 0.75, mean_length: float = 25.0) -> np.ndarray:
    """BM25 of each sentence (a row of `counts`, how often it holds each of the question's
    terms) against the question, sentences as the documents."""
    norm = (k1 * (1 - b + b * lengths / mean_length))[:, None]
    return (weight * counts * (k1 + 1) / (counts + norm)).sum(axis=1)


_TIME_STEMS = frozenset(stem(unit) for unit in lexicon.TIME_UNITS)
_UNIT_STEMS = frozenset(stem(unit) for unit in lexicon.MEASURE_UNITS + lexicon.SPEED_UNITS)
_SPEECH_STEMS = frozenset(stem(verb) for verb in lexicon.SPEECH_VERBS)
# A quotation: double quotes, or single ones (opened with ‘, as ’ is also an apostrophe).
_QUOTATION = re.compile(r"[\"“”‘]|'\w[^']*'")
_MONEY_STEMS = frozenset(stem(word) for word in lexicon.CURRENCY_WORDS)
_CALENDAR = frozenset(lexicon.MONTHS + lexicon.MONTH_ABBREVIATIONS + lexicon.WEEKDAYS)
_PLACE = re.compile(r"\b(?:(?:in|at|near|outside)\s+(?:the\s+)?|"
                    r"(?:city|town|village|region|province)\s+of\s+)+"
                    r"([A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*)")


def _places(sentence: str, asked: frozenset[str]) -> list[str]:
    """The places the sentence sets something in ("in Zenda", "at Lord's") that the question
    does not name (a sentence about what happened elsewhere, unless "where" is asked)."""
    return [place for place in _PLACE.findall(sentence)
            if not {w.lower() for w in re.findall(r"\w+", place)} & asked
            and place.split()[0] not in _CALENDAR]


def has_speech_verb(sentence: str) -> bool:
    """Whether the sentence has a verb of saying ("said", "told", "warned")."""
    return (not _SPEECH_STEMS.isdisjoint(stems(sentence))
            or any(w.lower() in lexicon.SPEECH_VERBS_PAST_ONLY for w in words(sentence)))


def has_new_name(sentence: str, query: Query) -> bool:
    """Whether the sentence names someone or something the question does not."""
    return any(is_new_name(name, query.asked) for name in sentence_names(sentence, query))


def sentence_names(sentence: str, query: Query) -> list[str]:
    """The sentence's names (`names`), less an opening word that the articles write in lower
    case inside sentences ("Amidst these times ...")."""
    found = list(names(sentence))
    opening = _opening_word(sentence)
    if found and found[0] == opening and query.written_lower([opening]):
        found = found[1:]
    return found


def _opening_word(sentence: str) -> str | None:
    opening = re.match(r"[\"“‘']?([A-Z][\w'-]*)", sentence)
    return opening.group(1) if opening else None


def is_new_name(name: str, asked: frozenset[str]) -> bool:
    return not {w.lower() for w in re.findall(r"\w+", name)} <= asked


def _fits_kind(query: Query, sentence: str, found_figures, asked: frozenset[str]) -> tuple[float, float]:
    """Whether the sentence holds the kind of answer asked for, and the weight of the
    question's other terms (and, for counts, what is counted) found in the words just around
    an answer of that kind: "injuring 11 civilians" for the injured, "bought US rival Grey
    Global" for a rival bought."""
    kind = query.kind
    if kind in FIGURE_KINDS:
        fitting = fitting_figures(query, found_figures)
        spans = [(f.start, f.end) for f in fitting]
        fits = float(bool(fitting))
        if fitting and query.dimension and not any(f.kind in query.dimension for f in fitting):
            fits = 0.5  # "how fast": a speed tells more than another number
    elif kind == "when":  # a day of the month tells more than a month or a weekday alone
        said = dates(sentence)
        spans = _spans(sentence, said)
        day = _DAY if query.wants_day else _DAY_OF_MONTH  # a weekday is a day, if one is asked
        fits = 1.0 if any(day.search(d) for d in said) else 0.5 * bool(said)
    elif kind in ("who", "where"):
        named = [n for n in sentence_names(sentence, query) if is_new_name(n, asked)]
        places = _places(sentence, asked) if kind == "where" else []
        spans = _spans(sentence, places or named)  # "where": a place tells more than a name
        fits = 1.0 if places or kind == "who" and named else 0.5 * bool(named)
    elif kind == "quote":
        return float(bool(_QUOTATION.search(sentence)) or has_speech_verb(sentence)), 0.0
    else:
        return 1.0, 0.0
    near: set[str] = set()
    for start, end in spans:  # the words just before and after the answer
        near |= set(stems(" ".join(sentence[:start].split()[-3:] + sentence[end:].split()[:4])))
    weight = sum(t.weight for t in query.terms if not t.is_name and t.matches & near)
    if query.focus & near:
        weight += max((t.weight for t in query.terms if t.matches == query.focus), default=0)
    return fits, weight


def _spans(sentence: str, found: list[str]) -> list[tuple[int, int]]:
    """Where each of `found` (pieces of the sentence) first occurs in it."""
    starts = [sentence.find(piece) for piece in found]
    return [(start, start + len(piece)) for start, piece in zip(starts, found) if start >= 0]


_DAY_OF_MONTH = re.compile(r"\b\d{1,2}\b|\d{4}-\d\d-\d\d")
_DAY = re.compile(rf"{_DAY_OF_MONTH.pattern}|\b(?:{'|'.join(lexicon.WEEKDAYS)})\b")


def fitting_figures(query: Query, found: Iterable[Figure]) -> list[Figure]:
    """Those of a sentence's figures that can answer the question: of the kind it asks for,
    and not a number the question itself gives."""
    return [f for f in found
            if figure_fits(query.kind, f, query.focus) and f.value not in query.given_figures]


def figure_fits(kind: str, figure, focus: frozenset[str] = frozenset()) -> bool:
    """Whether a figure is the kind of number a question of `kind` asks for (`focus`: what a
    count counts); a duration answers a count only of units of time ("how many weeks")."""
    if figure.kind == "duration":
        return kind == "measure" or kind in ("count", "amount") and bool(focus & _TIME_STEMS)
    if figure.kind in ("measure", "speed"):  # "how many miles", "how much rain"
        return kind in ("measure", "amount") or kind == "count" and bool(focus & _UNIT_STEMS)
    if kind in ("money", "percent", "age"):
        return figure.kind == kind
    if kind == "count":  # "how many", in money only when money is counted ("how many dollars")
        return figure.kind == "count" or figure.kind == "money" and bool(focus & _MONEY_STEMS)
    if kind == "amount":  # "how much": a number, a sum or a share
        return figure.kind in ("count", "money", "percent")
    return figure.is_quantity


# What the decline reads of a question's candidates: the best sentence's chance (as log-odds),
# what that sentence leaves out, how much of the question sits next to its answer, and whether
# any candidate names everything the question names.
QUESTION_FEATURES = (
    "best_log_odds", "best_names_missing", "best_coverage_context", "best_cosine",
    "best_fits_kind", "fewest_names_missing", "best_key_missing", "best_answer_near_terms",
)


def may_answer(query: Query, rows: np.ndarray) -> np.ndarray:
    """Which candidates can answer at all: those that name, in the sentence or the title, lead
    or sentences just before it, something the question names (a sentence about another
    company or place is no answer); for a question that asks for a figure (how many, how
    much, how old, ...), only those holding a figure of that kind; for one that asks on what
    day, only those that give a day."""
    naming = rows[:, FEATURES.index("names_missing")] < 1.0
    if query.kind in FIGURE_KINDS:
        return naming & (rows[:, FEATURES.index("fits_kind")] > 0)
    if query.wants_day:
        return naming & (rows[:, FEATURES.index("fits_kind")] == 1.0)
    return naming


def as_named(rows: np.ndarray, best: int) -> np.ndarray:
    """Which candidates leave out no more of the question's names than the best one does:
    another article's report of the same thing names what the answer names."""
    missing = rows[:, FEATURES.index("names_missing")]
    return missing <= missing[best]


def question_features(rows: np.ndarray, chances: np.ndarray) -> np.ndarray:
    """The QUESTION_FEATURES of one question from its candidates' features and chances."""
    best = int(np.argmax(chances))
    chance = float(np.clip(chances[best], 1e-6, 1 - 1e-6))
    column = {name: rows[best, FEATURES.index(name)] for name in FEATURES}
    return np.array([
        math.log(chance / (1 - chance)), column["names_missing"], column["coverage_context"],
        column["cosine"], column["fits_kind"], rows[:, FEATURES.index("names_missing")].min(),
        column["key_missing"], column["answer_near_terms"],
    ])


@dataclass(frozen=True)
class Ranker:
    """Logistic regressions over features: one rates each sentence, one the question's best
    sentence (whether to answer at all); and the thresholds fitted with them."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    answer_coef: np.ndarray  # over QUESTION_FEATURES
    answer_intercept: float
    threshold: float  # below this chance that the best sentence answers, Newsdesk declines
    also: float  # a sentence from another article is added at this chance or above

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Ranker:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if (tuple(data["features"]) != FEATURES
                or tuple(data["question_features"]) != QUESTION_FEATURES):
            raise ValueError(f"{path}: fitted on other features; rerun benchmarks/fit_ranker.py")
        return cls(
            np.asarray(data["mean"]), np.asarray(data["scale"]), np.asarray(data["coef"]),
            float(data["intercept"]), np.asarray(data["answer_coef"]),
            float(data["answer_intercept"]), float(data["threshold"]), float(data["also"]),
        )

    def chance(self, rows: np.ndarray) -> np.ndarray:
        z = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def answer_chance(self, rows: np.ndarray, chances: np.ndarray) -> float:
        """The chance that the question's best sentence answers it."""
        z = question_features(rows, chances) @ self.answer_coef + self.answer_intercept
        return float(1.0 / (1.0 + math.exp(-z)))

    def without_cosine(self, rows: np.ndarray) -> np.ndarray:
        """Chances with every sentence's cosines at their training means (to pre-rank)."""
        filled = rows.copy()
        for name in ("cosine", "cosine_gap"):
            filled[:, FEATURES.index(name)] = self.mean[FEATURES.index(name)]
        return self.chance(filled)


@lru_cache(maxsize=1)
def default_ranker() -> Ranker:
    return Ranker.load()


# Candidates, their features and their chances (`scored`).
Scored = tuple[list[Candidate], np.ndarray, np.ndarray]


def scored(
    query: Query, passages: list[Passage], articles: dict[str, Article],
    similarity: Similarity | None, ranker: Ranker,
) -> Scored:
    """The candidates, their features and their chances, 0 for those that cannot answer
    (`may_answer`); the cosines are computed for the pool of the best EMBEDDED_POOL of those
    that can, by the other features."""
    found = [c for c in candidates(passages, articles) if not is_heading(c.text)]
    rows = features(query, found)
    if not found:
        return found, rows, np.zeros(0)
    for name in ("cosine", "cosine_gap"):  # unknown outside the pool: the training mean
        rows[:, FEATURES.index(name)] = ranker.mean[FEATURES.index(name)]
    can_answer = may_answer(query, rows)
    chances = np.where(can_answer, ranker.chance(rows), 0.0)
    if similarity is not None and can_answer.any():
        pool = np.argsort(-chances)[: min(EMBEDDED_POOL, int(can_answer.sum()))]
        with_cosines(rows, pool, similarity(query.search_text, [found[i].text for i in pool]))
        chances[pool] = ranker.chance(rows[pool])
    return found, rows, chances

