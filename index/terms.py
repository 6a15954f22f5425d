"""Word stems as the keyword index sees them, how rare each is across the chunks, and how the
articles write each word (a name is a word they capitalise)."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Protocol

from bm25s.stopwords import STOPWORDS_EN

from index.text import TOKEN_PATTERN, stem, stems, words

__all__ = ["TOKEN_PATTERN", "TermSource", "TermStats", "keyword_terms", "stem", "stems"]

_STOPWORDS = frozenset(STOPWORDS_EN)


def keyword_terms(text: str) -> list[str]:
    """The stems the keyword index holds for `text`: word tokens less English stopwords,
    stemmed, in order (as the BM25 retriever tokenised before)."""
    return stems(" ".join(w for w in words(text) if w.lower() not in _STOPWORDS))


class TermSource(Protocol):
    """Where document frequencies come from: the article store's vocabulary."""

    def chunk_count(self) -> int: ...
    def document_frequencies(self, terms: list[str]) -> dict[str, int]: ...
    def vocabulary_size(self) -> int: ...
    def terms_with_prefix(self, prefix: str) -> list[str]: ...
    def terms_by_shape(self, first: str, min_length: int, max_length: int) -> list[str]: ...
    def word_cases(self, words: list[str]) -> dict[str, tuple[int, int]]: ...


class TermStats:
    """Document frequencies of stems over the indexed chunks, read from the store's vocabulary
    on demand and cached. One object holds for one store generation; make a new one after a
    commit."""

    def __init__(self, source: TermSource, cache_size: int = 100_000) -> None:
        self._source = source
        self._capitals: dict[str, float | None] = {}
        self.n_docs = source.chunk_count()
        self._df: dict[str, int] = {}
        self._lists: dict[tuple, list[str]] = {}
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.df = _Frequencies(self)

    def frequency(self, term: str) -> int:
        with self._lock:
            if term not in self._df:
                if len(self._df) >= self._cache_size:
                    self._df.clear()
                self._df[term] = self._source.document_frequencies([term]).get(term, 0)
            return self._df[term]

    def _list(self, key: tuple, read: Callable[[], list[str]]) -> list[str]:
        with self._lock:
            if key not in self._lists:
                if len(self._lists) >= self._cache_size // 100:
                    self._lists.clear()
                self._lists[key] = read()
            return self._lists[key]

    def similar_candidates(self, term: str) -> list[str]:
        """Known stems that could be a misspelling of `term`: same first letter, length
        within two (what a close match needs, found without scanning the vocabulary)."""
        return self._list(("shape", term[:1], len(term)), lambda: self._source.terms_by_shape(
            term[:1], len(term) - 2, len(term) + 2))

    def with_prefix(self, prefix: str) -> list[str]:
        """Known stems that start with `prefix`."""
        return self._list(("prefix", prefix), lambda: self._source.terms_with_prefix(prefix))

    def idf(self, term: str) -> float:
        """Smoothed inverse document frequency; a term never seen gets the highest value."""
        return math.log(1 + (self.n_docs + 1) / (self.frequency(term) + 0.5))

    def known(self, term: str) -> bool:
        return self.frequency(term) > 0

    def capital_share(self, word: str) -> float | None:
        """The share of the articles' uses of `word` inside sentences that are capitalised:
        near 1 for a name, near 0 for a common word, however a question writes it; None when
        the articles never use it there. Counted over every article as it is stored."""
        return self.capital_shares([word])[word.lower()]

    def capital_shares(self, words: Iterable[str]) -> dict[str, float | None]:
        """`capital_share` of each of `words` (lower-cased), read from the store at once."""
        words = {word.lower() for word in words}
        with self._lock:
            found = {word: self._capitals[word] for word in words if word in self._capitals}
        missing = [word for word in words if word not in found]
        if missing:
            counts = self._source.word_cases(missing)
            for word in missing:
                inside, capitalised = counts.get(word, (0, 0))
                found[word] = capitalised / inside if inside else None
            with self._lock:
                if len(self._capitals) + len(missing) > self._cache_size:
                    self._capitals.clear()
                self._capitals.update((word, found[word]) for word in missing)
        return found


class _Frequencies(Mapping[str, int]):
    """`stats.df`: the vocabulary as a read-only mapping of stem to document frequency."""

    def __init__(self, stats: TermStats) -> None:
        self._stats = stats

    def __getitem__(self, term: str) -> int:
        found = self._stats.frequency(term)
        if not found:
            raise KeyError(term)
        return found

    def __len__(self) -> int:
        return self._stats._source.vocabulary_size()

    def __iter__(self) -> Iterator[str]:
        raise TypeError("the vocabulary is not read whole; look terms up one at a time")
