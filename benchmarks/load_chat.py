"""Load on the web chat: concurrent chat sessions through gradio_client, on loopback only.

    .venv/bin/python benchmarks/load_chat.py [--sessions 20] [--seconds 60] [--max-per-session 30]

Starts `newsdesk serve` on a free 127.0.0.1 port over the bundled corpus (indexed into a
temporary folder), then each session asks questions in turn, follow-ups included, until the
time or the per-session count runs out. Prints errors (must be 0) and latency p50/p95.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
from gradio_client import Client

QUESTIONS = [
    "How many were injured in Kharkiv?",
    "How many were killed there?",
    "What happened in Sumy?",
    "Who blamed Moscow for it?",
    "How many people were killed in Kryvyi Rih?",
    "What is the population of Paris?",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session(url: str, deadline: float, limit: int, latencies: list, errors: list) -> None:
    """One user: a chat of questions asked in turn, each waiting for the whole answer."""
    client = Client(url, verbose=False)
    chat: list = []
    for n in range(limit):
        if time.monotonic() > deadline:
            return
        started = time.perf_counter()
        try:
            _, chat = client.predict(QUESTIONS[n % len(QUESTIONS)], chat, [], "", "",
                                     api_name="/chat")
            reply = str(chat[-1])
            if "nd-source" not in reply and "Not in the articles" not in reply:
                raise ValueError("reply without sources or a refusal")
            latencies.append(time.perf_counter() - started)
        except Exception as error:  # any failure counts; the run goes on
            errors.append(f"{type(error).__name__}: {error}")
        if len(chat) > 12:
            chat = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-per-session", type=int, default=30)
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory() as tmp:
        flags = ["--index-dir", str(Path(tmp) / "index")]
        newsdesk = [sys.executable, "-m", "assistant.cli"]
        subprocess.run([*newsdesk, "ingest", "--quiet", *flags], check=True, capture_output=True)
        server = subprocess.Popen([*newsdesk, "serve", "--port", str(port), *flags],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(url)
            latencies: list[float] = []
            errors: list[str] = []
            deadline = time.monotonic() + args.seconds
            threads = [
                threading.Thread(target=session,
                                 args=(url, deadline, args.max_per_session, latencies, errors))
                for _ in range(args.sessions)
            ]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=args.seconds + 120)
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
    p50, p95 = (np.percentile(latencies, [50, 95]) if latencies else (float("nan"),) * 2)
    print(f"sessions: {args.sessions}, answers: {len(latencies)}, errors: {len(errors)}, "
          f"in {elapsed:.0f} s ({len(latencies) / elapsed:.1f} answers/s)")
    print(f"latency per answer (whole streamed reply): p50 {p50:.2f} s, p95 {p95:.2f} s")
    for error in sorted(set(errors))[:10]:
        print(f"  error: {error}")
    sys.exit(1 if errors else 0)


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"the web chat at {url} did not answer")


if __name__ == "__main__":
    main()
