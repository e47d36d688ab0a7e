"""Short answers: the span of the kind asked inside the highlight, or none. Sentences written for these tests in
several outlets' styles (wire copy, a local paper, a sports report, a business brief)."""

from __future__ import annotations

import re

import pytest

from qa.short_answer import find, respectively


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        (
            "Who chairs the harbour safety board?",
            (
                "Councillors Priya Anand and Tomasz Wojcik, who chair the Parks and Harbour Safety boards, respectively, "
                "backed the plan."
            ),
            "Tomasz Wojcik",
        ),
        (
            "How much did the Carrow lifeboat station cost to rebuild?",
            "Rebuilding the Carrow lifeboat station cost £3.2m, the trust said on Friday.",
            "£3.2m",
        ),
        (
            "How many steps lead to the lamp room?",
            "Volunteer keeper Odile Marchetti climbed the 212 steps at dusk to switch on the lamp.",
            "212 steps",
        ),
        (
            "When did the Velmora tram first reach the quay?",
            "The first tram reached the quay on 14 March 1996, decades before the harbour was rebuilt.",
            "14 March 1996",
        ),
        (
            "Who is the head coach of Ashby Rovers?",
            "Former Ashby Rovers head coach Glen Ruddock was replaced by Marta Klein in the summer.",
            "Glen Ruddock",
        ),
        (
            "Which company bought the Felbridge mill?",
            "The Felbridge mill was bought by Harlow Grain Holdings for an undisclosed sum.",
            "Harlow Grain Holdings",
        ),
    ],
)
def test_the_span_of_the_kind_asked(question: str, sentence: str, expected: str) -> None:
    short = find(question, sentence)
    assert short is not None and short.text == expected
    assert sentence[short.start : short.end] == expected


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("Why did the council delay the vote?", "The council delayed the vote after a long debate on Tuesday."),
        ("Who chairs the harbour board?", "The harbour board met on Tuesday to discuss the budget."),
        ("How many ferries run on Sundays?", "Ferries will run on Sundays from next month, the operator said."),
    ],
)
def test_no_short_answer_when_unsure(question: str, sentence: str) -> None:
    """A why-question, or no span of the kind asked that the question does not already hold: nothing is shown."""
    assert find(question, sentence) is None


def test_answers_carry_the_short_answer_in_article_offsets(ready_index: object) -> None:
    from qa.session import open_answerer
    from qa.settings import Settings

    answerer = open_answerer(Settings.from_env())
    try:
        result = answerer.ask("How much did the Velmora tram extension cost?", 1)
    finally:
        answerer.searcher.close()
    top = result.answers[0]
    assert top.short_answer == "31 million euros"
    assert top.highlight[top.short_answer_start - top.highlight_start : top.short_answer_end - top.highlight_start] == (
        top.short_answer
    )
    record = result.to_record()["answers"][0]
    assert {"short_answer", "short_answer_start", "short_answer_end", "date", "author", "section", "url"} <= set(record)


