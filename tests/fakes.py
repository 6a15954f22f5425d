"""Fakes for fast, exact tests: an embedder whose vectors are a function of the text."""

from __future__ import annotations

import hashlib
import re

import numpy as np

from index.embedding import BatchEmbedding

HASH_MODEL = "hash-384"


class HashEmbedding(BatchEmbedding):
    """Vectors made from hashed word stems and character trigrams: texts that share words land
    close together, so it ranks like a (weak) real model. Deterministic, needs no weights."""

    model_name: str = HASH_MODEL
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
