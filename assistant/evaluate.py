"""Scripted evaluation: run a gold question set through the Assistant and score the answers,
their citations, refusals, retrieval and latency; compare two reports question by question."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from index.documents import Article
from index.errors import GoldError

from assistant.citations import is_verbatim
from assistant.types import Answer

if TYPE_CHECKING:
    from assistant.api import Assistant

HIT_KS = (4, 10)  # retrieval cut-offs reported as hit@k
RANK_K = 10  # MRR@k and evidence recall@k
THRESHOLDS = {"accuracy": "min_accuracy", "citation_validity": "min_citation_validity"}


@dataclass(frozen=True)
class Question:
    """One gold question. The answer text must match `answers` (regexes, any one or all when
    `need_all`); the answer should cite articles whose doc_id starts with one (or all) of
    `sources`. `facts` (MultiHop-RAG) are evidence sentences that retrieval should find."""

    id: str
    turns: tuple[str, ...]
    answers: tuple[str, ...] = ()
    need_all: bool = False
    sources: tuple[str, ...] = ()
    type: str = ""
    refusal: bool = False
    facts: tuple[str, ...] = ()
    gold: str = ""

    @property
    def evidence(self) -> tuple[str, ...]:
        """What retrieval should find: evidence sentences where known, else source prefixes."""
        return self.facts or self.sources


# --- loading -----------------------------------------------------------------------------------
def load_questions(path: Path) -> list[Question]:
    """A gold file: JSON Lines in our format, or a MultiHop-RAG `.json` query list."""
    path = Path(path)
    return load_multihop(path) if path.suffix == ".json" else load_gold(path)


def load_gold(path: Path) -> list[Question]:
    """JSON Lines, one question a line: id, question or turns, answers, need_all, sources,
    type (`refusal`: correct only when the assistant does not answer)."""
    questions = []
    for line_no, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                questions.append(_gold_question(json.loads(line)))
            except (json.JSONDecodeError, KeyError, TypeError, re.error) as error:
                raise GoldError(f"{path}:{line_no}: {error!r}") from None
    return questions


def _gold_question(data: dict) -> Question:
    turns = tuple(data.get("turns") or [data["question"]])
    answers = tuple(data.get("answers", []))
    for pattern in answers:
        re.compile(pattern)
    kind = data.get("type", "")
    return Question(
        id=str(data["id"]), turns=turns, answers=answers, need_all=bool(data.get("need_all")),
        sources=tuple(data.get("sources", [])), type=kind, refusal=kind == "refusal",
    )


def load_multihop(path: Path) -> list[Question]:
    """MultiHop-RAG queries; a null_query is a refusal, and the gold answer becomes a strict
    pattern: its words in order, as whole words."""
    try:
        items = json.loads(Path(path).read_text(encoding="utf-8"))
        return [
            Question(
                id=f"mh{n:03d}", turns=(item["query"],),
                answers=(strict_pattern(item["answer"]),),
                sources=tuple(dict.fromkeys(e["url"] for e in item["evidence_list"])),
                type=item["question_type"], refusal=item["question_type"] == "null_query",
                facts=tuple(dict.fromkeys(e["fact"] for e in item["evidence_list"])),
                gold=item["answer"],
            )
            for n, item in enumerate(items)
        ]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise GoldError(f"{path}: not a MultiHop-RAG query list: {error!r}") from None


def strict_pattern(gold: str) -> str:
    """A regex for `gold` contained in a prediction once both are lower-cased and stripped of
    punctuation: its words in order, whole, separated by anything but word characters."""
    return r"\b" + r"\W+".join(re.escape(w) for w in re.findall(r"\w+", gold.lower())) + r"\b"


# --- scoring one question -----------------------------------------------------------------------
def answer_correct(question: Question, text: str, answered: bool) -> bool:
    """A refusal question is right when not answered; any other needs an answer that matches
    one of the patterns (all of them when need_all)."""
    if question.refusal:
        return not answered
    if not answered:
        return False
    found = [re.search(p, text, re.I) is not None for p in question.answers]
    return all(found) if question.need_all else any(found)


def source_scores(question: Question, cited: list[str]) -> tuple[float | None, float | None]:
    """Precision: share of cited articles that are gold sources. Recall: 1 when any gold source
    is cited, or with need_all the share of gold sources cited. None where undefined."""
    if not question.sources:
        return None, None
    hits = [p for p in question.sources if any(d.startswith(p) for d in cited)]
    precision = (
        sum(any(d.startswith(p) for p in question.sources) for d in cited) / len(cited)
        if cited else None
    )
    recall = len(hits) / len(question.sources) if question.need_all else float(bool(hits))
    return precision, recall


def evidence_in(question: Question, doc_id: str, text: str) -> set[str]:
    """The evidence items a retrieved chunk holds: facts it contains (all whitespace removed),
    or source prefixes of its doc_id."""
    if question.facts:
        squashed = _squash(text)
        return {f for f in question.facts if _squash(f) in squashed}
    return {p for p in question.sources if doc_id.startswith(p)}


def first_hit_rank(found: list[set[str]]) -> int | None:
    """1-based rank of the first chunk holding any evidence, or None."""
    return next((rank for rank, items in enumerate(found, 1) if items), None)


def evidence_recall(question: Question, found: list[set[str]], k: int) -> float | None:
    """Share of the question's distinct evidence items held by its top `k` chunks."""
    if not question.evidence:
        return None
    return len(set().union(*found[:k]) & set(question.evidence)) / len(set(question.evidence))


