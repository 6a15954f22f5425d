"""The `newsdesk` command: ingest, ask, chat, serve, stats, eval."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError

from assistant import evaluate
from assistant.api import Assistant
from assistant.citations import reference
from assistant.settings import Settings, use_offline_environment
from assistant.streaming import AnswerStream
from assistant.types import Answer
from index.embedding import Embedder
from index.errors import EmptyIndex, NewsdeskError

EXIT_USAGE = 2
EXIT_FAILED = 1


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def share(text: str) -> float:
    """A number from 0 to 1, for a score threshold."""
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("index options (also settable by env var)")
    group.add_argument("--index-dir", type=Path, help="index folder [NEWSDESK_INDEX_DIR]")
    group.add_argument("--chroma-url", help="use the Chroma server at http://HOST:PORT "
                       "instead of the embedded store [NEWSDESK_CHROMA_URL]")
    group.add_argument("--store-url", help="keep articles and keywords in the PostgreSQL "
                       "database postgresql://USER@HOST:PORT/DB, shared by every machine, "
                       "instead of SQLite in the index folder [NEWSDESK_STORE_URL]")
    group.add_argument("--embed-model", help="embedding model [NEWSDESK_EMBED_MODEL]")
    group.add_argument("--embed-url", help="OpenAI-compatible embeddings endpoint serving the "
                       "embedding model, e.g. http://127.0.0.1:8080/v1 [NEWSDESK_EMBED_URL]")

    llm = argparse.ArgumentParser(add_help=False)
    group = llm.add_argument_group("LLM options: generated answers, every citation checked "
                                   "(default: extractive answers, no LLM)")
    group.add_argument("--llm-url", help="OpenAI-compatible endpoint, e.g. "
                       "http://127.0.0.1:8080/v1 [NEWSDESK_LLM_URL]")
    group.add_argument("--llm-model", help="model name sent to --llm-url [NEWSDESK_LLM_MODEL]")
    group.add_argument("--llm-api-key-env", metavar="VAR", help="name of the env var holding "
                       "the API key [NEWSDESK_LLM_API_KEY_ENV]")
    group.add_argument("--llm-gguf", type=Path, metavar="FILE", help="GGUF model run "
                       "in-process by llama.cpp (pip install 'newsdesk[llamacpp]') "
                       "[NEWSDESK_LLM_GGUF]")
    group.add_argument("--llm-timeout", type=float, metavar="SECONDS", help="give the "
                       "extractive answer after this long [NEWSDESK_LLM_TIMEOUT, default 120]")
    group.add_argument("--strict", dest="llm_strict", action="store_true", default=None,
                       help="drop generated sentences the cited articles do not back "
                       "[NEWSDESK_LLM_STRICT]")

    parser = Parser(
        prog="newsdesk",
        description="Ask questions of a folder of news articles; every answer quotes the "
        "articles it comes from.",
        epilog="Start with `newsdesk ingest` (indexes corpus/), then `newsdesk ask "
        '"How many were injured in Kharkiv?"`. Settings: see README (env vars NEWSDESK_*).',
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", parents=[common], help="index a folder of articles",
                                 description="Index the articles under PATH (.txt .md .html "
                                 ".json .jsonl .pdf, recursively). Re-running embeds only what "
                                 "changed and drops articles whose files are gone.")
    ingest.add_argument("path", nargs="?", type=Path, help="folder or file (default: corpus/)")
    ingest.add_argument("--rebuild", action="store_true",
                        help="delete the index and build it again from scratch")
    ingest.add_argument("--quiet", action="store_true", help="no progress bars")
    ingest.add_argument("--no-sentence-vectors", dest="sentence_vectors", action="store_false",
                        default=None, help="embed chunks only, not every sentence as well: "
                        "ingest takes about 40%% less time, and each answer embeds the few "
                        "sentences it scores (some 50 ms more) [NEWSDESK_SENTENCE_VECTORS=0]")

    ask = commands.add_parser("ask", parents=[common, llm], help="answer a question",
                              description="Answer QUESTION from the indexed articles. With '-', "
                              "answer one question a line from standard input.")
    ask.add_argument("question", help="the question, or - to read questions from stdin")
    ask.add_argument("--json", action="store_true",
                     help="print each Answer as one JSON object a line")
    _add_filter_options(ask)

    chat = commands.add_parser("chat", parents=[common, llm],
                               help="multi-turn chat in the terminal",
                               description="Ask questions in turn; follow-ups such as 'how many "
                               "were killed there?' are read with the earlier questions.")
    _add_filter_options(chat)

    serve = commands.add_parser("serve", parents=[common, llm], help="start the web chat",
                                description="Start the web chat (Gradio).")
    serve.add_argument("--host", help="address to bind [NEWSDESK_HOST, default 127.0.0.1]")
    serve.add_argument("--port", type=int, help="port [NEWSDESK_PORT, default 7860]")

    stats = commands.add_parser("stats", parents=[common], help="what the index holds")
    stats.add_argument("--json", action="store_true", help="print as JSON")

    evaluation = commands.add_parser(
        "eval", parents=[common, llm], help="score answers on a gold set",
        description="Answer every question of GOLD (JSON Lines, or a MultiHop-RAG .json) and "
        "print accuracy, citation, refusal, retrieval and latency scores. Minimums come from the "
        "flags, else from baseline.json beside GOLD; below one, exit 1.")
    evaluation.add_argument("gold", type=Path, metavar="GOLD", help="gold questions file")
    evaluation.add_argument("--corpus", type=Path, help="ingest this folder first")
    evaluation.add_argument("--out", type=Path, help="write the full report (JSON) here")
    evaluation.add_argument("--compare", type=Path, help="an earlier report to compare with")
    evaluation.add_argument("--min-accuracy", type=share, help="fail below this answer accuracy")
    evaluation.add_argument("--min-citation-validity", type=share,
                            help="fail below this share of verbatim citations")
    return parser


def _add_filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", action="append", default=[],
                        help="only articles from this outlet (repeatable)")
    parser.add_argument("--from", dest="date_from", type=date.fromisoformat,
                        help="only articles published on or after YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", type=date.fromisoformat,
                        help="only articles published on or before YYYY-MM-DD")
    parser.add_argument("--top-k", type=int, help="chunks retrieved per question [NEWSDESK_TOP_K]")


FLAG_SETTINGS = ("index_dir", "chroma_url", "store_url", "embed_model", "embed_url",
                 "sentence_vectors", "host", "port", "top_k",
                 "llm_url", "llm_model", "llm_api_key_env", "llm_gguf", "llm_timeout",
                 "llm_strict")
SECRET_SETTINGS = {"auth"}


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from env vars and defaults, overridden by the flags given."""
    overrides = {
        key: value for key in FLAG_SETTINGS if (value := getattr(args, key, None)) is not None
    }
    return Settings(**overrides)


