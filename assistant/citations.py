"""Citations: built from sentence spans, and checked against the article they quote."""

from __future__ import annotations

from index.documents import Article
from index.text import QUOTE_MAX_CHARS

from assistant.types import Citation


def cite(n: int, article: Article, start: int, end: int, score: float) -> Citation:
    """Citation `n` of article.text[start:end], cut to its first QUOTE_MAX_CHARS characters
    (at a word boundary) when longer, so a quote stays readable and still verbatim."""
    end = quote_end(article.text, start, end)
    return Citation(
        n=n, doc_id=article.doc_id, title=article.title, source=article.source,
        published=article.published, url=article.url, quote=article.text[start:end],
        start=start, end=end, score=round(score, 4),
    )


def quote_end(text: str, start: int, end: int, limit: int = QUOTE_MAX_CHARS) -> int:
    """Where a quote of text[start:end] ends: `end`, or at a word boundary at most `limit`
    characters on."""
    if end - start <= limit:
        return end
    cut = text.rfind(" ", start + 1, start + limit + 1)
    if cut <= start:  # no word boundary: cut the word
        return start + limit
    while text[cut - 1].isspace():
        cut -= 1
    return cut


def is_verbatim(citation: Citation, article: Article) -> bool:
    """True when the quote is exactly the article's text at the cited offsets."""
    return bool(citation.quote) and article.text[citation.start : citation.end] == citation.quote


def reference(citation: Citation) -> str:
    """A copy-ready reference: "Title", Outlet, date, url or path: "quote"."""
    parts = [f'"{citation.title}"' if citation.title else citation.doc_id]
    parts += [p for p in (citation.source, citation.published and citation.published.isoformat()) if p]
    parts.append(citation.url or citation.doc_id)
    return f'{", ".join(dict.fromkeys(parts))}: "{citation.quote}"'
