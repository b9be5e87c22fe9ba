"""Audio in: any container PyAV (FFmpeg) reads, streamed as 16 kHz float32 chunks.

Decoding is a generator so a two-hour recording never sits in memory whole:
``stream(path)`` yields chunks of at most ``chunk_seconds``. A file that breaks
part-way (truncated upload, crash while recording) yields what decoded cleanly
and records a warning instead of failing the whole session.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import numpy as np

from scribe.core.errors import AudioError
from scribe.core.hashing import sha256_file
from scribe.core.records import AudioInfo

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
#: Containers we promise to read (PyAV reads more; these are tested).
SUPPORTED_SUFFIXES = (".wav", ".flac", ".mp3", ".m4a", ".aac", ".mp4", ".ogg", ".oga", ".opus", ".webm")
#: More channels than this is a production/multitrack layout we won't guess a mix for.
MAX_CHANNELS = 8
#: Decoded frames are pooled up to this many seconds before resampling.
GROUP_SECONDS = 10.0


@dataclass
class DecodeReport:
    """Filled in while a stream is consumed: what was decoded and what went wrong."""

    channels: int = 0
    source_rate: int = 0
    codec: str = ""
    container: str = ""
    samples: int = 0
    warnings: list[str] = field(default_factory=list)
    #: sha256 of the file, hashed from the bytes the decoder read (``fingerprint=True``), else "".
    sha256: str = ""

    @property
    def duration(self) -> float:
        return self.samples / SAMPLE_RATE


def check_file(path: str | Path) -> Path:
    """Raise a clear AudioError for a missing, empty or directory path."""
    path = Path(path)
    if not path.exists():
        raise AudioError(f"No such file: {path}")
    if path.is_dir():
        raise AudioError(f"{path} is a folder; give the path of an audio file.")
    if path.stat().st_size == 0:
        raise AudioError(f"{path} is empty (0 bytes). Was the recording saved completely?")
    return path


class _HashingReader:
    """The file as the decoder reads it, hashed on the way, so the fingerprint costs no second read.

    Only the unbroken run of bytes from the start is hashed: a read ahead (an Ogg
    demuxer looks at the last page for the duration) is not hashed until the
    decoder's reads reach it in order. The digest is valid once that run covers the
    whole file; otherwise the caller hashes the file itself.
    """

    def __init__(self, path: Path) -> None:
        self._fh = open(path, "rb")  # noqa: SIM115 (closed by close(), when the container closes)
        self._digest = hashlib.sha256()
        self._hashed = 0

    def read(self, size: int = -1) -> bytes:
        at = self._fh.tell()
        data = self._fh.read(size)
        if at <= self._hashed < at + len(data):
            self._digest.update(data[self._hashed - at :])
            self._hashed = at + len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._fh.seek(offset, whence)

    def tell(self) -> int:
        return self._fh.tell()

    def close(self) -> None:
        self._fh.close()

    def hexdigest(self, size: int) -> str:
        """The file's sha256 if every byte was read in order, else ""."""
        return self._digest.hexdigest() if self._hashed == size else ""


def _open(path: Path, source: _HashingReader | None = None):
    import av  # heavy import; only when audio is actually read

    try:
        container = av.open(source or str(path), metadata_errors="ignore")
    except (av.error.InvalidDataError, UnicodeDecodeError) as exc:
        raise AudioError(
            f"{path.name} is not a readable audio file, or is damaged beyond repair ({exc.__class__.__name__}). "
            f"Supported formats: {', '.join(s.lstrip('.') for s in SUPPORTED_SUFFIXES)}."
        ) from exc
    except av.error.FFmpegError as exc:
        raise AudioError(f"Could not open {path.name}: {exc}") from exc
    if not container.streams.audio:
        container.close()
        raise AudioError(f"{path.name} has no audio track. Is it the right file?")
    return container


