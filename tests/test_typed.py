"""Typed text: notes stay notes; a typed or pasted conversation keeps who said what,
through the real tagger and the drafts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from note_formats import build_draft, check_grounding
from pipelines import tag_text
from scribe.cli import cli
from scribe.core.errors import TranscriptError
from scribe.core.records import Transcript
from scribe.transcripts.typed import MAX_TEXT_BYTES, read_text_file, text_to_transcript

VISIT = """Home visit with Dana, 24 November.

Worker: How has your week been since we last met?
Client: Honestly it has been hard. I have not been sleeping and I worry about the rent all the time.
Worker: It sounds like the money worries follow you to bed.
Client: Yes. I want to find a steady job so I can pay the rent on time.
Worker: I want to make sure you are safe. Have you had any thoughts of hurting yourself?
Client: No, never. My kids keep me going.
Client: I will call the job centre on Monday.
"""


def turns(tr: Transcript) -> list[tuple[str | None, str | None, str]]:
    return [(s.speaker, s.role, s.text) for s in tr.segments]


def test_role_labels_make_a_conversation_with_speakers_and_roles() -> None:
    tr = text_to_transcript(VISIT)
    assert tr.source == "dialogue"
    assert [(s.id, s.label, s.role, s.role_source) for s in tr.speakers] == [
        ("S1", "Worker", "worker", "user"),
        ("S2", "Client", "client", "user"),
    ]
    got = turns(tr)
    # The line before the conversation is kept, with no speaker: nothing typed is lost.
    assert got[0] == (None, None, "Home visit with Dana, 24 November.")
    assert got[1] == ("S1", "worker", "How has your week been since we last met?")
    assert got[4][:2] == ("S2", "client") and got[4][2].startswith("Yes. I want to find a steady job")
    assert [s.id for s in tr.segments] == list(range(len(tr.segments)))
    assert all(s.start == s.end == 0.0 for s in tr.segments)


def test_turns_go_on_over_lines_and_end_at_a_blank_line() -> None:
    tr = text_to_transcript(
        "T: What brings you in?\n"
        "C: My boss said I should come.\n"
        "I have been late a lot.\n"
        "\n"
        "Client looked tired throughout.\n"
        "T:\n"
        "What do you make of that?\n"
    )
    assert turns(tr) == [
        ("S1", "worker", "What brings you in?"),
        ("S2", "client", "My boss said I should come. I have been late a lot."),
        (None, None, "Client looked tired throughout."),
        ("S1", "worker", "What do you make of that?"),
    ]


def test_names_are_speakers_when_they_recur_and_their_roles_are_guessed() -> None:
    pasted = (
        "[00:00:03] Sarah: How are you doing today?\n"
        "[00:00:07] Dana: Not great. I want to get my kids back.\n"
        "[00:00:12] Sarah: What would that take for you?\n"
        "[00:00:15] Dana: I need to finish the parenting class and find a flat.\n"
    )
    tr = text_to_transcript(pasted)
    assert [(s.label, s.role, s.role_source) for s in tr.speakers] == [
        ("Sarah", "worker", "guess"),
        ("Dana", "client", "guess"),
    ]
    assert turns(tr)[1] == ("S2", "client", "Not great. I want to get my kids back.")
    # A name and a time alone on a line (pasted call transcripts) start a turn too.
    call = text_to_transcript(
        "Speaker 1  0:03\nHow are you doing today?\n\nSpeaker 2  0:07\nNot great.\n\n"
        "Speaker 1  0:12\nWhat would help?\n\nSpeaker 2  0:15\nA job, for a start. I want to work.\n"
    )
    assert [s.label for s in call.speakers] == ["Speaker 1", "Speaker 2"]
    assert turns(call)[3] == ("S2", "client", "A job, for a start. I want to work.")
    # An aside names the role of a named speaker; "Me" is the one typing.
    aside = text_to_transcript(
        "Dana (client): I want to sleep better.\nMe: What would help?\nDana (client): Less worry."
    )
    assert [(s.label, s.role) for s in aside.speakers] == [("Dana", "client"), ("Me", "worker")]


def test_notes_under_headings_or_with_one_speaker_stay_notes() -> None:
    soap = "Subjective: client reports poor sleep.\nObjective: arrived late.\nPlan: follow up.\nPlan: call."
    once = "Client reported: poor sleep.\nWorker noted: tired."
    one_voice = "Client: reports poor sleep.\nClient: arrived late."
    header = "Client: Jane D.\nWorker: A. Smith\n\nClient reports poor sleep and wants to find work."
    for text in (soap, once, one_voice, header):
        tr = text_to_transcript(text)
        assert tr.source == "text" and tr.speakers == [] and all(s.speaker is None for s in tr.segments), text
        assert " ".join(s.text for s in tr.segments) == " ".join(text.split())
    # Dictation is the worker's own voice: never split into speakers.
    assert text_to_transcript("Worker: hello.\nClient: hi.", source="dictation").source == "dictation"


def test_a_typed_conversation_is_tagged_speaker_by_speaker() -> None:
    tr, anns = tag_text(VISIT)
    by_label = {(a.label, a.subtype, a.status): a for a in anns}
    quotes = {a.label: [ev.quote for b in anns if b.label == a.label for ev in b.evidence] for a in anns}
    # The client's goal, in the client's words; the worker's "I want to make sure" is no goal.
    assert any("find a steady job" in q for q in quotes["goal"])
    assert not any("make sure you are safe" in q for q in quotes["goal"])
    # The worker's safety question and the client's denial make a denied risk, not a disclosure.
    assert ("risk", "self_harm", "negated") in by_label and ("risk", "self_harm", "affirmed") not in by_label
    # Interventions come from the worker's turns only.
    worker_turns = {s.id for s in tr.segments if s.role == "worker"}
    interventions = [a for a in anns if a.label == "intervention"]
    assert {"open_question", "complex_reflection"} <= {a.subtype for a in interventions}
    assert all(ev.segment_id in worker_turns for a in interventions for ev in a.evidence)


def test_a_typed_conversation_drafts_a_grounded_process_recording(tmp_path: Path) -> None:
    tr, anns = tag_text(VISIT)
    draft = build_draft("process", tr, anns)
    assert check_grounding(draft, tr) == []
    path = tmp_path / "visit.txt"
    path.write_text(VISIT, encoding="utf-8")
    out = tmp_path / "note.md"
    result = CliRunner().invoke(
        cli, ["note", "--text", str(path), "--no-store", "-f", "process", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    md = out.read_text(encoding="utf-8")
    assert "**Participants:** Worker, Client" in md
    assert "| ¶2 | Worker | How has your week been since we last met? | Open question |" in md
    assert "| ¶1 | Notes | Home visit with Dana, 24 November. |" in md  # typed, not unheard speech
    assert "Client denied self-harm" in md


CALL_VTT = """WEBVTT

