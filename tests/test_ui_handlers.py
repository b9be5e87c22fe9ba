"""The desk's handlers as plain functions: real store, real tagger, real drafts; tiny.en for audio.

Each test gets its own data directory (conftest) and so its own encrypted store.
Typed notes drive most tests (fast); one short recording and one dictation run
the speech model.
"""

from __future__ import annotations

import os
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

import synth
from scribe import workflow
from scribe.audio import decode as audio_io
from scribe.core.records import RetentionPolicy
from ui import capture, draft, pipeline, playback, recorder, sessions, start, tags, transcript
from ui.guard import DeskGuard
from ui.state import Desk, user_errors

PASSPHRASE = "handler test passphrase"
EDITED = "Client wants to get back on her feet and feel less overwhelmed."


def sample_notes(repo_root: Path) -> str:
    """The sample session's lines as typed notes, one paragraph each."""
    rows = (repo_root / "samples" / "session.txt").read_text().splitlines()[1:]
    return "\n\n".join(row.split("\t")[3] for row in rows)


@pytest.fixture(autouse=True)
def gradio_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Files handed to gradio components are copied into its cache: keep that in the test's folder."""
    cache = tmp_path / "gradio-cache"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(cache))
    return cache


def path_of(value) -> Path:
    """The file behind a gradio file value (a FileData dict once the component processed it)."""
    return Path(value["path"] if isinstance(value, dict) else value)


@pytest.fixture
def desk() -> Desk:
    d, message, *_ = start.unlock(Desk(model="tiny.en"), PASSPHRASE, PASSPHRASE)
    assert "new encrypted notes store" in message
    return d


def open_session(d: Desk, consent: bool = True) -> Desk:
    d, message, _ = start.start_session(d, "C-1042", "2025-01-10", "individual", "", consent)
    assert "C-1042" in message
    return d


@pytest.fixture
def notes_desk(desk: Desk, repo_root: Path) -> Desk:
    """A session whose typed notes were tagged: risk items still undecided."""
    open_session(desk, consent=False)
    capture.use_notes(desk, sample_notes(repo_root), progress=lambda *a, **k: None)
    return desk


def decide_all_risks(d: Desk) -> None:
    for ref, ann in tags.refs(d).items():
        if ann.label == "risk":
            tags.open_annotation(d, ref)
            tags.decide(d, "accepted")


@pytest.fixture(scope="module")
def short_recording(tmp_path_factory: pytest.TempPathFactory, sample_session: Path) -> Path:
    """The first 24 s of the sample session (worker and client, two turns each) as WAV."""
    samples = audio_io.load(sample_session)[: 24 * audio_io.SAMPLE_RATE]
    path = tmp_path_factory.mktemp("rec") / "short.wav"
    sf.write(path, samples, audio_io.SAMPLE_RATE, subtype="PCM_16")
    return path


def no_progress(*_args, **_kwargs) -> None:
    return None


# --- Start --------------------------------------------------------------------------------


def test_new_store_needs_the_passphrase_twice_and_a_wrong_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(gr.Error, match="twice"):
        start.unlock(Desk(), PASSPHRASE, "something else")
    d, *_ = start.unlock(Desk(), PASSPHRASE, PASSPHRASE)
    d.close()
    with pytest.raises(gr.Error, match=r"(?i)passphrase"):
        start.unlock(Desk(), "not the passphrase", "")
    d, message, cleared, _ = start.unlock(Desk(), PASSPHRASE)
    assert d.store is not None and "Unlocked" in message and cleared == ""


def test_start_session_checks_the_date_and_records_consent(desk: Desk) -> None:
    with pytest.raises(gr.Error, match="YYYY-MM-DD"):
        start.start_session(desk, "C-1", "10/01/2025", "individual", "", True)
    with pytest.raises(gr.Error, match="client identifier"):
        start.start_session(desk, "  ", "2025-01-10", "individual", "", True)
    open_session(desk, consent=False)
    assert desk.session is not None and not desk.session.consent
    desk, _ = start.update_consent(desk, True)
    assert desk.need_store().get_session(desk.session.id).consent
    assert "C-1042" in start.render(desk)[4] and "**given**" in start.render(desk)[4]


