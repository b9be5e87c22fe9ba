"""Encrypted audio files, streamed in chunks, and best-effort secure deletion.

File layout (version 1)::

    header  = b"SSAUD001" | file_id (16 random bytes) | chunk_size (uint32, big-endian)
    chunk i = AES-256-GCM(key, nonce=i as 96-bit big-endian, chunk plaintext,
                          aad=header | b"M" for a middle chunk or b"L" for the last)

The key is HKDF(data key, salt=file_id, info="audio|<session id>"), so every file
has its own key (which is what makes counter nonces safe) and a file moved to
another session fails to decrypt. The "last" flag is the STREAM construction's
defence against truncation (Hoang, Reyhanitabar, Rogaway, Vizár 2015): a file
cut at a chunk boundary no longer authenticates. Only one chunk is ever in
memory, so a two-hour recording costs a megabyte of RAM, not a gigabyte.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from scribe.core.paths import fsync_dir
from scribe.store.crypto import IntegrityError, subkey

MAGIC = b"SSAUD001"
HEADER_BYTES = len(MAGIC) + 16 + 4
TAG_BYTES = 16
CHUNK_BYTES = 1 << 20


def _blocks(f: BinaryIO, size: int) -> Iterator[tuple[bytes, bool]]:
    """Read ``size``-byte blocks, telling which one is the last (one block of look-ahead)."""
    current = f.read(size)
    while True:
        following = f.read(size) if len(current) == size else b""
        last = not following
        yield current, last
        if last:
            return
        current = following


def _key(data_key: bytes, session_id: str, file_id: bytes) -> AESGCM:
    return AESGCM(subkey(data_key, f"audio|{session_id}", salt=file_id))


def _nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")


def encrypt_file(
    source: Path, dest: Path, data_key: bytes, session_id: str, chunk_bytes: int = CHUNK_BYTES
) -> tuple[int, str]:
    """Encrypt ``source`` into a new file ``dest``, fsynced. Returns (plaintext size, SHA-256 hex)."""
    file_id = os.urandom(16)
    header = MAGIC + file_id + chunk_bytes.to_bytes(4, "big")
    aead = _key(data_key, session_id, file_id)
    digest = hashlib.sha256()
    size = 0
    # "xb": never overwrite an existing file; mode 0600 through the umask-proof opener.
    with (
        open(source, "rb") as src,
        open(dest, "xb", opener=lambda p, flags: os.open(p, flags, 0o600)) as out,
    ):
        out.write(header)
        for index, (block, last) in enumerate(_blocks(src, chunk_bytes)):
            digest.update(block)
            size += len(block)
            out.write(aead.encrypt(_nonce(index), block, header + (b"L" if last else b"M")))
        out.flush()
        os.fsync(out.fileno())
    return size, digest.hexdigest()


def decrypt_chunks(path: Path, data_key: bytes, session_id: str) -> Iterator[bytes]:
    """Yield the plaintext of an encrypted audio file chunk by chunk, authenticating each."""
    with open(path, "rb") as f:
        header = f.read(HEADER_BYTES)
        if len(header) != HEADER_BYTES or not header.startswith(MAGIC):
            raise IntegrityError(f"The encrypted audio file {path.name} is damaged (bad header).")
        file_id = header[len(MAGIC) : len(MAGIC) + 16]
        chunk_bytes = int.from_bytes(header[-4:], "big")
        if not 0 < chunk_bytes <= 1 << 28:
            raise IntegrityError(f"The encrypted audio file {path.name} is damaged (bad chunk size).")
        aead = _key(data_key, session_id, file_id)
        for index, (block, last) in enumerate(_blocks(f, chunk_bytes + TAG_BYTES)):
            try:
                yield aead.decrypt(_nonce(index), block, header + (b"L" if last else b"M"))
            except InvalidTag:
                raise IntegrityError(
                    f"The encrypted audio file {path.name} failed its integrity check at chunk {index} "
                    "(altered, truncated, or belongs to another session)."
                ) from None


def wipe_file(path: Path) -> bool:
    """Overwrite a file with zeros, fsync, then unlink it. Returns False if it did not exist.

    Honest caveat: overwriting in place is best-effort only. SSDs remap writes
    (wear levelling), journaling and copy-on-write filesystems (ext4 data=journal,
    btrfs, APFS, ZFS) and snapshots/backups can keep old blocks. The real
    protection of stored audio is that it was only ever written encrypted; the
    overwrite just shortens the life of the ciphertext on simple disks. For a
    plaintext source file (a recorder's WAV) it is still better than a bare unlink.
    """
    try:
        size = path.stat().st_size
        with open(path, "r+b", buffering=0) as f:
            zeros = bytes(min(size, CHUNK_BYTES))
            left = size
            while left > 0:
                left -= f.write(zeros[: min(left, len(zeros))])
            os.fsync(f.fileno())
    except FileNotFoundError:
        return False
    except OSError:
        # Read-only or vanished mid-way: still remove it below if we can.
        pass
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    fsync_dir(path.parent)
    return True
