"""The shared text helpers and the question reader, on sentences made for the purpose."""

import pytest

from index.chunking import split_sentences as chunking_split
from fakes import term_stats
from index.text import dates, figures, is_relative_date, names, split_sentences, word_cases

from assistant.query import analyse, asks_about_article, question_kind


def kinds(sentence):
    return [(f.text, f.kind) for f in figures(sentence)]


def test_sentences_keep_offsets_and_skip_abbreviations():
    text = "Mr. Gray met Dr. Lee at 9 a.m. on Monday. They talked.\nHeading line"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Mr. Gray met Dr. Lee at 9 a.m. on Monday.", "They talked.", "Heading line"]
    assert chunking_split is split_sentences  # one splitter for chunks and answers


def test_figures_know_money_percentages_ages_years_and_ordinals():
    assert kinds("The firm paid $76 a share, or £1.2bn, up 28% on 2003.") == [
        ("$76", "money"), ("£1.2bn", "money"), ("28%", "percent"), ("2003", "year")]
    assert kinds("Shares fell 19 per cent; it was his 3rd loss.") == [
        ("19 per cent", "percent"), ("3rd", "ordinal")]
    assert kinds("Grey, 38, and a three-year-old child were aged 87 in all.") == [
        ("38", "age"), ("three-year-old", "age"), ("87", "age")]
    assert kinds("The bank paid 50,000 dollars to at least seven people.") == [
        ("50,000", "money"), ("at least seven", "count")]
    assert figures("at least seven")[0].value == "seven"


def test_people_listed_without_a_number_are_a_count():
    found = figures("It killed a woman and her three-year-old child; one man, a boy and "
                    "an elderly pensioner were hurt. A spokesman and his aide spoke.")
    assert [(f.text, f.kind, f.value) for f in found] == [
        ("a woman and her three-year-old child", "count", "2"), ("three-year-old", "age", "three"),
        ("one man, a boy and an elderly pensioner", "count", "3")]


def test_a_figure_far_into_a_long_sentence_is_found_whole():
    opening = "Officials in the northern town, speaking to reporters late on Sunday evening, "
    assert kinds(opening + "said that at least 11 people and about £2.5m were lost.") == [
        ("at least 11", "count"), ("about £2.5m", "money")]


def test_a_number_of_units_of_time_is_a_duration():
    assert kinds("After an 18-month spell and 11 minutes, 920 stores and five weeks.") == [
        ("18", "duration"), ("11", "duration"), ("920", "count"), ("five", "duration")]


def test_a_number_with_a_unit_or_dimension_is_a_measure_and_with_a_rate_a_speed():
    assert kinds("The 17m/s lifts, 38mph or 17 metres per second, climb the 508m tall tower "
                 "that 20 people saw, at 70.72 teraflops over 15 km, 60 miles an hour.") == [
        ("17m", "speed"), ("38", "speed"), ("17", "speed"), ("508m", "measure"),
        ("20", "count"), ("70.72", "speed"), ("over 15", "measure"), ("60", "speed")]


def test_a_number_in_a_name_or_a_clock_time_is_not_a_quantity():
    found = {f.text: f.kind for f in figures(
        "Winn-Dixie sought Chapter 11 protection at 8am, when 920 stores stayed open.")}
    assert found == {"11": "label", "8": "time", "920": "count"}
    assert [f.kind for f in figures("Some 300 people saw Arsenal 2-1 Chelsea.")] == [
        "count", "count", "count"]
    assert not any(f.is_quantity for f in figures("Copies of Half-Life 2 came out in 2004."))
    assert [f.kind for f in figures("On 16 November, or March 17, up to 5 may have left.")] == [
        "day", "day", "count"]


def test_dates_and_days_that_need_the_published_date():
    found = dates("It opened on 14 March 2004, closed on Friday and reopened last week, in 1990.")
    assert found == ["14 March 2004", "Friday", "last week", "in 1990"]
    assert is_relative_date("Friday") and is_relative_date("last week")
    assert not is_relative_date("14 March 2004")


def test_names_are_capitalised_runs_but_not_the_first_word_or_calendar():
    found = names("The minister Ann Grey met Bank of Ruritania staff in Zenda on Monday.")
    assert found == ("Ann Grey", "Bank of Ruritania", "Zenda")
    assert names('"I\'ve always said so," she said.') == ()
    assert names("That's what Grey said.") == ("Grey",)


def test_a_word_is_a_name_when_the_articles_capitalise_it():
    texts = ["Officials said Grey spoke in Zenda.", "Later the grey sky cleared, said Grey."]
    stats = term_stats(2, {"grey": 2, "zenda": 1, "sky": 1}, texts)
    assert stats.capital_share("zenda") == 1.0 and stats.capital_share("sky") == 0.0
    query = analyse("what did zenda officials say about the sky", stats)
    assert {t.word for t in query.names} == {"zenda"}
    assert word_cases("He met Zenda, then zenda. Zenda left.")["zenda"] == (2, 1)
    hyphened = term_stats(2, {"winn": 1, "dixi": 1, "store": 1},
                          ["Shares in grocer Winn-Dixie fell, as stores closed."])
    assert {t.word for t in analyse("how many stores does winn-dixie have", hyphened).names} == {
        "winn", "dixie"}


def test_a_misspelt_word_is_a_name_when_the_articles_capitalise_its_spelling():
    texts = ["Officials in Zenda said the storm passed.", "The storm hit Zenda hard."]
    stats = term_stats(2, {"zenda": 2, "storm": 2, "offici": 1}, texts)
    query = analyse("when did the storm hit zendaa", stats)
    assert [(t.word, "zenda" in t.matches) for t in query.names] == [("zendaa", True)]
    assert not analyse("when did the stormm hit", stats).names  # "storm" is written lower


@pytest.mark.parametrize("question, kind", [
    ("How old was the actor when he died?", "age"),
    ("what percentage did shares drop", "percent"),
    ("How much did the club pay for the striker?", "money"),
    ("xbox cables replaced how many", "count"),
    ("How much oil was spilled?", "amount"),
    ("How fast do the lifts go?", "measure"),
    ("In what year did she stand for leader?", "when"),
    ("Which club is the goalkeeper joining?", "who"),
    ("Who said the deal was a disaster?", "quote"),
    ("Which article says that prices will rise?", "quote"),
    ("Summarize the storm in Zenda", "summary"),
    ("tell me about the election", "summary"),
    ("Where will the summit be held?", "where"),
])
def test_question_kinds(question, kind):
    assert question_kind(question) == kind


@pytest.mark.parametrize("question, field", [
    ("Who wrote the article about the storm in Zenda?", "author"),
    ("When was the report on the Zenda floods published?", "published"),
    ("Who wrote the letter to the minister?", None),
    ("When was the film released?", None),
])
def test_questions_about_the_article_itself(question, field):
    assert asks_about_article(question) == field


def test_count_focus_is_what_happened_to_the_people_counted():
    stats = term_stats(10, {"kill": 2, "peopl": 5, "zenda": 1})
    query = analyse("How many people were killed in Zenda?", stats)
    assert "kill" in query.focus
