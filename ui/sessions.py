"""Step 6, Sessions: list, reopen and delete stored sessions; set how long raw audio is kept."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from scribe.core.records import RetentionPolicy
from ui import playback
from ui.state import Desk, user_errors
from ui.wiring import TabView, Wiring

COLUMNS = ["Id", "Client", "Date", "Type", "Status", "Consent", "Audio", "Signed"]
RETENTION_CHOICES = (
    ("Keep until I delete it", "keep"),
    ("Delete when the note is signed", "delete_when_signed"),
    ("Delete after a number of days", "delete_after_days"),
)


def session_rows(desk: Desk) -> pd.DataFrame:
    if desk.store is None:
        return pd.DataFrame([], columns=COLUMNS)
    rows = []
    damaged: list[tuple[str, str]] = []
    for s in desk.store.list_sessions(damaged=damaged):
        audio = "kept" if s.has_audio else ("deleted" if s.audio_deleted_at else "—")
        signed = (s.signed_at or "")[:10]
        rows.append(
            [
                s.id[:8],
                s.client_id,
                s.session_date,
                s.session_type,
                s.status,
                "yes" if s.consent else "no",
                audio,
                signed,
            ]
        )
    # A session that cannot be read is named, not hidden, and does not hide the others.
    rows += [[sid[:8], "(cannot be read: damaged)", "", "", "damaged", "", "", ""] for sid, _ in damaged]
    return pd.DataFrame(rows, columns=COLUMNS)


# --- handlers ----------------------------------------------------------------------------


@user_errors
def select_session(desk: Desk, prefix: str) -> tuple[Desk, str]:
    store = desk.need_store()
    sid = store.resolve_session_id(prefix)
    desk.selected_session = sid
    s = store.get_session(sid)
    drafts = len(s.draft_ids)
    return desk, (
        f"Selected **{s.client_id}**, {s.session_date} ({s.session_type}) — status {s.status}, "
        f"{drafts} note draft{'s' if drafts != 1 else ''}, audio {'kept' if s.has_audio else 'not kept'}."
    )


def on_select(desk: Desk, evt: gr.SelectData):
    row = evt.row_value or []
    if not row:
        raise gr.Error("Click on a session row.")
    return select_session(desk, str(row[0]))


def _chosen(desk: Desk) -> str:
    desk.need_store()
    if desk.selected_session is None:
        raise gr.Error("Click a session in the list first.")
    return desk.selected_session


@user_errors
def open_session(desk: Desk) -> tuple[Desk, str, gr.Tabs]:
    """Reopen a stored session: its transcript, tags and newest draft (or signed note)."""
    store, sid = desk.need_store(), _chosen(desk)
    info = store.get_session(sid)
    desk.clear_session()
    desk.session = info
    desk.transcript = store.get_transcript(sid)
    desk.annotations = store.get_annotations(sid)
    desk.draft = store.get_draft(sid)
    if desk.draft is not None:
        desk.fmt = desk.draft.format
    where = "transcript" if desk.transcript is not None else "capture"
    return desk, f"Opened {info.client_id}, {info.session_date}.", gr.Tabs(selected=where)


@user_errors
def delete_session(desk: Desk, confirmed: bool) -> tuple[Desk, str, bool]:
    """Delete a session with everything in it (the audit log keeps only that it existed)."""
    store, sid = desk.need_store(), _chosen(desk)
    if not confirmed:
        raise gr.Error("Tick “Yes, delete it for good” first: a deleted session cannot be recovered.")
    info = store.get_session(sid)
    store.delete_session(sid)
    if desk.session is not None and desk.session.id == sid:
        desk.clear_session()
    desk.selected_session = None
    return desk, f"Deleted the session of {info.client_id}, {info.session_date}.", False


@user_errors
def delete_audio(desk: Desk) -> tuple[Desk, str]:
    """Delete only the raw recording of the selected session (transcript and notes stay)."""
    store, sid = desk.need_store(), _chosen(desk)
    if not store.delete_audio(sid, reason="deleted by the worker"):
        return desk, "That session has no stored recording."
    if desk.session is not None and desk.session.id == sid:
        desk.session = store.get_session(sid)
        playback.wipe_file(desk.work() / playback.PLAYBACK_NAME)
    return desk, "The recording was deleted; the transcript and notes are kept."


@user_errors
def set_retention(desk: Desk, mode: str, days: float | None) -> tuple[Desk, str]:
    """Set (and apply at once) the policy for raw audio."""
    store = desk.need_store()
    gone = store.set_retention(RetentionPolicy(audio=mode, days=int(days or 0)))
    text = dict((v, k) for k, v in RETENTION_CHOICES).get(mode, mode)
    extra = f" The recordings of {len(gone)} session(s) were deleted now." if gone else ""
    return (
        desk,
        f"Audio policy: {text.lower()}{f' ({int(days)} days)' if mode == 'delete_after_days' else ''}.{extra}",
    )


# --- view --------------------------------------------------------------------------------


def render(desk: Desk) -> list:
    policy = desk.store.retention if desk.store is not None else RetentionPolicy()
    return [session_rows(desk), gr.Radio(value=policy.audio), gr.Number(value=policy.days or 30)]


def build(w: Wiring) -> TabView:
    """The Sessions tab."""
    with gr.Tab("6 · Sessions", id="sessions", elem_id="tab-sessions"):
        table = gr.Dataframe(headers=COLUMNS, interactive=False, wrap=True, elem_id="sessions")
        info = gr.Markdown("Click a session to select it.", elem_id="sessions-info")
        with gr.Row():
            open_btn = gr.Button("Open", variant="primary", elem_id="open-session")
            audio_btn = gr.Button("Delete its recording only", elem_id="delete-audio")
        with gr.Row():
            confirm = gr.Checkbox(label="Yes, delete it for good", elem_id="confirm-delete")
            delete_btn = gr.Button("Delete session", variant="stop", elem_id="delete-session")
        with gr.Accordion("How long raw recordings are kept", open=False):
            mode = gr.Radio(list(RETENTION_CHOICES), value="keep", label="Policy", elem_id="retention")
            days = gr.Number(label="Days (for “after a number of days”)", value=30, precision=0, minimum=1)
            policy_btn = gr.Button("Save policy", size="sm", elem_id="save-retention")
    d = w.desk
    w.on(table.select, on_select, [d], [d, info], refresh=False)
    w.on(open_btn.click, open_session, [d], [d, info, w.tabs])
    w.on(delete_btn.click, delete_session, [d, confirm], [d, info, confirm])
    w.on(audio_btn.click, delete_audio, [d], [d, info])
    w.on(policy_btn.click, set_retention, [d, mode, days], [d, info])
    return TabView([table, mode, days], render)
