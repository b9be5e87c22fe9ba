"""Clinical prose: third-person sentences from the cited words, checked against them (real spaCy)."""

from __future__ import annotations

import pytest
from note_fixtures import (
    CLIENT_TRAP_QUOTE,
    GOAL_QUOTE,
    counselling_annotations,
    counselling_transcript,
    ev,
)
from test_prose_length import dialogue, soap, texts

from note_formats import (
    FORMATS,
    DraftOptions,
    build_draft,
    check_faithfulness,
    check_grounding,
    render_markdown,
)
from note_formats.wording import Pronouns, as_task, clean, embedded, report, unfaithful
from scribe.core.records import Annotation

#: Every format written as a template (SOAP, DAP, BIRP, GIRP and the rest) words its lines in prose.
PROSE_FORMATS = [name for name, f in FORMATS.items() if f.path]
SHE = Pronouns.parse("she/her")


@pytest.fixture(scope="module")
def session():
    tr = counselling_transcript()
    return tr, counselling_annotations(tr)


def prose(fmt, session, **opts):
    tr, anns = session
    return build_draft(fmt, tr, anns, DraftOptions(client_id="C-104", **opts))


def lines(draft):
    return [i for s in draft.sections for i in s.items if not i.deleted]


# --- reported speech ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "pronouns", "expected"),
    [
        (
            "I have been sleeping maybe four hours a night.",
            SHE,
            "she has been sleeping maybe four hours a night",
        ),
        (
            "I have been sleeping maybe four hours a night.",
            Pronouns(),
            "they have been sleeping maybe four hours a night",
        ),
        (
            "I'm on my phone until three in the morning.",
            SHE,
            "she is on her phone until three in the morning",
        ),
        ("I was tired and I snap at my kids.", Pronouns(), "they were tired and they snap at their kids"),
        ("I don't eat much.", SHE, "she does not eat much"),
        ("You told me I could call you.", SHE, "the worker told her she could call the worker"),
        ("Um, I- I haven't been sleeping much.", SHE, "she has not been sleeping much"),
        # spoken fused forms are reported in full words, which their evidence still supports
        ("I wanna finish this order.", SHE, "she wants to finish this order"),
        ("I dunno, it feels weird.", SHE, "she does not know, it feels weird"),
        ("I ain't stupid and they ain't fair.", SHE, "she is not stupid and they are not fair"),
        # someone spoken of by the client's own pronouns: the client is named, not "she ... her"
        ("I'm carrying her down the stairs.", SHE, "the client is carrying her down the stairs"),
        (
            "He took my phone and I let him.",
            Pronouns.parse("he/him"),
            "He took the client's phone and the client let him",
        ),
        ("He took my phone.", SHE, "He took her phone"),
        # a clitic is spelled in full after a named subject, "had" before a participle
        (
            "I'd never — I'd never hurt him.",
            Pronouns.parse("he/him"),
            "the client would never — the client would never hurt him",
        ),
        ("I'd already been to the GP.", SHE, "she had already been to the GP"),
        # someone's words quoted keep their own persons
        (
            "He texted me, 'I'ma mess you up when I see you.' I'm scared.",
            SHE,
            "He texted her, 'I'ma mess you up when I see you.' She is scared",
        ),
        (
            'My mum said "you will never amount to anything" to me.',
            SHE,
            'her mum said "you will never amount to anything" to her',
        ),
        # a single mark the tagger misses still opens a quotation when a word follows it
        (
            "My brother said when he was drunk, like, 'you'd all be better off without me.' Then he left.",
            SHE,
            "her brother said when he was drunk 'you'd all be better off without me.' Then he left",
        ),
        ("I cleared the kids' toys and I'm done.", SHE, "she cleared the kids' toys and she is done"),
        # a participle said without its auxiliary has no present tense to agree
        ("I been trying to cut down.", SHE, "she been trying to cut down"),
    ],
)
def test_client_first_person_becomes_third_person_tense_kept(said, pronouns, expected):
    assert report(said, "client", pronouns) == expected


def test_spoken_fused_forms_reported_in_full_stay_faithful():
    for said in ("I wanna finish this order.", "I dunno, it feels weird.", "I ain't stupid."):
        assert unfaithful(report(said, "client", SHE), [said]) == []


def test_a_name_that_opens_a_reported_sentence_keeps_its_capital():
    tr = dialogue(
        [
            ("worker", "What happened after that?"),
            ("client", "Reece keeps posting about the fight and it is hard to see. I saw Reece at the shop."),
        ]
    )
    subjective = " ".join(texts(soap(tr, [], pronouns="he/him"), "subjective"))
    assert "that Reece keeps posting" in subjective


