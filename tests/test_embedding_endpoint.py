"""Embedding offloaded to an OpenAI-compatible endpoint: a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant import Assistant, Settings
from fakes import HASH_MODEL, HashEmbedding
from index.embedding import EmbeddingEndpointError


class EmbeddingsHandler(BaseHTTPRequestHandler):
    """Answers POST /v1/embeddings with the hashing model's vectors, as a server would."""

    model = HashEmbedding()
    requests: list[dict] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        EmbeddingsHandler.requests.append({"path": self.path, "model": body["model"],
                                           "auth": self.headers.get("Authorization")})
        if self.path != "/v1/embeddings":
            self.send_error(404)
            return
        vectors = self.model.embed(body["input"])
        payload = {"object": "list", "model": body["model"], "data": [
            {"object": "embedding", "index": i, "embedding": [2 * x for x in v]}
            for i, v in reversed(list(enumerate(vectors)))  # out of order, on purpose
        ]}
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), EmbeddingsHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    EmbeddingsHandler.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_ingest_and_ask_through_an_embedding_endpoint(endpoint, corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBED_KEY", "sekrit")
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus, embed_model=HASH_MODEL,
                        embed_url=endpoint, embed_api_key_env="EMBED_KEY", embed_batch_size=8)
    remote = Assistant(settings)
    remote.ingest()
    answer = remote.ask("How many civilians were injured in Kharkiv?")
    assert answer.answered and "002" in {c.doc_id[:3] for c in answer.citations}
    assert len(EmbeddingsHandler.requests) > 3  # batches of 8 chunks, then questions
    assert {r["model"] for r in EmbeddingsHandler.requests} == {HASH_MODEL}
    assert {r["auth"] for r in EmbeddingsHandler.requests} == {"Bearer sekrit"}
    # Vectors from the server equal the local model's: the same index serves both.
    local = Assistant(Settings(index_dir=tmp_path / "index"), embedder=HashEmbedding())
    assert local.ask("How many civilians were injured in Kharkiv?").answer == answer.answer


def test_an_endpoint_that_is_down_is_a_clear_error(tmp_path, corpus):
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus, embed_model=HASH_MODEL,
                        embed_url="http://127.0.0.1:9/v1")
    with pytest.raises(EmbeddingEndpointError, match="embedding endpoint http://127.0.0.1:9/v1"):
        Assistant(settings).ingest()
