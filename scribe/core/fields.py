"""Checks for the short facts a worker types for a session's header: client, date, type, names.

They end up on one line of a note, a listing or a file name, so a line break or
another control character in one could fake a line ("## Risk assessment" in a
note, a row in ``scribe sessions list``): such values are refused, not cleaned.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from scribe.core.errors import ScribeError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Control and format characters, line and paragraph separators (bidi overrides among them)...
_CONTROL = ("Cc", "Cf", "Zl", "Zp")
#: ...except the zero-width (non-)joiner, which names in Persian or Indic scripts need.
_JOINERS = "\u200c\u200d"


def check_line(what: str, value: str, *, max_chars: int = 200) -> str:
    """``value`` if it is one line of at most ``max_chars`` printable characters; else a ScribeError."""
    value = value or ""
    bad = next((c for c in value if unicodedata.category(c) in _CONTROL and c not in _JOINERS), None)
    if bad is not None:
        raise ScribeError(
            f"The {what} must be one line of plain text; it contains the control character {bad!r}."
        )
    if len(value) > max_chars:
        raise ScribeError(f"The {what} is too long ({len(value)} characters; at most {max_chars}).")
    return value


def check_date(value: str, what: str = "session date") -> str:
    """``value`` if it is a real calendar date written YYYY-MM-DD ("" stays ""); else a ScribeError."""
    if not value:
        return value
    if _ISO_DATE.fullmatch(value):
        try:
            date.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise ScribeError(f"The {what} must be a date written YYYY-MM-DD, e.g. 2025-03-14; got {value!r}.")
