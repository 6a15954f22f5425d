"""Fakes for fast, exact tests: an embedder whose vectors are a function of the text, and an
OpenAI-compatible LLM server whose replies a test scripts."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

from index.embedding import BatchEmbedding
from index.terms import TermStats
from index.text import word_cases

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


class Reply:
    """What the scripted server does with one request: an HTTP status, a delay before it
    answers, a stall part-way through a stream, and the text (a function of the prompt)."""

    def __init__(self, text: str | Callable[[dict], str] = "", status: int = 200,
                 delay: float = 0.0, stall_after: int | None = None) -> None:
        self.text, self.status, self.delay, self.stall_after = text, status, delay, stall_after

    def render(self, body: dict) -> str:
        return self.text(body) if callable(self.text) else self.text


class ScriptedLLM(ThreadingHTTPServer):
    """An OpenAI-compatible server on 127.0.0.1 that answers from a list of replies."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.replies: list[Reply] = []
        self.requests: list[dict] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        reply = self.server.replies.pop(0) if self.server.replies else Reply("no reply scripted")
        time.sleep(reply.delay)
        try:
            if reply.status != 200:
                self._send(reply.status, "application/json", b'{"error": {"message": "boom"}}')
            elif body.get("stream"):
                self._stream(reply.render(body), reply.stall_after)
            else:
                message = {"role": "assistant", "content": reply.render(body)}
                self._send(200, "application/json", json.dumps({
                    "id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                }).encode())
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def _send(self, status: int, kind: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, text: str, stall_after: int | None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for count, piece in enumerate(re.findall(r"\s*\S+", text)):
            if count == stall_after:
                time.sleep(5)
                return
            self._event({"content": piece}, None)
        self._event({}, "stop")
        self.wfile.write(b"data: [DONE]\n\n")

    def _event(self, delta: dict, finish: str | None) -> None:
        chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "scripted",
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.flush()

    def log_message(self, *args) -> None:
        pass


class MemoryTerms:
    """A term source over a few texts in memory: document frequencies given, and how the
    texts write each word counted from the texts themselves."""

    def __init__(self, chunks: int, df: dict[str, int], texts: list[str] = ()) -> None:
        self.chunks, self.df, self.texts = chunks, df, list(texts)

    def chunk_count(self) -> int:
        return self.chunks

    def document_frequencies(self, terms: list[str]) -> dict[str, int]:
        return {t: self.df[t] for t in terms if t in self.df}

    def vocabulary_size(self) -> int:
        return len(self.df)

    def terms_with_prefix(self, prefix: str) -> list[str]:
        return sorted(t for t in self.df if t.startswith(prefix))

    def terms_by_shape(self, first: str, min_length: int, max_length: int) -> list[str]:
        return sorted(t for t in self.df if t[:1] == first and min_length <= len(t) <= max_length)

    def word_cases(self, words: list[str]) -> dict[str, tuple[int, int]]:
        inside: Counter[str] = Counter()
        upper: Counter[str] = Counter()
        for text in self.texts:
            for word, (n, capitalised) in word_cases(text).items():
                inside[word] += n
                upper[word] += capitalised
        return {w: (inside[w], upper[w]) for w in words if inside[w]}


def term_stats(chunks: int, df: dict[str, int], texts: list[str] = ()) -> TermStats:
    """TermStats over `MemoryTerms`."""
    return TermStats(MemoryTerms(chunks, df, texts))
