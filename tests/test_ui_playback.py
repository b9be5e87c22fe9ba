"""The desk's playback copy and clips: cut from the encrypted recording, readable by other audio tools."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import synth
from scribe.audio import decode as audio_io
from ui import playback, start
from ui.state import Desk

RATE = audio_io.SAMPLE_RATE


@pytest.fixture
def desk_with_audio(tmp_path: Path) -> tuple[Desk, np.ndarray]:
    """An unlocked desk whose open session holds 4 s of a rising tone (each sample tells its place)."""
    t = np.arange(4 * RATE) / RATE
    samples = (0.5 * np.sin(2 * np.pi * (200 + 100 * t) * t)).astype(np.float32)
    wav = synth.write_wav(tmp_path / "rec.wav", samples)
    desk, *_ = start.unlock(Desk(model="tiny.en"), "playback test passphrase", "playback test passphrase")
    desk, *_ = start.start_session(desk, "C-2001", "2025-02-03", "individual", "", True)
    desk.need_store().save_audio(desk.need_session().id, wav)
    desk.session = desk.need_store().get_session(desk.need_session().id)
    return desk, synth_pcm(samples)


def synth_pcm(samples: np.ndarray) -> np.ndarray:
    """What ``synth.write_wav`` stores, as floats: the reference a clip must reproduce exactly."""
    return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").astype(np.float32) / 32768


def test_clip_is_the_padded_stretch_of_the_recording(desk_with_audio) -> None:
    desk, reference = desk_with_audio
    path = playback.clip(desk, 1.0, 2.0)
    assert path is not None
    clip, rate = sf.read(path, dtype="float32")
    lo, hi = int((1.0 - playback.CLIP_PAD) * RATE), int((2.0 + playback.CLIP_PAD) * RATE)
    assert rate == RATE and clip.ndim == 1 and len(clip) == hi - lo
    assert np.max(np.abs(clip - reference[lo:hi])) <= 1 / 32768
    # The plain copy decrypted to cut it from is gone; the playback copy stays in the desk's folder.
    assert [p.name for p in desk.work().iterdir() if p.suffix == ".audio"] == []
    assert (desk.work() / playback.PLAYBACK_NAME).is_file()


def test_clip_at_the_edges_stays_inside_the_recording(desk_with_audio) -> None:
    desk, reference = desk_with_audio
    first, _ = sf.read(playback.clip(desk, 0.0, 0.5), dtype="float32")
    assert len(first) == int(0.8 * RATE)  # no padding before the start
    assert np.max(np.abs(first - reference[: len(first)])) <= 1 / 32768
    last, _ = sf.read(playback.clip(desk, 3.9, 4.5), dtype="float32")
    assert len(last) == len(reference) - int(3.6 * RATE)  # ends with the recording
    past, _ = sf.read(playback.clip(desk, 10.0, 11.0), dtype="float32")
    assert len(past) == 0


def test_a_session_without_audio_has_no_clip(tmp_path: Path) -> None:
    desk, *_ = start.unlock(Desk(model="tiny.en"), "playback test passphrase", "playback test passphrase")
    desk, *_ = start.start_session(desk, "C-2002", "2025-02-03", "individual", "", True)
    assert playback.clip(desk, 0.0, 1.0) is None
