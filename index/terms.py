"""Word stems as the keyword index sees them, and how rare each is across the chunks."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from index.text import TOKEN_PATTERN, capitalisation, stem, stems

__all__ = ["TOKEN_PATTERN", "TermStats", "stem", "stems"]


@dataclass(frozen=True)
class TermStats:
    """Document frequencies of stems over the indexed chunks."""

    n_docs: int
    df: dict[str, int]
    capitals: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
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

    def with_capitals(self, texts: Iterable[str]) -> TermStats:
        """These statistics plus how the articles `texts` capitalise each word."""
        return replace(self, capitals=capitalisation(texts))

    def is_name(self, word: str) -> bool:
        """Whether the articles write `word` (any case) mostly with a capital inside sentences:
        a name, however the question writes it."""
        return self.capitals.get(word.lower(), 0.0) >= 0.5
