"""``scribe note`` from the terminal: inputs, outputs, and a one-line error for every bad input."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from note_fixtures import DENIAL_QUOTE, GOAL_QUOTE, counselling_annotations, counselling_transcript

from scribe.cli import cli
from scribe.core.records import NoteDraft


@pytest.fixture
def session_files(tmp_path: Path) -> tuple[Path, Path]:
    tr = counselling_transcript()
    anns = counselling_annotations(tr)
    transcript = tr.save(tmp_path / "session.json")
    annotations = tmp_path / "annotations.json"
    annotations.write_text(json.dumps([a.to_dict() for a in anns]), encoding="utf-8")
    return transcript, annotations


def run(*args: str, store: bool = False):
    """``scribe note ARGS``; drafts only (``--no-store``) unless a test is about the store."""
    extra = [] if store else ["--no-store"]
    return CliRunner().invoke(cli, ["note", *args, *extra], catch_exceptions=False)


def one_line_error(result) -> str:
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


@pytest.mark.parametrize("fmt", ["soap", "dap", "birp", "girp", "process"])
def test_markdown_to_stdout(fmt, session_files):
    transcript, annotations = session_files
    result = run(
        str(transcript),
        "--annotations",
        str(annotations),
        "--format",
        fmt,
        "--client",
        "C-104",
        "--style",
        "quotes",
    )
    assert result.exit_code == 0, result.output
    assert "- **Client:** C-104" in result.output
    assert DENIAL_QUOTE in result.output
    assert "## Risk assessment" in result.output
    if fmt != "process":
        assert f'"{GOAL_QUOTE}" [00:20]' in result.output


@pytest.mark.parametrize("suffix", ["docx", "pdf", "md", "txt", "json"])
def test_out_file_of_every_kind(suffix, session_files, tmp_path):
    transcript, annotations = session_files
    out = tmp_path / f"note.{suffix}"
    result = run(str(transcript), "--annotations", str(annotations), "-f", "process", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.output and "marked for review" in result.output
    assert out.stat().st_size > 0
    if suffix == "docx":
        assert len(docx.Document(str(out)).tables) == 1
    elif suffix == "json":
        assert NoteDraft.load(out).format == "process"
    elif suffix == "pdf":
        assert out.read_bytes().startswith(b"%PDF")
    else:
        assert DENIAL_QUOTE in out.read_text(encoding="utf-8")


def test_bad_inputs_give_one_line_errors(session_files, tmp_path):
    transcript, annotations = session_files
    notjson = tmp_path / "broken.json"
    notjson.write_text("{not json", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    notlist = tmp_path / "notlist.json"
    notlist.write_text('{"a": 1}', encoding="utf-8")
    cases = {
        "either a recording": [],
        "not both": [str(transcript), "--text", str(empty)],
        "No such file": [str(tmp_path / "missing.wav")],
        "Not valid JSON": [str(notjson), "--annotations", str(annotations)],
        "is empty": ["--text", str(empty)],
        "No such annotations file": [str(transcript), "--annotations", str(tmp_path / "nope.json")],
        "list of annotations": [str(transcript), "--annotations", str(notlist)],
        "Cannot export a note as 'rtf'": [str(transcript), "--annotations", str(annotations), "-o", "x.rtf"],
    }
    for expected, args in cases.items():
        line = one_line_error(run(*args))
        assert expected in line, (expected, line)


def test_unknown_format_is_refused(session_files):
    transcript, annotations = session_files
    result = run(str(transcript), "--annotations", str(annotations), "--format", "pirp")
    assert result.exit_code != 0 and "pirp" in result.output


def test_audio_that_is_not_audio_is_one_line_error(tmp_path):
    fake = tmp_path / "session.wav"
    fake.write_bytes(b"this is not a wav file at all" * 10)
    none = tmp_path / "none.json"
    none.write_text("[]", encoding="utf-8")
    line = one_line_error(run(str(fake), "--annotations", str(none)))
    assert "session.wav" in line


# --- with the real tagger (and, once, from audio) ------------------------------------------------


def test_transcript_json_is_tagged_by_the_real_tagger(session_files):
    transcript, _ = session_files
    result = run(str(transcript), "--format", "dap", "--client", "C-104", "--style", "quotes")
    assert result.exit_code == 0, result.output
    assert f'"{DENIAL_QUOTE}"' in result.output and "Client denied suicidal ideation" in result.output
    assert f'"{GOAL_QUOTE.rstrip(".")}' in result.output
    assert "## Plan" in result.output and "next Tuesday" in result.output


def test_prose_is_the_default_with_the_pronouns_given(session_files):
    transcript, annotations = session_files
    result = run(str(transcript), "--annotations", str(annotations), "--pronouns", "she/her")
    assert result.exit_code == 0, result.output
    # the statements of one turn are one sentence under one lead-in: "Client reported that ...; she has not ..."
    assert "Client reported that it has been a hard week; she has not been sleeping well" in result.output
    assert f'Client stated the goal: "{GOAL_QUOTE.rstrip(".")}' in result.output
    assert (
        "Client denied suicidal ideation, stating that she has never thought about killing herself."
        in result.output
    )
    assert "Warning" not in result.output  # every sentence grounded and faithful


def test_family_and_group_sessions_estimate_the_speaker_count():
    from scribe.workflow import speaker_count

    assert (
        speaker_count("individual") == 2
        and speaker_count("Family") is None
        and speaker_count("group") is None
    )
    assert speaker_count("family", 3) == 3  # the worker's count wins


def test_typed_notes_with_text(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text(
        "Met with client for a scheduled session. Client reported sleeping four hours a night.\n\n"
        "Provided psychoeducation on stress and sleep. Client denied suicidal ideation.\n\n"
        "Homework: client will keep a sleep log this week. Next session next Thursday.\n",
        encoding="utf-8",
    )
    out = tmp_path / "note.txt"
    result = run("--text", str(notes), "--format", "soap", "--out", str(out), "--style", "quotes")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert 'Denial of suicidal ideation documented: "Client denied suicidal ideation." [¶2]' in text
    assert 'Psychoeducation: "Provided psychoeducation on stress and sleep." [¶2]' in text
    assert "Homework" in text and "Duration: (not recorded)" in text


@pytest.mark.slow
def test_audio_to_process_recording_docx(tmp_path, monkeypatch):
    """A generated two-voice exchange: transcribe (tiny.en), diarize, tag, draft, DOCX — no mocks.

    The recording is decoded once for the whole run (counted by a spy that calls the real decoder).
    """
    import synth
    from scribe.audio import decode

    if not synth.have_espeak():
        pytest.skip("espeak-ng is not installed (scripts/setup.sh --test installs it)")
    samples, _ = synth.dialogue(synth.COUNSELLING_TURNS[6:])
    audio = synth.write_wav(tmp_path / "exchange.wav", samples)
    out = tmp_path / "note.docx"
    decodes: list[str] = []
    real_stream = decode.stream

    def counted(path, *args, **kwargs):
        decodes.append(str(path))
        return real_stream(path, *args, **kwargs)

    monkeypatch.setattr(decode, "stream", counted)
    result = run(
        str(audio), "--model", "tiny.en", "--format", "process", "--out", str(out), "--client", "C-7"
    )
    assert result.exit_code == 0, result.output
    assert decodes == [str(audio)]
    doc = docx.Document(str(out))
    rows = [[c.text for c in row.cells] for row in doc.tables[0].rows[1:]]
    assert len(rows) >= 4
    assert {r[1] for r in rows} == {"Worker", "Client"}
    assert any("killing myself" in r[2] for r in rows if r[1] == "Client")
    body = "\n".join(p.text for p in doc.paragraphs)
    # tiny.en may mishear the denial ("I'm out killing myself"): then it is an indicator marked for review
    risk = [line for line in body.splitlines() if "killing myself" in line]
    assert risk and all(
        line.startswith("Client denied suicidal ideation") or "[REVIEW" in line for line in risk
    )
    assert "Referral" in body


def test_session_is_saved_in_the_encrypted_store(session_files, monkeypatch, tmp_path):
    from scribe.store import Store

    monkeypatch.setenv("SCRIBE_PASSPHRASE", "correct horse battery")
    transcript, annotations = session_files
    args = [str(transcript), "--annotations", str(annotations), "--client", "C-104"]
    refused = run(*args, store=True)  # a transcript of a recording is a recording's content
    assert refused.exit_code == 1 and "consent" in refused.output
    out = tmp_path / "note.pdf"
    result = run(*args, "--consent", "-o", str(out), store=True)
    assert result.exit_code == 0, result.output
    assert "Saved session" in result.output and out.is_file()
    with Store.open(passphrase="correct horse battery") as store:
        (session,) = store.list_sessions()
        assert session.client_id == "C-104"
        draft = store.get_draft(session.id)
        assert draft is not None and draft.format == "soap"
        assert store.get_transcript(session.id).segments
        assert store.get_annotations(session.id)
        # The note left the store as a plain PDF: the audit log says so.
        (exported,) = [e.details for e in store.audit_entries(session.id) if e.action == "exported"]
        assert exported == {"what": "note", "format": "pdf", "draft_id": draft.id, "dest": str(out)}
        assert store.verify_audit().ok


def test_storing_needs_a_client_id(session_files, monkeypatch):
    monkeypatch.setenv("SCRIBE_PASSPHRASE", "correct horse battery")
    transcript, annotations = session_files
    line = one_line_error(run(str(transcript), "--annotations", str(annotations), store=True))
    assert "--client" in line


def test_a_recording_is_not_stored_without_consent(tmp_path, monkeypatch):
    """Refused before any transcription, with the two ways forward named."""
    monkeypatch.setenv("SCRIBE_PASSPHRASE", "correct horse battery")
    audio = tmp_path / "session.wav"
    audio.write_bytes(b"RIFF")  # never read: consent is checked first
    line = one_line_error(run(str(audio), "--client", "C-104", store=True))
    assert "consent" in line and "--no-store" in line
