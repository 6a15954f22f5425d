"""The answer ranker's parts on articles made for the purpose: features, kinds, the decline,
figures from several articles, dates said as the article's."""

from datetime import date

import numpy as np
import pytest

from index.documents import Article
from index.text import figures
from fakes import term_stats

from assistant.answer import NOT_IN_ARTICLES, answer_extractively
from assistant.query import analyse
from assistant.ranker import (
    FEATURES, QUESTION_FEATURES, Ranker, candidates, default_ranker, features, figure_fits,
    fitting_figures, has_new_name, has_speech_verb, question_features,
)
from assistant.retrieval import Passage

ZENDA = Article(
    doc_id="zenda.txt", title="Storm hits Zenda", source="Daily Post", published=date(2024, 3, 8),
    url="", text=(
        "Storm hits Zenda\n\n"
        "A storm struck the town of Zenda on Friday, officials said. "
        "Thirty trees fell across the main road. "
        "At least 17 people were injured and taken to hospital. "
        "The mayor, Ann Grey, said repairs would cost £2.5m. "
        "Grey, 54, has led the town since 2019."
    ),
)
ZENDA_TOO = Article(
    doc_id="zenda-2.txt", title="Zenda counts the cost", source="Evening Star",
    published=date(2024, 3, 9), url="", text=(
        "Zenda counts the cost\n\n"
        "Officials in Zenda now say 19 people were injured in Friday's storm."
    ),
)
ARTICLES = {a.doc_id: a for a in (ZENDA, ZENDA_TOO)}
STATS = term_stats(20, {"storm": 3, "zenda": 2, "injur": 2, "peopl": 6, "mayor": 1, "cost": 2,
                        "repair": 1, "old": 3, "grey": 1, "tree": 1},
                   [a.text for a in ARTICLES.values()])


def passages():
    return [Passage(a.doc_id, f"{a.doc_id}::0", 0, len(a.text), 1.0 / (n + 1))
            for n, a in enumerate(ARTICLES.values())]


def column(rows, name):
    return rows[:, FEATURES.index(name)]


def rows_for(question):
    query = analyse(question, STATS)
    found = candidates(passages(), ARTICLES)
    return query, found, features(query, found)


def test_a_figure_near_what_is_counted_fits_better_than_another_figure():
    query, found, rows = rows_for("how many people were injured in zenda")
    texts = [c.text for c in found]
    injured = texts.index("At least 17 people were injured and taken to hospital.")
    trees = texts.index("Thirty trees fell across the main road.")
    assert column(rows, "fits_kind")[injured] == column(rows, "fits_kind")[trees] == 1
    assert column(rows, "answer_near_terms")[injured] > column(rows, "answer_near_terms")[trees]
    assert column(rows, "coverage")[injured] > column(rows, "coverage")[trees]


@pytest.mark.parametrize("question, sentence", [
    ("How much will the repairs cost?", "The mayor, Ann Grey, said repairs would cost £2.5m."),
    ("How old is the mayor?", "Grey, 54, has led the town since 2019."),
    ("Who is the mayor of Zenda?", "The mayor, Ann Grey, said repairs would cost £2.5m."),
])
def test_the_sentence_holding_the_kind_asked_for_fits(question, sentence):
    _, found, rows = rows_for(question)
    fits = {c.text: f for c, f in zip(found, column(rows, "fits_kind"))}
    assert fits[sentence] == 1
    assert fits["Thirty trees fell across the main road."] == 0


def test_a_quote_is_a_sentence_reporting_speech_or_quoting_not_one_with_an_apostrophe():
    council = Article("council.txt", "Zenda council", "Daily Post", date(2024, 3, 8), "",
                      "Zenda council\n\nThe council denied it, asserting that workers "
                      "\u2018never closed the road\u2019. Zenda's road reopened on Monday.")
    query = analyse("What did the Zenda council say about the road?", STATS)
    found = candidates([Passage("council.txt", "council.txt::0", 0, len(council.text), 1.0)],
                       {"council.txt": council})
    fits = {c.text: f for c, f in zip(found, column(features(query, found), "fits_kind"))}
    assert fits["Zenda's road reopened on Monday."] == 0
    assert fits["The council denied it, asserting that workers \u2018never closed the "
                "road\u2019."] == 1


