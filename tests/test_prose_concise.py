"""Reported speech as a note words it: hedges, fillers, restarts and empty parts left out, scale
anchors out of the question, nothing added (real spaCy). Every sentence here is written for these tests."""

from __future__ import annotations

from note_fixtures import _words

from note_formats import DraftOptions, build_draft, check_faithfulness, check_grounding
from note_formats.prose.concise import says_nothing, substance, tighten
from note_formats.prose.reports import asked_part
from note_formats.wording import Pronouns, as_task, report, unfaithful
from scribe.core.records import Annotation, Evidence, Segment, Speaker, Transcript

HE = Pronouns.parse("he/him")


def said(text: str) -> str:
    """``text`` as the client said it, reported and tightened."""
    return tighten(report(text, "client", HE))


# --- hedges and fillers ----------------------------------------------------------------------


def test_a_hedge_on_an_act_goes_and_the_act_stays():
    assert said("I just closed the laptop and walked out.") == "he closed the laptop and walked out"
    assert said("I really wanted that apprenticeship.") == "he wanted that apprenticeship"


def test_just_meaning_only_and_really_under_a_negation_stay():
    # "not really" qualifies: leaving "really" out would make a partial denial a full one
    assert "not really" in said("I don't really drink anymore.")
    # "just two" restricts an amount: it means "only"
    assert "just two" in said("I had just two beers on Friday.")


def test_a_filler_like_goes_but_an_estimate_keeps_it():
    assert "like a seven" in said("It was like a seven most nights.")
    assert "like" not in said("The landlord was, like, yelling at the door.").split()


# --- restarts and empty parts ----------------------------------------------------------------


def test_a_phrase_said_again_after_a_comma_is_said_once():
    assert said("She's, she's been staying at her cousin's.") == "She's been staying at her cousin's"
    assert said("I don't, I don't know where the lease went.") == "he does not know where the lease went"


def test_a_restart_with_a_filler_between_is_said_once():
    assert said("I'll, like, I'll skip dinner so they have more.") == "he will skip dinner so they have more"
    assert said("I want, um, I want to go back to school.") == "he wants to go back to school"
    # a task in the plan names its subject once
    assert as_task("I'll, like, I'll call the landlord", "client", HE) == "Client will call the landlord"


def test_a_sentence_that_starts_over_keeps_its_capital():
    assert tighten("No plan. He is, he is tired of it.") == "No plan. He is tired of it."


def test_a_greeting_or_a_dummy_clause_says_nothing_but_an_answer_does():
    assert says_nothing("hi") and says_nothing("and that's it") and says_nothing("it's")
    assert not says_nothing("no")  # a denial
    assert not says_nothing("yeah")  # an answer
    assert not says_nothing("she is")  # someone named: an admission ("which, okay, she is")
    assert not says_nothing("sometimes")  # how often is content


def test_empty_parts_go_and_a_conditional_keeps_what_it_leans_on():
    assert substance("hi, his name is Dev, he is calling about the rent") == (
        "his name is Dev, he is calling about the rent"
    )
    assert substance("they argue at breakfast, and that's it") == "they argue at breakfast"
    # the part a conditional leans on stays, however little it says
    assert substance("if the bus stops running, that's it") == "if the bus stops running, that's it"
    assert substance("it's") == "it's"  # a clause that is all there is stays


def test_tightening_only_leaves_words_out_so_the_sentence_stays_in_its_evidence():
    quote = "Um, so I just, I just sit in the car, like, for an hour, and that's it."
    sentence = f"Client reported that {said(quote)}."
    assert sentence == "Client reported that he sits in the car for an hour."
    assert unfaithful(sentence, [quote]) == []


# --- scales ------------------------------------------------------------------------------------


def test_a_scaling_question_is_reported_without_its_scale_and_anchors():
    q = "How nervous are you about the court date, on a scale from zero to ten, where ten is terrified?"
    assert asked_part(q) == "How nervous are you about the court date?"
    assert asked_part("How ready are you, one to ten, to call your sponsor?") == (
        "How ready are you to call your sponsor?"
    )
    # with nothing else asked, the scale is the question: kept
    assert asked_part("Start of today and end of today, one to ten?") == (
        "Start of today and end of today, one to ten?"
    )


# --- in a draft --------------------------------------------------------------------------------


def dialogue(turns: list[tuple[str, str]]) -> Transcript:
    segments, t = [], 1.0
    for i, (role, text) in enumerate(turns):
        seg = Segment(id=i, start=t, end=t + 5.0, text=text, words=_words(text, t, t + 5.0))
        seg.speaker, seg.role = ("SPEAKER_00" if role == "worker" else "SPEAKER_01"), role
        segments.append(seg)
        t += 6.0
    speakers = [Speaker("SPEAKER_00", "worker"), Speaker("SPEAKER_01", "client")]
    return Transcript(segments=segments, duration=t, speakers=speakers, source="audio")


