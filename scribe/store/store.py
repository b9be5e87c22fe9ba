"""The encrypted local session store: clients, sessions, audio, transcripts, notes.

Usage (the CLI and the UI do exactly this)::

    from scribe.store import Store

    with Store.open(passphrase=pw, create=True) as store:      # SCRIBE_HOME or the platform dir
        sid = store.create_session("C-1042", consent=True, session_type="individual")
        store.save_audio(sid, "session.wav")                    # ConsentError without consent
        store.save_transcript(sid, transcript)
        store.save_annotations(sid, annotations)
        store.save_draft(sid, draft)
        store.sign_draft(sid, draft.id)                         # immutable; later saves are amendments
        store.get_draft(sid).sections ...

Everything that could identify a client or describe a session (the client
identifier, session date and type, transcript, annotations, drafts, audio) is
encrypted with AES-256-GCM under a data key that is wrapped by an Argon2id key
from the passphrase (see ``scribe.store.crypto``). Left readable: random ids, when
rows were created or signed, status and consent flags (the consent flag is
authenticated). Every change and every read of session content is written to
the hash-chained audit log (``scribe.store.audit``) in the same transaction. The
retention policy for raw audio is applied when the store opens and when a note
is signed. Why: session content is protected health information, and these are the
technical safeguards of the HIPAA Security Rule (45 CFR 164.312): access control,
audit controls, integrity and encryption.

``Store`` is split over three files: this one (opening, clients, sessions,
passphrase, audit), ``store_audio.py`` (audio files, retention) and
``store_content.py`` (transcripts, annotations, drafts, export).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from scribe.core.errors import ConsentError, StoreError
from scribe.core.paths import audio_dir, data_dir, store_file
from scribe.core.records import (
    AuditEntry,
    AuditReport,
    SessionInfo,
    now_iso,
)
from scribe.store import crypto
from scribe.store import db as store_db
from scribe.store.audio import RETENTION_MODES
from scribe.store.audit import AuditLog
from scribe.store.content import SessionContent

WORKER_ENV = "SCRIBE_WORKER"
__all__ = ["RETENTION_MODES", "WORKER_ENV", "Store"]


def _default_worker() -> str:
    try:
        return os.environ.get(WORKER_ENV) or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Store(SessionContent):
    """An open, unlocked session store. Create with :meth:`Store.open`; close when done.

    Thread-safe (one lock around the connection); several processes may open the
    same store at once.
    """

    def __init__(self, home: Path, db: sqlite3.Connection, data_key: bytes, store_id: str, worker: str):
        self.home = home
        self.path = store_file(home)
        self.worker = worker
        self.store_id = store_id
        self._db = db
        self._data_key = data_key
        self._cipher = crypto.RowCipher(crypto.subkey(data_key, "rows"))
        self._index_key = crypto.subkey(data_key, "client-index")
        self._audit = AuditLog(db, self._cipher, crypto.subkey(data_key, "audit"))
        self._lock = threading.RLock()
        self._closed = False

    # --- opening -----------------------------------------------------------------

    @staticmethod
    def exists(home: str | Path | None = None) -> bool:
        """True if a store has been created in the data directory."""
        path = store_file(data_dir(home, create=False))
        return path.is_file() and path.stat().st_size > 0

    @classmethod
    def open(
        cls,
        home: str | Path | None = None,
        *,
        passphrase: str,
        create: bool = False,
        worker: str | None = None,
        kdf: crypto.KdfParams | None = None,
    ) -> Store:
        """Unlock the store in ``home`` (default: ``$SCRIBE_HOME`` or the platform data dir).

        ``create`` makes a new store if there is none (``kdf`` overrides the strong
        default, for tests). A wrong passphrase raises StoreError and writes nothing;
        a damaged file raises StoreError naming it.
        """
        home = data_dir(home)
        path = store_file(home)
        existed = path.is_file() and path.stat().st_size > 0
        if not existed and not create:
            raise StoreError(
                f"There is no session store in {home} yet. Save a session first (or set SCRIBE_HOME)."
            )
        db = store_db.connect(path, create=create)
        created = False
        try:
            if existed:
                store_db.quick_check(db, path)
            with store_db.sql_errors(path):
                if not store_db.has_table(db, "meta") and existed and store_db.has_table(db, "sessions"):
                    raise store_db.damaged(path, "its key table is missing")
                if not store_db.has_table(db, "meta") or not cls._initialised(db):
                    if not create:
                        raise StoreError(
                            f"The session store in {home} was never finished; open it with create."
                        )
                    created = cls._initialise(db, passphrase, kdf or crypto.KdfParams.for_new_store())
                data_key, store_id = cls._unlock(db, path, passphrase)
        except BaseException:
            db.close()
            raise
        store = cls(home, db, data_key, store_id, worker or _default_worker())
        audio_dir(home).mkdir(mode=0o700, exist_ok=True)
        try:
            store._startup(created=created)
        except BaseException:
            store.close()
            raise
        return store

    @staticmethod
    def _initialised(db: sqlite3.Connection) -> bool:
        return db.execute("SELECT 1 FROM meta WHERE key = 'wrapped_key'").fetchone() is not None

    @classmethod
    def _initialise(cls, db: sqlite3.Connection, passphrase: str, kdf: crypto.KdfParams) -> bool:
        """Create the schema and the wrapped key; False if another process got there first."""
        crypto.check_passphrase(passphrase)
        created = False
        db.execute("BEGIN IMMEDIATE")
        try:
            store_db.create_schema(db)
            # Another process may have created it while we waited for the lock.
            if not cls._initialised(db):
                store_id = uuid.uuid4().hex
                wrapped = crypto.wrap_key(crypto.new_data_key(), passphrase, kdf, store_id)
                meta = {
                    "format": str(store_db.FORMAT_VERSION).encode(),
                    "store_id": store_id.encode(),
                    "kdf": kdf.to_json().encode(),
                    "wrapped_key": wrapped,
                    "created_at": now_iso().encode(),
                }
                db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
                created = True
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return created

    @staticmethod
    def _unlock(db: sqlite3.Connection, path: Path, passphrase: str) -> tuple[bytes, str]:
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        missing = {"format", "store_id", "kdf", "wrapped_key"} - meta.keys()
        if missing:
            raise store_db.damaged(path, f"missing {', '.join(sorted(missing))}")
        try:
            version = int(bytes(meta["format"]).decode())
            store_id = bytes(meta["store_id"]).decode()
            kdf = crypto.KdfParams.from_json(bytes(meta["kdf"]).decode())
        except (ValueError, UnicodeDecodeError) as exc:
            raise store_db.damaged(path, "unreadable header") from exc
        if version > store_db.FORMAT_VERSION:
            raise StoreError(
                f"This session store was made by a newer session-scribe (format {version}); upgrade."
            )
        return crypto.unwrap_key(bytes(meta["wrapped_key"]), passphrase, kdf, store_id), store_id

    def _startup(self, *, created: bool) -> None:
        with self._tx():
            self._audit.append(self.worker, "store_created" if created else "store_opened")
        self._wipe_pending()
        self.apply_retention()

    def close(self) -> None:
        """Close the connection; the data key is dropped with this object."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- plumbing ------------------------------------------------------------------

    @contextlib.contextmanager
    def _tx(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction: IMMEDIATE for writes (queues behind other writers), a snapshot for reads."""
        with self._lock, store_db.sql_errors(self.path):
            if self._closed:
                raise StoreError("The session store is closed.")
            self._db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                # Also after a failed COMMIT (disk full): never leave a transaction open.
                if self._db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                raise

    def _log(self, action: str, session_id: str | None = None, **details: Any) -> None:
        self._audit.append(self.worker, action, session_id, **details)

    def _session_row(self, db: sqlite3.Connection, session_id: str) -> tuple:
        row = db.execute(
            "SELECT id, client_ref, consent, status, created_at, updated_at, signed_at, info "
            "FROM sessions WHERE id = ?",
            (session_id,),
        ).fetchone()
        if row is None:
            raise StoreError(
                f"There is no session {session_id!r} in the store (`scribe sessions list` shows them)."
            )
        return row

    def _touch(
        self,
        db: sqlite3.Connection,
        session_id: str,
        status: str | None = None,
        only_from: tuple[str, ...] = (),
    ) -> None:
        """Update a session's timestamp, and its status when it is in one of ``only_from`` (or always)."""
        db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now_iso(), session_id))
        if status is not None:
            cond = f" AND status IN ({','.join('?' * len(only_from))})" if only_from else ""
            db.execute(f"UPDATE sessions SET status = ? WHERE id = ?{cond}", (status, session_id, *only_from))

    def _info_aad(self, session_id: str, client_ref: str, consent: bool, created_at: str) -> tuple:
        # The consent flag is bound into the row's associated data: flipping it in the
        # database by hand makes the session fail its integrity check.
        return ("sessions", "info", session_id, client_ref, int(consent), created_at)

    # --- clients and sessions ------------------------------------------------------

    def _client_ref(self, db: sqlite3.Connection, identifier: str) -> str:
        lookup = crypto.mac(self._index_key, "client", identifier)
        row = db.execute("SELECT id FROM clients WHERE lookup = ?", (lookup,)).fetchone()
        if row:
            return row[0]
        ref = uuid.uuid4().hex
        blob = self._cipher.seal(identifier.encode("utf-8"), "clients", ref, lookup)
        db.execute(
            "INSERT INTO clients (id, lookup, identifier, created_at) VALUES (?, ?, ?, ?)",
            (ref, lookup, blob, now_iso()),
        )
        return ref

    def _client_identifier(self, db: sqlite3.Connection, ref: str) -> str:
        row = db.execute("SELECT lookup, identifier FROM clients WHERE id = ?", (ref,)).fetchone()
        if row is None:
            raise store_db.damaged(self.path, f"client {ref} is missing")
        return self._cipher.open(row[1], "clients", ref, row[0]).decode("utf-8")

    def list_clients(self) -> list[str]:
        """Every client identifier in the store, sorted."""
        with self._tx(write=False) as db:
            rows = db.execute("SELECT id, lookup, identifier FROM clients").fetchall()
            return sorted(
                self._cipher.open(blob, "clients", ref, lookup).decode() for ref, lookup, blob in rows
            )

    def create_session(
        self,
        client_id: str,
        consent: bool,
        *,
        session_type: str = "individual",
        session_date: str | None = None,
        label: str = "",
    ) -> str:
        """Start a session for a client (identifier only: minimum necessary). Returns its id.

        ``consent`` is whether the client agreed to being recorded; without it only
        dictation and typing are allowed.
        """
        client_id = (client_id or "").strip()
        if not client_id or len(client_id) > 200:
            raise StoreError(
                "Give a client identifier (1 to 200 characters), e.g. a case number or initials."
            )
        session_date = session_date or date.today().isoformat()
        session_id = uuid.uuid4().hex
        now = now_iso()
        with self._tx() as db:
            ref = self._client_ref(db, client_id)
            info = {"session_date": session_date, "session_type": session_type, "label": label}
            blob = self._cipher.seal_json(info, *self._info_aad(session_id, ref, consent, now))
            db.execute(
                "INSERT INTO sessions (id, client_ref, consent, status, created_at, updated_at, info) "
                "VALUES (?, ?, ?, 'new', ?, ?, ?)",
                (session_id, ref, int(bool(consent)), now, now, blob),
            )
            self._log("session_created", session_id, consent=bool(consent), session_type=session_type)
        return session_id

    def _session_info(self, db: sqlite3.Connection, row: tuple) -> SessionInfo:
        sid, ref, consent, status, created_at, updated_at, signed_at, blob = row
        info = self._cipher.open_json(blob, *self._info_aad(sid, ref, bool(consent), created_at))
        audio = db.execute("SELECT file, deleted_at FROM audio WHERE session_id = ?", (sid,)).fetchone()
        has_transcript = db.execute("SELECT 1 FROM transcripts WHERE session_id = ?", (sid,)).fetchone()
        drafts = db.execute(
            "SELECT draft_id FROM drafts WHERE session_id = ? GROUP BY draft_id ORDER BY MIN(saved_at)",
            (sid,),
        ).fetchall()
        return SessionInfo(
            id=sid,
            client_id=self._client_identifier(db, ref),
            session_date=info["session_date"],
            session_type=info["session_type"],
            consent=bool(consent),
            status=status,
            created_at=created_at,
            updated_at=updated_at,
            has_audio=bool(audio and audio[0]),
            audio_deleted_at=audio[1] if audio else None,
            has_transcript=has_transcript is not None,
            draft_ids=[d[0] for d in drafts],
            signed_at=signed_at,
            label=info.get("label", ""),
        )

    def get_session(self, session_id: str) -> SessionInfo:
        """The session's bookkeeping (client, date, type, consent, status); raises StoreError if unknown."""
        with self._tx(write=False) as db:
            return self._session_info(db, self._session_row(db, session_id))

    def list_sessions(self, client_id: str | None = None) -> list[SessionInfo]:
        """All sessions, newest first; only one client's when ``client_id`` is given."""
        with self._tx(write=False) as db:
            sql = "SELECT id, client_ref, consent, status, created_at, updated_at, signed_at, info FROM sessions"
            args: tuple = ()
            if client_id is not None:
                sql += " WHERE client_ref = (SELECT id FROM clients WHERE lookup = ?)"
                args = (crypto.mac(self._index_key, "client", client_id.strip()),)
            rows = db.execute(sql + " ORDER BY created_at DESC, rowid DESC", args).fetchall()
            return [self._session_info(db, row) for row in rows]

    def resolve_session_id(self, prefix: str) -> str:
        """The full id of the one session whose id starts with ``prefix`` (as the CLI shows 8 characters)."""
        prefix = (prefix or "").strip().lower()
        if not prefix or not all(c in "0123456789abcdef" for c in prefix):
            raise StoreError(f"{prefix!r} is not a session id (`scribe sessions list` shows them).")
        with self._tx(write=False) as db:
            rows = db.execute("SELECT id FROM sessions WHERE id LIKE ? LIMIT 2", (prefix + "%",)).fetchall()
        if not rows:
            raise StoreError(
                f"There is no session {prefix!r} in the store (`scribe sessions list` shows them)."
            )
        if len(rows) > 1:
            raise StoreError(f"More than one session id starts with {prefix!r}; give more characters.")
        return rows[0][0]

    def set_consent(self, session_id: str, consent: bool) -> None:
        """Record that the client gave (or withdrew) consent. Withdrawal deletes the stored audio."""
        with self._tx() as db:
            sid, ref, old, _, created_at, *_, blob = self._session_row(db, session_id)
            info = self._cipher.open_json(blob, *self._info_aad(sid, ref, bool(old), created_at))
            new_blob = self._cipher.seal_json(info, *self._info_aad(sid, ref, consent, created_at))
            db.execute(
                "UPDATE sessions SET consent = ?, info = ? WHERE id = ?", (int(consent), new_blob, sid)
            )
            self._touch(db, sid)
            self._log("consent_changed", sid, consent=bool(consent))
        if not consent:
            self.delete_audio(session_id, reason="consent withdrawn")

    def require_recording_consent(self, session_id: str) -> None:
        """Raise ConsentError unless the client consented to recording (call before capturing)."""
        if not self.get_session(session_id).consent:
            raise ConsentError(
                "The client has not consented to recording in this session, so it cannot be recorded "
                "or its audio stored. Use dictation or type the note instead, or record consent first."
            )

    def delete_session(self, session_id: str) -> None:
        """Delete a session with its audio, transcripts, annotations and notes (signed ones too).

        The audit log keeps the fact that it existed and was deleted, never its content.
        A client with no sessions left is deleted as well (minimum necessary).
        """
        with self._tx() as db:
            _, ref, *_ = self._session_row(db, session_id)
            audio = db.execute("SELECT file FROM audio WHERE session_id = ?", (session_id,)).fetchone()
            for table in ("transcripts", "annotations", "drafts", "audio"):
                db.execute(f"DELETE FROM {table} WHERE session_id = ?", (session_id,))
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            if not db.execute("SELECT 1 FROM sessions WHERE client_ref = ?", (ref,)).fetchone():
                db.execute("DELETE FROM clients WHERE id = ?", (ref,))
            if audio and audio[0]:
                self._queue_wipe(db, audio[0], pid=0)
            self._log("session_deleted", session_id)
        self._wipe_pending()

    # --- passphrase and audit ------------------------------------------------------------

    def change_passphrase(self, new_passphrase: str, *, kdf: crypto.KdfParams | None = None) -> None:
        """Re-wrap the data key under a new passphrase (nothing else is re-encrypted)."""
        crypto.check_passphrase(new_passphrase)
        params = kdf or crypto.KdfParams.for_new_store()
        wrapped = crypto.wrap_key(self._data_key, new_passphrase, params, self.store_id)
        with self._tx() as db:
            db.execute("UPDATE meta SET value = ? WHERE key = 'kdf'", (params.to_json().encode(),))
            db.execute("UPDATE meta SET value = ? WHERE key = 'wrapped_key'", (wrapped,))
            self._log("passphrase_changed")

    def verify_audit(self) -> AuditReport:
        """Check the whole audit chain; the report names the first entry that fails."""
        with self._tx(write=False):
            return self._audit.verify()

    def audit_entries(self, session_id: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        """Audit entries, oldest first, details decrypted (all, or one session's; the newest ``limit``)."""
        with self._tx(write=False):
            return self._audit.entries(session_id, limit)
