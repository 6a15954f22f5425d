"""MultiHop-RAG dev questions over its evidence articles: Newsdesk against a vanilla llama-index
pipeline with the same embedding model, scored as the benchmark's README describes.

    .venv/bin/python benchmarks/multihop.py [--data DIR] [--index-dir DIR] [--out report.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from llama_index.core import Document, VectorStoreIndex
from tqdm import tqdm

from assistant.api import Assistant
from assistant.evaluate import Question, evaluate, load_multihop, score, summarise
from assistant.settings import PROJECT_ROOT, Settings
from assistant.types import Answer
from index.embedding import DEFAULT_MODEL, load_embedder

DATA = PROJECT_ROOT.parent / "shared" / "benchmarks" / "multihop"
TYPES = ["inference_query", "comparison_query", "temporal_query", "null_query"]
VANILLA_TOP_K = 10


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the benchmark folder")
    parser.add_argument("--index-dir", type=Path, help="Newsdesk index folder (default: a tmp)")
    parser.add_argument("--out", type=Path, help="write per-question records of both here")
    args = parser.parse_args(argv)

    questions = load_multihop(args.data / "questions_dev.json")
    articles = args.data / "articles.jsonl"
    embedder = load_embedder(DEFAULT_MODEL, Settings().model_cache_dir)
    embedder.get_text_embedding("warm-up")  # model load is not part of either pipeline's time
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = args.index_dir or Path(tmp) / "index"
        runs = {
            "Newsdesk": run_newsdesk(articles, questions, embedder, index_dir),
            "llama-index vanilla": run_vanilla(articles, questions, embedder),
        }
    print(render(runs))
    if args.out:
        args.out.write_text(json.dumps(runs, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


def run_newsdesk(articles: Path, questions: list[Question], embedder, index_dir: Path) -> dict:
    """Ingest the articles into a Newsdesk index and answer every question through it."""
    started = time.perf_counter()
    newsdesk = Assistant(Settings(index_dir=index_dir), embedder=embedder)
    newsdesk.ingest(articles, progress=True)
    built = time.perf_counter()
    records = evaluate(newsdesk, questions)["questions"]
    return _run(records, built - started, time.perf_counter() - built)


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
    return {"build_s": round(build_s, 1), "answer_s": round(answer_s, 1), "questions": records}


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


def _accuracy(records: list[dict], key: str, kind: str | None) -> float | None:
    picked = [r[key] for r in records if kind is None or r["type"] == kind]
    return sum(picked) / len(picked) if picked else None


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    sys.exit(main())
