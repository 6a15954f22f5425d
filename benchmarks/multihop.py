"""MultiHop-RAG dev questions over its evidence articles: Newsdesk against a vanilla llama-index
pipeline with the same embedding model, scored as the benchmark's README describes, with
strict accuracy per question type beside a constant answer.

    .venv/bin/python benchmarks/multihop.py [--data DIR] [--index-dir DIR] [--out report.json]
    .venv/bin/python benchmarks/multihop.py --llm [--per-type 15]   # Qwen2.5-Coder-1.5B

Strict: the gold answer's words appear in the answer; for a Yes/No gold, the first yes/no word
of the answer's first line must be the gold one (an answer without one is declined, and a
declined answer is not wrong). `--llm` answers through the 1.5B GGUF that
benchmarks/llm_answers.py assembles (llama.cpp, threads = CPU cores).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from itertools import zip_longest
from pathlib import Path

from llama_index.core import Document, VectorStoreIndex
from tqdm import tqdm

from assistant.api import Assistant
from assistant.evaluate import Question, evaluate, load_multihop, score, summarise
from assistant.settings import PROJECT_ROOT, Settings
from assistant.types import Answer
from llm_answers import CACHE, every_kth, fetch_model  # beside this script
from index.embedding import DEFAULT_MODEL, load_embedder

DATA = PROJECT_ROOT.parent / "shared" / "benchmarks" / "multihop"
TYPES = ["inference_query", "comparison_query", "temporal_query", "null_query"]
VANILLA_TOP_K = 10
# The constant answer per type: what a system that reads nothing would say.
CONSTANT = {"inference_query": "Sam Bankman-Fried", "comparison_query": "Yes",
            "temporal_query": "Yes", "null_query": None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the benchmark folder")
    parser.add_argument("--index-dir", type=Path, help="Newsdesk index folder (default: a tmp)")
    parser.add_argument("--out", type=Path, help="write per-question records of both here")
    parser.add_argument("--llm", action="store_true", help="answer with Qwen2.5-Coder-1.5B")
    parser.add_argument("--gguf", type=Path, help="with --llm: this GGUF instead")
    parser.add_argument("--per-type", type=int, default=0,
                        help="questions of each type, spread over the file (0: all)")
    parser.add_argument("--no-vanilla", action="store_true", help="skip the llama-index run")
    parser.add_argument("--log", type=Path,
                        help="append each Newsdesk answer here as it comes (JSON Lines)")
    args = parser.parse_args(argv)

    questions = load_multihop(args.data / "questions_dev.json")
    if args.per_type:  # taken in turn from each type, so a run cut short still has all
        picked = [every_kth([q for q in questions if q.type == t], args.per_type) for t in TYPES]
        questions = [q for row in zip_longest(*picked) for q in row if q is not None]
    gguf = (args.gguf or fetch_model(CACHE)) if args.llm else None
    articles = args.data / "articles.jsonl"
    embedder = load_embedder(DEFAULT_MODEL, Settings().model_cache_dir)
    embedder.get_text_embedding("warm-up")  # model load is not part of either pipeline's time
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = args.index_dir or Path(tmp) / "index"
        name = f"Newsdesk ({gguf.stem if gguf else 'extractive'})"
        runs = {name: run_newsdesk(articles, questions, embedder, index_dir, gguf, args.log)}
        if not args.no_vanilla:
            runs["llama-index vanilla"] = run_vanilla(articles, questions, embedder)
    print(render(runs))
    print()
    print(render_types(runs, questions))
    if args.out:
        args.out.write_text(json.dumps(runs, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


def run_newsdesk(
    articles: Path, questions: list[Question], embedder, index_dir: Path,
    gguf: Path | None = None, log: Path | None = None,
) -> dict:
    """Ingest the articles into a Newsdesk index and answer every question through it (with
    the GGUF model when given), logging each answer to `log` as it comes."""
    started = time.perf_counter()
    settings = Settings(index_dir=index_dir, llm_gguf=gguf, llm_timeout=3600.0)
    newsdesk = Assistant(settings, embedder=embedder)
    if log:
        newsdesk.ask = _logged(newsdesk.ask, log)
    newsdesk.ingest(articles, progress=True)
    built = time.perf_counter()
    records = evaluate(newsdesk, questions)["questions"]
    return _run(records, built - started, time.perf_counter() - built)


def _logged(ask, log: Path):
    """`ask` that appends every answer to `log`, so a run cut short keeps what it did."""
    def logging_ask(*args, **kwargs) -> Answer:
        answer = ask(*args, **kwargs)
        with log.open("a", encoding="utf-8") as out:
            out.write(answer.model_dump_json() + "\n")
        return answer
    return logging_ask


def run_vanilla(articles: Path, questions: list[Question], embedder) -> dict:
    """`VectorStoreIndex.from_documents` with its default splitter, top-10 dense retrieval; the
    answer is the top chunk's text. No LLM is used (Settings.llm is never touched)."""
    started = time.perf_counter()
    documents = [_document(json.loads(line)) for line in articles.read_text().splitlines() if line]
    index = VectorStoreIndex.from_documents(documents, embed_model=embedder, show_progress=True)
    retriever = index.as_retriever(similarity_top_k=VANILLA_TOP_K)
    built = time.perf_counter()
    records = []
    for question in tqdm(questions, desc="vanilla", unit="question"):
        asked = time.perf_counter()
        hits = retriever.retrieve(question.turns[-1])
        ranked = [(hit.node.ref_doc_id, hit.node.get_content()) for hit in hits]
        answer = Answer(
            question=question.turns[-1], answer=ranked[0][1] if ranked else "",
            answered=bool(ranked), citations=[], mode="top chunk", index={},
            timings_ms={"total": round((time.perf_counter() - asked) * 1000, 1)},
        )
        records.append(score(question, answer, ranked, {}.__getitem__))
    return _run(records, built - started, time.perf_counter() - built)


