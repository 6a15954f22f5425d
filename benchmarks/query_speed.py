"""Query latency and memory at 1k, 10k and 100k chunks, and start-up time.

    .venv/bin/python benchmarks/query_speed.py [--scales 1000 10000 100000] [--queries 60]

Each scale is built and measured in its own process (so peak memory is its own). The scale
indexes are made from real article text and real embeddings: every sentence of the
MultiHop-RAG articles and the bundled corpus is embedded once with the packaged model;
synthetic articles are random runs of those sentences, chunked as ingest chunks them, and a
chunk's vector is the normalised mean of its sentences' vectors. The store, BM25 and answer
path are the real ones. Questions are the MultiHop-RAG dev queries.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

from assistant import Assistant, Settings
from assistant.settings import use_offline_environment
from assistant.retrieval import retrieve
from index.chunking import split_sentences
from index.loaders import find_files, load_file

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks" / "multihop"


def real_sentences() -> list[str]:
    folders = [SHARED / "articles.jsonl", ROOT / "corpus"]
    articles = [a for f in folders for p in find_files(f) for a in load_file(p, f, 10**8).articles]
    return sorted({a.text[s:e] for a in articles for s, e in split_sentences(a.text)
                   if len(a.text[s:e].split()) >= 6})


def build_scale(index_dir: Path, target_chunks: int, seed: int = 7) -> Assistant:
    """An index of about `target_chunks` chunks made from real sentences and their vectors,
    written as benchmarks/store_speed.py writes its archives."""
    from store_speed import build

    build(index_dir, target_chunks, index_dir.parent, seed)
    return Assistant(Settings(index_dir=index_dir))


def percentiles(samples: list[float]) -> tuple[float, float]:
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 95))


def measure_scale(chunks: int, n_queries: int) -> dict:
    questions = [q["query"] for q in json.loads((SHARED / "questions_dev.json").read_text())]
    questions = questions[:n_queries]
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        built = build_scale(Path(tmp) / "index", chunks)
        build_s = time.perf_counter() - started
        index = built.index
        built.ask("warm up")
        embedder = index.embedder
        query_vectors = [embedder.get_query_embedding(q) for q in questions]
        chroma_ms, retrieve_ms, answer_ms = [], [], []
        for question, vector in zip(questions, query_vectors):
            t = time.perf_counter()  # first, as a user asks it: nothing of it read before
            built.ask(question)
            answer_ms.append((time.perf_counter() - t) * 1000)
            embedder.embed_query("")  # so that retrieval embeds the question again
            t = time.perf_counter()
            retrieve(index, question, built.settings.top_k)
            retrieve_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            index.vectors.collection.query(query_embeddings=[vector],
                                           n_results=built.settings.top_k)
            chroma_ms.append((time.perf_counter() - t) * 1000)
        disk = sum(p.stat().st_size for p in (Path(tmp) / "index").rglob("*") if p.is_file())
        return {
            "chunks": index.chunk_count(),
            "build_s": build_s,
            "chroma_ms": percentiles(chroma_ms),
            "retrieve_ms": percentiles(retrieve_ms),
            "answer_ms": percentiles(answer_ms),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "disk_mb_per_1k": disk / 1e6 / (index.chunk_count() / 1000),
        }


def cold_ask_seconds(runs: int = 3) -> float:
    """Median seconds of a cold `newsdesk ask` on the bundled corpus (indexed first)."""
    newsdesk = [sys.executable, "-m", "assistant.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        flags = ["--index-dir", str(Path(tmp) / "index")]
        subprocess.run([*newsdesk, "ingest", "--quiet", *flags], check=True, capture_output=True)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([*newsdesk, "ask", "How many were injured in Kharkiv?", *flags],
                           check=True, capture_output=True)
            times.append(time.perf_counter() - started)
        return float(np.median(times))


def serve_seconds(port: int = 7871) -> float:
    """Seconds from `newsdesk serve` to the page answering."""
    with tempfile.TemporaryDirectory() as tmp:
        flags = ["--index-dir", str(Path(tmp) / "index")]
        subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "--quiet", *flags],
                       check=True, capture_output=True)
        started = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port), *flags],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            while time.perf_counter() - started < 120:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                    return time.perf_counter() - started
                except OSError:
                    time.sleep(0.1)
            raise TimeoutError("the web chat did not answer in 120 s")
        finally:
            server.kill()


def main() -> None:
    use_offline_environment()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--one-scale", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_scale:
        print(json.dumps(measure_scale(args.one_scale, args.queries)))
        return
    rows = []
    for scale in args.scales:
        out = subprocess.run(
            [sys.executable, __file__, "--one-scale", str(scale), "--queries", str(args.queries)],
            check=True, capture_output=True, text=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print("| chunks | build s | Chroma query p50/p95 ms | retrieval p50/p95 ms | "
          "whole answer p50/p95 ms | answer / Chroma (p50) | peak RSS MB | disk MB per 1k chunks |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['chunks']} | {r['build_s']:.0f} | {r['chroma_ms'][0]:.1f} / {r['chroma_ms'][1]:.1f} | "
              f"{r['retrieve_ms'][0]:.1f} / {r['retrieve_ms'][1]:.1f} | "
              f"{r['answer_ms'][0]:.1f} / {r['answer_ms'][1]:.1f} | "
              f"{r['answer_ms'][0] / r['chroma_ms'][0]:.1f}x | {r['peak_rss_mb']:.0f} | "
              f"{r['disk_mb_per_1k']:.2f} |")
    print(f"cold `newsdesk ask` on the bundled corpus: {cold_ask_seconds():.2f} s (median of 3)")
    print(f"`newsdesk serve` to the page answering: {serve_seconds():.2f} s")


if __name__ == "__main__":
    main()
