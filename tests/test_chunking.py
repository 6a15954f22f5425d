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


def test_a_sentence_longer_than_the_limit_stands_alone():
    text = "Short one. Words " + "word " * 200 + "end. Another short."
    chunks = chunk_article("d", text, "v", max_chars=100, overlap=0)
    assert [c.text[:5] for c in chunks] == ["Short", "Words", "Anoth"]
