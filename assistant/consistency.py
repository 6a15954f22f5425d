"""Whether two reports' sentences state the same thing or different things, decided only on
strict evidence: the same sentence, the same quoted words, the same figure for the same thing
(same), or a different figure for the same thing (changed). Anything less decides nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.lexicon import MAGNITUDES, NUMBER_WORDS, STOPWORDS
from index.text import Figure, figures, names, stem, stems

# A quoted passage: between quotation marks, or from an opening mark to the sentence's end.
_QUOTE = re.compile(r"[“\"]([^”\"]+)(?:[”\"]|$)")


@dataclass(frozen=True)
class Finding:
    """What two sentences show: the same thing or not, and the words of each (verbatim) that
    show it; `how` is "sentence", "quote" or "figure"."""

    same: bool
    how: str
    first: str
    second: str


def compare(first: str, second: str) -> Finding | None:
    """The finding on two sentences of two reports, or None when they decide nothing."""
    if _plain(first) == _plain(second):
        return Finding(True, "sentence", first, second)
    quoted = _shared_quote(first, second)
    if quoted:
        return Finding(True, "quote", *quoted)
    return _figures(first, second)


def _plain(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower().replace("’", "'")))


def _shared_quote(first: str, second: str) -> tuple[str, str] | None:
    """Quoted speech of one sentence (two words or more, not all capitalised: words said, not
    a title) inside quoted words of the other: both report the same words."""
    for a in _QUOTE.finditer(first):
        for b in _QUOTE.finditer(second):
            short, long = sorted((a.group(1), b.group(1)), key=lambda q: len(_plain(q)))
            said = _plain(short)
            if (len(said.split()) >= 2 and f" {said} " in f" {_plain(long)} "
                    and re.search(r"\b[a-z]", short)):
                return a.group(1).strip(), b.group(1).strip()
    return None


def _figures(first: str, second: str) -> Finding | None:
    """The same figure for the same thing (same), or different figures for it (changed), in
    two sentences about one subject; None when there are both, or neither."""
    if not _one_subject(first, second):
        return None
    same, other = [], []
    for a in _counted_figures(first):
        for b in _counted_figures(second):
            if a.kind == b.kind and _counted(first, a) == _counted(second, b):
                (same if _amount(a) == _amount(b) else other).append((a.text, b.text))
    if bool(same) == bool(other):
        return None
    return Finding(bool(same), "figure", *(same or other)[0])


def _one_subject(first: str, second: str) -> bool:
    """Most of what the shorter sentence says (its content words) is in the other, and they
    do not each name something the other does not: the two are about one thing."""
    a, b = _content(first), _content(second)
    if not a or not b or len(a & b) <= min(len(a), len(b)) / 2:
        return False
    return not (_names_missing(first, second) and _names_missing(second, first))


def _content(text: str) -> set[str]:
    return {stem(w) for w in re.findall(r"[A-Za-z][\w'-]+", text) if w.lower() not in STOPWORDS}


def _names_missing(text: str, other: str) -> bool:
    """Whether `text` names something that `other` does not write."""
    held = set(stems(other))
    return any(not set(stems(name)) & held for name in names(text))


def _counted_figures(text: str) -> list[Figure]:
    """The figures of a sentence that count something named after them (not years)."""
    return [f for f in figures(text) if f.is_quantity and _counted(text, f)]


def _counted(text: str, figure: Figure) -> str | None:
    """The stem of the first content word after a figure: what it counts ("$1,000 in bonus
    bets": bonus)."""
    for word in re.findall(r"[A-Za-z][\w'-]*", text[figure.end:]):
        if word.lower() not in STOPWORDS and word.lower() not in MAGNITUDES:
            return stem(word)
    return None


def _amount(figure: Figure) -> tuple[str, str]:
    """The number with its magnitude, written one way: "$1,000" and "$1000" are one amount,
    "two" and "2" another."""
    value = figure.value.replace(",", "")
    value = str(NUMBER_WORDS.get(value, value))
    magnitude = re.search(rf"\b({'|'.join(MAGNITUDES)})\b", figure.text.lower())
    return value, magnitude.group(1) if magnitude else ""
