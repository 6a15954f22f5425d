"""Shared fixtures: indexes over the bundled corpus, with the fast hashing embedder (unit
tests) or the real packaged model (integration tests), always in a real embedded Chroma.
Each fixture builds its own Assistant and settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import Assistant
from helpers import CORPUS, make_assistant


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the bundled corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def hashed(tmp_path: Path, corpus: Path) -> Assistant:
    """An Assistant over the seed corpus, embedded by the hashing embedder."""
    assistant = make_assistant(tmp_path / "index", corpus)
    assistant.ingest()
    return assistant


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the seed corpus built with the real packaged model (built once)."""
    index_dir = tmp_path_factory.mktemp("real") / "index"
    make_assistant(index_dir, CORPUS, real=True).ingest()
    return index_dir


@pytest.fixture
def real(real_index: Path) -> Assistant:
    """An Assistant of its own over the real model's index of the seed corpus."""
    return make_assistant(real_index, CORPUS, real=True)
