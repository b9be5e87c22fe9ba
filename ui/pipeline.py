"""The desk's side of ``scribe.workflow``: keep one desk's records consistent as the worker works.

Every change the worker makes flows downstream: a corrected transcript is
tagged again (``workflow.retag`` carries the worker's decisions over), and
changed tags rebuild the draft (``workflow.make_draft`` carries the worker's
edits over). The rules (risk indicators decided before a draft, a signed note
takes no new source) are the workflow's; here they meet the desk's state.
"""

from __future__ import annotations

import functools
import logging
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from note_formats import DraftOptions
from scribe import workflow
from scribe.asr.live import dictate_audio
from scribe.asr.transcribe import Transcriber
from scribe.audio import decode as audio_io
from scribe.core.errors import AudioError, NoteError
from scribe.core.records import NoteDraft, NoteItem, Transcript
from ui.playback import PLAYBACK_NAME, write_playback
from ui.state import Desk, wipe_dir

log = logging.getLogger(__name__)

Progress = Callable[[float, str], Any]
#: Speaker roles a worker can pick.
ROLE_CHOICES = ("worker", "client", "other")

_MODEL_LOCK = threading.Lock()


def _no_progress(_fraction: float, _desc: str) -> None:
    return None


# --- models (process-wide caches hold models only, never client data) --------------------


def transcriber(model: str):
    """A loaded Whisper model, shared by every desk (loading takes seconds; loaded once)."""
    with _MODEL_LOCK:
        return _load_transcriber(model)


@functools.lru_cache(maxsize=2)
def _load_transcriber(model: str):
    return Transcriber(model)


# --- capture ---------------------------------------------------------------------------


def check_upload(path: str | Path | None) -> Path:
    """A clear message for a missing, empty or unsupported file (before any slow work)."""
    if not path:
        raise AudioError("Choose a recording first (or record one with the microphone).")
    path = audio_io.check_file(path)
    if path.suffix.lower() not in audio_io.SUPPORTED_SUFFIXES:
        kinds = ", ".join(s.lstrip(".") for s in audio_io.SUPPORTED_SUFFIXES)
        raise AudioError(f"{path.name} is not an audio file session-scribe reads. Use one of: {kinds}.")
    return path


def capture_audio(desk: Desk, path: str | Path, speakers: int = 2, progress: Progress = _no_progress) -> str:
    """Transcribe a session recording, tell the voices apart, store it encrypted, tag and draft.

    Refused (ConsentError) when the client did not consent to recording. The
    plain upload is wiped once the encrypted copy is stored.
    """
    store, session = desk.need_store(), desk.need_session()
    store.require_recording_consent(session.id)
    path = check_upload(path)
    workflow.require_unsigned(desk.draft)
    # Take the upload out of gradio's shared cache into this desk's private folder: no plain
    # copy is left behind, and another desk uploading the same file gets its own.
    own = desk.work() / f"upload{path.suffix.lower()}"
    shutil.move(path, own)
    path = own
    progress(0.02, "Loading the speech model")
    model = transcriber(desk.model)
    progress(0.05, "Transcribing and telling the voices apart")
    transcript = workflow.transcribe_recording(model, path, int(speakers), progress=True)
    warnings = list(transcript.warnings)
    return finish_audio(desk, transcript, path, speakers, progress, warnings, diarized=True)


def finish_audio(
    desk: Desk,
    transcript: Transcript,
    path: Path,
    speakers: int = 2,
    progress: Progress = _no_progress,
    notices: list[str] | None = None,
    *,
    diarized: bool = False,
) -> str:
    """A recording's transcript -> speakers and roles, encrypted audio, tags, draft. Returns the summary.

    ``path`` is a plain file in the desk's folder; it is wiped once stored.
    ``diarized``: the transcript already says who spoke.
    """
    store, session = desk.need_store(), desk.need_session()
    notices = list(notices or [])
    start_afresh(desk)
    if not diarized:
        progress(0.75, "Telling the voices apart")
        transcript = workflow.find_speakers(transcript, path, int(speakers))
    progress(0.85, "Saving the recording, encrypted")
    write_playback(path, desk.work() / PLAYBACK_NAME)
    store.save_audio(session.id, path, remove_source=True)
    notices += accept_transcript(desk, transcript, progress)
    desk.notices = notices
    return capture_summary(desk)


def capture_text(desk: Desk, text: str, source: str = "text", progress: Progress = _no_progress) -> str:
    """Typed or dictated notes, or a typed or pasted conversation ("Worker: ..." / "Client: ..."),
    become the session's transcript (no recording consent needed)."""
    store, session = desk.need_store(), desk.need_session()
    text = (text or "").strip()
    if not text:
        raise NoteError("The notes are empty. Type them, or dictate and transcribe them first.")
    workflow.require_unsigned(desk.draft)
    start_afresh(desk)
    progress(0.1, "Reading the notes")
    transcript, annotations = workflow.tag_text(text, source)
    desk.transcript = transcript
    store.save_transcript(session.id, transcript)
    wipe_dir(desk.workdir)  # an earlier recording's playback copy belongs to the old transcript
    desk.workdir = None
    notices: list[str] = []
    desk.annotations = annotations
    store.save_annotations(session.id, annotations)
    notices += refresh_draft(desk)
    desk.notices = notices
    return capture_summary(desk)


