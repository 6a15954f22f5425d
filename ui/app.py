"""The Gradio web chat over an Assistant: a Chat tab with filters and a Corpus tab."""

from __future__ import annotations

import heapq
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import gradio as gr

from assistant.api import Assistant
from assistant.settings import PROJECT_ROOT, WebSettings, use_offline_environment
from assistant.streaming import AnswerStream
from assistant.types import Answer
from index.loaders import SUPPORTED_SUFFIXES
from index.errors import CannotServe, NewsdeskError
from ui import render
from ui.corpus import (COLUMN_WIDTHS, HEADERS, copy_uploads, corpus_folder, corpus_rows,
                       drop_unread, remove, search_rows)
from ui.page import CSS, JS, THEME

EXAMPLE_COUNT = 4
# The bundled articles have few titles; these are questions they answer.
BUNDLED_EXAMPLES = [
    "How many were injured in Kharkiv?",
    "How many people were killed in Kryvyi Rih?",
    "What happened in Sumy?",
    "Who blamed Moscow for it?",
]
UPLOAD_HINT = (f"<p>Drop articles ({', '.join(sorted(SUPPORTED_SUFFIXES))}) to copy them into "
               "the corpus folder and index them. What was added, and every file skipped "
               "with its reason, shows here.</p>")
BUNDLED_CORPUS = PROJECT_ROOT / "corpus"
STREAM_PAUSE_S = 0.02  # between streamed pieces, so the answer visibly grows


