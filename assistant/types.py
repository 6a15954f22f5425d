"""The Answer contract that the CLI's --json, the Python API, the eval harness and the UI share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class Citation(BaseModel):
    """A verbatim quote from an article: `article.text[start:end] == quote`."""

    model_config = ConfigDict(frozen=True)

    n: int = Field(description="The marker number used in the answer text, as in [1].")
    doc_id: str
    title: str
    source: str
    published: date | None
    url: str
    quote: str
    start: int
    end: int
    score: float


class UsedPassage(BaseModel):
    """A passage the answer was drawn from: `article.text[start:end]`, with its rank score."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    start: int
    end: int
    score: float


class Answer(BaseModel):
    """One answer. `answered` is false when the articles do not hold the answer."""

    question: str
    answer: str = Field(description="Answer text with [n] markers that point at citations.")
    answered: bool
    citations: list[Citation]
    mode: str = Field(description="'extractive', or the name of the LLM that wrote the answer.")
    timings_ms: dict[str, float]
    index: dict[str, str] = Field(description="The index that answered: model and corpus hash.")
    condensed_question: str | None = Field(
        None, description="The stand-alone question a follow-up was rewritten into, if any."
    )
    unsupported: list[str] = Field(
        default_factory=list,
        description="Generated sentences whose figures, names or links the cited sources lack.",
    )
    note: str | None = Field(
        None, description="Why the answer is not what was asked for, e.g. the LLM failed."
    )
    passages: list[UsedPassage] = Field(
        default_factory=list,
        description="The passages the answer was drawn from, best first (retrieved chunks, or "
        "each outlet's evidence sentences for a question that spans several reports).",
    )


@dataclass(frozen=True)
class Draft:
    """An answer before it is wrapped with timings and index details: text with [n] markers,
    the citations they point at, generated sentences the sources do not back, and whether it
    gives each report's own figure (reports may disagree: an LLM is not asked to restate it)."""

    text: str
    answered: bool
    citations: list[Citation]
    unsupported: tuple[str, ...] = ()
    per_report: bool = False
