"""Server mode: a real `chroma run` on loopback holds the vectors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from helpers import CORPUS, assistant_text, free_port, make_assistant, newsdesk, serve

CHROMA = Path(sys.executable).with_name("chroma")


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"no answer from {url}")


@pytest.fixture
def chroma_server(tmp_path: Path):
    if not CHROMA.exists() and not shutil.which("chroma"):
        pytest.skip("the chroma command is not installed")
    port = free_port()
    server = subprocess.Popen(
        [str(CHROMA if CHROMA.exists() else "chroma"), "run", "--path", str(tmp_path / "server"),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/api/v2/heartbeat")
        yield url, server
    finally:
        server.kill()
        server.wait(timeout=30)


def test_ingest_and_answer_through_a_chroma_server(chroma_server, tmp_path: Path):
    url, _ = chroma_server
    index_dir = tmp_path / "index"
    ingested = newsdesk("ingest", "--chroma-url", url, "--quiet", index_dir=index_dir)
    assert ingested.returncode == 0, ingested.stderr
    assert not (index_dir / "chroma").exists()  # vectors live on the server
    asked = newsdesk("ask", "How many civilians were injured in Kharkiv?", "--json",
                     "--chroma-url", url, index_dir=index_dir)
    answer = json.loads(asked.stdout)
    assert answer["answered"] and "002" in {c["doc_id"][:3] for c in answer["citations"]}


def test_a_server_that_is_down_is_a_clear_error(chroma_server, tmp_path: Path):
    url, server = chroma_server
    index_dir = tmp_path / "index"
    assert newsdesk("ingest", "--chroma-url", url, "--quiet", index_dir=index_dir).returncode == 0
    server.kill()
    server.wait(timeout=30)
    started = time.monotonic()
    asked = newsdesk("ask", "Who blamed Moscow?", "--chroma-url", url, index_dir=index_dir)
    assert asked.returncode == 1
    assert "Could not connect to a Chroma server" in asked.stderr and "Traceback" not in asked.stderr
    assert time.monotonic() - started < 60


def test_a_server_that_stops_mid_session_is_a_clear_error(chroma_server, tmp_path: Path):
    from index.store import StoreUnavailable

    url, server = chroma_server
    assistant = make_assistant(tmp_path / "index", chroma_url=url)
    assistant.ingest()
    assert assistant.ask("Who blamed Moscow?").answered
    server.kill()
    server.wait(timeout=30)
    with pytest.raises(StoreUnavailable, match=f"Chroma store at {url} stopped answering"):
        assistant.ask("Who blamed Moscow?")


def test_the_web_chat_says_so_when_the_server_is_down(chroma_server, tmp_path: Path):
    from gradio_client import Client

    url, server = chroma_server
    assistant = make_assistant(tmp_path / "index", chroma_url=url)
    assistant.ingest()
    app = serve(assistant)
    try:
        server.kill()
        server.wait(timeout=30)
        client = Client(app.local_url, verbose=False)
        _, chat = client.predict("Who blamed Moscow?", [], [], "", "", api_name="/chat")
        reply = assistant_text(chat)
        assert "The index cannot be read." in reply and "stopped answering" in reply
    finally:
        app.close()


def test_two_machines_share_one_archive(chroma_server, postgres_url: str, tmp_path: Path):
    """Two processes with separate local folders, each ingesting its own folder into one
    archive (vectors on the Chroma server, articles and keywords in PostgreSQL): each answers
    from the other's articles, and a commit by one is seen by the other."""
    url, _ = chroma_server
    flags = ["--chroma-url", url, "--store-url", postgres_url]
    first, second = tmp_path / "machine-1", tmp_path / "machine-2"
    corpus_1, corpus_2 = tmp_path / "corpus-1", tmp_path / "corpus-2"
    corpus_1.mkdir()
    corpus_2.mkdir()
    for path in sorted(CORPUS.glob("*.txt"))[:3]:
        shutil.copy(path, corpus_1 / path.name)
    for path in sorted(CORPUS.glob("*.txt"))[3:]:
        shutil.copy(path, corpus_2 / path.name)
    (corpus_2 / "bridge.txt").write_text(
        "The Zorvath bridge reopened this week. Officials said 117 trucks crossed it on Monday.")
    for machine, corpus in ((first, corpus_1), (second, corpus_2)):
        done = newsdesk("ingest", str(corpus), "--quiet", *flags, index_dir=machine)
        assert done.returncode == 0, done.stderr
        assert not any(machine.glob("*.sqlite")) and not (machine / "chroma").exists()

    stats = json.loads(newsdesk("stats", "--json", *flags, index_dir=first).stdout)
    assert stats["articles"] == 6 and stats["articles_store"] == postgres_url
    asked = newsdesk("ask", "How many trucks crossed the Zorvath bridge?", "--json", *flags,
                     index_dir=first)
    answer = json.loads(asked.stdout)
    assert answer["answered"] and "117 trucks" in answer["answer"]
    asked = newsdesk("ask", "How many were injured in Kharkiv?", "--json", *flags,
                     index_dir=second)
    assert {c["doc_id"][:3] for c in json.loads(asked.stdout)["citations"]} >= {"002"}

    (corpus_2 / "bridge.txt").write_text(
        "The Zorvath bridge reopened this week. Officials said 245 trucks crossed it on Monday.")
    assert newsdesk("ingest", str(corpus_2), "--quiet", *flags, index_dir=second).returncode == 0
    asked = newsdesk("ask", "How many trucks crossed the Zorvath bridge?", "--json", *flags,
                     index_dir=first)
    assert "245 trucks" in json.loads(asked.stdout)["answer"]
    assert json.loads(newsdesk("stats", "--json", *flags, index_dir=first).stdout)["articles"] == 6