@pytest.mark.parametrize(
    ("piece", "expected"),
    [("m", "42m"), ("llwo", "Pellworth"), ("Pellworth", "Pellworth"), ("cost 4", "cost 42m")],
)
def test_a_read_span_is_widened_to_whole_words(piece: str, expected: str) -> None:
    """The reader picks word pieces; what it shows is whole words."""
    from qa.reader import Read
    from qa.short_answer import from_read

    sentence = "Mayor Pellworth said the pool cost 42m to rebuild."
    start = sentence.index(expected) + expected.index(piece)
    short = from_read(
        "How much did the new swimming pool cost?", sentence, Read((start, start + len(piece)), 30.0, 0.0)
    )
    assert short is not None and short.text == expected
    assert sentence[short.start : short.end] == expected


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("Mayor", "rebuild", False),  # the whole sentence
        ("Pellworth", "rebuild", False),  # all but one word
        ("the", "rebuild", True),  # about half of it: a long answer, still an answer
        ("42m", "42m", True),
    ],
)
def test_a_read_span_that_is_most_of_the_sentence_is_not_a_short_answer(first: str, last: str, shown: bool) -> None:
    """A short answer shown above the highlight says something shorter than the highlight; a reader span running over
    nearly all of the sentence is shown as nothing."""
    from qa.reader import Read
    from qa.short_answer import from_read

    sentence = "Mayor Pellworth said on Tuesday that the council expects the old pool to cost 42m to rebuild."
    start, end = sentence.index(first), sentence.index(last) + len(last)
    short = from_read("How much will the pool cost?", sentence, Read((start, end), 30.0, 0.0))
    assert (short is not None) == shown
    if shown:
        assert short is not None and short.text == sentence[start:end]


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        (  # wire style, two people and two bodies
            "Who chairs the transport board?",
            "Deputies Ana Ruiz and Li Wei, who chair the Housing and Transport boards respectively, backed the plan.",
            "Li Wei",
        ),
        (  # business pages, figures paired with companies
            "How much did Pine Mutual shares rise?",
            "Shares in Alder Bank and Pine Mutual rose 4% and 7%, respectively, in early trading.",
            "7%",
        ),
        (  # three of each, the middle one asked
            "Who leads the parks department?",
            (
                "Jane Okafor, Tom Reyes and Ada Lin, who lead the Housing, Parks and Roads departments respectively, "
                "signed the letter."
            ),
            "Tom Reyes",
        ),
        (  # tabloid style, the other way round: the question names the person
            "Which club does Marco Vell play for?",
            "Strikers Danny Kemp and Marco Vell, of Rovers and United respectively, were both booked.",
            "United",
        ),
    ],
)
def test_respectively_pairs_the_item_the_question_names(question: str, sentence: str, expected: str) -> None:
    short = respectively(question, sentence)
    assert short is not None and short.text == expected
    assert sentence[short.start : short.end] == expected


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        # no "respectively": the order of two lists says nothing
        ("Who chairs the transport board?", "Ana Ruiz and Li Wei sit on the Housing and Transport boards."),
        # the question names no item of either list
        ("Who won the vote?", "Ana Ruiz and Li Wei, of the Housing and Transport boards respectively, abstained."),
        # the lists differ in length: no pairing
        (
            "Who chairs the transport board?",
            "Ana Ruiz and Li Wei chair the Housing, Transport and Parks boards respectively.",
        ),
        # a number asked, a name paired
        (
            "How many votes did the Transport board cast?",
            "Ana Ruiz and Li Wei chair Housing and Transport respectively.",
        ),
    ],
)
def test_no_respectively_answer_without_a_clear_pair(question: str, sentence: str) -> None:
    assert respectively(question, sentence) is None


def test_the_shipped_seeds_answer_a_respectively_question_with_the_one_person(qa_paths) -> None:
    """The seeds name two council members and two committees in one sentence: the record's short answer is the
    member paired with the committee asked about, and the other one for the other committee."""
    import shutil
    from pathlib import Path

    from qa.build import build
    from qa.session import open_answerer
    from qa.settings import Settings

    shutil.copytree(Path(__file__).resolve().parents[1] / "seeds", qa_paths.seeds)
    settings = Settings(seeds=qa_paths.seeds, index=qa_paths.index)
    build(settings)
    answerer = open_answerer(settings)
    try:
        results = answerer.ask_many(
            ["who chairs the public safety committee?", "who chairs the civil rights committee?"], 1
        )
    finally:
        answerer.searcher.close()
    safety, rights = (r.to_record()["answers"][0] for r in results)
    for record in (safety, rights):
        assert "respectively" in record["highlight"]
        at = record["short_answer_start"] - record["start"], record["short_answer_end"] - record["start"]
        assert record["passage"][at[0] : at[1]] == record["short_answer"]
    assert safety["short_answer"] != rights["short_answer"]
    assert {safety["short_answer"], rights["short_answer"]} <= set(_names(safety["highlight"]))


def _names(sentence: str) -> list[str]:
    """Capitalized runs of two words or more (people's names) in the sentence."""
    return re.findall(r"[A-Z][\w-]+ [A-Z][\w-]+", sentence)


def test_respectively_reads_hostile_sentences_in_one_pass() -> None:
    """Long runs of hyphenated capitals, commas and "and" with no pairing to find: the lists are built from the items
    in one pass, so this returns at once (a backtracking pattern over them never returned). Run in a child process
    with a time limit, so a regression fails instead of hanging the suite."""
    import subprocess
    import sys

    script = (
        "from qa.short_answer import respectively\n"
        "for s in ['A-' * 40 + 'B respectively', ', '.join(['Al-Be-Ga-De-Ep'] * 60) + ' respectively',\n"
        "          ' and '.join(['Alpha of the Beta'] * 400) + ' respectively']:\n"
        "    assert respectively('who is Alpha?', s) is None\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.stdout.strip() == "ok", done.stderr
