"""Step 1, Start: unlock the encrypted notes, pick or create the client and session, record consent."""

from __future__ import annotations

from datetime import date

import gradio as gr

from scribe.core.errors import StoreError
from scribe.store import Store
from ui.state import Desk, user_errors
from ui.wiring import TabView, Wiring

SESSION_TYPES = ("individual", "couple", "family", "group")
CONSENT_LABEL = "The client agreed to this session being recorded"


# --- handlers ----------------------------------------------------------------------------


@user_errors
def unlock(desk: Desk, passphrase: str, confirm: str = "") -> tuple[Desk, str, str, str]:
    """Open (or, the first time, create) the encrypted store. Returns desk, message, cleared fields."""
    if desk.store is not None:
        return desk, "Your notes are already unlocked.", "", ""
    passphrase = passphrase or ""
    if not passphrase:
        raise gr.Error("Enter your passphrase.")
    new = not Store.exists()
    if new and passphrase != (confirm or ""):
        raise gr.Error(
            "This is a new notes store: type the same passphrase twice (the second box) to create it."
        )
    desk.store = Store.open(passphrase=passphrase, create=new)
    return desk, unlocked_message(desk, new), "", ""


def unlocked_message(desk: Desk, new: bool) -> str:
    if new:
        return "A new encrypted notes store was created. Keep the passphrase safe: without it the notes cannot be read."
    n = len(desk.need_store().list_sessions())
    return f"Unlocked. {n} session{'s' if n != 1 else ''} stored (Sessions tab)."


@user_errors
def lock(desk: Desk) -> tuple[Desk, str]:
    """Close the store and forget the open session (e.g. before leaving the desk)."""
    desk.close()
    return desk, "Locked. Enter the passphrase to continue."


@user_errors
def start_session(
    desk: Desk, client_id: str, session_date: str, session_type: str, label: str, consent: bool
) -> tuple[Desk, str, gr.Tabs]:
    """Create a session for a client (identifier only) and make it the open one."""
    store = desk.need_store()
    session_date = (session_date or "").strip() or date.today().isoformat()
    try:
        date.fromisoformat(session_date)
    except ValueError:
        raise gr.Error(f"Write the session date as YYYY-MM-DD, e.g. {date.today().isoformat()}.") from None
    if session_type not in SESSION_TYPES:
        raise gr.Error(f"Choose the session type: {', '.join(SESSION_TYPES)}.")
    sid = store.create_session(
        client_id, bool(consent), session_type=session_type, session_date=session_date, label=label or ""
    )
    desk.clear_session()
    desk.session = store.get_session(sid)
    how = "record or upload the session" if consent else "dictate or type your notes (no recording consent)"
    return (
        desk,
        f"Session started for **{desk.session.client_id}**. Next: {how} on Capture.",
        gr.Tabs(selected="capture"),
    )


@user_errors
def update_consent(desk: Desk, consent: bool) -> tuple[Desk, str]:
    """Record that the client gave, or withdrew, consent to recording (withdrawal deletes stored audio)."""
    store, session = desk.need_store(), desk.need_session()
    if bool(consent) == session.consent:
        return desk, "Consent is already recorded that way."
    store.set_consent(session.id, bool(consent))
    desk.session = store.get_session(session.id)
    if consent:
        return desk, "Consent to recording is recorded for this session."
    return (
        desk,
        "Consent withdrawn: the session's stored recording was deleted. Dictation and typing still work.",
    )


# --- view --------------------------------------------------------------------------------


def render(desk: Desk) -> list:
    unlocked = desk.store is not None
    clients: list[str] = []
    if unlocked:
        try:
            clients = desk.need_store().list_clients()
        except StoreError:
            clients = []
    s = desk.session
    if s is None:
        current = "No session is open."
    else:
        consent = "**given**" if s.consent else "**not given** — only dictation and typing are possible"
        current = f"Open session: **{s.client_id}**, {s.session_date}, {s.session_type}. Consent to recording: {consent}."
    return [
        gr.Group(visible=not unlocked),
        gr.Group(visible=unlocked),
        gr.Dropdown(choices=clients),
        gr.Group(visible=s is not None),
        current,
    ]


def build(w: Wiring) -> TabView:
    """The Start tab."""
    with gr.Tab("1 · Start", id="start", elem_id="tab-start"):
        message = gr.Markdown(elem_id="start-message")
        with gr.Group(visible=True) as locked_box:
            gr.Markdown(
                "### Unlock your notes\nEverything is kept encrypted on this computer. "
                "The first time, choose a passphrase and type it twice.",
                elem_classes=["step-title"],
            )
            passphrase = gr.Textbox(label="Passphrase", type="password", elem_id="passphrase")
            confirm = gr.Textbox(
                label="Passphrase again (only when creating a new store)",
                type="password",
                elem_id="passphrase-confirm",
            )
            unlock_btn = gr.Button("Unlock", variant="primary", elem_id="unlock")
        with gr.Group(visible=False) as session_box:
            gr.Markdown("### New session", elem_classes=["step-title"])
            with gr.Row():
                client = gr.Dropdown(
                    label="Client identifier (case number or initials — no names needed)",
                    choices=[],
                    allow_custom_value=True,
                    elem_id="client-id",
                    scale=2,
                )
                session_date = gr.Textbox(
                    label="Session date (YYYY-MM-DD)",
                    value=lambda: date.today().isoformat(),
                    elem_id="session-date",
                )
                session_type = gr.Dropdown(
                    label="Session type", choices=list(SESSION_TYPES), value="individual"
                )
            label = gr.Textbox(
                label="Note for yourself (optional)", placeholder="e.g. third session, home visit"
            )
            consent = gr.Checkbox(label=CONSENT_LABEL, value=False, elem_id="consent")
            with gr.Row():
                start_btn = gr.Button("Start session", variant="primary", elem_id="start-session")
                lock_btn = gr.Button("Lock my notes", size="sm", scale=0)
            gr.Markdown("To continue an earlier session, open it on the **Sessions** tab.")
        with gr.Group(visible=False) as current_box:
            current = gr.Markdown(elem_id="current-session")
            with gr.Row():
                give_btn = gr.Button("Client consents to recording", size="sm", elem_id="consent-give")
                withdraw_btn = gr.Button("Client withdraws consent", size="sm", elem_id="consent-withdraw")
    d = w.desk
    w.on(unlock_btn.click, unlock, [d, passphrase, confirm], [d, message, passphrase, confirm])
    w.on(passphrase.submit, unlock, [d, passphrase, confirm], [d, message, passphrase, confirm])
    w.on(
        start_btn.click,
        start_session,
        [d, client, session_date, session_type, label, consent],
        [d, message, w.tabs],
    )
    w.on(give_btn.click, lambda desk: update_consent(desk, True), [d], [d, message])
    w.on(withdraw_btn.click, lambda desk: update_consent(desk, False), [d], [d, message])
    w.on(lock_btn.click, lock, [d], [d, message])
    return TabView([locked_box, session_box, client, current_box, current], render)
