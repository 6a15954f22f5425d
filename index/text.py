"""Text helpers shared by indexing and answering: sentences with offsets, word stems, names,
figures and dates, each found one way for the whole project."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from index import lexicon

TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_TOKEN = re.compile(TOKEN_PATTERN)


# --- sentences ----------------------------------------------------------------------------------
# A sentence ends at . ! or ? (plus closing quotes or brackets) followed by white space.
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return (start, end) spans of the sentences in `text[start:end]`, trimmed of white space.

    Line breaks always end a sentence, so headings and list items stand alone.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        line_start = start + line.start()
        line_text = line.group()
        cursor = 0
        for match in _END.finditer(line_text):
            if _is_abbreviation(line_text, match.start()) or not _next_starts_sentence(
                line_text, match.end()
            ):
                continue
            add_span(spans, text, line_start + cursor, line_start + match.end())
            cursor = match.end()
        add_span(spans, text, line_start + cursor, line_start + len(line_text))
    return spans


def _is_abbreviation(line: str, dot: int) -> bool:
    if line[dot] != ".":
        return False
    word = re.search(r"([\w.]+)$", line[max(0, dot - 12) : dot])  # abbreviations are short
    if not word:
        return False
    token = word.group(1).lower()
    return token in lexicon.ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _next_starts_sentence(line: str, pos: int) -> bool:
    rest = line[pos:].lstrip()
    return not rest or not rest[0].islower()


QUOTE_MAX_CHARS = 600  # news sentences are shorter; a longer one is read and quoted in pieces


def answer_sentences(text: str) -> list[tuple[int, int]]:
    """The units an answer reads, scores and quotes: sentences, an over-long one in pieces."""
    return sentence_pieces(text, QUOTE_MAX_CHARS)


def sentence_pieces(text: str, max_chars: int) -> list[tuple[int, int]]:
    """The sentence spans of `text`, a sentence longer than `max_chars` cut into pieces at word
    boundaries (mid-word only where a word is longer): units of bounded length for any text."""
    return [piece for start, end in split_sentences(text)
            for piece in _pieces(text, start, end, max_chars)]


def _pieces(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """The span text[start:end] as spans of at most `max_chars`, cut after white space where
    there is some, and trimmed of it."""
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        cut = start + max_chars
        space = max(text.rfind(" ", start + 1, cut + 1), text.rfind("\t", start + 1, cut + 1))
        if space > start:
            cut = space
        add_span(pieces, text, start, cut)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    add_span(pieces, text, start, end)
    return pieces


def add_span(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


# --- words --------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    return _stemmer().stemWord(word.lower())


def stems(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens, as the BM25 index tokenises text."""
    return _stemmer().stemWords([t.lower() for t in _TOKEN.findall(text)])


def words(text: str) -> list[str]:
    """Word tokens of two characters or more, as written."""
    return _TOKEN.findall(text)


def word_cases(text: str) -> dict[str, tuple[int, int]]:
    """For each lower-cased word seen inside a sentence (not first in one): how often it is
    used there, and how often written with a capital. The share is near 1 for names, near 0
    for common words."""
    total: Counter[str] = Counter()
    upper: Counter[str] = Counter()
    for match in _INSIDE_WORD.finditer(text):
        word = match.group(1)
        total[word.lower()] += 1
        if word[0].isupper():
            upper[word.lower()] += 1
    return {w: (n, upper[w]) for w, n in total.items()}


_INSIDE_WORD = re.compile(r"(?<=[a-z,;:] )([A-Za-z][\w'-]+)")


_NAME = re.compile(r"\b[A-Z][\w’'&.-]*[\w](?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][\w’'&.-]*[\w])*")


@lru_cache(maxsize=1 << 16)
def names(sentence: str) -> tuple[str, ...]:
    """Runs of capitalised words that are not just the sentence's first word ("The") nor a
    month or weekday: the people, places and organisations a sentence names."""
    found = []
    for match in _NAME.finditer(sentence):
        name = match.group()
        parts = name.split()
        if match.start() == 0 or re.search(r"[.!?:\"“‘]\s*$", sentence[: match.start()]):
            if re.sub(r"['’](?:s|ve|m|d|ll|re)$", "", parts[0].lower()) in _COMMON_FIRST_WORDS:
                parts = parts[1:]  # "The", and "I've" or "That's" as much
        parts = [re.sub(r"['’]s$", "", p) for p in parts if p not in _CALENDAR_WORDS]
        if parts:
            found.append(" ".join(parts))
    return tuple(found)


