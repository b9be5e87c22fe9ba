"""The worker's own notes (dictated): each sentence goes where what it documents belongs (real spaCy).

The notes here are written for these tests.
"""

from __future__ import annotations

import pytest

from note_formats import DraftOptions, build_draft, check_faithfulness, check_grounding
from note_formats.prose.notes import asks_about, sentence_kind
from scribe.core.records import Annotation, Evidence
from scribe.transcripts.typed import text_to_transcript

NOTES = """Client reported that her son moved back in after losing his job in May.

Worker observed a pile of unopened mail on the kitchen table. The hallway light was broken and the stairs were dark.

Worker reviewed the budget worksheet with her line by line. Worker affirmed her for keeping every receipt since June.

Worker asked about thoughts of harming herself. Client said she has never had thoughts like that. She named her grandchildren as her reason to keep going. Worker gave her the number of the county crisis line.

Worker explained that a housing counselor can help with the late notice, and client said she would rather wait until Friday.

Plan. One, worker will fax the utility assistance form tomorrow morning. Two, client will gather the last three pay stubs of her son.
Three, worker will call the housing counselor on Monday. Next visit Thursday the ninth at two in the afternoon. End of dictation."""


def notes_draft(anns=()):
    tr = text_to_transcript(NOTES, "dictation")
    d = build_draft("soap", tr, list(anns), DraftOptions(style="prose", session_type="home_visit"))
    assert check_grounding(d, tr) == [] and check_faithfulness(d, tr) == []
    return tr, d


def dictated_draft(notes: str):
    """The prose SOAP of a dictated home visit, checked grounded and faithful."""
    tr = text_to_transcript(notes, "dictation")
    d = build_draft("soap", tr, [], DraftOptions(style="prose", session_type="home_visit"))
    assert check_grounding(d, tr) == [] and check_faithfulness(d, tr) == []
    return d


def texts(d, key: str) -> list[str]:
    return [i.text for i in d.section(key).items if not i.deleted]


def test_a_notes_sentence_is_sorted_by_its_subject_and_verb():
    assert sentence_kind("Worker observed a pile of unopened mail on the table.") == "observed"
    assert sentence_kind("I noticed a bruise on his forearm.") == "observed"
    assert sentence_kind("Worker validated his frustration with the court.") == "intervention"
    assert sentence_kind("Writer referred the family to the food bank.") == "intervention"
    assert sentence_kind("Worker asked her to show how she loads the pill box.") == "intervention"
    assert sentence_kind("Client reported two missed shifts this month.") == "reported"
    assert sentence_kind("He denied any drinking since the wedding.") == "reported"
    # what happened in the contact, told in the past, is what the worker saw; the present tense is background
    assert sentence_kind("She filled in the form without help.") == "observed"
    assert sentence_kind("She walks with a cane outdoors.") == ""
    assert sentence_kind("She went to the emergency room last week.") == "reported"  # history she told
    # a plan, a screen, a heading: other builders' lines
    assert sentence_kind("Worker will call the school on Monday.") == ""
    assert sentence_kind("Worker asked about thoughts of harming herself.") == ""
    assert asks_about("Worker asked about thoughts of harming herself.")
    assert not asks_about("Client asked about the bus pass.")
    # the mental status examination is what the worker saw, said in fragments or a reduced passive
    assert (
        sentence_kind("Patient observed lying in bed in a hospital gown, disheveled, unshaven.") == "observed"
    )
    assert sentence_kind("Poor eye contact.") == "observed"
    assert sentence_kind("Speech soft, slow, low volume.") == "observed"
    assert sentence_kind("She reported her mood as numb.") == "reported"
    from note_formats.prose.notes import MENTAL_STATUS

    assert not MENTAL_STATUS.search("The move will affect her work.")  # the verb, not the examination


def test_dictated_notes_put_what_the_worker_saw_and_did_in_objective_in_their_words():
    _, d = notes_draft()
    objective = texts(d, "objective")
    assert "Worker observed a pile of unopened mail on the kitchen table." in objective
    assert "The hallway light was broken and the stairs were dark." in objective
    assert "Worker reviewed the budget worksheet with her line by line." in objective
    assert "Worker affirmed her for keeping every receipt since June." in objective
    kinds = {i.text: i.fields.get("kind") for i in d.section("objective").items}
    assert kinds["Worker reviewed the budget worksheet with her line by line."] == "intervention"
    # a sentence with two subjects is two things: what the worker explained, what the client said
    assert "Worker explained that a housing counselor can help with the late notice." in objective
    subjective = " ".join(texts(d, "subjective"))
    assert "Client said she would rather wait until Friday." in subjective
    assert "son moved back in after losing his job in May" in subjective
    assert all("unopened mail" not in t for t in texts(d, "subjective"))  # said once


def test_a_screen_the_notes_report_keeps_the_answer_that_follows_it():
    tr = text_to_transcript(NOTES, "dictation")
    seg = next(s for s in tr.segments if "harming herself" in s.text)
    quote = "Worker asked about thoughts of harming herself."
    start = seg.text.index(quote)
    ann = Annotation(
        id="r1", label="risk", subtype="self_harm", text=quote,
        evidence=[Evidence.of(seg, start, start + len(quote))], speaker=seg.speaker, role=seg.role,
        source="hand", attributes={"certainty": "possible"},
    )  # fmt: skip
    _, d = notes_draft([ann])
    [line] = [t for t in texts(d, "risk") if "harming herself" in t]
    assert "never had thoughts like that" in line and "grandchildren" in line
    assert "crisis line" not in line  # the worker's next action is not the client's answer


