"""What a session holds: transcripts, annotations, note drafts, and its export (a part of ``Store``).

The part works through the store's shared ``StoreCore`` and the audio part (a signed
note may delete its recording; an export may include it).

Transcripts and annotations are versioned: saving again adds a version, and
``get_*`` returns the newest. Drafts are versioned too, and a signed version is
immutable (a database trigger refuses updates); saving a draft after it was
signed creates an *amendment*, which is signed in turn. Reading content is
logged as "viewed" in the audit log.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scribe.core.errors import NoteError, StoreError, TranscriptError
from scribe.core.paths import private_output
from scribe.core.records import (
    Annotation,
    DraftVersion,
    NoteDraft,
    NoteEdit,
    Transcript,
    check_annotations,
    now_iso,
)
from scribe.store.audio import SessionAudio

if TYPE_CHECKING:
    from scribe.core.records import SessionInfo
    from scribe.store.core import StoreCore

DRAFT_COLUMNS = "draft_id, version, session_id, format, status, amends, saved_at, data"
#: Session statuses a new transcript / annotation set / draft moves the session on from.
_BEFORE_TRANSCRIBED = ("new", "recorded")
_BEFORE_TAGGED = (*_BEFORE_TRANSCRIBED, "transcribed")
_BEFORE_DRAFTED = (*_BEFORE_TAGGED, "tagged")


def _require_valid(what: str, check: Callable[[], None]) -> None:
    """The store keeps only records that load again: a value out of range is refused before writing."""
    try:
        check()
    except TranscriptError as exc:
        raise StoreError(f"The {what} was not saved: {exc}") from None


class SessionContent:
    """What a session holds: transcripts, annotations, drafts and signed notes, and its export."""

    def __init__(
        self,
        core: StoreCore,
        audio: SessionAudio,
        session_info: Callable[[sqlite3.Connection, tuple], SessionInfo],
    ) -> None:
        self._core = core
        self._audio = audio
        self._session_info = session_info

    # --- transcripts and annotations ---------------------------------------------------

    def _save_doc(
        self, table: str, session_id: str, data: Any, action: str, status: str, only_from: tuple[str, ...]
    ) -> int:
        with self._core.tx() as db:
            self._core.session_row(db, session_id)
            (version,) = db.execute(
                f"SELECT COALESCE(MAX(version), 0) + 1 FROM {table} WHERE session_id = ?", (session_id,)
            ).fetchone()
            blob = self._core.cipher.seal_json(data, table, session_id, version)
            db.execute(
                f"INSERT INTO {table} (session_id, version, saved_at, data) VALUES (?, ?, ?, ?)",
                (session_id, version, now_iso(), blob),
            )
            self._core.touch(db, session_id, status, only_from=only_from)
            self._core.log(action, session_id, version=version)
        return version

    def _doc(
        self, db: sqlite3.Connection, table: str, session_id: str, version: int | None
    ) -> tuple[int, Any]:
        """(version, decrypted data) of the newest or a given version; (0, None) if there is none."""
        self._core.session_row(db, session_id)
        sql = f"SELECT version, data FROM {table} WHERE session_id = ?"
        if version is None:
            row = db.execute(sql + " ORDER BY version DESC LIMIT 1", (session_id,)).fetchone()
        else:
            row = db.execute(sql + " AND version = ?", (session_id, version)).fetchone()
        if row is None:
            return 0, None
        return row[0], self._core.cipher.open_json(row[1], table, session_id, row[0])

    def _get_doc(self, table: str, session_id: str, version: int | None) -> Any:
        with self._core.tx() as db:
            found, data = self._doc(db, table, session_id, version)
            if found:
                self._core.log("viewed", session_id, what=table, version=found)
        return data

    def save_transcript(self, session_id: str, transcript: Transcript) -> int:
        """Store a (new version of the) transcript. Returns its version number.

        A transcript of a recording (``source == "audio"``) needs the client's
        consent; dictated or typed ones do not.
        """
        _require_valid("transcript", transcript.check)
        if transcript.source == "audio":
            self._core.require_recording_consent(session_id)
        return self._save_doc(
            "transcripts",
            session_id,
            transcript.to_dict(),
            "transcript_saved",
            "transcribed",
            _BEFORE_TRANSCRIBED,
        )

    def get_transcript(self, session_id: str, version: int | None = None) -> Transcript | None:
        """The newest transcript (or ``version``), or None if none was saved."""
        data = self._get_doc("transcripts", session_id, version)
        return None if data is None else Transcript.from_dict(data)

    def save_annotations(self, session_id: str, annotations: list[Annotation]) -> int:
        """Store the tagger's (or the reviewed) annotations as a new version. Returns the version."""
        _require_valid("annotations", lambda: check_annotations(annotations))
        data = [a.to_dict() for a in annotations]
        return self._save_doc("annotations", session_id, data, "annotations_saved", "tagged", _BEFORE_TAGGED)

    def get_annotations(self, session_id: str, version: int | None = None) -> list[Annotation]:
        """The newest annotations (or ``version``); an empty list if none were saved."""
        data = self._get_doc("annotations", session_id, version)
        annotations = [Annotation.from_dict(a) for a in data or []]
        check_annotations(annotations)
        return annotations

    # --- drafts and signed notes -------------------------------------------------------

    def _draft_aad(
        self, draft_id: str, version: int, session_id: str, fmt: str, status: str, amends: int | None
    ) -> tuple:
        # Status is bound in: turning a signed row back into a "draft" by hand is detected.
        return ("drafts", draft_id, version, session_id, fmt, status, amends)

    def _open_draft(self, row: tuple) -> NoteDraft:
        draft_id, version, session_id, fmt, status, amends, _, blob = row
        data = self._core.cipher.open_json(
            blob, *self._draft_aad(draft_id, version, session_id, fmt, status, amends)
        )
        return NoteDraft.from_dict(data)

    def _draft_row(
        self, db: sqlite3.Connection, session_id: str, draft_id: str | None, version: int | None = None
    ) -> tuple | None:
        self._core.session_row(db, session_id)
        sql = f"SELECT {DRAFT_COLUMNS} FROM drafts WHERE session_id = ?"
        args: list[Any] = [session_id]
        if draft_id is not None:
            sql += " AND draft_id = ?"
            args.append(draft_id)
        if version is not None:
            sql += " AND version = ?"
            args.append(version)
        return db.execute(sql + " ORDER BY rowid DESC LIMIT 1", args).fetchone()

    def _insert_draft(
        self,
        db: sqlite3.Connection,
        draft: NoteDraft,
        version: int,
        session_id: str,
        status: str,
        amends: int | None,
    ) -> None:
        aad = self._draft_aad(draft.id, version, session_id, draft.format, status, amends)
        db.execute(
            f"INSERT INTO drafts ({DRAFT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                draft.id,
                version,
                session_id,
                draft.format,
                status,
                amends,
                now_iso(),
                self._core.cipher.seal_json(draft.to_dict(), *aad),
            ),
        )

    @staticmethod
    def _draft_counters(db: sqlite3.Connection, draft_id: str) -> tuple[int, int | None]:
        """(next version number, newest signed version or None) of a draft."""
        nxt, signed = db.execute(
            "SELECT COALESCE(MAX(version), 0) + 1, MAX(CASE WHEN status = 'signed' THEN version END) "
            "FROM drafts WHERE draft_id = ?",
            (draft_id,),
        ).fetchone()
        return nxt, signed

    def save_draft(self, session_id: str, draft: NoteDraft) -> int:
        """Save the draft as a new version (its edit history travels inside it). Returns the version.

        Saving a draft whose note was already signed stores an *amendment*: the signed
        version stays as it was, and the new one records which version it amends.
        """
        if not draft.id:
            raise StoreError("The draft has no id; give NoteDraft an id before saving it.")
        _require_valid("draft", draft.check)
        with self._core.tx() as db:
            self._core.session_row(db, session_id)
            owner = db.execute(
                "SELECT session_id FROM drafts WHERE draft_id = ? LIMIT 1", (draft.id,)
            ).fetchone()
            if owner and owner[0] != session_id:
                raise StoreError(
                    f"Draft {draft.id} belongs to another session; give the new draft its own id."
                )
            version, signed = self._draft_counters(db, draft.id)
            copy = NoteDraft.from_dict(draft.to_dict())
            copy.signed_at = copy.signed_by = None  # only sign_draft signs
            self._insert_draft(db, copy, version, session_id, "draft", signed)
            if signed:
                self._core.touch(db, session_id, "amending")
            else:
                self._core.touch(db, session_id, "drafted", only_from=_BEFORE_DRAFTED)
            self._core.log("draft_saved", session_id, draft_id=draft.id, version=version, amends=signed)
        return version

    def get_draft(
        self, session_id: str, draft_id: str | None = None, version: int | None = None
    ) -> NoteDraft | None:
        """The newest version of a draft (default: the session's most recently saved draft), or None."""
        with self._core.tx() as db:
            row = self._draft_row(db, session_id, draft_id, version)
            if row is None:
                return None
            draft = self._open_draft(row)
            self._core.log("viewed", session_id, what="draft", draft_id=row[0], version=row[1])
        return draft

    def list_drafts(self, session_id: str) -> list[DraftVersion]:
        """The newest version of each draft of the session, oldest draft first."""
        return [h[-1] for h in self._histories(session_id).values()]

    def draft_history(self, session_id: str, draft_id: str) -> list[DraftVersion]:
        """Every saved version of one draft, oldest first (signed ones and amendments included)."""
        return self._histories(session_id).get(draft_id, [])

    def _histories(self, session_id: str) -> dict[str, list[DraftVersion]]:
        with self._core.tx(write=False) as db:
            self._core.session_row(db, session_id)
            rows = db.execute(
                "SELECT draft_id, version, format, status, saved_at, amends FROM drafts "
                "WHERE session_id = ? ORDER BY rowid",
                (session_id,),
            ).fetchall()
        out: dict[str, list[DraftVersion]] = {}
        for draft_id, version, fmt, status, saved_at, amends in rows:
            out.setdefault(draft_id, []).append(
                DraftVersion(draft_id, version, fmt, status, saved_at, amends)
            )
        return out

    def amend_draft(self, session_id: str, draft_id: str | None = None) -> NoteDraft:
        """Start an amendment of a signed note: saves and returns an unsigned copy to edit.

        The signed version is untouched; save the edited copy with ``save_draft`` and
        sign it with ``sign_draft`` like any draft.
        """
        draft = self.get_draft(session_id, draft_id)
        if draft is None:
            raise StoreError(f"Session {session_id} has no note to amend.")
        if not draft.signed_at:
            return draft  # the newest version is already an unsigned (amendment) draft
        draft.edits.append(NoteEdit(at=now_iso(), action="amend", section="", item_id=""))
        draft.signed_at = draft.signed_by = None
        self.save_draft(session_id, draft)
        return draft

    def sign_draft(
        self, session_id: str, draft_id: str | None = None, *, signed_by: str | None = None
    ) -> NoteDraft:
        """Sign the newest version of a draft: it becomes an immutable signed note. Returns it.

        Refused (NoteError) while a risk indicator in the session's newest annotations is
        undecided. With the "delete_when_signed" retention policy the raw audio is deleted now.
        """
        with self._core.tx() as db:
            row = self._draft_row(db, session_id, draft_id)
            if row is None:
                raise StoreError(f"Session {session_id} has no draft to sign; save one first.")
            if row[4] == "signed":
                raise StoreError(
                    f"Draft {row[0]} is already signed (version {row[1]}). Save your changes as an amendment "
                    "(save the draft again), then sign that."
                )
            _, annotations = self._doc(db, "annotations", session_id, None)
            if undecided := sum(Annotation.from_dict(a).undecided_risk for a in annotations or []):
                raise NoteError(
                    f"{undecided} risk indicator(s) of this session still need a decision (accept, or reject "
                    "if wrong) before the note can be signed. The note was not signed."
                )
            draft = self._open_draft(row)
            at = now_iso()
            draft.signed_at, draft.signed_by = at, signed_by or self._core.worker
            draft.edits.append(NoteEdit(at=at, action="sign", section="", item_id=""))
            version, _ = self._draft_counters(db, draft.id)
            self._insert_draft(db, draft, version, session_id, "signed", row[5])
            db.execute(
                "UPDATE sessions SET status = 'signed', signed_at = ?, updated_at = ? WHERE id = ?",
                (at, at, session_id),
            )
            self._core.log("signed", session_id, draft_id=draft.id, version=version, amends=row[5])
        if self._audio.retention.audio == "delete_when_signed":
            self._audio.delete_audio(session_id, reason="retention: delete when the note is signed")
        return draft

    # --- export ------------------------------------------------------------------------------

    def log_export(
        self, session_id: str, kind: str, *, draft_id: str | None = None, dest: str | Path | None = None
    ) -> None:
        """Write to the audit log that this session's note left the store as a plain ``kind`` file.

        For exports made outside the store (``note_formats.export``: DOCX, PDF, ...). Call it
        before writing the file, so an export is never missing from the log (45 CFR 164.312(b)).
        """
        details: dict[str, Any] = {"what": "note", "format": kind}
        if draft_id is not None:
            details["draft_id"] = draft_id
        if dest is not None:
            details["dest"] = str(dest)
        with self._core.tx() as db:
            self._core.session_row(db, session_id)  # an unknown session is an error, not a dangling entry
            self._core.log("exported", session_id, **details)

    def export_session(self, session_id: str, dest: str | Path, *, include_audio: bool = False) -> Path:
        """Write the whole session, decrypted, as ``session-<id>.json`` in folder ``dest`` (logged).

        Every version of every draft is included, so signed notes and amendments
        travel together. With ``include_audio`` the audio is written beside it. The
        exported files are plaintext, readable by the user only (mode 0600): ``dest``
        should be where the worker chose.
        """
        dest = Path(dest)
        try:
            dest.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the export folder {dest} ({exc.strerror or exc}).") from exc
        with self._core.tx() as db:
            info = self._session_info(db, self._core.session_row(db, session_id))
            _, transcript = self._doc(db, "transcripts", session_id, None)
            _, annotations = self._doc(db, "annotations", session_id, None)
            rows = db.execute(
                "SELECT draft_id, version, session_id, format, status, amends, saved_at, data FROM drafts "
                "WHERE session_id = ? ORDER BY rowid",
                (session_id,),
            ).fetchall()
            drafts: dict[str, list[dict[str, Any]]] = {}
            for row in rows:
                drafts.setdefault(row[0], []).append(
                    {
                        "version": row[1],
                        "status": row[4],
                        "amends": row[5],
                        "saved_at": row[6],
                        "draft": self._open_draft(row).to_dict(),
                    }
                )
            self._core.log("exported", session_id, what="session", dest=str(dest), audio=include_audio)
        data = {
            "export": "session-scribe session v1",
            "exported_at": now_iso(),
            "session": info.to_dict(),
            "transcript": transcript,
            "annotations": annotations or [],
            "drafts": [{"draft_id": k, "versions": v} for k, v in drafts.items()],
        }
        out = dest / f"session-{session_id}.json"
        try:
            with private_output(out) as tmp:  # decrypted: readable by the user only (0600)
                tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        except OSError as exc:
            raise StoreError(f"Could not write the export to {dest} ({exc.strerror or exc}).") from exc
        if include_audio and info.has_audio:
            with self._core.tx(write=False) as db:
                _, audio = self._audio.audio_file(db, session_id)
            self._audio.export_audio(
                session_id, dest / f"session-{session_id}{audio.get('suffix') or '.audio'}"
            )
        return out
