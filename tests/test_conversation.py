"""Follow-up reading: each kind of follow-up rewritten to stand alone, standalone questions left alone, and
conversations in question files read through the real entry point (JSONL and CSV).

Every name and article here is invented for these tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from qa.conversation import Conversation, follow


def read(*turns: str, answers: dict[int, str] | None = None, topic: str | None = None) -> str | None:
    """The last turn's reading after the ones before it (each earlier turn remembered as it was read)."""
    talk = Conversation(topic=topic)
    for i, question in enumerate(turns[:-1]):
        talk.add(question, talk.read(question), answer=(answers or {}).get(i))
    return talk.read(turns[-1])


class TestPronouns:
    def test_she_is_the_person_named_before(self) -> None:
        assert read("What did Marisol Venn promise the dockers?", "how much did she get?") == (
            "How much did Marisol Venn get?"
        )

    def test_the_name_once_then_the_pronoun(self) -> None:
        out = read("Where was Tobias Quell born?", "what was he building when he fell ill?")
        assert out == "What was Tobias Quell building when he fell ill?"

    def test_his_becomes_a_possessive(self) -> None:
        out = read("Where was Tobias Quell born?", "what was his first job?")
        assert out == "What was Tobias Quell's first job?"

    def test_he_is_the_previous_answer_when_it_named_someone(self) -> None:
        out = read(
            "Who chairs the Brannock harbour board?", "what did he say about the tolls?", answers={0: "Ezra Holm"}
        )
        assert out == "What did Ezra Holm say about the tolls?"

    def test_he_without_an_answer_is_the_person_the_question_described(self) -> None:
        out = read("Who is the treasurer of the Ostrava Rowing Federation?", "what did he say about the fees?")
        assert out == "What did the treasurer of the Ostrava Rowing Federation say about the fees?"

    def test_it_is_the_thing_named_with_its_noun(self) -> None:
        out = read("What is the route of the Amber Line bus?", "How much will it cost?")
        assert out == "How much will the Amber Line bus cost?"

    @pytest.mark.parametrize("verb", ["cost", "open", "hire"])
    def test_it_after_a_rewrite_is_the_thing_not_its_verb(self, verb: str) -> None:
        # the second turn reads "How much did the Marlow library <verb>?": the verb after "did" is no part of the name
        out = read("Who designed the Marlow library?", f"How much did it {verb}?", "When did it close?")
        assert out == "When did the Marlow library close?"

    @pytest.mark.parametrize(
        ("first", "then", "expected"),
        [
            ("How much did the museum pay for the telescope?", "Who built it?", "Who built the telescope?"),
            ("Why did the council delay the vote?", "when will it happen?", "When will the vote happen?"),
            ("When did the depot open?", "who runs it?", "Who runs the depot?"),
        ],
    )
    def test_it_is_the_thing_a_question_without_names_was_about(self, first: str, then: str, expected: str) -> None:
        assert read(first, then) == expected

    @pytest.mark.parametrize(
        ("first", "then", "expected"),
        [
            ("When did Harwick school board adopt the new uniform policy?", "how much will it cost?",
             "How much will the new uniform policy cost?"),
            ("When did Corvel Bank launch its savings account?", "what does it cost?",
             "What does Corvel Bank's savings account cost?"),
            ("Why did Ardley council raise the bin charge?", "how much is it now?", "How much is the bin charge now?"),
        ],
    )  # fmt: skip
    def test_a_price_asked_of_it_is_the_thing_acted_on_not_who_acted(
        self, first: str, then: str, expected: str
    ) -> None:
        assert read(first, then) == expected

    def test_it_that_pays_is_who_acted(self) -> None:
        out = read("Which firm is Ardley Holdings buying?", "how much is it paying?")
        assert out == "How much is Ardley Holdings paying?"

    @pytest.mark.parametrize(
        ("first", "then", "expected"),
        [
            ("How much does the Kelso X2 drill cost?", "when did that one come out?",
             "When did the Kelso X2 drill come out?"),
            ("How many schools will Brindle council merge?", "who leads that one?", "Who leads Brindle council?"),
        ],
    )  # fmt: skip
    def test_that_one_as_a_subject_is_the_named_thing_before(self, first: str, then: str, expected: str) -> None:
        assert read(first, then) == expected

    def test_the_x_one_keeps_the_name_that_qualifies_the_thing(self) -> None:
        out = read("Who won the Kellerby art prize in 2018?", "what about the sculpture one?")
        assert out == "Who won the Kellerby sculpture prize in 2018?"

    def test_with_a_topic_it_is_the_topic_when_the_last_turn_names_nothing(self) -> None:
        out = read("What did the critics say about the album?", "Did it sell well?", topic="Ferrous Dawn")
        assert out == "Did Ferrous Dawn sell well?"

    def test_he_is_the_role_a_name_qualifies(self) -> None:
        out = read("What did the Dunmore sheriff say about the jail?", "Is he running again?")
        assert out == "Is the Dunmore sheriff running again?"

    def test_it_is_the_whole_thing_before_the_verb(self) -> None:
        out = read("What does the Ravenhill rent control law do?", "Who voted against it?")
        assert out == "Who voted against the Ravenhill rent control law?"

    def test_what_was_said_is_no_thing_named_before(self) -> None:
        assert read("What did Ezra Holm say about the tolls?", "when did he say it?") == "When did Ezra Holm say it?"

    def test_it_is_the_named_thing_not_the_person_who_spoke_of_it(self) -> None:
        out = read("What did Maria Quell say about the Pell Street bakery?", "when did it open?")
        assert out == "When did the Pell Street bakery open?"

    def test_it_after_a_question_about_someone_unnamed_is_no_possessive(self) -> None:
        out = read("Who is the Tarrow transit authority's director?", "when was it set up?")
        assert out is not None and "authority's" not in out and "transit authority" in out

    @pytest.mark.parametrize(
        ("first", "then", "expected"),
        [
            ("When was the chief constable of Dunhallow suspended?", "who replaced her?",
             "Who replaced the chief constable of Dunhallow?"),
            ("Why did the head of Corvel Bank resign?", "who replaced him?", "Who replaced the head of Corvel Bank?"),
            ("When did the wife of Tom Harte die?", "when was he born?", "When was Tom Harte born?"),
        ],
    )  # fmt: skip
    def test_a_person_named_by_a_role_of_a_place_is_the_role(self, first: str, then: str, expected: str) -> None:
        assert read(first, then) == expected

    def test_her_with_no_noun_after_it_is_the_person(self) -> None:
        assert read("Why was Ilse Marrow suspended?", "who replaced her?") == "Who replaced Ilse Marrow?"
        out = read("Where was Ilse Marrow born?", "what happened in her other years at the club?")
        assert out == "What happened in Ilse Marrow's other years at the club?"

    def test_it_is_never_the_person_the_last_turn_was_about(self) -> None:
        talk = Conversation()
        talk.add("Who is the chief executive of Kestrel?", None, answer="Imogen Varr")
        talk.add("When did Imogen Varr join?", "When did Imogen Varr join?")
        assert talk.read("how many jobs is it cutting?") == "How many jobs is Kestrel cutting?"

    def test_it_after_an_owner_is_what_it_owns(self) -> None:
        out = read("Why was Halvern Otters' match against Pryce Town postponed?", "when will it be played?")
        assert out == "When will Halvern Otters' match be played?"

    def test_them_after_which_is_the_name_it_was_answered_with(self) -> None:
        out = read("Which club does Leni Marsh play for?", "who coaches them?", answers={0: "Cobble Hill Saints"})
        assert out == "Who coaches Cobble Hill Saints?"
        not_a_name = read("Which club does Leni Marsh play for?", "who coaches them?", answers={0: "I don't know."})
        assert not_a_name is None or "know" not in not_a_name

    @pytest.mark.parametrize(
        ("first", "answer", "then", "expected"),
        [
            ("Which firm bought the Kessel paper mill?", "Orrin Holdings", "how much did it pay?",
             "How much did Orrin Holdings pay?"),
            ("Which bank has cut its mortgage rates?", "Tarrow Bank", "when did it announce the cut?",
             "When did Tarrow Bank announce the cut?"),
            ("Which broadcaster won the rights to the Brenna Cup?", "Kestrel TV", "how much did it bid?",
             "How much did Kestrel TV bid?"),
            ("What company makes the Vesta?", "Harrow Motors", "where is it based?", "Where is Harrow Motors based?"),
            # a made thing, asked as subject or object, and a title with its article
            ("Which phone did Nimbrel launch on Tuesday?", "Nimbrel Arc", "how much does it cost?",
             "How much does Nimbrel Arc cost?"),
            ("Which game did Quillon Studios release last week?", "Ember Tide", "how many copies has it sold?",
             "How many copies has Ember Tide sold?"),
            ("Which album topped the chart this week?", "Glass Harbour", "who recorded it?",
             "Who recorded Glass Harbour?"),
            ("Which film won best picture at the Corran awards?", "The Salt Road", "who directed it?",
             "Who directed The Salt Road?"),
        ],
    )  # fmt: skip
    def test_it_after_which_body_or_thing_is_the_answer(
        self, first: str, answer: str, then: str, expected: str
    ) -> None:
        assert read(first, then, answers={0: answer}) == expected

    def test_it_is_not_the_answer_when_which_asked_for_the_object_or_a_place(self) -> None:
        out = read("Which firm is Orrin Holdings buying?", "how much is it paying?", answers={0: "Kessel Mills"})
        assert out == "How much is Orrin Holdings paying?"
        out = read("Which city will host the Brenna Games?", "how much will it cost?", answers={0: "Lowick"})
        assert out == "How much will the Brenna Games cost?"

    def test_they_after_two_people_is_both(self) -> None:
        out = read("What did Varga say about Ostrowski?", "which paper did they both talk to?")
        assert out == "Which paper did Varga and Ostrowski both talk to?"

    def test_they_is_the_organisation(self) -> None:
        out = read("Why did Pellucid Mining close the Dunmore pit?", "how many workers did they lay off?")
        assert out is not None and "Pellucid Mining" in out and "they" not in out.split()

    def test_a_pronoun_with_its_own_antecedent_is_left(self) -> None:
        assert read("Who runs Corvel Bank?", "What did the Halden Trust say at its annual meeting?") is None

    def test_the_conversations_topic_is_the_last_resort(self) -> None:
        assert (
            read("What did he record in 1971?", topic="Ansel Brightwater")
            == "What did Ansel Brightwater record in 1971?"
        )