# --- Capture ------------------------------------------------------------------------------


def test_without_consent_recording_is_refused_but_typed_notes_work(
    desk: Desk, short_recording: Path, tmp_path: Path
) -> None:
    open_session(desk, consent=False)
    upload = tmp_path / "upload.wav"
    upload.write_bytes(short_recording.read_bytes())
    with pytest.raises(gr.Error, match="consent"):
        capture.transcribe_upload(desk, str(upload), 2, progress=no_progress)
    assert desk.need_store().get_transcript(desk.session.id) is None
    assert capture.render(desk)[1].visible is False  # the recording controls are hidden
    desk, _, _ = capture.use_notes(desk, "Client reports sleeping four hours a night.", progress=no_progress)
    assert desk.transcript is not None and desk.transcript.source == "text"
    assert desk.need_store().get_transcript(desk.session.id).segments[0].text.startswith("Client reports")


def test_a_pasted_conversation_keeps_its_speakers_and_roles_can_be_swapped(desk: Desk) -> None:
    open_session(desk, consent=False)
    pasted = (
        "Sam: What would you like to be different by the summer?\n"
        "Dana: I want to get my driving licence back.\n"
        "Sam: It sounds like getting around matters a lot to you.\n"
        "Dana: Yes, I will book the test next week.\n"
    )
    desk, summary, _ = capture.use_notes(desk, pasted, progress=no_progress)
    t = desk.need_transcript()
    assert (
        t.source == "dialogue" and "typed conversation (Sam = worker, Dana = client; roles guessed" in summary
    )
    rows = transcript.segment_rows(t)
    assert list(rows["Time"])[:2] == ["¶1", "¶2"]  # typed: no times, places as the draft cites them
    assert list(rows["Speaker"])[:2] == ["Sam (S1)", "Dana (S2)"] and list(rows["Role"])[:2] == [
        "worker",
        "client",
    ]
    goals = [a for a in desk.annotations if a.label == "goal"]
    assert goals and all(t.segment(ev.segment_id).role == "client" for a in goals for ev in a.evidence)
    # The guess was wrong way round: swapping re-tags the session with the new roles.
    desk, message = transcript.swap_roles(desk)
    assert "S2 is now the worker" in message
    stored = desk.need_store().get_transcript(desk.session.id)
    assert [(s.label, s.role, s.role_source) for s in stored.speakers] == [
        ("Sam", "client", "user"),
        ("Dana", "worker", "user"),
    ]
    # Dana's words are now the worker's: no goal rests on them.
    assert not any(
        ev.segment_id in (1, 3) for a in desk.annotations if a.label == "goal" for ev in a.evidence
    )


def test_pasted_call_subtitles_show_their_times(desk: Desk) -> None:
    open_session(desk, consent=False)
    vtt = (
        "WEBVTT\n\n00:01:05.000 --> 00:01:09.000\n<v Sam>What would you like to change?</v>\n\n"
        "00:01:10.000 --> 00:01:15.000\n<v Dana>I want to get my driving licence back.</v>\n"
    )
    desk, summary, _ = capture.use_notes(desk, vtt, progress=no_progress)
    assert (
        desk.timed
        and desk.need_transcript().duration == 75.0
        and "a 1.2-min conversation from text (Sam = worker, Dana = client" in summary
    )
    goals = tags.group_table(desk, "goal").data
    assert list(goals["Time"]) == ["01:10"] and "driving licence" in goals["Quote"].iloc[0]
    # Typed notes have no times: none are shown.
    desk, _, _ = capture.use_notes(desk, "Client reports sleeping four hours a night.", progress=no_progress)
    assert not desk.timed


def test_a_notes_file_opens_into_the_notes_box_and_is_not_kept(desk: Desk, tmp_path: Path) -> None:
    open_session(desk, consent=False)
    call = tmp_path / "call.srt"
    call.write_text("1\n00:00:01,000 --> 00:00:03,000\nSam: How are you?\n", encoding="utf-8")
    desk, text = capture.open_text_file(desk, str(call))
    assert text.startswith("1\n00:00:01,000") and not call.exists()
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"%PDF-1.7\x00\x00")
    with pytest.raises(gr.Error, match="not a text file"):
        capture.open_text_file(desk, str(binary))
    assert not binary.exists()


