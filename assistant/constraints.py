"""Read the constraints a question puts on its evidence: the outlets it names (matched to the
index's own `source` values), the dates it gives, its order words, and the form of answer it
wants. Each named outlet becomes a sub-query with its own filters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from index.lexicon import CHANGE_WORDS, NEGATORS, SAME_WORDS
from index.store import SearchFilters

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"]
_MONTH = "|".join([*_MONTHS, *(m[:3] for m in _MONTHS), "sept"])
_DATE = re.compile(
    rf"\b(?P<iso>(?P<y>\d{{4}})-(?P<m>\d\d)-(?P<d>\d\d))(?:T[\d:]+(?:[+-]\d\d:?\d\d|Z)?)?"
    rf"|\b(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"(?:,?\s+(?P<year>\d{{4}}))?\b"
    rf"|\b(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month2>{_MONTH})\.?"
    rf"(?:,?\s+(?P<year2>\d{{4}}))?\b",
    re.I,
)
# Words that join a name of an outlet and need no capital.
_JOINERS = {"the", "of", "and", "&", "-", "|", "for", "on", "in"}
_AUXILIARY = re.compile(
    r"^(?:does|do|did|is|are|was|were|has|have|had|can|could|will|would|should)\b", re.I
)
_ENTITY = re.compile(r"^(?:which|who|whom|whose|what|name)\b", re.I)
_ORDER = re.compile(r"\b(before|after|earlier than|later than|prior to|preceding|following)\b",
                    re.I)
# Where a question's clause about one outlet ends and the next begins.
_CLAUSE = re.compile(
    r"\s*(?:;|,?\s+while\s+|,?\s+whereas\s+|,?\s+compared (?:to|with)\s+|,?\s+in contrast to\s+"
    r"|,?\s+and\s+(?=(?:does|do|did|is|are|was|were|has|have|also|then)\b)|,\s+and\s+|,\s+or\s+"
    r"|,?\s+(?=(?:before|after|prior to)\b))",
    re.I,
)
# What an article is said to say ("suggest that prices changed"), up to the next clause that
# asks (", did the outlet ..."): it is not what the question asks about the reports.
_THAT_CLAUSE = re.compile(
    r"\bthat\b.*?(?=,\s+(?:and\s+)?(?:does|do|did|is|are|was|were|has|have|had)\s+"
    r"(?:the|there|it|its|this|these|they|their|(?-i:[A-Z]))|\?|$)", re.I
)


@dataclass(frozen=True)
class Mention:
    """An outlet the question names: the index's sources it stands for, where it is in the
    question, the period given with it ("on March 2": that day; "after March 5": from the
    day after) and the clause of the question about it."""

    name: str
    sources: tuple[str, ...]
    start: int
    date_from: date | None
    date_to: date | None
    clause: str

    @property
    def published(self) -> date | None:
        """The day the question says this report was published, if it gives one."""
        return self.date_from if self.date_from == self.date_to else None

    def filters(self, with_dates: bool = True) -> SearchFilters:
        if not with_dates:
            return SearchFilters(self.sources)
        return SearchFilters(self.sources, self.date_from, self.date_to)


@dataclass(frozen=True)
class Consistency:
    """What a question asks of its reports: whether they say the same thing ("same") or
    different things ("changed"); `options`, the words it offers to answer with instead of yes
    or no ("consistent or inconsistent"), each with the verdict it stands for."""

    asks: str
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Constraints:
    """What a question asks of its evidence. `form`: "entity" (a name), "yesno", or "other";
    `order`: "before" or "after" when the question asks which report came first."""

    question: str
    mentions: tuple[Mention, ...]
    form: str
    order: str | None
    date_from: date | None = None
    date_to: date | None = None
    consistency: Consistency | None = None

    def filters(self, mention: Mention) -> SearchFilters:
        """The outlet's filters: the period given with it, else the question's period."""
        if mention.date_from or mention.date_to:
            return mention.filters()
        return SearchFilters(mention.sources, self.date_from, self.date_to)

    @property
    def spans_sources(self) -> bool:
        """True when the question asks about what two or more reports say (the same outlet
        may be named twice), or asks for a name that a named outlet reports."""
        if len(self.mentions) >= 2:
            return self.form in ("entity", "yesno")
        return bool(self.mentions) and self.form == "entity"


def read(question: str, sources: list[str]) -> Constraints:
    """The constraints of `question`, given the distinct `source` values of the index."""
    text = " ".join(question.split())
    dates = list(_dates(text))
    default_year = next((d.year for _, d in dates if d.year != 1), None)
    periods = [(at, _period(text, at, day)) for at, written in dates
               if (day := _with_year(written, default_year))]
    found = _mentions(text, sources)
    clauses = _clauses(text)
    mentions = []
    for n, (start, end, name, matched) in enumerate(found):
        limit = found[n + 1][0] if n + 1 < len(found) else len(text)
        period = next((p for at, p in periods if end <= at < limit), (None, None))
        clause = next((c for s, e, c in clauses if s <= start < e), text)
        mentions.append(Mention(name, matched, start, *period, clause))
    bounds = [p for _, p in periods if p[0] != p[1]]
    date_from = max((f for f, _ in bounds if f), default=None)
    date_to = min((t for _, t in bounds if t), default=None)
    form = _form(text)
    return Constraints(text, tuple(mentions), form, _order(text, mentions), date_from, date_to,
                       consistency(text) if form == "yesno" else None)


def consistency(text: str) -> Consistency | None:
    """Whether the question asks if reports say the same or differ, read from its words of
    sameness and change outside what an article is said to say, a negation before one turning
    it ("was there no change"); None when it asks neither, or both. "Consistent or
    inconsistent" offers its two words as the answer."""
    asked = _THAT_CLAUSE.sub(" ", text)
    words = re.findall(r"[a-z]+(?:n't)?", asked.lower())
    meant = [_meaning(word, words[max(0, n - 2):n]) for n, word in enumerate(words)]
    for n in range(len(words) - 2):
        if words[n + 1] == "or" and meant[n] and meant[n + 2] and meant[n] != meant[n + 2]:
            return Consistency(meant[n], ((words[n], meant[n]), (words[n + 2], meant[n + 2])))
    found = {m for m in meant if m}
    return Consistency(found.pop()) if len(found) == 1 else None