def test_worker_you_becomes_the_client_and_agrees():
    said = report("On a scale from one to ten, how ready are you to work on the budget?", "worker", SHE)
    assert "how ready is the client to work on the budget" in said


@pytest.mark.parametrize(
    ("said", "role", "expected"),
    [
        (
            "For this week, could you write down your worries?",
            "worker",
            "For this week, the client will write down her worries",
        ),
        ("Okay, I will fill it out by Friday.", "client", "Client will fill it out by Friday"),
        (
            "I will refer you to the rental assistance program.",
            "worker",
            "Worker will refer her to the rental assistance program",
        ),
        (
            "You'll call the food pantry this week.",
            "worker",
            "Client will call the food pantry this week",
        ),
    ],
)
def test_plans_become_tasks_with_who(said, role, expected):
    assert as_task(said, role, SHE) == expected


def test_fillers_and_false_starts_are_dropped():
    assert clean("Um, so I- I, uh, I mean the the rent went up") == "so I, the rent went up"


# --- the faithfulness check ----------------------------------------------------------


def test_unfaithful_catches_added_content_numbers_and_negations():
    evidence = ["I have been sleeping four hours a night."]
    assert unfaithful("Client reported that she has been sleeping four hours a night.", evidence) == []
    assert unfaithful("Client reported that she has been sleeping five hours a night.", evidence) == ["five"]
    assert unfaithful("Client reported that she has not been sleeping.", evidence) == ["not"]
    assert unfaithful("Client reported insomnia.", evidence) == ["insomnia"]
    assert unfaithful('Client stated the goal: "anything in quotes is checked by grounding".', evidence) == []


@pytest.mark.parametrize("fmt", PROSE_FORMATS)
def test_every_prose_format_is_grounded_and_faithful(fmt, session):
    tr, _ = session
    d = prose(fmt, session)
    assert check_grounding(d, tr) == []
    assert check_faithfulness(d, tr) == []
    assert not any("wording not in its evidence" in i.review_reason for i in lines(d))


def test_faithfulness_check_fails_an_edited_claim(session):
    tr, _ = session
    d = prose("soap", session)
    item = next(i for i in d.section("subjective").items if "reported" in i.text)
    item.text = item.text.rstrip(".") + " and was fired from her job."
    problems = check_faithfulness(d, tr)
    assert [p.item_id for p in problems] == [item.id]
    assert "fired" in problems[0].message


def test_a_sentence_the_check_rejects_falls_back_to_its_quote(session, monkeypatch):
    import note_formats.prose.base as base_module
    import note_formats.prose.reports as reports_module

    for module in (base_module, reports_module):  # every place that words reported speech
        monkeypatch.setattr(module, "report", lambda text, role, pronouns, **kw: "she was fired")
    d = prose("soap", session)
    fell = [i for i in lines(d) if "wording not in its evidence" in i.review_reason]
    assert fell and all(i.needs_review for i in fell)
    tr, _ = session
    assert check_grounding(d, tr) == [] and check_faithfulness(d, tr) == []
    assert all('"' in i.text and "fired" not in i.text for i in fell)


# --- what goes where --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", PROSE_FORMATS)
def test_goal_is_verbatim_and_said_once(fmt, session):
    d = prose(fmt, session)
    md = render_markdown(d)
    assert f'stated the goal: "{GOAL_QUOTE.rstrip(".")}' in md
    assert sum(GOAL_QUOTE.rstrip(".") in i.text for i in lines(d)) == 1
    assert "Desire for change:" not in md and "Goal:" not in md


def test_soap_prose_sections(session):
    d = prose("soap", session, pronouns="she/her")
    subjective = " ".join(i.text for i in d.section("subjective").items)
    assert "Client reported that she" in subjective
    assert 'answered: "Maybe a six"' in subjective  # the scaling answer, with its question
    assert "already updated her resume on Sunday" in subjective  # a step already taken
    objective = " ".join(i.text for i in d.section("objective").items)
    assert "scaling question" in objective and "referrals" in objective  # interventions: Objective
    risk = d.section("risk").items
    assert [i.text.split(",")[0] for i in risk] == ["Client denied suicidal ideation"]
    plan = [i.text for i in d.section("plan").items]
    assert "Client will apply to two jobs by Friday." in plan
    assert not any("Intervention" in t for t in plan)


def test_client_speech_tagged_as_intervention_is_not_listed(session):
    d = prose("soap", session)
    assert not any(CLIENT_TRAP_QUOTE.rstrip(".") in i.text for i in d.section("objective").items)


