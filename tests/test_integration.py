"""The real packaged embedding model and a real embedded Chroma, on the seed corpus."""

import re

import pytest

from assistant.citations import is_verbatim

pytestmark = pytest.mark.integration


def assert_verbatim(assistant, answer):
    for citation in answer.citations:
        article = assistant.index.article(citation.doc_id)
        assert is_verbatim(citation, article)
        assert (citation.title, citation.source, citation.url) == (
            article.title, article.source, article.url
        )


def test_kharkiv_injuries_report_both_figures(real):
    answer = real.ask("How many were injured in Kharkiv?")
    assert answer.answered
    by_article = {c.doc_id[:3]: c for c in answer.citations}
    assert "11" in by_article["002"].quote and "28" in by_article["003"].quote
    assert re.search(r"\b11\b", answer.answer) and re.search(r"\b28\b", answer.answer)
    assert_verbatim(real, answer)


def test_paris_population_is_refused(real):
    answer = real.ask("What is the population of Paris?")
    assert not answer.answered and answer.citations == []


def test_follow_up_in_chat(real):
    chat = real.chat()
    first = chat.ask("What happened in Sumy?")
    assert "Sumy" in first.answer
    second = chat.ask("Who blamed Moscow for it?")
    assert "Hryhorov" in second.answer
    assert [c.doc_id[:3] for c in second.citations] == ["002"]
    assert_verbatim(real, second)


@pytest.mark.parametrize("first, follow_up, carried", [
    ("How many were injured in Kharkiv?", "How many were killed there?", "Kharkiv"),
    ("how many ppl injured kharkov", "how many were killed there?", "kharkov"),  # as typed
])
def test_a_follow_up_keeps_to_the_place_asked_about(real, first, follow_up, carried):
    chat = real.chat()
    chat.ask(first)
    answer = chat.ask(follow_up)
    assert carried in (answer.condensed_question or "")
    assert answer.answered and re.search(r"\bseven\b", answer.answer)
    assert "a woman and her three-year-old child" in answer.answer  # a count written in words
    assert {c.doc_id[:3] for c in answer.citations} == {"000", "003"}  # no other city's dead
    assert_verbatim(real, answer)


def test_misspelt_place_finds_the_right_articles(real):
    answer = real.ask("How many were injured in Kharkov?")
    assert {c.doc_id[:3] for c in answer.citations} >= {"002", "003"}
    kiev = real.ask("How many missiles targeted Kiev?")
    assert kiev.citations and kiev.citations[0].doc_id.startswith("001")
    assert "30" in kiev.answer
