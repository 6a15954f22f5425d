"""Sentence vectors kept at ingest, so that scoring an answer's sentences need not run the
model: the vector of every answer sentence (`index.text.answer_sentences`), stored as float16
under a hash of the sentence's text."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from index.documents import Article
from index.text import answer_sentences


def sentence_key(text: str) -> str:
    """The key a sentence's vector is stored under."""
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def sentence_texts(article: Article) -> list[str]:
    """The article's answer sentences, each distinct text once."""
    text = article.text
    return list(dict.fromkeys(text[start:end] for start, end in answer_sentences(text)))


def pack(vector: Sequence[float]) -> bytes:
    return np.asarray(vector, dtype=np.float16).tobytes()


def unpack(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32)