def _document(record: dict) -> Document:
    metadata = {key: record[key] for key in ("title", "source", "published_at")}
    return Document(id_=record["url"], text=record["body"], metadata=metadata)


def _run(records: list[dict], build_s: float, answer_s: float) -> dict:
    for record in records:
        record["lenient"] = lenient_correct(record)
        record["verdict"] = verdict(record["answer"]) if record["answered"] else None
        record["correct"] = strict_correct(record)
    return {"build_s": round(build_s, 1), "answer_s": round(answer_s, 1), "questions": records}


def verdict(answer: str) -> str | None:
    """The first yes/no word of the answer's first line, lower-cased, or None."""
    first_line = answer.strip().split("\n", 1)[0]
    found = re.search(r"\b(yes|no)\b", first_line, re.I)
    return found.group(1).lower() if found else None


def is_yes_no(gold: str) -> bool:
    return gold.strip(" .").lower() in ("yes", "no")


def strict_correct(record: dict) -> bool:
    """Strict: a null query is right when not answered; a Yes/No gold needs the same verdict;
    any other gold needs its words, in order, in the answer."""
    if record["refusal_expected"]:
        return not record["answered"]
    if is_yes_no(record["gold"]):
        return record["verdict"] == record["gold"].strip(" .").lower()
    return record["answered"] and bool(re.search(record["answers"][0], record["answer"], re.I))


def lenient_correct(record: dict) -> bool:
    """The paper's rule: answer and gold share any lower-cased whitespace-separated token. A
    null query is correct when not answered."""
    if record["refusal_expected"]:
        return not record["answered"]
    shared = set(record["answer"].lower().split()) & set(record["gold"].lower().split())
    return record["answered"] and bool(shared)