def test_a_dictated_plan_runs_on_until_the_next_heading_and_dictation_commands_are_left_out():
    _, d = notes_draft()
    plan = texts(d, "plan")
    assert any("fax the utility assistance form tomorrow" in t for t in plan)
    assert any("call the housing counselor on Monday" in t for t in plan)
    assert any("Next visit Thursday the ninth" in t for t in plan)
    assert not any("dictation" in t.lower() for s in d.sections for t in texts(d, s.key))


def test_a_hazard_the_worker_saw_is_in_the_risk_section_for_the_worker_to_decide():
    notes = (
        "Worker observed the kitchen was clean and stocked.\n\n"
        "An extension cord ran under the rug. The bleach was stored under the sink within reach of the toddler."
    )
    d = dictated_draft(notes)
    [hazard] = [i for i in d.section("risk").items if "bleach" in i.text]
    assert hazard.needs_review and "safety concern" in hazard.review_reason
    # neither the worker's observation nor a technique ("within reach" is no safety planning here)
    assert not any("bleach" in t for t in texts(d, "objective"))
    assert any("kitchen was clean" in t for t in texts(d, "objective"))


def test_each_sentence_of_a_dictated_risk_assessment_is_its_own_finding_and_a_denial_keeps_its_words():
    from pipelines import tag

    said = (
        "Risk assessment. Patient affirms suicidal ideation with intent and plan prior to the ingestion. "
        "Denies homicidal ideation. Denies auditory or visual hallucinations. "
        "No firearms in the home, he says he gave his shotgun to his grandson."
    )
    tr = text_to_transcript(said, "dictation")
    d = build_draft("soap", tr, tag(tr), DraftOptions(style="prose"))
    risk = texts(d, "risk")
    assert "Denies homicidal ideation." in risk, risk
    assert any(t.startswith("Suicidal ideation: Patient affirms suicidal ideation") for t in risk), risk
    assert not any(t.startswith("Worker denied") for t in risk), risk
    assert any("shotgun to his grandson" in t for t in risk), risk  # access to firearms is a finding
    assert check_faithfulness(d, tr) == []


def test_in_dictated_notes_only_someone_elses_quoted_wish_is_a_goal_and_telling_others_is_an_intervention():
    notes = (
        "Client's goal in his words, quote, I want to get my license back before summer, unquote. "
        "I'd like to set up a meeting with his probation officer next month.\n\n"
        "At ten fifteen I notified the charge nurse that the client had left the unit. "
        "By the end of the visit he was calmer and was joking with the aide."
    )
    tr = text_to_transcript(notes, "dictation")
    goal_ann = []
    for seg in tr.segments:
        for wish in ("I want to get my license back before summer", "I'd like to set up a meeting"):
            if wish in seg.text:
                start = seg.text.index(wish)
                goal_ann.append(
                    Annotation(
                        id=f"g{len(goal_ann)}", label="goal", subtype="desire", text=wish,
                        evidence=[Evidence.of(seg, start, start + len(wish))], speaker=seg.speaker,
                        role=seg.role, source="rules",
                    )
                )  # fmt: skip
    d = build_draft("soap", tr, goal_ann, DraftOptions(style="prose"))
    assert check_grounding(d, tr) == [] and check_faithfulness(d, tr) == []
    goals = [t for t in texts(d, "subjective") if t.startswith("Goal noted")]
    # the quoted words alone, without the dictated "unquote"; the writer's own wish is no goal
    assert goals == ['Goal noted: "I want to get my license back before summer".'], goals
    objective = texts(d, "objective")
    assert any(t.startswith("At ten fifteen I notified the charge nurse") for t in objective), objective
    assert any(t.startswith("By the end of the visit he was calmer") for t in objective), objective


@pytest.mark.parametrize("heading", ["New paragraph. Safety plan, agreed with dad.", "Next steps:"])
def test_a_dictated_safety_plan_or_next_steps_heading_opens_the_plan(heading):
    notes = (
        "Dad was calm and the flat was tidy.\n\n"
        f"{heading} One, the bleach goes on the top shelf today. Two, dad will text me once it is done.\n\n"
        "Assessment. The home is safe for now."
    )
    d = dictated_draft(notes)
    plan = texts(d, "plan")
    assert any("bleach goes on the top shelf" in t for t in plan)
    assert not any("home is safe" in t for t in plan)


def test_a_dictated_assessment_heading_puts_what_follows_in_the_assessment_until_the_next_heading():
    notes = (
        "Mum was tired but warm with the baby.\n\n"
        "Assessment. The baby is thriving and mum is coping, though money is very tight.\n\n"
        "Plan. One, I will send the nursery form on Monday."
    )
    d = dictated_draft(notes)
    assessment = texts(d, "assessment")
    assert any("baby is thriving" in t for t in assessment)
    assert not any("nursery form" in t for t in assessment)
    assert any("nursery form" in t for t in texts(d, "plan"))
