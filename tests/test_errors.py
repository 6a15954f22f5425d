"""Every error a user can act on is a NewsdeskError, and each member of the family reaches
both edges the same way: one line on stderr and exit 1 from the CLI, a notice in the web chat."""

from __future__ import annotations

import pytest
from gradio_client import Client

import index.errors
from assistant.api import Assistant
from assistant.cli import main
from fakes import HashEmbedding
from helpers import assistant_text, make_assistant, serve
from index.errors import NewsdeskError

FAMILY = sorted(NewsdeskError.__subclasses__(), key=lambda kind: kind.__name__)


def test_the_family_is_every_error_class_of_the_errors_module():
    declared = {value for value in vars(index.errors).values()
                if isinstance(value, type) and issubclass(value, Exception)}
    assert declared == {NewsdeskError, *FAMILY} and len(FAMILY) >= 10


@pytest.mark.parametrize("kind", FAMILY, ids=lambda kind: kind.__name__)
def test_the_cli_prints_one_line_and_exits_1(kind, tmp_path, monkeypatch, capsys):
    def fail(self, *args, **kwargs):
        raise kind(f"{kind.__name__} says what to do")

    monkeypatch.setattr(Assistant, "stats", fail)
    code = main(["stats", "--index-dir", str(tmp_path / "index")], embedder=HashEmbedding())
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert captured.err == f"newsdesk: error: {kind.__name__} says what to do\n"


@pytest.fixture(scope="module")
def chat(tmp_path_factory):
    """A served web chat over a small index, and the Assistant behind it."""
    folder = tmp_path_factory.mktemp("errors")
    (folder / "corpus").mkdir()
    (folder / "corpus" / "a.txt").write_text("The ferry to Odesa sailed on Monday.")
    assistant = make_assistant(folder / "index", folder / "corpus")
    assistant.ingest()
    app = serve(assistant)
    try:
        yield Client(app.local_url, verbose=False), assistant
    finally:
        app.close()


@pytest.mark.parametrize("kind", FAMILY, ids=lambda kind: kind.__name__)
def test_the_web_chat_shows_a_notice(kind, chat, monkeypatch):
    client, assistant = chat

    def fail(*args, **kwargs):
        raise kind(f"{kind.__name__} says what to do")

    monkeypatch.setattr(assistant, "ask_stream", fail)
    _, history = client.predict("When did the ferry sail?", [], [], "", "", api_name="/chat")
    reply = assistant_text(history)
    assert 'class="nd-notice nd-error"' in reply
    assert f"{kind.__name__} says what to do" in reply