def build_app(assistant: Assistant) -> gr.Blocks:
    """The page: the chat with its filters beside it, and the corpus with uploads."""
    building = threading.Event()  # set while an upload is being indexed

    def respond(message: str, chat: list, questions: list, outlets: list, since, until):
        """Stream the answer to `message` into the chat; `questions` are the earlier ones."""
        message = (message or "").strip()
        if not message:
            yield "", chat, questions
            return
        turn = sum(1 for m in chat if m["role"] == "assistant") + 1
        chat = chat + [_message("user", render.render_user(message)),
                       _message("assistant", render.render_pending())]
        yield "", chat, questions
        answer, draft = None, ""
        try:
            filters = _read_filters(outlets, since, until)
            stream = _ask_stream(assistant, building, message, questions, filters)
            for piece in _read(stream):  # an LLM's unchecked draft, token by token
                draft += piece
                chat[-1] = _message("assistant", render.render_draft(draft))
                yield "", chat, questions
            answer = _read_answer(stream)
        except _Notice as notice:
            chat[-1] = _message("assistant", notice.html)
            yield "", chat, questions
            return
        if not draft:  # an extractive answer: let it grow a few words at a time
            for piece in render.stream_answer(answer, turn):
                chat[-1] = _message("assistant", piece)
                yield "", chat, questions
                time.sleep(STREAM_PAUSE_S)
        texts = _article_texts(assistant, answer)
        scope = render.filter_scope(**filters)
        chat[-1] = _message("assistant", render.render_answer(answer, turn, texts, scope))
        yield "", chat, questions + [answer.condensed_question or message]

    def chat_parts():
        """What the chat shows of the index: its empty-state text and the outlets to pick."""
        return (gr.update(placeholder=_empty_state(assistant)),
                gr.update(choices=assistant.sources()))

    def add_articles(files: list[str] | None, query: str,
                     progress=gr.Progress(track_tqdm=True)):
        """Copy dropped files into the corpus folder and index it, reporting what was skipped."""
        progress(0, desc="Copying files")
        building.set()
        written: list[Path] = []
        try:
            folder = corpus_folder(assistant)
            written = copy_uploads(files or [], folder)
            report = assistant.ingest(folder, progress=True)
            dropped = drop_unread(written, folder, report.skipped)
            summary = report.summary() + "".join(
                f"\n  not kept: {path.name} (it could not be read)" for path in dropped)
        except Exception as error:  # whatever failed, no upload stays to fail the next one
            remove(written)
            summary = (f"Could not add the articles: {error or type(error).__name__}\n"
                       "The dropped files were not kept.")
        finally:
            building.clear()
        return (render.render_report(summary), None, search_rows(corpus_rows(assistant), query),
                *chat_parts())

    with gr.Blocks(title="Newsdesk", analytics_enabled=False) as app:
        gr.Markdown("# Newsdesk\nAsk about the articles; every answer quotes its sources.")
        questions = gr.State([])
        with gr.Tab("Chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Chat", height=560, render_markdown=False, sanitize_html=True,
                        latex_delimiters=[], buttons=[], placeholder=_empty_state(assistant),
                        elem_id="nd-chat",
                    )
                    examples = example_questions(assistant)
                    message = gr.Textbox(
                        placeholder=examples[0] if examples else "Ask about the articles",
                        label="Question", submit_btn=True, elem_id="nd-question",
                    )
                    if examples:
                        gr.Examples(examples, inputs=message, label="Try")
                with gr.Column(scale=1, min_width=240):
                    outlets = gr.Dropdown(assistant.sources(), multiselect=True,
                                          label="Outlets", info="Only these outlets (none: all)")
                    since = gr.DateTime(label="Published from", include_time=False,
                                        type="string", elem_id="nd-since")
                    until = gr.DateTime(label="Published until", include_time=False,
                                        type="string", elem_id="nd-until")
                    clear = gr.Button("New chat")
        with gr.Tab("Corpus"):
            with gr.Row():
                files = gr.File(label="Add articles: drop files here", file_count="multiple",
                                file_types=sorted(SUPPORTED_SUFFIXES), height=150, scale=2,
                                elem_id="nd-upload")
                report = gr.HTML(UPLOAD_HINT, elem_id="nd-report", scale=3)
            search = gr.Textbox(label="Search the corpus", elem_id="nd-search",
                                placeholder="title, outlet, date or path")
            table = gr.Dataframe(lambda: corpus_rows(assistant), headers=HEADERS, interactive=False,
                                 wrap=True, column_widths=COLUMN_WIDTHS, elem_id="nd-corpus")

        message.submit(respond, [message, chatbot, questions, outlets, since, until],
                       [message, chatbot, questions], api_name="chat")
        clear.click(lambda: ([], []), None, [chatbot, questions], api_name=False)
        chatbot.clear(lambda: [], None, questions, api_name=False)
        search.change(lambda query: search_rows(corpus_rows(assistant), query), search, table,
                      api_name="corpus", show_progress="hidden")
        files.upload(add_articles, [files, search], [report, files, table, chatbot, outlets],
                     api_name="add_articles", show_progress_on=files)
        app.load(chat_parts, None, [chatbot, outlets], api_name=False, show_progress="hidden")
    return app


class _Notice(Exception):
    """A state to show instead of an answer."""

    def __init__(self, title: str, text: str, kind: str = "info") -> None:
        super().__init__(text)
        self.html = render.render_notice(title, text, kind=kind)


def _ask_stream(assistant: Assistant, building: threading.Event, message: str, questions: list,
                filters: dict) -> AnswerStream:
    """`Assistant.ask_stream`; a _Notice when the index cannot answer now."""
    if building.is_set():
        raise _Notice("The index is being updated.", "New articles are being added; "
                      "ask again in a moment.")
    with _index_notice():
        if not assistant.article_count():
            raise _Notice("The index is empty.", "Add articles in the Corpus tab, "
                          "or run: newsdesk ingest")
        return assistant.ask_stream(message, history=questions, **filters)


def _read(stream: AnswerStream) -> Iterator[str]:
    """The stream's draft pieces; a _Notice when the index fails while answering."""
    with _index_notice():
        yield from stream


def _read_answer(stream: AnswerStream) -> Answer:
    with _index_notice():
        return stream.answer


