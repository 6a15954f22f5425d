"""The web chat, launched for real and queried through gradio_client."""

import socket

import pytest
from gradio_client import Client

from ui.app import build_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def client(hashed, corpus):
    (corpus / "xss.txt").write_text(
        "Officials in Odesa said <script>alert('owned')</script> the ferry sank on Monday."
    )
    hashed.ingest()
    app = build_app(hashed)
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        app.close()


def assistant_text(chat: list) -> str:
    content = chat[-1]["content"]
    return content if isinstance(content, str) else "".join(part["text"] for part in content)


def test_chat_answers_with_numbered_sources(client):
    _, chat = client.predict("How many were injured in Kharkiv?", [], [], "", "", api_name="/chat")
    text = assistant_text(chat)
    assert "**Sources**" in text
    assert "approximately 28 injured victims" in text and "11" in text
    assert "\\[1\\]" in text and "\\[2\\]" in text


def test_refusal_is_its_own_state(client):
    _, chat = client.predict("What is the population of Paris?", [], [], "", "", api_name="/chat")
    assert assistant_text(chat).startswith("**The articles don't say.**")


def test_article_html_is_shown_as_text(client):
    _, chat = client.predict("What sank in Odesa?", [], [], "", "", api_name="/chat")
    text = assistant_text(chat)
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_bad_date_filter_gets_a_message(client):
    _, chat = client.predict("How many were killed?", [], [], "last week", "", api_name="/chat")
    assert "is not a date" in assistant_text(chat)
