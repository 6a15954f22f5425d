"""Multi-turn chat: a follow-up question is made stand-alone with what earlier turns named."""

from __future__ import annotations

import re

from assistant.query import STOPWORDS

# Words that lean on an earlier turn for their meaning.
_ANAPHORA = re.compile(
    r"\b(it|its|there|they|them|their|this|that|these|those|he|him|his|she|her|the same|"
    r"the attack|the strike|the city|the town|the incident|then)\b",
    re.I,
)


def condense(question: str, history: list[str]) -> str:
    """Rewrite a follow-up into a stand-alone question by carrying over the names (capitalised
    words) of the most recent earlier question that had any, when the follow-up leans on it."""
    if not history or not _is_follow_up(question):
        return question
    for earlier in reversed(history):
        carried = [n for n in _names(earlier) if n.lower() not in question.lower()]
        if carried:
            return f"{question.rstrip()} ({', '.join(carried)})"
    return question


def _is_follow_up(question: str) -> bool:
    return bool(_ANAPHORA.search(question)) or not _names(question)


def _names(text: str) -> list[str]:
    words = re.findall(r"[A-Z][\w’'-]+", text)
    first = re.match(r"\W*(\w+)", text)
    names = []
    for word in words:
        if first and word == first.group(1) and word.lower() in STOPWORDS | {"how", "who", "what"}:
            continue
        if word.lower() not in STOPWORDS and word not in names:
            names.append(word)
    return names


class Conversation:
    """A chat session over an Assistant; each `ask` sees the questions asked before it."""

    def __init__(self, assistant, **ask_options) -> None:
        self.assistant = assistant
        self.ask_options = ask_options
        self.questions: list[str] = []

    def ask(self, question: str, **options):
        answer = self.assistant.ask(question, history=self.questions, **(self.ask_options | options))
        self.questions.append(answer.condensed_question or question)
        return answer
