"""What every part of the store shares: the open connection, the keys, transactions and the audit log.

``Store`` is composed of parts (``SessionAudio``, ``SessionContent``) that each
get this one object; none of them reaches into another's methods.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scribe.core.errors import ConsentError, StoreError
from scribe.core.paths import store_file
from scribe.core.records import now_iso
from scribe.store import crypto
from scribe.store import db as store_db
from scribe.store.audit import AuditLog


def audit_log(db: sqlite3.Connection, data_key: bytes) -> AuditLog:
    """The store's audit log, keyed by sub-keys of its data key."""
    return AuditLog(db, crypto.RowCipher(crypto.subkey(data_key, "rows")), crypto.subkey(data_key, "audit"))


@dataclass(eq=False)
class StoreCore:
    """An unlocked store's connection and keys. Thread-safe: one lock around the connection."""

    home: Path
    db: sqlite3.Connection
    data_key: bytes
    store_id: str
    worker: str
    lock: threading.RLock = field(default_factory=threading.RLock)
    closed: bool = False

    def __post_init__(self) -> None:
        self.path = store_file(self.home)
        self.cipher = crypto.RowCipher(crypto.subkey(self.data_key, "rows"))
        self.index_key = crypto.subkey(self.data_key, "client-index")
        self.audit = audit_log(self.db, self.data_key)

    def close(self) -> None:
        """Close the connection; the data key is dropped with the store."""
        with self.lock:
            if not self.closed:
                self.closed = True
                self.db.close()

    @contextlib.contextmanager
    def tx(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction: IMMEDIATE for writes (queues behind other writers), a snapshot for reads."""
        with self.lock, store_db.sql_errors(self.path):
            if self.closed:
                raise StoreError("The session store is closed.")
            self.db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield self.db
                self.db.execute("COMMIT")
            except BaseException:
                # Also after a failed COMMIT (disk full): never leave a transaction open.
                if self.db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self.db.execute("ROLLBACK")
                raise

    def log(self, action: str, session_id: str | None = None, **details: Any) -> None:
        self.audit.append(self.worker, action, session_id, **details)

    def session_row(self, db: sqlite3.Connection, session_id: str) -> tuple:
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

    def touch(
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

    def info_aad(self, session_id: str, client_ref: str, consent: bool, created_at: str) -> tuple:
        # The consent flag is bound into the row's associated data: flipping it in the
        # database by hand makes the session fail its integrity check.
        return ("sessions", "info", session_id, client_ref, int(consent), created_at)

    def require_recording_consent(self, session_id: str) -> None:
        """Raise ConsentError unless the client consented to recording (call before capturing).

        The consent flag is read with the session's encrypted details, whose associated
        data binds it: a flag flipped in the database by hand fails here.
        """
        with self.tx(write=False) as db:
            sid, ref, consent, _, created_at, *_, blob = self.session_row(db, session_id)
            self.cipher.open_json(blob, *self.info_aad(sid, ref, bool(consent), created_at))
        if not consent:
            raise ConsentError(
                "The client has not consented to recording in this session, so it cannot be recorded "
                "or its audio stored. Use dictation or type the note instead, or record consent first."
            )
