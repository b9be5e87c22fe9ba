"""`scribe sessions ...` and the passphrase helper other commands use (CliRunner, real store)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from scribe.cli import cli
from scribe.cli.sessions import open_store_from_env_or_prompt
from scribe.core.errors import ConsentError, StoreError
from scribe.core.records import Evidence, NoteDraft, NoteItem, NoteSection, Segment, Transcript
from scribe.store import Store
from scribe.workflow import save_session

PASS = "correct horse battery"
CLIENT = "WOMBAT-77"


@pytest.fixture()
def session(scribe_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SCRIBE_PASSPHRASE", PASS)
    seg = Segment(id=0, start=3.0, end=6.0, text="I want to sleep through the night.", role="client")
    audio = tmp_path / "rec.wav"
    audio.write_bytes(b"RIFF" + bytes(range(256)) * 40)
    with Store.open(passphrase=PASS, create=True) as store:
        sid = store.create_session(CLIENT, consent=True, session_type="family", session_date="2025-02-01")
        store.save_audio(sid, audio)
        store.save_transcript(sid, Transcript(segments=[seg]))
        item = NoteItem(id="g1", text='Client goal: "sleep through the night".', evidence=[Evidence.of(seg)])
        store.save_draft(
            sid, NoteDraft(id="n1", format="soap", sections=[NoteSection("plan", "Plan", items=[item])])
        )
    return sid


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_list_and_show(session: str) -> None:
    out = run("sessions", "list")
    assert out.exit_code == 0, out.output
    assert session[:8] in out.output and CLIENT in out.output and "family" in out.output
    shown = run("sessions", "show", session[:8], "--transcript", "--note")
    assert shown.exit_code == 0, shown.output
    assert "I want to sleep through the night." in shown.output
    assert "sleep through the night" in shown.output.split("Draft")[-1]
    assert "recording allowed" in shown.output and "n1 (soap)" in shown.output


def test_export_writes_json_audio_and_note(session: str, tmp_path: Path) -> None:
    dest = tmp_path / "out"
    out = run("sessions", "export", session[:10], "-o", str(dest), "--audio", "--note", "md")
    assert out.exit_code == 0, out.output
    data = json.loads((dest / f"session-{session}.json").read_text())
    assert data["session"]["client_id"] == CLIENT
    assert (dest / f"session-{session}.wav").read_bytes().startswith(b"RIFF")
    assert "sleep through the night" in (dest / f"note-{session[:8]}.md").read_text()
    assert "not encrypted" in out.output


def test_note_export_is_in_the_audit_log(session: str, tmp_path: Path) -> None:
    dest = tmp_path / "out"
    assert run("sessions", "export", session[:8], "-o", str(dest), "--note", "docx").exit_code == 0
    with Store.open(passphrase=PASS) as store:
        exported = [e.details for e in store.audit_entries(session) if e.action == "exported"]
    assert exported[0]["what"] == "session"
    assert exported[1] == {
        "what": "note",
        "format": "docx",
        "draft_id": "n1",
        "dest": str(dest / f"note-{session[:8]}.docx"),
    }
    verified = run("audit", "verify")
    assert verified.exit_code == 0 and "chain intact" in verified.output


def test_save_session_is_all_or_nothing(session: str, tmp_path: Path) -> None:
    """A part that cannot be saved (here: a recording without consent) leaves no half session behind."""
    audio = tmp_path / "rec.wav"
    with Store.open(passphrase=PASS) as store:
        with pytest.raises(ConsentError):
            save_session(store, "NEW-CLIENT", False, Transcript(segments=[]), audio=audio)
        assert [s.id for s in store.list_sessions()] == [session]
        assert store.verify_audit().ok


def test_delete_asks_first(session: str) -> None:
    no = run("sessions", "delete", session[:8], input="n\n")
    assert no.exit_code == 1 and "Aborted" in no.output
    assert session[:8] in run("sessions", "list").output
    yes = run("sessions", "delete", session[:8], "--yes")
    assert yes.exit_code == 0, yes.output
    assert "No sessions stored." in run("sessions", "list").output


def test_retention_and_passphrase_commands(session: str, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = run("sessions", "retention")
    assert "keep raw audio" in shown.output
    assert (
        run("sessions", "retention", "--after-days", "14").output.strip().endswith("14 days after recording.")
    )
    assert "must have" not in run("sessions", "retention", "--when-signed").output
    assert "when the note is signed" in run("sessions", "retention").output
    monkeypatch.setenv("SCRIBE_NEW_PASSPHRASE", "another good passphrase")
    assert run("sessions", "passphrase").exit_code == 0
    bad = run("sessions", "list")
    assert bad.exit_code == 1 and "Wrong passphrase" in bad.output
    monkeypatch.setenv("SCRIBE_PASSPHRASE", "another good passphrase")
    assert run("sessions", "list").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sessions", "show", "abc123"], "no session 'abc123'"),
        (["sessions", "show", "not-hex!"], "not a session id"),
        (["sessions", "export", "0"], "Missing option"),
    ],
)
def test_bad_input_gives_one_line_errors(session: str, args: list[str], message: str) -> None:
    out = run(*args)
    assert out.exit_code != 0
    assert message in out.output
    assert "Traceback" not in out.output


def test_wrong_passphrase_and_damaged_store(session: str, scribe_home: Path, monkeypatch) -> None:
    monkeypatch.setenv("SCRIBE_PASSPHRASE", "wrong passphrase")
    out = run("sessions", "list")
    assert out.exit_code == 1 and "Wrong passphrase" in out.output and "Traceback" not in out.output
    monkeypatch.setenv("SCRIBE_PASSPHRASE", PASS)
    (scribe_home / "store.sqlite3").write_bytes(b"garbage" * 1000)
    out = run("sessions", "list")
    assert out.exit_code == 1 and "damaged" in out.output and "Traceback" not in out.output


def test_no_store_yet(scribe_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRIBE_PASSPHRASE", PASS)
    out = run("sessions", "list")
    assert out.exit_code == 1 and "no session store yet" in out.output
    assert run("audit", "verify").exit_code == 1


def test_helper_prompts_twice_when_creating_and_once_after(
    scribe_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCRIBE_PASSPHRASE", raising=False)

    @click.command()
    def save() -> None:
        with open_store_from_env_or_prompt(create=True) as store:
            click.echo(store.create_session("C-1", consent=False))

    first = CliRunner().invoke(save, input=f"{PASS}\n{PASS}\n")
    assert first.exit_code == 0, first.output
    assert "Choose a passphrase" in first.output and "Repeat for confirmation" in first.output
    second = CliRunner().invoke(save, input=f"{PASS}\n")
    assert second.exit_code == 0, second.output
    with Store.open(passphrase=PASS) as store:
        assert len(store.list_sessions("C-1")) == 2


def _save_command() -> click.Command:
    @click.command()
    def save() -> None:
        with open_store_from_env_or_prompt(create=True) as store:
            click.echo(store.create_session("C-1", consent=False))

    return save


def test_a_refused_first_passphrase_leaves_no_store(
    scribe_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typed twice differently, or too short: nothing is created, and the next run asks twice again."""
    monkeypatch.delenv("SCRIBE_PASSPHRASE", raising=False)
    save = _save_command()
    typo = CliRunner().invoke(save, input=f"{PASS}\n{PASS}x\n")  # then the input ends: the worker gave up
    assert typo.exit_code != 0 and "do not match" in typo.output
    short = CliRunner().invoke(save, input="short\n")
    assert short.exit_code != 0 and "at least 8 characters" in short.output
    assert not (scribe_home / "store.sqlite3").exists() and not Store.exists()
    # A short passphrase is refused at the prompt, which asks again; the confirmed one is the key.
    ok = CliRunner().invoke(save, input=f"short\n{PASS}\n{PASS}\n")
    assert ok.exit_code == 0, ok.output
    assert ok.output.count("Choose a passphrase") == 2 and "Repeat for confirmation" in ok.output
    with Store.open(passphrase=PASS) as store:
        assert len(store.list_sessions("C-1")) == 1


