"""Transcript writers, one registry: ``WRITERS["srt"](transcript) -> str``."""

from __future__ import annotations

from collections.abc import Callable

from scribe.core.records import Segment, Transcript


def timestamp(seconds: float, sep: str = ".", hours: bool = True) -> str:
    """``01:02:03.456`` (or ``02:03.456`` without hours)."""
    ms = round(seconds * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    head = f"{h:02d}:" if hours or h else ""
    return f"{head}{m:02d}:{s:02d}{sep}{ms:03d}"


def who(seg: Segment) -> str:
    """``Worker (S1)`` / ``S2`` / ``""``: the speaker label shown before a line."""
    if seg.role and seg.speaker:
        return f"{seg.role.capitalize()} ({seg.speaker})"
    return seg.role.capitalize() if seg.role else (seg.speaker or "")


def _line(seg: Segment) -> str:
    name = who(seg)
    flag = " [check]" if seg.needs_review else ""
    return f"{name}: {seg.text}{flag}" if name else f"{seg.text}{flag}"


def write_txt(transcript: Transcript) -> str:
    rows = [f"[{timestamp(s.start, hours=False)}] {_line(s)}" for s in transcript.segments]
    return "\n".join(rows) + "\n"


def write_srt(transcript: Transcript) -> str:
    blocks = []
    for i, s in enumerate(transcript.segments, 1):
        blocks.append(f"{i}\n{timestamp(s.start, ',')} --> {timestamp(s.end, ',')}\n{_line(s)}\n")
    return "\n".join(blocks)


def write_vtt(transcript: Transcript) -> str:
    blocks = ["WEBVTT\n"]
    for s in transcript.segments:
        name = who(s)
        text = f"<v {name}>{s.text}" if name else s.text
        blocks.append(f"{timestamp(s.start)} --> {timestamp(s.end)}\n{text}\n")
    return "\n".join(blocks)


def write_json(transcript: Transcript) -> str:
    return transcript.to_json() + "\n"


WRITERS: dict[str, Callable[[Transcript], str]] = {
    "txt": write_txt,
    "json": write_json,
    "srt": write_srt,
    "vtt": write_vtt,
}
