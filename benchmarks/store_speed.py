"""The incremental store at scale: time and peak memory to add 1 and 100 articles to an
archive of N chunks, answer latency p50/p95, and serving memory.

    .venv/bin/python benchmarks/store_speed.py [--scales 100000 1000000] [--work DIR]

Archives are made as benchmarks/query_speed.py makes its scale indexes: every sentence of the
MultiHop-RAG articles and the bundled corpus is embedded once with the packaged model;
synthetic articles are random runs of those sentences, chunked as ingest chunks them, and a
chunk's vector is the normalised mean of its sentences' vectors, and each sentence's vector is
stored as ingest stores it. They are written through the same store and Chroma adapter that
ingest uses. The added articles then go through the real `ingest` (real embeddings), each
measurement in a fresh process so that its peak memory is its own. Questions are the
MultiHop-RAG dev queries.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import assistant  # noqa: F401  (offline environment)
from assistant import Assistant, Settings
from index.article_store import ArticleWrite
from index.chunking import chunk_article
from index.documents import Article
from index.ingest import ingest
from index.sentence_vectors import pack, sentence_key, sentence_texts
from index.terms import keyword_terms

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks" / "multihop"
sys.path.insert(0, str(ROOT / "benchmarks"))
from query_speed import real_sentences  # noqa: E402

ORIGIN = "synthetic"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sentence_vectors(embedder, cache: Path) -> tuple[list[str], np.ndarray]:
    """The real sentences and their vectors, embedded once and kept in `cache`."""
    sentences = real_sentences()
    if cache.exists():
        data = np.load(cache, allow_pickle=False)
        if list(data["sentences"]) == sentences:
            return sentences, data["vectors"]
    vectors = np.asarray(embedder.embed(sentences), dtype=np.float32)
    np.savez(cache, sentences=np.asarray(sentences), vectors=vectors)
    return sentences, vectors


def synthetic_article(rng: random.Random, sentences: list[str],
                      number: int) -> tuple[Article, list[int]]:
    """A random run of real sentences, and which sentences it holds."""
    picked = rng.sample(range(len(sentences)), rng.randint(6, 24))
    article = Article(f"synthetic/{number:07d}.txt", f"Report {number}",
                      rng.choice(["Wire", "Daily", "Post"]), None, "",
                      " ".join(sentences[i] for i in picked))
    return article, picked


def build(index_dir: Path, target_chunks: int, work: Path, seed: int = 7) -> dict:
    """An archive of about `target_chunks` chunks, committed in batches as ingest does. A build
    that was stopped goes on from its last commit (`build_s` is then this run's time)."""
    helper = Assistant(Settings(index_dir=index_dir))
    index = helper.index
    sentences, vectors = sentence_vectors(index.embedder, work / "sentences.npz")
    packed = {sentence_key(text): pack(vector) for text, vector in zip(sentences, vectors)}
    number, total = index.article_count(), index.chunk_count()
    rng = random.Random(seed + number)
    index.info = type(index.info)(index.info.model, vectors.shape[1], index.info.chunking, ORIGIN)
    started = time.perf_counter()
    with index.writing():
        while total < target_chunks:
            batch, pairs, chunk_vectors = [], [], []
            while sum(len(w.chunks) for w in batch) < 2000:
                article, picked = synthetic_article(rng, sentences, number)
                number += 1
                chunks = chunk_article(article.doc_id, article.text, article.content_hash)
                for chunk in chunks:
                    inside = [vectors[i] for i in picked if sentences[i] in chunk.text]
                    mean = np.mean(inside, axis=0)
                    chunk_vectors.append((mean / np.linalg.norm(mean)).tolist())
                    pairs.append((article, chunk))
                texts = [index.embedding_text(article, c) for c in chunks]
                keys = [sentence_key(text) for text in sentence_texts(article)]
                batch.append(ArticleWrite(article, ORIGIN, article.doc_id, (), tuple(chunks),
                                          tuple(tuple(keyword_terms(t)) for t in texts),
                                          tuple((k, packed[k]) for k in keys if k in packed)))
            index.add_chunks(pairs, chunk_vectors)
            index.commit(batch)
            total += len(pairs)
    return {"chunks": index.chunk_count(), "articles": index.article_count(),
            "build_s": time.perf_counter() - started}


def measure_add(index_dir: Path, n_articles: int, seed: int) -> dict:
    """Add `n_articles` new articles through `ingest`, twice: in a process that has just
    opened the archive (its first write loads what Chroma loads), then again with new
    articles. The embedding of their chunks and sentences is timed apart, with the same
    model, so that what the store costs shows on its own. The articles are taken out again
    afterwards."""
    helper = Assistant(Settings(index_dir=index_dir))
    index = helper.index
    index.embedder.embed(["warm up the model"])
    started = time.perf_counter()
    index.vectors.count()  # imports chromadb and opens the collection, as any process does
    result = {"open_s": time.perf_counter() - started}
    sentences = real_sentences()
    rng = random.Random(seed)
    for run in ("cold", "warm"):
        folder = index_dir.parent / f"new-{seed}-{run}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        for number in range(n_articles):
            article, _ = synthetic_article(rng, sentences, 9_000_000 + seed * 1000 + number)
            (folder / f"{run}_{number:03d}.txt").write_text(
                f"Title: {article.title}\n\n{article.text}")
        started = time.perf_counter()
        report = ingest(index, folder, progress=False)
        seconds = time.perf_counter() - started
        assert len(report.added) == n_articles and not report.removed, report.summary()
        pairs = [(index.article(d), c) for d in report.added for c in index.chunks(d)]
        started = time.perf_counter()
        sentences = [text for d in report.added for text in sentence_texts(index.article(d))]
        index.embedder.embed([index.embedding_text(a, c) for a, c in pairs] + sentences)
        result[run] = {"seconds": seconds, "embed_s": time.perf_counter() - started,
                       "chunks": len(pairs)}
        for path in folder.iterdir():  # take them out again: the archive keeps its size
            path.unlink()
        assert len(ingest(index, folder, progress=False).removed) == n_articles
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def measure_answers(index_dir: Path, n_queries: int) -> dict:
    questions = [q["query"] for q in json.loads((SHARED / "questions_dev.json").read_text())]
    helper = Assistant(Settings(index_dir=index_dir))
    helper.ask("warm up")
    times = []
    for question in questions[:n_queries]:
        started = time.perf_counter()
        helper.ask(question)
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95)),
            "serving_rss_mb": peak_rss_mb(), "queries": len(times)}


