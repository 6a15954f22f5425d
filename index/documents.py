"""The records that ingestion produces: an Article and the Chunks cut from it."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import date


@dataclass(frozen=True)
class Article:
    """One cleaned article. `text` is what offsets and quotes refer to."""

    doc_id: str
    title: str
    source: str
    published: date | None
    url: str
    text: str
    author: str = ""

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Article:
        published = data.get("published")
        return cls(
            doc_id=data["doc_id"],
            title=data.get("title", ""),
            source=data.get("source", ""),
            published=date.fromisoformat(published) if published else None,
            url=data.get("url", ""),
            text=data["text"],
            author=data.get("author", ""),
        )


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences of an article; `text == article.text[start:end]`."""

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
