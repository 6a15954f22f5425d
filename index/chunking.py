"""Sentence-aligned chunks (sentences are split by `index.text.split_sentences`)."""

from __future__ import annotations

from index.documents import Chunk
from index.text import sentence_pieces, split_sentences

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
    sentences = sentence_pieces(text, max_chars)
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