class TestGender:
    def test_she_passes_over_the_man_the_last_answer_named(self) -> None:
        out = read(
            "How old was the sculptor Ilse Marrow when she retired?", "who cast her bronzes?", "where was she born?",
            answers={1: "Tomas Brekke"},
        )  # fmt: skip
        assert out == "Where was Ilse Marrow born?"

    def test_he_is_still_the_last_answer_when_nothing_says_otherwise(self) -> None:
        out = read("Who cast the bronzes for the Marrow show?", "where was he born?", answers={0: "Tomas Brekke"})
        assert out == "Where was Tomas Brekke born?"

    def test_the_passage_shown_can_tell(self) -> None:
        talk = Conversation()
        talk.add("Who chairs the Vell harbour board?", answer="Ada Quist", passage="Ada Quist chairs the board.")
        talk.add("who runs the pilots' guild?", answer="Jon Ekker", passage="Mr Ekker runs the guild. He said so.")
        assert talk.read("what did she say about the tolls?") == "What did Ada Quist say about the tolls?"

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Mr Holm said the tolls would rise.", "m"),
            ("Dame Ada Venn opened the bridge.", "f"),
            ("Venn, who chairs the board, said she would stay.", "f"),
            ("Holm spoke first. He said the tolls would rise.", "m"),
            ("Holm thanked her for the report.", None),  # an object pronoun is as often someone else
            ("Holm told Ada Venn that she had won.", None),  # another name comes between
            ("Mr Holm spoke. Later Holm said she was wrong.", None),  # both ways: unknown
        ],
    )
    def test_what_counts_as_evidence(self, text: str, expected: str | None) -> None:
        from qa.gender import gender_of

        name = "Ada Venn" if "Venn" in text and "Holm" not in text else "Ezra Holm"
        assert gender_of(name, [text]) == expected