def _meaning(word: str, before: list[str]) -> str | None:
    """"same" or "changed" for a word of sameness or change, turned by a negation just
    before it; None for any other word."""
    if word in SAME_WORDS:
        meaning = "same"
    elif word in CHANGE_WORDS:
        meaning = "changed"
    else:
        return None
    negated = any(w in NEGATORS or w.endswith("n't") for w in before)
    return {"same": "changed", "changed": "same"}[meaning] if negated else meaning


def _order(text: str, mentions: list[Mention]) -> str | None:
    """"before" or "after" when the question asks whether one report came before the other:
    it opens with its auxiliary verb ("Was X reported by A before B reported Y?") and the
    order word stands between two of the outlets it names, in the clause of the second
    ("following a loss, in contrast to B" orders no reports)."""
    if len(mentions) < 2 or not _AUXILIARY.match(text):
        return None
    for match in _ORDER.finditer(text):
        if _DATE.match(text, match.end() + 1):
            continue  # "after March 5" bounds a period
        following = next((m.start for m in mentions if m.start > match.start()), None)
        if following is None or _CLAUSE.search(text, match.end(), following):
            continue
        if mentions[0].start < match.start() < mentions[-1].start:
            word = match.group(1).lower()
            return "before" if word in ("before", "earlier than", "prior to", "preceding") \
                else "after"
    return None


def _form(text: str) -> str:
    if _is_yes_no(text):
        return "yesno"
    if _ENTITY.match(text):
        return "entity"
    return "other"


def _is_yes_no(text: str) -> bool:
    """A question whose main clause starts with an auxiliary verb: "Did ...?", "Between A and
    B, was there ...?", "After A, did B ...?"."""
    if _ENTITY.match(text):
        return False
    if _AUXILIARY.match(text):
        return True
    return bool(re.search(r",\s+(?:does|do|did|is|are|was|were|has|have|had)\s+\w", text, re.I))


