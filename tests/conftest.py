"""Shared fixtures: temporary user directories, generated speech, the tiny model."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(Path(__file__).parent))

import synth  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture(autouse=True)
def scribe_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty user data directory (never the real one)."""
    home = tmp_path / "scribe-home"
    monkeypatch.setenv("SCRIBE_HOME", str(home))
    # Session stores created by tests use cheap Argon2id settings (test_store.py checks the default once).
    monkeypatch.setenv("SCRIBE_INSECURE_FAST_KDF", "1")
    return home


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"evaluation data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sample_session(repo_root: Path) -> Path:
    """The bundled fictional counselling session (scripts/make_sample.py)."""
    return repo_root / "samples" / "session.ogg"


@pytest.fixture(scope="session")
def counselling_dialogue(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[synth.Turn]]:
    """A ~58 s two-voice counselling dialogue with known words and turn times."""
    if not synth.have_espeak():
        pytest.skip("espeak-ng is not installed (scripts/setup.sh --test installs it)")
    samples, turns = synth.dialogue(synth.COUNSELLING_TURNS)
    path = synth.write_wav(tmp_path_factory.mktemp("speech") / "dialogue.wav", samples)
    return path, turns


@pytest.fixture(scope="session")
def tiny():
    """The packaged tiny.en model, loaded once for the whole run."""
    from scribe.transcribe import Transcriber

    return Transcriber("tiny.en")