class TestTheOne:
    def test_the_x_one_swaps_the_modifier_of_the_same_noun(self) -> None:
        out = read("who chairs the transit committee?", "and the housing one?")
        assert out == "Who chairs the housing committee?"

    def test_capitalized_modifiers(self) -> None:
        out = read("Who stars in the Edda Lind drama?", "and the Piet Ossen one?")
        assert out == "Who stars in the Piet Ossen drama?"

    def test_that_noun_is_the_previous_phrase_with_that_noun(self) -> None:
        out = read("How much did Varga Motors' truck division earn?", "which models are in that division?")
        assert out == "Which models are in Varga Motors' truck division?"

    @pytest.mark.parametrize(
        ("first", "answer", "then", "expected"),
        [
            ("Which clinic has the shortest queue in Tarrow?", "Elmfield Clinic", "how long is the queue at that one?",
             "How long is the queue at Elmfield Clinic?"),
            ("Which clinic has the shortest queue in Tarrow?", None, "how long is the queue at that one?",
             "How long is the queue at the clinic?"),
            ("Which side won the Brannock cup final?", None, "who coaches that one?",
             "Who coaches the side that won the Brannock cup final?"),
        ],
    )  # fmt: skip
    def test_that_one_after_which_is_what_it_named(
        self, first: str, answer: str | None, then: str, expected: str
    ) -> None:
        assert read(first, then, answers={0: answer} if answer else None) == expected