def test_uploads_that_are_not_audio_get_a_clear_message(desk: Desk, tmp_path: Path) -> None:
    open_session(desk)
    notes = tmp_path / "notes.txt"
    notes.write_text("not audio")
    with pytest.raises(gr.Error, match=r"not an audio file.*wav"):
        capture.transcribe_upload(desk, str(notes), 2, progress=no_progress)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(gr.Error, match="empty"):
        capture.transcribe_upload(desk, str(empty), 2, progress=no_progress)
    with pytest.raises(gr.Error, match="Choose a recording"):
        capture.transcribe_upload(desk, None, 2, progress=no_progress)


@pytest.mark.slow
def test_recording_is_transcribed_diarized_stored_encrypted_and_playable(
    desk: Desk, short_recording: Path, tmp_path: Path
) -> None:
    open_session(desk, consent=True)
    upload = tmp_path / "upload.wav"
    upload.write_bytes(short_recording.read_bytes())
    desk, summary, cleared, _ = capture.transcribe_upload(desk, str(upload), 2, progress=no_progress)
    t = desk.need_transcript()
    assert "segments" in summary and cleared is None
    assert not upload.exists()  # the plain upload is gone; the store holds it encrypted
    info = desk.need_store().get_session(desk.session.id)
    assert info.has_audio and info.has_transcript
    assert {s.role for s in t.speakers} == {"worker", "client"}
    assert any("sleeping" in s.text for s in t.segments)

    seg = next(s for s in t.segments if "sleeping" in s.text)
    desk, _, player, seg_text, _ = transcript.open_segment(desk, seg.id)
    clip, rate = sf.read(path_of(player.value))
    assert rate == 16000 and abs(len(clip) / rate - (seg.end - seg.start + 2 * playback.CLIP_PAD)) < 0.1
    assert np.abs(clip).max() > 0.01 and seg_text == seg.text

    roles = {s.id: s.role for s in t.speakers}
    desk, message = transcript.swap_roles(desk)
    assert message.startswith("Swapped")
    assert {s.id: s.role for s in desk.need_transcript().speakers} == {
        sid: {"worker": "client", "client": "worker"}[r] for sid, r in roles.items()
    }
    desk, _ = transcript.save_speaker(desk, seg.speaker, "Dana", "client")
    assert transcript.speaker_name(desk.need_transcript(), seg.speaker) == f"Dana ({seg.speaker})"

    # Reopened later: the clip is cut from the encrypted recording, decrypted into the desk's folder.
    sid = desk.session.id
    desk.clear_session()
    sessions.select_session(desk, sid[:8])
    desk, *_ = sessions.open_session(desk)
    assert transcript.speaker_name(desk.need_transcript(), seg.speaker) == f"Dana ({seg.speaker})"
    desk, _, player, _, _ = transcript.open_segment(desk, seg.id)
    again, _ = sf.read(path_of(player.value))
    assert len(again) == len(clip)
    assert [p.name for p in desk.work().iterdir() if p.suffix == ".audio"] == []  # decrypted copy wiped


def test_two_microphone_upload_keeps_words_said_at_the_same_time(
    desk: Desk, counselling_dialogue: tuple[Path, list[synth.Turn]], tmp_path: Path
) -> None:
    """One voice per channel is transcribed channel by channel on the desk too (as in `scribe note`)."""
    path, turns = counselling_dialogue
    stereo = synth.two_channel_session(audio_io.load(path), turns, overlap=True)
    upload = synth.write_wav(tmp_path / "two-mics.wav", stereo, channels=2)
    open_session(desk, consent=True)
    desk, *_ = capture.transcribe_upload(desk, str(upload), 2, progress=no_progress)
    t = desk.need_transcript()
    said = [(t.role_of(s.speaker), s.text.lower()) for s in t.segments]
    assert any(role == "client" and "employment office" in text for role, text in said), said
    assert any(role == "worker" and "plan down" in text for role, text in said), said
    assert {s.label for s in t.speakers} == {"left channel", "right channel"}


