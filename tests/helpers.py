"""Helpers shared by the test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


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


def cli_command(*args: str) -> list[str]:
    """The `newsdesk` command of this checkout, as a process runs it."""
    return [sys.executable, "-m", "assistant.cli", *args]


def cli_env(**settings: str) -> dict[str, str]:
    """The environment with NEWSDESK_<NAME> set for each setting given."""
    return os.environ | {f"NEWSDESK_{name.upper()}": value for name, value in settings.items()}