def citation_valid(citation, article: Callable[[str], Article]) -> bool:
    """True when the citation's quote is verbatim in the article it cites."""
    try:
        return is_verbatim(citation, article(citation.doc_id))
    except KeyError:
        return False


def score(
    question: Question, answer: Answer, ranked: list[tuple[str, str]],
    article: Callable[[str], Article],
) -> dict:
    """The per-question record: `ranked` is the retrieved chunks as (doc_id, text), best first."""
    cited = list(dict.fromkeys(c.doc_id for c in answer.citations))
    precision, recall = source_scores(question, cited)
    found = [evidence_in(question, doc_id, text) for doc_id, text in ranked]
    return {
        "id": question.id,
        "type": question.type,
        "turns": list(question.turns),
        "answers": list(question.answers),
        "gold": question.gold,
        "answer": answer.answer,
        "answered": answer.answered,
        "correct": answer_correct(question, answer.answer, answer.answered),
        "refusal_expected": question.refusal,
        "cited": cited,
        "source_precision": precision,
        "source_recall": recall,
        "citations": len(answer.citations),
        "citations_valid": sum(citation_valid(c, article) for c in answer.citations),
        "evidence": len(question.evidence),
        "hit_rank": first_hit_rank(found),
        "evidence_recall": evidence_recall(question, found, RANK_K),
        "retrieved": [doc_id for doc_id, _ in ranked[:RANK_K]],
        "latency_ms": answer.timings_ms["total"],
        "condensed_question": answer.condensed_question,
    }


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- running ------------------------------------------------------------------------------------
def evaluate(assistant: Assistant, questions: list[Question], progress: bool = True) -> dict:
    """Ask every question (conversations turn by turn) and score the last answer of each."""
    assistant.warm_up()  # so that latencies are per question, without model loading
    records = []
    for question in tqdm(questions, desc="eval", unit="question", disable=not progress):
        answer = ask(assistant, question)
        records.append(score(question, answer, used_chunks(assistant, answer),
                             assistant.index.article))
    return {
        "index": assistant.index_id(),
        "top_k": assistant.settings.top_k,
        "summary": summarise(records),
        "questions": records,
    }


def ask(assistant: Assistant, question: Question) -> Answer:
    """The answer to the last turn of the question's conversation."""
    conversation = assistant.chat()
    for turn in question.turns:
        answer = conversation.ask(turn)
    return answer


def used_chunks(assistant: Assistant, answer: Answer) -> list[tuple[str, str]]:
    """The passages `answer` was drawn from, best first, as (doc_id, text)."""
    return [(p.doc_id, assistant.index.article(p.doc_id).text[p.start : p.end])
            for p in answer.passages]


# --- summarising --------------------------------------------------------------------------------
def summarise(records: list[dict]) -> dict:
    """Metrics over all questions and per question type."""
    types = sorted({r["type"] for r in records})
    return {
        "overall": metrics(records),
        "by_type": {t: metrics([r for r in records if r["type"] == t]) for t in types},
    }


def metrics(records: list[dict]) -> dict:
    """Answer accuracy, source precision/recall (mean over questions where defined), citation
    validity (over all citations), refusal precision/recall, retrieval over questions with
    evidence, and latency percentiles."""
    refusal_precision, refusal_recall = refusal_scores(records)
    with_evidence = [r for r in records if r["evidence"]]
    ranks = [r["hit_rank"] for r in with_evidence]
    citations = sum(r["citations"] for r in records)
    latencies = [r["latency_ms"] for r in records]
    result = {
        "questions": len(records),
        "accuracy": _mean([r["correct"] for r in records]),
        "source_precision": _mean([r["source_precision"] for r in records]),
        "source_recall": _mean([r["source_recall"] for r in records]),
        "citation_validity": (
            sum(r["citations_valid"] for r in records) / citations if citations else None
        ),
        "refusal_precision": refusal_precision,
        "refusal_recall": refusal_recall,
    }
    for k in HIT_KS:
        result[f"hit@{k}"] = _mean([rank is not None and rank <= k for rank in ranks])
    result[f"mrr@{RANK_K}"] = _mean([1 / r if r and r <= RANK_K else 0.0 for r in ranks])
    result[f"evidence_recall@{RANK_K}"] = _mean([r["evidence_recall"] for r in with_evidence])
    result["latency_p50_ms"] = percentile(latencies, 50)
    result["latency_p95_ms"] = percentile(latencies, 95)
    return result


