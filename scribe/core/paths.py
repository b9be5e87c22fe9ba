"""Where session-scribe keeps the user's data: one private directory per OS user.

``SCRIBE_HOME`` overrides the platform default, which is what tests and
scripts use to point everything at a temporary directory.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from scribe.core.errors import StoreError

APP_NAME = "session-scribe"
#: Environment variable that overrides the data directory.
HOME_ENV = "SCRIBE_HOME"
#: Environment variable that holds the store's passphrase (instead of a prompt).
PASSPHRASE_ENV = "SCRIBE_PASSPHRASE"


def default_data_dir() -> Path:
    """The platform's per-user data directory for session-scribe (not created)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / APP_NAME
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_NAME
    # XDG base directory spec: https://specifications.freedesktop.org/basedir-spec/latest/
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_NAME


def data_dir(home: str | Path | None = None, *, create: bool = True) -> Path:
    """The data directory: ``home`` if given, else ``$SCRIBE_HOME``, else the platform default.

    When ``create`` is true the directory is made private to the user (mode 0700):
    the contents are encrypted, but their names and sizes still need not be shared.
    """
    path = Path(home) if home is not None else None
    if path is None and os.environ.get(HOME_ENV):
        path = Path(os.environ[HOME_ENV])
    if path is None:
        path = default_data_dir()
    path = path.expanduser()
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StoreError(
                f"Cannot create the data directory {path} ({exc.strerror}). "
                f"Set {HOME_ENV} to a folder you can write to."
            ) from exc
    return path


def store_file(home: Path) -> Path:
    """The SQLite database inside a data directory."""
    return home / "store.sqlite3"


def audio_dir(home: Path) -> Path:
    """The folder of encrypted audio files inside a data directory."""
    return home / "audio"


def fsync_dir(path: Path) -> None:
    """Make a new, renamed or removed entry in ``path`` durable (a fsynced file nobody can find is lost).

    A no-op where directories cannot be opened (e.g. Windows).
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def private_output(path: Path, discard: Callable[[Path], object] | None = None) -> Iterator[Path]:
    """A new file beside ``path``, readable and writable by the user only (0600), to write into.

    When the block ends without error the file replaces ``path`` (atomically, so a
    reader never sees half a file); otherwise it is removed (by ``discard``, e.g. an
    overwriting delete, when given). For decrypted exports:
    the folder is the worker's choice, but other accounts on the machine need not read them.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            (discard or os.unlink)(Path(tmp))
        raise
