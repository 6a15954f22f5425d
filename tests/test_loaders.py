import json
import os
from datetime import date
from pathlib import Path

from index.loaders import Skipped, find_files, load_file

MB = 1_000_000


def load(path: Path, max_bytes: int = 20 * MB):
    return load_file(path, path.parent, max_bytes)


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF with `text` in Helvetica, built by hand so tests need no PDF writer."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_text_and_markdown(tmp_path):
    (tmp_path / "a.md").write_text("Title: Storm hits coast\n\nThe storm hit the coast on Monday.")
    result = load(tmp_path / "a.md")
    assert result.skipped == []
    [article] = result.articles
    assert (article.doc_id, article.title, article.text) == (
        "a.md", "Storm hits coast", "The storm hit the coast on Monday."
    )


def test_html_drops_scripts_and_navigation(tmp_path):
    body = " ".join(["The council voted to rebuild the bridge after the flood."] * 5)
    (tmp_path / "page.html").write_text(
        "<html><head><title>Bridge vote</title><script>alert('x')</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>Bridge vote</h1><p>{body}</p></article>"
        "<div class='ad'>Buy now!</div></body></html>"
    )
    [article] = load(tmp_path / "page.html").articles
    assert "council voted to rebuild the bridge" in article.text
    assert "alert" not in article.text and "Home" not in article.text
    assert article.title == "Bridge vote"


def test_json_records_and_a_bad_jsonl_line(tmp_path):
    record = {"title": "T", "body": "Body one.", "source": "Wire", "published_at":
              "2023-09-28T12:00:00+00:00", "url": "https://example.org/a"}
    lines = [json.dumps(record), "{not json", json.dumps(record | {"url": "https://example.org/b"})]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines))
    result = load(tmp_path / "feed.jsonl")
    assert [a.doc_id for a in result.articles] == ["https://example.org/a", "https://example.org/b"]
    assert result.articles[0].published == date(2023, 9, 28)
    assert result.articles[0].source == "Wire"
    [skipped] = result.skipped
    assert skipped.path == "feed.jsonl:2" and "malformed JSON" in skipped.reason


def test_malformed_json_file(tmp_path):
    (tmp_path / "bad.json").write_text('{"title": "x", ')
    result = load(tmp_path / "bad.json")
    assert result.articles == [] and "malformed JSON" in result.skipped[0].reason


def test_pdf_text_is_extracted(tmp_path):
    (tmp_path / "report.pdf").write_bytes(minimal_pdf("Flood waters rose overnight in the valley."))
    [article] = load(tmp_path / "report.pdf").articles
    assert "Flood waters rose overnight" in article.text


def test_broken_pdf_is_skipped_with_a_reason(tmp_path):
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    result = load(tmp_path / "broken.pdf")
    assert result.articles == [] and "PDF" in result.skipped[0].reason


def test_bad_inputs_are_skipped_with_reasons(tmp_path):
    cases = {
        "empty.txt": b"",
        "blank.txt": b"   \n\t\n",
        "binary.txt": b"\x00\x01\x02\x03" * 100,
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    reasons = {name: load(tmp_path / name).skipped[0].reason for name in cases}
    assert reasons["empty.txt"] == "empty file"
    assert "no article text" in reasons["blank.txt"]
    assert "binary" in reasons["binary.txt"]


def test_size_cap(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 1000)
    result = load(tmp_path / "big.txt", max_bytes=1000)
    assert "over the" in result.skipped[0].reason


def test_encodings_are_decoded(tmp_path):
    text = "Café owners in Kyiv said the blast “shook everything”."
    (tmp_path / "cp1252.txt").write_bytes(text.encode("cp1252"))
    (tmp_path / "utf16.txt").write_bytes(text.encode("utf-16"))
    for name in ("cp1252.txt", "utf16.txt"):
        [article] = load(tmp_path / name).articles
        assert article.text == text


def test_json_nested_too_deeply_is_skipped(tmp_path):
    deep = "[" * 60_000 + "]" * 60_000
    (tmp_path / "deep.json").write_text(deep)
    record = json.dumps({"title": "T", "body": "The dam held through the night."})
    (tmp_path / "feed.jsonl").write_text(f"{deep}\n{record}\n")
    result = load(tmp_path / "deep.json")
    assert result.articles == [] and "nested too deeply" in result.skipped[0].reason
    result = load(tmp_path / "feed.jsonl")
    assert [a.text for a in result.articles] == ["The dam held through the night."]
    assert [(s.path, "nested too deeply" in s.reason) for s in result.skipped] == [
        ("feed.jsonl:1", True)]


def test_odd_length_utf16_is_skipped(tmp_path):
    (tmp_path / "odd.txt").write_bytes(b"\xff\xfe" + "Flood".encode("utf-16-le") + b"x")
    result = load(tmp_path / "odd.txt")
    assert result.articles == [] and "not valid UTF-16" in result.skipped[0].reason


def test_any_failure_of_a_reader_is_a_skip_with_its_reason(tmp_path, monkeypatch):
    import index.loaders

    def broken(html):
        raise AssertionError("parser gave up")

    monkeypatch.setattr(index.loaders, "_read_html", broken)
    (tmp_path / "page.html").write_text("<p>Text</p>")
    [skipped] = load(tmp_path / "page.html").skipped
    assert (skipped.path, skipped.reason) == (
        "page.html", "cannot be read (AssertionError: parser gave up)")


def test_names_and_fields_are_valid_text_for_the_store(tmp_path):
    name = os.fsdecode(b"bad\xff\xfename.txt")
    (tmp_path / name).write_text("The bridge reopened on Sunday.")
    [article] = load(tmp_path / name).articles
    assert article.doc_id == "bad\\xff\\xfename.txt"
    record = '{"title": "Lone \\ud800 half", "body": "Text \\udcff here.", "url": "u\\ud800"}'
    (tmp_path / "odd.json").write_text(record)
    [article] = load(tmp_path / "odd.json").articles
    assert (article.title, article.text, article.doc_id) == (
        "Lone \\ud800 half", "Text \\xff here.", "u\\ud800")
    for value in (article.title, article.text, article.doc_id):
        value.encode("utf-8")  # a lone surrogate would raise here, as in the store


def test_unreadable_folder_is_listed_with_its_reason(tmp_path, monkeypatch):
    (tmp_path / "open").mkdir()
    (tmp_path / "open" / "a.txt").write_text("A story.")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.txt").write_text("Another story.")
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # root reads any folder: refuse this one as the OS would
        scandir = os.scandir

        def refuse(path=".", *args):
            if Path(path) == locked:
                raise PermissionError(13, "Permission denied", str(path))
            return scandir(path, *args)

        monkeypatch.setattr(os, "scandir", refuse)
    unreadable = []
    try:
        found = find_files(tmp_path, unreadable)
    finally:
        locked.chmod(0o755)
    assert found == [tmp_path / "open" / "a.txt"]
    assert unreadable == [Skipped("locked/", "cannot read: Permission denied")]
