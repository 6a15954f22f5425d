"""The Gradio web chat over an Assistant."""

from __future__ import annotations

from datetime import date

import gradio as gr

from assistant.api import Assistant
from ui.render import render_answer

EXAMPLES = [
    "How many were injured in Kharkiv?",
    "What happened in Sumy?",
    "Who blamed Moscow for it?",
    "How many people were killed in Kryvyi Rih?",
]


class BadFilter(ValueError):
    """A filter value the user typed that cannot be read."""


def build_app(assistant: Assistant) -> gr.Blocks:
    """The chat page: conversation on the left, filters on the right."""
    sources = assistant.stats()["sources"]

    def respond(message: str, chat: list, questions: list, outlets: list, since: str, until: str):
        message = (message or "").strip()
        if not message:
            return "", chat, questions
        try:
            answer = assistant.ask(
                message, history=questions, sources=outlets or [],
                date_from=_parse_date(since), date_to=_parse_date(until),
            )
            reply = render_answer(answer)
            questions = questions + [answer.condensed_question or message]
        except BadFilter as error:
            reply = f"**Check the filters:** {error}"
        chat = chat + [
            {"role": "user", "content": message},
            {"role": "assistant", "content": reply},
        ]
        return "", chat, questions

    with gr.Blocks(title="Newsdesk") as app:
        gr.Markdown("# Newsdesk\nAsk about the articles; every answer quotes its sources.")
        questions = gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Chat", height=520, sanitize_html=True, render_markdown=True,
                    placeholder=_empty_state(assistant),
                )
                message = gr.Textbox(placeholder="How many were injured in Kharkiv?",
                                     label="Question", submit_btn=True)
                gr.Examples(EXAMPLES, inputs=message)
            with gr.Column(scale=1):
                outlets = gr.Dropdown(sources, multiselect=True, label="Outlets",
                                      info="Only these outlets (none: all)")
                since = gr.Textbox(label="Published from", placeholder="YYYY-MM-DD")
                until = gr.Textbox(label="Published until", placeholder="YYYY-MM-DD")
                clear = gr.Button("New chat")
        message.submit(
            respond, [message, chatbot, questions, outlets, since, until],
            [message, chatbot, questions], api_name="chat",
        )
        clear.click(lambda: ([], []), None, [chatbot, questions], api_name=False)
    return app


def _empty_state(assistant: Assistant) -> str:
    count = len(assistant.index.manifest.articles)
    if not count:
        return "The index is empty: run `newsdesk ingest` to add articles."
    return f"{count} articles indexed. Ask a question, or pick an example below."


def _parse_date(value: str | None) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f"{value!r} is not a date like 2023-11-06") from None


def launch(assistant: Assistant, **launch_options) -> None:
    settings = assistant.settings
    app = build_app(assistant)
    app.launch(
        server_name=settings.host, server_port=settings.port, show_error=False,
        **launch_options,
    )
