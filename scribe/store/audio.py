"""Raw audio in the store: encrypted files, secure deletion, and the retention policy (a part of ``Store``).

The part works through the store's shared ``StoreCore`` (transactions, cipher, audit log).

An audio file is encrypted chunk by chunk into ``audio/<random>.ssa`` (see
``scribe.store.securefile``) and only then recorded in the database, in one transaction
with its audit entry. A file being written is listed in ``pending_wipe`` with the
writer's pid, so if the writer is killed the next open overwrites and removes
the partial file; a deleted recording is listed with pid 0 and wiped after the
commit. Retention applies to raw audio only: transcripts and notes stay.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from scribe.core.errors import AudioError, ConsentError, StoreError
from scribe.core.paths import audio_dir, fsync_dir, private_output
from scribe.core.records import RetentionPolicy, now_iso
from scribe.store import securefile

if TYPE_CHECKING:
    from scribe.store.core import StoreCore

RETENTION_MODES = ("keep", "delete_when_signed", "delete_after_days")


def pid_alive(pid: int) -> bool:
    """Whether a process that may be writing an audio file is still running (same machine)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        # os.kill(pid, 0) sends CTRL_C_EVENT there; keep the (encrypted) orphan rather than risk it.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SessionAudio:
    """The store's raw audio: encrypted files, secure deletion and retention."""

    def __init__(self, core: StoreCore) -> None:
        self._core = core

    # --- audio -------------------------------------------------------------------------

    def queue_wipe(self, db: sqlite3.Connection, file: str, pid: int) -> None:
        db.execute(
            "INSERT OR REPLACE INTO pending_wipe (file, pid, created_at) VALUES (?, ?, ?)",
            (file, pid, now_iso()),
        )

    def wipe_pending(self) -> None:
        """Overwrite and unlink deleted audio files, and files orphaned by a crashed writer."""
        with self._core.tx(write=False) as db:
            rows = db.execute("SELECT file, pid FROM pending_wipe").fetchall()
        for file, pid in rows:
            if pid == os.getpid() or pid_alive(pid):
                continue  # still being written by a live process
            securefile.wipe_file(audio_dir(self._core.home) / file)
            with self._core.tx() as db:
                db.execute("DELETE FROM pending_wipe WHERE file = ? AND pid = ?", (file, pid))

    def save_audio(self, session_id: str, path: str | Path, *, remove_source: bool = False) -> str:
        """Encrypt an audio file into the store (streamed, 1 MiB at a time). Returns its SHA-256.

        Raises ConsentError if the client did not consent to recording. With
        ``remove_source`` the plaintext original is overwritten and deleted afterwards.
        A session holds one recording; saving again replaces (and wipes) the old one.
        """
        source = Path(path)
        if not source.is_file():
            raise AudioError(f"No such audio file: {source}")
        self._core.require_recording_consent(session_id)
        name = f"{uuid.uuid4().hex}.ssa"
        dest = audio_dir(self._core.home) / name
        with self._core.tx() as db:
            self._core.session_row(db, session_id)
            self.queue_wipe(db, name, pid=os.getpid())  # cleaned up at next open if we die mid-write
        try:
            try:
                size, sha = securefile.encrypt_file(source, dest, self._core.data_key, session_id)
                fsync_dir(dest.parent)
            except OSError as exc:
                raise StoreError(
                    f"Could not store the audio ({exc.strerror or exc}). Free disk space and try again; "
                    f"the original file {source} was not changed."
                ) from exc
            now = now_iso()
            info = {"size": size, "sha256": sha, "name": source.name, "suffix": source.suffix.lower()}
            with self._core.tx() as db:
                if not self._core.session_row(db, session_id)[2]:  # consent withdrawn meanwhile
                    raise ConsentError("Consent to recording was withdrawn while the audio was being stored.")
                old = db.execute("SELECT file FROM audio WHERE session_id = ?", (session_id,)).fetchone()
                if old and old[0]:
                    self.queue_wipe(db, old[0], pid=0)
                blob = self._core.cipher.seal_json(info, "audio", session_id, name, now)
                db.execute(
                    "INSERT OR REPLACE INTO audio (session_id, file, created_at, deleted_at, info) "
                    "VALUES (?, ?, ?, NULL, ?)",
                    (session_id, name, now, blob),
                )
                db.execute("DELETE FROM pending_wipe WHERE file = ?", (name,))
                self._core.touch(db, session_id, "recorded", only_from=("new",))
                self._core.log("audio_saved", session_id, size=size, sha256=sha)
        except BaseException:
            securefile.wipe_file(dest)
            with contextlib.suppress(StoreError), self._core.tx() as db:
                db.execute("DELETE FROM pending_wipe WHERE file = ?", (name,))
            raise
        self.wipe_pending()
        if remove_source:
            securefile.wipe_file(source)
        return sha

    def audio_file(self, db: sqlite3.Connection, session_id: str) -> tuple[Path, dict]:
        self._core.session_row(db, session_id)
        row = db.execute(
            "SELECT file, created_at, info FROM audio WHERE session_id = ?", (session_id,)
        ).fetchone()
        if row is None or row[0] is None:
            raise StoreError(
                f"Session {session_id} has no stored audio (never saved, or deleted by retention)."
            )
        info = self._core.cipher.open_json(row[2], "audio", session_id, row[0], row[1])
        return audio_dir(self._core.home) / row[0], info

    def audio_chunks(self, session_id: str) -> Iterator[bytes]:
        """The session's audio file, decrypted one chunk at a time (logged as viewed)."""
        with self._core.tx() as db:
            path, _ = self.audio_file(db, session_id)
            self._core.log("viewed", session_id, what="audio")
        if not path.is_file():
            raise StoreError(f"The audio file of session {session_id} is missing from {path.parent}.")
        return self._decrypted(path, session_id)

    def export_audio(self, session_id: str, dest: str | Path) -> Path:
        """Write the decrypted audio to ``dest`` (a path the worker chose: it is plaintext there, mode 0600)."""
        dest = Path(dest)
        with self._core.tx() as db:
            path, _ = self.audio_file(db, session_id)
            self._core.log("exported", session_id, what="audio", dest=str(dest))
        try:
            with private_output(dest, securefile.wipe_file) as tmp, open(tmp, "wb") as out:  # 0600
                for chunk in self._decrypted(path, session_id):
                    out.write(chunk)
        except OSError as exc:
            raise StoreError(f"Could not write the audio to {dest} ({exc.strerror or exc}).") from exc
        return dest

    def _decrypted(self, path: Path, session_id: str) -> Iterator[bytes]:
        try:
            yield from securefile.decrypt_chunks(path, self._core.data_key, session_id)
        except OSError as exc:
            raise StoreError(
                f"The audio file of session {session_id} could not be read ({exc.strerror or exc})."
            ) from exc

    def delete_audio(self, session_id: str, reason: str = "requested") -> bool:
        """Delete the session's raw audio (overwrite, then unlink). Returns False if there was none."""
        with self._core.tx() as db:
            self._core.session_row(db, session_id)
            row = db.execute(
                "SELECT file, created_at, info FROM audio WHERE session_id = ?", (session_id,)
            ).fetchone()
            if row is None or row[0] is None:
                return False
            info = self._core.cipher.open_json(row[2], "audio", session_id, row[0], row[1])
            blob = self._core.cipher.seal_json(info, "audio", session_id, None, row[1])
            db.execute(
                "UPDATE audio SET file = NULL, deleted_at = ?, info = ? WHERE session_id = ?",
                (now_iso(), blob, session_id),
            )
            self.queue_wipe(db, row[0], pid=0)
            self._core.touch(db, session_id)
            self._core.log("audio_deleted", session_id, reason=reason)
        self.wipe_pending()
        return True

    # --- retention -----------------------------------------------------------------------

    @property
    def retention(self) -> RetentionPolicy:
        """The worker's policy for raw audio (default: keep)."""
        with self._core.tx(write=False) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'retention'").fetchone()
        if row is None:
            return RetentionPolicy()
        return RetentionPolicy.from_dict(self._core.cipher.open_json(row[0], "meta", "retention"))

    def set_retention(self, policy: RetentionPolicy) -> list[str]:
        """Set the audio retention policy and apply it at once. Returns the sessions whose audio went."""
        if policy.audio not in RETENTION_MODES:
            raise StoreError(
                f"Unknown retention policy {policy.audio!r}; use one of {', '.join(RETENTION_MODES)}."
            )
        if policy.audio == "delete_after_days" and policy.days < 1:
            raise StoreError("Say after how many days (1 or more) raw audio is deleted.")
        policy = RetentionPolicy(policy.audio, policy.days if policy.audio == "delete_after_days" else 0)
        with self._core.tx() as db:
            blob = self._core.cipher.seal_json(policy.to_dict(), "meta", "retention")
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('retention', ?)", (blob,))
            self._core.log("retention_set", None, audio=policy.audio, days=policy.days)
        return self.apply_retention()

    def apply_retention(self, now: datetime | None = None) -> list[str]:
        """Delete the raw audio the policy says must go (logged). Returns those session ids.

        Runs when the store opens and when a note is signed; ``now`` is for tests.
        """
        policy = self.retention
        if policy.audio == "keep":
            return []
        with self._core.tx(write=False) as db:
            if policy.audio == "delete_when_signed":
                reason = "retention: delete when the note is signed"
                rows = db.execute(
                    "SELECT a.session_id FROM audio a JOIN sessions s ON s.id = a.session_id "
                    "WHERE a.file IS NOT NULL AND s.signed_at IS NOT NULL"
                ).fetchall()
            else:
                reason = f"retention: delete after {policy.days} days"
                now = now or datetime.now(UTC)
                now = now if now.tzinfo else now.replace(tzinfo=UTC)
                cutoff = (now.astimezone(UTC) - timedelta(days=policy.days)).isoformat(timespec="seconds")
                rows = db.execute(
                    "SELECT session_id FROM audio WHERE file IS NOT NULL AND created_at <= ?", (cutoff,)
                ).fetchall()
        return [sid for (sid,) in rows if self.delete_audio(sid, reason=reason)]
