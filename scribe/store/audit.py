"""The tamper-evident audit log: who did what to which session, and when.

Each entry is chained to the one before it with an HMAC-SHA256 keyed by a
sub-key of the store's data key::

    hash[n] = HMAC(k_audit, seq | at | actor | action | session_id | details | hash[n-1])

Editing, inserting or deleting any entry breaks the chain from there on, and
because the MAC is keyed, nobody without the passphrase can forge a new chain
(a plain SHA-256 chain could simply be recomputed by whoever edited it). The
newest (seq, hash) is also kept, encrypted, in the store's ``meta`` table and
updated in the same transaction, so cutting entries off the end shows too. The
first entry must be the store's creation, naming the store's id: deleting the
whole log (and its head) leaves a log that does not start there. The records
are checked against the log as well (``check_records``): whatever it says was
saved or signed, and no later entry removed, must still be in the store.
Rolling the *whole* store file back to an older copy cannot be detected
locally; that needs an external anchor (a backup, a printed hash).

Session ids are random and not client data, so they stay readable; the
details of an entry (paths, draft ids, reasons) are encrypted. SQLite triggers
refuse UPDATE and DELETE on the table as a first line of defence; the chain is
the real one. This is the "audit controls" and "integrity" of 45 CFR 164.312(b),(c).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from scribe.core.records import AuditEntry, AuditReport, now_iso
from scribe.store.crypto import IntegrityError, RowCipher, mac

GENESIS = "0" * 64

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    session_id TEXT,
    details BLOB NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_session ON audit(session_id);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

#: Actions written by the store.
ACTIONS = (
    "store_created",
    "store_opened",
    "passphrase_changed",
    "retention_set",
    "session_created",
    "consent_changed",
    "viewed",
    "audio_saved",
    "transcript_saved",
    "annotations_saved",
    "draft_saved",
    "signed",
    "exported",
    "audio_deleted",
    "session_deleted",
    "goal_accepted",
    "goal_changed",
    "goal_links_saved",
    "goal_link_reviewed",
)


class AuditLog:
    """Appends to and verifies the chained log. ``append`` must run inside the caller's write transaction."""

    def __init__(self, db: sqlite3.Connection, cipher: RowCipher, key: bytes) -> None:
        self._db = db
        self._cipher = cipher
        self._key = key

    def _hash(
        self, seq: int, at: str, actor: str, action: str, session_id: str | None, details: bytes, prev: str
    ) -> str:
        return mac(self._key, "audit-v1", seq, at, actor, action, session_id, details, prev)

    def _head(self) -> tuple[int, str] | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
        if row is None:
            return None
        head = self._cipher.open_json(row[0], "meta", "audit_head")
        return int(head["seq"]), str(head["hash"])

    def append(self, actor: str, action: str, session_id: str | None = None, **details: Any) -> AuditEntry:
        """Add one entry chained to the last. Call inside ``BEGIN IMMEDIATE`` so the chain cannot fork."""
        (last_seq,) = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM audit").fetchone()
        # Chain onto the recorded head, not onto whatever row is last: if someone cut
        # entries off the end, the new entry leaves a gap instead of healing the chain.
        try:
            head = self._head()
        except IntegrityError:
            head = None
        if head is None:
            seq, prev = last_seq + 1, (GENESIS if last_seq == 0 else "head-missing")
        else:
            seq, prev = max(head[0], last_seq) + 1, head[1]
        at = now_iso()
        blob = self._cipher.seal_json(details, "audit", "details", seq)
        digest = self._hash(seq, at, actor, action, session_id, blob, prev)
        self._db.execute(
            "INSERT INTO audit (seq, at, actor, action, session_id, details, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, at, actor, action, session_id, blob, prev, digest),
        )
        self._db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)",
            (self._cipher.seal_json({"seq": seq, "hash": digest}, "meta", "audit_head"),),
        )
        return AuditEntry(seq=seq, at=at, actor=actor, action=action, session_id=session_id, details=details)

    def entries(self, session_id: str | None = None, limit: int | None = None) -> list[AuditEntry]:
        """Entries oldest first (the newest ``limit`` of them), details decrypted."""
        sql = "SELECT seq, at, actor, action, session_id, details FROM audit"
        args: list[Any] = []
        if session_id is not None:
            sql += " WHERE session_id = ?"
            args.append(session_id)
        sql += " ORDER BY seq DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        rows = self._db.execute(sql, args).fetchall()
        out = []
        for seq, at, actor, action, sid, blob in reversed(rows):
            try:
                details = self._cipher.open_json(blob, "audit", "details", seq)
            except IntegrityError:
                details = {"error": "details failed their integrity check"}
            out.append(
                AuditEntry(seq=seq, at=at, actor=actor, action=action, session_id=sid, details=details)
            )
        return out

    def verify(self, store_id: str | None = None) -> AuditReport:
        """Walk the whole chain from the store's creation; report the first entry that does not verify."""
        expected_seq, prev, count = 1, GENESIS, 0
        rows = self._db.execute(
            "SELECT seq, at, actor, action, session_id, details, prev_hash, hash FROM audit ORDER BY seq"
        )
        for seq, at, actor, action, sid, blob, prev_hash, digest in rows:
            if seq != expected_seq:
                return AuditReport(False, count, expected_seq, f"entry #{expected_seq} is missing (deleted)")
            if prev_hash != prev:
                return AuditReport(False, count, seq, f"entry #{seq} does not point at the entry before it")
            if not isinstance(blob, bytes) or self._hash(seq, at, actor, action, sid, blob, prev) != digest:
                return AuditReport(False, count, seq, f"entry #{seq} was altered (its hash does not match)")
            try:
                self._cipher.open(blob, "audit", "details", seq)
            except IntegrityError:
                return AuditReport(
                    False, count, seq, f"entry #{seq} has details that fail their integrity check"
                )
            if seq == 1 and (problem := self._not_the_creation(action, blob, store_id)):
                return AuditReport(False, count, 1, problem)
            prev, expected_seq, count = digest, seq + 1, count + 1
        try:
            head = self._head()
        except IntegrityError:
            return AuditReport(False, count, expected_seq, "the record of the newest entry was altered")
        if head is None:
            if count:
                return AuditReport(False, count, expected_seq, "the record of the newest entry is missing")
            return AuditReport(False, 0, 1, "the log is empty: its history was deleted")
        if head[0] > expected_seq - 1:
            return AuditReport(
                False, count, expected_seq, f"entries after #{expected_seq - 1} were removed (log ends early)"
            )
        if head[0] < expected_seq - 1:
            return AuditReport(False, count, head[0] + 1, f"entry #{head[0] + 1} was added outside the store")
        if head[1] != prev:
            return AuditReport(False, count, head[0], f"entry #{head[0]} is not the one last written")
        return AuditReport(True, count)

    def _not_the_creation(self, action: str, blob: bytes, store_id: str | None) -> str:
        """Why entry #1 is not this store's creation ("" when it is)."""
        if action != "store_created":
            return "the log does not start with the store's creation: its history was deleted"
        named = self._cipher.open_json(blob, "audit", "details", 1).get("store_id")
        if store_id is not None and named is not None and named != store_id:
            return "the log starts with another store's creation"
        return ""

    def check_records(self, audio_files: Iterable[str]) -> AuditReport | None:
        """The first stored record that contradicts the (verified) log, or None when all agree.

        Checked for every session the log does not record as deleted: the session, each
        transcript, annotation set and note version saved, each signature (and the session
        still signed), the audio saved and not deleted since. ``audio_files`` are the
        encrypted files in the audio folder: each must be known to the store.
        """
        entries = self.entries()
        count = len(entries)
        gone = {e.session_id for e in entries if e.action == "session_deleted"}
        db = self._db
        sessions = {
            sid: (status, signed_at)
            for sid, status, signed_at in db.execute("SELECT id, status, signed_at FROM sessions")
        }
        drafts = {(d, v): st for d, v, st in db.execute("SELECT draft_id, version, status FROM drafts")}
        docs = {
            table: set(db.execute(f"SELECT session_id, version FROM {table}").fetchall())
            for table in ("transcripts", "annotations")
        }
        audio = dict(db.execute("SELECT session_id, file FROM audio").fetchall())
        has_audio: dict[str, int] = {}

        def broken(e: AuditEntry, what: str) -> AuditReport:
            return AuditReport(False, count, e.seq, f"{what} (entry #{e.seq}) is missing from the store")

        for e in entries:
            sid, d = e.session_id, e.details
            if sid is None or sid in gone:
                continue
            short = sid[:8]
            if sid not in sessions:
                return broken(e, f"session {short}")
            if e.action in ("transcript_saved", "annotations_saved"):
                table = "transcripts" if e.action == "transcript_saved" else "annotations"
                if (sid, d.get("version")) not in docs[table]:
                    return broken(e, f"version {d.get('version')} of the {table[:-1]} of session {short}")
            elif e.action in ("draft_saved", "signed"):
                want = "signed" if e.action == "signed" else "draft"
                if drafts.get((d.get("draft_id"), d.get("version"))) != want:
                    return broken(e, f"{want} version {d.get('version')} of note {d.get('draft_id')}")
                status, signed_at = sessions[sid]
                if want == "signed" and (signed_at is None or status not in ("signed", "amending")):
                    return AuditReport(
                        False,
                        count,
                        e.seq,
                        f"session {short} was signed (entry #{e.seq}) but is stored as {status}",
                    )
            elif e.action in ("audio_saved", "audio_deleted"):
                has_audio[sid] = e.seq if e.action == "audio_saved" else 0
        for sid, seq in has_audio.items():
            if seq and not audio.get(sid):
                return AuditReport(
                    False,
                    count,
                    seq,
                    f"the audio of session {sid[:8]} (entry #{seq}) is missing from the store",
                )
        known = set(audio.values()) | {f for (f,) in db.execute("SELECT file FROM pending_wipe")}
        for name in sorted(audio_files):
            if name not in known:
                return AuditReport(
                    False, count, None, f"audio file {name} is in the store's folder but not in its records"
                )
        for sid, seq in has_audio.items():
            if seq and audio.get(sid) not in set(audio_files):
                return AuditReport(
                    False, count, seq, f"the audio file of session {sid[:8]} (entry #{seq}) is missing"
                )
        return None