def render(runs: dict[str, dict]) -> str:
    """Two markdown tables: retrieval, refusal and runtime; then accuracy per question type."""
    lines = [
        "| pipeline | Hits@4 | Hits@10 | MRR@10 | evidence R@10 | null refused | cite valid "
        "| p50 ms | build s | answer s |",
        "|---|" + "---:|" * 9,
    ]
    for name, run in runs.items():
        summary = summarise(run["questions"])
        overall, null = summary["overall"], summary["by_type"].get("null_query", {})
        cells = [_fmt(overall["hit@4"]), _fmt(overall["hit@10"]), _fmt(overall["mrr@10"]),
                 _fmt(overall["evidence_recall@10"]), _fmt(null.get("refusal_recall")),
                 _fmt(overall["citation_validity"]), f"{overall['latency_p50_ms']:.0f}",
                 str(run["build_s"]), str(run["answer_s"])]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "| pipeline | rule | " + " | ".join(TYPES) + " | overall |",
              "|---|---|" + "---:|" * (len(TYPES) + 1)]
    for name, run in runs.items():
        for rule, key in (("strict", "correct"), ("lenient (paper)", "lenient")):
            scores = [_accuracy(run["questions"], key, t) for t in [*TYPES, None]]
            lines.append(f"| {name} | {rule} | " + " | ".join(_fmt(s) for s in scores) + " |")
    return "\n".join(lines)


def render_types(runs: dict[str, dict], questions: list[Question]) -> str:
    """Strict accuracy per type for each run and for the constant answer; for the Yes/No
    golds, how many were declined, how many answered wrongly, and the share of gold "no"
    answered "no"; for the entity questions, how many were answered and how many of those
    lead with another name than the gold; seconds per answer."""
    lines = ["| answerer | " + " | ".join(TYPES) + " | overall | declined yes/no | wrong yes/no "
             "| gold no answered no | entity answered | wrong name | s/answer p50 "
             "| s/answer mean |",
             "|---|" + "---:|" * (len(TYPES) + 8)]
    for name, run in runs.items():
        records = run["questions"]
        scores = [_accuracy(records, "correct", t) for t in [*TYPES, None]]
        yes_no = [r for r in records if is_yes_no(r["gold"])]
        declined = sum(r["verdict"] is None for r in yes_no)
        wrong = sum(r["verdict"] is not None and not r["correct"] for r in yes_no)
        gold_no = [r for r in yes_no if r["gold"].strip(" .").lower() == "no"]
        no_rate = (_fmt(sum(r["verdict"] == "no" for r in gold_no) / len(gold_no))
                   if gold_no else "–")
        entity = [r for r in records if r["type"] == "inference_query" and r["answered"]]
        wrong_name = sum(not re.search(r["answers"][0], r["answer"].split("\n", 1)[0], re.I)
                         for r in entity)
        seconds = [r["latency_ms"] / 1000 for r in records]
        lines.append(f"| {name} | " + " | ".join(_fmt(s) for s in scores)
                     + f" | {declined}/{len(yes_no)} | {wrong} | {no_rate} | {len(entity)} | "
                     f"{wrong_name} | {statistics.median(seconds):.2f} | "
                     f"{statistics.mean(seconds):.2f} |")
    constant = [_constant_correct(q) for q in questions]
    by_type = [_mean([c for c, q in zip(constant, questions) if q.type == t]) for t in TYPES]
    gold_no = [q for q in questions if q.gold.strip(" .").lower() == "no"]
    entity = [c for c, q in zip(constant, questions) if q.type == "inference_query"]
    lines.append("| constant answer | " + " | ".join(_fmt(s) for s in [*by_type, _mean(constant)])
                 + f" | 0/{sum(is_yes_no(q.gold) for q in questions)} | "
                 f"{sum(is_yes_no(q.gold) and not c for c, q in zip(constant, questions))} | "
                 f"{_fmt(0.0) if gold_no else '–'} | {len(entity)} | {entity.count(False)} | "
                 "0.00 | 0.00 |")
    return "\n".join(lines)


def _constant_correct(question: Question) -> bool:
    answer = CONSTANT.get(question.type)
    if question.refusal:
        return True
    if answer is None:
        return False
    if is_yes_no(question.gold):
        return question.gold.strip(" .").lower() == answer.lower()
    return re.search(question.answers[0], answer, re.I) is not None


def _mean(values: list[bool]) -> float | None:
    return sum(values) / len(values) if values else None


def _accuracy(records: list[dict], key: str, kind: str | None) -> float | None:
    picked = [r[key] for r in records if kind is None or r["type"] == kind]
    return sum(picked) / len(picked) if picked else None


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    sys.exit(main())