def test_a_verb_that_is_as_often_a_noun_reports_speech_in_the_past_tense():
    assert has_speech_verb("The mayor stated that the road would reopen.")
    assert not has_speech_verb("The state of the road worried the mayor.")


def test_a_question_about_a_size_or_speed_is_answered_best_by_a_measure_or_speed():
    tower = Article("tower.txt", "Zenda tower", "Daily Post", date(2024, 3, 8), "",
                    "Zenda tower\n\nIts lifts climb the tower in 30 seconds. "
                    "The lifts travel at 17 metres per second. The lifts carry 24 people. "
                    "The tower is 508m tall.")
    found = candidates([Passage("tower.txt", "tower.txt::0", 0, len(tower.text), 1.0)],
                       {"tower.txt": tower})

    def fits(question):
        rows = features(analyse(question, STATS), found)
        return {c.text.split()[-2]: f for c, f in zip(found, column(rows, "fits_kind"))
                if c.text != tower.title}

    assert fits("How fast do the lifts in the Zenda tower go?") == {
        "30": 0.5, "per": 1.0, "24": 0.5, "508m": 0.5}  # a height is no speed
    assert fits("How tall is the Zenda tower?") == {
        "30": 0.5, "per": 0.5, "24": 0.5, "508m": 1.0}
    assert fits("How long does the lift take to climb the Zenda tower?")["30"] == 1.0
    assert fits("How many people do the Zenda lifts carry?") == {
        "30": 0, "per": 0, "24": 1, "508m": 0}


def test_where_is_answered_best_by_a_place_something_is_set_in():
    query, found, rows = rows_for("Where did the storm strike?")
    fits = {c.text: f for c, f in zip(found, column(rows, "fits_kind"))}
    assert fits["A storm struck the town of Zenda on Friday, officials said."] == 1
    assert fits["The mayor, Ann Grey, said repairs would cost £2.5m."] == 0.5  # a name only
    assert fits["Thirty trees fell across the main road."] == 0


def test_names_said_just_before_count_for_the_sentence():
    _, found, rows = rows_for("How many people were injured in Zenda?")
    texts = [c.text for c in found]
    injured = texts.index("At least 17 people were injured and taken to hospital.")
    assert column(rows, "coverage_context")[injured] > column(rows, "coverage")[injured]
    assert column(rows, "names_missing")[injured] == 0


def test_names_said_before_a_heading_do_not_count_for_the_next_section():
    def roads_row(text):
        article = Article(doc_id="county.txt", title="Storm hits the county", source="Post",
                          published=date(2024, 3, 8), url="", text=text)
        query = analyse("How many roads were closed in Zenda?", STATS)
        found = candidates([Passage(article.doc_id, "c::0", 0, len(text), 1.0)],
                           {article.doc_id: article})
        rows = features(query, found)
        return rows[[c.text for c in found].index("Floods closed 12 roads.")]

    lead = "Storm hits the county\n\nA storm struck the county on Friday. Zenda lost power. "
    same_section = roads_row(lead + "Floods closed 12 roads.")
    next_section = roads_row(lead + "\n\nElsewhere\n\nFloods closed 12 roads.")
    assert same_section[FEATURES.index("names_missing")] == 0
    assert next_section[FEATURES.index("names_missing")] == 1


def test_other_words_said_just_before_are_kept_apart_from_the_sentence():
    _, found, rows = rows_for("How much will the repairs to the hospital cost?")
    mayor = [c.text for c in found].index("The mayor, Ann Grey, said repairs would cost £2.5m.")
    assert column(rows, "coverage_context")[mayor] == column(rows, "coverage")[mayor]
    assert column(rows, "content_before")[mayor] > 0  # "hospital", in the sentence before
    assert column(rows, "key_missing")[mayor] > 0


