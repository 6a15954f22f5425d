"""Strip web boilerplate from article text and lift metadata (title, date, author) out of it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

# Whole lines that are page furniture, not article text.
_BOILERPLATE_LINES = [
    re.compile(r"^advertis[e]?ment\.?$", re.I),
    re.compile(r"^also read\s*:.*$", re.I),
    re.compile(r"^(read more|related|recommended|sponsored)\s*:.*$", re.I),
    re.compile(r"^categor(y|ies)\s*:.*$", re.I),
    re.compile(r"^(share|share this|share this article|follow us.*)$", re.I),
]
_AUTHOR_LINE = re.compile(r"^(?:published|written|posted)\s+by\b\s*(?P<author>.*)$", re.I)
_DATE_PREFIX = re.compile(r"^\s*date\s+(?P<date>\d{4}-\d{2}-\d{2})\b\s*", re.I)
_HEADER_FIELD = re.compile(r"^(?P<key>title|source|date|published|url|author)\s*:\s*(?P<value>.+)$", re.I)


@dataclass(frozen=True)
class CleanedText:
    text: str
    title: str = ""
    published: date | None = None
    author: str = ""
    source: str = ""
    url: str = ""


def normalise(text: str) -> str:
    """Unicode NFC, Unix line ends, no trailing spaces, at most one blank line in a row."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\ufeff", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def clean_text(raw: str, find_title: bool = True) -> CleanedText:
    """Clean a plain-text article and pull out the metadata its first lines carry.

    Recognised: `Title:`/`Source:`/`Date:`/`URL:`/`Author:` header lines at the top, a
    `date YYYY-MM-DD` prefix, `Published by NAME` lines, and a headline: a short first line
    without closing punctuation followed by body text.
    """
    text = normalise(raw)
    fields: dict[str, str] = {}
    lines = text.split("\n")
    while lines and (match := _HEADER_FIELD.match(lines[0].strip())):
        fields[match["key"].lower()] = match["value"].strip()
        lines.pop(0)
    published = parse_date(fields.get("date") or fields.get("published") or "")
    author = fields.get("author", "")

    kept: list[str] = []
    for line in lines:
        stripped = line.strip()
        if any(pattern.match(stripped) for pattern in _BOILERPLATE_LINES):
            continue
        if match := _AUTHOR_LINE.match(stripped):
            author = author or match["author"].strip()
            continue
        if not kept and (match := _DATE_PREFIX.match(line)):
            published = published or parse_date(match["date"])
            line = line[match.end():]
        kept.append(line.strip() if not kept else line)
    body = normalise("\n".join(kept))

    title = fields.get("title", "")
    if not title and find_title:
        title, body = _split_headline(body)
    return CleanedText(
        text=body,
        title=title,
        published=published,
        author=author,
        source=fields.get("source", ""),
        url=fields.get("url", ""),
    )


def _split_headline(body: str) -> tuple[str, str]:
    first, sep, rest = body.partition("\n")
    first = first.strip()
    looks_like_headline = (
        sep
        and 3 <= len(first.split()) <= 25
        and not re.search(r"[.!?:;,]$", first)
        and len(rest.strip()) > len(first)
    )
    return (first, rest.strip()) if looks_like_headline else ("", body)


def parse_date(value: str) -> date | None:
    """The date at the start of an ISO-like string (`2023-11-06`, `2023-11-06T21:11:15+00:00`)."""
    match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value or "")
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
