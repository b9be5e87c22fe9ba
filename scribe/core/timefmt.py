"""How a time in the session is shown to people: one formatter for the CLI, the desk and the notes."""

from __future__ import annotations


def clock(seconds: float) -> str:
    """``03:12``, or ``1:03:12`` past the hour (whole seconds, never negative)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
