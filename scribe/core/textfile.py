"""Bytes from a file the worker chose, as text: one reader for notes, subtitles and record JSON.

Editors save text as UTF-8 (with or without a byte-order mark) or, on Windows,
as UTF-16 ("Unicode", always with a byte-order mark); both are read the same
everywhere. Notes may also come from older Windows editors in Windows-1252,
which only the notes reader accepts: a record file in any other encoding was
not written by this program, so it is refused with a one-line error.
"""

from __future__ import annotations

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
