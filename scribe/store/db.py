"""The SQLite side of the session store: connection settings, schema, transactions, errors.

Only ciphertext and non-identifying bookkeeping (random ids, timestamps,
status flags) are ever written here, so the write-ahead log and freed pages
hold nothing readable either. Durability and concurrency come from SQLite:

- ``journal_mode=WAL`` lets the UI read while the CLI writes;
- ``synchronous=FULL`` makes a committed transaction survive a crash or power loss;
- every write runs in ``BEGIN IMMEDIATE`` with a busy timeout, so two processes
  queue for the write lock instead of failing half-way ("database is locked"
  on a lock upgrade is not retried by SQLite: https://sqlite.org/rescode.html#busy);
- ``secure_delete`` zeroes freed pages; ``temp_store=MEMORY`` keeps sort and
  index temporaries off the disk.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from scribe.core.errors import StoreError
from scribe.store import audit

#: Bumped when the schema changes incompatibly.
FORMAT_VERSION = 1
BUSY_TIMEOUT_S = 30.0
SQLITE_MAGIC = b"SQLite format 3\x00"

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS clients (
    id TEXT PRIMARY KEY,
    lookup TEXT NOT NULL UNIQUE,   -- keyed HMAC of the identifier (blind index)
    identifier BLOB NOT NULL,      -- encrypted
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    client_ref TEXT NOT NULL REFERENCES clients(id),
    consent INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    signed_at TEXT,
    info BLOB NOT NULL             -- encrypted: date, type, label
);
CREATE TABLE IF NOT EXISTS audio (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id),
    file TEXT,                     -- random name under audio/; NULL once deleted
    created_at TEXT NOT NULL,
    deleted_at TEXT,
    info BLOB NOT NULL             -- encrypted: size, sha256, original name
);
CREATE TABLE IF NOT EXISTS transcripts (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    version INTEGER NOT NULL,
    saved_at TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (session_id, version)
);
CREATE TABLE IF NOT EXISTS annotations (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    version INTEGER NOT NULL,
    saved_at TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (session_id, version)
);
CREATE TABLE IF NOT EXISTS drafts (
    draft_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    format TEXT NOT NULL,
    status TEXT NOT NULL,          -- "draft" or "signed"
    amends INTEGER,                -- the signed version this one amends
    saved_at TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (draft_id, version)
);
CREATE INDEX IF NOT EXISTS drafts_session ON drafts(session_id);
-- Versions are never edited: a change is a new version, and a signed note stays as signed.
CREATE TRIGGER IF NOT EXISTS drafts_immutable BEFORE UPDATE ON drafts
BEGIN SELECT RAISE(ABORT, 'saved note versions are immutable; save a new version'); END;
-- A signed note and its session's signature are kept: only deleting the whole session
-- through the store (which lists it in "deleting" inside its transaction, and logs it)
-- removes them. The audit log's cross-check catches the same change made around these.
CREATE TABLE IF NOT EXISTS deleting (session_id TEXT PRIMARY KEY);
CREATE TRIGGER IF NOT EXISTS drafts_signed_kept BEFORE DELETE ON drafts
WHEN OLD.status = 'signed' AND NOT EXISTS (SELECT 1 FROM deleting WHERE session_id = OLD.session_id)
BEGIN SELECT RAISE(ABORT, 'a signed note cannot be deleted on its own; delete its session'); END;
CREATE TRIGGER IF NOT EXISTS sessions_signed_kept BEFORE DELETE ON sessions
WHEN OLD.signed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM deleting WHERE session_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'a signed session is deleted only through the store'); END;
CREATE TRIGGER IF NOT EXISTS sessions_stay_signed BEFORE UPDATE OF status, signed_at ON sessions
WHEN OLD.signed_at IS NOT NULL AND (NEW.signed_at IS NULL OR NEW.status NOT IN ('signed', 'amending'))
BEGIN SELECT RAISE(ABORT, 'a signed session stays signed (an amendment is a new version)'); END;
-- Sessions a process (its pid) is still saving part by part; if it dies first, the next open
-- deletes the half-saved session, so a session is kept whole or not at all.
CREATE TABLE IF NOT EXISTS incomplete (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id), pid INTEGER NOT NULL, created_at TEXT NOT NULL
);
-- Audio files to overwrite and unlink: deleted ones (pid 0) and ones being written by a
-- process (its pid), so a file orphaned by a crash is removed at the next open.
CREATE TABLE IF NOT EXISTS pending_wipe (file TEXT PRIMARY KEY, pid INTEGER NOT NULL, created_at TEXT NOT NULL);
-- A client's goals outlive the session they were stated in (the quote is kept in the goal);
-- a session's links to them go with the session.
CREATE TABLE IF NOT EXISTS goals (
    id TEXT PRIMARY KEY,
    client_ref TEXT NOT NULL REFERENCES clients(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    data BLOB NOT NULL             -- encrypted: quote, wording, status, history
);
CREATE INDEX IF NOT EXISTS goals_client ON goals(client_ref);
CREATE TABLE IF NOT EXISTS goal_links (
    id TEXT PRIMARY KEY,
    goal_id TEXT NOT NULL REFERENCES goals(id),
    session_id TEXT NOT NULL REFERENCES sessions(id),
    saved_at TEXT NOT NULL,
    data BLOB NOT NULL             -- encrypted: kind, evidence, review
);
CREATE INDEX IF NOT EXISTS goal_links_session ON goal_links(session_id);
"""
    + audit.SCHEMA
)


