"""The store survives SIGKILL mid-write and two processes using it at once ."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scribe.store import Store

PASS = "correct horse battery"

# A writer that saves sessions in a loop and prints each one only after its last commit.
WRITER = r"""
import sys
from pathlib import Path
from scribe.store import Store
from scribe.core.records import NoteDraft, Segment, Transcript

home, tag, audio, count = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
store = Store.open(home, passphrase="correct horse battery", create=True)
print("open", flush=True)
i = 0
while count < 0 or i < count:
    sid = store.create_session(f"{tag}-{i}", consent=True)
    store.save_transcript(sid, Transcript(segments=[Segment(id=0, start=0, end=1, text=f"{tag} said {i}")]))
    if i % 3 == 0:
        store.save_audio(sid, audio)
    if i % 2 == 0:
        store.save_draft(sid, NoteDraft(id=f"{tag}-note-{i}", format="soap"))
        store.sign_draft(sid)
    print(f"{sid} {i}", flush=True)
    i += 1
store.close()
"""


def start_writer(home: Path, tag: str, audio: Path, count: int, script: Path) -> subprocess.Popen:
    env = dict(os.environ, SCRIBE_INSECURE_FAST_KDF="1")
    return subprocess.Popen(
        [sys.executable, str(script), str(home), tag, str(audio), str(count)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.fixture()
def script(tmp_path: Path) -> Path:
    path = tmp_path / "writer.py"
    path.write_text(WRITER)
    return path


@pytest.fixture()
def audio(tmp_path: Path) -> Path:
    path = tmp_path / "rec.wav"
    path.write_bytes(os.urandom(2 * (1 << 20) + 999))  # three chunks: kills land mid-file too
    return path


def check_consistent(home: Path, committed: list[tuple[str, int, str]], audio: bytes) -> None:
    """Everything reported as committed is there and readable; nothing half-written is left."""
    with Store.open(home, passphrase=PASS) as store:
        report = store.verify_audit()
        assert report.ok, report
        known = {s.id for s in store.list_sessions()}
        for sid, i, tag in committed:
            assert sid in known, (tag, i)
            assert store.get_transcript(sid).segments[0].text == f"{tag} said {i}"
            if i % 3 == 0:
                assert b"".join(store.audio_chunks(sid)) == audio
            if i % 2 == 0:
                assert store.get_draft(sid).signed_at
        with sqlite3.connect(home / "store.sqlite3") as raw:
            referenced = {r[0] for r in raw.execute("SELECT file FROM audio WHERE file IS NOT NULL")}
        on_disk = {p.name for p in (home / "audio").iterdir()}
        assert on_disk == referenced  # partial files of killed writers were wiped at open
    raw = sqlite3.connect(home / "store.sqlite3")
    assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    raw.close()


def test_sigkill_during_writes_loses_nothing_committed(scribe_home: Path, script: Path, audio: Path) -> None:
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    committed: list[tuple[str, int, str]] = []
    for round_ in range(4):
        tag = f"round{round_}"
        proc = start_writer(scribe_home, tag, audio, -1, script)
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first == "open", proc.stderr.read() if proc.stderr else ""
        time.sleep(rng.uniform(0.05, 0.8))
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        for line in out.splitlines():
            sid, i = line.split()
            committed.append((sid, int(i), tag))
        check_consistent(scribe_home, committed, audio.read_bytes())
    assert committed, f"the writer committed nothing before being killed (seed {seed})"


def test_two_processes_write_while_a_third_reads(scribe_home: Path, script: Path, audio: Path) -> None:
    # Both writers start on an empty folder: exactly one of them creates the store.
    procs = [start_writer(scribe_home, tag, audio, 8, script) for tag in ("ui", "cli")]
    reads = 0
    while any(p.poll() is None for p in procs):
        if Store.exists(scribe_home):
            try:
                with Store.open(scribe_home, passphrase=PASS) as reader:
                    reader.list_sessions()
                    reads += 1
            except Exception as exc:  # the store may be mid-creation on the very first pass
                if "never finished" not in str(exc) and "no session store" not in str(exc):
                    raise
        time.sleep(0.05)
    committed = []
    for tag, proc in zip(("ui", "cli"), procs, strict=True):
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        lines = out.splitlines()
        assert lines[0] == "open"
        committed += [(sid, int(i), tag) for sid, i in (line.split() for line in lines[1:])]
    assert len(committed) == 16 and reads > 0
    check_consistent(scribe_home, committed, audio.read_bytes())
    with Store.open(scribe_home, passphrase=PASS) as store:
        assert [e.action for e in store.audit_entries()].count("store_created") == 1


def test_a_store_locked_while_it_is_being_set_up_is_tried_again() -> None:
    """Two processes opening a new store at once can get "locked" at once, without SQLite's wait."""
    from scribe.store.db import _retry_locked

    calls: list[float] = []

    def flaky() -> None:
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise sqlite3.OperationalError("database is locked")

    _retry_locked(flaky)
    assert len(calls) == 3

    def other_error() -> None:
        calls.append(time.monotonic())
        raise sqlite3.OperationalError("no such table: x")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        _retry_locked(other_error)
    assert len(calls) == 4  # not tried again

    def always_locked() -> None:
        raise sqlite3.OperationalError("database is locked")

    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        _retry_locked(always_locked, seconds=0.2)
    assert time.monotonic() - started < 5


KILLED_MID_SAVE = r"""
import os, signal, sys
from scribe.core.records import Segment, Transcript
from scribe.store import Store
from scribe.workflow import save_session

store = Store.open(passphrase=sys.argv[1], create=True)
real = store.save_transcript

def die(*args, **kwargs):  # the recording is stored; the process is killed before the transcript
    print("audio saved", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

store.save_transcript = die
save_session(store, "KILLED-1", True, Transcript(segments=[Segment(id=0, start=0, end=1, text="hi")]),
             audio=sys.argv[2])
"""


def test_a_session_half_saved_by_a_killed_process_is_removed_at_the_next_open(
    scribe_home: Path, tmp_path: Path
) -> None:
    import signal
    import subprocess
    import sys

    wav = tmp_path / "rec.wav"
    wav.write_bytes(b"RIFF" + bytes(4000))
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_MID_SAVE, PASS, str(wav)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == -signal.SIGKILL and "audio saved" in proc.stdout, proc.stderr
    assert len(list((scribe_home / "audio").glob("*.ssa"))) == 1  # what the kill left behind
    with Store.open(passphrase=PASS) as store:
        assert store.list_sessions() == []
        assert list((scribe_home / "audio").glob("*.ssa")) == []
        deleted = [e for e in store.audit_entries() if e.action == "session_deleted"]
        assert [e.details for e in deleted] == [{"reason": "its saving was interrupted"}]
        assert store.verify_audit().ok


def test_a_session_another_live_process_is_saving_is_left_alone(scribe_home: Path) -> None:
    with Store.open(passphrase=PASS, create=True) as store:
        sid = store.create_session("BUSY-1", consent=False, incomplete=True)
    with Store.open(passphrase=PASS) as store:  # same (live) pid: still being saved
        assert [s.id for s in store.list_sessions()] == [sid]
        store.finish_session(sid)
