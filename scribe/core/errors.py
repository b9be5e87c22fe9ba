"""One family of errors, each with a message that tells the user what to do.

They are raised anywhere in the library and translated only at the edges:
the CLI prints the message and exits non-zero, the UI shows it in a popup.
"""

from __future__ import annotations


class ScribeError(Exception):
    """Base class: a problem the user can understand and act on."""


class AudioError(ScribeError):
    """The audio could not be read, or holds nothing usable."""


class NoSpeechError(AudioError):
    """The audio decoded fine but contains no speech."""


class ModelError(ScribeError):
    """A model could not be found, verified or loaded."""


class TranscriptError(ScribeError):
    """A transcript or other record file is missing or malformed."""


class RecordingError(ScribeError):
    """Live capture failed (device missing, disk full, ...)."""


class StoreError(ScribeError):
    """The encrypted session store could not be opened or written."""


class ConsentError(ScribeError):
    """An action needs the client's consent, which was not recorded."""


class NoteError(ScribeError):
    """A note draft could not be built, edited or exported."""
