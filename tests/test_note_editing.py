"""The worker's edits, additions and deletions are kept in the draft and survive rendering and JSON."""

from __future__ import annotations

import pytest
from note_fixtures import DENIAL_QUOTE, GOAL_QUOTE, counselling_annotations, counselling_transcript

from note_formats import (
    FORMATS,
    DraftOptions,
    accept_item,
    add_item,
    build_draft,
    carry_edits,
    check_grounding,
    delete_item,
    edit_field,
    edit_item,
    find_item,
    render_markdown,
    render_text,
    restore_item,
)
from note_formats.render import ALL_REMOVED
from scribe.core.errors import NoteError
from scribe.core.records import NoteDraft, Transcript


@pytest.fixture
def transcript() -> Transcript:
    return counselling_transcript()


def make(fmt: str, transcript: Transcript) -> NoteDraft:
    # the quotes style: edits address its items by the ids these tests know
    return build_draft(
        fmt, transcript, counselling_annotations(transcript), DraftOptions(client_id="C-104", style="quotes")
    )


def test_edit_keeps_evidence_and_the_original_wording(transcript):
    d = make("soap", transcript)
    _, item = find_item(d, "subjective-1")
    original, evidence = item.text, list(item.evidence)
    edit_item(d, "subjective-1", f'Client hopes for a calmer job: "{GOAL_QUOTE}"')
    edit_item(d, "subjective-1", "Client wants a job with less morning anxiety.")
    assert item.origin == "edited"
    assert item.original_text == original  # the program's wording, not the first edit
    assert item.evidence == evidence
    assert [e.action for e in d.edits] == ["edit", "edit"]
    assert d.edits[0].before == original and d.edits[1].after == item.text
    assert check_grounding(d, transcript) == []
    md = render_markdown(d)
    assert "Client wants a job with less morning anxiety. [00:20] [edited by worker]" in md


def test_edit_that_drops_evidence_becomes_the_workers_own(transcript):
    d = make("dap", transcript)
    _, item = find_item(d, "data-1")
    edit_item(d, "data-1", "Client would like to change jobs.", keep_evidence=False)
    assert item.origin == "added" and item.evidence == [] and item.annotation_ids == []
    assert item.original_text is not None
    assert check_grounding(d, transcript) == []
    assert "- Client would like to change jobs. [added by worker]" in render_markdown(d)


def test_edit_clears_the_review_flag_and_accept_too(transcript):
    d = make("soap", transcript)
    flagged = [i for s in d.sections for i in s.items if i.needs_review]
    assert len(flagged) >= 2
    edit_item(d, flagged[0].id, "Client rates confidence at six out of ten.")
    accept_item(d, flagged[1].id)
    assert not flagged[0].needs_review and not flagged[1].needs_review
    assert d.edits[-1].action == "accept" and d.edits[-1].before == flagged[1].review_reason


def test_add_typed_and_dictated_items(transcript):
    d = make("soap", transcript)
    typed = add_item(d, "objective", "Client appeared tired, with flat affect; well groomed.")
    dictated = add_item(d, "plan", "Review sleep diary next session.", origin="dictated", after="plan-1")
    assert typed.id == "objective-w1" and typed.origin == "added" and typed.evidence == []
    assert d.section("plan").items[1] is dictated
    assert [e.action for e in d.edits] == ["add", "add"]
    assert check_grounding(d, transcript) == []
    md = render_markdown(d)
    assert "- Client appeared tired, with flat affect; well groomed. [added by worker]" in md
    assert "- Review sleep diary next session. [dictated by worker]" in md
    # the objective section no longer shows its "nothing captured" prompt
    assert "No worker observations were captured" not in md


def test_delete_is_soft_and_restorable(transcript):
    d = make("soap", transcript)
    _, item = find_item(d, "subjective-1")
    delete_item(d, "subjective-1")
    assert item.deleted and item in d.section("subjective").items
    assert GOAL_QUOTE not in render_markdown(d) and GOAL_QUOTE not in render_text(d)
    restore_item(d, "subjective-1")
    assert GOAL_QUOTE in render_markdown(d)
    assert [e.action for e in d.edits] == ["delete", "restore"]
    delete_item(d, "subjective-1")
    delete_item(d, "subjective-1")  # deleting twice changes nothing
    assert [e.action for e in d.edits] == ["delete", "restore", "delete"]


def test_deleting_every_risk_item_does_not_claim_none_were_found(transcript):
    d = make("dap", transcript)
    for item in d.section("risk").items:
        delete_item(d, item.id)
    md = render_markdown(d)
    assert ALL_REMOVED in md
    assert "No risk indicators were identified" not in md
    assert DENIAL_QUOTE not in md


def test_process_columns_are_editable(transcript):
    d = make("process", transcript)
    edit_field(d, "dialogue-2", "reflections", "I felt worried hearing how tired she is.")
    edit_field(d, "dialogue-2", "supervisor", "Good use of silence here.")
    edit_field(d, "dialogue-2", "supervisor", "Good use of silence here.")  # unchanged: no new edit
    assert [(e.action, e.field) for e in d.edits] == [
        ("edit_field", "reflections"),
        ("edit_field", "supervisor"),
    ]
    md = render_markdown(d)
    assert "| I felt worried hearing how tired she is. |" in md
    assert "| Good use of silence here. |" in md
    assert "Worker reflections: I felt worried hearing how tired she is." in render_text(d)


