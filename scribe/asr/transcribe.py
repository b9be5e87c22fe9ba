"""Speech to timestamped, self-critical segments with faster-whisper, on this computer.

``Transcriber.stream`` is a generator: audio is decoded in chunks, grouped into
windows of about ``settings.chunk_seconds`` that end at a pause, and segments
are yielded as soon as Whisper produces them. Memory stays
flat whatever the length of the session.

Hallucination guards (see faster-whisper's README and whisper's own notes):
Silero VAD drops non-speech before decoding, ``condition_on_previous_text``
is off so one bad window cannot seed the next, temperature fallback with
compression-ratio / log-prob / no-speech thresholds, and
``hallucination_silence_threshold`` skips text invented over long silences.
Whatever still looks doubtful is kept but flagged ``needs_review``.

Files are transcribed in batches (``settings.batch_size`` speech clips of up to
30 s decoded together by faster-whisper's ``BatchedInferencePipeline``): about
twice as fast on two cores. The batched decoder has no temperature fallback and
no no-speech skip, so each clip is checked as whisper checks a window, and a clip
whose text is repetitive or whose decoding is unsure is decoded again alone with
every guard above (``scribe.asr.batching``). Clips never span a silence longer than
the hallucination threshold.

Batches run across windows: the clips a window leaves over (fewer than a batch)
wait, as copies of their own samples (at most ``batch_size - 1`` clips of 30 s, never
the window), and are decoded with the next window's first clips; the last partial
batch is decoded when the stream ends. So a recording of ``n`` clips takes
``ceil(n / batch_size)`` batches however many windows it spans. A batch's clips are
laid out in an array of their own, each after its pause (cut to 3 s) and
in its place within a Whisper frame, so a one-window recording gives exactly what
one call of faster-whisper over the window's clips gives; the pause before a
window's first word is measured from the last word of the window before. A batch is
encoded and decoded, and the VAD run, a few clips at a time, in bounded memory
(``scribe.asr.memory``). Live recording and dictation go one window at a time
(``transcribe_array``).
"""

from __future__ import annotations

import itertools
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np

from scribe.asr.batching import ClipBatcher
from scribe.asr.memory import LeanWhisper, use_lean_vad
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
        self._batched = None
        use_lean_vad()

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
        yield from self.to_segments(segments, offset)

    def batched_pipeline(self):
        """faster-whisper's batched decoder over this model, in bounded memory (made once)."""
        from faster_whisper import BatchedInferencePipeline

        if self._batched is None:
            self._batched = BatchedInferencePipeline(LeanWhisper(self.model))
        return self._batched

    @property
    def batched(self) -> bool:
        """Whether files go through the batched decoder (it needs VAD to find the clips, and
        word times to cut a clip into segments)."""
        s = self.settings
        return s.batch_size > 1 and s.vad_filter and s.word_timestamps

    def transcribe_batched(self, samples: np.ndarray, offset: float = 0.0) -> Iterator[Segment]:
        """Segments of one window, its speech clips decoded ``settings.batch_size`` at a time (ids from 0)."""
        batcher = ClipBatcher(self, offset)
        segments = itertools.chain(batcher.add(samples, offset), batcher.flush())
        for i, seg in enumerate(segments):
            seg.id = i
            yield seg

    def to_segments(self, segments: Iterable, offset: float) -> Iterator[Segment]:
        """Our records for faster-whisper's segments, timed from ``offset``, with review flags."""
        for i, fw in enumerate(segments):
            words = [
                Word(
                    round(float(w.start) + offset, 3),
                    round(float(w.end) + offset, 3),
                    w.word,
                    round(float(w.probability), 4),
                )
                for w in fw.words or []
            ]
            seg = Segment(
                id=i,
                start=round(float(fw.start) + offset, 3),
                end=round(float(fw.end) + offset, 3),
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
            for raw, done in self._decoded(windows_at_pauses(chunks, self.settings.chunk_seconds)):
                seg = drop_boundary_repeat(prev, raw) if raw is not None else None
                if seg is not None and seg.text:
                    seg.id, next_id, prev = next_id, next_id + 1, seg
                    yield seg
                if bar is not None:
                    bar.update(max(0.0, done - bar.n))
        finally:
            if bar is not None:
                bar.close()

    def _decoded(self, windows: Iterable[tuple[float, np.ndarray]]) -> Iterator[tuple[Segment | None, float]]:
        """Each segment of the windows with its end, and after each window how far all is decoded (s).

        Batched, the clips a window leaves over (fewer than a batch) wait for the next
        window's first clips; the last ones are decoded when the stream ends.
        """
        if not self.batched:
            for offset, window in windows:
                for seg in self.transcribe_array(window, offset):
                    yield seg, seg.end
                yield None, offset + len(window) / SAMPLE_RATE
            return
        batcher: ClipBatcher | None = None
        end = 0.0
        for offset, window in windows:
            batcher = batcher or ClipBatcher(self, offset)
            for seg in batcher.add(window, offset):
                yield seg, seg.end
            end = offset + len(window) / SAMPLE_RATE
            yield None, batcher.pending[0].start if batcher.pending else end
        if batcher is not None:
            for seg in batcher.flush():
                yield seg, seg.end
        yield None, end

    def transcribe_file(self, path: str | Path, progress: bool = False) -> Transcript:
        """Transcribe a whole recording; raises NoSpeechError when nothing was said."""
        report = audio_io.DecodeReport()
        return self.transcribe_chunks(
            audio_io.stream(path, report=report),
            lambda: audio_io.audio_info(path, report),
            progress=progress,
            total_seconds=audio_io.probe_seconds(path),
        )

    def transcribe_samples(self, samples: np.ndarray, info: AudioInfo, progress: bool = False) -> Transcript:
        """Transcribe a recording already decoded to 16 kHz mono ``samples``; ``info`` describes its file.

        The same windows and results as ``transcribe_file`` on that file, without decoding it again.
        """
        chunk = int(30.0 * SAMPLE_RATE)  # the chunks ``audio.decode.stream`` yields
        return self.transcribe_chunks(
            (samples[i : i + chunk] for i in range(0, len(samples), chunk)),
            lambda: info,
            progress=progress,
            total_seconds=len(samples) / SAMPLE_RATE,
        )

    def transcribe_chunks(
        self,
        chunks: Iterable[np.ndarray],
        info: Callable[[], AudioInfo],
        progress: bool = False,
        total_seconds: float | None = None,
    ) -> Transcript:
        """Transcribe a recording streamed as 16 kHz mono chunks, holding one window at a time.

        ``info`` is asked for the file's record once the chunks are spent (a decoder knows
        the fingerprint and what went wrong only then). The windows, so the results, do not
        depend on how the stream is cut into chunks.
        """
        peak, samples = 0.0, 0

        def measured() -> Iterator[np.ndarray]:
            nonlocal peak, samples
            for chunk in chunks:
                peak = max(peak, float(np.max(np.abs(chunk))) if len(chunk) else 0.0)
                samples += len(chunk)
                yield chunk

        segments = list(self.stream(measured(), progress=progress, total_seconds=total_seconds))
        return self._transcript(segments, info(), peak, samples)

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


def transcribe_file(
    path: str | Path,
    model: str | None = None,
    settings: TranscriptionSettings | None = None,
    progress: bool = False,
) -> Transcript:
    """Convenience: transcribe one file with a (cached) model."""
    audio_io.check_file(path)
    return Transcriber(model, settings).transcribe_file(path, progress=progress)
