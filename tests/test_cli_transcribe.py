"""``scribe transcribe`` end to end through click, with the real tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import synth
from scribe.cli import cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two short turns (~8 s): enough to exercise every writer quickly."""
    samples, _ = synth.dialogue(synth.COUNSELLING_TURNS[1:2])
    return synth.write_wav(tmp_path_factory.mktemp("cli") / "clip.wav", samples)


@pytest.mark.parametrize("fmt", ["txt", "json", "srt", "vtt"])
def test_formats(runner: CliRunner, short_clip: Path, fmt: str) -> None:
    path = short_clip
    result = runner.invoke(cli, ["transcribe", str(path), "--model", "tiny.en", "--format", fmt])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "sleeping" in out.lower()
    if fmt == "json":
        data = json.loads(out)
        assert data["settings"]["model"] == "tiny.en" and data["segments"]
    elif fmt == "srt":
        assert out.startswith("1\n00:00:00,") and " --> " in out
    elif fmt == "vtt":
        assert out.startswith("WEBVTT")
    else:
        assert out.startswith("[00:00.")


def test_output_file_format_from_suffix(runner: CliRunner, short_clip: Path, tmp_path: Path) -> None:
    path = short_clip
    out = tmp_path / "session.srt"
    result = runner.invoke(cli, ["transcribe", str(path), "-m", "tiny.en", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert " --> " in out.read_text()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing.wav", "No such file"),
        (lambda d: _write(d / "empty.wav", b""), "empty"),
        (lambda d: _write(d / "x.mp3", b"not audio"), "not a readable audio file"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(runner: CliRunner, tmp_path: Path, make, message: str) -> None:
    result = runner.invoke(cli, ["transcribe", str(make(tmp_path)), "-m", "tiny.en"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]
    assert "Traceback" not in result.output


def test_bad_model_is_one_line(runner: CliRunner, short_clip: Path) -> None:
    path = short_clip
    result = runner.invoke(cli, ["transcribe", str(path), "--model", "small"])
    assert result.exit_code == 1 and "not available offline" in result.stderr


def test_help_describes_the_command(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["transcribe", "--help"])
    assert result.exit_code == 0 and "wav, flac, mp3" in result.output


def test_full_disk_is_a_clear_error(runner: CliRunner, short_clip: Path) -> None:
    """/dev/full is a real device that fails every write with ENOSPC."""
    if not Path("/dev/full").exists():
        pytest.skip("/dev/full is not available")
    result = runner.invoke(
        cli, ["transcribe", str(short_clip), "-m", "tiny.en", "-o", "/dev/full", "-f", "txt"]
    )
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr and "Traceback" not in result.output


def test_progress_bar_on_request(tiny, short_clip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from scribe.audio import decode as audio

    segments = list(tiny.stream(audio.stream(short_clip), progress=True, total_seconds=8))
    assert segments
    assert "Transcribing" in capsys.readouterr().err