def stream(
    path: str | Path,
    chunk_seconds: float = 30.0,
    mono: bool = True,
    report: DecodeReport | None = None,
    *,
    fingerprint: bool = False,
) -> Iterator[np.ndarray]:
    """Decode ``path`` to 16 kHz float32 chunks (shape ``(n,)``, or ``(n, channels)`` if not mono).

    Corrupt or truncated data ends the stream early with a warning in ``report``;
    the audio decoded before that point is kept. With ``fingerprint`` the file's
    sha256 is taken from the same read and left in ``report.sha256``.
    """
    import av

    path = check_file(path)
    report = report if report is not None else DecodeReport()
    reader = _HashingReader(path) if fingerprint else None
    try:
        container = _open(path, reader)
    except BaseException:
        if reader is not None:
            reader.close()
        raise
    try:
        audio_stream = container.streams.audio[0]
        ctx = audio_stream.codec_context
        channels = ctx.channels or (len(ctx.layout.channels) if ctx.layout else 0)
        report.channels = channels
        report.source_rate = ctx.sample_rate or 0
        report.codec = ctx.name or ""
        report.container = container.format.name or ""
        if channels > MAX_CHANNELS:
            raise AudioError(
                f"{path.name} has {channels} channels; session-scribe reads mono, stereo or up to "
                f"{MAX_CHANNELS} channels. Export a mono or stereo mix and try again."
            )
        out_channels = 1 if mono else max(channels, 1)
        resampler = av.AudioResampler(
            format="flt", layout="mono" if mono else _layout_name(out_channels), rate=SAMPLE_RATE
        )
        chunk_len = max(1, int(chunk_seconds * SAMPLE_RATE))
        pending: list[np.ndarray] = []
        pending_len = 0

        # Decoders hand out small frames (1024 samples for PCM); resampling each one
        # costs more than the conversion itself, so frames are pooled first.
        group = max(1, int(min(chunk_seconds, GROUP_SECONDS) * (report.source_rate or SAMPLE_RATE)))

        def resampled(frame) -> Iterator[np.ndarray]:
            for out in resampler.resample(frame):
                yield out.to_ndarray().reshape(-1, out_channels)

        def frames() -> Iterator[np.ndarray]:
            fifo = av.AudioFifo()
            try:
                for packet in container.demux(audio_stream):
                    for frame in packet.decode():
                        frame.pts = None  # timing gaps are the decoder's business, not the pool's
                        fifo.write(frame)
                        if fifo.samples >= group:
                            yield from resampled(fifo.read())
            except (av.error.FFmpegError, ValueError) as exc:
                at = report.samples / SAMPLE_RATE + fifo.samples / (report.source_rate or SAMPLE_RATE)
                report.warnings.append(
                    f"Decoding stopped at {at:.1f} s ({exc.__class__.__name__}): the file looks "
                    "truncated or corrupt. The audio before that point was kept."
                )
                log.warning("%s: %s", path.name, report.warnings[-1])
            if fifo.samples:
                yield from resampled(fifo.read())
            yield from resampled(None)

        for block in frames():
            report.samples += len(block)
            pending.append(block)
            pending_len += len(block)
            while pending_len >= chunk_len:
                joined = np.concatenate(pending)
                head, rest = joined[:chunk_len], joined[chunk_len:]
                pending, pending_len = ([rest] if len(rest) else []), len(rest)
                yield _shape(head, mono)
        if pending_len:
            yield _shape(np.concatenate(pending), mono)
        declared = _wav_header_seconds(path) or _declared_seconds(container, audio_stream)
        if declared and not report.warnings and report.duration < declared - 1.0:
            report.warnings.append(
                f"The file says it lasts {declared:.1f} s but only {report.duration:.1f} s could be "
                "decoded: it looks truncated. The audio that was there was kept."
            )
        if reader is not None:
            report.sha256 = reader.hexdigest(path.stat().st_size)
    finally:
        container.close()
        if reader is not None:
            reader.close()


def _wav_header_seconds(path: Path) -> float:
    """Duration from a RIFF/WAVE header's data chunk (FFmpeg clamps it to the file size)."""
    import struct

    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return 0.0
    pos, byte_rate = 12, 0
    while pos + 8 <= len(head):
        cid, size = head[pos : pos + 4], struct.unpack("<I", head[pos + 4 : pos + 8])[0]
        if cid == b"fmt " and pos + 20 <= len(head):
            byte_rate = struct.unpack("<I", head[pos + 16 : pos + 20])[0]
        if cid == b"data":
            # 0 and 0xFFFFFFFF mean "unknown length" (streaming writers).
            return size / byte_rate if byte_rate and 0 < size < 0xFFFFFFFF else 0.0
        pos += 8 + size + (size & 1)
    return 0.0


def _declared_seconds(container, audio_stream) -> float:
    """The duration the file header claims, or 0 when it does not say."""
    if audio_stream.duration is not None and audio_stream.time_base is not None:
        return float(audio_stream.duration * audio_stream.time_base)
    if container.duration:
        return container.duration / 1_000_000  # AV_TIME_BASE
    return 0.0


