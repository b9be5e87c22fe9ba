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

Files are transcribed in batches (``settings.batch_size`` speech clips of up to
30 s decoded together by faster-whisper's ``BatchedInferencePipeline``): about
twice as fast on two cores. The batched decoder has no temperature fallback and
no no-speech skip, so each clip is checked as whisper checks a window, and a clip
whose text is repetitive or whose decoding is unsure is decoded again alone with
every guard above (see ``Transcriber.transcribe_batched``). Clips never span a
silence longer than the hallucination threshold. A batch is encoded and decoded,
and the VAD run, a few clips at a time, in bounded memory (``scribe.asr.memory``).
Live recording and dictation go one window at a time (``transcribe_array``).
"""

from __future__ import annotations

import logging
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np

from scribe.asr.memory import LeanWhisper, use_lean_vad
from scribe.asr.models import resolve_model
from scribe.audio import decode as audio_io
from scribe.core.errors import ModelError, NoSpeechError
from scribe.core.records import AudioInfo, Segment, Transcript, TranscriptionSettings, Word

log = logging.getLogger(__name__)

SAMPLE_RATE = audio_io.SAMPLE_RATE
#: A window is cut at the quietest moment within this many seconds before its target end.
PAUSE_SEARCH_SECONDS = 20.0
#: Whisper hears 30 s at a time: a batched clip is at most this long.
CLIP_SECONDS = 30.0
#: A silence longer than this (seconds) starts a new clip: Whisper invents text over long
#: silences (the sequential path's ``hallucination_silence_threshold``).
CLIP_MAX_GAP = 2.0
#: A batched clip's words are cut into segments at sentence ends, or at a pause this long (s).
SEGMENT_PAUSE = 1.0


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


def speech_clips(
    speech: list[dict], max_seconds: float = CLIP_SECONDS, max_gap: float = CLIP_MAX_GAP
) -> list[tuple[int, int]]:
    """Group VAD speech spans (``{"start", "end"}`` in samples) into clips to decode as one.

    A clip gathers neighbouring spans while it stays within ``max_seconds`` and no
    silence inside it is longer than ``max_gap``; a span longer than ``max_seconds``
    is cut into pieces (Whisper would drop what lies past 30 s).
    """
    limit, gap = int(max_seconds * SAMPLE_RATE), int(max_gap * SAMPLE_RATE)
    pieces = [
        (lo, min(lo + limit, span["end"]))
        for span in speech
        for lo in range(int(span["start"]), int(span["end"]), limit)
    ]
    clips: list[tuple[int, int]] = []
    for lo, hi in pieces:
        if clips and hi - clips[-1][0] <= limit and lo - clips[-1][1] <= gap:
            clips[-1] = (clips[-1][0], max(hi, clips[-1][1]))
        else:
            clips.append((lo, hi))
    return clips


def split_sentences(fw):
    """One batched clip's faster-whisper segment cut into sentences by its word times.

    The batched decoder runs without timestamp tokens, so it returns a clip's
    whole text at once (with timestamp tokens, words after the last one are lost:
    nothing decodes them again as the sequential decoder does). Segments are then
    cut where a sentence ends or the speaker pauses, as Whisper's own segments are.
    """
    words = fw.words or []
    pieces, current = [], []
    for i, w in enumerate(words):
        current.append(w)
        last = i == len(words) - 1
        pause = not last and words[i + 1].start - w.end >= SEGMENT_PAUSE
        if last or pause or w.word.rstrip().endswith((".", "?", "!")):
            text = "".join(x.word for x in current).strip()
            pieces.append(
                replace(
                    fw,
                    start=current[0].start,
                    end=current[-1].end,
                    text=text,
                    words=current,
                    compression_ratio=compression_ratio(text),
                )
            )
            current = []
    return pieces or [fw]


def compression_ratio(text: str) -> float:
    """Whisper's repetition measure: text length over its zlib-compressed length."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


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
        yield from self._segments(segments, offset)

    @property
    def batched(self) -> bool:
        """Whether files go through the batched decoder (it needs VAD to find the clips, and
        word times to cut a clip into segments)."""
        s = self.settings
        return s.batch_size > 1 and s.vad_filter and s.word_timestamps

    def transcribe_batched(self, samples: np.ndarray, offset: float = 0.0) -> Iterator[Segment]:
        """Segments of one window, its speech clips decoded ``settings.batch_size`` at a time.

        A clip is decoded again alone, with temperature fallback and the no-speech
        skip, when its text is repetitive (compression ratio) or its average
        log-probability is below the threshold: whisper's own test for a failed window.
        """
        from faster_whisper import BatchedInferencePipeline
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        s = self.settings
        speech = get_speech_timestamps(samples, VadOptions(max_speech_duration_s=CLIP_SECONDS))
        clips = speech_clips(speech)
        if not clips:
            return
        if self._batched is None:
            self._batched = BatchedInferencePipeline(LeanWhisper(self.model))
        options = self.whisper_options()
        for key in ("condition_on_previous_text", "hallucination_silence_threshold", "vad_filter"):
            options.pop(key)  # none of these applies to independent clips
        segments, _info = self._batched.transcribe(
            samples,
            clip_timestamps=[{"start": lo / SAMPLE_RATE, "end": hi / SAMPLE_RATE} for lo, hi in clips],
            batch_size=s.batch_size,
            without_timestamps=True,
            temperature=0.0,
            **options,
        )
        fps = self.model.frames_per_second
        by_seek = {int(lo / SAMPLE_RATE * fps): i for i, (lo, _hi) in enumerate(clips)}
        per_clip: list[list] = [[] for _ in clips]
        for fw in segments:
            per_clip[by_seek[fw.seek]].append(fw)
        next_id = 0
        for (lo, hi), found in zip(clips, per_clip, strict=True):
            text = "".join(fw.text for fw in found)
            failed = found and (
                compression_ratio(text) > s.review_compression or found[0].avg_logprob < s.review_logprob
            )
            if failed:
                log.debug("clip %.1f-%.1f s decoded again alone", lo / SAMPLE_RATE, hi / SAMPLE_RATE)
                redone, _ = self.model.transcribe(samples[lo:hi], **self.whisper_options())
                out = self._segments(redone, offset + lo / SAMPLE_RATE)
            else:
                out = self._segments([p for fw in found for p in split_sentences(fw)], offset)
            for seg in out:
                seg.id, next_id = next_id, next_id + 1
                yield seg

    def _segments(self, segments: Iterable, offset: float) -> Iterator[Segment]:
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
            decode = self.transcribe_batched if self.batched else self.transcribe_array
            for offset, window in windows_at_pauses(chunks, self.settings.chunk_seconds):
                for raw in decode(window, offset):
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