@pytest.mark.parametrize("fmt", tuple(FORMATS))
def test_edits_survive_a_json_round_trip(fmt, transcript, tmp_path):
    d = make(fmt, transcript)
    first = next(s for s in d.sections if s.items).items[0].id
    edit_item(d, first, "Reworded by the worker.")
    add_item(d, "risk", "Safety plan reviewed; client has crisis line number.", origin="dictated")
    homework = next(i for s in d.sections for i in s.items if i.text.startswith("Homework"))
    delete_item(d, homework.id)
    if fmt == "process":
        edit_field(d, "dialogue-1", "analysis", "Warm opening.")
    path = d.save(tmp_path / "draft.json")
    back = NoteDraft.load(path)
    assert back == d
    assert render_markdown(back) == render_markdown(d)
    assert render_text(back) == render_text(d)
    assert back.edits == d.edits and len(back.edits) >= 3
    assert check_grounding(back, transcript) == []


def test_bad_edits_are_errors(transcript):
    d = make("soap", transcript)
    with pytest.raises(NoteError, match="no item 'nope'"):
        edit_item(d, "nope", "x")
    with pytest.raises(NoteError, match="empty"):
        edit_item(d, "plan-1", "   ")
    with pytest.raises(NoteError, match="no section 'birp'"):
        add_item(d, "birp", "x")
    with pytest.raises(NoteError, match="origin"):
        add_item(d, "plan", "x", origin="generated")
    with pytest.raises(NoteError, match="empty"):
        add_item(d, "plan", "")
    with pytest.raises(NoteError, match="not 'plan'"):
        add_item(d, "plan", "x", after="subjective-1")
    delete_item(d, "plan-1")
    with pytest.raises(NoteError, match="restore it"):
        edit_item(d, "plan-1", "x")


def test_signed_draft_cannot_change(transcript):
    d = make("soap", transcript)
    d.signed_at, d.signed_by = "2025-03-04T11:00:00+00:00", "J. Rivera"
    for change in (
        lambda: edit_item(d, "plan-1", "x"),
        lambda: add_item(d, "plan", "x"),
        lambda: delete_item(d, "plan-1"),
        lambda: restore_item(d, "plan-1"),
        lambda: edit_field(d, "plan-1", "x", "y"),
        lambda: accept_item(d, "plan-1"),
    ):
        with pytest.raises(NoteError, match="signed"):
            change()
    assert d.edits == []
    assert "Signed by J. Rivera" in render_markdown(d)


def test_rebuild_keeps_the_workers_edits_deletions_and_lines(transcript):
    old = make("soap", transcript)
    edit_item(old, "subjective-5", "Client reports poor sleep for two weeks.")
    delete_item(old, "subjective-6")
    mine = add_item(old, "subjective", "Client arrived on time.", after="subjective-5")
    new = make("soap", transcript)  # e.g. after a tag elsewhere was accepted
    assert carry_edits(old, new) == []
    assert (new.id, new.created_at) == (old.id, old.created_at)
    texts = [i.text for i in new.sections[0].items]
    edited = texts.index("Client reports poor sleep for two weeks.")
    assert texts[edited + 1] == "Client arrived on time."  # stays where the worker put it
    assert find_item(new, mine.id)[1].origin == "added"
    assert find_item(new, "subjective-6")[1].deleted
    assert [e.action for e in new.edits] == [e.action for e in old.edits]
    assert check_grounding(new, transcript) == []


def test_rebuild_names_what_it_could_not_carry(transcript):
    old = make("soap", transcript)
    edit_item(old, "assessment-2", "Work stress is the main stressor.")
    add_item(old, "objective", "Client was dressed appropriately.")
    fewer = [a for a in counselling_annotations(transcript) if a.id != "a17"]  # the stressor tag rejected
    new = build_draft("dap", transcript, fewer, DraftOptions(client_id="C-104", style="quotes"))
    notices = carry_edits(old, new)
    assert any("Work stress is the main stressor." in n and "tags it rested on changed" in n for n in notices)
    assert any("Client was dressed appropriately." in n and "no Objective section" in n for n in notices)
    assert new.id != old.id  # another format is another draft
    assert "Work stress" not in render_markdown(new)


def test_a_draft_with_an_unmatched_risk_line_loads_back(transcript, tmp_path):
    """A risk indicator whose evidence is not in the transcript keeps its line through a JSON round trip."""
    anns = counselling_annotations(transcript)
    risk = next(a for a in anns if a.label == "risk")
    for ev in risk.evidence:
        ev.quote = "words nobody said"
    d = build_draft("soap", transcript, anns, DraftOptions(style="quotes"))
    assert [i.origin for i in d.section("risk").items] == ["unmatched"]
    assert NoteDraft.load(d.save(tmp_path / "draft.json")) == d
