"""Ingest throughput: the whole `newsdesk ingest` (with its sentence vectors, and chunks only)
beside the raw embedding model on the same chunks (sentence-transformers `encode`, and the
ONNX Runtime backend that ingest uses) and beside a vanilla llama-index pipeline with the same
model.

    .venv/bin/python benchmarks/ingest_speed.py [--copies N]

The corpus is the MultiHop-RAG articles (ODC-BY 1.0, ../shared/benchmarks/multihop) plus
the bundled corpus, repeated --copies times under new ids so that there is enough to time.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.settings import use_offline_environment
from index.chunking import chunk_article
from index.embedding import DEFAULT_MODEL, load_embedder
from index.ingest import ingest
from index.loaders import find_files, load_file
from index.store import ArticleIndex

ROOT = Path(__file__).resolve().parents[1]
MULTIHOP = ROOT.parent / "shared" / "benchmarks" / "multihop" / "articles.jsonl"


def build_corpus(folder: Path, copies: int) -> None:
    """Copies of the benchmark articles and the bundled corpus, each copy with its own ids
    and text (identical texts would be stored once, and so embedded once)."""
    records = [json.loads(line) for line in MULTIHOP.read_text(encoding="utf-8").splitlines()]
    for copy in range(copies):
        with open(folder / f"multihop_{copy}.jsonl", "w", encoding="utf-8") as out:
            for record in records:
                out.write(json.dumps(record | {"url": f"{record['url']}#copy{copy}",
                                               "body": f"{record['body']}\nCopy {copy}."}) + "\n")
        for path in sorted((ROOT / "corpus").glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            (folder / f"{copy}_{path.name}").write_text(f"{text}\nCopy {copy}.", encoding="utf-8")


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    use_offline_environment()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        build_corpus(corpus, args.copies)
        embedder = load_embedder(DEFAULT_MODEL, Path(tmp) / "models")
        torch_embedder = load_embedder(DEFAULT_MODEL, Path(tmp) / "models", backend="torch")
        for model in (embedder, torch_embedder):
            model.embed(["warm up the model"])

        index = ArticleIndex(Path(tmp) / "index", embedder)
        articles = [a for path in find_files(corpus) for a in load_file(path, corpus, 10**8).articles]
        chunks = [(a, c) for a in articles for c in chunk_article(a.doc_id, a.text, a.content_hash)]
        texts = [index.embedding_text(a, c) for a, c in chunks]

        vectors: dict[str, list] = {}
        raw = timed(lambda: vectors.update(torch=torch_embedder.embed(texts)))
        raw_onnx = timed(lambda: vectors.update(onnx=embedder.embed(texts)))
        reports = []
        whole = timed(lambda: reports.append(ingest(index, corpus, progress=False)))
        chunks_only = ArticleIndex(Path(tmp) / "chunks-only", embedder)
        bare = timed(lambda: reports.append(
            ingest(chunks_only, corpus, progress=False, sentence_vectors=False)))
        assert all(r.chunks_embedded == len(texts) for r in reports), \
            "ingest must embed the same chunks"
        vanilla = timed(lambda: vanilla_pipeline(corpus, torch_embedder))

    n_chunks, n_articles = len(texts), len(articles)
    print(f"corpus: {n_articles} articles, {n_chunks} chunks ({args.copies} copies); "
          f"with sentence vectors, {reports[0].sentences_embedded} sentences embedded as well")
    print("| pipeline | seconds | chunks/s | articles/s | vs raw model |")
    print("|---|---|---|---|---|")
    for name, seconds in (("raw model: sentence-transformers encode", raw),
                          ("raw model: ONNX Runtime", raw_onnx),
                          ("newsdesk ingest (ONNX), with sentence vectors", whole),
                          ("newsdesk ingest (ONNX), chunks only", bare),
                          ("vanilla llama-index (sentence-transformers)", vanilla)):
        print(f"| {name} | {seconds:.1f} | {n_chunks / seconds:.1f} | "
              f"{n_articles / seconds:.1f} | {raw / seconds:.2f}x |")
    print(f"newsdesk ingest vs vanilla: {vanilla / whole:.2f}x faster with sentence vectors, "
          f"{vanilla / bare:.2f}x chunks only; sentence vectors cost {whole / bare:.2f}x")
    same = np.sum(np.asarray(vectors["torch"]) * np.asarray(vectors["onnx"]), axis=1)
    print(f"ONNX vs sentence-transformers vectors: cosine min {same.min():.6f}, "
          f"mean {same.mean():.6f} (retrieval is unchanged when this is ~1)")


def vanilla_pipeline(corpus: Path, embedder) -> None:
    """`VectorStoreIndex.from_documents` with its default splitter and the same model."""
    from llama_index.core import Document, VectorStoreIndex

    documents = [
        Document(text=a.text, metadata={"title": a.title})
        for path in find_files(corpus) for a in load_file(path, corpus, 10**8).articles
    ]
    VectorStoreIndex.from_documents(documents, embed_model=embedder)


if __name__ == "__main__":
    main()
