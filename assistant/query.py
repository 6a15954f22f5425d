"""Read a question: what kind of answer it wants, its key terms and how rare each is, the
names in it, and spelling variants of those names that the articles may use."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from index.terms import TermStats, stem, stems

STOPWORDS = set(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we
    were what when where which while who whom whose why will with would you your yours
    according article articles report reported reports say said says tell told happen happened
    happening know known mention mentioned give given many much number total people person
    one ones thing things get got take took taken taking part""".split()
)

# Transliterations that name the same place; each spelling finds the others.
PLACE_VARIANTS = [
    {"kyiv", "kiev"}, {"kharkiv", "kharkov"}, {"odesa", "odessa"}, {"lviv", "lvov", "lwow"},
    {"mykolaiv", "nikolaev", "nikolayev"}, {"zaporizhzhia", "zaporozhye", "zaporizhia"},
    {"dnipro", "dnepr", "dnipropetrovsk"}, {"luhansk", "lugansk"}, {"chernihiv", "chernigov"},
    {"kryvyi", "krivoy"}, {"rih", "rog"}, {"vinnytsia", "vinnitsa"}, {"rivne", "rovno"},
    {"khmelnytskyi", "khmelnitsky"}, {"ternopil", "ternopol"}, {"sumy", "sumi"},
]
# Words news reports use for the same outcome; a question using one matches the others.
SYNONYMS = [
    {"injured", "injuries", "injury", "injuring", "wounded", "wounding", "hurt"},
    {"killed", "killing", "dead", "death", "deaths", "died", "die", "fatalities", "lives"},
    {"strike", "strikes", "attack", "attacks", "blast", "blasts", "explosion", "bombardment"},
    {"missile", "missiles", "rocket", "rockets"},
]


def _stem_groups(groups: list[set[str]]) -> dict[str, frozenset[str]]:
    lookup: dict[str, frozenset[str]] = {}
    for group in groups:
        stemmed = frozenset(stem(word) for word in group)
        for item in stemmed:
            lookup[item] = lookup.get(item, frozenset()) | stemmed
    return lookup


_VARIANTS = _stem_groups(PLACE_VARIANTS)
_SYNONYMS = _stem_groups(SYNONYMS)

_KINDS = [
    ("count", re.compile(r"\b(how many|how much|number of|death toll|toll)\b", re.I)),
    ("when", re.compile(r"\b(when|what (day|date|time|year|month))\b", re.I)),
    ("who", re.compile(r"\b(who|whom|whose|which (person|official|leader|president|minister))\b", re.I)),
    ("where", re.compile(r"\bwhere\b", re.I)),
]


@dataclass(frozen=True)
class Term:
    """A key term of the question: its stem, the stems that also count as it, its weight."""

    word: str
    stem: str
    matches: frozenset[str]
    weight: float
    is_name: bool


@dataclass(frozen=True)
class Query:
    text: str
    kind: str
    terms: tuple[Term, ...]
    focus: frozenset[str] = frozenset()  # for counts: the stems of what is counted

    @property
    def names(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if term.is_name)

    @property
    def search_text(self) -> str:
        """The question plus the spellings of its names the articles use, for retrieval."""
        extra = sorted({m for t in self.terms for m in t.matches if m != t.stem and t.is_name})
        return f"{self.text} {' '.join(extra)}".strip()


def question_kind(question: str) -> str:
    for kind, pattern in _KINDS:
        if pattern.search(question):
            return kind
    return "other"


def analyse(question: str, stats: TermStats) -> Query:
    """Split a question into weighted key terms, with variants that exist in the index."""
    names = _capitalised_words(question)
    terms: dict[str, Term] = {}
    for word in re.findall(r"[\w’'-]+", question):
        for part in re.findall(r"\w\w+", word):
            lower = part.lower()
            if lower in STOPWORDS or lower.isdigit() and len(lower) < 3:
                continue
            stemmed = stem(lower)
            if stemmed in terms:
                continue
            matches = {stemmed} | _VARIANTS.get(stemmed, frozenset()) | _SYNONYMS.get(stemmed, frozenset())
            matches |= _related_stems(stemmed, stats)
            known = [m for m in matches if stats.known(m)]
            weight = min(stats.idf(m) for m in known) if known else stats.idf(stemmed)
            terms[stemmed] = Term(
                word=part, stem=stemmed, matches=frozenset(matches), weight=weight,
                is_name=part in names,
            )
    kind = question_kind(question)
    focus = _count_focus(question, terms) if kind == "count" else frozenset()
    return Query(text=question.strip(), kind=kind, terms=tuple(terms.values()), focus=focus)


def _count_focus(question: str, terms: dict[str, Term]) -> frozenset[str]:
    """What a counting question counts: the first key term after "how many" ("how many
    missiles", "how many people were injured"), skipping a partitive "of the injured"."""
    match = _KINDS[0][1].search(question)
    rest = question[match.end():] if match else question
    rest = re.sub(r"^\s*of\s+(?:the|those)\s+\w+", "", rest, flags=re.I)
    for word in re.findall(r"\w\w+", rest):
        term = terms.get(stem(word.lower()))
        if term is not None and not term.is_name:
            return term.matches
    return frozenset()


def _related_stems(stemmed: str, stats: TermStats) -> set[str]:
    """Indexed stems that are the same word in another form (`rescu`/`rescuer`) or, for a
    word the index lacks, another spelling of it (`kharkov`/`kharkiv`)."""
    related = set()
    if len(stemmed) >= 5:
        related |= {w for w in stats.with_prefix(stemmed) if len(w) <= len(stemmed) + 3}
        related |= {stemmed[:i] for i in range(5, len(stemmed)) if stats.known(stemmed[:i])}
    if not stats.known(stemmed) and len(stemmed) >= 4 and stats.df:
        candidates = stats.similar_candidates(stemmed)
        related |= set(difflib.get_close_matches(stemmed, candidates, n=2, cutoff=0.8))
    return related


def _capitalised_words(question: str) -> set[str]:
    """Words written with a capital that are not just the first word of the question."""
    words = re.findall(r"\w[\w’'-]*", question)
    found = set()
    for position, word in enumerate(words):
        if word[:1].isupper() and (position > 0 or word.lower() not in STOPWORDS):
            found.update(re.findall(r"\w\w+", word))
    return {w for w in found if w.lower() not in STOPWORDS}


def sentence_stems(text: str) -> set[str]:
    return set(stems(text))
