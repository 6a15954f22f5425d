"""The web chat, launched for real and queried through gradio_client."""

import re
import threading
from datetime import date
from html import escape

import pytest
from gradio_client import Client, handle_file
from pydantic import ValidationError

from assistant.citations import reference
from assistant.cli import main
from assistant.settings import Settings
from assistant.types import Answer, Citation
from helpers import assistant_text, make_assistant, serve
from ui.app import BUNDLED_EXAMPLES, build_app, example_questions
from ui.render import (filter_scope, paragraph_around, render_answer, render_text,
                       stream_answer)

KHARKIV = "How many were injured in Kharkiv?"


@pytest.fixture
def app(real_copy, corpus):
    (corpus / "xss.txt").write_text(
        "Title: Ferry <b>sinks</b>\nURL: javascript:alert(1)\n\n"
        "Officials in Odesa said <script>alert('owned')</script> the ferry sank on Monday."
    )
    real_copy.ingest()
    app = serve(real_copy)
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def client(app):
    return Client(app.local_url, verbose=False)


def ask(client, question, outlets=(), since="", until=""):
    _, chat = client.predict(question, [], list(outlets), since, until, api_name="/chat")
    return assistant_text(chat)


def test_chat_answers_with_numbered_sources(client):
    text = ask(client, KHARKIV)
    assert '<ul class="nd-figures">' in text and text.count("<li>") == 2
    assert '<a class="nd-cite" href="#nd-1-1">[1]</a>' in text
    assert 'id="nd-1-1"' in text and 'id="nd-1-2"' in text
    assert "<mark>Among the approximately 28 injured victims" in text
    assert "<code>003_a0f8eb16e55fc41c.txt</code>" in text
    assert text.count('class="nd-copy"') == 2
    assert "/tmp" not in text and str(client.src) not in text


def test_copy_reference_is_the_assistants_reference(client, real_copy):
    text = ask(client, KHARKIV)
    copied = re.findall(r'<span class="nd-reference" hidden>([^<]*)</span>', text)
    expected = [escape(reference(c)) for c in real_copy.ask(KHARKIV).citations]
    assert copied == expected and copied[0].startswith("&quot;Kharkiv Missile Strike Injures 11")


def test_refusal_is_its_own_state(client):
    text = ask(client, "What is the population of Paris?")
    assert 'class="nd-notice nd-refusal"' in text and "Not in the articles" in text
    assert "were searched" not in text


def test_refusal_under_filters_says_what_was_searched(client):
    text = ask(client, KHARKIV, since="2023-11-01")
    assert "Only articles published on or after 2023-11-01 were searched." in text


def test_article_html_is_shown_as_text(client):
    text = ask(client, "What sank in Odesa?")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "&lt;b&gt;sinks&lt;/b&gt;" in text and "<b>" not in text
    assert 'href="javascript' not in text


def test_user_message_is_escaped(client):
    _, chat = client.predict("<img src=x onerror=alert(1)>", [], [], "", "", api_name="/chat")
    assert chat[0]["content"][0]["text"] == "&lt;img src=x onerror=alert(1)&gt;"


def test_bad_date_filter_gets_a_message(client):
    assert "is not a date" in ask(client, "How many were killed?", since="last week")
    assert "after the end date" in ask(client, "How many were killed?", since="2024-01-01",
                                       until="2023-01-01")


def test_date_filter_restricts_retrieval(client):
    text = ask(client, "How many were killed in Kryvyi Rih?", since="2023-11-01",
               until="2023-11-30")
    assert "004_6df5475b4a671cad.txt" in text
    assert "002_3bdc0dad83278f9f.txt" not in text


def test_corpus_search(client):
    rows = client.predict("kharkiv missile", api_name="/corpus")
    assert [row[0] for row in rows["data"]] == [
        "Kharkiv Missile Strike Injures 11 As Trump Urges Ukraine To Accept Swift Peace Deal"
    ]
    assert rows["data"][0][3] == "002_3bdc0dad83278f9f.txt" and rows["data"][0][4] >= 1


def test_upload_indexes_new_articles_and_reports_skips(client, real_copy, tmp_path):
    article = tmp_path / "lviv.txt"
    article.write_text("Source: Kyiv Independent\nDate: 2024-03-02\n\n"
                       "A drone struck a warehouse in Lviv, injuring 4 workers on Saturday.")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    files = [handle_file(str(p)) for p in (article, empty)]
    report, *_ = client.predict(files, "", api_name="/add_articles")
    assert "1 added" in report and "skipped empty.txt: empty file" in report
    assert (real_copy.settings.corpus_dir / "lviv.txt").exists()
    text = ask(client, "How many were injured in Lviv?", outlets=["Kyiv Independent"])
    assert "4 workers" in text and "Kyiv Independent · 2024-03-02" in text


