"""A long-lived reader (the web chat) sees each commit that another process makes to its
index soon after it lands, and never fails because of it."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path


from helpers import assistant_text, cli_command, cli_env, free_port, make_assistant, wait_for_port

QUESTION = "How many trucks crossed the Zorvath bridge?"


def bridge_report(trucks: int) -> str:
    return ("Title: Zorvath bridge reopens\n\nThe Zorvath bridge reopened to traffic this week "
            f"after repairs. Officials said {trucks} trucks crossed the Zorvath bridge on Monday. "
            "Engineers will inspect the bridge again in spring.")


def ingest_elsewhere(corpus: Path, index_dir: Path, store_url: str | None = None) -> None:
    """`newsdesk ingest` in another process, as a user or a cron job runs it."""
    settings = {"index_dir": str(index_dir)} | ({"store_url": store_url} if store_url else {})
    done = subprocess.run(cli_command("ingest", str(corpus), "--quiet", real=False),
                          env=cli_env(**settings), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_a_reader_sees_other_processes_commits(tmp_path: Path, corpus: Path,
                                               store_url: str | None):
    (corpus / "bridge.txt").write_text(bridge_report(117))
    reader = make_assistant(tmp_path / "index", corpus, store_url=store_url)
    reader.ingest()
    first = reader.ask(QUESTION)
    assert "117 trucks" in first.answer
    for trucks in (204, 311):  # two commits by another process, as in the reported failure
        (corpus / "bridge.txt").write_text(bridge_report(trucks))
        (corpus / f"extra_{trucks}.txt").write_text(
            f"Flooding closed {trucks % 50} schools in the valley on Tuesday.")
        (corpus / "004_6df5475b4a671cad.txt").unlink(missing_ok=True)
        ingest_elsewhere(corpus, tmp_path / "index", store_url)
        answer = reader.ask(QUESTION)
        assert f"{trucks} trucks" in answer.answer and "117 trucks" not in answer.answer
        assert all(c.doc_id != "004_6df5475b4a671cad.txt" for c in reader.ask(
            "What happened in Sumy?").citations)
    assert reader.article_count() == 7
    assert reader.index_id() != first.index


def test_the_web_chat_keeps_answering_while_another_process_ingests(tmp_path: Path,
                                                                    corpus: Path):
    """Soak: a served chat answers from several threads while another process commits
    changed articles into its index; no request fails, and every answer asked after a
    commit quotes the text that commit brought."""
    from gradio_client import Client

    index_dir = tmp_path / "index"
    (corpus / "bridge.txt").write_text(bridge_report(100))
    ingest_elsewhere(corpus, index_dir)
    port = free_port()
    server = subprocess.Popen(
        cli_command("serve", "--port", str(port), real=False), env=cli_env(index_dir=str(index_dir)),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_port(port, server)
        errors: list[str] = []
        answered = [0]
        stop = threading.Event()

        def chat() -> None:
            client = Client(url, verbose=False)
            questions = [QUESTION, "What happened in Sumy?", "Who blamed Moscow for it?"]
            while not stop.is_set():
                for question in questions:
                    try:
                        _, reply = client.predict(question, [], [], "", "", api_name="/chat")
                        text = assistant_text(reply)
                        if "The index cannot be read" in text or "nd-error" in text:
                            errors.append(text[:300])
                        answered[0] += 1
                    except Exception as error:  # every failure counts, whatever its kind
                        errors.append(f"{type(error).__name__}: {error}")

        threads = [threading.Thread(target=chat) for _ in range(3)]
        for thread in threads:
            thread.start()
        checker = Client(url, verbose=False)
        deadline = time.monotonic() + 240
        for trucks in (211, 322, 433):
            (corpus / "bridge.txt").write_text(bridge_report(trucks))
            (corpus / f"extra_{trucks}.txt").write_text(
                f"Storms cut power to {trucks} homes in the hills on Sunday.")
            ingest_elsewhere(corpus, index_dir)
            _, reply = checker.predict(QUESTION, [], [], "", "", api_name="/chat")
            assert f"{trucks} trucks" in assistant_text(reply), assistant_text(reply)[:500]
            assert time.monotonic() < deadline
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        assert answered[0] >= 9
    finally:
        server.kill()
        server.wait(timeout=30)