def refusal_scores(records: list[dict]) -> tuple[float | None, float | None]:
    """Precision: share of refusals that were expected. Recall: share of expected refusals
    that were made."""
    refused = [r for r in records if not r["answered"]]
    expected = [r for r in records if r["refusal_expected"]]
    precision = _mean([r["refusal_expected"] for r in refused])
    recall = _mean([not r["answered"] for r in expected])
    return precision, recall


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p% of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _mean(values: list) -> float | None:
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


# --- thresholds ---------------------------------------------------------------------------------
def thresholds(gold: Path, **given: float | None) -> dict[str, float]:
    """Minimums to enforce: those recorded in baseline.json beside the gold file, overridden by
    the ones given (min_accuracy=, min_citation_validity=)."""
    baseline = Path(gold).with_name("baseline.json")
    recorded = json.loads(baseline.read_text(encoding="utf-8")) if baseline.exists() else {}
    chosen = {key: recorded.get(key) for key in THRESHOLDS.values()}
    chosen.update({key: value for key, value in given.items() if value is not None})
    return {key: value for key, value in chosen.items() if value is not None}


def shortfalls(summary: dict, minimums: dict[str, float]) -> list[str]:
    """A line for each overall metric below its minimum (undefined metrics are not checked)."""
    overall = summary["overall"]
    return [
        f"{metric} {overall[metric]:.3f} is below the minimum {minimums[key]:.3f}"
        for metric, key in THRESHOLDS.items()
        if key in minimums and overall[metric] is not None and overall[metric] < minimums[key]
    ]


# --- rendering and comparing --------------------------------------------------------------------
_COLUMNS = [
    ("n", "questions"), ("accuracy", "accuracy"), ("src P", "source_precision"),
    ("src R", "source_recall"), ("cite valid", "citation_validity"),
    ("refuse P", "refusal_precision"), ("refuse R", "refusal_recall"),
    *((f"hit@{k}", f"hit@{k}") for k in HIT_KS), (f"MRR@{RANK_K}", f"mrr@{RANK_K}"),
    (f"ev R@{RANK_K}", f"evidence_recall@{RANK_K}"),
    ("p50 ms", "latency_p50_ms"), ("p95 ms", "latency_p95_ms"),
]


def render(summary: dict) -> str:
    """The summary as a markdown table: one row overall, one per question type."""
    rows = [("**overall**", summary["overall"]), *summary["by_type"].items()]
    lines = [
        "| type | " + " | ".join(name for name, _ in _COLUMNS) + " |",
        "|---|" + "---:|" * len(_COLUMNS),
    ]
    for name, values in rows:
        cells = [_cell(key, values[key]) for _, key in _COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(key: str, value) -> str:
    if value is None:
        return "–"
    if key == "questions":
        return str(value)
    return f"{value:.0f}" if key.startswith("latency") else f"{value:.2f}"


def compare(old: dict, new: dict) -> list[dict]:
    """Per question present in both reports, each score that changed: answer correctness,
    source recall, citation validity and retrieval rank, marked better or worse."""
    before = {r["id"]: r for r in old["questions"]}
    changes = []
    for record in new["questions"]:
        previous = before.get(record["id"])
        if previous is None:
            continue
        for what, read, better in _COMPARED:
            was, now = read(previous), read(record)
            if was != now:
                changes.append({"id": record["id"], "what": what, "old": was, "new": now,
                                "better": better(was, now)})
    return changes


def _validity(record: dict) -> float | None:
    return record["citations_valid"] / record["citations"] if record["citations"] else None


def _higher(was, now) -> bool:
    return (now if now is not None else -1) > (was if was is not None else -1)


def _lower_rank(was, now) -> bool:
    return (now or math.inf) < (was or math.inf)


_COMPARED = [
    ("correct", lambda r: r["correct"], _higher),
    ("source recall", lambda r: r["source_recall"], _higher),
    ("citation validity", _validity, _higher),
    ("retrieval rank", lambda r: r["hit_rank"], _lower_rank),
]


def render_comparison(changes: list[dict]) -> str:
    """Changes as two markdown lists: what got better, what got worse."""
    lines = []
    for label, better in (("Better", True), ("Worse", False)):
        picked = [c for c in changes if c["better"] is better]
        lines.append(f"**{label}** ({len(picked)})")
        items = [f"- {c['id']}: {c['what']} {c['old']} → {c['new']}" for c in picked]
        lines += items or ["- none"]
    return "\n".join(lines)
