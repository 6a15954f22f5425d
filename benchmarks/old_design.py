"""The design before the article store, at scale: time and peak memory to add 1 and 100
articles to an archive of N chunks, for the ratio to benchmarks/store_speed.py.

    git worktree add DIR d924cf2    # the old design: articles.json, BM25 rebuilt per ingest
    .venv/bin/python benchmarks/old_design.py --old DIR [--chunks 100000] [--new 0.53 71.1]

The archive is made of the same synthetic articles as store_speed.py's (random runs of real
sentences, each chunk's vector the normalised mean of its sentences' vectors, from the same
`sentences.npz`), written as files into a corpus folder, then read and chunked by the old
design's own scan and chunker and stored through its own ArticleIndex: Chroma in large
batches, articles.json and the manifest saved once, the BM25 index built once. A re-run of its
`ingest` must then find nothing to do. The added articles go through its real `ingest` of the
whole corpus folder (it mirrors one folder), with real embeddings, each measurement in a fresh
process. Only those processes import the old code (`--old` on PYTHONPATH); this one imports
the current design, to make the articles.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

MAX_BYTES = 20_000_000


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- in the old design's processes ---------------------------------------------------------
def open_old(archive: Path, old: Path):
    """The old design's ArticleIndex over `archive`, with the packaged model warmed up."""
    from assistant import Assistant, Settings
    from index import store
    from index.embedding import load_embedder

    assert Path(store.__file__).resolve().is_relative_to(old.resolve()), store.__file__
    settings = Settings(index_dir=archive / "index", corpus_dir=archive / "corpus")
    embedder = load_embedder(settings.embed_model, settings.embed_batch_size,
                             cache_dir=settings.model_cache_dir)
    embedder.embed(["warm up the model"])
    return Assistant(settings, embedder=embedder), settings.corpus_dir


def build(archive: Path, old: Path, sentence_file: Path) -> dict:
    """Store every article of the corpus folder as the old ingest would, without the model."""
    from index.chunking import chunk_article
    from index.ingest import IngestReport, _scan

    helper, corpus = open_old(archive, old)
    index = helper.index
    data = np.load(sentence_file, allow_pickle=False)
    sentences, vectors = list(data["sentences"]), data["vectors"]
    picked = json.loads((archive / "picked.json").read_text())
    started = time.perf_counter()
    with index.writing():
        scan = _scan(corpus, MAX_BYTES, IngestReport(), progress=False)
        manifest = index.manifest
        manifest.dimensions, manifest.corpus = vectors.shape[1], str(corpus.resolve())
        articles, pairs, chunk_vectors = {}, [], []
        for doc_id, (article, rel_path) in scan.articles.items():
            chunks = chunk_article(doc_id, article.text, article.content_hash,
                                   index.chunking["max_chars"], index.chunking["overlap"])
            for chunk in chunks:
                mean = np.mean([vectors[i] for i in picked[doc_id] if sentences[i] in chunk.text],
                               axis=0)
                chunk_vectors.append((mean / np.linalg.norm(mean)).tolist())
                pairs.append((article, chunk))
            manifest.articles[doc_id] = {
                "hash": article.content_hash, "path": rel_path,
                "aliases": scan.aliases.get(doc_id, []),
                "chunks": [[c.chunk_id, c.start, c.end] for c in chunks],
            }
            articles[doc_id] = article
            if len(pairs) >= 5000:
                index.add_chunks(pairs, chunk_vectors)
                pairs, chunk_vectors = [], []
        index.add_chunks(pairs, chunk_vectors)
        index.save(articles)
        index.rebuild_keyword_index()
    return {"chunks": index.manifest.chunk_count, "stored": index.stored_chunk_count(),
            "articles": len(articles), "build_s": time.perf_counter() - started}


