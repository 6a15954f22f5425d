"""Answers over the seed corpus with the hashing embedder: the retrieval and answer logic,
fast and deterministic."""

from index.documents import Article
from index.text import stem

from assistant.answer import with_speaker
from assistant.citations import is_verbatim
from assistant.query import Query, Term
from assistant.ranker import Candidate, article_sentences

QUOTED = (
    "The premiere was on Monday. Director Ann Grey said it may not be the last film. "
    '"That is what the producers say. But the producer is wrong," she said. '
    "The studio made no comment."
)


def assert_verbatim(assistant, answer):
    for citation in answer.citations:
        assert is_verbatim(citation, assistant.index.article(citation.doc_id)), citation


def test_counts_report_each_article_figure_without_adding(real):
    answer = real.ask("How many were injured in Kharkiv?")
    assert answer.answered
    cited = {c.doc_id[:3]: c.quote for c in answer.citations}
    assert "11" in cited["002"] and "28" in cited["003"]
    assert "11" in answer.answer and "28" in answer.answer
    assert "39" not in answer.answer  # never a sum
    assert_verbatim(real, answer)


def test_markers_point_at_citations(hashed):
    answer = hashed.ask("How many were injured in Kharkiv?")
    import re

    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers == {c.n for c in answer.citations}


def test_unanswerable_question_is_refused_without_citations(hashed):
    for question in ("What is the population of Paris?", "Who won the 2022 World Cup?"):
        answer = hashed.ask(question)
        assert not answer.answered and answer.citations == []
        assert "do not say" in answer.answer


def test_spelling_variants_find_the_same_articles(real):
    answer = real.ask("How many were injured in Kharkov?")
    assert {c.doc_id[:3] for c in answer.citations} >= {"002", "003"}
    kiev = real.ask("How many people were injured in Kiev?")
    assert [c.doc_id[:3] for c in kiev.citations] == ["001"] and "17" in kiev.answer


def test_follow_up_is_condensed_with_the_earlier_turn(hashed):
    chat = hashed.chat()
    chat.ask("What happened in Sumy?")
    answer = chat.ask("Who blamed Moscow for it?")
    assert answer.condensed_question and "Sumy" in answer.condensed_question
    assert "Oleh Hryhorov" in answer.answer
    assert_verbatim(hashed, answer)


def test_date_filter_limits_retrieval(hashed):
    dated = hashed.ask("How many people were killed?", date_from=__import__("datetime").date(2023, 1, 1))
    assert {c.doc_id[:3] for c in dated.citations} == {"004"}


def test_answer_contract_fields(hashed):
    data = hashed.ask("How many were injured in Kharkiv?").model_dump(mode="json")
    assert set(data) >= {"question", "answer", "answered", "citations", "mode", "timings_ms", "index"}
    assert data["mode"] == "extractive"
    assert data["index"]["model"] == "hash-384"
    citation = data["citations"][0]
    assert set(citation) == {"n", "doc_id", "title", "source", "published", "url", "quote",
                             "start", "end", "score"}


def test_an_answer_stream_gives_its_pieces_then_the_answer_and_records_its_passages(hashed):
    stream = hashed.ask_stream("How many were injured in Kharkiv?")
    assert list(stream) == []  # extractive: no draft to stream
    answer = stream.answer
    assert answer.answered and answer.passages
    for passage in answer.passages:
        article = hashed.index.article(passage.doc_id)
        assert 0 <= passage.start < passage.end <= len(article.text)
    assert any(p.doc_id == c.doc_id for p in answer.passages for c in answer.citations)


def quoted_sentence(containing):
    article = Article("grey.txt", "Premiere", "Wire", None, "", QUOTED)
    spans = article_sentences(article)
    i = next(i for i, (s, e) in enumerate(spans) if containing in QUOTED[s:e])
    return Candidate(article, *spans[i], 0, 1.0, i)


def asking(*words: str) -> Query:
    """A quote question with these key words."""
    return Query(" ".join(words), "quote", tuple(
        Term(w, stem(w), frozenset({stem(w)}), 1.0, False) for w in words))


def test_a_quote_is_cited_from_its_opening_with_the_sentence_naming_its_speaker():
    quote = with_speaker(quoted_sentence("producer is wrong"), asking("producer", "wrong"))
    assert quote.text == (
        'Director Ann Grey said it may not be the last film. "That is what the producers say. '
        'But the producer is wrong," she said.')
    assert QUOTED[quote.start:quote.end] == quote.text


def test_a_sentence_that_names_its_speaker_or_quotes_no_one_stays_as_it_is():
    said = quoted_sentence("Director Ann Grey")
    assert with_speaker(said, asking("director", "film")) == said
    plain = quoted_sentence("no comment")
    assert with_speaker(plain, asking("studio", "comment")) == plain


def test_who_wrote_an_article_is_answered_from_the_article_itself(hashed):
    answer = hashed.ask("Who wrote the article about the Kharkiv missile strike that injured "
                        "11 civilians?")
    assert answer.answered and "written by Shairin Panwar" in answer.answer
    assert answer.citations[0].doc_id.startswith("002")
    assert_verbatim(hashed, answer)