def _layout_name(channels: int) -> str:
    return {1: "mono", 2: "stereo"}.get(channels, f"{channels}c")


def _shape(block: np.ndarray, mono: bool) -> np.ndarray:
    block = np.ascontiguousarray(block, dtype=np.float32)
    return block[:, 0] if mono else block


def load(
    path: str | Path, mono: bool = True, report: DecodeReport | None = None, *, fingerprint: bool = False
) -> np.ndarray:
    """The whole file as one array. Prefer ``stream`` for long recordings.

    ``fingerprint``: also take the file's sha256 from the same read (``report.sha256``).
    """
    report = report if report is not None else DecodeReport()
    chunks = list(stream(path, chunk_seconds=60.0, mono=mono, report=report, fingerprint=fingerprint))
    if not chunks or report.samples == 0:
        raise AudioError(f"{Path(path).name} contains no audio samples. Is the file complete?")
    return np.concatenate(chunks)


def audio_info(path: str | Path, report: DecodeReport) -> AudioInfo:
    """The record of a decoded file: fingerprint, duration and what went wrong."""
    path = Path(path)
    return AudioInfo(
        path=str(path),
        sha256=report.sha256 or sha256_file(path),
        duration=round(report.duration, 3),
        sample_rate=report.source_rate,
        channels=report.channels,
        format=f"{report.container}/{report.codec}",
        warnings=list(report.warnings),
    )


def mono_mix(samples: np.ndarray) -> np.ndarray:
    """The mono mix of ``(n, channels)`` samples, as the decoder mixes (``stream(mono=True)``).

    FFmpeg's default downmix of stereo is (left + right) / sqrt(2); more channels are averaged.
    """
    if samples.ndim == 1:
        return samples
    if samples.shape[1] == 1:
        return samples[:, 0]
    if samples.shape[1] == 2:
        gain = np.float32(np.sqrt(0.5))
        return samples[:, 0] * gain + samples[:, 1] * gain
    return samples.mean(axis=1, dtype=np.float32)


@dataclass
class Decoded:
    """A recording decoded once: its 16 kHz samples, shaped (n, channels), and the record of its file."""

    samples: np.ndarray
    info: AudioInfo

    @property
    def mono(self) -> np.ndarray:
        """The mono mix, as ``stream(mono=True)`` would have decoded it."""
        return mono_mix(self.samples)


@dataclass
class Decoding:
    """A recording being decoded with its channels: how many is known from its first block.

    Either take it ``whole`` (every later stage reads the same samples), or consume
    ``blocks`` once, as they come, to hold no more than a block of it at a time.
    """

    path: Path
    report: DecodeReport
    channels: int
    #: Blocks of 16 kHz samples shaped (n, channels), the first one included.
    blocks: Iterator[np.ndarray]

    def info(self) -> AudioInfo:
        """The record of the file; its fingerprint and warnings are complete once ``blocks`` is spent."""
        return audio_info(self.path, self.report)

    def whole(self) -> Decoded:
        """The rest of the recording decoded into memory: 16 kHz float32 is about 230 MB per channel-hour."""
        return Decoded(np.concatenate(list(self.blocks)), self.info())


def start_decoding(path: str | Path, chunk_seconds: float = 30.0) -> Decoding:
    """Start decoding a recording, keeping its channels and fingerprinting it from the same read."""
    path = Path(path)
    report = DecodeReport()
    blocks = stream(path, chunk_seconds=chunk_seconds, mono=False, report=report, fingerprint=True)
    first = next(blocks, None)
    if first is None or report.samples == 0:
        raise AudioError(f"{path.name} contains no audio samples. Is the file complete?")
    return Decoding(path, report, first.shape[1], chain([first], blocks))


def decode_file(path: str | Path) -> Decoded:
    """Decode a recording once, keeping its channels; its fingerprint comes from the same read.

    Every later stage (speaker features, transcription of the mix or of each channel)
    takes these samples instead of decoding the file again.
    """
    return start_decoding(path).whole()


def probe_seconds(path: str | Path) -> float | None:
    """Duration from the header, for a progress bar only (may be None)."""
    try:
        import av

        with av.open(str(path), metadata_errors="ignore") as c:
            return c.duration / 1_000_000 if c.duration else None
    except Exception:  # a bad file is reported properly by the decoder
        return None