def setting_errors(error: ValidationError) -> list[str]:
    """One line per rejected setting, naming its flag (when it has one) and env var."""
    lines = []
    for problem in error.errors():
        name = ".".join(str(part) for part in problem["loc"])
        names = [f"--{name.replace('_', '-')}"] if name in FLAG_SETTINGS else []
        names.append(f"NEWSDESK_{name.upper()}")
        message = problem["msg"][:1].lower() + problem["msg"][1:]
        shown = "" if name in SECRET_SETTINGS else f" is {problem['input']}"
        lines.append(f"newsdesk: error: {' / '.join(names)}{shown}: {message}")
    return lines


def main(argv: list[str] | None = None, embedder: Embedder | None = None) -> int:
    """Run the command in `argv` (default: the command line); `embedder` replaces the one
    the settings name."""
    use_offline_environment()
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from(args)
    except ValidationError as error:
        print("\n".join(setting_errors(error)), file=sys.stderr)
        return EXIT_USAGE
    try:
        assistant = Assistant(settings, embedder=embedder)
        return COMMANDS[args.command](assistant, args)
    except NewsdeskError as error:
        print(f"newsdesk: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into a reader that stopped early, e.g. `head`
        sys.stderr.close()
        return 0


def run_ingest(assistant: Assistant, args: argparse.Namespace) -> int:
    path = args.path or assistant.settings.corpus_dir
    if args.rebuild:
        assistant.reset()
    report = assistant.ingest(path, progress=not args.quiet)
    print(report.summary())
    if report.skipped and not (report.added or report.updated or report.unchanged):
        print(f"newsdesk: error: no article in {path} could be read", file=sys.stderr)
        return EXIT_FAILED
    return 0


def run_ask(assistant: Assistant, args: argparse.Namespace) -> int:
    _require_articles(assistant)
    questions = (
        [line.strip() for line in sys.stdin if line.strip()] if args.question == "-"
        else [args.question]
    )
    for question in questions:
        if args.json:
            print(assistant.ask(question, **_filters(args)).model_dump_json(), flush=True)
        else:
            print_streamed(assistant.ask_stream(question, **_filters(args)))
    return 0


def run_chat(assistant: Assistant, args: argparse.Namespace) -> int:
    _require_articles(assistant)
    conversation = assistant.chat(**_filters(args))
    print("Ask about the articles; an empty line or Ctrl-D ends the chat.")
    while True:
        try:
            question = input("you> ").strip()
        except EOFError:
            print()
            return 0
        if not question or question.lower() in {"exit", "quit"}:
            return 0
        print_streamed(conversation.ask_stream(question))


def run_serve(assistant: Assistant, args: argparse.Namespace) -> int:
    from ui.app import launch

    launch(assistant)
    return 0


def run_stats(assistant: Assistant, args: argparse.Namespace) -> int:
    stats = assistant.stats()
    if args.json:
        print(json.dumps(stats))
    else:
        for key, value in stats.items():
            shown = (", ".join(value) or "(none)") if isinstance(value, list) else value
            print(f"{key:>10}: {shown}")
    return 0


def run_eval(assistant: Assistant, args: argparse.Namespace) -> int:
    try:
        questions = evaluate.load_questions(args.gold)
    except (OSError, NewsdeskError) as error:
        print(f"newsdesk: error: cannot read {args.gold}: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.corpus:
        print(assistant.ingest(args.corpus).summary())
    _require_articles(assistant)
    report = evaluate.evaluate(assistant, questions)
    print(evaluate.render(report["summary"]))
    if args.out:
        args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    if args.compare:
        old = json.loads(args.compare.read_text(encoding="utf-8"))
        print("\n" + evaluate.render_comparison(evaluate.compare(old, report)))
    minimums = evaluate.thresholds(args.gold, min_accuracy=args.min_accuracy,
                                   min_citation_validity=args.min_citation_validity)
    failures = evaluate.shortfalls(report["summary"], minimums)
    for failure in failures:
        print(f"newsdesk: eval failed: {failure}", file=sys.stderr)
    return EXIT_FAILED if failures else 0


def render(answer: Answer) -> str:
    """An Answer for people: the answer text, then its numbered sources with their quotes."""
    lines = [answer.answer]
    if answer.citations:
        lines.append("\nSources:")
        for citation in answer.citations:
            lines.append(f"[{citation.n}] {reference(citation)}")
    if answer.unsupported:
        lines.append("\nNot found in the cited articles:")
        lines += [f"- {sentence}" for sentence in answer.unsupported]
    if answer.note:
        lines.append(f"\nNote: {answer.note}")
    return "\n".join(lines) + "\n"


def print_streamed(stream: AnswerStream) -> None:
    """Print an LLM's draft as it arrives, then the checked Answer."""
    drafted = False
    for piece in stream:
        print(piece, end="", flush=True)
        drafted = True
    if drafted:
        print("\n\nChecked against the articles:")
    print(render(stream.answer), flush=True)


def _filters(args: argparse.Namespace) -> dict:
    return {"sources": args.source, "date_from": args.date_from, "date_to": args.date_to}


def _require_articles(assistant: Assistant) -> None:
    if not assistant.article_count():
        raise EmptyIndex(
            f"the index at {assistant.index.index_dir} holds no articles; "
            "run `newsdesk ingest [PATH]` first"
        )


COMMANDS = {
    "ingest": run_ingest,
    "ask": run_ask,
    "chat": run_chat,
    "serve": run_serve,
    "stats": run_stats,
    "eval": run_eval,
}

if __name__ == "__main__":
    sys.exit(main())
