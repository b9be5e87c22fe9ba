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

``Store`` is composed of parts that share one ``StoreCore`` (connection, keys,
transactions, audit log; ``core.py``): this file (opening, clients, sessions,
passphrase, audit), ``SessionAudio`` (``audio.py``: audio files, retention) and
``SessionContent`` (``content.py``: transcripts, annotations, drafts, export).
The parts' public methods are offered as the store's own.
"""

from __future__ import annotations

import functools
import getpass
import os
import sqlite3
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from scribe.core.errors import StoreError
from scribe.core.fields import check_date, check_line
from scribe.core.paths import audio_dir, data_dir, store_file
from scribe.core.records import (
    AuditEntry,
    AuditReport,
    RetentionPolicy,
    SessionInfo,
    now_iso,
)
from scribe.store import crypto
from scribe.store import db as store_db
from scribe.store.audio import RETENTION_MODES, SessionAudio, pid_alive
from scribe.store.content import SessionContent
from scribe.store.core import StoreCore, audit_log
from scribe.store.goals import ClientGoals
from scribe.store.throttle import UnlockThrottle

WORKER_ENV = "SCRIBE_WORKER"
R = TypeVar("R")
__all__ = ["RETENTION_MODES", "WORKER_ENV", "Store"]


def _part(name: str, method: Callable[..., R]) -> Callable[..., R]:
    """``method`` of the part held in attribute ``name``, offered as a method of ``Store`` (same docs)."""

    @functools.wraps(method)
    def forward(self: Store, *args: Any, **kwargs: Any) -> R:
        return method(getattr(self, name), *args, **kwargs)

    return forward


def _default_worker() -> str:
    try:
        return os.environ.get(WORKER_ENV) or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Store:
    """An open, unlocked session store. Create with :meth:`Store.open`; close when done.

    Thread-safe (one lock around the connection); several processes may open the
    same store at once.
    """

    def __init__(self, home: Path, db: sqlite3.Connection, data_key: bytes, store_id: str, worker: str):
        self._core = StoreCore(home, db, data_key, store_id, worker)
        self._audio = SessionAudio(self._core)
        self._content = SessionContent(self._core, self._audio, self._session_info)
        self._goals = ClientGoals(self._core)
        self.home, self.path, self.worker, self.store_id = home, self._core.path, worker, store_id

    # --- opening -----------------------------------------------------------------

    @staticmethod
    def exists(home: str | Path | None = None) -> bool:
        """True if a store has been created in the data directory (its key is written).

        A file left by a creation that did not finish (a crash, a full disk) is not a store:
        the next run creates it, asking for the new passphrase twice.
        """
        path = store_file(data_dir(home, create=False))
        if not (path.is_file() and path.stat().st_size > 0):
            return False
        try:
            db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=store_db.BUSY_TIMEOUT_S)
        except sqlite3.Error:
            return True  # not readable as a database: let opening it report the damage
        try:
            if not store_db.has_table(db, "meta"):
                return store_db.has_table(db, "sessions")  # sessions without keys: damaged, say so
            return Store._initialised(db)
        except sqlite3.Error:
            return True
        finally:
            db.close()

    @classmethod
    def open(
        cls,
        home: str | Path | None = None,
        *,
        passphrase: str,
        create: bool = False,
        worker: str | None = None,
        kdf: crypto.KdfParams | None = None,
        throttle: UnlockThrottle | None = None,
    ) -> Store:
        """Unlock the store in ``home`` (default: ``$SCRIBE_HOME`` or the platform data dir).

        ``create`` makes a new store if there is none (``kdf`` overrides the strong
        default, for tests). A wrong passphrase raises StoreError and writes nothing
        to the store; it is counted beside it, and after a few in a row each try waits
        longer (``throttle``: its sleep and clock are injectable). A damaged file raises
        StoreError naming it.
        """
        home = data_dir(home)
        path = store_file(home)
        existed = path.is_file() and path.stat().st_size > 0
        if not existed and not create:
            raise StoreError(
                f"There is no session store in {home} yet. Save a session first (or set SCRIBE_HOME)."
            )
        if not cls.exists(home):
            # Before any file exists: a refused passphrase must leave nothing that a later run
            # would take for a store (and then unlock with a single, unconfirmed prompt).
            crypto.check_passphrase(passphrase)
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
                    created = cls._initialise(
                        db, passphrase, kdf or crypto.KdfParams.for_new_store(), worker or _default_worker()
                    )
                if existed:
                    data_key, store_id = cls._unlock_slowly(
                        db, path, passphrase, throttle or UnlockThrottle(home)
                    )
                else:
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
    def _initialise(cls, db: sqlite3.Connection, passphrase: str, kdf: crypto.KdfParams, worker: str) -> bool:
        """Create the schema, the wrapped key and the log's first entry; False if another process got there first.

        One transaction: the log's anchor ("store_created", MAC'd with the new key) exists
        from the moment the key does, before any other process can open the store and log.
        """
        crypto.check_passphrase(passphrase)
        created = False
        db.execute("BEGIN IMMEDIATE")
        try:
            store_db.create_schema(db)
            # Another process may have created it while we waited for the lock.
            if not cls._initialised(db):
                store_id = uuid.uuid4().hex
                data_key = crypto.new_data_key()
                wrapped = crypto.wrap_key(data_key, passphrase, kdf, store_id)
                meta = {
                    "format": str(store_db.FORMAT_VERSION).encode(),
                    "store_id": store_id.encode(),
                    "kdf": kdf.to_json().encode(),
                    "wrapped_key": wrapped,
                    "created_at": now_iso().encode(),
                }
                db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
                audit_log(db, data_key).append(worker, "store_created", store_id=store_id)
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

    @classmethod
    def _unlock_slowly(
        cls, db: sqlite3.Connection, path: Path, passphrase: str, throttle: UnlockThrottle
    ) -> tuple[bytes, str]:
        throttle.wait()
        try:
            unlocked = cls._unlock(db, path, passphrase)
        except crypto.WrongPassphrase as exc:
            delay = throttle.failed()
            if delay:
                raise crypto.WrongPassphrase(
                    f"{exc} After several wrong passphrases, the next try waits {delay:g} s."
                ) from None
            raise
        throttle.succeeded()
        return unlocked

    def _startup(self, *, created: bool) -> None:
        with self._core.tx() as db:
            store_db.create_schema(db)  # a store made by an earlier version gets the newer triggers
            if not created:  # a new store's first entry was written with its key
                self._core.audit.append(self.worker, "store_opened")
        self._delete_incomplete()
        self._audio.wipe_pending()
        self._audio.apply_retention()

    def close(self) -> None:
        """Close the connection; the data key is dropped with this object."""
        self._core.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- clients and sessions ------------------------------------------------------

    def _client_ref(self, db: sqlite3.Connection, identifier: str) -> str:
        lookup = crypto.mac(self._core.index_key, "client", identifier)
        row = db.execute("SELECT id FROM clients WHERE lookup = ?", (lookup,)).fetchone()
        if row:
            return row[0]
        ref = uuid.uuid4().hex
        blob = self._core.cipher.seal(identifier.encode("utf-8"), "clients", ref, lookup)
        db.execute(
            "INSERT INTO clients (id, lookup, identifier, created_at) VALUES (?, ?, ?, ?)",
            (ref, lookup, blob, now_iso()),
        )
        return ref

    def _client_identifier(self, db: sqlite3.Connection, ref: str) -> str:
        row = db.execute("SELECT lookup, identifier FROM clients WHERE id = ?", (ref,)).fetchone()
        if row is None:
            raise store_db.damaged(self.path, f"client {ref} is missing")
        return self._core.cipher.open(row[1], "clients", ref, row[0]).decode("utf-8")

    def list_clients(self) -> list[str]:
        """Every client identifier in the store, sorted."""
        with self._core.tx(write=False) as db:
            rows = db.execute("SELECT id, lookup, identifier FROM clients").fetchall()
            return sorted(
                self._core.cipher.open(blob, "clients", ref, lookup).decode() for ref, lookup, blob in rows
            )

    def create_session(
        self,
        client_id: str,
        consent: bool,
        *,
        session_type: str = "individual",
        session_date: str | None = None,
        label: str = "",
        incomplete: bool = False,
    ) -> str:
        """Start a session for a client (identifier only: minimum necessary). Returns its id.

        ``consent`` is whether the client agreed to being recorded; without it only
        dictation and typing are allowed. With ``incomplete`` the session is marked as being
        saved by this process until :meth:`finish_session`; if the process dies first, the
        next open of the store deletes it.
        """
        client_id = (client_id or "").strip()
        if not client_id or len(client_id) > 200:
            raise StoreError(
                "Give a client identifier (1 to 200 characters), e.g. a case number or initials."
            )
        check_line("client identifier", client_id)
        check_line("session type", session_type)
        check_line("session label", label)
        session_date = check_date(session_date or "") or date.today().isoformat()
        session_id = uuid.uuid4().hex
        now = now_iso()
        with self._core.tx() as db:
            ref = self._client_ref(db, client_id)
            info = {"session_date": session_date, "session_type": session_type, "label": label}
            blob = self._core.cipher.seal_json(info, *self._core.info_aad(session_id, ref, consent, now))
            db.execute(
                "INSERT INTO sessions (id, client_ref, consent, status, created_at, updated_at, info) "
                "VALUES (?, ?, ?, 'new', ?, ?, ?)",
                (session_id, ref, int(bool(consent)), now, now, blob),
            )
            if incomplete:
                db.execute(
                    "INSERT INTO incomplete (session_id, pid, created_at) VALUES (?, ?, ?)",
                    (session_id, os.getpid(), now),
                )
            self._core.log("session_created", session_id, consent=bool(consent), session_type=session_type)
        return session_id

    def finish_session(self, session_id: str) -> None:
        """The session started with ``incomplete=True`` is saved whole: keep it."""
        with self._core.tx() as db:
            db.execute("DELETE FROM incomplete WHERE session_id = ?", (session_id,))

    def _delete_incomplete(self) -> None:
        """Delete the sessions whose saving process died before finishing them (logged)."""
        with self._core.tx(write=False) as db:
            rows = db.execute("SELECT session_id, pid FROM incomplete").fetchall()
        for session_id, pid in rows:
            if pid != os.getpid() and not pid_alive(pid):
                self.delete_session(session_id, reason="its saving was interrupted")

    def _session_info(self, db: sqlite3.Connection, row: tuple) -> SessionInfo:
        sid, ref, consent, status, created_at, updated_at, signed_at, blob = row
        info = self._core.cipher.open_json(blob, *self._core.info_aad(sid, ref, bool(consent), created_at))
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
        with self._core.tx(write=False) as db:
            return self._session_info(db, self._core.session_row(db, session_id))

    def list_sessions(
        self, client_id: str | None = None, *, damaged: list[tuple[str, str]] | None = None
    ) -> list[SessionInfo]:
        """All sessions, newest first; only one client's when ``client_id`` is given.

        A session whose row cannot be read (altered or damaged) raises StoreError, unless
        ``damaged`` is given: then the others are listed and (session id, why) is added to it.
        """
        with self._core.tx(write=False) as db:
            sql = "SELECT id, client_ref, consent, status, created_at, updated_at, signed_at, info FROM sessions"
            args: tuple = ()
            if client_id is not None:
                sql += " WHERE client_ref = (SELECT id FROM clients WHERE lookup = ?)"
                args = (crypto.mac(self._core.index_key, "client", client_id.strip()),)
            rows = db.execute(sql + " ORDER BY created_at DESC, rowid DESC", args).fetchall()
            out = []
            for row in rows:
                try:
                    out.append(self._session_info(db, row))
                except (StoreError, ValueError, KeyError, TypeError) as exc:
                    if damaged is None:
                        raise
                    damaged.append((str(row[0]), str(exc) or type(exc).__name__))
            return out

    def resolve_session_id(self, prefix: str) -> str:
        """The full id of the one session whose id starts with ``prefix`` (as the CLI shows 8 characters)."""
        prefix = (prefix or "").strip().lower()
        if not prefix or not all(c in "0123456789abcdef" for c in prefix):
            raise StoreError(f"{prefix!r} is not a session id (`scribe sessions list` shows them).")
        with self._core.tx(write=False) as db:
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
        with self._core.tx() as db:
            sid, ref, old, _, created_at, *_, blob = self._core.session_row(db, session_id)
            info = self._core.cipher.open_json(blob, *self._core.info_aad(sid, ref, bool(old), created_at))
            new_blob = self._core.cipher.seal_json(info, *self._core.info_aad(sid, ref, consent, created_at))
            db.execute(
                "UPDATE sessions SET consent = ?, info = ? WHERE id = ?", (int(consent), new_blob, sid)
            )
            self._core.touch(db, sid)
            self._core.log("consent_changed", sid, consent=bool(consent))
        if not consent:
            self._audio.delete_audio(session_id, reason="consent withdrawn")

    def delete_session(self, session_id: str, reason: str | None = None) -> None:
        """Delete a session with its audio, transcripts, annotations and notes (signed ones too).

        The audit log keeps the fact that it existed and was deleted, never its content.
        A client with no sessions and no goals on file left is deleted as well (minimum
        necessary). The session's links to goals go with it; goals stated in it stay (the
        worker kept them), and the audit entry counts both.
        """
        with self._core.tx() as db:
            _, ref, *_ = self._core.session_row(db, session_id)
            audio = db.execute("SELECT file FROM audio WHERE session_id = ?", (session_id,)).fetchone()
            goals = self._goals.forget_session(db, session_id)
            db.execute("INSERT OR IGNORE INTO deleting (session_id) VALUES (?)", (session_id,))
            for table in ("transcripts", "annotations", "drafts", "audio", "incomplete"):
                db.execute(f"DELETE FROM {table} WHERE session_id = ?", (session_id,))
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            db.execute("DELETE FROM deleting WHERE session_id = ?", (session_id,))
            if not db.execute(
                "SELECT 1 FROM sessions WHERE client_ref = ?", (ref,)
            ).fetchone() and not self._goals.client_has_goals(db, ref):
                db.execute("DELETE FROM clients WHERE id = ?", (ref,))
            if audio and audio[0]:
                self._audio.queue_wipe(db, audio[0], pid=0)
            counts = {k: n for k, n in goals.items() if n}  # said only when the session touched goals
            self._core.log("session_deleted", session_id, **counts, **({"reason": reason} if reason else {}))
        self._audio.wipe_pending()

    # --- passphrase and audit ------------------------------------------------------------

    def change_passphrase(self, new_passphrase: str, *, kdf: crypto.KdfParams | None = None) -> None:
        """Re-wrap the data key under a new passphrase (nothing else is re-encrypted)."""
        crypto.check_passphrase(new_passphrase)
        params = kdf or crypto.KdfParams.for_new_store()
        wrapped = crypto.wrap_key(self._core.data_key, new_passphrase, params, self.store_id)
        with self._core.tx() as db:
            db.execute("UPDATE meta SET value = ? WHERE key = 'kdf'", (params.to_json().encode(),))
            db.execute("UPDATE meta SET value = ? WHERE key = 'wrapped_key'", (wrapped,))
            self._core.log("passphrase_changed")

    def verify_audit(self) -> AuditReport:
        """Check the audit chain, then the store against it; the report names the first failure.

        The chain must start at the store's creation; every session, transcript, note version
        and signature the log records (and no later deletion removed) must still be stored,
        and every audio file must be one the store knows.
        """
        with self._core.tx(write=False):
            report = self._core.audit.verify(self.store_id)
            if not report.ok:
                return report
            files = {p.name for p in audio_dir(self.home).glob("*.ssa")}
            return self._core.audit.check_records(files) or report

    def audit_entries(self, session_id: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        """Audit entries, oldest first, details decrypted (all, or one session's; the newest ``limit``)."""
        with self._core.tx(write=False):
            return self._core.audit.entries(session_id, limit)

    # --- the parts' methods, offered as the store's own --------------------------------

    require_recording_consent = _part("_core", StoreCore.require_recording_consent)

    save_audio = _part("_audio", SessionAudio.save_audio)
    audio_chunks = _part("_audio", SessionAudio.audio_chunks)
    export_audio = _part("_audio", SessionAudio.export_audio)
    delete_audio = _part("_audio", SessionAudio.delete_audio)
    set_retention = _part("_audio", SessionAudio.set_retention)
    apply_retention = _part("_audio", SessionAudio.apply_retention)

    @property
    def retention(self) -> RetentionPolicy:
        """The worker's policy for raw audio (default: keep)."""
        return self._audio.retention

    save_transcript = _part("_content", SessionContent.save_transcript)
    get_transcript = _part("_content", SessionContent.get_transcript)
    save_annotations = _part("_content", SessionContent.save_annotations)
    get_annotations = _part("_content", SessionContent.get_annotations)
    save_draft = _part("_content", SessionContent.save_draft)
    get_draft = _part("_content", SessionContent.get_draft)
    list_drafts = _part("_content", SessionContent.list_drafts)
    draft_history = _part("_content", SessionContent.draft_history)
    amend_draft = _part("_content", SessionContent.amend_draft)
    sign_draft = _part("_content", SessionContent.sign_draft)
    log_export = _part("_content", SessionContent.log_export)
    export_session = _part("_content", SessionContent.export_session)

    accept_goal = _part("_goals", ClientGoals.accept_goal)
    set_goal_status = _part("_goals", ClientGoals.set_goal_status)
    set_goal_wording = _part("_goals", ClientGoals.set_goal_wording)
    list_goals = _part("_goals", ClientGoals.list_goals)
    resolve_goal_id = _part("_goals", ClientGoals.resolve_goal_id)
    save_goal_links = _part("_goals", ClientGoals.save_goal_links)
    goal_links = _part("_goals", ClientGoals.goal_links)
    links_of_goal = _part("_goals", ClientGoals.links_of_goal)
    review_goal_link = _part("_goals", ClientGoals.review_goal_link)
    log_goal_export = _part("_goals", ClientGoals.log_goal_export)
