"""Transcription never touches the network: run the real CLI with sockets guarded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GUARD = Path(__file__).parent / "netguard"


def run_guarded(args: list[str], tmp_path: Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    log = tmp_path / "net.log"
    env = dict(os.environ, PYTHONPATH=str(GUARD), NETGUARD_LOG=str(log))
    # Remove the offline switches: the program itself must not need them to stay offline.
    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        env.pop(key, None)
    proc = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=600)
    attempts = log.read_text().splitlines() if log.exists() else []
    return proc, attempts


def test_guard_catches_a_connection(tmp_path: Path) -> None:
    """The guard itself works, so the next test can fail."""
    code = "import socket\ntry:\n    socket.create_connection(('93.184.216.34', 80), timeout=1)\nexcept OSError:\n    pass"
    proc, attempts = run_guarded(["-c", code], tmp_path)
    assert proc.returncode == 0
    assert attempts and "93.184.216.34" in attempts[0]


@pytest.mark.slow
def test_transcription_attempts_no_connection(tmp_path: Path) -> None:
    import synth

    samples, _ = synth.dialogue(synth.COUNSELLING_TURNS[1:2])
    path = synth.write_wav(tmp_path / "clip.wav", samples)
    out = tmp_path / "t.json"
    proc, attempts = run_guarded(
        ["-m", "scribe.cli", "transcribe", str(path), "--model", "base", "-o", str(out)], tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert attempts == []
    assert "sleeping" in out.read_text()