def ranker_on(feature: str, threshold: float) -> Ranker:
    """A ranker that reads one feature only, and answers on its best sentence's chance."""
    coef = np.zeros(len(FEATURES))
    coef[FEATURES.index(feature)] = 4.0
    answer_coef = np.zeros(len(QUESTION_FEATURES))
    answer_coef[QUESTION_FEATURES.index("best_log_odds")] = 1.0
    return Ranker(np.zeros(len(FEATURES)), np.ones(len(FEATURES)), coef, -2.0, answer_coef, 0.0,
                  threshold, 0.9)


def test_declines_below_the_threshold_and_cites_nothing():
    query = analyse("How many people were injured in Zenda?", STATS)
    draft = answer_extractively(query, passages(), ARTICLES, ranker=ranker_on("coverage", 0.999))
    assert not draft.answered and draft.citations == [] and draft.text == NOT_IN_ARTICLES


def test_a_figure_is_answered_only_by_a_sentence_holding_one_of_its_kind():
    library = Article("library.txt", "Zenda library opens", "Daily Post", date(2024, 4, 2), "",
                      "Zenda library opens\n\nThe mayor of Zenda opened the new library "
                      "on Monday. Residents said the library was long overdue.")
    found = [Passage(library.doc_id, "library.txt::0", 0, len(library.text), 1.0)]
    anything = ranker_on("coverage", 0.0)  # would answer with any sentence at all
    books = answer_extractively(analyse("How many books does the Zenda library hold?", STATS),
                                found, {library.doc_id: library}, ranker=anything)
    assert not books.answered and books.citations == []
    repairs = answer_extractively(analyse("How much will the repairs in Zenda cost?", STATS),
                                  passages(), ARTICLES, ranker=anything)
    assert repairs.answered and "£2.5m" in repairs.text
    sum_, number = figures("It cost £5m to replace 30 trees.")
    assert figure_fits("count", number, frozenset({"tree"}))
    assert not figure_fits("count", sum_, frozenset({"tree"}))  # "how many trees": not £5m
    assert figure_fits("count", sum_, frozenset({"dollar"}))  # "how many dollars"
    assert figure_fits("amount", sum_) and figure_fits("amount", number)  # "how much"


def test_only_a_sentence_naming_what_the_question_names_can_answer():
    flood = Article("flood.txt", "Floods in Ruritania", "Daily Post", date(2024, 3, 8), "",
                    "Floods in Ruritania\n\nA storm and floods in Ruritania injured 40 people.")
    articles = {flood.doc_id: flood, ZENDA.doc_id: ZENDA}
    found = [Passage(a.doc_id, f"{a.doc_id}::0", 0, len(a.text), 1.0) for a in articles.values()]
    stats = term_stats(20, {"storm": 3, "zenda": 2, "injur": 3, "peopl": 6, "flood": 1,
                            "ruritania": 1, "road": 2}, [a.text for a in articles.values()])
    query = analyse("How many people were injured by the storm in Zenda?", stats)
    assert [t.word for t in query.names] == ["Zenda"]
    draft = answer_extractively(query, found, articles, ranker=ranker_on("coverage", 0.0))
    assert draft.answered and "17 people" in draft.text and "40 people" not in draft.text
    assert [c.doc_id for c in draft.citations] == ["zenda.txt"]
    elsewhere = answer_extractively(analyse("How many people were injured in Ruritania?", stats),
                                    found[1:], articles, ranker=ranker_on("coverage", 0.0))
    assert not elsewhere.answered  # Zenda's 17 are no answer about Ruritania


def test_a_number_the_question_gives_is_not_its_answer():
    query = analyse("How many of the 17 injured people left hospital in Zenda?", STATS)
    assert fitting_figures(query, figures("At least 17 people were injured.")) == []
    assert [f.value for f in fitting_figures(query, figures("Nine of the 17 went home."))] == [
        "nine"]
    draft = answer_extractively(query, passages(), ARTICLES, ranker=ranker_on("coverage", 0.0))
    assert "19 people" in draft.text and "17 people" not in draft.text  # not the one given


