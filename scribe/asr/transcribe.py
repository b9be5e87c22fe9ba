"""Speech to timestamped, self-critical segments with faster-whisper, on this computer.

``Transcriber.stream`` is a generator: audio is decoded in chunks, grouped into
windows of about ``settings.chunk_seconds`` that end at a pause, and each
window's segments are yielded as soon as Whisper produces them. Memory stays
flat whatever the length of the session.

Hallucination guards (see faster-whisper's README and whisper's own notes):
Silero VAD drops non-speech before decoding, ``condition_on_previous_text``
is off so one bad window cannot seed the next, temperature fallback with
compression-ratio / log-prob / no-speech thresholds, and
``hallucination_silence_threshold`` skips text invented over long silences.
Whatever still looks doubtful is kept but flagged ``needs_review``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np

from scribe.asr.models import resolve_model
from scribe.audio import decode as audio_io
from scribe.core.errors import ModelError, NoSpeechError
from scribe.core.records import AudioInfo, Segment, Transcript, TranscriptionSettings, Word

log = logging.getLogger(__name__)

SAMPLE_RATE = audio_io.SAMPLE_RATE
#: A window is cut at the quietest moment within this many seconds before its target end.
PAUSE_SEARCH_SECONDS = 20.0


@cache
def load_whisper(model_dir: str, compute_type: str, cpu_threads: int):
    """Load (once per process) a CTranslate2 Whisper model from a verified local folder."""
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(
            model_dir, device="cpu", compute_type=compute_type, cpu_threads=cpu_threads, local_files_only=True
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"Could not load the Whisper model in {model_dir}: {exc}") from exc


def quietest_point(samples: np.ndarray, lo: int, hi: int, frame: int = 480) -> int:
    """Index in ``samples[lo:hi]`` where smoothed energy is lowest: a pause between words."""
    region = samples[lo:hi]
    n = len(region) // frame
    if n < 3:
        return hi
    rms = np.sqrt(np.mean(region[: n * frame].reshape(n, frame) ** 2, axis=1))
    width = min(n, 10)  # ~300 ms moving average, so a gap between words beats a quiet consonant
    smooth = np.convolve(rms, np.ones(width) / width, mode="same")
    return lo + int(np.argmin(smooth)) * frame + frame // 2


def windows_at_pauses(
    chunks: Iterable[np.ndarray], target_seconds: float, search_seconds: float = PAUSE_SEARCH_SECONDS
) -> Iterator[tuple[float, np.ndarray]]:
    """Group a stream of sample chunks into ``(offset seconds, window)`` pieces cut at pauses."""
    target = int(target_seconds * SAMPLE_RATE)
    search = int(min(search_seconds, target_seconds / 2) * SAMPLE_RATE)
    pending: list[np.ndarray] = []  # joined only when a window is due: no quadratic copying
    pending_len = offset = 0
    for chunk in chunks:
        pending.append(chunk)
        pending_len += len(chunk)
        if pending_len < target + search:
            continue
        buffer = np.concatenate(pending)
        while len(buffer) >= target + search:
            cut = quietest_point(buffer, target - search, target + search)
            yield offset / SAMPLE_RATE, buffer[:cut]
            offset += cut
            buffer = buffer[cut:]
        pending, pending_len = [buffer], len(buffer)
    if pending_len:
        yield offset / SAMPLE_RATE, np.concatenate(pending)


def review_reasons(seg: Segment, settings: TranscriptionSettings) -> list[str]:
    """Why a segment deserves a second look, in words a worker understands."""
    reasons = []
    if seg.avg_logprob < settings.review_logprob:
        reasons.append(f"low recognition confidence (avg log-prob {seg.avg_logprob:.2f})")
    # Whisper reports no-speech per 30 s window, not per segment, so on its own it
    # flags whole windows; like whisper's own skip rule, require weak decoding too.
    if seg.no_speech_prob > settings.review_no_speech and seg.avg_logprob < settings.review_logprob / 2:
        reasons.append(f"may be noise rather than speech (no-speech {seg.no_speech_prob:.2f})")
    if seg.compression_ratio > settings.review_compression:
        reasons.append(
            f"repetitive text, a sign of a hallucination (compression {seg.compression_ratio:.1f})"
        )
    unclear = [w.text.strip() for w in seg.words if w.probability < settings.review_word_probability]
    if seg.words and len(unclear) / len(seg.words) > 0.2:
        reasons.append(f"{len(unclear)} unclear word(s): {', '.join(unclear[:5])}")
    return reasons


def _norm(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


def drop_boundary_repeat(prev: Segment | None, seg: Segment, max_words: int = 3) -> Segment:
    """Remove words at the start of ``seg`` that repeat the end of ``prev`` at the same moment.

    Whisper's 30 s windows can cut inside a word, which then appears at the end of
    one segment and again at the start of the next ("... Support Program." /
    "program. See you ..."). A real repetition is said again later; a boundary
    echo starts before the previous word has finished.
    """
    if prev is None or not prev.words or not seg.words:
        return seg
    for n in range(min(max_words, len(prev.words), len(seg.words)), 0, -1):
        tail, head = prev.words[-n:], seg.words[:n]
        same = all(_norm(a.text) == _norm(b.text) and _norm(a.text) for a, b in zip(tail, head, strict=True))
        if same and head[0].start <= tail[0].end + 0.1:
            words = seg.words[n:]
            if not words:
                return replace(seg, words=[], text="")
            return replace(
                seg, words=words, text="".join(w.text for w in words).strip(), start=words[0].start
            )
    return seg


class Transcriber:
    """A loaded model plus the settings it runs with; reuse it for many files."""

    def __init__(
        self,
        model: str | None = None,
        settings: TranscriptionSettings | None = None,
        allow_download: bool = False,
    ) -> None:
        settings = settings or TranscriptionSettings()
        name, path = resolve_model(model or (settings.model_path or None) or settings.model, allow_download)
        self.settings = replace(settings, model=name, model_path=str(path))
        self.model = load_whisper(str(path), self.settings.compute_type, self.settings.cpu_threads)

    def whisper_options(self) -> dict:
        """The keyword options passed to faster-whisper, derived from the settings (one place)."""
        s = self.settings
        return {
            "language": s.language,
            "beam_size": s.beam_size,
            "vad_filter": s.vad_filter,
            "word_timestamps": s.word_timestamps,
            "condition_on_previous_text": s.condition_on_previous_text,
            "log_prob_threshold": s.review_logprob,
            "no_speech_threshold": s.review_no_speech,
            "compression_ratio_threshold": s.review_compression,
            "hallucination_silence_threshold": 2.0 if s.word_timestamps else None,
        }

    def transcribe_array(self, samples: np.ndarray, offset: float = 0.0) -> Iterator[Segment]:
        """Segments of one window of 16 kHz mono audio, timed from ``offset`` (ids from 0)."""
        segments, _info = self.model.transcribe(samples, **self.whisper_options())
        for i, fw in enumerate(segments):
            words = [
                Word(round(w.start + offset, 3), round(w.end + offset, 3), w.word, round(w.probability, 4))
                for w in fw.words or []
            ]
            seg = Segment(
                id=i,
                start=round(fw.start + offset, 3),
                end=round(fw.end + offset, 3),
                text=fw.text.strip(),
                words=words,
                avg_logprob=round(fw.avg_logprob, 4),
                no_speech_prob=round(fw.no_speech_prob, 4),
                compression_ratio=round(fw.compression_ratio, 4),
            )
            if not seg.text:
                continue
            seg.review_reasons = review_reasons(seg, self.settings)
            seg.needs_review = bool(seg.review_reasons)
            yield seg

    def stream(
        self, chunks: Iterable[np.ndarray], progress: bool = False, total_seconds: float | None = None
    ) -> Iterator[Segment]:
        """Segments for a stream of audio chunks, window by window (a generator)."""
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=total_seconds, unit="s", desc="Transcribing", file=sys.stderr, leave=False)
        next_id = 0
        prev: Segment | None = None
        try:
            for offset, window in windows_at_pauses(chunks, self.settings.chunk_seconds):
                for raw in self.transcribe_array(window, offset):
                    seg = drop_boundary_repeat(prev, raw)
                    if not seg.text:
                        continue
                    seg.id, next_id, prev = next_id, next_id + 1, seg
                    if bar is not None:
                        bar.update(max(0.0, seg.end - bar.n))
                    yield seg
                if bar is not None:
                    bar.update(max(0.0, offset + len(window) / SAMPLE_RATE - bar.n))
        finally:
            if bar is not None:
                bar.close()

    def transcribe_file(self, path: str | Path, progress: bool = False) -> Transcript:
        """Transcribe a whole recording; raises NoSpeechError when nothing was said."""
        report = audio_io.DecodeReport()
        total = _probe_seconds(path)
        peak = 0.0

        def chunks() -> Iterator[np.ndarray]:
            nonlocal peak
            for chunk in audio_io.stream(path, report=report):
                peak = max(peak, float(np.max(np.abs(chunk))) if len(chunk) else 0.0)
                yield chunk

        segments = list(self.stream(chunks(), progress=progress, total_seconds=total))
        info = audio_io.audio_info(path, report)
        return self._transcript(segments, info, peak, report.samples)

    def transcribe_samples(self, samples: np.ndarray, info: AudioInfo, progress: bool = False) -> Transcript:
        """Transcribe a recording already decoded to 16 kHz mono ``samples``; ``info`` describes its file.

        The same windows and results as ``transcribe_file`` on that file, without decoding it again.
        """
        peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
        chunk = int(30.0 * SAMPLE_RATE)  # the chunks ``audio.decode.stream`` yields
        chunks = (samples[i : i + chunk] for i in range(0, len(samples), chunk))
        segments = list(self.stream(chunks, progress=progress, total_seconds=len(samples) / SAMPLE_RATE))
        return self._transcript(segments, info, peak, len(samples))

    def _transcript(self, segments: list[Segment], info: AudioInfo, peak: float, samples: int) -> Transcript:
        """The transcript of a whole recording; NoSpeechError when nothing was said."""
        name = Path(info.path).name
        if samples == 0:
            raise NoSpeechError(f"{name} contains no audio samples. Is the file complete?")
        if not segments:
            what = "is silent" if peak < 1e-3 else "contains no recognisable speech"
            raise NoSpeechError(
                f"{name} {what} ({info.duration:.0f} s of audio). "
                "Check that the microphone was on and that this is the right file."
            )
        return Transcript(
            segments=segments,
            language=self.settings.language or "en",
            duration=info.duration,
            settings=self.settings,
            audio=info,
            warnings=list(info.warnings),
            source="audio",
        )


def _probe_seconds(path: str | Path) -> float | None:
    """Duration from the header, for the progress bar only (may be None)."""
    try:
        import av

        with av.open(str(path), metadata_errors="ignore") as c:
            return c.duration / 1_000_000 if c.duration else None
    except Exception:  # a bad file is reported properly by the decoder
        return None


def transcribe_file(
    path: str | Path,
    model: str | None = None,
    settings: TranscriptionSettings | None = None,
    progress: bool = False,
) -> Transcript:
    """Convenience: transcribe one file with a (cached) model."""
    audio_io.check_file(path)
    return Transcriber(model, settings).transcribe_file(path, progress=progress)
