"""An answer as it is written: iterate it for the draft's text pieces, read `.answer` for the
finished Answer (the pattern of a streamed response: one object, two views)."""

from __future__ import annotations

from collections.abc import Generator, Iterator

from assistant.types import Answer


class AnswerStream:
    """Wraps the work of answering, a generator that yields the LLM draft's text pieces and
    returns the Answer. Iterating runs the work; `.answer` finishes it (discarding any pieces
    not yet read) and is the Answer to show and keep."""

    def __init__(self, work: Generator[str, None, Answer]) -> None:
        self._work = work
        self._answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        while self._answer is None:
            try:
                yield next(self._work)
            except StopIteration as done:
                self._answer = done.value

    @property
    def answer(self) -> Answer:
        for _ in self:
            pass
        assert self._answer is not None
        return self._answer