def dictate(desk: Desk, path: str | Path | None) -> str:
    """The text of a short dictation (the worker's own words: no recording consent needed)."""
    if not path:
        raise AudioError("Record the dictation first (press the microphone, speak, then stop).")
    model = transcriber(desk.model)
    try:
        return dictate_audio(Path(path), model)
    finally:
        Path(path).unlink(missing_ok=True)  # the worker's voice is not kept


def start_afresh(desk: Desk) -> None:
    """A new recording or new notes replace the session's content: earlier tags and draft do not carry over.

    (Decisions are matched by segment number, which means nothing across two recordings.)
    The earlier versions stay in the store.
    """
    desk.annotations, desk.draft = [], None
    desk.selected_segment = desk.selected_annotation = desk.selected_item = None


def accept_transcript(desk: Desk, transcript: Transcript, progress: Progress = _no_progress) -> list[str]:
    """Make ``transcript`` the session's: store it, tag it, draft if allowed. Returns notices."""
    store, session = desk.need_store(), desk.need_session()
    desk.transcript = transcript
    store.save_transcript(session.id, transcript)
    progress(0.9, "Finding goals, interventions, observations, risk and plans")
    notices = retag(desk)
    progress(0.97, "Drafting")
    notices += refresh_draft(desk)
    return notices


def capture_summary(desk: Desk) -> str:
    t = desk.transcript
    if t is None:
        return ""
    flagged = sum(s.needs_review for s in t.segments)
    speakers = len({s.speaker for s in t.segments if s.speaker})
    parts = [f"{len(t.segments)} segments"]
    if t.source == "audio":
        parts.insert(0, f"{t.duration / 60:.1f} min of audio")
        parts.append(f"{speakers} speaker{'s' if speakers != 1 else ''}")
    elif t.source == "dialogue":
        who = ", ".join(f"{s.label} = {s.role or 'role unknown'}" for s in t.speakers)
        guessed = any(s.role_source == "guess" for s in t.speakers)
        what = f"a {t.duration / 60:.1f}-min conversation from text" if t.timed else "a typed conversation"
        parts.insert(0, f"{what} ({who}{'; roles guessed, check them' if guessed else ''})")
    if flagged:
        parts.append(f"{flagged} to check (marked ⚠)")
    lines = [f"**Done:** {', '.join(parts)}. {tag_summary(desk)}"]
    if desk.draft is None and workflow.pending_risks(desk.annotations):
        lines.append("Next: decide each risk indicator on **Tags review**; the draft follows.")
    elif desk.draft is not None:
        lines.append("Next: check the **Transcript review** and **Tags review**, then the **Draft**.")
    lines += [f"- {n}" for n in desk.notices]
    return "\n\n".join(lines)


# --- tags ------------------------------------------------------------------------------


def retag(desk: Desk) -> list[str]:
    """Tag the current transcript again, carrying over the worker's decisions. Returns notices."""
    store, session, transcript = desk.need_store(), desk.need_session(), desk.need_transcript()
    desk.annotations, notices = workflow.retag(transcript, desk.annotations)
    store.save_annotations(session.id, desk.annotations)
    return notices


def tag_summary(desk: Desk) -> str:
    if not desk.annotations:
        return "No tags."
    counts: dict[str, int] = {}
    for a in desk.annotations:
        counts[a.label] = counts.get(a.label, 0) + 1
    text = ", ".join(f"{n} {label}" for label, n in counts.items())
    open_risk = len(workflow.pending_risks(desk.annotations))
    return f"Tags: {text}." + (f" **{open_risk} risk item(s) await your decision.**" if open_risk else "")


# --- drafts ----------------------------------------------------------------------------


def draft_options(desk: Desk) -> DraftOptions:
    s = desk.need_session()
    return DraftOptions(
        client_id=s.client_id,
        session_date=s.session_date,
        session_type=s.session_type,
        worker=desk.need_store().worker,
        style=desk.style,
        goals=workflow.session_goal_thread(desk.need_store(), s.id) if desk.transcript is not None else None,
    )


def refresh_draft(desk: Desk, fmt: str | None = None, *, force: bool = False) -> list[str]:
    """(Re)build the draft from the transcript and the tags, keeping the worker's edits. Returns notices.

    Nothing happens while risk indicators are undecided (unless the worker asked,
    then it is an error), or when the note is signed.
    """
    fmt = fmt or desk.fmt
    if desk.transcript is None:
        return []
    if desk.draft is not None and desk.draft.signed_at:
        if force or fmt != desk.draft.format:
            raise NoteError("This note is signed. Start an amendment first to change it.")
        return ["The note is signed: it was not changed. Start an amendment to change it."]
    if workflow.pending_risks(desk.annotations):
        if force:
            workflow.require_risks_decided(desk.annotations)
        if desk.draft is not None:
            return ["A risk indicator needs your decision on Tags review; the draft is updated after it."]
        return []
    drafted = workflow.make_draft(fmt, desk.transcript, desk.annotations, draft_options(desk), desk.draft)
    for problem in drafted.ungrounded:  # never expected: a bug worth showing
        log.warning("ungrounded draft line %s", problem)
    new, notices = drafted.draft, drafted.notices
    desk.draft, desk.fmt = new, fmt
    desk.need_store().save_draft(desk.need_session().id, new)
    return notices


def flat_items(draft: NoteDraft) -> list[tuple[str, NoteItem]]:
    """(section title, item) in reading order."""
    return [(sec.title, item) for sec in draft.sections for item in sec.items]