def test_bad_uploads_are_reported_and_never_break_the_next(client, real_copy, tmp_path):
    deep, odd = tmp_path / "deep.json", tmp_path / "odd.txt"
    deep.write_text("[" * 60_000 + "]" * 60_000)
    odd.write_bytes(b"\xff\xfe" + "Flood".encode("utf-16-le") + b"x")
    report, *_ = client.predict([handle_file(str(deep)), handle_file(str(odd))], "",
                                api_name="/add_articles")
    assert "skipped deep.json: JSON nested too deeply to read" in report
    assert "skipped odd.txt: not valid UTF-16 text" in report
    assert "not kept: deep.json" in report and "not kept: odd.txt" in report
    assert not (real_copy.settings.corpus_dir / "deep.json").exists()
    good = tmp_path / "kherson.txt"
    good.write_text("Shelling cut power to 2,000 homes in Kherson on Monday.")
    report, *_ = client.predict([handle_file(str(good))], "", api_name="/add_articles")
    assert "1 added" in report and "0 skipped" in report


def test_an_upload_whose_ingest_fails_is_not_kept(client, real_copy, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk went away")

    monkeypatch.setattr(real_copy, "ingest", broken)
    upload = tmp_path / "mykolaiv.txt"
    upload.write_text("A drone hit a depot in Mykolaiv on Friday.")
    report, *_ = client.predict([handle_file(str(upload))], "", api_name="/add_articles")
    assert "Could not add the articles: disk went away" in report
    assert not (real_copy.settings.corpus_dir / "mykolaiv.txt").exists()
    monkeypatch.undo()
    report, *_ = client.predict([handle_file(str(upload))], "", api_name="/add_articles")
    assert "1 added" in report


def test_upload_of_other_file_types_is_refused(client, tmp_path):
    notes = tmp_path / "notes.docx"
    notes.write_text("not an article")
    with pytest.raises(Exception, match="Invalid file type"):
        client.predict([handle_file(str(notes))], "", api_name="/add_articles")


def test_same_name_different_file_is_kept_beside(client, real_copy, tmp_path):
    upload = tmp_path / "002_3bdc0dad83278f9f.txt"
    upload.write_text("A new article about a flood in Odesa that displaced 40 families.")
    client.predict([handle_file(str(upload))], "", api_name="/add_articles")
    assert (real_copy.settings.corpus_dir / "002_3bdc0dad83278f9f-2.txt").read_text() == \
        upload.read_text()


def test_asking_while_indexing_says_so(client, real_copy, tmp_path, monkeypatch):
    started, release = threading.Event(), threading.Event()
    ingest = real_copy.ingest

    def slow_ingest(*args, **kwargs):
        started.set()
        release.wait(20)
        return ingest(*args, **kwargs)

    monkeypatch.setattr(real_copy, "ingest", slow_ingest)
    upload = tmp_path / "odesa.txt"
    upload.write_text("A storm flooded the port of Odesa on Tuesday, stranding 12 ships.")
    job = client.submit([handle_file(str(upload))], "", api_name="/add_articles")
    try:
        assert started.wait(20)
        assert "The index is being updated." in ask(client, KHARKIV)
    finally:
        release.set()
    assert "1 added" in job.result()[0]
    assert "12 ships" in ask(client, "How many ships were stranded in Odesa?")


def test_empty_index_says_so(tmp_path, corpus):
    app = serve(make_assistant(tmp_path / "empty-index", corpus))
    try:
        text = ask(Client(app.local_url, verbose=False), KHARKIV)
    finally:
        app.close()
    assert "The index is empty." in text


def test_login_and_upload_cap_from_env(monkeypatch, corpus, tmp_path):
    monkeypatch.setenv("NEWSDESK_AUTH", "desk:s3cret:x")
    monkeypatch.setenv("NEWSDESK_MAX_UPLOAD_MB", "2")
    app = serve(make_assistant(tmp_path / "index", corpus))
    try:
        assert app.max_file_size == 2_000_000
        with pytest.raises(ValueError):
            Client(app.local_url, verbose=False)
        client = Client(app.local_url, auth=("desk", "s3cret:x"), verbose=False)
        big = tmp_path / "big.txt"
        big.write_text("word " * 500_000)
        with pytest.raises(ValueError, match="maximum file size"):
            client.predict([handle_file(str(big))], "", api_name="/add_articles")
    finally:
        app.close()


def test_malformed_login_is_refused(monkeypatch, capsys):
    monkeypatch.setenv("NEWSDESK_AUTH", "nopassword")
    with pytest.raises(ValidationError, match="user:password"):
        Settings()
    assert main(["serve"]) == 2
    error = capsys.readouterr().err
    assert error == 'newsdesk: error: NEWSDESK_AUTH: value error, must look like "user:password"\n'
    assert Settings(auth="").web.auth is None


def citation(n: int, start: int, end: int, text: str) -> Citation:
    return Citation(n=n, doc_id="a.txt", title="", source="", published=None, url="",
                    quote=text[start:end], start=start, end=end, score=1.0)


def test_quote_is_highlighted_in_its_paragraph():
    text = "Intro line.\nBefore the quote. The quote itself. After it.\nNext paragraph."
    start = text.index("The quote")
    end = start + len("The quote itself.")
    answer = Answer(question="q", answer="It was so [1].", answered=True,
                    citations=[citation(1, start, end, text)], mode="extractive",
                    timings_ms={}, index={})
    html = render_answer(answer, 3, {"a.txt": text})
    assert "Before the quote. <mark>The quote itself.</mark> After it.</blockquote>" in html
    assert "Intro" not in html and "Next paragraph" not in html
    assert 'href="#nd-3-1"' in html and 'id="nd-3-1"' in html


def test_long_paragraphs_are_cut_at_words():
    text = "word " * 200 + "QUOTE" + " word" * 200
    start = text.index("QUOTE")
    before, after = paragraph_around(text, start, start + 5)
    assert before.startswith("…word") and after.endswith("word…") and len(before) < 330


def test_streaming_grows_the_text_and_keeps_unknown_markers():
    answer = Answer(question="q", answer="one two three four five six seven eight nine [9]",
                    answered=True, citations=[], mode="extractive", timings_ms={}, index={})
    pieces = list(stream_answer(answer, 1))
    assert pieces[0] == render_text("one two three four", answer, 1)
    assert len(pieces) == 2 and "[9]" in render_text(answer.answer, answer, 1)


def test_filter_scope_names_what_was_searched():
    assert filter_scope([], None, None) == ""
    assert filter_scope(["AP", "Reuters"], None, date(2024, 1, 2)) == (
        "Only articles from AP, Reuters and published on or before 2024-01-02 were searched.")
    assert filter_scope([], date(2024, 1, 1), date(2024, 1, 31)) == (
        "Only articles published from 2024-01-01 to 2024-01-31 were searched.")


@pytest.mark.integration
def test_the_bundled_corpus_offers_questions_it_answers(real):
    examples = example_questions(real)
    assert examples == BUNDLED_EXAMPLES and placeholder(real) == examples[0]
    for question in examples[:3]:
        assert real.ask(question).answered, question


def test_a_copy_of_the_bundled_corpus_is_another_archive(real_copy):
    [titled] = [a for a in real_copy.index.articles.values() if a.title]
    assert example_questions(real_copy) == [f'What does "{titled.title}" report?']


def test_examples_follow_another_archive(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "a.txt").write_text("Title: Harbour reopens after storm\nDate: 2024-05-02\n\n"
                                   "The harbour in Bergen reopened on Thursday.")
    (archive / "b.txt").write_text("Title: Rail strike ends\nDate: 2024-06-10\n\n"
                                   "Train drivers in Leeds ended their strike on Monday.")
    assistant = make_assistant(tmp_path / "index", archive)
    assistant.ingest()
    assert example_questions(assistant) == ['What does "Rail strike ends" report?',
                                            'What does "Harbour reopens after storm" report?']
    assert "Kharkiv" not in placeholder(assistant)
    chosen = make_assistant(tmp_path / "index", archive, examples=["Who went on strike?"])
    assert example_questions(chosen) == ["Who went on strike?"]
    assert placeholder(chosen) == "Who went on strike?"


def placeholder(assistant) -> str:
    """The question box's placeholder on the page built for `assistant`."""
    config = build_app(assistant).config
    [box] = [c for c in config["components"] if c["props"].get("elem_id") == "nd-question"]
    return box["props"]["placeholder"]
