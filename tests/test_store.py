"""The encrypted session store (scribe.store): records, consent, signing, retention, damage, secrecy."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scribe.core.errors import ConsentError, NoteError, StoreError
from scribe.core.records import (
    Annotation,
    Evidence,
    NoteDraft,
    NoteHeader,
    NoteItem,
    NoteSection,
    RetentionPolicy,
    Segment,
    Transcript,
)
from scribe.store import Store, crypto

PASS = "correct horse battery"
PHRASE = "my sister Philippa moved to Tucson with the purple accordion"
CLIENT = "ZEBRA-CLIENT-4711"


def transcript(text: str = PHRASE, source: str = "audio") -> Transcript:
    segs = [
        Segment(
            id=0, start=0.0, end=2.0, text="How have things been this week?", speaker="S0", role="worker"
        ),
        Segment(id=1, start=2.0, end=6.0, text=text, speaker="S1", role="client"),
    ]
    return Transcript(segments=segs, duration=6.0, source=source)


def annotations(t: Transcript) -> list[Annotation]:
    ev = Evidence.of(t.segments[1])
    return [
        Annotation(id="a1", label="observation", subtype="housing", text="sister moved away", evidence=[ev])
    ]


def draft(t: Transcript, draft_id: str = "note-1") -> NoteDraft:
    item = NoteItem(id="s-1", text=f'Client reported "{PHRASE}".', evidence=[Evidence.of(t.segments[1])])
    return NoteDraft(
        id=draft_id,
        format="soap",
        header=NoteHeader(client_id=CLIENT),
        sections=[NoteSection(key="subjective", title="Subjective", items=[item])],
    )


def audio_file(tmp_path: Path, size: int = 3 * (1 << 20) + 123) -> Path:
    path = tmp_path / "session.wav"
    path.write_bytes(b"RIFF" + os.urandom(size - 4))
    return path


@pytest.fixture()
def store(scribe_home: Path):
    with Store.open(passphrase=PASS, create=True) as s:
        yield s


@pytest.fixture()
def full(store: Store, tmp_path: Path) -> tuple[Store, str, Path]:
    """A store holding one complete session: audio, transcript, annotations, draft."""
    sid = store.create_session(CLIENT, consent=True, session_type="individual", session_date="2025-03-04")
    src = audio_file(tmp_path)
    store.save_audio(sid, src)
    t = transcript()
    store.save_transcript(sid, t)
    store.save_annotations(sid, annotations(t))
    store.save_draft(sid, draft(t))
    return store, sid, src


def test_everything_round_trips_through_a_reopen(full: tuple[Store, str, Path], scribe_home: Path) -> None:
    store, sid, src = full
    store.close()
    with Store.open(passphrase=PASS) as again:
        info = again.get_session(sid)
        assert (info.client_id, info.session_date, info.consent, info.status) == (
            CLIENT,
            "2025-03-04",
            True,
            "drafted",
        )
        assert info.has_audio and info.has_transcript and info.draft_ids == ["note-1"]
        t = transcript()
        assert again.get_transcript(sid).to_dict() == {
            **t.to_dict(),
            "created_at": again.get_transcript(sid).created_at,
        }
        assert [a.to_dict() for a in again.get_annotations(sid)] == [a.to_dict() for a in annotations(t)]
        assert again.get_draft(sid).to_dict() == draft(t).to_dict() | {
            "created_at": again.get_draft(sid).created_at
        }
        chunks = list(again.audio_chunks(sid))
        assert max(len(c) for c in chunks) <= 1 << 20 and len(chunks) == 4  # streamed, never whole
        assert b"".join(chunks) == src.read_bytes()
        assert again.list_clients() == [CLIENT]
        assert again.verify_audit().ok


def test_new_store_files_are_private(store: Store, scribe_home: Path) -> None:
    assert stat.S_IMODE(scribe_home.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_recording_without_consent_is_refused(store: Store, tmp_path: Path) -> None:
    sid = store.create_session(CLIENT, consent=False)
    with pytest.raises(ConsentError, match="dictation"):
        store.require_recording_consent(sid)
    with pytest.raises(ConsentError):
        store.save_audio(sid, audio_file(tmp_path))
    with pytest.raises(ConsentError):
        store.save_transcript(sid, transcript(source="audio"))
    assert not list((store.home / "audio").iterdir())  # nothing was written first
    # Dictated and typed notes need no recording consent.
    assert store.save_transcript(sid, transcript(source="dictation")) == 1
    assert store.save_transcript(sid, transcript(source="text")) == 2


def test_consent_given_later_then_withdrawn_deletes_audio(store: Store, tmp_path: Path) -> None:
    sid = store.create_session(CLIENT, consent=False)
    store.set_consent(sid, True)
    store.save_audio(sid, audio_file(tmp_path))
    assert store.get_session(sid).has_audio
    store.set_consent(sid, False)
    info = store.get_session(sid)
    assert not info.consent and not info.has_audio and info.audio_deleted_at
    assert not list((store.home / "audio").iterdir())
    actions = [(e.action, e.details.get("reason")) for e in store.audit_entries(sid)]
    assert ("audio_deleted", "consent withdrawn") in actions


def test_save_audio_can_wipe_the_plaintext_source(store: Store, tmp_path: Path) -> None:
    sid = store.create_session(CLIENT, consent=True)
    src = audio_file(tmp_path, 5000)
    data = src.read_bytes()
    sha = store.save_audio(sid, src, remove_source=True)
    assert not src.exists()
    assert sha == hashlib.sha256(data).hexdigest()
    assert b"".join(store.audio_chunks(sid)) == data


def test_transcripts_and_annotations_keep_their_versions(store: Store) -> None:
    sid = store.create_session(CLIENT, consent=True)
    assert store.get_transcript(sid) is None and store.get_annotations(sid) == []
    store.save_transcript(sid, transcript("first wording"))
    assert store.save_transcript(sid, transcript("corrected wording")) == 2
    assert store.get_transcript(sid).segments[1].text == "corrected wording"
    assert store.get_transcript(sid, version=1).segments[1].text == "first wording"
    assert store.get_session(sid).status == "transcribed"


def test_a_note_is_not_signed_while_a_risk_indicator_is_undecided(full: tuple[Store, str, Path]) -> None:
    store, sid, _ = full
    t = store.get_transcript(sid)
    risk = Annotation(
        id="r1", label="risk", subtype="suicidal_ideation", text="thoughts of ending life",
        evidence=[Evidence.of(t.segments[1])],
    )  # fmt: skip
    store.save_annotations(sid, [*annotations(t), risk])
    with pytest.raises(NoteError, match="1 risk indicator"):
        store.sign_draft(sid)
    assert store.get_session(sid).status != "signed" and store.get_draft(sid).signed_at is None
    for decision in ("rejected", "accepted"):  # either decision lets the note be signed
        risk.review = decision
        store.save_annotations(sid, [*annotations(t), risk])
    assert store.sign_draft(sid).signed_at


def test_signed_notes_are_immutable_and_amendments_are_new_versions(full: tuple[Store, str, Path]) -> None:
    store, sid, _ = full
    signed = store.sign_draft(sid, "note-1", signed_by="J. Worker, LCSW")
    assert signed.signed_by == "J. Worker, LCSW" and signed.edits[-1].action == "sign"
    assert store.get_session(sid).status == "signed"
    with pytest.raises(StoreError, match="already signed"):
        store.sign_draft(sid)
    # The database itself refuses to edit a saved version.
    with sqlite3.connect(store.path) as raw, pytest.raises(sqlite3.IntegrityError, match="immutable"):
        raw.execute("UPDATE drafts SET status = 'draft' WHERE version = 2")
    amendment = store.amend_draft(sid)
    assert amendment.signed_at is None
    amendment.sections[0].items[0].text = "Client reported her sister moved away (amended)."
    store.save_draft(sid, amendment)
    assert store.get_session(sid).status == "amending"
    store.sign_draft(sid)
    history = store.draft_history(sid, "note-1")
    assert [(v.version, v.status, v.amends) for v in history] == [
        (1, "draft", None),
        (2, "signed", None),
        (3, "draft", 2),
        (4, "draft", 2),
        (5, "signed", 2),
    ]
    assert PHRASE in store.get_draft(sid, "note-1", version=2).sections[0].items[0].text  # original intact
    assert "amended" in store.get_draft(sid).sections[0].items[0].text


def test_tampered_status_or_swapped_ciphertext_is_detected(
    full: tuple[Store, str, Path], tmp_path: Path
) -> None:
    store, sid, _ = full
    other = store.create_session("OTHER-1", consent=True)
    store.save_transcript(other, transcript("a different session entirely"))
    store.sign_draft(sid)
    with sqlite3.connect(store.path) as raw:
        raw.execute("DROP TRIGGER drafts_immutable")
        raw.execute("UPDATE drafts SET status = 'draft' WHERE status = 'signed'")
        raw.execute(
            "UPDATE transcripts SET data = (SELECT data FROM transcripts WHERE session_id = ?) WHERE session_id = ?",
            (other, sid),
        )
    with pytest.raises(StoreError, match="integrity"):
        store.get_draft(sid)
    with pytest.raises(StoreError, match="integrity"):
        store.get_transcript(sid)


def test_draft_ids_belong_to_one_session(store: Store) -> None:
    a = store.create_session(CLIENT, consent=True)
    b = store.create_session(CLIENT, consent=True)
    store.save_draft(a, draft(transcript()))
    with pytest.raises(StoreError, match="another session"):
        store.save_draft(b, draft(transcript()))
    with pytest.raises(StoreError, match="no draft to sign"):
        store.sign_draft(b)


def test_list_sessions_newest_first_and_by_client(store: Store) -> None:
    a = store.create_session("C-1", consent=True)
    b = store.create_session("C-2", consent=False, session_type="family")
    c = store.create_session("C-1", consent=True)
    assert [s.id for s in store.list_sessions()] == [c, b, a]
    assert [s.id for s in store.list_sessions("C-1")] == [c, a]
    assert store.list_sessions("nobody") == []
    assert store.resolve_session_id(b[:8]) == b
    with pytest.raises(StoreError, match="no session"):
        store.resolve_session_id("ffffffffffff0")
    with pytest.raises(StoreError, match="not a session id"):
        store.resolve_session_id("'; DROP TABLE")
    with pytest.raises(StoreError, match="client identifier"):
        store.create_session("   ", consent=True)


def test_delete_session_removes_content_and_audio_file(full: tuple[Store, str, Path]) -> None:
    store, sid, _ = full
    store.sign_draft(sid)
    assert len(list((store.home / "audio").iterdir())) == 1
    store.delete_session(sid)
    assert not list((store.home / "audio").iterdir())
    with pytest.raises(StoreError, match="no session"):
        store.get_session(sid)
    raw = sqlite3.connect(store.path)
    for table in ("transcripts", "annotations", "drafts", "audio", "sessions", "clients", "pending_wipe"):
        assert raw.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,), table
    raw.close()
    assert [e.action for e in store.audit_entries(sid)][-1] == "session_deleted"
    assert store.verify_audit().ok


def test_retention_after_days(full: tuple[Store, str, Path]) -> None:
    store, sid, _ = full
    assert store.apply_retention(datetime.now(UTC) + timedelta(days=1000)) == []  # default: keep
    assert store.set_retention(RetentionPolicy("delete_after_days", 30)) == []
    assert store.apply_retention(datetime.now(UTC) + timedelta(days=29)) == []
    assert store.apply_retention(datetime.now(UTC) + timedelta(days=31)) == [sid]
    assert not store.get_session(sid).has_audio
    assert store.get_transcript(sid) is not None  # only raw audio is subject to retention
    entry = next(e for e in store.audit_entries(sid) if e.action == "audio_deleted")
    assert entry.details["reason"] == "retention: delete after 30 days"
    with pytest.raises(StoreError, match="no stored audio"):
        store.audio_chunks(sid)


def test_retention_is_enforced_when_the_store_opens(full: tuple[Store, str, Path], monkeypatch) -> None:
    store, sid, _ = full
    store.set_retention(RetentionPolicy("delete_after_days", 7))
    store.close()

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return datetime.now(tz) + timedelta(days=8)

    monkeypatch.setattr("scribe.store.audio.datetime", Later)
    with Store.open(passphrase=PASS) as again:
        assert not again.get_session(sid).has_audio
        assert again.retention == RetentionPolicy("delete_after_days", 7)


def test_retention_when_signed(full: tuple[Store, str, Path]) -> None:
    store, sid, _ = full
    store.set_retention(RetentionPolicy("delete_when_signed"))
    assert store.get_session(sid).has_audio
    store.sign_draft(sid)
    assert not store.get_session(sid).has_audio
    assert not list((store.home / "audio").iterdir())
    with pytest.raises(StoreError, match="Unknown retention"):
        store.set_retention(RetentionPolicy("forever"))
    with pytest.raises(StoreError, match="how many days"):
        store.set_retention(RetentionPolicy("delete_after_days", 0))


def test_export_session_writes_everything_decrypted(full: tuple[Store, str, Path], tmp_path: Path) -> None:
    store, sid, src = full
    store.sign_draft(sid)
    out = store.export_session(sid, tmp_path / "export", include_audio=True)
    data = json.loads(out.read_text())
    assert data["session"]["client_id"] == CLIENT
    assert PHRASE in data["transcript"]["segments"][1]["text"]
    assert [v["status"] for v in data["drafts"][0]["versions"]] == ["draft", "signed"]
    assert (tmp_path / "export" / f"session-{sid}.wav").read_bytes() == src.read_bytes()
    assert "exported" in [e.action for e in store.audit_entries(sid)]


def test_note_exports_are_logged(full: tuple[Store, str, Path], tmp_path: Path) -> None:
    store, sid, _ = full
    store.log_export(sid, "pdf", draft_id="note-1", dest=tmp_path / "note.pdf")
    store.log_export(sid, "md")
    entries = store.audit_entries(sid)[-2:]
    assert [e.action for e in entries] == ["exported", "exported"]
    assert entries[0].details == {
        "what": "note",
        "format": "pdf",
        "draft_id": "note-1",
        "dest": str(tmp_path / "note.pdf"),
    }
    assert entries[1].details == {"what": "note", "format": "md"}
    with pytest.raises(StoreError, match="no session"):
        store.log_export("0" * 32, "pdf")
    assert store.verify_audit().ok


def test_wrong_passphrase_is_clear_and_changes_nothing(full: tuple[Store, str, Path]) -> None:
    store, sid, _ = full
    store.close()
    files = {p.name: p.read_bytes() for p in sorted(store.home.rglob("*")) if p.is_file()}
    for create in (False, True):
        with pytest.raises(StoreError, match="Wrong passphrase"):
            Store.open(passphrase="not the passphrase", create=create)
    after = {p.name: p.read_bytes() for p in sorted(store.home.rglob("*")) if p.is_file()}
    # Only the count of failed tries is written, beside the store (it slows down guessing).
    assert b'"failures": 2' in after.pop("unlock-failures.json")
    assert after == files
    with Store.open(passphrase=PASS) as again:
        assert again.get_transcript(sid).segments[1].text == PHRASE


def test_change_passphrase_rewraps_only_the_key(full: tuple[Store, str, Path]) -> None:
    store, sid, src = full
    audio_before = sorted((store.home / "audio").iterdir())[0].read_bytes()
    store.change_passphrase("a brand new passphrase")
    store.close()
    with pytest.raises(StoreError, match="Wrong passphrase"):
        Store.open(passphrase=PASS)
    with Store.open(passphrase="a brand new passphrase") as again:
        assert b"".join(again.audio_chunks(sid)) == src.read_bytes()
        assert again.get_transcript(sid).segments[1].text == PHRASE
        assert "passphrase_changed" in [e.action for e in again.audit_entries()]
    assert sorted((store.home / "audio").iterdir())[0].read_bytes() == audio_before  # not re-encrypted
    with pytest.raises(StoreError, match="at least 8"):
        Store.open(passphrase="a brand new passphrase").change_passphrase("short")


def test_default_kdf_is_used_for_real_stores(scribe_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(crypto.FAST_KDF_ENV)
    with Store.open(passphrase=PASS, create=True):
        pass
    raw = sqlite3.connect(scribe_home / "store.sqlite3")
    kdf = json.loads(raw.execute("SELECT value FROM meta WHERE key = 'kdf'").fetchone()[0])
    raw.close()
    assert (kdf["algorithm"], kdf["memory_kib"], kdf["time_cost"]) == ("argon2id", 65536, 3)
    with Store.open(passphrase=PASS) as again:
        assert again.verify_audit().ok


def test_opening_without_a_store(scribe_home: Path) -> None:
    assert not Store.exists()
    with pytest.raises(StoreError, match="no session store"):
        Store.open(passphrase=PASS)
    with pytest.raises(StoreError, match="at least 8"):
        Store.open(passphrase="short", create=True)


def _damage(path: Path, how: str) -> None:
    blob = bytearray(path.read_bytes())
    if how == "header":
        blob[:16] = b"this is not sql!"
    elif how == "pages":
        for page in range(1, len(blob) // 4096):
            blob[page * 4096 : page * 4096 + 64] = os.urandom(64)
    elif how == "truncated":
        blob = blob[: len(blob) // 3]
    elif how == "zeros":
        blob[4096:] = bytes(len(blob) - 4096)
    path.write_bytes(bytes(blob))


@pytest.mark.parametrize("how", ["header", "pages", "truncated", "zeros"])
def test_corrupt_store_file_is_detected_and_reported(full: tuple[Store, str, Path], how: str) -> None:
    store, _, _ = full
    store.close()  # checkpoints the WAL into the main file
    assert not Path(str(store.path) + "-wal").exists()
    _damage(store.path, how)
    with pytest.raises(StoreError, match="damaged") as err:
        Store.open(passphrase=PASS)
    assert str(store.path) in str(err.value)


def test_orphaned_audio_from_a_dead_writer_is_wiped_at_open(store: Store) -> None:
    orphan = store.home / "audio" / "deadbeef.ssa"
    orphan.write_bytes(b"half an encrypted file")
    with sqlite3.connect(store.path) as raw:
        raw.execute(
            "INSERT INTO pending_wipe VALUES ('deadbeef.ssa', 2147480000, '2025-01-01T00:00:00+00:00')"
        )
    store.close()
    with Store.open(passphrase=PASS):
        assert not orphan.exists()


def _files_under(home: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in home.rglob("*") if p.is_file()}


def test_data_directory_holds_no_plaintext(full: tuple[Store, str, Path], scribe_home: Path) -> None:
    """Nothing readable at rest: strings / sqlite3 on the data dir show no transcript or audio."""
    store, sid, src = full
    audio = src.read_bytes()
    store.get_transcript(sid)  # reads too, so nothing is cached in the clear
    needles = [
        PHRASE,
        "Philippa",
        "purple accordion",
        CLIENT,
        "sister moved away",
        "2025-03-04",
        "session.wav",
    ]
    windows = [audio[i : i + 32] for i in range(0, len(audio) - 32, len(audio) // 50)]

    def check(files: dict[str, bytes]) -> None:
        assert files
        for name, blob in files.items():
            for needle in needles:
                for enc in ("utf-8", "utf-16-le"):
                    assert needle.encode(enc) not in blob, f"{needle!r} in clear in {name}"
            for w in windows:
                assert w not in blob, f"audio bytes in clear in {name}"

    wal = Path(str(store.path) + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the write-ahead log is inspected too
    check(_files_under(scribe_home))
    for tool in (["strings", "-a", "-n", "6"], ["sqlite3", "-readonly"]):
        if shutil.which(tool[0]) is None:
            continue
        for f in [store.path, wal]:
            args = [*tool, str(f)] + ([".dump"] if tool[0] == "sqlite3" else [])
            if tool[0] == "sqlite3" and f == wal:
                continue
            out = subprocess.run(args, capture_output=True, text=True, errors="replace", check=True).stdout
            assert out
            assert not any(n in out for n in needles), tool
    store.close()
    check(_files_under(scribe_home))


def test_damaged_or_missing_audio_file_is_reported(full: tuple[Store, str, Path], tmp_path: Path) -> None:
    store, sid, _ = full
    (enc,) = (store.home / "audio").iterdir()
    blob = bytearray(enc.read_bytes())
    blob[len(blob) // 2] ^= 0x40
    enc.write_bytes(bytes(blob))
    with pytest.raises(StoreError, match="integrity check at chunk 1"):
        list(store.audio_chunks(sid))
    with pytest.raises(StoreError, match="Could not write the audio"):
        store.export_audio(sid, tmp_path / "no" / "such" / "dir" / "a.wav")
    enc.unlink()
    with pytest.raises(StoreError, match="missing"):
        store.audio_chunks(sid)