class TestAndWhatAbout:
    def test_a_name_takes_the_previous_names_place(self) -> None:
        assert read("Where did Lorna record her part?", "and Felix Arden?") == "Where did Felix Arden record her part?"

    @pytest.mark.parametrize(
        ("first", "then", "expected"),
        [
            ("Who is the Dunmore sheriff?", "and Harwick's mayor?", "Who is Harwick's mayor?"),
            ("Who is the Dunmore sheriff?", "and Harwick?", "Who is the Harwick sheriff?"),
            ("When will the Corrin ferry enter service?", "and the Maren ferry?",
             "When will the Maren ferry enter service?"),
            ("How much did the Tolland library cost?", "and the Kelso bridge?", "How much did the Kelso bridge cost?"),
            ("How many books does the Tolland library have?", "what about the Kelso bridge?",
             "How many books does the Kelso bridge have?"),
            ("What did the mayor call it?", "and the river?", "What did the river call it?"),
            ("Who runs Corvel Bank?", "and Halden Trust?", "Who runs Halden Trust?"),
            ("What did the mayor say about the strike?", "and the governor?", "What did the governor say about the strike?"),
        ],
    )  # fmt: skip
    def test_a_phrase_takes_the_whole_place_of_the_one_it_replaces(self, first: str, then: str, expected: str) -> None:
        # a name with its own noun replaces the name and its noun; a bare name keeps the noun; the verb stays
        assert read(first, then) == expected

    @pytest.mark.parametrize(
        ("first", "then", "expected"),
        [
            ("Did Governor Ana Ruiz sign the water bill?", "When?", "When did Governor Ana Ruiz sign the water bill?"),
            ("Is the Marlow bridge closing for repairs?", "when?", "When is the Marlow bridge closing for repairs?"),
            ("Did Carrow Transit raise bus fares?", "By how much?", "By how much did Carrow Transit raise bus fares?"),
            ("How much did the Pellham school board spend on buses?", "and the Ardley board?",
             "How much did the Ardley board spend on buses?"),
            ("Did the Halvern Otters win last night?", "Who do they play next?", "Who do the Halvern Otters play next?"),
            ("Who owns the Tidewell Gazette?", "What is its circulation?", "What is the Tidewell Gazette's circulation?"),
            ("How many teachers were laid off in Avon Heights?", "Why?", "Why were teachers laid off in Avon Heights?"),
            ("Who won the Greystone mayoral race?", "What about the council race?", "Who won the Greystone council race?"),
        ],
    )  # fmt: skip
    def test_yes_no_questions_prepositions_and_the(self, first: str, then: str, expected: str) -> None:
        assert read(first, then) == expected

    def test_what_about_a_name(self) -> None:
        out = read("What did Mayor Quist say about the strike?", "what about Councillor Berin?")
        assert out is not None and "Councillor Berin" in out and "strike" in out and "Quist" not in out

    def test_a_phrase_in_the_slot_of_a_possessed_phrase_keeps_the_possessor(self) -> None:
        out = read("How many subscribers did Kestrel Media's cable arm lose?", "and the radio division?")
        assert out == "How many subscribers did Kestrel Media's radio division lose?"

    def test_and_then_a_question_of_its_own(self) -> None:
        out = read("How old was the novelist Ida Karsk when she died?", "and who did she found a press with?")
        assert out == "Who did Ida Karsk found a press with?"

    @pytest.mark.parametrize(
        ("first", "then", "expected"),
        [  # a time for the previous question's time, not beside it
            ("How many flats were sold in Ostrava last year?", "and in 2021?", "How many flats were sold in Ostrava in 2021?"),
            ("How many jobs did the Tarrow mill cut in 2003?", "and 2004?", "How many jobs did the Tarrow mill cut in 2004?"),
            ("What did the Pellham council decide in March 2005?", "and in April?",
             "What did the Pellham council decide in April?"),
            ("What did the harbour board announce yesterday?", "and last week?",
             "What did the harbour board announce last week?"),
            # the thing "of" names, when the new phrase is of its kind (no determiner)
            ("What is the price of diesel in Marrowfield?", "and petrol?", "What is the price of petrol in Marrowfield?"),
            ("Who is the mayor of Tarrow?", "and Ostrava?", "Who is the mayor of Ostrava?"),
            ("What was the cause of the Dunmore fire?", "and the cost?", "What was the cost of the Dunmore fire?"),
            # an owner for an owner; no owner where the question has none
            ("What is the harbourmaster's salary?", "and the deputy harbourmaster's?",
             "What is the deputy harbourmaster's salary?"),
            ("What did the harbourmaster say about the tolls?", "and the deputy harbourmaster's?",
             "What did the deputy harbourmaster say about the tolls?"),
        ],
    )  # fmt: skip
    def test_the_slot_the_phrase_fills(self, first: str, then: str, expected: str) -> None:
        assert read(first, then) == expected

    @pytest.mark.parametrize(
        ("first", "then", "expected"),
        [
            ("What sentence did Corwin Lathe receive?", "and his brother?",
             "What sentence did Corwin Lathe's brother receive?"),
            ("How many homes will the Corran Street development build?", "what about the one on Mill Lane?",
             "How many homes will the Mill Lane development build?"),
            ("What did the mayor of Ebbsworth say about the flood barrier?", "and the chief executive?",
             "What did the chief executive of Ebbsworth say about the flood barrier?"),
            ("How many users did Tessellate lose after the data breach?", "and last month?",
             "How many users did Tessellate lose after the data breach last month?"),
        ],
    )  # fmt: skip
    def test_whose_one_and_whose_time(self, first: str, then: str, expected: str) -> None:
        assert read(first, then) == expected

    def test_a_whole_question_after_and_stands_alone(self) -> None:
        assert read("Who is the captain of the Dalby Harriers?", "And who is the captain of the Corrin Wolves?") is None

    def test_a_phrase_then_a_question_about_it(self) -> None:
        out = read("What did Minister Ruane declare?", "and Tallis, what was his only new entry?")
        assert out == "What was Tallis' only new entry?"


