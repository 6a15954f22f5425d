"""Answers as HTML for the chat. Everything that comes from an article or a user is escaped,
so it shows as text and is never rendered as markup."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from html import escape

from assistant.citations import reference
from assistant.types import Answer, Citation

CONTEXT_CHARS = 320  # most characters of a paragraph shown on each side of a quote
STREAM_WORDS = 4  # words added per streamed piece
_MARKER = re.compile(r"\[(\d+)\]")


def anchor(turn: int, n: int) -> str:
    """The element id of citation `n` under the chat's `turn`-th answer."""
    return f"nd-{turn}-{n}"


def render_user(message: str) -> str:
    return escape(message)


def render_notice(title: str, *texts: str, kind: str = "info") -> str:
    """A state of its own (not in the articles, empty index, bad filter), not an answer."""
    paragraphs = "".join(f"<p>{escape(text)}</p>" for text in texts if text)
    return (f'<div class="nd-notice nd-{kind}" role="status"><strong>{escape(title)}</strong>'
            f"{paragraphs}</div>")


def filter_scope(sources: list[str], date_from: date | None, date_to: date | None) -> str:
    """A sentence on which articles the filters let through, or "" when there are none."""
    parts = [f"from {', '.join(sources)}"] if sources else []
    if date_from and date_to:
        parts.append(f"published from {date_from.isoformat()} to {date_to.isoformat()}")
    elif date_from or date_to:
        word, day = ("on or after", date_from) if date_from else ("on or before", date_to)
        parts.append(f"published {word} {day.isoformat()}")
    return f"Only articles {' and '.join(parts)} were searched." if parts else ""


def render_pending() -> str:
    return '<p class="nd-pending">Reading the articles…</p>'


def stream_answer(answer: Answer, turn: int) -> Iterator[str]:
    """The answer text growing a few words at a time, without its sources (refusals whole)."""
    if not answer.answered:
        return
    words = answer.answer.split(" ")
    for count in range(STREAM_WORDS, len(words), STREAM_WORDS):
        yield render_text(" ".join(words[:count]), answer, turn)


def render_draft(draft: str) -> str:
    """An LLM's answer as it is written, marked as not yet checked against the articles."""
    return (f'<div class="nd-answer nd-draft"><p>{escape(draft)}</p>'
            '<p class="nd-pending">Writing; every sentence is checked against the articles '
            "when it is done…</p></div>")


def render_answer(answer: Answer, turn: int, texts: Mapping[str, str], scope: str = "") -> str:
    """The whole answer: its text, what the articles do not back, a note on how it was made,
    then its numbered sources; `texts` maps doc_id to the article text that gives each quote
    its paragraph; `scope` says what the filters allowed."""
    note = render_notice("Note", answer.note) if answer.note else ""
    if not answer.answered:
        return render_notice("Not in the articles", answer.answer, scope, kind="refusal") + note
    sources = "".join(render_citation(c, turn, texts.get(c.doc_id)) for c in answer.citations)
    body = render_text(answer.answer, answer, turn) + render_unsupported(answer.unsupported) + note
    return f'{body}<ol class="nd-sources">{sources}</ol>' if sources else body


def render_unsupported(sentences: list[str]) -> str:
    """Generated sentences the cited articles do not back, shown apart and flagged."""
    if not sentences:
        return ""
    items = "".join(f"<li>{escape(sentence)}</li>" for sentence in sentences)
    return (f'<div class="nd-notice nd-unsupported" role="status"><strong>Not backed by the '
            f"cited articles</strong><ul>{items}</ul></div>")


def render_text(text: str, answer: Answer, turn: int) -> str:
    """Answer text as paragraphs; runs of "- " lines (one figure per article) as a list."""
    known = {c.n for c in answer.citations}
    blocks: list[str] = []
    items: list[str] = []
    for line in text.split("\n"):
        if line.startswith("- "):
            items.append(f"<li>{_markers(line[2:], known, turn)}</li>")
            continue
        if items:
            blocks.append(f'<ul class="nd-figures">{"".join(items)}</ul>')
            items = []
        if line.strip():
            blocks.append(f"<p>{_markers(line, known, turn)}</p>")
    if items:
        blocks.append(f'<ul class="nd-figures">{"".join(items)}</ul>')
    return f'<div class="nd-answer">{"".join(blocks)}</div>'


def _markers(line: str, known: set[int], turn: int) -> str:
    """Escape a line and turn its [n] markers into links to their sources."""
    def link(match: re.Match) -> str:
        n = int(match.group(1))
        if n not in known:
            return match.group(0)
        return f'<a class="nd-cite" href="#{anchor(turn, n)}">[{n}]</a>'

    return _MARKER.sub(link, escape(line))


def render_citation(citation: Citation, turn: int, article_text: str | None) -> str:
    """One numbered source: who said it, where, the quote in its paragraph, a copy button."""
    parts = [f"<strong>{escape(citation.title)}</strong>"] if citation.title else []
    parts += [escape(d) for d in (citation.source, str(citation.published or "")) if d]
    parts.append(_where(citation))
    return (
        f'<li class="nd-source" id="{anchor(turn, citation.n)}">'
        f'<div class="nd-source-head"><span class="nd-n">[{citation.n}]</span> '
        f'{" · ".join(parts)}</div>'
        f'<blockquote class="nd-context">{_in_context(citation, article_text)}</blockquote>'
        f'<button type="button" class="nd-copy">Copy reference</button>'
        f'<span class="nd-reference" hidden>{escape(reference(citation))}</span></li>'
    )


def _where(citation: Citation) -> str:
    """The article's web address as a link, else its path relative to the corpus."""
    if citation.url.startswith(("https://", "http://")):
        url = escape(citation.url)
        return f'<a href="{url}" rel="noopener noreferrer">{url}</a>'
    return f'<code>{escape(citation.url or citation.doc_id)}</code>'


def _in_context(citation: Citation, text: str | None) -> str:
    """The quote highlighted inside its paragraph (the quote alone when the text is gone)."""
    before, after = "", ""
    if text is not None and text[citation.start : citation.end] == citation.quote:
        before, after = paragraph_around(text, citation.start, citation.end)
    return f"{escape(before)}<mark>{escape(citation.quote)}</mark>{escape(after)}"


def paragraph_around(text: str, start: int, end: int) -> tuple[str, str]:
    """The rest of the paragraph before and after text[start:end], cut at a word when long."""
    begin = text.rfind("\n", 0, start) + 1
    stop = text.find("\n", end)
    before, after = text[begin:start], text[end : stop if stop >= 0 else len(text)]
    if len(before) > CONTEXT_CHARS:
        before = "…" + before[-CONTEXT_CHARS:].split(" ", 1)[-1]
    if len(after) > CONTEXT_CHARS:
        after = after[:CONTEXT_CHARS].rsplit(" ", 1)[0] + "…"
    return before, after


def render_report(summary: str) -> str:
    """What an ingest did, skipped files and their reasons included."""
    return f'<pre class="nd-report">{escape(summary)}</pre>'
