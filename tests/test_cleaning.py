import re
from datetime import date

from helpers import CORPUS
from index.chunking import split_sentences
from index.cleaning import clean_text


def read(name: str) -> str:
    return next(CORPUS.glob(f"{name}_*.txt")).read_text(encoding="utf-8")


def test_boilerplate_lines_go_and_metadata_comes_out():
    cleaned = clean_text(read("002"))
    assert cleaned.title.startswith("Kharkiv Missile Strike Injures 11")
    assert cleaned.author == "Shairin Panwar"
    for junk in ("Categories:", "Published by", "ALSO READ", "Advertisment"):
        assert junk not in cleaned.text
    assert cleaned.text.startswith("Russia’s missile hit Kharkiv")


def test_date_prefix_becomes_the_published_date():
    cleaned = clean_text(read("004"))
    assert cleaned.published == date(2023, 11, 6)
    assert cleaned.text.startswith("At least six people")


def test_advertisment_lines_are_removed_and_no_title_is_invented():
    cleaned = clean_text(read("001"))
    assert "Advertisment" not in cleaned.text
    assert cleaned.title == ""


def test_every_article_sentence_survives_cleaning():
    boilerplate = re.compile(r"^(Advertisment|ALSO READ:.*|Published by.*|Categories:.*)$")
    for path in sorted(CORPUS.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        cleaned = clean_text(raw)
        kept = cleaned.title + "\n" + cleaned.text
        for line in raw.splitlines():
            line = re.sub(r"^\s*date \d{4}-\d\d-\d\d\s*", "", line).strip()
            if boilerplate.match(line):
                continue
            for start, end in split_sentences(line):
                assert line[start:end] in kept, f"{path.name} lost: {line[start:end]!r}"


def test_header_fields_are_read():
    cleaned = clean_text("Title: Big news\nSource: The Daily\nDate: 2024-01-02\n\nBody text here.")
    assert (cleaned.title, cleaned.source, cleaned.published, cleaned.text) == (
        "Big news", "The Daily", date(2024, 1, 2), "Body text here."
    )
