"""Read a question: what kind of answer it wants, its key terms and how rare each is, which of
them are names (as the articles write them), and spelling variants the articles may use."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from index import lexicon
from index.terms import TermStats, stem, stems
from index.text import figures

# Words that carry no content in a question: function words and words of asking.
STOPWORDS = lexicon.STOPWORDS | lexicon.QUESTION_WORDS


def _stem_groups(groups) -> dict[str, frozenset[str]]:
    lookup: dict[str, frozenset[str]] = {}
    for group in groups:
        stemmed = frozenset(stem(word) for word in group)
        for item in stemmed:
            lookup[item] = lookup.get(item, frozenset()) | stemmed
    return lookup


_VARIANTS = _stem_groups(lexicon.PLACE_VARIANTS)
_SYNONYMS = _stem_groups(lexicon.SYNONYMS)

# "Which article says ...": a quote look-up whose answer names the article.
_WHICH_ARTICLE = r"\b(?:which|what) (?:article|report|story)\b"
# The kind of answer a question asks for, tried in order; the first pattern found wins.
_KINDS = [
    ("summary", r"^\s*(?:summari[sz]e|tell me about|what(?:'s| is| has)? happen(?:ed|ing)|"
                r"give me an? (?:summary|overview)|overview of|news (?:on|about))\b"),
    ("quote", _WHICH_ARTICLE + r"|\bwho (?:said|called|described|"
              r"warned|told|dismissed|greeted|accused|branded|urged)\b|\bwhat did .{1,80}? "
              r"(?:say|call|describe|tell|warn)\b|\bhow did .{1,80}? (?:describe|react|respond)\b"),
    ("age", r"\bhow old\b|\bwhat age\b|\bage of\b|\baged?\b.*\bwhen\b"),
    ("percent", r"\bpercentage\b|\bper ?cent\b|%|\bby how much\b|\bwhat share\b"),
    ("money", r"\bhow much (?:money|cash|did .{1,60}? (?:pay|cost|raise|earn|make|spend|"
              r"take|offer|lose|save|fine)|was .{1,60}? (?:paid|fined|worth|sold))|"
              r"\b(?:price|cost|fee|fine|profit|loss|revenue|sales|salary|budget|worth|bribe)s?\b"
              r".*\b(?:how much|what|how large)\b|\bhow much\b.*\b(?:pay|paid|cost|fine|"
              r"fined|profit|earn|offer|worth|price)|\bwhat (?:price|fee|sum|amount)\b|"
              r"\bwhat (?:was|is|were|are|will be)(?: the| its| his| her| their)? (?:price|cost|"
              r"fee|fine|profit|loss|revenue|sales|salary|budget|worth|bribe|value)s?\b"),
    ("count", r"\bhow many\b|\bnumber of\b|\bdeath toll\b|\btoll\b"),
    ("amount", r"\bhow much\b"),
    ("measure", r"\bhow (?:fast|long|far|big|large|high|tall|heavy|deep|wide|often)\b|\bwhat "
                r"(?:speed|size|distance|length|height|weight|depth|width|score|rank|position)\b"),
    ("when", r"\bwhen\b|\b(?:what|which) (?:days?|dates?|times?|years?|months?)\b|"
             r"\buntil when\b"),
    ("where", r"\bwhere\b|\bin which (?:country|city|town|region|state|village)\b"),
    ("who", r"\bwho\b|\bwhom\b|\bwhose\b|\bwhich\b|\bwhat is the name\b|\breal name\b"),
]
_KIND_PATTERNS = [(kind, re.compile(pattern, re.I)) for kind, pattern in _KINDS]
# Questions about a size, distance, speed or duration (a "measure" question may also ask for a
# score, a rank or how often, which any number answers).
_DIMENSION = re.compile(r"\b(?:how|what) (fast|speed|long|length|far|distance|big|large|size|"
                        r"high|tall|height|heavy|weight|deep|depth|wide|width)\b", re.I)
_ASKS_DAY = re.compile(r"\b(?:what|which) (?:days?|dates?)\b", re.I)
# Kinds answered by a number of some sort.
FIGURE_KINDS = frozenset({"count", "amount", "money", "percent", "age", "measure"})


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
    # The archive's term statistics the question was read with (how it writes each word).
    stats: TermStats | None = field(default=None, compare=False, repr=False)

    def written_lower(self, words: Iterable[str]) -> set[str]:
        """Those of `words` that the articles write in lower case inside sentences (common
        words, though a sentence may open with one: "Amidst", "Nonetheless"), lower-cased."""
        shares = self.stats.capital_shares(words) if self.stats else {}
        return {word for word, share in shares.items() if share is not None and share < 0.5}

    @cached_property
    def asked(self) -> frozenset[str]:
        """The question's key words, lower-cased: what a sentence's names are checked against."""
        return frozenset(w.lower() for t in self.terms for w in re.findall(r"\w+", t.word))

    @cached_property
    def wants_day(self) -> bool:
        """Whether a "when" question asks for the day ("on what day", "which dates"), not
        just a month or year."""
        return self.kind == "when" and bool(_ASKS_DAY.search(self.text))

    @cached_property
    def dimension(self) -> frozenset[str]:
        """For a question about a size, distance, speed or time ("how fast", "what length"):
        the kinds of figure that give it (a speed for "how fast"; a measure, also a duration
        for "how long", a sum for "how big"); empty for other questions."""
        found = _DIMENSION.search(self.text) if self.kind == "measure" else None
        if found is None:
            return frozenset()
        word = found.group(1).lower()
        if word in ("fast", "speed"):
            return frozenset({"speed"})
        return frozenset({"measure"} | ({"duration"} if word in ("long", "length") else set())
                         | ({"money"} if word in ("big", "large", "size") else set()))

    @cached_property
    def given_figures(self) -> frozenset[str]:
        """The numbers the question itself gives ("Half-Life 2", "the 30 missiles"), which
        are not what it asks for."""
        return frozenset(figure.value for figure in figures(self.text))

    @property
    def names(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if term.is_name)

    @property
    def weight(self) -> float:
        return sum(term.weight for term in self.terms) or 1.0

    @property
    def search_text(self) -> str:
        """The question plus the spellings of its terms the articles use, for retrieval."""
        extra = sorted({m for t in self.terms for m in t.matches if m != t.stem})
        return f"{self.text} {' '.join(extra)}".strip()




def asks_which_article(question: str) -> bool:
    """Whether the question asks which article says something: the answer names it."""
    return bool(re.search(_WHICH_ARTICLE, question, re.I))


_ARTICLE_WORD = r"\b(?:article|report|story|piece|column)\b"
_ABOUT_ARTICLE = (
    ("author", re.compile(rf"\bwho (?:wrote|authored|penned)\b.*{_ARTICLE_WORD}|"
                          rf"\b(?:author|writer) of\b.*{_ARTICLE_WORD}|"
                          rf"{_ARTICLE_WORD}.*\bwritten by whom\b", re.I)),
    ("published", re.compile(rf"\bwhen (?:was|were|did)\b.*{_ARTICLE_WORD}.*\b(?:published|"
                             rf"posted|come out|appear)|\b(?:publication|published) date\b", re.I)),
)


def asks_about_article(question: str) -> str | None:
    """"author" or "published" when the question asks who wrote or when an article was
    published: what the article records of itself, not what its sentences say."""
    for field, pattern in _ABOUT_ARTICLE:
        if pattern.search(question):
            return field
    return None


def question_kind(question: str) -> str:
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(question):
            return kind
    return "other"


@lru_cache(maxsize=8)
def analyse(question: str, stats: TermStats) -> Query:
    """Split a question into weighted key terms, with variants that exist in the index. Kept
    for the last few questions of one store generation (`stats`): a chat turn reads its
    question to condense it, then to answer it."""
    capitalised = _capitalised_words(question)
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
            share = stats.capital_share(lower)  # how the articles write the word
            if share is None and part != word:  # "Winn" of "Winn-Dixie": as they write that
                share = stats.capital_share(word.lower())
            if share is None and not stats.known(stemmed):  # "kharkov": as they write "kharkiv"
                shares = stats.capital_shares(matches).values()
                share = max((s for s in shares if s is not None), default=None)
            is_name = share is not None and share >= 0.5
            if not stats.known(stemmed) and part in capitalised:
                is_name = True
            terms[stemmed] = Term(
                word=part, stem=stemmed, matches=frozenset(matches), weight=weight,
                is_name=is_name,
            )
    kind = question_kind(question)
    focus = _count_focus(question, terms) if kind in FIGURE_KINDS else frozenset()
    return Query(text=question.strip(), kind=kind, terms=tuple(terms.values()), focus=focus,
                 stats=stats)


def _count_focus(question: str, terms: dict[str, Term]) -> frozenset[str]:
    """What a counting question counts: the first key term after "how many" ("how many
    missiles", "how many people were injured"), skipping a partitive "of the injured"."""
    match = re.search(r"\b(?:how many|how much|number of)\b", question, re.I)
    rest = question[match.end():] if match else ""
    rest = re.sub(r"^\s*of\s+(?:the|those)\s+\w+", "", rest, flags=re.I)
    counted = [terms.get(stem(word.lower())) for word in re.findall(r"\w\w+", rest)]
    counted = [term for term in counted if term is not None and not term.is_name]
    for term in counted:  # "how many people were killed": what happened to them says more
        if term.word.lower() not in lexicon.PEOPLE_NOUNS:
            return term.matches
    return counted[0].matches if counted else frozenset()


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
