from index.chunking import chunk_article, split_sentences


def test_sentences_are_exact_spans_and_respect_abbreviations():
    text = "Mr. Smith went to Washington. He met U.S. officials at 3 p.m. today!\nHeadline here\nLast one?"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Mr. Smith went to Washington.",
        "He met U.S. officials at 3 p.m. today!",
        "Headline here",
        "Last one?",
    ]


def test_quoted_sentence_end_and_lower_case_continuation():
    text = 'He called it a "treacherous assault." Then he left. It was e.g. late, and cold.'
    assert [text[s:e] for s, e in split_sentences(text)] == [
        'He called it a "treacherous assault."',
        "Then he left.",
        "It was e.g. late, and cold.",
    ]


def test_chunks_cover_the_text_with_whole_sentences_and_overlap():
    sentences = [f"Sentence number {i} says something about the city." for i in range(40)]
    text = " ".join(sentences)
    chunks = chunk_article("doc", text, "v1", max_chars=300, overlap=1)
    assert len(chunks) > 5
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.text.startswith("Sentence") and chunk.text.endswith(".")
        assert len(chunk.text) <= 300
    for before, after in zip(chunks, chunks[1:]):
        assert after.start < before.end  # one shared sentence
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert all(c.chunk_id.startswith("doc::v1::") for c in chunks)


def test_a_sentence_longer_than_the_limit_is_cut_at_words():
    text = "Short one. Words " + "word " * 200 + "end. Another short."
    chunks = chunk_article("d", text, "v", max_chars=100, overlap=0)
    assert chunks[0].text == "Short one." and chunks[-1].text.endswith("Another short.")
    for chunk in chunks:
        assert len(chunk.text) <= 100 and chunk.text == text[chunk.start : chunk.end]
        assert text[chunk.start - 1 : chunk.start] in ("", " ")
        assert text[chunk.end : chunk.end + 1] in ("", " ", ".")
    assert " ".join(c.text for c in chunks) == " ".join(text.split())


def test_the_limit_holds_for_a_huge_line_with_no_sentence_end():
    words = "word " * 2_000_000  # 10 MB, one line
    chunks = chunk_article("d", words, "v", max_chars=700, overlap=1)
    assert max(len(c.text) for c in chunks) <= 700
    assert " ".join(c.text for c in chunks) == words.strip()  # every word once, none cut
    letters = "x" * 1_000_000  # no word boundary at all: cut hard
    chunks = chunk_article("d", letters, "v", max_chars=700, overlap=1)
    assert [len(c.text) for c in chunks[:2]] == [700, 700]
    assert "".join(c.text for c in chunks) == letters
    assert all(c.text == letters[c.start : c.end] for c in chunks)
