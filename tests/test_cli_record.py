"""``scribe record`` / ``scribe recover`` and the encrypted store: consent first, then stored, plain files gone.

Recordings go through the real PulseAudio server and PortAudio (see test_record.py)
and a real store (cheap KDF from conftest.py). The full-disk case uses a real small
tmpfs for the store, skipped where mounting is not allowed.
"""

from __future__ import annotations

import hashlib
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from test_record import DEVICE, Child, play

import synth
from scribe.asr.metrics import normalize
from scribe.audio.wavfile import SAMPLE_RATE
from scribe.cli import cli
from scribe.core.records import Transcript
from scribe.store import Store

PASS = "correct horse battery"
CLIENT = "C-7 KOALA"
RECORD = ("record", "--device", DEVICE, "--model", "tiny.en", "--window", "5")


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """Two short utterances (as in test_record.py) as WAV files, with their text."""
    if not synth.have_espeak():
        pytest.skip("espeak-ng is not installed (scripts/setup.sh --test installs it)")
    root = tmp_path_factory.mktemp("said")
    texts = {
        "a": ("worker", "Good morning. Please tell me how your week has been."),
        "c": ("worker", "Thank you. We will meet again next Tuesday afternoon."),
    }
    out = {}
    for key, (voice, text) in texts.items():
        samples = np.concatenate([synth.speak(text, voice), np.zeros(SAMPLE_RATE // 2, dtype=np.float32)])
        out[key] = (synth.write_wav(root / f"{key}.wav", samples), text)
    return out


@pytest.fixture
def passphrase(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SCRIBE_PASSPHRASE", PASS)
    return PASS


def only_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), output
    return lines[0]


def test_without_consent_recording_is_refused_before_the_microphone(
    tmp_path: Path, scribe_home: Path, passphrase: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    # A device that does not exist: had the microphone been looked up, the error would name it.
    for flags in (
        [],
        ["--client", CLIENT],
        ["--client", CLIENT, "--no-consent"],
        ["--no-consent", "--no-store"],
    ):
        result = CliRunner().invoke(cli, ["record", "--device", "no such microphone", *flags])
        assert result.exit_code == 1, result.output
        line = only_line(result.output)
        assert "consent" in line and "scribe dictate" in line and "scribe note --text" in line, line
    assert not list(tmp_path.glob("session-*")) and not Store.exists()
    # With consent but no client, storing is refused too, before any recording.
    no_client = CliRunner().invoke(cli, ["record", "--consent", "-o", str(tmp_path / "s")])
    assert no_client.exit_code == 1 and "--client" in only_line(no_client.output)


def record_two_utterances(pulse_server, speech, *flags: str, cwd: Path) -> tuple[int, str]:
    child = Child(*RECORD, *flags, cwd=cwd)
    child.wait_for("Recording started.")
    play(pulse_server, speech["a"][0])
    play(pulse_server, speech["c"][0])
    time.sleep(0.3)
    child.proc.send_signal(signal.SIGINT)
    code, _, stderr = child.finish()
    return code, stderr


@pytest.mark.slow
def test_record_with_consent_is_stored_encrypted_and_the_plain_files_wiped(
    pulse_server, speech, tmp_path: Path, scribe_home: Path, passphrase: str
) -> None:
    code, stderr = record_two_utterances(pulse_server, speech, "--client", CLIENT, "--consent", cwd=tmp_path)
    assert code == 0, stderr
    assert not list(tmp_path.glob("session-*")), "the plain session folder should be wiped"
    with Store.open(passphrase=PASS) as store:
        (session,) = store.list_sessions()
        assert (
            session.client_id == CLIENT and session.consent and session.has_audio and session.has_transcript
        )
        transcript = store.get_transcript(session.id)
        audio = b"".join(store.audio_chunks(session.id))
        assert store.verify_audit().ok
    assert f"Saved session {session.id[:8]}" in stderr
    assert {"morning", "week", "tuesday"} <= set(normalize(transcript.text)), transcript.text
    # The stored audio is the recording, byte for byte (the transcript fingerprinted it).
    assert audio.startswith(b"RIFF") and len(audio) > 4 * 2 * SAMPLE_RATE
    assert transcript.audio is not None and transcript.audio.sha256 == hashlib.sha256(audio).hexdigest()
    for path in scribe_home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"morning" not in data.lower() and CLIENT.encode() not in data, path
    listed = CliRunner().invoke(cli, ["sessions", "list"])
    assert listed.exit_code == 0 and session.id[:8] in listed.output and CLIENT[:16] in listed.output
    assert "chain intact" in CliRunner().invoke(cli, ["audit", "verify"]).output


@pytest.fixture
def small_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The data directory on a real tmpfs with 320 KiB free: the store fits, a few seconds of audio do not.

    Another 320 KiB are taken by ``filler``, which a test can delete to free space again.
    """
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=640k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.decode().strip()})")
    (mount / "filler").write_bytes(b"\0" * 320 * 1024)
    monkeypatch.setenv("SCRIBE_HOME", str(mount / "home"))
    yield mount / "home"
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow
def test_a_store_that_cannot_be_written_keeps_the_files_and_says_where(
    pulse_server, speech, tmp_path: Path, small_home: Path, passphrase: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    code, stderr = record_two_utterances(pulse_server, speech, "--client", CLIENT, "--consent", cwd=work)
    (folder,) = work.glob("session-*")
    assert code == 1 and "NOT saved in the encrypted store" in stderr, stderr
    error = next(line for line in stderr.splitlines() if line.startswith("Error: "))
    assert folder.name in error and "No space left" in error and "scribe recover" in error, error
    assert {p.name for p in folder.iterdir()} == {"session.wav", "transcript.json", "transcript.txt"}
    assert "tuesday" in Transcript.load(folder / "transcript.json").text.lower()
    (small_home.parent / "filler").unlink()  # the worker frees disk space, then opens the store
    with Store.open(passphrase=PASS) as store:  # all or nothing: no half-saved session left behind
        assert store.list_sessions() == [] and store.verify_audit().ok


def test_recover_stores_with_consent_and_keeps_the_folder(
    speech, tmp_path: Path, scribe_home: Path, passphrase: str
) -> None:
    folder = tmp_path / "visit"
    folder.mkdir()
    shutil.copy(speech["a"][0], folder / "session.wav")
    refused = CliRunner().invoke(cli, ["recover", str(folder), "--client", CLIENT])
    assert refused.exit_code == 1 and "consent" in only_line(refused.output) and not Store.exists()

    result = CliRunner().invoke(
        cli, ["recover", str(folder), "-m", "tiny.en", "--client", CLIENT, "--consent"]
    )
    assert result.exit_code == 0, result.output
    assert "Saved session" in result.output and "stay" in result.output
    assert {p.name for p in folder.iterdir()} == {"session.wav", "transcript.json", "transcript.txt"}
    with Store.open(passphrase=PASS) as store:
        (session,) = store.list_sessions()
        assert session.has_audio and "morning" in store.get_transcript(session.id).text.lower()
        assert b"".join(store.audio_chunks(session.id)) == (folder / "session.wav").read_bytes()
