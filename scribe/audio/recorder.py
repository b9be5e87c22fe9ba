"""Live capture from a microphone with sounddevice (PortAudio), safe on disk at every moment.

``Recorder`` runs the input stream: the PortAudio callback only queues blocks;
a pump thread writes them to a crash-safe WAV (``scribe.audio.wavfile.WavWriter``:
fsynced twice a second, readable if the process is killed at any moment),
measures the level and hands them to a listener (the live transcriber). A full
disk, or a device that disappears or stops sending audio, ends the recording
cleanly with a message, and what was captured is kept.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scribe.audio.wavfile import NO_SPACE, SAMPLE_RATE, WavWriter
from scribe.core.errors import RecordingError

log = logging.getLogger(__name__)


# --- devices -------------------------------------------------------------------


def _sd():
    """sounddevice, imported on first use (it loads PortAudio, which a server may not have)."""
    try:
        import sounddevice
    except OSError as exc:  # the Python package is there but libportaudio is not
        raise RecordingError(
            f"PortAudio is not available ({exc}). Install it (Debian/Ubuntu: apt install libportaudio2)."
        ) from exc
    return sounddevice


@dataclass
class InputDevice:
    index: int
    name: str
    hostapi: str
    channels: int
    default_rate: float
    is_default: bool = False


def list_devices() -> list[InputDevice]:
    """Every device that can record, as PortAudio sees it."""
    sd = _sd()
    default = sd.default.device[0]
    apis = sd.query_hostapis()
    return [
        InputDevice(
            index=i,
            name=d["name"],
            hostapi=apis[d["hostapi"]]["name"],
            channels=d["max_input_channels"],
            default_rate=d["default_samplerate"],
            is_default=i == default,
        )
        for i, d in enumerate(sd.query_devices())
        if d["max_input_channels"] > 0
    ]


def resolve_device(device: str | int | None) -> InputDevice:
    """The input device for an index, a (part of a) name, or None for the system default."""
    devices = list_devices()
    hint = "List them with: scribe record --list-devices"
    if not devices:
        raise RecordingError(
            "No microphone or other input device was found. Connect one (or check that the sound "
            "server is running) and try again."
        )
    if device is None or device == "":
        chosen = [d for d in devices if d.is_default] or devices[:1]
        return chosen[0]
    if isinstance(device, int) or str(device).strip().isdigit():
        index = int(device)
        for d in devices:
            if d.index == index:
                return d
        raise RecordingError(f"There is no input device number {index}. {hint}")
    wanted = str(device).strip().lower()
    exact = [d for d in devices if d.name.lower() == wanted]
    partial = exact or [d for d in devices if wanted in d.name.lower()]
    if len(partial) == 1:
        return partial[0]
    if not partial:
        raise RecordingError(f"No input device matches '{device}'. {hint}")
    names = ", ".join(f"{d.index}: {d.name}" for d in partial)
    raise RecordingError(f"'{device}' matches several input devices ({names}); give its number instead.")


class _Resampler:
    """Streaming conversion to 16 kHz for devices that cannot capture at 16 kHz themselves."""

    def __init__(self, rate: int) -> None:
        import av

        self._av = av
        self.rate = rate
        self._pts = 0
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)

    def __call__(self, mono: np.ndarray) -> np.ndarray:
        frame = self._av.AudioFrame.from_ndarray(
            np.ascontiguousarray(mono, dtype=np.float32).reshape(1, -1), format="flt", layout="mono"
        )
        frame.sample_rate = self.rate
        frame.pts = self._pts
        self._pts += len(mono)
        out = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


def dbfs(samples: np.ndarray) -> float:
    """RMS level in dB relative to full scale (-100 for silence)."""
    if not len(samples):
        return -100.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return max(-100.0, 20.0 * np.log10(rms + 1e-10))


# --- the recorder ------------------------------------------------------------------


@dataclass
class RecordingResult:
    """How a recording ended. ``stopped_by``: "user", "disk_full", "device_lost", "time_limit", "error"."""

    path: Path | None
    seconds: float
    stopped_by: str
    message: str = ""
    device: str = ""
    #: Positions in the recording (seconds) where it was paused and later resumed or stopped.
    pauses: list[float] = field(default_factory=list)
    dropped_blocks: int = 0
    warnings: list[str] = field(default_factory=list)


class Recorder:
    """Record one input device to a crash-safe WAV (``path``; None keeps nothing on disk).

    ``on_block(samples)`` receives every recorded 16 kHz float block (not while
    paused) from the pump thread; it must return quickly. Use ``start``, then
    ``pause``/``resume`` and ``stop`` from any thread; ``done`` is set when the
    recording ended by itself (full disk, lost device, time limit).
    """

    def __init__(
        self,
        path: str | Path | None,
        device: str | int | None = None,
        *,
        on_block: Callable[[np.ndarray], None] | None = None,
        capture_rate: int | None = None,
        block_seconds: float = 0.1,
        fsync_seconds: float = 0.5,
        stall_seconds: float = 5.0,
        max_seconds: float | None = None,
        writer_factory: Callable[[Path], WavWriter] | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.device = resolve_device(device)
        self.on_block = on_block
        self.block_seconds = block_seconds
        self.stall_seconds = stall_seconds
        self.max_seconds = max_seconds
        self._capture_rate = capture_rate
        self._writer_factory = writer_factory or (lambda p: WavWriter(p, fsync_seconds=fsync_seconds))
        self._writer: WavWriter | None = None
        self.rate, self.channels = SAMPLE_RATE, 1  # what the device actually delivers, set on start
        self._resample: _Resampler | None = None
        self._queue: queue.Queue[tuple[np.ndarray, bool]] = queue.Queue()
        self._paused = False
        self._pauses: list[float] = []
        self._frames = 0
        self._level = -100.0
        self._overflows = 0
        self._last_callback = 0.0
        self._stream: Any = None
        # PortAudio must not be stopped and closed from two threads at once.
        self._stream_lock = threading.Lock()
        self._stream_closed = False
        self._stream_ended = threading.Event()  # PortAudio finished (asked to, or on its own)
        self._stop_requested = threading.Event()
        self.started = threading.Event()  # the first block reached the disk
        self.done = threading.Event()  # the pump has finished and the file is closed
        self._pump: threading.Thread | None = None
        self._result: RecordingResult | None = None
        self._lock = threading.Lock()

    # --- state the UI shows ---------------------------------------------------

    @property
    def seconds(self) -> float:
        """Seconds recorded so far (pauses excluded)."""
        return self._frames / SAMPLE_RATE

    @property
    def level(self) -> float:
        """Level of the latest block in dBFS (also while paused, so the meter stays alive)."""
        return self._level

    @property
    def paused(self) -> bool:
        return self._paused

    # --- control -----------------------------------------------------------------

    def _open_stream(self) -> Any:
        sd = _sd()
        dev = self.device
        rates = [self._capture_rate] if self._capture_rate else [SAMPLE_RATE, int(dev.default_rate)]
        last: Exception | None = None
        for rate in dict.fromkeys(rates):
            for channels in dict.fromkeys([1, min(2, dev.channels)]):
                try:
                    sd.check_input_settings(dev.index, channels=channels, dtype="float32", samplerate=rate)
                except (sd.PortAudioError, ValueError) as exc:
                    last = exc
                    continue
                self.rate, self.channels = rate, channels
                self._resample = _Resampler(rate) if rate != SAMPLE_RATE else None
                try:
                    return sd.InputStream(
                        device=dev.index,
                        samplerate=rate,
                        channels=channels,
                        dtype="float32",
                        blocksize=int(rate * self.block_seconds),
                        latency=self.block_seconds,
                        callback=self._callback,
                        finished_callback=self._stream_ended.set,
                    )
                except sd.PortAudioError as exc:
                    last = exc
        raise RecordingError(
            f"Could not open the input device '{dev.name}' ({last}). Check that it is connected and not "
            "in use by another program; list devices with: scribe record --list-devices"
        )

    def start(self) -> Recorder:
        """Open the device and the file and begin recording (returns at once)."""
        if self._pump is not None:
            raise RecordingError("This recorder has already been started; make a new one.")
        self._stream = self._open_stream()
        if self.path is not None:
            try:
                self._writer = self._writer_factory(self.path)
            except BaseException:
                self._stream.close()
                raise
        self._last_callback = time.monotonic()
        self._pump = threading.Thread(target=self._run, name="scribe-recorder", daemon=True)
        self._pump.start()
        try:
            self._stream.start()
        except Exception as exc:
            self._stop_requested.set()
            self._close_stream(abort=True)
            self._pump.join()
            raise RecordingError(f"Could not start recording from '{self.device.name}': {exc}") from exc
        return self

    def pause(self) -> None:
        """Stop keeping audio until ``resume`` (the device stays open; the meter keeps moving)."""
        with self._lock:
            if not self._paused:
                self._paused = True
                self._pauses.append(round(self.seconds, 3))

    def resume(self) -> None:
        with self._lock:
            self._paused = False

    def stop(self, timeout: float = 10.0) -> RecordingResult:
        """Stop, write the last blocks and close the file; safe to call more than once."""
        self._stop_requested.set()
        self._close_stream(abort=False)
        if self._pump is not None:
            self._pump.join(timeout)
        return self.result

    @property
    def result(self) -> RecordingResult:
        if self._result is None:
            raise RecordingError("The recording has not finished yet.")
        return self._result

    # --- threads -------------------------------------------------------------------

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        # PortAudio's thread: copy and hand over, nothing else (no disk, no locks).
        self._last_callback = time.monotonic()
        if status.input_overflow:
            self._overflows += 1
        self._queue.put((indata.copy(), self._paused))

    def _close_stream(self, abort: bool) -> None:
        """Stop (waiting for the block in flight, so none is lost) or abort, then close; once."""
        with self._stream_lock:
            if self._stream is None or self._stream_closed:
                self._stream_ended.set()
                return
            try:
                self._stream.abort() if abort else self._stream.stop()
            except Exception as exc:  # a vanished device can refuse to stop; abort instead
                log.debug("stream.stop failed: %s", exc)
                with contextlib.suppress(Exception):
                    self._stream.abort()
            with contextlib.suppress(Exception):
                self._stream.close()
            self._stream_closed = True
        self._stream_ended.set()

    def _take(self, block: np.ndarray, paused: bool) -> None:
        mono = block[:, 0] if block.shape[1] == 1 else block.mean(axis=1)
        if self._resample is not None:
            mono = self._resample(mono)
        self._level = dbfs(mono)
        if paused or not len(mono):
            return
        if self._writer is not None:
            self._writer.write(mono)
        self._frames += len(mono)
        self.started.set()
        if self.on_block is not None:
            try:
                self.on_block(mono)
            except Exception:  # a listener failing must never cost the recording
                log.exception("The live listener failed; recording continues without it.")
                self.on_block = None

    def _run(self) -> None:
        stopped_by, message = "user", ""
        try:
            while True:
                try:
                    block, paused = self._queue.get(timeout=0.1)
                except queue.Empty:
                    if self._stream_ended.is_set():
                        if self._stop_requested.is_set():
                            break
                        stopped_by = "device_lost"
                        message = f"The input device '{self.device.name}' stopped (was it unplugged?)."
                        break
                    grace = self.stall_seconds if self.started.is_set() else max(10.0, self.stall_seconds)
                    if time.monotonic() - self._last_callback > grace and not self._stop_requested.is_set():
                        stopped_by = "device_lost"
                        message = (
                            f"The input device '{self.device.name}' sent no audio for {grace:.0f} s "
                            "(was it unplugged or taken by another program?)."
                        )
                        break
                    continue
                self._take(block, paused)
                if self.max_seconds is not None and self.seconds >= self.max_seconds:
                    stopped_by = "time_limit"
                    message = f"Reached the time limit of {self.max_seconds:.0f} s."
                    break
        except RecordingError as exc:
            cause = exc.__cause__
            stopped_by = "disk_full" if isinstance(cause, OSError) and cause.errno in NO_SPACE else "error"
            message = str(exc)
        except Exception as exc:  # keep what was captured whatever went wrong
            log.exception("Recording failed")
            stopped_by, message = "error", f"Recording stopped after an unexpected error: {exc}"
        finally:
            self._finish(stopped_by, message)

    def _finish(self, stopped_by: str, message: str) -> None:
        self._close_stream(abort=True)  # a no-op after stop(); needed when the recording ended itself
        seconds = self.seconds
        if self._writer is not None:
            seconds = self._writer.close()
        warnings = []
        if self._overflows:
            warnings.append(
                f"{self._overflows} audio block(s) were lost because the computer was too busy; "
                "there may be short gaps in the recording."
            )
        if stopped_by not in ("user", "time_limit") and message:
            warnings.append(message)
        pauses = list(self._pauses)
        self._result = RecordingResult(
            path=self.path,
            seconds=round(seconds, 3),
            stopped_by=stopped_by,
            message=message,
            device=self.device.name,
            pauses=pauses,
            dropped_blocks=self._overflows,
            warnings=warnings,
        )
        self.done.set()
