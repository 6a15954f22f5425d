"""The article store on each backend: keyword search with filters, term statistics from the
vocabulary, sentence vectors, articles fetched on demand, and indexes of the older format."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from helpers import make_assistant
from index.errors import OldIndexFormat
from index.sentence_vectors import sentence_texts
from index.store import SearchFilters
from index.terms import stem

RECORDS = [
    {"title": "Dam repairs", "source": "Valley Post", "published_at": "2024-03-02",
     "body": "Engineers finished repairs on the Ostrava dam on Saturday. Water levels fell."},
    {"title": "Dam inspection", "source": "River Times", "published_at": "2024-05-20",
     "body": "Inspectors found cracks in the Ostrava dam during the spring survey."},
    {"title": "Harvest", "source": "Valley Post", "published_at": "2024-09-11",
     "body": "Farmers near the river reported a record harvest of apples this autumn."},
]


@pytest.fixture
def news(tmp_path: Path, store_url: str | None):
    corpus = tmp_path / "news"
    corpus.mkdir()
    with open(corpus / "wire.jsonl", "w", encoding="utf-8") as out:
        for number, record in enumerate(RECORDS):
            out.write(json.dumps(record | {"url": f"https://example.org/{number}"}) + "\n")
    assistant = make_assistant(tmp_path / "index", corpus, store_url=store_url)
    assistant.ingest()
    return assistant


def keyword_sources(assistant, text: str, filters: SearchFilters | None = None) -> list[str]:
    index = assistant.index
    hits = index.keyword_retriever(10, filters).retrieve(text)
    spans = index.spans([hit.node.node_id for hit in hits])
    return [index.article(spans[hit.node.node_id].doc_id).source for hit in hits]


def test_keyword_search_ranks_and_keeps_to_the_filters(news):
    assert keyword_sources(news, "cracks in the Ostrava dam")[0] == "River Times"
    assert keyword_sources(news, "Ostrava dam", SearchFilters(sources=("Valley Post",))) == [
        "Valley Post"]
    assert keyword_sources(news, "Ostrava dam", SearchFilters(date_from=date(2024, 4, 1))) == [
        "River Times"]
    assert keyword_sources(news, "Ostrava dam", SearchFilters(date_to=date(2024, 1, 1))) == []
    assert keyword_sources(news, "the of and") == []  # stopwords only: nothing to match


def test_term_stats_come_from_the_vocabulary_and_follow_commits(news, tmp_path: Path):
    stats = news.index.term_stats()
    assert stats.n_docs == news.index.chunk_count() == 3
    assert stats.known(stem("Ostrava")) and not stats.known("zzyzx")
    assert stats.df[stem("dam")] == 2 and stats.idf(stem("apples")) > stats.idf(stem("dam"))
    assert stem("inspectors") in stats.with_prefix(stem("inspect")[:5])
    assert stem("Ostrava") in stats.similar_candidates("ostrova")
    (tmp_path / "news" / "more.txt").write_text("A second dam on the Ostrava river opened.")
    news.ingest()
    after = news.index.term_stats()
    assert after.n_docs == 4 and after.df[stem("dam")] == 3
    (tmp_path / "news" / "wire.jsonl").unlink()
    news.ingest()
    final = news.index.term_stats()
    assert final.n_docs == 1 and not final.known(stem("apples"))
    assert final.df[stem("dam")] == 1


def test_how_the_articles_write_a_word_is_counted_and_follows_commits(news, tmp_path: Path):
    stats = news.index.term_stats()
    assert stats.capital_share("ostrava") == 1.0 and stats.capital_share("river") == 0.0
    assert stats.capital_share("engineers") is None  # only ever first in a sentence
    (tmp_path / "news" / "more.txt").write_text("Title: Rivers\n\nThe River Ostrava rose.")
    news.ingest()
    assert news.index.term_stats().capital_share("river") == 0.5
    (tmp_path / "news" / "wire.jsonl").unlink()
    news.ingest()
    after = news.index.term_stats()
    assert after.capital_share("river") == 1.0 and after.capital_share("dam") is None


def test_a_store_from_before_word_cases_counts_them_when_opened(news, store_url):
    store = news.index.store
    expected = store.word_cases(["ostrava", "river", "dam"])
    with store._transaction() as cur:  # as a store written before the counts were kept
        cur.execute("DELETE FROM word_case")
        cur.execute("DELETE FROM meta WHERE key = 'word_cases'")
    assert store.word_cases(["ostrava"]) == {}
    reopened = type(store)(*([store_url] if store_url else [store.index_dir]))
    assert reopened.word_cases(["ostrava", "river", "dam"]) == expected
    assert expected["ostrava"] == (2, 2) and expected["dam"] == (2, 0)


def test_every_sentence_vector_is_kept_at_ingest_and_follows_commits(news, tmp_path: Path):
    index = news.index
    first = index.article("https://example.org/0")
    texts = [t for doc_id in index.articles for t in sentence_texts(index.article(doc_id))]
    stored = index.sentence_vectors(texts)
    assert sorted(stored) == sorted(texts) and len(texts) == 4
    for text in texts:
        assert np.allclose(stored[text], index.embedder.embed([text])[0], atol=1e-3)
    (tmp_path / "news" / "wire.jsonl").write_text(json.dumps(
        RECORDS[0] | {"url": "https://example.org/0", "body": "The Ostrava dam reopened."}))
    news.ingest()
    assert list(index.sentence_vectors(texts + ["The Ostrava dam reopened."])) == [
        "The Ostrava dam reopened."]  # the replaced and removed articles' rows are gone
    assert index.article("https://example.org/0").text != first.text


def test_answers_read_the_stored_sentence_vectors_and_embed_only_the_question(
        news, tmp_path, monkeypatch):
    embedded: list[str] = []
    embedder = type(news.index.embedder)
    embed = embedder.embed
    monkeypatch.setattr(embedder, "embed",
                        lambda self, texts: embedded.extend(texts) or embed(self, texts))
    answer = news.ask("Who found cracks in the Ostrava dam?")
    assert "Inspectors found cracks" in answer.citations[0].quote
    sentences = {t for doc_id in news.index.articles
                 for t in sentence_texts(news.index.article(doc_id))}
    assert embedded and not sentences & set(embedded), embedded
    without = make_assistant(tmp_path / "plain", tmp_path / "news", store_url=None,
                             sentence_vectors=False)
    without.ingest()
    assert without.index.sentence_vectors([answer.citations[0].quote]) == {}
    assert without.ask("Who found cracks in the Ostrava dam?").answer == answer.answer


def test_articles_stored_without_sentence_vectors_get_them_on_the_next_ingest(
        tmp_path: Path, store_url: str | None):
    corpus = tmp_path / "news"
    corpus.mkdir()
    (corpus / "dam.txt").write_text("Title: Dam\n\nThe Ostrava dam held. Water levels fell.")
    (corpus / "harvest.txt").write_text("Title: Harvest\n\nFarmers reported a record harvest.")
    options = {"store_url": store_url}
    make_assistant(tmp_path / "index", corpus, sentence_vectors=False, **options).ingest()
    later = make_assistant(tmp_path / "index", corpus, **options)
    texts = ["The Ostrava dam held.", "Water levels fell.", "Farmers reported a record harvest."]
    assert later.index.sentence_vectors(texts) == {}
    report = later.ingest()
    assert len(report.unchanged) == 2 and report.chunks_embedded == 0
    assert report.sentences_embedded == 3
    assert sorted(later.index.sentence_vectors(texts)) == sorted(texts)
    assert later.ingest().sentences_embedded == 0  # nothing left to embed


def test_articles_are_fetched_on_demand(news):
    articles = news.index.articles
    assert len(articles) == 3 and "https://example.org/1" in articles
    assert articles["https://example.org/1"].source == "River Times"
    assert articles.get("https://example.org/none") is None
    assert news.sources() == ["River Times", "Valley Post"]
    assert [row.chunks for row in news.listing()] == [1, 1, 1]


def test_an_index_of_the_older_format_names_the_rebuild_command(tmp_path: Path, corpus: Path):
    old = tmp_path / "old"
    old.mkdir()
    (old / "manifest.json").write_text('{"version": 1, "model": "hash-384", "articles": {}}')
    (old / "articles.json").write_text("{}")
    assistant = make_assistant(old, corpus)
    with pytest.raises(OldIndexFormat, match=f"newsdesk ingest --rebuild --index-dir {old}"):
        assistant.index
    assistant.reset()
    assert not (old / "manifest.json").exists() and not (old / "articles.json").exists()
    assert len(assistant.ingest().added) == 5