class TestChains:
    """A chain: "and X?" after "and Y?": X takes the place Y took, not the noun run the words happen to form."""

    @pytest.mark.parametrize(
        ("first", "turns"),
        [
            ("What did Orla Pym tell the inquiry?", [
                ("and Harwick's mayor?", "What did Harwick's mayor tell the inquiry?"),
                ("what about the Dunmore sheriff?", "What did the Dunmore sheriff tell the inquiry?"),
                ("and the Carrow one?", "What did the Carrow sheriff tell the inquiry?"),
            ]),
            ("who chairs the harbour works committee?", [
                ("and the parks one?", "Who chairs the parks committee?"),
                ("and the lighting one?", "Who chairs the lighting committee?"),
            ]),
        ],
    )  # fmt: skip
    def test_each_phrase_takes_the_place_of_the_one_before(self, first: str, turns: list[tuple[str, str]]) -> None:
        talk = Conversation()
        talk.add(first)
        for typed, expected in turns:
            read_as = talk.read(typed)
            assert read_as == expected
            talk.add(typed, read_as)

    def test_a_question_asked_as_typed_leaves_no_slot(self) -> None:
        talk = Conversation()
        talk.add("What did Orla Pym tell the inquiry?")
        talk.read("and Harwick's mayor?")
        talk.add("and Harwick's mayor?")  # asked as typed: the reading was not used
        assert talk.turns[-1].slot is None