def test_the_recorder_needs_consent_too(desk: Desk) -> None:
    open_session(desk, consent=False)
    with pytest.raises(gr.Error, match="consent"):
        recorder.start_recording(desk, "")
    assert desk.live is None
    with pytest.raises(gr.Error, match="Nothing is being recorded"):
        recorder.stop_recording(desk, 2, progress=no_progress)


@pytest.mark.slow
def test_recorder_records_this_computers_microphone(desk: Desk, pulse_server, tmp_path: Path) -> None:
    """Through PulseAudio's null sink: the same path as a real microphone, without one."""
    import time

    import synth

    if not synth.have_espeak():
        pytest.skip("espeak-ng is not installed (scripts/setup.sh --test installs it)")
    speech = synth.write_wav(
        tmp_path / "said.wav",
        synth.speak("I have been sleeping maybe four hours a night. I want to get back on my feet."),
    )
    open_session(desk, consent=True)
    desk, status, timer = recorder.start_recording(desk, "pulse")
    assert "Recording" in status and desk.live is not None and timer.active is True  # the meter runs
    assert desk.live.recorder.started.wait(15), "no audio arrived from the pulse device"
    assert pulse_server.play(speech).wait(60) == 0
    time.sleep(0.5)
    assert recorder.meter(desk).startswith("**Recording**")
    desk, summary, timer, _ = recorder.stop_recording(desk, 1, progress=no_progress)
    assert desk.live is None and "segments" in summary and timer.active is False
    assert "sleeping" in desk.need_transcript().text.lower()
    assert desk.need_store().get_session(desk.session.id).has_audio
    assert not (desk.work() / recorder.RECORDING_NAME).exists()  # stored encrypted, plain copy wiped


@pytest.mark.slow
def test_dictated_line_is_added_to_the_section_it_names(notes_desk: Desk, tmp_path: Path) -> None:
    import synth

    if not synth.have_espeak():
        pytest.skip("espeak-ng is not installed (scripts/setup.sh --test installs it)")
    decide_all_risks(notes_desk)
    speech = synth.write_wav(
        tmp_path / "dictation.wav", synth.speak("Add to plan, call the school on Monday.")
    )
    desk, text, cleared = draft.dictate_line(notes_desk, str(speech), "")
    assert "school" in text.lower() and cleared is None and not speech.exists()
    desk, message, box = draft.add_line(desk, None, text)
    plan = desk.need_draft().section("plan")
    added = plan.items[-1]
    assert added.origin == "dictated" and "school" in added.text.lower() and box == ""
    assert "Plan" in message


# --- Transcript, tags, draft ------------------------------------------------------------------


def test_drafting_waits_for_every_risk_decision(notes_desk: Desk) -> None:
    d = notes_desk
    assert workflow.pending_risks(d.annotations) and d.draft is None
    assert "Drafting waits" in draft.render(d)[0]
    with pytest.raises(gr.Error, match="risk indicator"):
        draft.make_draft(d, "soap")
    risk_refs = [ref for ref, a in tags.refs(d).items() if a.label == "risk"]
    for ref in risk_refs[:-1]:
        tags.open_annotation(d, ref)
        tags.decide(d, "accepted")
        assert d.draft is None
    tags.open_annotation(d, risk_refs[-1])
    d, message = tags.decide(d, "rejected")
    assert "draft is ready" in message and d.draft is not None
    assert d.need_store().get_draft(d.session.id).id == d.draft.id


