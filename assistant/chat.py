"""Multi-turn chat: a follow-up question is made stand-alone with what earlier turns named."""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import TYPE_CHECKING

from llama_index.core.llms import LLM, ChatMessage

from index.terms import TermStats
from index.text import names

from assistant.streaming import AnswerStream
from assistant.types import Answer
from assistant.query import STOPWORDS, analyse, question_kind

if TYPE_CHECKING:
    from assistant.api import Assistant

# Words that lean on an earlier turn for their meaning.
_ANAPHORA = re.compile(
    r"\b(it|its|there|they|them|their|this|that|these|those|he|him|his|she|her|the same|"
    r"the attack|the strike|the city|the town|the incident|then)\b",
    re.I,
)


def condense(question: str, history: list[str], stats: TermStats | None = None) -> str:
    """Rewrite a follow-up into a stand-alone question by carrying over the names of the most
    recent earlier question that had any, when the follow-up leans on it. A name is a word
    the articles capitalise (read from `stats`: "how many ppl injured kharkov" names
    Kharkiv), or without them, one the question capitalises."""
    if not history or not _is_follow_up(question, stats):
        return question
    for earlier in reversed(history):
        carried = [n for n in _names(earlier, stats) if n.lower() not in question.lower()]
        if carried:
            return f"{question.rstrip()} ({', '.join(carried)})"
    return question


_REWRITE = """Rewrite the last question so that it can be understood without the earlier ones: \
replace words such as "there", "it" or "they" with what they refer to. Reply with the \
rewritten question only."""


def condense_with_llm(llm: LLM, question: str, history: list[str],
                      stats: TermStats | None = None) -> str:
    """`condense`, with the LLM doing the rewriting; the rule-based rewrite when the LLM fails
    or replies with something that is not one question."""
    if not history or not _is_follow_up(question, stats):
        return question
    earlier = "\n".join(f"- {q}" for q in history[-3:])
    user = f"Earlier questions:\n{earlier}\nLast question: {question}"
    chat = [ChatMessage(role="system", content=_REWRITE), ChatMessage(role="user", content=user)]
    try:
        reply = (llm.chat(chat).message.content or "").strip().strip('"').strip()
    except Exception:  # any backend error: the rules still make a stand-alone question
        return condense(question, history, stats)
    if not reply or "\n" in reply or len(reply) > 2 * len(question) + 80:
        return condense(question, history, stats)
    return reply


def _is_follow_up(question: str, stats: TermStats | None) -> bool:
    return bool(_ANAPHORA.search(question)) or not _names(question, stats)


def _names(text: str, stats: TermStats | None = None) -> list[str]:
    if stats is not None:
        return [term.word for term in analyse(text, stats).names]
    words = re.findall(r"[A-Z][\w’'-]+", text)
    first = re.match(r"\W*(\w+)", text)
    names = []
    for word in words:
        if first and word == first.group(1) and word.lower() in STOPWORDS | {"how", "who", "what"}:
            continue
        if word.lower() not in STOPWORDS and word not in names:
            names.append(word)
    return names


def remembered(question: str, answer) -> str:
    """What a turn leaves for the next: the stand-alone question and, when it asked who, the
    first name its answer gives that the question lacks ("he" in the next turn is that one)."""
    standalone = answer.condensed_question or question
    if question_kind(standalone) != "who" or not answer.answered or not answer.citations:
        return standalone
    asked = set(re.findall(r"\w+", standalone.lower()))
    new = [n for n in names(answer.citations[0].quote)
           if not set(re.findall(r"\w+", n.lower())) <= asked]
    return f"{standalone} {new[0]}" if new else standalone


class Conversation:
    """A chat session over an Assistant; each `ask` sees the questions asked before it."""

    def __init__(self, assistant: Assistant, **ask_options) -> None:
        self.assistant = assistant
        self.ask_options = ask_options
        self.questions: list[str] = []

    def ask(self, question: str, **options) -> Answer:
        return self.ask_stream(question, **options).answer

    def ask_stream(self, question: str, **options) -> AnswerStream:
        """`Assistant.ask_stream` within this conversation; the turn is remembered once its
        Answer is done."""
        return AnswerStream(self._turn(question, options))

    def _turn(self, question: str, options: dict) -> Generator[str, None, Answer]:
        stream = self.assistant.ask_stream(
            question, history=self.questions, **(self.ask_options | options)
        )
        yield from stream
        self.questions.append(remembered(question, stream.answer))
        return stream.answer