def test_a_draft_reports_the_tightened_words_and_the_bare_scaling_question():
    tr = dialogue(
        [
            ("worker", "How has the job search gone?"),
            (
                "client",
                "I just, I just open the site and I close it. The shifts are all nights, and that's it.",
            ),
            ("worker", "How hopeful are you, on a scale from one to ten, where ten is very hopeful?"),
            ("client", "Maybe a three."),
        ]
    )
    seg = tr.segment(1)
    quote = "I just, I just open the site and I close it."
    ann = Annotation(
        id="o1", label="observation", subtype="employment", text=quote,
        evidence=[Evidence.of(seg, 0, len(quote))], speaker=seg.speaker, role="client", source="hand",
    )  # fmt: skip
    d = build_draft("soap", tr, [ann], DraftOptions(style="prose", pronouns="he/him"))
    assert check_grounding(d, tr) == [] and check_faithfulness(d, tr) == []
    lines = [i.text for i in d.section("subjective").items]
    assert any(t.startswith("Client reported that he opens the site and he closes it") for t in lines), lines
    assert any(
        t.startswith('Asked how hopeful the client is, client answered: "Maybe a three"') for t in lines
    ), lines


# --- dictated quotation marks --------------------------------------------------------------------


def test_a_dictated_quote_is_written_as_quotation_marks_with_the_words_as_dictated():
    from note_formats.prose.concise import dictated_quotes

    said = "He said, quote, the night shift is killing me, unquote, and laughed."
    assert dictated_quotes(said, said) == 'He said, "the night shift is killing me", and laughed.'
    assert dictated_quotes(
        "Quote: I sleep in the car, end quote.", "Quote: I sleep in the car, end quote."
    ) == ('"I sleep in the car".')
    # a quote opened in another sentence, or words that are not the dictation's, stay as they are
    assert dictated_quotes("And I was scared, unquote.", "And I was scared, unquote.") == (
        "And I was scared, unquote."
    )
    assert dictated_quotes("quote, I can't sleep, unquote", "quote, I um can't sleep, unquote") == (
        "quote, I can't sleep, unquote"
    )


def test_a_dictated_note_quotes_the_client_with_marks_and_stays_grounded():
    from scribe.transcripts.typed import text_to_transcript

    notes = (
        "Home visit with client at her apartment.\n\n"
        "Client said, quote, the landlord has not fixed the boiler since March, unquote.\n\n"
        "Worker observed a space heater running in the bedroom."
    )
    tr = text_to_transcript(notes, "dictation")
    d = build_draft("soap", tr, [], DraftOptions(style="prose", session_type="home_visit"))
    assert check_grounding(d, tr) == [] and check_faithfulness(d, tr) == []
    lines = [i.text for s in d.sections for i in s.items]
    assert 'Client said, "the landlord has not fixed the boiler since March".' in lines, lines
    assert not any("unquote" in t for t in lines)


# --- the habitual "will" -------------------------------------------------------------------------


def commitment(tr: Transcript, seg_id: int, quote: str) -> Annotation:
    seg = tr.segment(seg_id)
    start = seg.text.index(quote)
    return Annotation(
        id=f"c{seg_id}", label="goal", subtype="commitment", text=quote,
        evidence=[Evidence.of(seg, start, start + len(quote))], speaker=seg.speaker, role="client", source="hand",
    )  # fmt: skip


def plan_lines(turns: list[tuple[str, str]], said_at: dict[int, str]) -> list[str]:
    tr = dialogue(turns)
    anns = [commitment(tr, n, q) for n, q in said_at.items()]
    d = build_draft("soap", tr, anns, DraftOptions(style="prose", pronouns="he/him"))
    assert check_grounding(d, tr) == [] and check_faithfulness(d, tr) == []
    return [i.text for i in d.section("plan").items]


def test_an_ill_in_a_report_of_how_things_keep_going_is_not_a_plan():
    turns = [
        ("worker", "How is money right now?"),
        ("client", "The fridge is empty by the end of the month. The kids eat lunch at school. "
                   "I'll, like, I'll skip dinner so they have more."),
    ]  # fmt: skip
    assert plan_lines(turns, {1: "I'll, like, I'll skip dinner so they have more"}) == []
    # it is what the client does: reported in the simple present, not read as change talk
    tr = dialogue(turns)
    d = build_draft(
        "soap", tr, [commitment(tr, 1, "I'll, like, I'll skip dinner so they have more")],
        DraftOptions(style="prose", pronouns="he/him"),
    )  # fmt: skip
    lines = [i.text for s in d.sections for i in s.items]
    assert any("he skips dinner so they have more" in t for t in lines), lines
    assert not any("change talk" in t for t in lines), lines
    habit = [("worker", "What happens on bad days?"), ("client", "Some days I'll stay in bed until noon.")]
    assert plan_lines(habit, {1: "Some days I'll stay in bed until noon"}) == []


