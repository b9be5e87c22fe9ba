"""Decoding: every promised container, streaming, and one test per bad input."""

from __future__ import annotations

import shutil
import subprocess
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import synth
from scribe.audio import decode as audio
from scribe.core.errors import AudioError
from scribe.core.hashing import sha256_file

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None, reason="ffmpeg CLI needed to make test files"
)


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not synth.have_espeak():
        pytest.skip("espeak-ng is not installed")
    samples, _ = synth.dialogue([("client", "I want to sleep through the night again.")])
    return synth.write_wav(tmp_path_factory.mktemp("audio") / "speech.wav", samples)


@needs_ffmpeg
@pytest.mark.parametrize("suffix", ["flac", "mp3", "m4a", "ogg", "opus", "webm"])
def test_every_container_decodes_to_16k_mono(speech_wav: Path, tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"speech.{suffix}"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(speech_wav), str(target)], check=True)
    reference = audio.load(speech_wav)
    report = audio.DecodeReport()
    decoded = audio.load(target, report=report)
    assert decoded.dtype == np.float32 and decoded.ndim == 1
    # Lossy codecs add priming/padding (AAC: about 60 ms); lengths must agree to 100 ms.
    assert abs(len(decoded) - len(reference)) < 0.1 * audio.SAMPLE_RATE
    assert report.warnings == []
    assert np.max(np.abs(decoded)) > 0.05


def test_stream_yields_bounded_chunks_with_flat_memory(tmp_path: Path) -> None:
    long_flac = tmp_path / "long.flac"
    subprocess.run(
        ["sox", "-n", "-r", "44100", "-c", "2", str(long_flac), "synth", "1200", "sine", "300", "vol", "0.1"],
        check=True,
    )
    tracemalloc.start()
    total = 0
    largest = 0
    for chunk in audio.stream(long_flac, chunk_seconds=30):
        total += len(chunk)
        largest = max(largest, len(chunk))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert total == 1200 * audio.SAMPLE_RATE
    assert largest <= 30 * audio.SAMPLE_RATE
    # 20 minutes of float32 would be 77 MB; streaming must stay far below that.
    assert peak < 20 * 1024 * 1024


@needs_ffmpeg
@pytest.mark.parametrize("suffix", ["wav", "flac", "ogg"])
def test_whisper_hears_what_faster_whisper_would_decode(
    speech_wav: Path, tmp_path: Path, suffix: str
) -> None:
    """Pooled, streamed decoding gives faster-whisper's own samples (it rounds to 16 bits)."""
    from faster_whisper.audio import decode_audio

    target = tmp_path / f"speech44k.{suffix}"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(speech_wav), "-ar", "44100", str(target)], check=True
    )
    ours = np.concatenate(list(audio.stream(target, chunk_seconds=0.7)))
    theirs = decode_audio(str(target))
    assert ours.shape == theirs.shape
    assert np.max(np.abs(ours - theirs)) <= 1.5 / 32768


def test_stereo_is_mixed_down_or_kept(tmp_path: Path) -> None:
    left = np.sin(np.linspace(0, 2000, 16000)).astype(np.float32) * 0.5
    stereo = np.stack([left, np.zeros_like(left)], axis=1)
    path = synth.write_wav(tmp_path / "stereo.wav", stereo, channels=2)
    mono = audio.load(path)
    both = audio.load(path, mono=False)
    assert both.shape == (16000, 2)
    assert np.allclose(both[:, 1], 0, atol=1e-4)
    assert np.max(np.abs(mono)) < np.max(np.abs(both[:, 0]))  # averaged, not just the left channel


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="No such file"):
        audio.load(tmp_path / "nope.wav")


def test_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="folder"):
        audio.load(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioError, match="empty"):
        audio.load(tmp_path / "empty.wav")


@pytest.mark.parametrize("content", [b"hello, this is a text file\n" * 20, bytes(range(256)) * 200])
def test_not_audio(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.mp3"
    path.write_bytes(content)
    with pytest.raises(AudioError, match="not a readable audio file"):
        audio.load(path)


def test_truncated_wav_keeps_the_good_part(speech_wav: Path, tmp_path: Path) -> None:
    data = speech_wav.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) // 2])
    report = audio.DecodeReport()
    samples = audio.load(cut, report=report)
    full = audio.load(speech_wav)
    assert abs(len(samples) - len(full) / 2) < 0.05 * audio.SAMPLE_RATE
    assert any("truncated" in w for w in report.warnings)


def test_corrupt_flac_keeps_the_good_part(speech_wav: Path, tmp_path: Path) -> None:
    flac = tmp_path / "speech.flac"
    subprocess.run(["sox", str(speech_wav), str(flac)], check=True)
    data = bytearray(flac.read_bytes())
    broken = tmp_path / "broken.flac"
    broken.write_bytes(bytes(data[: len(data) // 2]) + b"\x00\xff" * 3000)
    report = audio.DecodeReport()
    samples = audio.load(broken, report=report)
    assert 0 < len(samples) < len(audio.load(speech_wav))
    assert report.warnings, "a damaged file must be reported, not silently shortened"


def test_too_many_channels(tmp_path: Path) -> None:
    path = tmp_path / "multitrack.wav"
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "12", str(path), "trim", "0", "1"], check=True)
    with pytest.raises(AudioError, match="12 channels"):
        audio.load(path)


def test_audio_info_fingerprints_the_file(speech_wav: Path) -> None:
    report = audio.DecodeReport()
    audio.load(speech_wav, report=report)
    info = audio.audio_info(speech_wav, report)
    assert len(info.sha256) == 64
    assert info.channels == 1 and info.sample_rate == 16000
    assert info.duration == pytest.approx(report.duration, abs=1e-3)


@pytest.mark.parametrize("stereo", [False, True])
def test_the_fingerprint_comes_from_the_decoding_read(
    tmp_path: Path, sample_session: Path, stereo: bool
) -> None:
    """One read gives the samples and the file's sha256, for a WAV and for an Ogg (whose end is read first)."""
    wav = synth.write_wav(
        tmp_path / "tone.wav",
        np.stack(
            [np.sin(np.linspace(0, 900, 32000)).astype(np.float32) * 0.3] * (2 if stereo else 1), axis=1
        ),
        channels=2 if stereo else 1,
    )
    for path in (wav, sample_session):
        decoded = audio.decode_file(path)
        assert decoded.info.sha256 == sha256_file(path)
        assert np.array_equal(decoded.mono, audio.load(path))  # the mix the decoder makes, exactly


def test_a_fingerprint_is_not_guessed_from_a_partial_read(tmp_path: Path) -> None:
    report = audio.DecodeReport()
    path = synth.write_wav(tmp_path / "tone.wav", np.zeros(16000, np.float32))
    stream = audio.stream(path, report=report, fingerprint=True)
    next(stream)
    stream.close()  # stopped early: no digest of the bytes not yet read
    assert report.sha256 == ""
