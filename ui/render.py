"""Answers as Markdown for the chat. Everything that comes from an article is escaped, so it
shows as text and is never rendered as HTML or Markdown."""

from __future__ import annotations

import html
import re

from assistant.types import Answer, Citation

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def escape(text: str) -> str:
    """Text safe to embed in Markdown: HTML entities escaped, Markdown syntax neutralised."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", html.escape(text, quote=False))


def render_answer(answer: Answer) -> str:
    if not answer.answered:
        return f"**The articles don't say.**\n\n{escape(answer.answer)}"
    lines = [escape(line) for line in answer.answer.split("\n")]
    parts = ["  \n".join(lines)]
    if answer.citations:
        parts.append("**Sources**")
        parts.extend(render_citation(citation) for citation in answer.citations)
    return "\n\n".join(parts)


def render_citation(citation: Citation) -> str:
    title = escape(citation.title) if citation.title else escape(citation.doc_id)
    details = [escape(d) for d in (citation.source, str(citation.published or "")) if d]
    where = escape(citation.url or citation.doc_id)
    head = f"{escape(f'[{citation.n}]')} **{title}**"
    if details:
        head += " · " + " · ".join(details)
    return f"{head} · {where}\n> {escape(citation.quote)}"