@contextmanager
def _index_notice() -> Iterator[None]:
    """An error the user can act on, as a notice in the chat."""
    try:
        yield
    except NewsdeskError as error:
        raise _Notice("The index cannot be read.", str(error), kind="error") from None


def _read_filters(outlets: list | None, since: str | None, until: str | None) -> dict:
    """The filters as keyword arguments of Assistant.ask; a _Notice when a date is unreadable."""
    date_from, date_to = _parse_date(since), _parse_date(until)
    if date_from and date_to and date_from > date_to:
        raise _Notice("Check the filters.", "The start date is after the end date.",
                      kind="error")
    return {"sources": list(outlets or []), "date_from": date_from, "date_to": date_to}


def _message(role: str, html: str) -> dict:
    return {"role": role, "content": html}


def _article_texts(assistant: Assistant, answer: Answer) -> dict[str, str]:
    """The text of each cited article that is still in the index, by doc_id."""
    articles = {c.doc_id: assistant.article(c.doc_id) for c in answer.citations}
    return {doc_id: article.text for doc_id, article in articles.items() if article is not None}


def example_questions(assistant: Assistant) -> list[str]:
    """The example questions the chat offers: the examples setting; else, over the bundled
    corpus, questions it answers; else a question about each of the newest titled articles."""
    if assistant.settings.web.examples:
        return assistant.settings.web.examples
    if Path(assistant.stats()["corpus"] or "") == BUNDLED_CORPUS:
        return BUNDLED_EXAMPLES
    newest = heapq.nlargest(EXAMPLE_COUNT, (a for a in assistant.listing() if a.title),
                            key=lambda a: (a.published or date.min, a.title))
    return [f'What does "{a.title}" report?' for a in newest]


def _empty_state(assistant: Assistant) -> str:
    count = assistant.article_count()
    if not count:
        return ("**The index is empty.** Add articles in the Corpus tab, "
                "or run `newsdesk ingest`.")
    return f"{count} articles indexed. Ask a question, or pick an example below."


def _parse_date(value: str | None) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _Notice("Check the filters.", f"{value!r} is not a date like 2023-11-06.",
                      kind="error") from None


def serving_options(web: WebSettings) -> dict:
    """How the app is served: loopback by default, optional login, capped uploads, no
    share link, and the page's own style and script."""
    return {
        "server_name": web.host, "server_port": web.port, "auth": web.auth,
        "max_file_size": web.max_upload_bytes, "share": False, "show_error": False,
        "ssr_mode": False, "theme": THEME, "css": CSS, "js": JS,
    }


def launch(assistant: Assistant, **launch_options) -> gr.Blocks:
    """Serve the web chat as the assistant's settings say; blocks unless
    `prevent_thread_lock=True`. Options given here override the served defaults.
    Raises CannotServe when it cannot start."""
    use_offline_environment()
    options = serving_options(assistant.settings.web) | launch_options
    check_reachable(options["server_name"])
    app = build_app(assistant)
    try:
        app.launch(**options)
    except OSError:  # the port is taken
        app.close()
        raise CannotServe(f"cannot serve on {options['server_name']}:{options['server_port']}: "
                          "the port is in use; choose another with --port") from None
    return app


def check_reachable(host: str) -> None:
    """Raise CannotServe unless a server bound to `host` can be reached from this machine,
    as the web chat checks itself when it starts (it cannot without a loopback interface)."""
    target = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    try:
        family = socket.getaddrinfo(host or None, 0, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family) as server, socket.socket(family) as client:
            server.bind((host, 0))
            server.listen(1)
            client.settimeout(5)
            client.connect((target, server.getsockname()[1]))
    except OSError as error:
        raise CannotServe(
            f"cannot reach {host} on this machine ({error.strerror or error}); the web chat "
            "needs a working loopback interface (is `lo` up?) or another --host"
        ) from None
