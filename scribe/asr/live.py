"""Transcribe while recording, and dictation.

``LiveTranscriber`` receives the recorded blocks, groups them into windows cut
at pauses (``windows_at_pauses``: about ``window_seconds`` long, each ending at
the quietest moment of a stretch around the target) and transcribes every
completed window in a background thread. When the recording stops only the
last window is left to do: seconds, not a re-run of the whole session.

Overlap, so that no word is lost or doubled: windows are contiguous and do
not overlap, so no audio is transcribed twice; each cut lies at the quietest
moment of a pause, so no word is split; and should Whisper still hear one word
on both sides of a cut, ``drop_boundary_repeat`` removes the repeat. Measured
with bench/live.py (base, 10.8 min): no word lost or doubled at 55 cuts; the
few extra errors next to cuts are first words heard slightly differently
("I have" -> "I've"). Giving each window the previous 3 s as context (and
dropping the words timed before the cut) was tried and is worse: Whisper then
drops the short word after the context ("Yes, I want" -> "I want").

``LiveSession`` ties a ``Recorder`` to a ``LiveTranscriber`` and returns, on
``finish()``, the final ``Transcript`` and the audio path (``SessionResult``):
that is the hook the session store uses to save a recording. ``dictate``
records a short note and returns its text.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scribe.asr.transcribe import Transcriber, drop_boundary_repeat, windows_at_pauses
from scribe.audio import decode as audio_io
from scribe.audio.recorder import SAMPLE_RATE, Recorder, RecordingResult, dbfs
from scribe.core.errors import NoSpeechError, RecordingError
from scribe.core.records import Segment, Transcript

log = logging.getLogger(__name__)

#: Live windows: long enough for Whisper's context, short enough that Stop leaves little to do.
LIVE_WINDOW_SECONDS = 20.0


@dataclass
class WindowTiming:
    """One window transcribed in the background: where it was and how long it took."""

    offset: float
    seconds: float
    elapsed: float
    after_stop: bool = False


class LiveTranscriber:
    """Transcribes audio fed to it block by block, window by window, in a background thread."""

    def __init__(
        self,
        transcriber: Transcriber,
        window_seconds: float = LIVE_WINDOW_SECONDS,
        search_seconds: float | None = None,
    ) -> None:
        self.transcriber = transcriber
        self.window_seconds = window_seconds
        self.search_seconds = search_seconds if search_seconds is not None else window_seconds / 2
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue()
        self._segments: list[Segment] = []
        self._lock = threading.Lock()
        self._fed = 0
        self._done_until = 0.0
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scribe-live", daemon=True)
        self.timings: list[WindowTiming] = []
        self.error: BaseException | None = None

    def start(self) -> LiveTranscriber:
        self._thread.start()
        return self

    def feed(self, samples: np.ndarray) -> None:
        """Queue 16 kHz mono samples (called from the recorder's thread; returns at once)."""
        if self._closed.is_set():
            raise RecordingError("This live transcription has already finished.")
        self._fed += len(samples)
        if self.error is not None:
            return  # the thread is gone: do not pile up audio; finish() transcribes the file instead
        self._queue.put(np.asarray(samples, dtype=np.float32))

    @property
    def fed_seconds(self) -> float:
        return self._fed / SAMPLE_RATE

    @property
    def transcribed_seconds(self) -> float:
        """Audio up to this point has its transcript (for the meter)."""
        return self._done_until

    @property
    def segments(self) -> list[Segment]:
        with self._lock:
            return list(self._segments)

    def _chunks(self) -> Iterator[np.ndarray]:
        taken = 0
        while True:
            # Asked for more audio: everything taken before is buffered or transcribed (see wait_idle).
            for _ in range(taken):
                self._queue.task_done()
            block = self._queue.get()
            taken = 1
            if block is None:
                self._queue.task_done()
                return
            # Join whatever else is already waiting: fewer, larger concatenations downstream.
            parts = [block]
            while True:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                taken += 1
                if more is None:
                    for _ in range(taken):
                        self._queue.task_done()
                    yield np.concatenate(parts)
                    return
                parts.append(more)
            yield np.concatenate(parts) if len(parts) > 1 else block

    def wait_idle(self) -> None:
        """Block until every completed window fed so far is transcribed (a simulated source's pacing)."""
        while self._queue.unfinished_tasks and self._thread.is_alive():  # join() would hang if it died
            time.sleep(0.005)

    def _run(self) -> None:
        prev: Segment | None = None
        try:
            for offset, window in windows_at_pauses(self._chunks(), self.window_seconds, self.search_seconds):
                after_stop = self._closed.is_set()
                t0 = time.perf_counter()
                for raw in self.transcriber.transcribe_array(window, offset):
                    seg = drop_boundary_repeat(prev, raw)
                    if not seg.text:
                        continue
                    prev = seg
                    with self._lock:
                        seg.id = len(self._segments)
                        self._segments.append(seg)
                seconds = len(window) / SAMPLE_RATE
                self._done_until = offset + seconds
                self.timings.append(
                    WindowTiming(offset, round(seconds, 2), round(time.perf_counter() - t0, 3), after_stop)
                )
        except BaseException as exc:  # reported by finish(); the recording itself is unaffected
            log.exception("Live transcription failed")
            self.error = exc
            while True:  # free the audio queued so far; the file on disk has it
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break

    def finish(self, timeout: float | None = None) -> list[Segment]:
        """No more audio: transcribe what is left and return every segment, in order."""
        if not self._closed.is_set():
            self._closed.set()
            self._queue.put(None)
        if not self._thread.ident:  # never started: run now so the queued audio is still transcribed
            self._thread.start()
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise RecordingError("Live transcription did not finish in time.")
        return self.segments


@dataclass
class SessionResult:
    """What a recorded session leaves: the transcript, the audio file and how the recording ended."""

    transcript: Transcript
    audio_path: Path
    recording: RecordingResult
    #: Seconds from Stop to the complete transcript.
    stop_latency: float = 0.0
    warnings: list[str] = field(default_factory=list)


def build_transcript(
    segments: list[Segment], transcriber: Transcriber, audio_path: Path, seconds: float, warnings: list[str]
) -> Transcript:
    """The Transcript record of a finished recording (fingerprinted like any decoded file)."""
    report = audio_io.DecodeReport(
        channels=1,
        source_rate=SAMPLE_RATE,
        codec="pcm_s16le",
        container="wav",
        samples=round(seconds * SAMPLE_RATE),
        warnings=list(warnings),
    )
    info = audio_io.audio_info(audio_path, report)
    notes = list(warnings)
    if not segments:
        notes.append(
            "No speech was recognised in the recording. The audio is kept; check that the "
            "right microphone was chosen and that it was not muted."
        )
    return Transcript(
        segments=segments,
        language=transcriber.settings.language or "en",
        duration=info.duration,
        settings=transcriber.settings,
        audio=info,
        warnings=notes,
        source="audio",
    )


class LiveSession:
    """Record ``audio_path`` from ``device`` and transcribe it as it goes.

    The store hook: ``finish()`` returns a ``SessionResult`` holding the final
    ``Transcript`` and the path of the audio, for whoever saves the session
    (the CLI writes them to a folder; the encrypted store can take them over).
    """

    def __init__(
        self,
        audio_path: str | Path,
        transcriber: Transcriber,
        device: str | int | None = None,
        *,
        window_seconds: float = LIVE_WINDOW_SECONDS,
        capture_rate: int | None = None,
        max_seconds: float | None = None,
    ) -> None:
        self.audio_path = Path(audio_path)
        self.transcriber = transcriber
        self.live = LiveTranscriber(transcriber, window_seconds)
        self.recorder = Recorder(
            self.audio_path,
            device,
            on_block=self.live.feed,
            capture_rate=capture_rate,
            max_seconds=max_seconds,
        )

    def start(self) -> LiveSession:
        self.live.start()
        try:
            self.recorder.start()
        except BaseException:
            self.live.finish()
            raise
        return self

    def pause(self) -> None:
        self.recorder.pause()

    def resume(self) -> None:
        self.recorder.resume()

    @property
    def done(self) -> threading.Event:
        """Set when the recording ended by itself (full disk, lost device, time limit)."""
        return self.recorder.done

    def finish(self) -> SessionResult:
        """Stop recording, transcribe the last window and return the complete session."""
        t0 = time.perf_counter()
        recording = self.recorder.stop()
        segments = self.live.finish()
        warnings = list(recording.warnings)
        if self.live.error is not None:
            # The audio is safe on disk: transcribe it the ordinary way instead.
            warnings.append(
                f"Live transcription failed ({self.live.error}); the saved audio was transcribed."
            )
            segments = list(self.transcriber.stream(audio_io.stream(self.audio_path)))
        transcript = build_transcript(
            segments, self.transcriber, self.audio_path, recording.seconds, warnings
        )
        return SessionResult(
            transcript=transcript,
            audio_path=self.audio_path,
            recording=recording,
            stop_latency=round(time.perf_counter() - t0, 3),
            warnings=warnings,
        )


# --- dictation ---------------------------------------------------------------------

#: Section keys of the built-in note formats (SOAP, DAP, BIRP, GIRP, process recording).
KNOWN_SECTIONS: tuple[str, ...] = (
    "subjective", "objective", "assessment", "plan", "risk", "data", "goals", "dialogue",
    "behavior", "behaviour", "intervention", "response",
)  # fmt: skip

# "add" is often heard as "and" or "at" ("And to objective, ...", "At objective, ..."), and
# "to" is sometimes lost ("And the plan, ...", "And objective. Client ..."), hence the
# variants; the section must be a known one, and without "to" a comma, colon or full stop
# must follow it, so "And to be honest, ..." or "And the plan is ..." are left alone.
_SECTION_COMMANDS = (
    re.compile(
        r"^\s*(?:please\s+)?(?:add|and|append|put)(?:\s+this)?\s+(?:to|in|into|under)\s+(?:the\s+)?"
        r"(?P<section>[a-z]+)(?:\s+section)?\s*[:,.;\-]*\s+(?P<text>\S.*)$",
        re.IGNORECASE | re.DOTALL,
    ),
    re.compile(
        r"^\s*(?:add|and|at)\s+(?:the\s+)?(?P<section>[a-z]+)(?:\s+section)?\s*[:,.]\s*(?P<text>\S.*)$",
        re.IGNORECASE | re.DOTALL,
    ),
)


def split_section_command(text: str, sections: tuple[str, ...] = KNOWN_SECTIONS) -> tuple[str | None, str]:
    """``"Add to Objective: client arrived late."`` -> ``("objective", "Client arrived late.")``.

    "behaviour" is given as the section key "behavior" (BIRP's).
    """
    for pattern in _SECTION_COMMANDS:
        match = pattern.match(text)
        if match and match.group("section").lower() in sections:
            body = match.group("text").strip()
            named = match.group("section").lower()
            return ("behavior" if named == "behaviour" else named), body[:1].upper() + body[1:]
    return None, text.strip()


def dictate_audio(audio: str | Path | np.ndarray, transcriber: Transcriber | None = None) -> str:
    """The text of a short dictation given as a file or 16 kHz mono samples (used by the UI)."""
    transcriber = transcriber or Transcriber()
    if isinstance(audio, np.ndarray):
        samples = np.asarray(audio, dtype=np.float32).reshape(-1)
        what = "The dictation"
    else:
        samples = audio_io.load(audio)
        what = Path(audio).name
    if not len(samples):
        raise NoSpeechError(f"{what} is empty: nothing was recorded.")
    text = " ".join(seg.text.strip() for seg in transcriber.transcribe_array(samples)).strip()
    if not text:
        quiet = float(np.max(np.abs(samples))) < 1e-3
        raise NoSpeechError(
            f"{what} {'is silent' if quiet else 'contains no recognisable speech'}. "
            "Check the microphone and speak after the recording starts."
        )
    return text


def dictate(
    seconds: float | None = None,
    device: str | int | None = None,
    transcriber: Transcriber | None = None,
    *,
    silence_seconds: float | None = 2.0,
    speech_dbfs: float = -40.0,
    max_seconds: float = 120.0,
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
    capture_rate: int | None = None,
) -> str:
    """Record a short dictation from ``device`` and return its text.

    Recording ends after ``seconds``, when ``stop`` is set, or (by default) after
    ``silence_seconds`` of quiet once speech has been heard; never later than
    ``max_seconds``. ``ready`` is set when audio starts arriving (show "speak now").
    Nothing is written to disk.
    """
    transcriber = transcriber or Transcriber()
    stop = stop or threading.Event()
    blocks: list[np.ndarray] = []
    heard = threading.Event()
    clock = {"now": 0.0, "quiet_since": 0.0}

    def on_block(block: np.ndarray) -> None:
        if ready is not None and not blocks:
            ready.set()
        blocks.append(block)
        clock["now"] = now = clock["now"] + len(block) / SAMPLE_RATE
        if dbfs(block) > speech_dbfs:
            heard.set()
            clock["quiet_since"] = now
        elif silence_seconds and heard.is_set() and now - clock["quiet_since"] >= silence_seconds:
            stop.set()
        if seconds is not None and now >= seconds:
            stop.set()

    limit = min(max_seconds, seconds) if seconds is not None else max_seconds
    recorder = Recorder(None, device, on_block=on_block, capture_rate=capture_rate, max_seconds=limit)
    recorder.start()
    try:
        while not stop.wait(0.05) and not recorder.done.is_set():
            pass
    finally:
        result = recorder.stop()
    if result.stopped_by in ("device_lost", "error") and not blocks:
        raise RecordingError(result.message)
    samples = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
    return dictate_audio(samples, transcriber)