def test_a_question_on_what_day_is_answered_only_by_a_sentence_that_gives_a_day():
    fair = Article("fair.txt", "Zenda fair", "Daily Post", date(2024, 5, 2), "",
                   "Zenda fair\n\nThe Zenda fair returns in June. Stalls open on Saturday.")
    found = [Passage(fair.doc_id, "fair.txt::0", 0, len(fair.text), 1.0)]
    anything = ranker_on("coverage", 0.0)  # would answer with any sentence at all
    day = answer_extractively(analyse("On what day does the Zenda fair return?", STATS),
                              found, {fair.doc_id: fair}, ranker=anything)
    assert day.answered and "Saturday" in day.text and "June" not in day.text
    when = answer_extractively(analyse("When does the Zenda fair return?", STATS),
                               found, {fair.doc_id: fair}, ranker=anything)
    assert when.answered and "in June" in when.text
    only_month = Article("fair2.txt", "Zenda fair", "Daily Post", date(2024, 5, 2), "",
                         "Zenda fair\n\nThe Zenda fair returns in June.")
    found = [Passage(only_month.doc_id, "fair2.txt::0", 0, len(only_month.text), 1.0)]
    assert not answer_extractively(analyse("On what day does the Zenda fair return?", STATS),
                                   found, {only_month.doc_id: only_month}, ranker=anything).answered


def test_an_opening_word_the_articles_write_in_lower_case_is_no_name():
    stats = term_stats(3, {"mayor": 1, "zenda": 2}, [
        "The town of Zenda, amidst the storm, met its mayor Ann Grey.",
        "Officials in Zenda said, amidst it all, that the roads were open."])
    query = analyse("Who is the mayor of Zenda?", stats)
    assert not has_new_name("Amidst these times, Zenda hopes.", query)
    assert has_new_name("Amidst these times, Ann Grey hopes.", query)
    assert has_new_name("Grey said Zenda hopes.", query)  # an opening name stays a name


def test_figures_of_several_articles_each_with_its_source():
    query = analyse("How many people were injured in Zenda?", STATS)
    draft = answer_extractively(query, passages(), ARTICLES,
                                ranker=ranker_on("answer_near_terms", 0.5))
    assert {c.doc_id for c in draft.citations} == {"zenda.txt", "zenda-2.txt"}
    assert "17" in draft.text and "19" in draft.text and "36" not in draft.text
    for citation in draft.citations:
        assert ARTICLES[citation.doc_id].text[citation.start:citation.end] == citation.quote


def test_a_day_without_a_date_is_placed_by_the_published_date():
    query = analyse("When did the storm strike Zenda?", STATS)
    draft = answer_extractively(query, passages()[:1], ARTICLES,
                                ranker=ranker_on("fits_kind", 0.5))
    assert "on Friday" in draft.text and "published on 2024-03-08" in draft.text


def test_a_summary_is_the_lead_of_each_relevant_article():
    query = analyse("Summarize the storm in Zenda", STATS)
    draft = answer_extractively(query, passages(), ARTICLES, ranker=ranker_on("coverage", 0.5))
    quotes = [c.quote for c in draft.citations]
    assert quotes == ["A storm struck the town of Zenda on Friday, officials said.",
                      "Officials in Zenda now say 19 people were injured in Friday's storm."]


def test_the_packaged_model_reads_the_current_features():
    ranker = default_ranker()
    assert len(ranker.coef) == len(FEATURES) and 0 < ranker.threshold < 1
    assert len(ranker.answer_coef) == len(QUESTION_FEATURES)


def test_the_decline_reads_how_much_of_the_question_sits_next_to_the_answer():
    _, _, rows = rows_for("How many people were injured in Zenda?")
    chances = column(rows, "answer_near_terms")  # the best: "17 people were injured"
    best = int(np.argmax(chances))
    read = dict(zip(QUESTION_FEATURES, question_features(rows, chances)))
    assert read["best_answer_near_terms"] == column(rows, "answer_near_terms")[best] > 0
