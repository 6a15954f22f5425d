"""Follow-ups made stand-alone: names of the earlier question, and the name a who-answer gave."""

from types import SimpleNamespace

from fakes import term_stats

from assistant.chat import condense, remembered


def answer(quote, answered=True):
    citation = SimpleNamespace(quote=quote)
    return SimpleNamespace(condensed_question=None, answered=answered,
                           citations=[citation] if answered else [])


def test_a_who_answer_leaves_its_name_for_the_next_turn():
    first = "Who runs Zenda Air?"
    kept = remembered(first, answer("Zenda Air's chief executive Ann Grey said fares would rise."))
    assert kept == "Who runs Zenda Air? Ann Grey"
    follow_up = condense("What did he say about fares?", [kept])
    assert "Ann" in follow_up and "Grey" in follow_up and "Zenda" in follow_up


def test_other_turns_and_declines_leave_the_question_only():
    assert remembered("How many planes does Zenda Air fly?", answer("It flies 40 planes.")) == (
        "How many planes does Zenda Air fly?")
    assert remembered("Who runs Zenda Air?", answer("", answered=False)) == "Who runs Zenda Air?"


def test_a_question_with_its_own_names_is_left_alone():
    assert condense("How many planes does Ruritania Air fly?", ["Who runs Zenda Air?"]) == (
        "How many planes does Ruritania Air fly?")


def test_names_carried_over_are_the_words_the_articles_capitalise():
    stats = term_stats(2, {"zenda": 2, "storm": 2, "injur": 1},
                       ["A storm in Zenda injured many.", "Officials in Zenda said so."])
    earlier = ["how many ppl injured zendaa"]  # lower case and misspelt
    assert condense("how many were killed there?", earlier, stats) == (
        "how many were killed there? (zendaa)")
    assert condense("how many were killed there?", earlier) == "how many were killed there?"
    assert condense("when did the storm hit zenda", ["who runs Ruritania Air?"], stats) == (
        "when did the storm hit zenda")  # names its own place: no follow-up
