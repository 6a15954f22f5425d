"""Citations: built from sentence spans, and checked against the article they quote."""

from __future__ import annotations

from index.documents import Article

from assistant.types import Citation


def cite(n: int, article: Article, start: int, end: int, score: float) -> Citation:
    return Citation(
        n=n, doc_id=article.doc_id, title=article.title, source=article.source,
        published=article.published, url=article.url, quote=article.text[start:end],
        start=start, end=end, score=round(score, 4),
    )


def is_verbatim(citation: Citation, article: Article) -> bool:
    """True when the quote is exactly the article's text at the cited offsets."""
    return bool(citation.quote) and article.text[citation.start : citation.end] == citation.quote


def reference(citation: Citation) -> str:
    """A copy-ready reference: "Title", Outlet, date, url or path: "quote"."""
    parts = [f'"{citation.title}"' if citation.title else citation.doc_id]
    parts += [p for p in (citation.source, citation.published and citation.published.isoformat()) if p]
    parts.append(citation.url or citation.doc_id)
    return f'{", ".join(dict.fromkeys(parts))}: "{citation.quote}"'
