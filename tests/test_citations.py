"""Citations quote the article verbatim, at a readable length."""

from assistant.citations import cite, is_verbatim
from index.documents import Article
from index.text import QUOTE_MAX_CHARS


def article(text: str) -> Article:
    return Article(doc_id="a.txt", title="", source="", published=None, url="", text=text)


def test_a_quote_of_an_overlong_sentence_is_cut_at_a_word_and_stays_verbatim():
    text = "Intro. " + "The flood reached the town " * 1000 + "at dawn."
    start = text.index("The flood")
    citation = cite(1, article(text), start, len(text), 1.0)
    assert citation.start == start and QUOTE_MAX_CHARS - 30 < len(citation.quote) <= QUOTE_MAX_CHARS
    assert citation.quote.endswith(("The", "flood", "reached", "the", "town"))
    assert is_verbatim(citation, article(text))
    assert cite(2, article(text), 0, 6, 1.0).quote == "Intro."


def test_a_quote_with_no_word_boundary_is_cut_at_the_limit():
    text = "x" * 5000
    citation = cite(1, article(text), 0, len(text), 1.0)
    assert citation.end == QUOTE_MAX_CHARS and is_verbatim(citation, article(text))
