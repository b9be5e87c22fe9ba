"""Bytes from a file the worker chose, as text: one reader for notes, subtitles and record JSON.

Editors save text as UTF-8 (with or without a byte-order mark) or, on Windows,
as UTF-16 ("Unicode", always with a byte-order mark); both are read the same
everywhere. Notes may also come from older Windows editors in Windows-1252,
which only the notes reader accepts: a record file in any other encoding was
not written by this program, so it is refused with a one-line error.
"""

from __future__ import annotations

from pathlib import Path

from scribe.core.errors import TranscriptError


def decode_text(data: bytes, name: str, *, legacy: bool = False) -> str:
    """``data`` as text. ``legacy`` reads undecodable UTF-8 as Windows-1252 instead of refusing it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise TranscriptError(
                f"{name} starts like UTF-16 text but is damaged. Save it again as UTF-8 and retry."
            ) from None
    if b"\0" in data:
        raise TranscriptError(f"{name} is not a text file. Save it as plain text (UTF-8) and retry.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if legacy:
            return data.decode("cp1252", errors="replace")
        raise TranscriptError(
            f"{name} is not UTF-8 or UTF-16 text (byte 0x{data[exc.start]:02x} at position {exc.start}). "
            "Save it as UTF-8 and retry."
        ) from None


def read_bounded(path: Path, limit: int, what: str) -> bytes:
    """The bytes of the file at ``path``: it exists and holds at most ``limit`` bytes (``what`` names
    what it should be, for the error: "any session record")."""
    if not path.is_file():
        raise TranscriptError(f"No such file: {path}")
    size = path.stat().st_size
    if size > limit:
        raise TranscriptError(
            f"{path.name} is {size / 2**20:.1f} MB, too large for {what} "
            f"(limit {limit // 2**20} MB). Is it the right file?"
        )
    return path.read_bytes()
