"""Crash-safe WAV files for live recording: readable at every moment, repairable after a crash.

``WavWriter`` writes 16 kHz 16-bit mono PCM in small blocks straight to the file
descriptor (no user-space buffer to lose) and fsyncs about twice a second. While
recording, the RIFF and data sizes in the header are 0xFFFFFFFF, the streaming
convention for "unknown length": FFmpeg (so ``scribe.audio.decode``, whose
``_wav_header_seconds`` then declares no length and raises no truncation
warning) and libsndfile read up to the end of the file. A recording killed at
any moment is therefore readable as it is. A clean stop writes the true sizes;
``repair_wav`` does the same after a crash, for stricter readers.
"""

from __future__ import annotations

import errno
import logging
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scribe.core.errors import AudioError, RecordingError
from scribe.core.paths import fsync_dir

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
#: RIFF/data size meaning "unknown length, read to the end of the file".
UNKNOWN_SIZE = 0xFFFFFFFF
HEADER_BYTES = 44
#: errno values that mean "no room left" rather than a broken disk.
NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _header(data_bytes: int, sample_rate: int = SAMPLE_RATE, channels: int = 1) -> bytes:
    """A canonical 44-byte PCM WAV header; ``data_bytes=UNKNOWN_SIZE`` while recording."""
    riff = UNKNOWN_SIZE if data_bytes == UNKNOWN_SIZE else 36 + data_bytes
    align = 2 * channels
    return (
        b"RIFF"
        + struct.pack("<I", riff)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, sample_rate, sample_rate * align, align, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


def pcm16(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] as 16-bit little-endian PCM (louder samples are clipped)."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


class WavWriter:
    """Append-only 16-bit mono WAV, fsynced every ``fsync_seconds`` of audio.

    ``write`` is the low-level ``os.write``-like function; tests inject a failing
    one to simulate a full disk without filling a real one.
    """

    def __init__(
        self,
        path: str | Path,
        sample_rate: int = SAMPLE_RATE,
        fsync_seconds: float = 0.5,
        write: Callable[[int, Any], int] = os.write,
    ) -> None:
        self.path = Path(path)
        self.sample_rate = sample_rate
        self._write = write
        self._fsync_every = max(1, int(fsync_seconds * sample_rate)) * 2
        self.data_bytes = 0
        self._since_sync = 0
        try:
            # O_EXCL: never overwrite an earlier session by accident. 0600: it is a client's voice.
            self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise RecordingError(f"{self.path} already exists; choose another file or folder.") from exc
        except OSError as exc:
            raise RecordingError(f"Cannot create {self.path}: {exc.strerror}.") from exc
        self._write_all(_header(UNKNOWN_SIZE, sample_rate), header=True)
        self.sync()
        fsync_dir(self.path.parent)

    @property
    def frames(self) -> int:
        return self.data_bytes // 2

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate

    def _fail(self, exc: OSError, what: str) -> RecordingError:
        if exc.errno in NO_SPACE:
            err = RecordingError(
                f"The disk is full: the recording stopped at {self.seconds:.1f} s. "
                f"The audio captured so far is saved in {self.path}. Free some space before recording again."
            )
        else:
            err = RecordingError(f"Could not {what} {self.path} ({exc.strerror}); the recording stopped.")
        err.__cause__ = exc
        return err

    def _write_all(self, data: bytes, header: bool = False) -> None:
        view = memoryview(data)
        while view:
            try:
                n = self._write(self._fd, view)
            except OSError as exc:
                raise self._fail(exc, "write to") from exc
            if not header:
                self.data_bytes += n
            view = view[n:]

    def write(self, samples: np.ndarray) -> None:
        """Append float samples in [-1, 1]; raises RecordingError when the disk is full."""
        if self._fd is None:
            raise RecordingError(f"{self.path} is already closed.")
        pcm = pcm16(samples)
        self._write_all(pcm)
        self._since_sync += len(pcm)
        if self._since_sync >= self._fsync_every:
            self.sync()

    def sync(self) -> None:
        if self._fd is None:
            return
        try:
            os.fsync(self._fd)
        except OSError as exc:
            raise self._fail(exc, "save") from exc
        self._since_sync = 0

    def close(self) -> float:
        """Write the true sizes into the header (no new space needed) and close; returns seconds."""
        if self._fd is None:
            return self.seconds
        fd, self._fd = self._fd, None
        try:
            whole = self.data_bytes - self.data_bytes % 2  # a short write can leave half a sample
            if whole != self.data_bytes:
                os.ftruncate(fd, HEADER_BYTES + whole)
                self.data_bytes = whole
            os.pwrite(fd, struct.pack("<I", 36 + whole), 4)
            os.pwrite(fd, struct.pack("<I", whole), 40)
            os.fsync(fd)
        except OSError as exc:
            # The data is there; only the sizes are stale, and readers treat them as unknown.
            log.warning("Could not finish the header of %s (%s); repair_wav can fix it.", self.path, exc)
        finally:
            os.close(fd)
        return self.seconds


def _data_chunk(head: bytes) -> tuple[int, int, int, int]:
    """(offset of the data size field, declared size, block align, byte rate) of a RIFF/WAVE header."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise AudioError("Not a WAV file (no RIFF/WAVE header); it cannot be repaired.")
    pos, align, rate = 12, 0, 0
    while pos + 8 <= len(head):
        cid, size = head[pos : pos + 4], struct.unpack("<I", head[pos + 4 : pos + 8])[0]
        if cid == b"fmt " and pos + 24 <= len(head):
            rate, align = struct.unpack("<IH", head[pos + 16 : pos + 22])
        if cid == b"data":
            return pos + 4, size, align or 2, rate
        pos += 8 + size + (size & 1)
    raise AudioError("The WAV header has no data chunk: nothing was recorded into this file.")


def is_unfinished(path: str | Path) -> bool:
    """True for a WAV whose header still says "unknown length": its recording never stopped cleanly."""
    try:
        with open(path, "rb") as fh:
            _, size, _, _ = _data_chunk(fh.read(4096))
    except (OSError, AudioError):
        return False
    return size in (0, UNKNOWN_SIZE)


def repair_wav(path: str | Path) -> float:
    """Fix the header of a WAV left by a crash (unknown or too-large sizes); returns its seconds.

    Only the sizes are rewritten and a trailing half sample dropped: no audio is
    touched, so this is safe to run on any of our recordings, finished or not.
    """
    path = Path(path)
    with open(path, "r+b") as fh:
        field_at, declared, align, rate = _data_chunk(fh.read(4096))
        data_start = field_at + 4
        total = os.fstat(fh.fileno()).st_size
        available = max(0, total - data_start)
        whole = available - available % align
        if declared in (0, UNKNOWN_SIZE) or declared > whole:
            if whole != available:
                fh.truncate(data_start + whole)
            fh.seek(4)
            fh.write(struct.pack("<I", data_start - 8 + whole))
            fh.seek(field_at)
            fh.write(struct.pack("<I", whole))
            fh.flush()
            os.fsync(fh.fileno())
            declared = whole
    return declared / rate if rate else 0.0