def damaged(path: Path, detail: object) -> StoreError:
    return StoreError(
        f"The session store {path} is damaged ({detail}). Nothing was changed. Restore the folder "
        f"{path.parent} from a backup, or move it aside to start a new store."
    )


@contextmanager
def sql_errors(path: Path) -> Iterator[None]:
    """Turn SQLite exceptions into StoreErrors that say what to do."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        msg = str(exc)
        if "locked" in msg or "busy" in msg:
            raise StoreError(
                "The session store is busy (another scribe window or command is writing). Try again."
            ) from exc
        if "disk is full" in msg or "disk I/O" in msg or "readonly" in msg:
            raise StoreError(
                f"Could not write the session store ({msg}). Free disk space and retry."
            ) from exc
        if "malformed" in msg or "not a database" in msg:
            raise damaged(path, msg) from exc
        raise StoreError(f"The session store {path} could not be used: {msg}.") from exc
    except sqlite3.IntegrityError as exc:
        raise StoreError(f"The session store refused the change: {exc}.") from exc
    except sqlite3.DatabaseError as exc:
        raise damaged(path, exc) from exc


def connect(path: Path, *, create: bool) -> sqlite3.Connection:
    """Open the database with the store's settings, after checking it is one.

    The header check comes first so a damaged or foreign file is reported
    without SQLite writing anything to it.
    """
    if path.exists():
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_MAGIC))
        if head and head != SQLITE_MAGIC:
            raise damaged(path, "not an SQLite database")
    elif create:
        # Create the file ourselves so it is private (0600) from the first byte; SQLite
        # gives its -wal and -shm files the same mode.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    else:
        raise StoreError(f"No session store at {path}.")
    with sql_errors(path):
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        try:
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            _retry_locked(lambda: db.execute("PRAGMA journal_mode = WAL"))
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA secure_delete = ON")
            db.execute("PRAGMA temp_store = MEMORY")
        except BaseException:
            db.close()
            raise
    return db


def _retry_locked(statement: Callable[[], object], seconds: float = BUSY_TIMEOUT_S) -> None:
    """Run ``statement`` again while the database is locked, for up to ``seconds``.

    Switching a new store to WAL needs an exclusive lock. When two processes open a
    new store at once, SQLite can answer "database is locked" at once, without
    waiting (it would otherwise deadlock: each holds the shared lock the other waits
    on). The statement failed whole, so running it again is safe. Seen once in CI.
    """
    deadline = time.monotonic() + seconds
    pause = 0.01
    while True:
        try:
            statement()
            return
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def quick_check(db: sqlite3.Connection, path: Path) -> None:
    """Detect a damaged file (torn pages, overwritten bytes) before trusting it."""
    with sql_errors(path):
        rows = db.execute("PRAGMA quick_check").fetchall()
    if not rows or rows[0][0] != "ok":
        raise damaged(path, "; ".join(str(r[0]) for r in rows[:3]) or "integrity check failed")


def has_table(db: sqlite3.Connection, name: str) -> bool:
    return (
        db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
        is not None
    )


def create_schema(db: sqlite3.Connection) -> None:
    """Create the tables (inside the caller's transaction; every statement is idempotent)."""
    for statement in _statements(SCHEMA):
        db.execute(statement)


def _statements(script: str) -> Iterator[str]:
    buf = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            yield buf.strip()
            buf = ""
