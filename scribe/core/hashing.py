"""The fingerprint of a file: sha256 read in blocks, so a long recording never sits in memory; pinned files checked."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from scribe.core.errors import ModelError


def sha256_file(path: str | Path, block: int = 1 << 20) -> str:
    """Hex sha256 of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(block):
            digest.update(chunk)
    return digest.hexdigest()


@cache
def _hashed(path: str, size: int, mtime: float) -> str:
    """A file's sha256, once per process (keyed by size and mtime, so a changed file is hashed again)."""
    return sha256_file(path)


def verify_pinned(
    path: Path, expected: str, *, remedy: str = "reinstall the package that provides it"
) -> None:
    """Raise ModelError unless the file at ``path`` exists and has the pinned sha256 ``expected``.

    A model or weights file is loaded only when it is the one the code was written for: a
    damaged or replaced file is refused with what to do (``remedy``).
    """
    if not path.is_file():
        raise ModelError(f"Model file not found: {path}. To fix it, {remedy}.")
    stat = path.stat()
    got = _hashed(str(path), stat.st_size, stat.st_mtime)
    if got != expected:
        raise ModelError(
            f"{path} does not match its pinned checksum (sha256 {got[:12]}…, expected {expected[:12]}…). "
            f"The file may be damaged or replaced: {remedy}, and do not use it until it matches."
        )