def in_process(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsdesk-store-bench"),
                        help="where archives are built (kept, and reused when present)")
    parser.add_argument("--step", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        step, index_dir, value = args.step
        if step == "build":
            print(json.dumps(build(Path(index_dir), int(value), args.work)))
        elif step == "add":
            print(json.dumps(measure_add(Path(index_dir), int(value), seed=int(value))))
        else:
            print(json.dumps(measure_answers(Path(index_dir), int(value))))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    print("Adding: seconds of the whole ingest, first in a process that has just opened the "
          "archive, then again; in brackets, the embedding of the added chunks alone.")
    print("| chunks | build s | open s | add 1: first / again | add 100: first / again | "
          "add peak RSS MB (1 / 100) | answer p50 / p95 ms | serving RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    for scale in args.scales:
        index_dir = args.work / f"archive-{scale}" / "index"
        done = index_dir.parent / "built.json"
        if not done.exists():
            index_dir.parent.mkdir(parents=True, exist_ok=True)
            done.write_text(json.dumps(in_process("--work", str(args.work), "--step", "build",
                                                  str(index_dir), str(scale))))
        built = json.loads(done.read_text())
        one = in_process("--step", "add", str(index_dir), "1")
        hundred = in_process("--step", "add", str(index_dir), "100")
        answers = in_process("--step", "answers", str(index_dir), str(args.queries))
        print(f"| {built['chunks']} | {built['build_s']:.0f} | {one['open_s']:.2f} | "
              f"{_run(one['cold'])} / {_run(one['warm'])} | "
              f"{_run(hundred['cold'])} / {_run(hundred['warm'])} | "
              f"{one['peak_rss_mb']:.0f} / {hundred['peak_rss_mb']:.0f} | "
              f"{answers['p50_ms']:.1f} / {answers['p95_ms']:.1f} | "
              f"{answers['serving_rss_mb']:.0f} |", flush=True)


def _run(run: dict) -> str:
    return f"{run['seconds']:.2f} ({run['embed_s']:.2f})"


if __name__ == "__main__":
    main()