_CALENDAR_WORDS = frozenset(lexicon.MONTHS + lexicon.MONTH_ABBREVIATIONS + lexicon.WEEKDAYS)
# Words capitalised only because they begin a sentence ("The", "Thirty").
_COMMON_FIRST_WORDS = lexicon.STOPWORDS | lexicon.QUESTION_WORDS | frozenset(lexicon.NUMBER_WORDS)


# --- figures ------------------------------------------------------------------------------------
_NUMBER_WORD = "|".join(sorted((w for w in lexicon.NUMBER_WORDS if len(w) > 2), key=len,
                               reverse=True))
_HEDGE = "|".join(h.replace(" ", r"\s+") for h in lexicon.HEDGES)
_MAGNITUDE = "|".join(lexicon.MAGNITUDES)
_FIGURE = re.compile(
    rf"(?:\b(?:{_HEDGE})\s+)?"
    rf"(?P<currency>[{lexicon.CURRENCY_SIGNS}]\s?|\b(?:US|A|C|HK)\$\s?)?"
    rf"(?P<number>\d+(?:[,.]\d+)*|\b(?:{_NUMBER_WORD})(?:[- ](?:{_NUMBER_WORD}))*\b)"
    rf"(?:\s?(?P<magnitude>(?:{_MAGNITUDE}))\b)?"
    r"(?P<unit>\s?(?:%|per\s?cent|percent)|[- ](?:year|month|week|day)s?[- ]old|"
    r"(?:st|nd|rd|th)\b)?",
    re.I,
)
_YEAR = re.compile(r"^(1[5-9]|20)\d\d$")
_DURATION = re.compile(rf"[- ](?:{'|'.join(lexicon.TIME_UNITS)})s?\b", re.I)
# What follows a speed: a rate ("17m per second", "17m/s", "60 miles an hour") or a unit of
# speed ("38mph").
_SPEED = re.compile(rf"[- ]?(?:[a-z]{{0,2}}|(?:{'|'.join(lexicon.MEASURE_UNITS)})(?:e?s)?)\s?"
                    r"(?:/|per\s|an?\s)(?:s|h|hr|sec|second|hour|minute)\b|"
                    rf"[- ]?(?:{'|'.join(lexicon.SPEED_UNITS)})s?\b", re.I)
# What follows a measure: a unit ("15 km") or how it measures ("508m tall").
_MEASURE = re.compile(rf"[- ]?(?:{'|'.join(lexicon.MEASURE_UNITS)})(?:e?s)?\b|"
                      r"\s(?:tall|high|long|wide|deep)\b", re.I)
_CLOCK = re.compile(r"\s?(?:[ap]\.?m\b\.?|gmt\b|bst\b|:\d\d\b)", re.I)
# A capitalised word written just before a number, as in "Chapter 11" or "TFC 101".
_NAME_BEFORE = re.compile(r"\b[A-Z][\w'-]*[ -]$")


def _in_name(sentence: str, match: re.Match) -> bool:
    """Whether a number is part of a name: right after a capitalised word that does not open
    the sentence, and not a score ("Arsenal 2-1 Chelsea") or a date ("March 17")."""
    before = sentence[: match.start()]
    found = _NAME_BEFORE.search(before)
    if not found or found.start() == 0 or re.match(r"\s?[-–]\s?\d", sentence[match.end():]):
        return False
    return not re.search(r"[.!?:\"“]\s*$", before[: found.start()])


# One person, as a list of people writes each: "a woman", "her three-year-old child".
_ONE_PERSON = (rf"(?:an?|one|her|his|their)\s+(?:[\w’'-]+\s+){{0,2}}?"
               rf"(?:{'|'.join(sorted(lexicon.PERSON_NOUNS))})\b")
# Two or more people listed: a count written without a number.
_PEOPLE_LIST = re.compile(rf"\b{_ONE_PERSON}(?:(?:,\s*|,?\s+and\s+){_ONE_PERSON})+", re.I)


@dataclass(frozen=True)
class Figure:
    """A number as a sentence writes it, with what kind of number it is."""

    text: str
    start: int
    end: int
    # money, percent, age, ordinal, year, speed, measure, duration, time, day, label or count
    kind: str
    counted: int | None = None  # the number of people a list of them counts

    @property
    def is_quantity(self) -> bool:
        """Whether it counts or measures something: not a year, a clock time, a day of the
        month, or a number that is part of a name ("Chapter 11", "Half-Life 2")."""
        return self.kind not in ("year", "time", "day", "label")

    @property
    def value(self) -> str:
        """The number itself, without hedge or unit, lower-cased ("at least 11" -> "11")."""
        if self.counted is not None:
            return str(self.counted)
        match = re.search(rf"\d+(?:[,.]\d+)*|(?:{_NUMBER_WORD})(?:[- ](?:{_NUMBER_WORD}))*",
                          self.text.lower())
        return match.group() if match else self.text.lower()


