"""Files a careless user or an attacker puts in the corpus: each is skipped with its reason
(or stored under a safe name), and the good files beside it are indexed all the same."""

from __future__ import annotations

import json
import os
from pathlib import Path

from index.text import QUOTE_MAX_CHARS

BAD_NAME = os.fsdecode(b"bad\xff\xfename.txt")  # a file name that is not UTF-8


def test_bad_files_do_not_stop_the_good_ones(hashed, corpus: Path):
    (corpus / "deep.json").write_text("[" * 60_000 + "]" * 60_000)
    (corpus / "odd.txt").write_bytes(b"\xff\xfe" + "Flood".encode("utf-16-le") + b"x")
    (corpus / BAD_NAME).write_text("A ferry ran aground near Izmail, stranding 85 passengers.")
    (corpus / "good.json").write_text(json.dumps(
        {"title": "Dam", "body": "The Dnipro dam held through the night, engineers said."}))
    report = hashed.ingest()
    assert sorted(report.added) == ["bad\\xff\\xfename.txt", "good.json"]
    assert {s.path: s.reason for s in report.skipped} == {
        "deep.json": "JSON nested too deeply to read",
        "odd.txt": "not valid UTF-16 text (truncated data)",
    }
    answer = hashed.ask("How many passengers were stranded near Izmail?")
    assert answer.citations[0].doc_id == "bad\\xff\\xfename.txt"
    assert "85 passengers" in answer.citations[0].quote
    again = hashed.ingest()  # the safe name is the same on every run
    assert again.added == [] and "bad\\xff\\xfename.txt" in again.unchanged


def test_a_huge_line_is_chunked_within_the_limit_and_quoted_briefly(hashed, corpus: Path):
    (corpus / "endless.txt").write_text("the barge carried grain " * 40_000 + "to Constanta")
    hashed.ingest()
    chunks = hashed.index.chunks("endless.txt")
    assert len(chunks) > 1000 and max(len(c.text) for c in chunks) <= hashed.settings.chunk_chars
    answer = hashed.ask("What did the barge carry to Constanta?")
    assert all(len(c.quote) <= QUOTE_MAX_CHARS for c in answer.citations)
    assert len(answer.answer) < 2000


def test_an_unreadable_folder_is_listed_and_keeps_its_articles(hashed, corpus: Path,
                                                                monkeypatch):
    folder = corpus / "desk"
    folder.mkdir()
    (folder / "note.txt").write_text("Power returned to 3,000 homes in Odesa on Sunday.")
    assert hashed.ingest().added == ["desk/note.txt"]
    folder.chmod(0)
    if os.access(folder, os.R_OK):  # root reads any folder: refuse this one as the OS would
        scandir = os.scandir

        def refuse(path=".", *args):
            if Path(path) == folder.resolve():
                raise PermissionError(13, "Permission denied", str(path))
            return scandir(path, *args)

        monkeypatch.setattr(os, "scandir", refuse)
    try:
        report = hashed.ingest()
    finally:
        folder.chmod(0o755)
    assert "  skipped desk/: cannot read: Permission denied" in report.summary()
    assert report.removed == [] and hashed.index.entry("desk/note.txt") is not None
