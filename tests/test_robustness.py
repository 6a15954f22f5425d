"""Nothing is lost: a writer killed mid-ingest, two writers at once, awkward files."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from chromadb.api.shared_system_client import SharedSystemClient

from fakes import HashEmbedding
from helpers import CORPUS, cli_command, cli_env
from index.documents import content_hash
from index.store import ArticleIndex, IndexLocked

SENTENCES = [
    s.strip() + "."
    for path in sorted(CORPUS.glob("*.txt"))
    for s in path.read_text(encoding="utf-8").replace("\n", " ").split(". ")
    if len(s.split()) > 6
]


def article_text(number: int, version: int) -> str:
    rng = random.Random(number)
    body = " ".join(rng.sample(SENTENCES, 12))
    return f"Report {number} from the wire service.\n\n{body}\nRevision {version} of report {number}."


def write_corpus(folder: Path, versions: dict[int, int]) -> None:
    folder.mkdir(exist_ok=True)
    for number, version in versions.items():
        (folder / f"report_{number:03d}.txt").write_text(article_text(number, version))


def ingest_process(corpus: Path, index_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        cli_command("ingest", str(corpus), "--quiet", real=False),
        env=cli_env(index_dir=str(index_dir)), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def check_consistent(index_dir: Path, versions_seen: dict[int, set[int]]) -> None:
    """The index opens; each article is wholly one version; Chroma holds exactly the manifest."""
    SharedSystemClient.clear_system_cache()  # see what the killed process left on disk
    index = ArticleIndex(index_dir, HashEmbedding())
    manifest = index.manifest
    stored = index.collection.get(ids=manifest.chunk_ids(), include=["documents"])
    assert sorted(stored["ids"]) == sorted(manifest.chunk_ids())
    assert index.stored_chunk_count() == manifest.chunk_count
    documents = dict(zip(stored["ids"], stored["documents"]))
    for doc_id, entry in manifest.articles.items():
        number = int(doc_id[7:10])
        text = index.article(doc_id).text
        assert entry["hash"] == content_hash(text)
        assert any(text.endswith(f"Revision {v} of report {number}.") for v in versions_seen[number])
        for chunk_id, start, end in entry["chunks"]:
            assert documents[chunk_id] == text[start:end]


def test_killed_ingest_leaves_a_consistent_index(tmp_path: Path):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    versions = {n: 0 for n in range(300)}
    write_corpus(corpus, versions)
    assert ingest_process(corpus, index_dir).wait(timeout=600) == 0

    rng = random.Random(20261121)
    seen = {n: {0} for n in versions}
    kills = 0
    update_run = None
    for round_number in range(1, 24):
        for number in rng.sample(sorted(versions), 60):
            versions[number] = round_number
            seen[number].add(round_number)
        write_corpus(corpus, versions)
        process = ingest_process(corpus, index_dir)
        if update_run is None:  # the first update runs whole, to time the kill points
            started = time.monotonic()
            assert process.wait(timeout=600) == 0
            update_run = time.monotonic() - started
        time.sleep(rng.uniform(0.2, 0.95 * update_run))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(timeout=60)
        check_consistent(index_dir, seen)
    assert kills >= 20

    finished = ingest_process(corpus, index_dir)
    assert finished.wait(timeout=600) == 0, finished.stderr.read()
    check_consistent(index_dir, {n: {v} for n, v in versions.items()})
    assert len(json.loads((index_dir / "manifest.json").read_text())["articles"]) == 300


def test_second_writer_is_refused_naming_server_mode(hashed):
    index = hashed.index
    with index.writing():
        other = ArticleIndex(index.index_dir, index.embedder)
        with pytest.raises(IndexLocked, match="--chroma-url"):
            with other.writing():
                pass


def test_same_article_under_two_names_is_stored_once(hashed, corpus: Path):
    original = corpus / "002_3bdc0dad83278f9f.txt"
    (corpus / "copy of 002.txt").write_bytes(original.read_bytes())
    report = hashed.ingest()
    assert report.duplicates == [("copy of 002.txt", "002_3bdc0dad83278f9f.txt")]
    assert "copy of 002.txt" not in hashed.index.manifest.articles
    assert hashed.index.manifest.articles["002_3bdc0dad83278f9f.txt"]["aliases"] == ["copy of 002.txt"]


def test_symlink_out_of_the_corpus_is_not_followed(hashed, corpus: Path, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("The password is swordfish and it opens the vault.")
    (corpus / "link.txt").symlink_to(secret)
    report = hashed.ingest()
    assert [(s.path, "symlink" in s.reason) for s in report.skipped] == [("link.txt", True)]
    assert not any("swordfish" in a.text for a in hashed.index.articles.values())


def test_odd_file_names(hashed, corpus: Path):
    names = ["with spaces.txt", "Київ новини.txt", "x" * 200 + ".txt"]
    for name in names:
        (corpus / name).write_text(f"Trains stopped in the region named in {name[:20]} on Friday.")
    report = hashed.ingest()
    assert sorted(report.added) == sorted(names)


def test_encrypted_pdf_is_skipped(hashed, corpus: Path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    with open(corpus / "locked.pdf", "wb") as handle:
        writer.write(handle)
    report = hashed.ingest()
    assert [(s.path, s.reason) for s in report.skipped] == [("locked.pdf", "encrypted PDF")]
    assert len(report.unchanged) == 5


def test_a_crash_between_the_article_and_manifest_writes_keeps_the_old_version(
    hashed, corpus: Path, monkeypatch
):
    doc_id = "001_585a612f8c0002d3.txt"
    old_text = hashed.index.article(doc_id).text
    (corpus / doc_id).write_text((corpus / doc_id).read_text() + "\n\nA late update: 40 homes.")

    def crash(self) -> None:
        raise KeyboardInterrupt("killed after articles.json, before manifest.json")

    monkeypatch.setattr(ArticleIndex, "save_manifest", crash)
    with pytest.raises(KeyboardInterrupt):
        hashed.ingest()
    monkeypatch.undo()
    SharedSystemClient.clear_system_cache()
    reopened = ArticleIndex(hashed.index.index_dir, HashEmbedding())
    assert reopened.article(doc_id).text == old_text
    for entry_id, entry in reopened.manifest.articles.items():
        assert entry["hash"] == content_hash(reopened.article(entry_id).text)
    stored = reopened.collection.get(include=[])["ids"]
    assert sorted(stored) == sorted(reopened.manifest.chunk_ids())
