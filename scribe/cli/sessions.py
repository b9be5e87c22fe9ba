"""``scribe sessions ...`` and ``scribe audit ...``: the encrypted session store from the terminal.

Other commands (``scribe note``, ``scribe record``, ``scribe recover``) save into the
store the same way: open it (and ask for the passphrase) before their slow work, save
the session in one go at the end::

    from scribe.cli.sessions import open_store_for_saving
    from scribe.workflow import save_session

    with open_store_for_saving(client_id, recording=True, consent=consent) as store:
        ...  # minutes of transcription
        sid = save_session(store, client_id, consent, transcript, audio=wav_path)
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from note_formats import export, render_text
from scribe.core.errors import ConsentError, StoreError
from scribe.core.fields import check_line
from scribe.core.paths import PASSPHRASE_ENV
from scribe.core.records import RetentionPolicy
from scribe.store import Store, crypto


def open_store_from_env_or_prompt(home: str | Path | None = None, *, create: bool = False) -> Store:
    """Open the store with ``$SCRIBE_PASSPHRASE`` or a hidden prompt.

    With ``create`` a missing store is created (the prompt then asks twice). The
    data directory is ``home``, else ``$SCRIBE_HOME``, else the platform default.
    """
    new = not Store.exists(home)
    if new and not create:
        raise StoreError("There is no session store yet: it is created when you first save a session.")
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if not passphrase:
        if new:  # typed twice and checked before the store exists: a typo never becomes the key
            passphrase = click.prompt(
                "Choose a passphrase for the new encrypted session store (8+ characters)",
                hide_input=True,
                confirmation_prompt=True,
                value_proc=_valid_new_passphrase,
                err=True,
            )
        else:
            passphrase = click.prompt("Session store passphrase", hide_input=True, err=True)
    return Store.open(home, passphrase=passphrase, create=create)


def _valid_new_passphrase(value: str) -> str:
    try:
        crypto.check_passphrase(value)
    except StoreError as exc:
        raise click.BadParameter(str(exc)) from None  # click says why and asks again
    return value


def check_saving(client_id: str, *, recording: bool, consent: bool | None) -> None:
    """Raise if a session with these flags cannot be saved (no ``--client``; a recording without consent)."""
    if not (client_id or "").strip():
        raise StoreError("Give --client ID to save the session (a case number or initials), or --no-store.")
    check_line("client identifier", client_id)
    if recording and not consent:
        raise ConsentError(
            "A recording is kept only with the client's consent to recording. Pass --consent if they "
            "agreed, or --no-store to draft without saving anything."
        )


def open_store_for_saving(client_id: str, *, recording: bool, consent: bool | None) -> Store:
    """The store a command will save a session into, opened (or created) after :func:`check_saving`.

    Called before the slow work, so a missing ``--client`` or ``--consent`` and the
    passphrase prompt come first, not after minutes of transcription.
    """
    check_saving(client_id, recording=recording, consent=consent)
    return open_store_from_env_or_prompt(create=True)


def register(group: click.Group) -> None:
    group.add_command(sessions)
    group.add_command(audit)


@click.group("sessions")
def sessions() -> None:
    """List, show, export and delete stored sessions (encrypted; passphrase from a prompt or $SCRIBE_PASSPHRASE)."""


@sessions.command("list")
@click.option("--client", default=None, help="Only this client's sessions.")
def list_cmd(client: str | None) -> None:
    """One line per session, newest first."""
    damaged: list[tuple[str, str]] = []
    with open_store_from_env_or_prompt() as store:
        rows = store.list_sessions(client, damaged=damaged)
    if not rows and not damaged:
        click.echo("No sessions stored.")
        return
    click.echo(
        f"{'ID':8}  {'DATE':10}  {'CLIENT':16}  {'TYPE':12}  {'CONSENT':7}  {'STATUS':11}  AUDIO    DRAFTS"
    )
    for s in rows:
        audio = "yes" if s.has_audio else ("deleted" if s.audio_deleted_at else "-")
        click.echo(
            f"{s.id[:8]:8}  {s.session_date:10}  {s.client_id[:16]:16}  {s.session_type[:12]:12}  "
            f"{'yes' if s.consent else 'no':7}  {s.status:11}  {audio:7}  {len(s.draft_ids)}"
        )
    if damaged:  # the others were listed; say which could not be read, in one line
        names = ", ".join(sid[:8] for sid, _ in damaged)
        raise StoreError(
            f"{len(damaged)} session(s) could not be read and are not listed: {names} "
            f"({damaged[0][1].rstrip('.')}). The others are fine; restore the store from a backup for those."
        )


@sessions.command("show")
@click.argument("session_id")
@click.option("--transcript", "show_transcript", is_flag=True, help="Print the transcript too.")
@click.option("--note", "show_note", is_flag=True, help="Print the newest note draft as text.")
def show_cmd(session_id: str, show_transcript: bool, show_note: bool) -> None:
    """Details of one session (the first characters of its id are enough)."""
    with open_store_from_env_or_prompt() as store:
        sid = store.resolve_session_id(session_id)
        s = store.get_session(sid)
        click.echo(f"Session   {s.id}")
        click.echo(f"Client    {s.client_id}")
        click.echo(f"Date      {s.session_date}  ({s.session_type})")
        click.echo(
            f"Consent   {'recording allowed' if s.consent else 'no recording (dictation / typing only)'}"
        )
        click.echo(f"Status    {s.status}" + (f", signed {s.signed_at}" if s.signed_at else ""))
        audio = (
            "stored" if s.has_audio else (f"deleted {s.audio_deleted_at}" if s.audio_deleted_at else "none")
        )
        click.echo(f"Audio     {audio}")
        for d in store.list_drafts(sid):
            versions = store.draft_history(sid, d.draft_id)
            signed = [v.version for v in versions if v.status == "signed"]
            click.echo(
                f"Draft     {d.draft_id} ({d.format}): {len(versions)} version(s), newest {d.status}"
                + (f"; signed version(s) {', '.join(map(str, signed))}" if signed else "")
            )
        if show_transcript:
            transcript = store.get_transcript(sid)
            click.echo("")
            if transcript is None:
                click.echo("(no transcript)")
            for seg in transcript.segments if transcript else []:
                who = f"{seg.role or seg.speaker or ''}: " if (seg.role or seg.speaker) else ""
                click.echo(f"[{seg.start:7.1f}s] {who}{seg.text.strip()}")
        if show_note:
            draft = store.get_draft(sid)
            click.echo("")
            if draft is None:
                click.echo("(no note draft)")
            else:
                click.echo(render_text(draft))


@sessions.command("export")
@click.argument("session_id")
@click.option(
    "-o", "--output", "dest", required=True, type=click.Path(path_type=Path), help="Folder to write into."
)
@click.option("--audio", "with_audio", is_flag=True, help="Also write the decrypted audio.")
@click.option(
    "--note",
    "note_kind",
    type=click.Choice(["docx", "pdf", "md", "txt"]),
    default=None,
    help="Also write the newest note in this format.",
)
def export_cmd(session_id: str, dest: Path, with_audio: bool, note_kind: str | None) -> None:
    """Write a session, DECRYPTED, to a folder (JSON of everything; optionally audio and the note).

    The files are readable by you only (mode 0600), but not encrypted.
    """
    with open_store_from_env_or_prompt() as store:
        sid = store.resolve_session_id(session_id)
        out = store.export_session(sid, dest, include_audio=with_audio)
        click.echo(f"Wrote {out}")
        if note_kind:
            draft = store.get_draft(sid)
            if draft is None:
                raise StoreError("This session has no note to export.")
            note = dest / f"note-{sid[:8]}.{note_kind}"
            store.log_export(sid, note_kind, draft_id=draft.id, dest=note)
            click.echo(f"Wrote {export(draft, note)}")
    click.echo("These files are not encrypted: keep them somewhere safe and delete them when done.", err=True)


@sessions.command("delete")
@click.argument("session_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_cmd(session_id: str, yes: bool) -> None:
    """Delete a session with its audio, transcript and notes (signed ones too). Logged in the audit log."""
    with open_store_from_env_or_prompt() as store:
        sid = store.resolve_session_id(session_id)
        if not yes:
            s = store.get_session(sid)
            click.confirm(
                f"Delete session {sid[:8]} of {s.client_id} on {s.session_date}?", abort=True, err=True
            )
        store.delete_session(sid)
    click.echo(f"Deleted session {sid}.")


@sessions.command("retention")
@click.option("--keep", "mode", flag_value="keep", help="Keep raw audio until you delete it.")
@click.option(
    "--when-signed", "mode", flag_value="delete_when_signed", help="Delete audio once the note is signed."
)
@click.option(
    "--after-days", type=click.IntRange(min=1), default=None, help="Delete audio N days after recording."
)
def retention_cmd(mode: str | None, after_days: int | None) -> None:
    """Show or set what happens to raw audio (the policy is applied at once and logged)."""
    if after_days is not None:
        if mode:
            raise click.UsageError("Give one of --keep, --when-signed, --after-days.")
        mode = "delete_after_days"
    with open_store_from_env_or_prompt() as store:
        if mode:
            deleted = store.set_retention(RetentionPolicy(mode, after_days or 0))
            if deleted:
                click.echo(f"Deleted the audio of {len(deleted)} session(s) under the new policy.")
        policy = store.retention
    text = {
        "keep": "keep raw audio until deleted by hand",
        "delete_when_signed": "delete raw audio when the note is signed",
        "delete_after_days": f"delete raw audio {policy.days} days after recording",
    }[policy.audio]
    click.echo(f"Retention: {text}.")


@sessions.command("passphrase")
def passphrase_cmd() -> None:
    """Change the store's passphrase (re-wraps the key; nothing else is re-encrypted)."""
    with open_store_from_env_or_prompt() as store:
        new = os.environ.get("SCRIBE_NEW_PASSPHRASE") or click.prompt(
            "New passphrase", hide_input=True, confirmation_prompt=True, err=True
        )
        store.change_passphrase(new)
    click.echo("Passphrase changed.")


@click.group("audit")
def audit() -> None:
    """The tamper-evident log of who did what to which session."""


@audit.command("verify")
def verify_cmd() -> None:
    """Check the hash chain; exit status 1 and the first broken entry if it was tampered with."""
    with open_store_from_env_or_prompt() as store:
        report = store.verify_audit()
    if report.ok:
        click.echo(f"Audit log OK: {report.entries} entries, chain intact.")
        return
    click.echo(f"Audit log BROKEN at entry #{report.broken_at}: {report.reason}.", err=True)
    click.get_current_context().exit(1)


@audit.command("list")
@click.option("--session", "session_id", default=None, help="Only this session's entries.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Newest N entries.")
def audit_list_cmd(session_id: str | None, limit: int) -> None:
    """Print audit entries, oldest first."""
    with open_store_from_env_or_prompt() as store:
        sid = store.resolve_session_id(session_id) if session_id else None
        entries = store.audit_entries(sid, limit)
    for e in entries:
        details = ", ".join(f"{k}={v}" for k, v in sorted(e.details.items()))
        click.echo(f"#{e.seq:<5} {e.at}  {e.actor:12}  {e.action:18} {(e.session_id or '')[:8]:8}  {details}")