def test_a_short_passphrase_creates_no_file_through_the_library(scribe_home: Path) -> None:
    with pytest.raises(StoreError, match="at least 8"):
        Store.open(passphrase="short", create=True)
    assert not (scribe_home / "store.sqlite3").exists()


def test_an_unfinished_store_file_is_created_anew_with_confirmation(
    scribe_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file a crash left before the key was written is not a store: the next run asks twice."""
    import sqlite3

    scribe_home.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(scribe_home / "store.sqlite3")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
    db.close()
    monkeypatch.delenv("SCRIBE_PASSPHRASE", raising=False)
    assert not Store.exists()
    ok = CliRunner().invoke(_save_command(), input=f"{PASS}\n{PASS}\n")
    assert ok.exit_code == 0 and "Repeat for confirmation" in ok.output, ok.output
    with Store.open(passphrase=PASS) as store:
        assert store.verify_audit().ok


@pytest.mark.parametrize("kind", ["md", "docx", "pdf", "txt"])
def test_decrypted_exports_are_readable_by_the_user_only(
    session: str, tmp_path: Path, request: pytest.FixtureRequest, kind: str
) -> None:
    old_umask = os.umask(0o022)  # the usual umask: without care a new file is world-readable (0644)
    request.addfinalizer(lambda: os.umask(old_umask))
    dest = tmp_path / "out"
    out = run("sessions", "export", session[:8], "-o", str(dest), "--audio", "--note", kind)
    assert out.exit_code == 0, out.output
    files = sorted(dest.iterdir())
    assert len(files) == 3  # the JSON, the audio, the note; no temporary file left
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {f.name: 0o600 for f in files}
    # `scribe note -o` writes its note the same way, also over an older world-readable file
    note = tmp_path / f"note.{kind}"
    note.write_text("old")
    os.chmod(note, 0o644)
    seg = json.dumps(
        {"segments": [{"id": 0, "start": 0, "end": 2, "text": "I slept badly."}], "source": "text"}
    )
    (tmp_path / "t.json").write_text(seg)
    (tmp_path / "a.json").write_text("[]")
    made = run(
        "note",
        str(tmp_path / "t.json"),
        "--annotations",
        str(tmp_path / "a.json"),
        "--no-store",
        "-o",
        str(note),
    )
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(note.stat().st_mode) == 0o600 and note.read_bytes() != b"old"
    assert "0600" in run("note", "--help").output and "0600" in run("sessions", "export", "--help").output


def test_one_damaged_session_does_not_hide_the_others(session: str, scribe_home: Path) -> None:
    import sqlite3

    with Store.open(passphrase=PASS) as store:
        second = store.create_session("KOALA-2", consent=False)
        third = store.create_session("EMU-3", consent=False)
    db = sqlite3.connect(scribe_home / "store.sqlite3", isolation_level=None)
    db.execute("UPDATE sessions SET info = zeroblob(60) WHERE id = ?", (second,))
    db.close()
    out = run("sessions", "list")
    assert out.exit_code == 1
    lines = out.output.splitlines()
    assert any(session[:8] in line and CLIENT in line for line in lines)
    assert any(third[:8] in line and "EMU-3" in line for line in lines)
    assert lines[-1].startswith("Error: 1 session(s) could not be read") and second[:8] in lines[-1]
    assert not any(line.startswith(second[:8]) for line in lines)
    with Store.open(passphrase=PASS) as store, pytest.raises(StoreError):
        store.list_sessions()  # the library stays strict unless asked to collect the damaged
