"""Hearing the session: a private 16 kHz copy of the recording, and clips cut from it.

The browser plays only short clips, written to the desk's private folder (inside
the UI cache, wiped with the desk). A reopened session's copy is decrypted from
the store when first needed (the store logs that as a view of the audio).
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scribe.audio import decode as audio_io
from scribe.audio.wavfile import pcm16
from scribe.store.securefile import wipe_file as _wipe
from ui.state import Desk

#: Seconds of audio played before and after a clip, so a word at the edge is not cut.
CLIP_PAD = 0.3
PLAYBACK_NAME = "playback.wav"


@contextmanager
def _open_pcm16(path: Path) -> Iterator[wave.Wave_write]:
    """A new 16 kHz mono 16-bit WAV, the one format the playback copy and its clips use."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(audio_io.SAMPLE_RATE)
        yield out


def write_playback(source: str | Path, dest: Path) -> Path:
    """A 16 kHz mono WAV copy to cut clips from (private folder; wiped with the desk)."""
    with _open_pcm16(dest) as out:
        for chunk in audio_io.stream(source):
            out.writeframes(pcm16(chunk))
    return dest


def ensure_playback(desk: Desk) -> Path | None:
    """The playback copy, decrypted from the store when the session was reopened; None without audio."""
    session = desk.need_session()
    playback = desk.work() / PLAYBACK_NAME
    if playback.is_file():
        return playback
    session = desk.need_store().get_session(session.id)
    if not session.has_audio:
        return None
    plain_copy = desk.work() / "decrypted.audio"
    try:
        with open(plain_copy, "wb") as out:
            for chunk in desk.need_store().audio_chunks(session.id):
                out.write(chunk)
        write_playback(plain_copy, playback)
    finally:
        wipe_file(plain_copy)
    return playback


def wipe_file(path: Path) -> None:
    if path.exists():
        _wipe(path)


def clip(desk: Desk, start: float, end: float) -> str | None:
    """A WAV file of ``start``–``end`` (padded) for the audio player, or None when there is no audio."""
    playback = ensure_playback(desk)
    if playback is None:
        return None
    rate = audio_io.SAMPLE_RATE
    with wave.open(str(playback), "rb") as source:
        a = min(max(0, int((start - CLIP_PAD) * rate)), source.getnframes())
        b = max(a + 1, int((end + CLIP_PAD) * rate))
        source.setpos(a)
        frames = source.readframes(b - a)
    out = desk.work() / f"clip-{int(start * 1000)}-{int(end * 1000)}.wav"
    with _open_pcm16(out) as dest:
        dest.writeframes(frames)
    return str(out)