def test_rejected_intervention_leaves_the_draft_and_edits_survive_the_rebuild(
    notes_desk: Desk, tmp_path: Path
) -> None:
    d = notes_desk
    decide_all_risks(d)
    goal_ref = next(ref for ref, a in tags.refs(d).items() if a.label == "goal")
    tags.open_annotation(d, goal_ref)
    tags.decide(d, "accepted")
    goal_item = next(i for _, i in pipeline.flat_items(d.draft) if "get back on my feet" in i.text)
    rows = [[i.id, "", EDITED if i is goal_item else i.text, "", ""] for _, i in pipeline.flat_items(d.draft)]
    d, message = draft.apply_table_edits(d, rows)
    assert goal_item.id in message

    ref, rejected = next((r, a) for r, a in tags.refs(d).items() if a.label == "intervention")
    title = tags.kind(rejected)
    [line] = [i.text for _, i in pipeline.flat_items(d.draft) if i.fields.get("technique") == title]
    tags.open_annotation(d, ref)
    d, message = tags.decide(d, "rejected")
    kept = [i for _, i in pipeline.flat_items(d.draft) if not i.deleted]
    assert EDITED in [i.text for i in kept]
    assert not any(i.fields.get("technique") == title for i in kept)

    d, file, message = draft.export_note(d, "docx")
    from docx import Document

    body = "\n".join(p.text for p in Document(str(path_of(file.value))).paragraphs)
    assert EDITED in body and line not in body
    for kind in ("pdf", "md", "txt"):
        d, file, _ = draft.export_note(d, kind)
        path = path_of(file.value)
        assert path.suffix == f".{kind}" and path.stat().st_size > 0
    assert {p.suffix for p in d.work().iterdir()} >= {".docx", ".pdf", ".md", ".txt"}  # private, wiped
    exports = [e.details for e in d.need_store().audit_entries(d.session.id) if e.action == "exported"]
    assert [e["format"] for e in exports] == ["docx", "pdf", "md", "txt"]
    assert {e["what"] for e in exports} == {"note"} and {e["draft_id"] for e in exports} == {d.draft.id}
    assert d.need_store().verify_audit().ok


def test_edited_tag_and_corrected_segment_keep_the_workers_decisions(notes_desk: Desk) -> None:
    d = notes_desk
    decide_all_risks(d)
    obs_ref = next(ref for ref, a in tags.refs(d).items() if a.label == "observation")
    tags.open_annotation(d, obs_ref)
    ann = tags._selected(d)
    d, message = tags.edit_annotation(d, "stressor", "historical", "money worries")
    assert message.startswith("Corrected")
    assert ann.review == "edited" and ann.subtype == "stressor" and ann.status == "historical"

    seg = d.need_transcript().segments[2]
    before = seg.text
    transcript.open_segment(d, seg.id)
    d, _ = transcript.correct_segment(d, before + " Really.", None)
    t = d.need_transcript()
    assert t.segments[2].edited and t.segments[2].original_text == before
    assert "Really." in d.need_store().get_transcript(d.session.id).segments[2].text
    assert not workflow.pending_risks(d.annotations)  # risk decisions carried over the re-tagging
    carried = [a for a in d.annotations if a.review == "edited"]
    assert carried and carried[0].subtype == "stressor" and carried[0].text == "money worries"


def test_lines_are_edited_deleted_restored_added_and_kept_across_a_format_change(notes_desk: Desk) -> None:
    d = notes_desk
    decide_all_risks(d)
    first = pipeline.flat_items(d.draft)[0][1]
    draft.open_item(d, first.id)
    d, message = draft.line_action(d, "delete")
    assert first.deleted and "deleted" in draft.check_text(first)
    draft.line_action(d, "restore")
    assert not first.deleted
    d, message, _ = draft.add_line(d, None, "Add to plan: call the school on Monday.")
    added = d.draft.section("plan").items[-1]
    assert added.text == "Call the school on Monday." and added.origin == "added"
    with pytest.raises(gr.Error, match="section"):
        draft.add_line(d, None, "A line without a section.")

    d, message = draft.make_draft(d, "dap")
    assert d.draft.format == "dap"
    in_dap = [i.text for _, i in pipeline.flat_items(d.draft)]
    assert "Call the school on Monday." in in_dap or "Call the school on Monday." in message
    d, message = draft.make_draft(d, "process")
    assert any(c for c in draft.open_item(d, pipeline.flat_items(d.draft)[0][1].id)[4].choices)
    # BIRP: a dictated "Add to behaviour" (British spelling) finds the Behavior section.
    d, message = draft.make_draft(d, "birp")
    assert [s.key for s in d.draft.sections] == ["behavior", "intervention", "response", "risk", "plan"]
    d, message, _ = draft.add_line(d, None, "Add to behaviour: client paced the room.")
    assert d.draft.section("behavior").items[-1].text == "Client paced the room."