def _mentions(text: str, sources: list[str]) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """Outlets named in `text`, in order: (start, end, name as written, sources it stands
    for). A source is named by its full value or by its name before " | " or " - " ("The
    Roar" for "The Roar | Sports Writers Blog"); a short name shared by several sources
    stands for all of them. Names must be written with capitals, so "the age of AI" is no
    mention of The Age."""
    aliases: dict[str, set[str]] = {}
    spelled: dict[str, str] = {}  # each alias as a source writes it
    for source in sources:
        for alias in _aliases(source):
            aliases.setdefault(alias.lower(), set()).add(source)
            spelled.setdefault(alias.lower(), alias)
    found: list[tuple[int, int, str, tuple[str, ...]]] = []
    taken: list[tuple[int, int]] = []
    for alias in sorted(aliases, key=len, reverse=True):
        pattern = re.compile(rf"(?<![\w-])(?:the\s+)?{re.escape(alias)}(?![\w-])", re.I)
        for match in pattern.finditer(text):
            if any(match.start() < e and match.end() > s for s, e in taken):
                continue
            if not _capitalised(match.group(), spelled[alias]):
                continue
            taken.append((match.start(), match.end()))
            found.append((match.start(), match.end(), match.group(), tuple(sorted(aliases[alias]))))
    return sorted(found)


def _aliases(source: str) -> set[str]:
    names = {source.strip()}
    short = re.split(r"\s+[|\-–—:]\s+", source.strip())[0]
    names.add(short)
    names |= {re.sub(r"^the\s+", "", n, flags=re.I) for n in list(names)}
    return {n for n in names if len(n) >= 3}


def _capitalised(written: str, alias: str) -> bool:
    """Whether the question writes the name with capitals where the source has them: "The
    Age", not "the age"; "CBSSports.com" needs none on "com"."""
    lower = {w for w in re.findall(r"[\w&|'-]+", alias) if w[0].islower()}
    words = [w for w in re.findall(r"[\w&|'-]+", written)
             if w.lower() not in _JOINERS and w not in lower]
    return bool(words) and all(w[0].isupper() or w[0].isdigit() for w in words)


def _dates(text: str):
    """(position, date or None) for each date written in the text; None when it has no year
    and none can be taken from elsewhere yet (filled in later)."""
    for match in _DATE.finditer(text):
        if match.group("iso"):
            try:
                yield match.start(), date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                continue
            continue
        month = match.group("month") or match.group("month2")
        day = int(match.group("day") or match.group("day2"))
        year = match.group("year") or match.group("year2")
        number = next(i for i, m in enumerate(_MONTHS, 1) if m.startswith(month.lower()[:3]))
        try:
            yield match.start(), date(int(year) if year else 1, number, day)
        except ValueError:
            continue


def _with_year(day: date, year: int | None) -> date | None:
    """A date written without a year takes the year of another date in the question."""
    if day.year != 1:
        return day
    return day.replace(year=year) if year and year != 1 else None


def _period(text: str, at: int, day: date) -> tuple[date | None, date | None]:
    """The days a date written at `at` allows: after or since it, before or until it, or
    that day."""
    before = text[max(0, at - 14):at].lower()
    if re.search(r"\b(?:after|since|following)\s+(?:on\s+)?$", before):
        return day + timedelta(days=1 if "since" not in before else 0), None
    if re.search(r"\b(?:before|until|prior to)\s+(?:on\s+)?$", before):
        return None, day - timedelta(days=1 if "until" not in before else 0)
    return day, day


def _clauses(text: str) -> list[tuple[int, int, str]]:
    """The question cut at its clause breaks ("while", "; ", ", and did"): (start, end, text)."""
    pieces, start = [], 0
    for match in _CLAUSE.finditer(text):
        if match.start() > start:
            pieces.append((start, match.start(), text[start:match.start()]))
        start = match.end()
    pieces.append((start, len(text), text[start:]))
    return pieces