class TestBareAndElliptical:
    @pytest.mark.parametrize(
        ("bare", "expected"),
        [
            ("when?", "When did Halvard Shipping's shares fall?"),
            ("why?", "Why did Halvard Shipping's shares fall?"),
            ("How much?", "How much did Halvard Shipping's shares fall?"),
        ],
    )
    def test_a_bare_question_word_asks_the_previous_question_anew(self, bare: str, expected: str) -> None:
        assert read("how far did Halvard Shipping's shares fall?", bare) == expected

    @pytest.mark.parametrize(
        ("first", "then", "expected"),
        [
            ("Who do the Tarrow Wolves play on 9 March?", "what time?", "What time do the Tarrow Wolves play on 9 March?"),
            ("Where is the Ilse Marrow exhibition being held?", "until when?",
             "Until when is the Ilse Marrow exhibition being held?"),
            # the wh-phrase is the subject: no "when will hear", the question asked about whole
            ("Which court will hear the Stavely Mills appeal?", "when?",
             "When (Which court will hear the Stavely Mills appeal)?"),
            ("How many teachers will the Pellham district hire?", "when?", "When will the Pellham district hire?"),
        ],
    )  # fmt: skip
    def test_a_bare_time_question(self, first: str, then: str, expected: str) -> None:
        assert read(first, then) == expected

    def test_who_after_a_subject_question(self) -> None:
        out = read("Which firm won the Selby bridge contract?", "who?")
        assert out is not None and out.startswith("Who") and "Selby bridge contract" in out

    def test_and_in_another_year(self) -> None:
        out = read("How many tourists visited Ostermark in 2004?", "and in 2003?")
        assert out == "How many tourists visited Ostermark in 2003?"

    def test_a_prepositional_phrase_replaces_its_parallel(self) -> None:
        out = read("what share of homes with cable own a radio?", "and with satellite?")
        assert out == "What share of homes with satellite own a radio?"

    def test_a_short_question_with_nothing_of_its_own_gets_the_subject(self) -> None:
        out = read("Who scored twice for Norberg against Kallio Rovers?", "who was the referee?")
        assert out is not None and "Norberg" in out and "Kallio Rovers" in out


class TestContractions:
    @pytest.mark.parametrize(
        ("question", "expected"),
        [
            ("who's the deputy chair?", "Who's the deputy chair (Pellworth Ferries)?"),
            ("what’s its biggest route?", "What’s Pellworth Ferries' biggest route?"),
            ("where's it based?", "Where's Pellworth Ferries based?"),
        ],
    )
    def test_a_question_word_with_its_auxiliary_reads_as_two_words(self, question: str, expected: str) -> None:
        assert read("How many ships does Pellworth Ferries run?", question) == expected

    def test_a_possessive_name_is_not_split(self) -> None:
        assert read("How many ships does Pellworth Ferries run?", "what's Orrin Dalby's fleet worth?") is None


class TestStandalone:
    @pytest.mark.parametrize(
        "question",
        [
            "Which Frenholt minister said that the budget was on track?",
            "How many people visited the ferrytale.example website at its peak?",
            "Who scored the late try that earned Dunmore a draw at Helsby?",
            "What did Pellucid Mining pay for the Dunmore pit?",
            "Which former Varga player hailed the win as one of the best in years?",
            "Where did Corinne Abbate tell party activists that trust would decide the vote?",
            "When does the Velstrand tram line open?",
        ],
    )
    def test_a_question_that_stands_alone_is_left_alone(self, question: str) -> None:
        assert read("How much did the Ostermark council spend on roads in 2004?", question) is None

    def test_the_first_question_is_never_rewritten(self) -> None:
        assert Conversation().read("How much will it cost?") is None

    def test_clear_starts_a_new_conversation(self) -> None:
        talk = Conversation()
        talk.add("What did Marisol Venn promise the dockers?")
        talk.clear()
        assert talk.read("how much did she get?") is None

    def test_forget_reading_drops_the_wrong_rewrite(self) -> None:
        talk = Conversation()
        talk.add("Where was Tobias Quell born?")
        talk.add("what was his first job?", "What was Tobias Quell's first job?")
        talk.forget_reading()
        assert [t.question for t in talk.turns] == ["Where was Tobias Quell born?"]


class TestContext:
    def test_context_lists_the_answering_articles_newest_first_once_each(self) -> None:
        talk = Conversation()
        talk.add("Which council member chairs the transit committee?", answer="Wilhelmina Oduya", source="a.txt")
        talk.add("How long is the route?", answer="14 kilometres", source="b.txt")
        talk.add("and the housing one?", "Who chairs the housing committee?", answer="Casimir Feld", source="a.txt")
        talk.add("What is it?")  # not answered yet
        assert talk.context() == ["a.txt", "b.txt"]

    def test_heard_learns_the_source_of_an_answer_that_arrives_later(self) -> None:
        talk = Conversation()
        turn = talk.add("How long is the route?")
        assert talk.context() == []
        turn.heard("14 kilometres", "b.txt")
        assert talk.context() == ["b.txt"]


