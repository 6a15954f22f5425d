"""Word stems as the keyword index sees them, and how rare each is across the chunks."""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import Stemmer

TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_TOKEN = re.compile(TOKEN_PATTERN)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    return _stemmer().stemWord(word.lower())


def stems(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens, as the BM25 index tokenises text."""
    return _stemmer().stemWords([t.lower() for t in _TOKEN.findall(text)])


@dataclass(frozen=True)
class TermStats:
    """Document frequencies of stems over the indexed chunks."""

    n_docs: int
    df: dict[str, int]
    _sorted: list[str] = field(init=False, repr=False, compare=False)
    _by_shape: dict[tuple[str, int], list[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_sorted", sorted(self.df))
        by_shape: dict[tuple[str, int], list[str]] = {}
        for word in self._sorted:
            by_shape.setdefault((word[:1], len(word)), []).append(word)
        object.__setattr__(self, "_by_shape", by_shape)

    def similar_candidates(self, term: str) -> list[str]:
        """Known stems that could be a misspelling of `term`: same first letter, length
        within two (what a close match needs, found without scanning the vocabulary)."""
        return [w for n in range(len(term) - 2, len(term) + 3)
                for w in self._by_shape.get((term[:1], n), ())]

    def with_prefix(self, prefix: str) -> list[str]:
        """Known stems that start with `prefix`."""
        first = bisect.bisect_left(self._sorted, prefix)
        last = bisect.bisect_left(self._sorted, prefix + "\uffff")
        return self._sorted[first:last]

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency; a term never seen gets the highest value."""
        return math.log(1 + (self.n_docs + 1) / (self.df.get(term, 0) + 0.5))

    def known(self, term: str) -> bool:
        return term in self.df