def test_signing_needs_reviewed_lines_and_a_tick_then_the_note_is_frozen(notes_desk: Desk) -> None:
    d = notes_desk
    decide_all_risks(d)
    flagged = [i for _, i in pipeline.flat_items(d.draft) if i.needs_review and not i.deleted]
    if flagged:
        with pytest.raises(gr.Error, match="marked"):
            draft.sign(d, "A. Worker, MSW", True)
    for item in flagged:
        draft.open_item(d, item.id)
        draft.line_action(d, "accept")
    with pytest.raises(gr.Error, match="Tick"):
        draft.sign(d, "A. Worker, MSW", False)
    d, message = draft.sign(d, "A. Worker, MSW", True)
    assert "can no longer change" in message
    assert d.draft.signed_at and d.draft.signed_by == "A. Worker, MSW"
    assert d.need_store().get_session(d.session.id).status == "signed"
    item = pipeline.flat_items(d.draft)[0][1]
    draft.open_item(d, item.id)
    with pytest.raises(gr.Error, match="signed"):
        draft.save_wording(d, "changed after signing")
    with pytest.raises(gr.Error, match="signed"):  # its source cannot be replaced either
        capture.use_notes(d, "Other notes.", progress=no_progress)
    d, _ = draft.amend(d)
    assert d.draft.signed_at is None
    draft.save_wording(d, "An amended line.")
    assert d.need_store().get_session(d.session.id).status == "amending"


# --- Sessions -----------------------------------------------------------------------------


def test_sessions_are_listed_reopened_and_deleted(notes_desk: Desk) -> None:
    d = notes_desk
    decide_all_risks(d)
    sid = d.session.id
    rows = sessions.session_rows(d)
    assert list(rows["Client"]) == ["C-1042"] and list(rows["Id"]) == [sid[:8]]
    d.clear_session()
    sessions.select_session(d, sid[:8])
    d, message, _ = sessions.open_session(d)
    assert message.startswith("Opened C-1042")
    assert d.session.id == sid and d.transcript is not None and d.draft is not None
    assert len(d.annotations) > 0 and not workflow.pending_risks(d.annotations)
    with pytest.raises(gr.Error, match="delete it for good"):
        sessions.delete_session(d, False)
    d, _, unticked = sessions.delete_session(d, True)
    assert d.session is None and unticked is False
    assert d.need_store().list_sessions() == []


def test_retention_policy_is_saved(desk: Desk) -> None:
    desk, _ = sessions.set_retention(desk, "delete_after_days", 30)
    assert desk.need_store().retention == RetentionPolicy("delete_after_days", 30)
    with pytest.raises(gr.Error, match="days"):
        sessions.set_retention(desk, "delete_after_days", 0)


# --- edges: errors, views, app, CLI ----------------------------------------------------------


def test_unexpected_errors_become_a_calm_message_without_internals() -> None:
    @user_errors
    def broken() -> None:
        raise KeyError("client C-1042 secret detail")

    with pytest.raises(gr.Error) as info:
        broken()
    assert "C-1042" not in str(info.value) and "KeyError" in str(info.value)
    with pytest.raises(gr.Error, match="Unlock your notes"):
        draft.make_draft(Desk(), "soap")


def test_every_tab_renders_an_empty_and_a_full_desk(notes_desk: Desk) -> None:
    decide_all_risks(notes_desk)
    for module in (start, capture, transcript, tags, draft, sessions):
        for d in (Desk(), notes_desk):
            assert isinstance(module.render(d), list)
    table = transcript.segment_table(notes_desk.transcript)
    assert len(table.data) == len(notes_desk.transcript.segments)