def test_an_ill_that_answers_talk_of_next_steps_or_names_a_time_is_a_plan():
    asked = [
        ("worker", "What could you do before we meet again?"),
        ("client", "The kids eat lunch at school. I'll call the food bank about dinners."),
    ]
    assert plan_lines(asked, {1: "I'll call the food bank about dinners"}) == [
        "Client will call the food bank about dinners."
    ]
    timed = [
        ("worker", "That sounds like a lot."),
        ("client", "The kids eat lunch at school. I'll call the food bank on Monday."),
    ]
    assert plan_lines(timed, {1: "I'll call the food bank on Monday"}) == [
        "Client will call the food bank on Monday."
    ]


def test_a_word_capitalised_after_a_stage_direction_or_trailing_off_is_not_taken_for_a_name():
    from note_formats.wording import NAMES, lower_first, names_in

    names = names_in(
        [
            "I don't want him scared of me. (sighs) He flinched when I reached for the remote.",
            "It's fine\u2026 That's embarrassing, and Kayla said she'd come, and Reece.",
        ]
    )
    assert {"Kayla", "Reece"} <= names and not names & {"He", "That"}
    token = NAMES.set(names)
    try:
        assert lower_first("He flinched when the client reached for the remote") == (
            "he flinched when the client reached for the remote"
        )
        assert lower_first("Kayla said she'd come") == "Kayla said she'd come"
        assert lower_first("Nah, he's at school") == "nah, he's at school"
    finally:
        NAMES.reset(token)


def test_a_denial_opened_with_several_noes_is_stated_without_them():
    from note_formats.prose.risk import LEADING_NO

    assert LEADING_NO.sub("", "No. Nah, he is not suicidal or anything.") == "he is not suicidal or anything."
    assert LEADING_NO.sub("", "no, nothing like that.") == "nothing like that."
    # a "no" that is the whole denial stays
    assert LEADING_NO.sub("", "No. He wants to sleep.") == "No. He wants to sleep."


def test_the_workers_we_in_a_plan_is_the_worker_and_client():
    she = Pronouns.parse("she/her")
    assert as_task("We'll meet again in two weeks, Tuesday at four thirty.", "worker", she) == (
        "Worker and client will meet again in two weeks, Tuesday at four thirty"
    )
    assert (
        as_task("We're not contacting Kelly.", "worker", she) == "Worker and client are not contacting Kelly"
    )
    said = as_task("I'll pick you up at nine and we'll see the bank manager together.", "worker", she)
    assert (
        said == "Worker will pick her up at nine and the worker and client will see the bank manager together"
    )
    # the client's "we" is theirs
    assert as_task("We'll go to my mum's on Sunday.", "client", she) == "We'll go to her mum's on Sunday"


def test_you_said_to_the_client_by_someone_else_or_of_anyone_is_never_the_worker():
    from note_formats.wording import generic_you

    assert generic_you("Coach said you gotta have C's.")
    assert generic_you("They said we're reducing your dose and printed me out a sheet.")
    assert generic_you("Before that I was down the bus station but security move you on at six.")
    assert generic_you("That's the thing nobody tells you.")
    # the worker, said to them
    assert not generic_you("You said I could call you anytime.")
    assert not generic_you("I thought you were going to say it was my fault.")
    assert not generic_you("Can you write that down for me?")
    seg = Segment(id=0, start=0.0, end=4.0, text="Coach said you gotta have C's.", speaker="C", role="client")
    tr = Transcript(segments=[seg], speakers=[Speaker("C", "client")])
    said = Annotation(
        id="o1", label="observation", subtype="functioning_school", text=seg.text,
        evidence=[Evidence.of(seg, 0, len(seg.text))], speaker="C", role="client", source="hand",
    )  # fmt: skip
    d = build_draft("soap", tr, [said], DraftOptions(style="prose", pronouns="he/him"))
    assert check_faithfulness(d, tr) == []
    report = " ".join(i.text for i in d.section("subjective").items)
    assert "gotta have C's" in report and "the worker" not in report, report


def test_what_a_speaker_takes_back_is_not_written():
    from note_formats.wording import without_taken_back

    assert without_taken_back(
        "Male, 27. Visit was on Wednesday, scratch that, it was Tuesday afternoon."
    ) == ("Male, 27. It was Tuesday afternoon.")
    assert without_taken_back("Seen in the emergency department, bed fourteen, correction, bed sixteen.") == (
        "Seen in the emergency department, bed sixteen."
    )
    # a bare "but" or "sorry" before the cue is not what is taken back: the phrase before it is
    assert without_taken_back(
        "Marks that could be from a grip, but, scratch that, I'll just describe them."
    ) == ("I'll just describe them.")
    assert without_taken_back(
        "No violence reported, no, sorry, correction, there was one fight at fifteen."
    ) == ("There was one fight at fifteen.")
    # a title's full stop ends no phrase
    assert without_taken_back("Referred to Dr. Smith, scratch that, Dr. Jones.") == "Dr. Jones."
    # "correction" as a word of its own sentence is kept
    assert without_taken_back("He works as a correction officer.") == "He works as a correction officer."
    assert report("Visit was on Wednesday, scratch that, it was Tuesday.", "worker", HE) == "It was Tuesday"