def test_worker_speech_is_never_the_clients_report(session):
    tr, anns = session
    reflected = Annotation(
        id="w-obs", label="observation", subtype="sleep", text="", evidence=[ev(tr, 2)],
        speaker="SPEAKER_00", role="worker",
    )  # fmt: skip
    d = build_draft("soap", tr, [*anns, reflected], DraftOptions())
    assert not any("w-obs" in i.annotation_ids for i in d.section("subjective").items)


def test_a_question_naming_a_time_is_not_a_plan(session):
    tr, anns = session
    seg = tr.segment(4)  # "On a scale ... how confident are you that you can start looking?"
    asked = Annotation(
        id="q-plan", label="plan", subtype="follow_up", text=seg.text, evidence=[ev(tr, 4)],
        speaker=seg.speaker, role="worker", attributes={"when": "next week"},
    )  # fmt: skip
    d = build_draft("soap", tr, [*anns, asked], DraftOptions())
    assert not any("q-plan" in i.annotation_ids for i in d.section("plan").items)


def test_partial_denial_qualifies_the_disclosure(session):
    tr, anns = session
    seg = tr.segment(7)  # "No, I have never thought about killing myself. I just feel overwhelmed."
    affirmed = Annotation(
        id="r-aff", label="risk", subtype="suicidal_ideation", text="", evidence=[ev(tr, 7, "I just feel overwhelmed.")],
        speaker=seg.speaker, role="client",
    )  # fmt: skip
    d = build_draft("soap", tr, [*anns, affirmed], DraftOptions())
    texts = [i.text for i in d.section("risk").items]
    assert len(texts) == 1 and "denied" not in texts[0]
    assert "never thought about killing" in texts[0] and "overwhelmed" in texts[0]


def test_process_recording_keeps_verbatim_dialogue(session):
    tr, _ = session
    d = prose("process", session)
    assert [i.text for i in d.section("dialogue").items][1] == tr.segment(1).text.strip()
    assert check_grounding(d, tr) == []


def test_quotes_style_keeps_labelled_quotes(session):
    md = render_markdown(prose("soap", session, style="quotes"))
    assert f'"{GOAL_QUOTE.rstrip(".")}' in md and "Intervention used" in md


def test_a_conversation_without_speaker_roles_keeps_its_quotes() -> None:
    """Sentences say who said what: with no roles known, prose would put the worker's words in the
    client's mouth, so the draft quotes each line instead."""
    tr = counselling_transcript()
    anns = counselling_annotations(tr)
    for seg in tr.segments:
        seg.role, seg.speaker = None, None
    tr.speakers = []
    for ann in anns:
        ann.role, ann.speaker = None, None
    md = render_markdown(build_draft("soap", tr, anns, DraftOptions(style="prose")))
    assert "Client reported" not in md and "Client stated the goal" not in md
    assert f'"{GOAL_QUOTE}' in md  # the goal is quoted as said, under its label
    with_roles = render_markdown(
        build_draft("soap", counselling_transcript(), anns, DraftOptions(style="prose"))
    )
    assert "Client reported" in with_roles


def test_another_participant_speaking_of_someone_by_they_is_named_the_participant():
    # a parent speaking of the teenager as "they": the parent is "the participant", never the client
    said = report("I read their texts because I'm scared for them.", "other", Pronouns())
    assert said == "the participant reads their texts because the participant is scared for them"


def test_what_a_transcript_marks_besides_words_is_left_out_of_reported_speech():
    said = "(long pause) Scared, I suppose. Sometimes he — (sighs) — he keeps my card. [crying] (holds up her phone)"
    reported = report(said, "client", SHE)
    assert "(" not in reported and "[" not in reported and "— —" not in reported
    assert reported.startswith("Scared, she supposes") and "he keeps her card" in reported
    # a dictated aside in brackets says something: it stays
    assert "(arrears of 1,800 pounds)" in report("She owes rent (arrears of 1,800 pounds).", "worker", SHE)


@pytest.mark.parametrize(
    ("asked", "reported"),
    [
        ("how worried does the client feel about the rent", "how worried the client feels about the rent"),
        ("when does her son usually come home", "when her son usually comes home"),
        ("where would the client go tonight", "where the client would go tonight"),
        ("how long has the heating been broken", "how long the heating has been broken"),
        ("where is his brother these days", "where his brother is these days"),
        ("what are the hardest times", "what the hardest times are"),
        ("when did the client last see her GP", "when the client last saw her GP"),
        ("how did the argument start", "how the argument started"),
        # the wh-word is the subject, or the past form's spelling is unsure ("stopped"): as said
        ("what has been helping", "what has been helping"),
        ("what did they stop", "what did they stop"),
    ],
)
def test_a_question_after_asked_takes_the_order_of_a_reported_question(asked, reported):
    assert embedded(asked) == reported