def test_the_app_is_built_and_launched_on_loopback_without_share(monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import app

    monkeypatch.delenv("GRADIO_TEMP_DIR")  # launch() sets it; restored after the test
    seen: dict = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: seen.update(kw))  # isolate: no server
    monkeypatch.setattr("atexit.register", lambda *a, **k: None)
    app.launch(7999, model="tiny.en", block=False)
    assert seen["server_name"] == "127.0.0.1" and seen["share"] is False
    assert seen["allowed_paths"] == [] and seen["max_file_size"] == app.DEFAULT_MAX_UPLOAD
    assert seen["run_history"] is False and seen["enable_monitoring"] is False
    assert any(p.endswith("store.sqlite3") for p in seen["blocked_paths"])
    assert os.environ["GRADIO_TEMP_DIR"].endswith("ui-cache")
    # Every request passes the desk's gate (tested in test_ui_guard.py and, live, test_ui_browser.py).
    (gate,) = seen["app_kwargs"]["middleware"]
    assert gate.cls is DeskGuard and gate.kwargs["port"] == 7999 and len(gate.kwargs["token"]) >= 43


def test_cli_ui_refuses_a_busy_port_and_a_bad_size() -> None:
    import socket

    from scribe.cli import cli

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = CliRunner().invoke(cli, ["ui", "--port", str(port)])
    assert result.exit_code == 1 and "already in use" in result.output
    result = CliRunner().invoke(cli, ["ui", "--max-upload", "lots"])
    assert result.exit_code == 2 and "500mb" in result.output


def test_a_damaged_session_is_named_in_the_desk_list_beside_the_others(desk: Desk, scribe_home: Path) -> None:
    import sqlite3

    store = desk.need_store()
    good = store.create_session("C-1", consent=False)
    bad = store.create_session("C-2", consent=False)
    db = sqlite3.connect(scribe_home / "store.sqlite3", isolation_level=None)
    db.execute("UPDATE sessions SET info = zeroblob(60) WHERE id = ?", (bad,))
    db.close()
    rows = sessions.session_rows(desk)
    assert list(rows["Id"]) == [good[:8], bad[:8]]
    assert list(rows["Status"]) == ["new", "damaged"] and rows["Client"][0] == "C-1"


HARBOR = """title = "Harbor Family Services progress note"
[[sections]]
heading = "Presenting problem"
content = ["client_report", "goals"]
[[sections]]
heading = "Safety"
content = ["risk"]
[[sections]]
key = "attestation"
heading = "Attestation"
fields = ["Clinician signature"]
"""


def test_a_template_file_is_loaded_kept_and_drafted_and_a_broken_one_is_named(
    notes_desk: Desk, tmp_path: Path
) -> None:
    from note_formats import FORMATS
    from note_formats.templates import user_template_dir

    d = notes_desk
    decide_all_risks(d)
    chosen = tmp_path / "harbor.toml"
    chosen.write_text(HARBOR, encoding="utf-8")
    try:
        d, radio, message = draft.load_template(d, str(chosen))
        assert "Template loaded: **Harbor Family Services progress note**" in message
        assert not chosen.exists() and (user_template_dir() / "harbor.toml").read_text() == HARBOR
        assert radio.value == "harbor" and ("Harbor Family Services progress note", "harbor") in radio.choices
        d, message = draft.make_draft(d, "harbor", "quotes")
        assert "Draft ready: Harbor Family Services progress note." in message
        assert [s.key for s in d.need_draft().sections] == ["presenting_problem", "risk", "attestation"]
        bad = tmp_path / "bad.toml"
        bad.write_text('title = "x"\n[[sections]]\nheading = "A"\ncontent = ["nope"]', encoding="utf-8")
        with pytest.raises(gr.Error, match=r"bad\.toml: sections\[1\] \(A\)\.content\[1\]: 'nope'"):
            draft.load_template(d, str(bad))
        (user_template_dir() / "broken.toml").write_text('title = "x"', encoding="utf-8")
        assert "Template not loaded: broken.toml: sections: is required" in draft.broken_templates()
        assert "soap" in dict((n, t) for t, n in draft.format_choices())
    finally:
        FORMATS.pop("harbor", None)
