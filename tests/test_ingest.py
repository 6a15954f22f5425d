from pathlib import Path

import pytest

from helpers import make_assistant
from index.store import ModelMismatch


def stored_ids(assistant) -> set[str]:
    return set(assistant.index.vectors.ids())


def committed_ids(assistant) -> set[str]:
    return {c.chunk_id for entry in assistant.index.entries() for c in entry.chunks}


def test_first_ingest_stores_every_chunk(hashed_on):
    index = hashed_on.index
    assert index.article_count() == 5 == len(list(index.entries()))
    assert stored_ids(hashed_on) == committed_ids(hashed_on)
    assert index.chunk_count() == len(committed_ids(hashed_on))
    for entry in index.entries():
        article = index.article(entry.doc_id)
        for chunk in index.chunks(entry.doc_id):
            assert chunk.text == article.text[chunk.start : chunk.end]


def test_reingest_of_unchanged_files_embeds_nothing(hashed_on):
    report = hashed_on.ingest()
    assert report.chunks_embedded == 0
    assert len(report.unchanged) == 5 and not report.changed


def test_changed_file_replaces_its_chunks_and_deleted_file_goes(hashed_on, corpus: Path):
    before = stored_ids(hashed_on)
    changed = corpus / "001_585a612f8c0002d3.txt"
    changed.write_text(changed.read_text() + "\n\nA late update: 40 homes lost power in Kyiv.")
    (corpus / "004_6df5475b4a671cad.txt").unlink()
    report = hashed_on.ingest()
    assert report.updated == ["001_585a612f8c0002d3.txt"]
    assert report.removed == ["004_6df5475b4a671cad.txt"]
    after = stored_ids(hashed_on)
    assert after == committed_ids(hashed_on)
    assert not any(i.startswith("004_") for i in after)
    assert {i for i in before if i.startswith("001_")}.isdisjoint(after)
    assert "40 homes lost power" in hashed_on.index.article("001_585a612f8c0002d3.txt").text


def test_bad_files_are_skipped_and_the_rest_goes_on(hashed_on, corpus: Path):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(b"\x00\xff" * 50)
    (corpus / "new.txt").write_text("Floods closed the main road in Lviv on Tuesday.")
    report = hashed_on.ingest()
    assert report.added == ["new.txt"]
    assert {s.path for s in report.skipped} == {"empty.txt", "binary.txt"}
    assert "skipped empty.txt: empty file" in report.summary()


def test_a_file_that_turns_unreadable_keeps_its_old_chunks(hashed_on, corpus: Path):
    (corpus / "002_3bdc0dad83278f9f.txt").write_bytes(b"\x00\x01" * 10)
    report = hashed_on.ingest()
    assert report.removed == []
    assert "002_3bdc0dad83278f9f.txt" in hashed_on.index.articles


def test_opening_with_another_model_is_refused(hashed_on, corpus: Path):
    other = make_assistant(hashed_on.settings.index_dir, corpus, real=True,
                           store_url=hashed_on.settings.store_url)
    with pytest.raises(ModelMismatch, match="--rebuild"):
        other.index


def test_rebuild_starts_from_scratch(hashed_on, corpus: Path):
    hashed_on.reset()
    fresh = make_assistant(hashed_on.settings.index_dir, corpus,
                           store_url=hashed_on.settings.store_url)
    assert fresh.index.article_count() == 0 and not stored_ids(fresh)
    assert fresh.ingest().added