# -- through the CLI ----------------------------------------------------------------------------------------------
ARTICLE = """Marlow Heights approves Amber Line rapid bus

The Marlow Heights council approved the Amber Line rapid bus route on Tuesday after a long debate.

Council member Wilhelmina Oduya, who chairs the transit committee, called the vote a turning point for the east side.

Council member Casimir Feld, who chairs the housing committee, voted against the plan and warned about rents.

The Amber Line will cost 92 million dollars and is due to open in the spring of 2027, officials said.

The route will run 14 kilometres from the rail station to the university.
"""

CONVERSATION = [
    ("1", "Which council member chairs the transit committee?", "a"),
    ("2", "Which council member voted against it and chairs the housing one?", None),
    ("3", "How long is the Amber Line route?", "b"),
    ("4", "and the housing one?", "a"),
    ("5", "How much will it cost?", "b"),
]


@pytest.fixture
def seeds(qa_paths: object) -> Path:
    folder: Path = qa_paths.seeds  # type: ignore[attr-defined]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "amber.txt").write_text(ARTICLE, encoding="utf-8")
    return folder


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_ask_file_reads_each_conversation_in_order(
    kind: str, seeds: Path, tmp_path: Path, qa: Callable[..., object]
) -> None:
    path = tmp_path / f"questions.{kind}"
    if kind == "jsonl":
        lines = [json.dumps({"id": i, "question": q, **({"conversation": c} if c else {})}) for i, q, c in CONVERSATION]
    else:
        lines = ["id,question,conversation", *(f"{i},{_csv_cell(q)},{c or ''}" for i, q, c in CONVERSATION)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = qa("ask", "--file", str(path), "--top-k", "1")
    assert run.code == 0, run.err  # type: ignore[attr-defined]
    records = {r["id"]: r for r in map(json.loads, run.out.splitlines())}  # type: ignore[attr-defined]
    assert [records[i]["question"] for i, _, _ in CONVERSATION] == [q for _, q, _ in CONVERSATION]  # as typed
    assert records["1"]["read_as"] is None and records["2"]["read_as"] is None and records["3"]["read_as"] is None
    assert records["4"]["read_as"] == "Which council member chairs the housing committee?"
    assert "Casimir Feld" in records["4"]["answers"][0]["highlight"]
    assert records["5"]["read_as"] == "How much will the Amber Line route cost?"
    assert "92 million dollars" in records["5"]["answers"][0]["highlight"]


def test_a_conversation_that_is_no_string_is_a_bad_line(seeds: Path, tmp_path: Path, qa: Callable[..., object]) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_text(json.dumps({"question": "How long is the route?", "conversation": [1]}) + "\n", encoding="utf-8")
    run = qa("ask", "--file", str(path))
    assert run.code != 0  # type: ignore[attr-defined]
    assert "line 1: conversation must be a string or an integer" in run.err  # type: ignore[attr-defined]


# -- the conversation's articles, with the real index ---------------------------------------------------------------
TRAM = """Coral Line tram wins final approval

The Harbourside council gave final approval to the Coral Line tram on Monday.

The Coral Line will cost 310 million dollars, the council's finance office said, and should open in 2029.

Its 9 kilometre route links the ferry terminal with the hospital.
"""


def test_a_follow_up_prefers_the_article_the_conversation_is_about(seeds: Path, qa: Callable[..., object]) -> None:
    from qa.session import open_answerer
    from qa.settings import Settings

    (seeds / "coral.txt").write_text(TRAM, encoding="utf-8")
    assert qa("index", "build").code == 0  # type: ignore[attr-defined]
    answerer = open_answerer(Settings.from_env())
    question = "How much will the line cost?"  # either article could answer it
    for source, figure in (("amber.txt", "92 million dollars"), ("coral.txt", "310 million dollars")):
        result = answerer.ask(question, top_k=1, context=[source])
        assert result.answers[0].source == source and figure in result.answers[0].highlight
    talk = Conversation()
    first = follow(answerer, talk, "What does the Coral Line route link?", top_k=1)
    assert first.answers[0].source == "coral.txt" and talk.context() == ["coral.txt"]
    then = follow(answerer, talk, question, top_k=1)
    assert then.question == question and "310 million dollars" in then.answers[0].highlight


def test_the_preference_orders_but_never_scores(seeds: Path, qa: Callable[..., object]) -> None:
    from qa.filters import Filters
    from qa.session import open_answerer
    from qa.settings import Settings

    (seeds / "coral.txt").write_text(TRAM, encoding="utf-8")
    assert qa("index", "build").code == 0  # type: ignore[attr-defined]
    answerer = open_answerer(Settings.from_env())
    question = "How much will the Coral Line tram cost?"
    alone = answerer.ask(question, top_k=2)
    talked = answerer.ask(question, top_k=2, context=["coral.txt"])
    assert alone.answers[0].source == talked.answers[0].source == "coral.txt"
    assert talked.answers[0].score == alone.answers[0].score and talked.confidence == alone.confidence
    # a filter that leaves the conversation's article out keeps it out
    coral_only = Filters(source="coral.txt").mask(answerer.searcher.version)
    filtered = answerer.ask("How much will the line cost?", top_k=5, context=["amber.txt"], allowed=coral_only)
    assert filtered.answers and {a.source for a in filtered.answers} == {"coral.txt"}


# -- the words typed now weigh more than the words carried over ------------------------------------------------------
def test_stress_weighs_the_typed_terms_only() -> None:
    import numpy as np

    from qa.answer import TYPED_WEIGHT, stress
    from qa.search import Query

    query = Query("Who did Orla Penn open the bakery with?", np.zeros(3), (), {"orla": 5.0, "penn": 4.0, "bakeri": 3.0})
    assert stress(query, {"bakeri"}).weights == {"orla": 5.0, "penn": 4.0, "bakeri": 3.0 * TYPED_WEIGHT}
    assert stress(query, set()) is query  # nothing typed of its own
    assert stress(query, {"orla", "penn", "bakeri", "set"}) is query  # not a rewrite: every term was typed


def test_a_rewritten_follow_up_is_asked_with_its_typed_words_stressed(seeds: Path, qa: Callable[..., object]) -> None:
    from qa.session import open_answerer
    from qa.settings import Settings

    assert qa("index", "build").code == 0  # type: ignore[attr-defined]
    answerer = open_answerer(Settings.from_env())
    talk = Conversation()
    follow(answerer, talk, "Which council member chairs the transit committee?", top_k=1)
    typed = "and the housing one?"
    result = follow(answerer, talk, typed, top_k=1)
    assert result.read_as == "Which council member chairs the housing committee?"
    stressed = answerer.ask(result.read_as, top_k=1, context=["amber.txt"], typed=typed)
    plain = answerer.ask(result.read_as, top_k=1, context=["amber.txt"])
    assert result.confidence == stressed.confidence != plain.confidence  # follow passes what was typed
    assert "Casimir Feld" in result.answers[0].highlight


def test_the_judged_probe_readings_keep_their_floor() -> None:
    """74 invented follow-ups judged by hand (bench/questions/rewrites.jsonl): a change that reads fewer of them right,
    garbles more, or rewrites a question that stands alone, fails (floors just under the measured 68 / 0 / 0)."""
    from bench.rewrites import readings, verdict

    counts: dict[str, int] = {}
    for _, turn, reading in readings():
        said = verdict(turn, reading)
        counts[said] = counts.get(said, 0) + 1
    assert sum(counts.values()) == 74
    assert counts.get("RIGHT", 0) >= 66, counts
    assert counts.get("GARBLED", 0) <= 1 and not counts.get("REWROTE-STANDALONE"), counts


def test_the_held_out_follow_ups_keep_their_floor() -> None:
    """The fresh set (written after the rules, never used to change them): 43 of 72 follow-ups read right and all 14
    standalone questions left alone when it was written; a change may move readings but not below this."""
    from bench.rewrites import FRESH, readings, verdict

    counts: dict[str, int] = {}
    for _, turn, reading in readings(FRESH):
        said = verdict(turn, reading)
        counts[said] = counts.get(said, 0) + 1
    assert sum(counts.values()) == 86
    assert counts.get("RIGHT", 0) >= 55, counts  # 57 with the standalone ones
    assert counts.get("GARBLED", 0) <= 10 and not counts.get("REWROTE-STANDALONE"), counts