def rerun(archive: Path, old: Path) -> dict:
    """Ingest the corpus folder again: nothing may be embedded, added or rewritten."""
    from index.ingest import ingest

    helper, corpus = open_old(archive, old)
    index = helper.index
    before = _fingerprint(archive / "index")
    started = time.perf_counter()
    report = ingest(index, corpus, MAX_BYTES, progress=False)
    result = {"seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}
    assert not report.changed and not report.chunks_embedded, report.summary()
    assert _fingerprint(archive / "index") == before, "the re-run rewrote the archive"
    stored, stats = index.stored_chunk_count(), index.term_stats()
    assert stored == report.chunks_total == stats.n_docs, (stored, report.chunks_total, stats)
    return result


def _fingerprint(index_dir: Path) -> dict[str, str]:
    """A digest of the manifest, the articles and the keyword index."""
    files = [index_dir / "manifest.json", index_dir / "articles.json",
             *sorted((index_dir / "keyword").iterdir())]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def measure_add(archive: Path, old: Path, n_articles: int) -> dict:
    """Copy the staged new articles into the corpus folder and ingest it, twice (in a process
    that has just opened the archive, then again), timing the embedding of their chunks apart
    with the same model, as store_speed.py does. They are taken out again afterwards."""
    from index.ingest import ingest

    helper, corpus = open_old(archive, old)
    started = time.perf_counter()
    index = helper.index  # reads the manifest
    index.stored_chunk_count()  # imports chromadb and opens the collection
    result = {"open_s": time.perf_counter() - started}
    for run in ("cold", "warm"):
        folder = corpus / f"new-{n_articles}-{run}"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(archive / "staged" / folder.name, folder)
        started = time.perf_counter()
        report = ingest(index, corpus, MAX_BYTES, progress=False)
        seconds = time.perf_counter() - started
        assert len(report.added) == n_articles and not report.removed, report.summary()
        pairs = [(index.article(d), c) for d in report.added for c in index.chunks(d)]
        started = time.perf_counter()
        index.embedder.embed([index.embedding_text(a, c) for a, c in pairs])
        result[run] = {"seconds": seconds, "embed_s": time.perf_counter() - started,
                       "chunks": len(pairs)}
        shutil.rmtree(folder)
        assert len(ingest(index, corpus, MAX_BYTES, progress=False).removed) == n_articles
    result["peak_rss_mb"] = peak_rss_mb()
    return result


# --- in this process, with the current design ----------------------------------------------
def write_corpus(archive: Path, target_chunks: int, work: Path, seed: int = 7) -> None:
    """store_speed.py's synthetic articles as files, and which sentences each holds; the
    articles to add, staged outside the corpus folder."""
    import random

    from assistant import Settings
    from index.chunking import chunk_article
    from index.embedding import load_embedder

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from store_speed import sentence_vectors, synthetic_article

    settings = Settings()
    embedder = load_embedder(settings.embed_model, settings.model_cache_dir)
    sentences, _ = sentence_vectors(embedder, work / "sentences.npz")
    rng = random.Random(seed)
    picked, total = {}, 0
    while total < target_chunks:
        article, holds = synthetic_article(rng, sentences, len(picked))
        path = archive / "corpus" / article.doc_id
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Title: {article.title}\nSource: {article.source}\n\n{article.text}")
        picked[article.doc_id] = holds
        total += len(chunk_article(article.doc_id, article.text, article.content_hash))
    (archive / "picked.json").write_text(json.dumps(picked))
    for n_articles in (1, 100):
        rng = random.Random(n_articles)
        for run in ("cold", "warm"):
            folder = archive / "staged" / f"new-{n_articles}-{run}"
            folder.mkdir(parents=True)
            for number in range(n_articles):
                article, _ = synthetic_article(rng, sentences,
                                               9_000_000 + n_articles * 1000 + number)
                (folder / f"{run}_{number:03d}.txt").write_text(
                    f"Title: {article.title}\n\n{article.text}")


def in_old(old: Path, *args: str) -> dict:
    """Run one step in a fresh process that imports the old design from `old`."""
    from assistant import Settings

    env = {**os.environ, "PYTHONPATH": str(old),
           "NEWSDESK_MODEL_CACHE_DIR": str(Settings().model_cache_dir)}
    out = subprocess.run([sys.executable, __file__, "--old", str(old), *args], check=True,
                         stdout=subprocess.PIPE, text=True, env=env, cwd=old)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="a checkout of commit d924cf2")
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--archive", type=Path, default=Path("/work/cache/old-design"),
                        help="where the old archive is built (kept, and reused when present)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsdesk-store-bench"),
                        help="store_speed.py's folder, whose sentences.npz is reused")
    parser.add_argument("--new", type=float, nargs=2, metavar=("ADD1_S", "ADD100_S"),
                        help="the new design's seconds to add 1 and 100 articles, for the ratio")
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    old, archive = args.old.resolve(), args.archive.resolve()
    if args.step:
        step, *value = args.step
        if step == "build":
            result = build(archive, old, Path(value[0]))
        elif step == "rerun":
            result = rerun(archive, old)
        else:
            result = measure_add(archive, old, int(value[0]))
        print(json.dumps(result))
        return
    done = archive / "built.json"
    if not done.exists():
        shutil.rmtree(archive, ignore_errors=True)
        archive.mkdir(parents=True)
        write_corpus(archive, args.chunks, args.work)
        built = in_old(old, "--archive", str(archive), "--step", "build",
                       str(args.work / "sentences.npz"))
        done.write_text(json.dumps(built))
    built = json.loads(done.read_text())
    again = in_old(old, "--archive", str(archive), "--step", "rerun")
    one = in_old(old, "--archive", str(archive), "--step", "add", "1")
    hundred = in_old(old, "--archive", str(archive), "--step", "add", "100")
    print(f"Old design (d924cf2), {built['articles']} articles: seconds of the whole ingest of "
          "the corpus folder, first in a process that has just opened the archive, then "
          "again; in brackets, the embedding of the added chunks alone.")
    print("| chunks | build s | re-run, nothing new: s (RSS MB) | open s | add 1: first / again "
          "| add 100: first / again | add peak RSS MB (1 / 100) |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {built['chunks']} | {built['build_s']:.0f} | {again['seconds']:.2f} "
          f"({again['peak_rss_mb']:.0f}) | {one['open_s']:.2f} | "
          f"{_run(one['cold'])} / {_run(one['warm'])} | "
          f"{_run(hundred['cold'])} / {_run(hundred['warm'])} | "
          f"{one['peak_rss_mb']:.0f} / {hundred['peak_rss_mb']:.0f} |")
    if args.new:
        for label, new, result in (("1", args.new[0], one), ("100", args.new[1], hundred)):
            print(f"add {label}: old / new = {result['warm']['seconds']:.2f} / {new:.2f} s = "
                  f"{result['warm']['seconds'] / new:.1f}x")


def _run(run: dict) -> str:
    return f"{run['seconds']:.2f} ({run['embed_s']:.2f})"


if __name__ == "__main__":
    main()
