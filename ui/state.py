"""One worker's desk: the per-browser-session state every tab reads and changes.

gradio keeps one ``Desk`` per browser tab in a ``gr.State`` (never a module
global: globals are shared by every user of the server). The handlers are plain
functions ``(desk, inputs...) -> outputs`` that call the library; a
``ScribeError`` becomes a ``gr.Error`` popup in :func:`user_errors`, the one
place where library errors meet the browser.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import gradio as gr

from scribe.core.errors import ScribeError
from scribe.core.paths import data_dir
from scribe.core.records import Annotation, NoteDraft, SessionInfo, Transcript
from scribe.core.timefmt import clock
from scribe.store import Store
from scribe.store.securefile import wipe_file

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

#: Environment variables the UI reads (the CLI sets them from its options).
MODEL_ENV = "SCRIBE_MODEL"
#: The private folder (inside the data directory) holding everything the UI writes in plain form:
#: uploads, playback copies, clips and exports. Wiped when the app starts and stops.
CACHE_DIRNAME = "ui-cache"


@dataclass
class Desk:
    """Everything one worker has open: the unlocked store, the session and its records."""

    #: Whisper model name for this desk (process setting copied in at page load).
    model: str = "base"
    store: Store | None = None
    session: SessionInfo | None = None
    transcript: Transcript | None = None
    annotations: list[Annotation] = field(default_factory=list)
    draft: NoteDraft | None = None
    fmt: str = "soap"
    #: "prose" (sentences) or "quotes" (labelled verbatim quotes): how the draft is worded.
    style: str = "prose"
    #: A private folder for this desk's plain files (playback copy, clips, exports).
    workdir: Path | None = None
    selected_segment: int | None = None
    selected_annotation: str | None = None
    selected_item: str | None = None
    selected_session: str | None = None
    #: A recording through this computer's microphone (scribe.asr.live.LiveSession), while it runs.
    live: Any = None
    #: Text that came from dictation and has not been retyped (so an added line is "dictated").
    dictated: str = ""
    #: (session, transcript, goals on file) the goal linker last ran for: it runs once per change.
    goal_memo: tuple = ()
    #: Things the worker should know about the last step (e.g. diarization was not available).
    notices: list[str] = field(default_factory=list)

    # --- guards: each says what to do next ----------------------------------------------

    def need_store(self) -> Store:
        if self.store is None:
            raise gr.Error("Unlock your notes first: enter your passphrase on the Start tab.")
        return self.store

    def need_session(self) -> SessionInfo:
        self.need_store()
        if self.session is None:
            raise gr.Error("Start or open a session first (Start tab, or Sessions tab to reopen one).")
        return self.session

    @property
    def timed(self) -> bool:
        """Whether the session's words have times: a recording, or subtitles with their cue times."""
        return self.transcript is not None and self.transcript.timed

    def need_transcript(self) -> Transcript:
        self.need_session()
        if self.transcript is None:
            raise gr.Error(
                "There is no transcript yet: record, upload, dictate or type the session on Capture."
            )
        return self.transcript

    def need_draft(self) -> NoteDraft:
        self.need_transcript()
        if self.draft is None:
            raise gr.Error("There is no draft yet: make one on the Draft tab.")
        return self.draft

    # --- files ---------------------------------------------------------------------------

    def work(self) -> Path:
        """This desk's private folder (created on first use, inside the UI cache)."""
        if self.workdir is None or not self.workdir.is_dir():
            self.workdir = Path(tempfile.mkdtemp(prefix="desk-", dir=cache_dir()))
        return self.workdir

    def clear_session(self) -> None:
        """Forget the open session (records and plain files); the store stays unlocked."""
        if self.live is not None:
            stop_live(self)
        wipe_dir(self.workdir)
        self.workdir = None
        self.session = self.transcript = self.draft = None
        self.annotations = []
        self.selected_segment = self.selected_annotation = self.selected_item = None
        self.dictated = ""
        self.notices = []

    def close(self) -> None:
        """Called when the browser tab goes away: lock the store, wipe the plain files."""
        self.clear_session()
        if self.store is not None:
            self.store.close()
            self.store = None


def stop_live(desk: Desk) -> None:
    """Abandon a running recording (the tab closed or another session was opened)."""
    live, desk.live = desk.live, None
    if live is None:
        return
    try:
        live.recorder.stop()
        live.live.finish(timeout=30)
    except Exception:  # closing must go on; the plain file is wiped with the desk's folder
        log.exception("stopping an abandoned recording failed")


def close_desk(desk: Desk | None) -> None:
    """``gr.State`` delete callback."""
    if isinstance(desk, Desk):
        try:
            desk.close()
        except Exception:  # a closing tab must never take the server down
            log.exception("closing a desk failed")


def cache_dir(home: str | Path | None = None) -> Path:
    """The UI's private plain-file folder (mode 0700) inside the data directory."""
    path = data_dir(home) / CACHE_DIRNAME
    path.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def wipe_dir(path: Path | None) -> None:
    """Overwrite and delete every file under ``path``, then the folder (best effort)."""
    if path is None or not path.exists():
        return
    for file in sorted(path.rglob("*"), reverse=True):
        try:
            if file.is_file() and not file.is_symlink():
                wipe_file(file)
            elif file.is_dir():
                file.rmdir()
            else:
                file.unlink(missing_ok=True)
        except OSError:
            log.warning("could not wipe %s", file)
    shutil.rmtree(path, ignore_errors=True)


def user_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Translate library errors into a popup the worker can act on (the UI's only error edge).

    ``ScribeError`` messages already say what to do. Anything else is a bug: it is
    logged with its traceback in the terminal, and the popup says so without
    showing client data or internals.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except ScribeError as exc:
            raise gr.Error(str(exc), title="Could not do that", print_exception=False) from exc
        except Exception as exc:
            log.exception("UI handler %s failed", fn.__name__)
            raise gr.Error(
                f"Something went wrong ({exc.__class__.__name__}). Nothing was lost; details are in the "
                "terminal where session-scribe runs.",
                title="Unexpected problem",
                print_exception=False,  # logged above, with the traceback
            ) from exc

    return wrapper


def span(start: float, end: float) -> str:
    return f"{clock(start)}–{clock(end)}"


def session_line(desk: Desk) -> str:
    """The one-line status above the tabs: who, when, consent, progress."""
    if desk.store is None:
        return "Notes are locked. Enter your passphrase on the Start tab."
    s = desk.session
    if s is None:
        return "No session open. Start a new one on the Start tab, or reopen one on the Sessions tab."
    consent = "recording consented" if s.consent else "no recording consent (dictation or typing only)"
    parts = [f"**{s.client_id}**", s.session_date, s.session_type, consent]
    if desk.draft is not None and desk.draft.signed_at:
        parts.append(f"signed {desk.draft.signed_at[:16].replace('T', ' ')}")
    return " · ".join(parts)


def handler_kwargs() -> dict[str, Any]:
    """Event options shared by every listener.

    No public API endpoint for client data. One queue for all events, one at a
    time and in order: a click on a row must be handled before the "Accept" that
    follows it (gradio otherwise runs different listeners in parallel).
    """
    return {"api_visibility": "private", "concurrency_id": "desk", "concurrency_limit": 1}
