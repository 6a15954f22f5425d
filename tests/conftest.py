"""Shared fixtures: indexes over the bundled corpus, with the fast hashing embedder (unit
tests) or the real packaged model (integration tests), always in a real embedded Chroma.
Each fixture builds its own Assistant and settings."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from fakes import ScriptedLLM
from helpers import CORPUS, free_port, make_assistant


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


@pytest.fixture
def real_copy(tmp_path: Path, corpus: Path) -> Assistant:
    """An index of a writable copy of the seed corpus with the real model, for tests that
    add articles to it."""
    assistant = make_assistant(tmp_path / "index", corpus, real=True)
    assistant.ingest()
    return assistant


def _postgres_bin(name: str) -> str | None:
    """A PostgreSQL server program: Debian keeps them in /usr/lib/postgresql/<version>/bin."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(found[-1]) if found else shutil.which(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server on loopback for this test session, run as a user that is not
    root (the server refuses root); yields the URL of its maintenance database."""
    import os
    import subprocess
    import tempfile

    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server programs (Debian package postgresql) are not installed")
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-pg-"))  # outside pytest's root-only folder
    as_user: list[str] = []
    if os.geteuid() == 0:
        import pwd

        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run the server as")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", free_port()
    subprocess.run([*as_user, initdb, "-D", str(data), "-U", "postgres", "--auth=trust",
                    "-E", "UTF8", "--locale=C"], check=True, capture_output=True)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*as_user, pg_ctl, "-D", str(data), "-o", options, "-l",
                    str(folder / "log"), "-w", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str, request: pytest.FixtureRequest) -> str:
    """A new, empty database on the test PostgreSQL server."""
    import re

    import psycopg

    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:40] + f"_{free_port()}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{postgres_server}/{name}"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest) -> str | None:
    """Each backend of the article store in turn: None (SQLite in the index folder), then a
    PostgreSQL database."""
    return request.getfixturevalue("postgres_url") if request.param == "postgres" else None


@pytest.fixture
def hashed_on(tmp_path: Path, corpus: Path, store_url: str | None) -> Assistant:
    """`hashed`, on each backend of the article store."""
    assistant = make_assistant(tmp_path / "index", corpus, store_url=store_url)
    assistant.ingest()
    return assistant


@pytest.fixture
def server():
    scripted = ScriptedLLM()
    thread = threading.Thread(target=scripted.serve_forever, daemon=True)
    thread.start()
    yield scripted
    scripted.shutdown()
    scripted.server_close()
