"""The `newsdesk` command as a user runs it, in a separate process."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main
from helpers import CORPUS, newsdesk


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "index"
    result = newsdesk("ingest", str(CORPUS), "--quiet", index_dir=path)
    assert result.returncode == 0, result.stderr
    assert "5 added" in result.stdout
    return path


def test_ingest_again_changes_nothing(index_dir):
    result = newsdesk("ingest", str(CORPUS), "--quiet", index_dir=index_dir)
    assert "0 added, 0 updated, 5 unchanged, 0 removed" in result.stdout


def test_ask_prints_answer_and_sources(index_dir):
    result = newsdesk("ask", "How many civilians were injured in Kharkiv?", index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    answer, sources = result.stdout.split("Sources:")
    assert "injuring 11 civilians" in answer and "[1]" in answer
    assert '[1] "Kharkiv Missile Strike Injures 11' in sources


def test_ask_json_reads_questions_from_stdin(index_dir):
    questions = "How many were injured in Kharkiv?\nWhat is the population of Paris?\n"
    result = newsdesk("ask", "-", "--json", index_dir=index_dir, stdin=questions)
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["question"] for a in answers] == questions.split("\n")[:2]
    assert [a["answered"] for a in answers] == [True, False]
    assert answers[0]["citations"][0]["quote"]


def test_stats(index_dir):
    result = newsdesk("stats", "--json", index_dir=index_dir)
    stats = json.loads(result.stdout)
    assert stats["articles"] == 5 and stats["chunks"] > 5


def test_asking_an_empty_index_says_what_to_do(tmp_path):
    result = newsdesk("ask", "anything?", index_dir=tmp_path / "none")
    assert result.returncode == 1
    assert "run `newsdesk ingest" in result.stderr and "Traceback" not in result.stderr


def test_missing_folder_is_a_clear_error(tmp_path):
    result = newsdesk("ingest", str(tmp_path / "nowhere"), index_dir=tmp_path / "ix")
    assert result.returncode == 1 and "no such file or folder" in result.stderr


def test_help_explains_the_commands():
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "--help"],
                            capture_output=True, text=True)
    for command in ("ingest", "ask", "chat", "serve", "stats"):
        assert command in result.stdout


def test_terminal_chat_follows_up(index_dir):
    result = newsdesk("chat", index_dir=index_dir,
                      stdin="What happened in Sumy?\nWho blamed Moscow for it?\n")
    assert result.returncode == 0
    assert "Oleh Hryhorov" in result.stdout


@pytest.mark.parametrize("args, named", [
    (["ask", "q", "--top-k", "0"], "--top-k / NEWSDESK_TOP_K is 0"),
    (["ask", "q", "--top-k", "-5"], "--top-k / NEWSDESK_TOP_K is -5"),
    (["chat", "--top-k", "0"], "--top-k / NEWSDESK_TOP_K is 0"),
    (["serve", "--port", "0"], "--port / NEWSDESK_PORT is 0"),
    (["serve", "--port", "65536"], "--port / NEWSDESK_PORT is 65536"),
    (["ask", "q", "--llm-timeout", "-1"], "--llm-timeout / NEWSDESK_LLM_TIMEOUT is -1.0"),
    (["eval", "gold.jsonl", "--min-accuracy", "1.5"], "--min-accuracy: 1.5 is not between"),
    (["eval", "gold.jsonl", "--min-citation-validity=-0.1"], "-0.1 is not between 0 and 1"),
    (["ask", "q", "--top-k", "many"], "argument --top-k: invalid int value: 'many'"),
])
def test_a_bad_number_is_a_one_line_error(args, named, capsys):
    try:
        code = main(args)
    except SystemExit as stop:  # argparse's own checks
        code = stop.code
    assert code == 2
    error = capsys.readouterr().err
    assert named in error and error.count("\n") == 1


@pytest.mark.parametrize("name, value", [
    ("NEWSDESK_TOP_K", "0"), ("NEWSDESK_CHUNK_CHARS", "5"), ("NEWSDESK_CHUNK_OVERLAP", "-1"),
    ("NEWSDESK_EMBED_BATCH_SIZE", "0"), ("NEWSDESK_PORT", "70000"),
    ("NEWSDESK_MAX_FILE_MB", "0"), ("NEWSDESK_LLM_SOURCES", "0"), ("NEWSDESK_LLM_MAX_TOKENS", "0"),
])
def test_a_bad_number_in_the_environment_is_a_one_line_error(name, value, monkeypatch, capsys):
    monkeypatch.setenv(name, value)
    assert main(["stats"]) == 2
    error = capsys.readouterr().err
    assert f"{name} is {value}: " in error and error.count("\n") == 1
