"""Sentence-aligned chunks (sentences are split by `index.text.split_sentences`)."""

from __future__ import annotations

from index.documents import Chunk
from index.text import add_span, split_sentences

__all__ = ["chunk_article", "split_sentences"]

MAX_CHARS = 700  # the default most characters in a chunk
OVERLAP = 1  # the default number of sentences neighbouring chunks share


def chunk_article(
    doc_id: str, text: str, version: str, max_chars: int = MAX_CHARS, overlap: int = OVERLAP
) -> list[Chunk]:
    """Group whole sentences into chunks of at most `max_chars`, each sharing `overlap`
    sentences with the one before. A sentence longer than `max_chars` is cut into pieces at
    word boundaries (mid-word only where a word is longer), so the limit holds for any text.
    `version` (the article's content hash) goes into the chunk ids, so a changed article never
    reuses an old id."""
    sentences = [piece for span in split_sentences(text) for piece in _pieces(text, *span, max_chars)]
    chunks: list[Chunk] = []
    first = 0
    while first < len(sentences):
        last = first
        while (
            last + 1 < len(sentences)
            and sentences[last + 1][1] - sentences[first][0] <= max_chars
        ):
            last += 1
        start, end = sentences[first][0], sentences[last][1]
        chunk_id = f"{doc_id}::{version}::{len(chunks):04d}"
        chunks.append(Chunk(chunk_id, doc_id, text[start:end], start, end))
        if last + 1 >= len(sentences):
            break
        first = max(last + 1 - overlap, first + 1)
    return chunks


def _pieces(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """The span text[start:end] as spans of at most `max_chars`, cut after white space where
    there is some, and trimmed of it."""
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        cut = start + max_chars
        space = max(text.rfind(" ", start + 1, cut + 1), text.rfind("\t", start + 1, cut + 1))
        if space > start:
            cut = space
        add_span(pieces, text, start, cut)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    add_span(pieces, text, start, end)
    return pieces
