"""Nothing is lost: a writer killed mid-ingest, two writers at once, awkward files."""

from __future__ import annotations

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


def ingest_process(corpus: Path, index_dir: Path, store_url: str | None) -> subprocess.Popen:
    return subprocess.Popen(
        cli_command("ingest", str(corpus), "--quiet", real=False),
        env=cli_env(index_dir=str(index_dir), **({"store_url": store_url} if store_url else {})),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def check_consistent(index_dir: Path, store_url: str | None,
                     versions_seen: dict[int, set[int]]) -> None:
    """The index opens; each article is wholly one version; Chroma holds exactly the chunks
    the store has committed."""
    SharedSystemClient.clear_system_cache()  # see what the killed process left on disk
    index = ArticleIndex(index_dir, HashEmbedding(), store_url=store_url)
    entries = list(index.entries())
    committed = [c.chunk_id for entry in entries for c in entry.chunks]
    stored = index.vectors.collection.get(ids=committed, include=["documents"])
    assert sorted(stored["ids"]) == sorted(committed)
    assert index.vectors.count() == index.chunk_count() == len(committed)
    assert not index.store.pending()
    documents = dict(zip(stored["ids"], stored["documents"]))
    for entry in entries:
        number = int(entry.doc_id[7:10])
        text = index.article(entry.doc_id).text
        assert entry.content_hash == content_hash(text)
        assert any(text.endswith(f"Revision {v} of report {number}.") for v in versions_seen[number])
        for chunk in entry.chunks:
            assert documents[chunk.chunk_id] == text[chunk.start : chunk.end]
    index.store.close()


def test_killed_ingest_leaves_a_consistent_index(tmp_path: Path, store_url: str | None):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    versions = {n: 0 for n in range(300)}
    write_corpus(corpus, versions)
    assert ingest_process(corpus, index_dir, store_url).wait(timeout=600) == 0

    rng = random.Random(20261121)
    seen = {n: {0} for n in versions}
    kills = 0
    update_run = None
    for round_number in range(1, 45):
        for number in rng.sample(sorted(versions), 60):
            versions[number] = round_number
            seen[number].add(round_number)
        write_corpus(corpus, versions)
        started = time.monotonic()
        process = ingest_process(corpus, index_dir, store_url)
        if update_run is None:  # the first update runs whole, to time the kill points
            assert process.wait(timeout=600) == 0, process.stderr.read()
        else:
            time.sleep(rng.uniform(0.2, 0.95 * update_run))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
        if process.wait(timeout=60) == 0:  # ran whole: kill points must fall within its time
            update_run = min(update_run or 1e9, time.monotonic() - started)
        else:
            assert process.returncode == -signal.SIGKILL, process.stderr.read()
        check_consistent(index_dir, store_url, seen)
        if kills == 20:
            break
    assert kills == 20

    finished = ingest_process(corpus, index_dir, store_url)
    assert finished.wait(timeout=600) == 0, finished.stderr.read()
    check_consistent(index_dir, store_url, {n: {v} for n, v in versions.items()})
    SharedSystemClient.clear_system_cache()
    index = ArticleIndex(index_dir, HashEmbedding(), store_url=store_url)
    assert index.article_count() == 300


def test_second_writer_is_refused_naming_server_mode(hashed_on):
    index = hashed_on.index
    with index.writing():
        other = ArticleIndex(index.index_dir, index.embedder, store_url=index.store_url)
        with pytest.raises(IndexLocked, match="--chroma-url"):
            with other.writing():
                pass


def test_same_article_under_two_names_is_stored_once(hashed_on, corpus: Path):
    original = corpus / "002_3bdc0dad83278f9f.txt"
    (corpus / "copy of 002.txt").write_bytes(original.read_bytes())
    report = hashed_on.ingest()
    assert report.duplicates == [("copy of 002.txt", "002_3bdc0dad83278f9f.txt")]
    assert "copy of 002.txt" not in hashed_on.index.articles
    assert hashed_on.index.entry("002_3bdc0dad83278f9f.txt").aliases == ("copy of 002.txt",)


def test_symlink_out_of_the_corpus_is_not_followed(hashed_on, corpus: Path, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("The password is swordfish and it opens the vault.")
    (corpus / "link.txt").symlink_to(secret)
    report = hashed_on.ingest()
    assert [(s.path, "symlink" in s.reason) for s in report.skipped] == [("link.txt", True)]
    assert not any("swordfish" in a.text for a in hashed_on.index.articles.values())
    assert not hashed_on.index.store.keyword_search(["swordfish"], 5, None)


def test_odd_file_names(hashed_on, corpus: Path):
    names = ["with spaces.txt", "Київ новини.txt", "x" * 200 + ".txt"]
    for name in names:
        (corpus / name).write_text(f"Trains stopped in the region named in {name[:20]} on Friday.")
    report = hashed_on.ingest()
    assert sorted(report.added) == sorted(names)


def test_encrypted_pdf_is_skipped(hashed_on, corpus: Path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    with open(corpus / "locked.pdf", "wb") as handle:
        writer.write(handle)
    report = hashed_on.ingest()
    assert [(s.path, s.reason) for s in report.skipped] == [("locked.pdf", "encrypted PDF")]
    assert len(report.unchanged) == 5


@pytest.mark.parametrize("crash_point", ["commit", "delete"])
def test_a_crash_around_the_commit_keeps_each_article_whole(
    hashed_on, corpus: Path, monkeypatch, crash_point: str
):
    """Killed after the new vectors are stored but before the store commits (the old version
    stays), or after the commit but before the old vectors are deleted (the new one stays);
    either way the next open leaves Chroma holding exactly the committed chunks."""
    doc_id = "001_585a612f8c0002d3.txt"
    old_text = hashed_on.index.article(doc_id).text
    new_text = (corpus / doc_id).read_text() + "\n\nA late update: 40 homes."
    (corpus / doc_id).write_text(new_text)
    target = type(hashed_on.index.store) if crash_point == "commit" else type(hashed_on.index.vectors)
    method = "commit" if crash_point == "commit" else "delete"

    def crash(*args, **kwargs) -> None:
        raise KeyboardInterrupt(f"killed at {crash_point}")

    monkeypatch.setattr(target, method, crash)
    with pytest.raises(KeyboardInterrupt):
        hashed_on.ingest()
    monkeypatch.undo()
    hashed_on.index.store.close()
    SharedSystemClient.clear_system_cache()
    reopened = ArticleIndex(hashed_on.index.index_dir, HashEmbedding(),
                            store_url=hashed_on.settings.store_url)
    text = reopened.article(doc_id).text
    assert text == old_text if crash_point == "commit" else "40 homes" in text
    for entry in reopened.entries():
        assert entry.content_hash == content_hash(reopened.article(entry.doc_id).text)
    committed = {c.chunk_id for entry in reopened.entries() for c in entry.chunks}
    assert set(reopened.vectors.ids()) == committed and not reopened.store.pending()