_NUMBER_WORD_SET = frozenset(w for w in lexicon.NUMBER_WORDS if len(w) > 2)
# How far before its number a figure can start: a hedge, its spaces and a currency.
_LEAD = max(len(h) for h in lexicon.HEDGES) + 12


def _figure_matches(sentence: str) -> Iterator[re.Match]:
    """The matches of `_FIGURE` in the sentence, as `finditer` gives them, but searched for
    only just before the sentence's digits and number words (most of a sentence has none)."""
    end = 0
    for token in re.finditer(r"\d+|[A-Za-z]+", sentence):
        word = token.group()
        if token.start() < end or not (word[0].isdigit() or word.lower() in _NUMBER_WORD_SET):
            continue
        match = _FIGURE.search(sentence, max(end, token.start() - _LEAD))
        if match is None:
            return
        yield match
        end = match.end()


@lru_cache(maxsize=1 << 16)
def figures(sentence: str) -> tuple[Figure, ...]:
    """Every number in a sentence, in digits or words, with its kind (kept for the sentences
    seen last: the same passages come back for related questions)."""
    found = []
    for match in _figure_matches(sentence):
        number = match.group("number")
        if number.lower() in ("one", "a", "an") and not match.group("magnitude"):
            continue
        after = sentence[match.end():match.end() + 20].lower()
        unit = (match.group("unit") or "").lower()
        if match.group("currency") or re.match(rf"\s*(?:{'|'.join(lexicon.CURRENCY_WORDS)})\b",
                                               after):
            kind = "money"
        elif "%" in unit or "cent" in unit:
            kind = "percent"
        elif "old" in unit or re.search(r"\b(?:aged?|ages|age of)\s*$", sentence[:match.start()], re.I) or (
            re.search(r"[A-Z]\w+,\s*(?:now\s+)?$", sentence[:match.start()])  # "Smith, 38, said"
            and sentence[match.end():match.end() + 1] == "," and number.isdigit()
        ):
            kind = "age"
        elif unit.strip() in ("st", "nd", "rd", "th"):
            kind = "ordinal"
        elif _YEAR.match(number) and not match.group("magnitude"):
            kind = "year"
        elif _SPEED.match(after):
            kind = "speed"
        elif _MEASURE.match(after):
            kind = "measure"
        elif _DURATION.match(after):
            kind = "duration"
        elif _CLOCK.match(after):
            kind = "time"
        elif (_MONTH_AFTER.match(sentence, match.end())
              or _MONTH_BEFORE.search(sentence[: match.start()])):
            kind = "day"
        elif _in_name(sentence, match):
            kind = "label"
        else:
            kind = "count"
        found.append(Figure(match.group().strip(), match.start(), match.end(), kind))
    for match in _PEOPLE_LIST.finditer(sentence):
        people = len(re.findall(_ONE_PERSON, match.group(), re.I))
        found.append(Figure(match.group(), match.start(), match.end(), "count", people))
    return tuple(sorted(found, key=lambda f: f.start))


# --- dates --------------------------------------------------------------------------------------
_MONTH = "|".join(lexicon.MONTHS + lexicon.MONTH_ABBREVIATIONS)
# A day of the month: a number just before or after a month's name.
_MONTH_AFTER = re.compile(rf"\s*(?:of\s+)?(?:{_MONTH})\b")
_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTH})\.?\s+$")
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}\s+(?:{_MONTH})\b(?:\s+\d{{4}})?|(?:{_MONTH})\b(?:\s+\d{{1,2}}\b)?"
    rf"(?:,?\s+\d{{4}})?|\d{{4}}-\d\d-\d\d|(?:in|since|until|by|from|of)\s+(?:1[5-9]|20)\d\d\b|"
    rf"(?:{'|'.join(lexicon.WEEKDAYS)})\b|"
    rf"(?:{'|'.join(lexicon.RELATIVE_DAYS)})\b)",
)


def dates(sentence: str) -> list[str]:
    """The dates and days a sentence gives ("14 March 2004", "Friday", "last week", "in 1990")."""
    return [m.group() for m in _DATE.finditer(sentence)]


def is_relative_date(text: str) -> bool:
    """Whether a date needs the report's own date to be placed ("Friday", "yesterday")."""
    return not re.search(r"\d{4}", text) and bool(
        re.search(rf"\b(?:{'|'.join(lexicon.WEEKDAYS + lexicon.RELATIVE_DAYS)})\b", text, re.I)
    )
