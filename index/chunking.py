"""Sentence splitting with character offsets, and sentence-aligned chunks."""

from __future__ import annotations

import re

from index.documents import Chunk

MAX_CHARS = 700  # the default most characters in a chunk
OVERLAP = 1  # the default number of sentences neighbouring chunks share

# Words whose trailing period does not end a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "gen", "gov", "sen", "rep", "col",
    "lt", "sgt", "capt", "maj", "no", "vs", "etc", "inc", "ltd", "co", "corp", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "e.g", "i.e", "u.s",
    "u.k", "u.n", "a.m", "p.m",
}
# A sentence ends at . ! or ? (plus closing quotes or brackets) followed by white space.
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return (start, end) spans of the sentences in `text[start:end]`, trimmed of white space.

    Line breaks always end a sentence, so headings and list items stand alone.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        line_start = start + line.start()
        line_text = line.group()
        cursor = 0
        for match in _END.finditer(line_text):
            if _is_abbreviation(line_text, match.start()) or not _next_starts_sentence(
                line_text, match.end()
            ):
                continue
            _add_span(spans, text, line_start + cursor, line_start + match.end())
            cursor = match.end()
        _add_span(spans, text, line_start + cursor, line_start + len(line_text))
    return spans


def _is_abbreviation(line: str, dot: int) -> bool:
    if line[dot] != ".":
        return False
    word = re.search(r"([\w.]+)$", line[max(0, dot - 12) : dot])  # abbreviations are short
    if not word:
        return False
    token = word.group(1).lower()
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _next_starts_sentence(line: str, pos: int) -> bool:
    rest = line[pos:].lstrip()
    return not rest or not rest[0].islower()


def _add_span(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


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
        _add_span(pieces, text, start, cut)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    _add_span(pieces, text, start, end)
    return pieces