1
00:00:03.120 --> 00:00:07.500
Sam Lee: How have you been sleeping since we last met?

2
00:00:08.000 --> 00:00:12.000
Dana Smith: Not well. I wake up at three and
worry about the rent.

3
00:00:12.000 --> 00:00:15.000
I want to find a steady job so I can pay the rent.

4
00:00:16.000 --> 00:00:19.000
Sam Lee: It sounds like money is weighing on you.

5
00:00:20.000 --> 00:00:26.000
Sam Lee: Have you had any thoughts of ending your life?

6
00:00:26.500 --> 00:00:29.000
<v Dana Smith>No, never. My kids keep me going.</v>
"""


def test_call_subtitles_keep_speakers_and_times() -> None:
    tr = text_to_transcript(CALL_VTT)
    assert tr.source == "dialogue" and tr.duration == 29.0
    assert [(s.label, s.role, s.role_source) for s in tr.speakers] == [
        ("Sam Lee", "worker", "guess"),
        ("Dana Smith", "client", "guess"),
    ]
    got = [(s.speaker, s.start, s.end, s.text) for s in tr.segments]
    # A cue without a name goes on with the last speaker; the same speaker's cues make one turn.
    assert got[1] == (
        "S2",
        8.0,
        15.0,
        "Not well. I wake up at three and worry about the rent. I want to find a steady job so I can pay the rent.",
    )
    assert got[2][:3] == ("S1", 16.0, 26.0)
    assert got[3] == ("S2", 26.5, 29.0, "No, never. My kids keep me going.")  # a WebVTT voice tag


def test_subtitles_written_by_scribe_transcribe_read_back(tmp_path: Path) -> None:
    from scribe.core.records import Segment, Speaker
    from scribe.transcripts.writers import write_srt, write_txt, write_vtt

    original = Transcript(
        segments=[
            Segment(id=0, start=1.0, end=4.0, text="How are you?", speaker="S1", role="worker"),
            Segment(
                id=1,
                start=4.5,
                end=8.25,
                text="Tired. I have not been sleeping.",
                speaker="S2",
                role="client",
            ),
            Segment(id=2, start=9.0, end=11.0, text="What keeps you up?", speaker="S1", role="worker"),
        ],
        speakers=[Speaker(id="S1", role="worker"), Speaker(id="S2", role="client")],
    )
    for written in (write_srt(original), write_vtt(original)):
        back = text_to_transcript(written)
        assert [(s.role, s.start, s.end, s.text) for s in back.segments] == [
            (s.role, s.start, s.end, s.text) for s in original.segments
        ], written
    # The plain-text transcript has start times only: a turn lasts until the next one.
    back = text_to_transcript(write_txt(original))
    assert [(s.role, s.start, s.text) for s in back.segments] == [
        (s.role, s.start, s.text) for s in original.segments
    ]
    assert [s.end for s in back.segments][:2] == [4.5, 9.0]


def test_times_written_on_the_lines_of_a_pasted_transcript_are_kept() -> None:
    pasted = (
        "[00:00:03] Sarah: How are you doing today?\n"
        "[00:00:07] Dana: Not great. I want to get my kids back.\n"
        "[00:00:12] Sarah: What would that take for you?\n"
        "[00:00:15] Dana: I need to finish the parenting class.\n"
    )
    tr = text_to_transcript(pasted)
    assert [(s.start, s.end) for s in tr.segments][:3] == [(3.0, 7.0), (7.0, 12.0), (12.0, 15.0)]
    assert tr.duration > 15.0
    # A call's time-of-day clock counts from its first turn.
    clock = pasted.replace("[00:00:", "[14:30:")
    assert [s.start for s in text_to_transcript(clock).segments] == [0.0, 4.0, 9.0, 12.0]
    # Times that run backwards, or a turn without one, cannot be trusted: no times at all.
    shuffled = pasted.replace("[00:00:12]", "[00:00:01]")
    missing = pasted.replace("[00:00:12] ", "")
    for text in (shuffled, missing):
        assert {(s.start, s.end) for s in text_to_transcript(text).segments} == {(0.0, 0.0)}


def test_note_from_call_subtitles_cites_their_times(tmp_path: Path) -> None:
    path = tmp_path / "call.vtt"
    path.write_text(CALL_VTT, encoding="utf-8")
    result = CliRunner().invoke(cli, ["note", str(path), "--no-store", "--style", "quotes"])
    assert result.exit_code == 0, result.output
    assert "**Participants:** Worker (Sam Lee), Client (Dana Smith)" in result.output
    # Evidence is placed in its own cue within a turn (the goal was said at 00:12, not 00:08).
    assert 'Desire for change: "I want to find a steady job" [00:12]' in result.output
    # The screening question and the answer, three cues apart, document a denial.
    assert 'Client denied suicidal ideation: "No, never." [00:20, 00:26]' in result.output


def test_text_files_are_read_whatever_editor_saved_them(tmp_path: Path) -> None:
    said = "Client: I don’t sleep. I want to feel rested.\nWorker: What would help?"
    encodings = {"utf8.txt": said.encode("utf-8"), "bom.txt": said.encode("utf-8-sig")}
    encodings |= {"notepad.txt": said.encode("utf-16"), "ansi.txt": said.encode("cp1252")}
    for name, data in encodings.items():
        (tmp_path / name).write_bytes(data)
        assert read_text_file(tmp_path / name) == said, name
    bad = {
        "empty.txt": (b" \n\n", "is empty"),
        "archive.txt": (b"PK\x03\x04\x00\x00\x00", "not a text file"),
        "huge.txt": (b"a" * (MAX_TEXT_BYTES + 1), "too large"),
    }
    for name, (data, message) in bad.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(TranscriptError, match=message):
            read_text_file(tmp_path / name)
    with pytest.raises(TranscriptError, match="No such file"):
        read_text_file(tmp_path / "missing.txt")
    with pytest.raises(TranscriptError, match="too long for one session"):
        text_to_transcript("Client: hello. " * (MAX_TEXT_BYTES // 10))
    # The CLI reads a Windows-1252 conversation as a conversation.
    result = CliRunner().invoke(cli, ["tag", "--text", str(tmp_path / "ansi.txt")])
    assert result.exit_code == 0 and "feel rested" in result.output, result.output


def test_a_subtitle_cue_that_ends_before_it_starts_is_one_line(tmp_path) -> None:
    """A cue that runs backwards has no time a note could cite: refused in one line."""
    vtt = "WEBVTT\n\n00:00:05.000 --> 00:00:02.000\n<v Sam>How are you?</v>\n"
    with pytest.raises(
        TranscriptError, match=r"A subtitle cue ends before it starts \(00:00:05.000 --> 00:00:02.000\)"
    ):
        text_to_transcript(vtt)


def test_a_table_of_timed_turns_is_a_conversation_with_its_times() -> None:
    tsv = (
        "start\tend\tspeaker\ttext\n"
        "0.5\t4.0\tworker\tHow was the move?\n"
        "4.6\t9.8\tclient\tTiring. The new place is cold and the boiler is broken.\n"
        "10.2\t12.0\tworker\tHave you told the landlord?\n"
    )
    tr = text_to_transcript(tsv)
    assert tr.source == "dialogue"
    assert [(s.role, s.start, s.end, s.text) for s in tr.segments] == [
        ("worker", 0.5, 4.0, "How was the move?"),
        ("client", 4.6, 9.8, "Tiring. The new place is cold and the boiler is broken."),
        ("worker", 10.2, 12.0, "Have you told the landlord?"),
    ]
    # a comma-separated export with clock times and commas inside the text
    csv_text = (
        "Start Time,Speaker,Text\n00:01:05,Therapist,So what would help this week?\n"
        '00:01:09,Client,"Honestly, a night\'s sleep, and the rent paid."\n'
        "00:01:15,Therapist,Let's start with sleep.\n"
    )
    tr = text_to_transcript(csv_text)
    assert [(s.role, s.start) for s in tr.segments] == [("worker", 65.0), ("client", 69.0), ("worker", 75.0)]
    assert tr.segments[1].text == "Honestly, a night's sleep, and the rent paid."


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("start\tspeaker\ttext\nsoon\tclient\tHi there.\n", "Line 2 of the table: the time"),
        (
            "start\tend\tspeaker\ttext\n9\t2\tclient\tHi there.\n",
            "Line 2 of the table ends (2 s) before it starts",
        ),
        ("start\tend\tspeaker\ttext\n1\t2\tclient\n", "Line 2 of the table has 3 columns, not 4"),
    ],
)
def test_a_broken_table_of_turns_is_one_line(table: str, message: str) -> None:
    with pytest.raises(TranscriptError, match=re.escape(message)):
        text_to_transcript(table)


def test_the_bundled_script_drafts_as_the_conversation_it_is(tmp_path: Path) -> None:
    out = tmp_path / "note.md"
    result = CliRunner().invoke(
        cli, ["note", "samples/session.txt", "--format", "soap", "--no-store", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    note = out.read_text()
    assert "Client denied suicidal ideation" in note
    assert "Worker reported" not in note  # the worker's questions are not read as the worker's notes
