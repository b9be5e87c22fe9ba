"""Hostile or damaged record files: each ends in one line naming the field, never a traceback.

Every case is a real ``scribe note FILE`` run (click's runner, in process) on a
transcript or annotations file changed in one place from a good one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from note_fixtures import counselling_annotations, counselling_transcript

from scribe.cli import cli
from scribe.core.errors import TranscriptError
from scribe.core.records import (
    Annotation,
    NoteDraft,
    NoteItem,
    NoteSection,
    Transcript,
    annotations_from_json,
)

Change = Callable[[dict[str, Any]], Any]


def good_transcript() -> dict[str, Any]:
    return counselling_transcript().to_dict()


def good_annotations() -> list[dict[str, Any]]:
    transcript = counselling_transcript()
    return [a.to_dict() for a in counselling_annotations(transcript)]


def changed(change: Change) -> dict[str, Any]:
    data = good_transcript()
    change(data)
    return data


def setitem(path: tuple[Any, ...], value: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def run_note(*args: str):
    return CliRunner().invoke(cli, ["note", *args, "--no-store"], catch_exceptions=False)


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def deep(levels: int) -> str:
    return '{"segments": ' + "[" * levels + "]" * levels + "}"


# (name, file bytes, expected error line)
TRANSCRIPT_CASES: list[tuple[str, bytes, str]] = [
    (
        "start is a string",
        json.dumps(changed(setitem(("segments", 10, "start"), "abc"))).encode(),
        'Error: bad.json: segment 11: start must be a number of seconds, got "abc".',
    ),
    (
        "words is a number",
        json.dumps(changed(setitem(("segments", 2, "words"), 7))).encode(),
        "Error: bad.json: segment 3: words must be a list, got 7.",
    ),
    (
        "review_reasons is a number",
        json.dumps(changed(setitem(("segments", 5, "review_reasons"), 3))).encode(),
        "Error: bad.json: segment 6: review_reasons must be a list, got 3.",
    ),
    (
        "speaker role is a number",
        json.dumps(changed(setitem(("speakers", 0, "role"), 1))).encode(),
        "Error: bad.json: speaker 1: role must be one of 'worker', 'client' or 'other', got 1.",
    ),
    (
        "speaker id is a number",
        json.dumps(changed(setitem(("speakers", 1, "id"), 42))).encode(),
        "Error: bad.json: speaker 2: id must be text, got 42.",
    ),
    (
        "segment speaker is a number",
        json.dumps(changed(setitem(("segments", 0, "speaker"), 0))).encode(),
        "Error: bad.json: segment 1: speaker must be text, got 0.",
    ),
    (
        "segments is a number",
        json.dumps(changed(setitem(("segments",), 5))).encode(),
        "Error: bad.json: segments must be a list, got 5.",
    ),
    (
        "huge integer time",
        json.dumps(changed(setitem(("segments", 0, "end"), 10**400))).encode(),
        "Error: bad.json: segment 1: end must be a finite number of seconds, got 100000000000000000000000000000000000000….",
    ),
    (
        "nested thousands of levels deep",
        deep(5000).encode(),
        "Error: bad.json: the Transcript is nested too deeply to be a session record (recursion limit exceeded at line 1 column 214).",
    ),
    (
        "Latin-1 file",
        json.dumps(changed(setitem(("segments", 0, "text"), "Très fatigué")), ensure_ascii=False).encode(
            "latin-1"
        ),
        "Error: bad.json is not UTF-8 or UTF-16 text (byte 0xe8 at position ",
    ),
    (
        "NaN duration",
        json.dumps(changed(setitem(("duration",), float("nan")))).encode(),
        "Error: bad.json: duration must be a finite number of seconds, got nan.",
    ),
    (
        "infinite duration",
        json.dumps(changed(setitem(("duration",), float("inf")))).encode(),
        "Error: bad.json: duration must be a finite number of seconds, got inf.",
    ),
    (
        "negative time",
        json.dumps(changed(setitem(("segments", 3, "start"), -4.0))).encode(),
        "Error: bad.json: segment 4: start must be a non-negative number of seconds, got -4.0.",
    ),
    (
        "reversed segment",
        json.dumps(changed(setitem(("segments", 3, "end"), 1.0))).encode(),
        "Error: bad.json: segment 4: end (1 s) is before start (20 s).",
    ),
    (
        "word outside its segment",
        json.dumps(changed(setitem(("segments", 1, "words", 0, "end"), 500.0))).encode(),
        "Error: bad.json: segment 2, word 1: the word (8-500 s) lies outside its segment (8-13 s).",
    ),
    (
        "repeated segment id",
        json.dumps(changed(setitem(("segments", 4, "id"), 3))).encode(),
        "Error: bad.json: segment 5 repeats the id 3; ids must be unique.",
    ),
    (
        "unknown source",
        json.dumps(changed(setitem(("source",), "email"))).encode(),
        "Error: bad.json: source must be one of 'audio', 'text', 'dictation', 'dialogue', got \"email\".",
    ),
    (
        "a list, not an object",
        b"[1, 2, 3]",
        "Error: bad.json: Expected an object for Transcript, got a list.",
    ),
    (
        "not JSON",
        b"segments: none",
        "Error: bad.json: Not valid JSON (expected value at line 1 column 1). Is this a Transcript file?",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "expected"), TRANSCRIPT_CASES, ids=[c[0] for c in TRANSCRIPT_CASES]
)
def test_bad_transcript_is_one_line_naming_the_field(
    name: str, content: bytes, expected: str, tmp_path: Path
):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    line = one_line_error(run_note(str(bad)))
    assert line.startswith(expected), line


ANNOTATION_CASES: list[tuple[str, Change, str]] = [
    (
        "evidence start is a string",
        lambda anns: anns[2]["evidence"][0].__setitem__("start", "soon"),
        'Error: bad.json: annotation 3, evidence 1: start must be a number of seconds, got "soon".',
    ),
    (
        "negative evidence time",
        lambda anns: anns[0]["evidence"][0].__setitem__("end", -1),
        "Error: bad.json: annotation 1, evidence 1: end must be a non-negative number of seconds, got -1.0.",
    ),
    (
        "reversed characters",
        lambda anns: anns[0]["evidence"][0].update(char_start=9, char_end=2),
        "Error: bad.json: annotation 1, evidence 1: characters 9-2 are not a span of the segment.",
    ),
    (
        "unknown status",
        lambda anns: anns[1].__setitem__("status", "rumoured"),
        "Error: bad.json: annotation 2: status must be one of 'affirmed', 'negated', 'historical', 'hypothetical' or 'other_person', got \"rumoured\".",
    ),
    (
        "role is a number",
        lambda anns: anns[1].__setitem__("role", 2),
        "Error: bad.json: annotation 2: role must be one of 'worker', 'client' or 'other', got 2.",
    ),
    (
        "repeated id",
        lambda anns: anns[3].__setitem__("id", anns[0]["id"]),
        "Error: bad.json: annotation 4 repeats the id ",
    ),
    (
        "confidence above one",
        lambda anns: anns[0].__setitem__("confidence", 7),
        "Error: bad.json: annotation 1: confidence must be between 0 and 1, got 7.0.",
    ),
    (
        "attributes hold a number",
        lambda anns: anns[0].__setitem__("attributes", {"when": 3}),
        "Error: bad.json: annotation 1: attributes.when must be text, got 3.",
    ),
]


@pytest.mark.parametrize(
    ("name", "change", "expected"), ANNOTATION_CASES, ids=[c[0] for c in ANNOTATION_CASES]
)
def test_bad_annotations_are_one_line_naming_the_field(
    name: str, change: Change, expected: str, tmp_path: Path
):
    transcript = counselling_transcript().save(tmp_path / "session.json")
    anns = good_annotations()
    change(anns)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(anns), encoding="utf-8")
    line = one_line_error(run_note(str(transcript), "--annotations", str(bad)))
    assert line.startswith(expected), line


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])
def test_transcript_in_any_unicode_encoding_makes_the_same_note(encoding: str, tmp_path: Path):
    """UTF-8 with or without a byte-order mark, and UTF-16 with one, read alike (as the notes reader does)."""
    text = json.dumps(good_transcript(), ensure_ascii=False)
    match encoding:
        case "utf-16-le-bom":
            content = b"\xff\xfe" + text.encode("utf-16-le")
        case "utf-16-be-bom":
            content = b"\xfe\xff" + text.encode("utf-16-be")
        case _:
            content = text.encode(encoding)
    plain, other = tmp_path / "plain.json", tmp_path / "other.json"
    plain.write_text(text, encoding="utf-8")
    other.write_bytes(content)
    annotations = tmp_path / "annotations.json"
    annotations.write_text(json.dumps(good_annotations()), encoding="utf-8-sig")
    expected = run_note(str(plain), "--annotations", str(annotations), "--date", "2026-01-05")
    result = run_note(str(other), "--annotations", str(annotations), "--date", "2026-01-05")
    assert result.exit_code == 0, result.output
    assert "## Risk assessment" in result.output
    assert result.output == expected.output


def test_draft_json_is_validated_like_a_transcript() -> None:
    """A draft (with its edit history) from a file or the store gets the same checks."""
    data = NoteDraft(id="d1", format="soap").to_dict()
    data["sections"] = [{"key": "s", "title": "S", "items": [{"id": "i1", "text": 5}]}]
    with pytest.raises(TranscriptError, match=r"^section 1, item 1: text must be text, got 5\.$"):
        NoteDraft.from_json(json.dumps(data))
    data["sections"] = [{"key": "s", "title": "S", "items": [{"id": "i1", "text": "x", "origin": "pasted"}]}]
    with pytest.raises(TranscriptError, match=r"^section 1, item 1: origin must be one of"):
        NoteDraft.from_json(json.dumps(data))
    data["sections"] = []
    data["edits"] = [{"at": "now", "action": "edit", "section": "s", "item_id": "i1", "after": ["x"]}]
    with pytest.raises(TranscriptError, match=r"^edit 1: after must be text, got a list\.$"):
        NoteDraft.from_json(json.dumps(data))


def test_good_records_round_trip_unchanged() -> None:
    transcript = counselling_transcript()
    assert Transcript.from_json(transcript.to_json()) == transcript
    anns = counselling_annotations(transcript)
    assert annotations_from_json(json.dumps([a.to_dict() for a in anns])) == anns
    assert annotations_from_json(json.dumps({"annotations": [a.to_dict() for a in anns]})) == anns
    assert Annotation.from_dict(anns[0].to_dict()) == anns[0]


def test_the_store_refuses_a_record_that_would_not_load(tmp_path: Path) -> None:
    from scribe.core.errors import StoreError
    from scribe.store import Store

    transcript = counselling_transcript()
    transcript.segments[2].end = float("nan")
    with Store.open(passphrase="a long enough passphrase", create=True) as store:
        sid = store.create_session("C-1", False)
        with pytest.raises(StoreError, match=r"^The transcript was not saved: segment 3: end must be"):
            store.save_transcript(sid, transcript)
        assert store.get_transcript(sid) is None


def test_text_typed_at_the_desk_is_refused_before_it_changes_a_record() -> None:
    """Corrections, speaker names and draft lines: too long is one line, and nothing changed."""
    from note_formats import editing as note_editing
    from scribe.transcripts import editing

    transcript = counselling_transcript()
    before = transcript.to_dict()
    flood = "x" * 1_000_001
    with pytest.raises(TranscriptError, match=r"^The segment text is 1,000,001 characters long"):
        editing.correct_segment(transcript, transcript.segments[0].id, flood)
    with pytest.raises(TranscriptError, match=r"^The speaker's name is 201 characters long"):
        editing.name_speaker(transcript, "SPEAKER_01", "n" * 201)
    assert transcript.to_dict() == before

    draft = NoteDraft(id="d1", format="soap")
    draft.sections = [NoteSection(key="s", title="S", items=[NoteItem(id="s1", text="Client slept badly.")])]
    kept = draft.to_dict()
    for change in (
        lambda: note_editing.edit_item(draft, "s1", flood),
        lambda: note_editing.add_item(draft, "s", flood),
        lambda: note_editing.edit_field(draft, "s1", "reflections", flood),
    ):
        with pytest.raises(TranscriptError, match="characters long"):
            change()
    assert draft.to_dict() == kept
