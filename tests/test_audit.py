"""The hash-chained audit log (scribe.store.audit) and `scribe audit verify`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from scribe.cli import cli
from scribe.core.records import NoteDraft, Segment, Transcript
from scribe.store import Store

PASS = "correct horse battery"
CLIENT = "QUOKKA-CLIENT-815"


@pytest.fixture()
def store_with_history(scribe_home: Path, tmp_path: Path):
    """A closed store whose log holds a dozen entries about two sessions."""
    with Store.open(passphrase=PASS, create=True, worker="jworker") as store:
        sid = store.create_session(CLIENT, consent=True)
        store.save_transcript(sid, Transcript(segments=[Segment(id=0, start=0, end=1, text="hello")]))
        store.get_transcript(sid)
        store.save_draft(sid, NoteDraft(id="n1", format="soap"))
        store.sign_draft(sid)
        store.export_session(sid, tmp_path / f"export-for-{CLIENT}")
        other = store.create_session("OTHER", consent=False)
        store.delete_session(other)
    return scribe_home, sid


def raw(home: Path) -> sqlite3.Connection:
    db = sqlite3.connect(home / "store.sqlite3", isolation_level=None)
    db.execute("DROP TRIGGER IF EXISTS audit_no_update")
    db.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    return db


def verify(home: Path):
    with Store.open(home, passphrase=PASS) as store:
        return store.verify_audit()


def test_log_records_who_did_what_to_which_session(store_with_history) -> None:
    home, sid = store_with_history
    with Store.open(home, passphrase=PASS) as store:
        entries = store.audit_entries()
        report = store.verify_audit()
    assert report.ok and report.entries == len(entries)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    mine = [e.action for e in entries if e.session_id == sid]
    assert mine == ["session_created", "transcript_saved", "viewed", "draft_saved", "signed", "exported"]
    assert {e.actor for e in entries if e.session_id} == {"jworker"}
    assert "session_deleted" in [e.action for e in entries]
    assert next(e for e in entries if e.action == "exported").details["dest"].endswith(CLIENT)


def test_details_are_not_readable_in_the_database(store_with_history) -> None:
    home, _ = store_with_history
    db = sqlite3.connect(home / "store.sqlite3")
    rows = db.execute("SELECT * FROM audit").fetchall()
    db.close()
    dump = repr(rows)
    assert "export-for" not in dump and CLIENT not in dump and "soap" not in dump


def test_the_database_refuses_to_edit_or_delete_entries(store_with_history) -> None:
    home, _ = store_with_history
    db = sqlite3.connect(home / "store.sqlite3")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit SET actor = 'someone' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit WHERE seq = 2")
    db.close()


@pytest.mark.parametrize(
    ("tamper", "broken_at", "reason"),
    [
        ("UPDATE audit SET action = 'viewed' WHERE seq = 5", 5, "altered"),
        ("UPDATE audit SET actor = 'intruder' WHERE seq = 3", 3, "altered"),
        ("UPDATE audit SET at = '2020-01-01T00:00:00+00:00' WHERE seq = 4", 4, "altered"),
        ("UPDATE audit SET session_id = NULL WHERE seq = 2", 2, "altered"),
        ("UPDATE audit SET details = zeroblob(40) WHERE seq = 6", 6, "altered"),
        ("DELETE FROM audit WHERE seq = 4", 4, "missing"),
        # Cutting the tail: the next open chains onto the recorded head, leaving a visible gap.
        ("DELETE FROM audit WHERE seq >= (SELECT MAX(seq) - 1 FROM audit)", None, "missing"),
        ("UPDATE audit SET prev_hash = hash WHERE seq = 7", 7, "does not point"),
    ],
)
def test_tampering_is_reported_at_the_first_broken_entry(
    store_with_history, tamper: str, broken_at: int | None, reason: str
) -> None:
    home, _ = store_with_history
    total = verify(home).entries  # includes the store_opened entry this call adds
    db = raw(home)
    db.execute(tamper)
    db.close()
    report = verify(home)
    assert not report.ok
    assert reason in report.reason
    assert report.broken_at == (broken_at if broken_at is not None else total - 1)


def test_a_cut_tail_is_reported_even_before_anything_new_is_logged(store_with_history) -> None:
    home, _ = store_with_history
    with Store.open(home, passphrase=PASS) as store:
        total = store.verify_audit().entries
        db = raw(home)
        db.execute("DELETE FROM audit WHERE seq = ?", (total,))
        db.close()
        report = store.verify_audit()
    assert not report.ok and "removed" in report.reason and report.broken_at == total


def test_an_appended_forgery_is_detected(store_with_history) -> None:
    home, _ = store_with_history
    db = raw(home)
    seq, digest = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    db.execute(
        "INSERT INTO audit VALUES (?, '2030-01-01T00:00:00+00:00', 'x', 'viewed', NULL, zeroblob(40), ?, ?)",
        (seq + 1, digest, "f" * 64),
    )
    db.close()
    report = verify(home)
    assert not report.ok and report.broken_at == seq + 1


def test_cli_audit_verify_exit_status(store_with_history, monkeypatch: pytest.MonkeyPatch) -> None:
    home, _ = store_with_history
    monkeypatch.setenv("SCRIBE_PASSPHRASE", PASS)
    runner = CliRunner()
    ok = runner.invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "Audit log OK" in ok.output
    db = raw(home)
    db.execute("UPDATE audit SET action = 'viewed' WHERE seq = 3")
    db.close()
    bad = runner.invoke(cli, ["audit", "verify"])
    assert bad.exit_code == 1
    assert "BROKEN at entry #3" in bad.output
    listing = runner.invoke(cli, ["audit", "list", "--limit", "3"])
    assert listing.exit_code == 0 and len(listing.output.splitlines()) == 3


def test_a_deleted_head_record_is_not_healed_by_the_next_entry(store_with_history) -> None:
    home, _ = store_with_history
    db = raw(home)
    db.execute("DELETE FROM meta WHERE key = 'audit_head'")
    db.close()
    first = verify(home)  # opening appends an entry: it must not make the log look whole again
    assert not first.ok
    assert not verify(home).ok


# --- history that cannot be erased without the key -------------------------------------------


def raw_all(home: Path) -> sqlite3.Connection:
    """The database as someone with file access but no passphrase has it: every trigger dropped."""
    db = raw(home)
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        db.execute(f"DROP TRIGGER {name}")
    return db


def test_the_log_starts_with_the_store_creation_bound_to_its_id(store_with_history) -> None:
    home, _ = store_with_history
    with Store.open(home, passphrase=PASS) as store:
        first = store.audit_entries()[0]
        assert store.verify_audit().ok
        store_id = store.store_id
    assert (first.seq, first.action, first.details) == (1, "store_created", {"store_id": store_id})


def test_deleting_the_whole_log_and_its_head_is_reported(store_with_history, monkeypatch) -> None:
    home, _ = store_with_history
    db = raw_all(home)
    db.execute("DELETE FROM audit")
    db.execute("DELETE FROM meta WHERE key = 'audit_head'")
    db.close()
    report = verify(home)  # opening writes a fresh "store_opened" entry #1: not the creation
    assert not report.ok and report.broken_at == 1 and "history was deleted" in report.reason
    monkeypatch.setenv("SCRIBE_PASSPHRASE", PASS)
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN at entry #1" in result.output


def test_an_empty_log_is_not_intact(store_with_history) -> None:
    home, _ = store_with_history
    with Store.open(home, passphrase=PASS) as store:
        db = raw_all(home)
        db.execute("DELETE FROM audit")
        db.execute("DELETE FROM meta WHERE key = 'audit_head'")
        db.close()
        report = store.verify_audit()
    assert not report.ok and "empty" in report.reason


def test_the_database_refuses_to_unsign_a_note(store_with_history) -> None:
    home, sid = store_with_history
    db = sqlite3.connect(home / "store.sqlite3", isolation_level=None)
    for tamper in (
        "DELETE FROM drafts WHERE status = 'signed'",
        "UPDATE sessions SET status = 'drafted', signed_at = NULL",
        "UPDATE sessions SET status = 'drafted'",
        "DELETE FROM sessions WHERE signed_at IS NOT NULL",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="signed"):
            db.execute(tamper)
    db.close()
    with Store.open(home, passphrase=PASS) as store:  # the store itself still deletes a whole session
        store.delete_session(sid)
        assert store.list_sessions() == [] and store.verify_audit().ok


def test_deleted_signed_versions_and_a_reset_status_are_reported(store_with_history, monkeypatch) -> None:
    home, sid = store_with_history
    with Store.open(home, passphrase=PASS) as store:
        signed_at = next(e.seq for e in store.audit_entries() if e.action == "signed")
    db = raw_all(home)
    db.execute("DELETE FROM drafts WHERE status = 'signed'")
    db.execute("UPDATE sessions SET status = 'drafted', signed_at = NULL WHERE id = ?", (sid,))
    db.close()
    with Store.open(home, passphrase=PASS) as store:
        assert store.get_session(sid).signed_at is None  # the note now looks never signed...
        report = store.verify_audit()
    assert not report.ok and report.broken_at == signed_at  # ...but the log says otherwise
    assert "signed version 2 of note n1" in report.reason
    monkeypatch.setenv("SCRIBE_PASSPHRASE", PASS)
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1 and f"BROKEN at entry #{signed_at}" in result.output


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("UPDATE sessions SET status = 'drafted', signed_at = NULL", "was signed"),
        ("DELETE FROM transcripts", "version 1 of the transcript"),
        ("DELETE FROM drafts WHERE status = 'draft'", "draft version 1 of note n1"),
        ("DELETE FROM drafts; DELETE FROM transcripts; DELETE FROM sessions", "is missing from the store"),
    ],
)
def test_records_the_log_vouches_for_are_checked(store_with_history, tamper: str, reason: str) -> None:
    home, _ = store_with_history
    db = raw_all(home)
    for statement in tamper.split(";"):
        db.execute(statement)
    db.close()
    report = verify(home)
    assert not report.ok and reason in report.reason, report


def test_orphan_and_missing_audio_are_reported(scribe_home: Path, tmp_path: Path) -> None:
    wav = tmp_path / "s.wav"
    wav.write_bytes(b"RIFF" + bytes(100))
    with Store.open(passphrase=PASS, create=True) as store:
        sid = store.create_session(CLIENT, consent=True)
        store.save_audio(sid, wav)
        assert store.verify_audit().ok
        (stored,) = (scribe_home / "audio").glob("*.ssa")
        orphan = scribe_home / "audio" / "0123abcd.ssa"
        orphan.write_bytes(b"SSAUD001" + bytes(40))
        report = store.verify_audit()
        assert not report.ok and "0123abcd.ssa" in report.reason and "not in its records" in report.reason
        orphan.unlink()
        stored.unlink()
        report = store.verify_audit()
        assert not report.ok and "audio file of session" in report.reason
    # the record of a recording deleted by hand, its file left behind: both ways it shows
    with Store.open(passphrase=PASS) as store:
        sid2 = store.create_session("OTHER", consent=True)
        store.save_audio(sid2, wav)
    db = raw_all(scribe_home)
    db.execute("DELETE FROM audio WHERE session_id = ?", (sid2,))
    db.close()
    report = verify(scribe_home)
    assert not report.ok and sid2[:8] in report.reason
