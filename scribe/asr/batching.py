"""Speech clips decoded in batches: found by the VAD, held across windows, laid out and checked.

The rule (see ``scribe.asr.transcribe`` for the whole path): a window's speech is cut
into clips of at most 30 s that never span a silence longer than the hallucination
threshold; clips are decoded ``settings.batch_size`` at a time whatever window they
come from, and a clip whose decoding looks failed is decoded again alone with every
guard of the sequential decoder.

Measured on a generated 20-minute session (base, int8, two windows), transcription
alone: 44 clips in 6 batches where batching window by window took 7; 157.9 CPU s and a
peak RSS of 1,121 MB against 158.5 s and 1,118 MB, 381 segments and 3,203 words either
way. A window cut falls in the quietest moment near its target, so it seldom splits a
clip: on the 50-minute session the windows hold 109 clips where the VAD over the whole
file finds 107, and both take ceil(n / 8) = 14 batches, so clip edges are not moved to
the cuts.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from scribe.audio import decode as audio_io
from scribe.core.records import Segment


class Decoder(Protocol):
    """What the batcher needs of a transcriber (``scribe.asr.transcribe.Transcriber``)."""

    settings: Any
    model: Any

    def batched_pipeline(self) -> Any: ...

    def whisper_options(self) -> dict: ...

    def to_segments(self, segments: Iterable, offset: float) -> Iterator[Segment]: ...


log = logging.getLogger(__name__)

SAMPLE_RATE = audio_io.SAMPLE_RATE
#: Whisper hears 30 s at a time: a batched clip is at most this long.
CLIP_SECONDS = 30.0
#: A silence longer than this (seconds) starts a new clip: Whisper invents text over long
#: silences (the sequential path's ``hallucination_silence_threshold``).
CLIP_MAX_GAP = 2.0
#: Silence kept before a clip in a batch (s): faster-whisper shortens the first word after a
#: pause longer than four median word lengths (at most 2.8 s), so any longer pause acts as this.
PAUSE_KEPT = 3.0
#: A batched clip's words are cut into segments at sentence ends, or at a pause this long (s).
SEGMENT_PAUSE = 1.0


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


@dataclass
class Clip:
    """A clip of speech waiting for its batch: its own samples and where it lies in its window."""

    offset: float  # the window's start in the recording (s)
    lo: int  # the clip's first and last sample in its window
    hi: int
    first: int  # the first sample the batched decoder reads (faster-whisper's int(lo / rate * rate))
    batched_len: int  # how many samples the batched decoder reads
    samples: np.ndarray  # window[first:hi]

    @property
    def at(self) -> int:
        """The recording's sample where the batched decoder starts reading."""
        return round(self.offset * SAMPLE_RATE) + self.first

    @property
    def start(self) -> float:
        """Seconds from the start of the recording."""
        return self.offset + self.first / SAMPLE_RATE

    @property
    def speech(self) -> np.ndarray:
        """The clip's samples as decoded again alone."""
        return self.samples[self.lo - self.first : self.hi - self.first]


def batch_audio(clips: list[Clip], since: int, frames_per_second: int) -> tuple[np.ndarray, list[int]]:
    """One array holding ``clips`` in order, and the sample where each starts in it.

    Before each clip lies its silence in the recording (from ``since``, the end of the
    clip before, for the first), cut to ``PAUSE_KEPT``: faster-whisper measures the pause
    before a clip's first word from the last word before it. Each clip keeps its place
    within a Whisper frame of its window (word times are counted from the frame a clip
    starts in), so a batch gives the words and times a whole window would.
    """
    frame = SAMPLE_RATE // frames_per_second
    keep = int(PAUSE_KEPT * SAMPLE_RATE)
    starts: list[int] = []
    end = 0
    for clip in clips:
        p = end + min(max(0, clip.at - since), keep)
        p += (clip.first - p) % frame

        def frames(sample: int) -> int:  # faster-whisper's frame of a clip starting at ``sample``
            return int(sample / SAMPLE_RATE * frames_per_second)

        while frames(p) - frames(clip.first) != (p - clip.first) // frame:
            p += frame  # float rounding put one of the two in the frame before
        starts.append(p)
        end, since = p + clip.batched_len, clip.at + clip.batched_len
    audio = np.zeros(end, dtype=np.float32)
    for p, clip in zip(starts, clips, strict=True):
        audio[p : p + clip.batched_len] = clip.samples[: clip.batched_len]
    return audio, starts


class ClipBatcher:
    """Speech clips of consecutive windows decoded ``settings.batch_size`` at a time.

    A window's last clips, fewer than a batch, wait (as copies of their own samples, so
    the window itself is not held) and are decoded with the next window's first clips;
    ``flush`` decodes what is left when the stream ends.
    """

    def __init__(self, transcriber: Decoder, start: float = 0.0) -> None:
        self.transcriber = transcriber
        self.pending: list[Clip] = []
        self.last_speech = start  # end of the last word decoded (s); a window's start before any
        self.clip_end = round(start * SAMPLE_RATE)  # the recording's sample where the last clip ended

    def add(self, window: np.ndarray, offset: float) -> Iterator[Segment]:
        """Segments of every full batch the clips of ``window`` (starting at ``offset`` s) complete."""
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        speech = get_speech_timestamps(window, VadOptions(max_speech_duration_s=CLIP_SECONDS))
        for lo, hi in speech_clips(speech):
            first = int(lo / SAMPLE_RATE * SAMPLE_RATE)
            last = int(hi / SAMPLE_RATE * SAMPLE_RATE)
            self.pending.append(Clip(offset, lo, hi, first, last - first, window[first:hi]))
            if len(self.pending) == self.transcriber.settings.batch_size:
                yield from self._decode()
        self.pending = [replace(c, samples=c.samples.copy()) for c in self.pending]

    def flush(self) -> Iterator[Segment]:
        """Segments of the clips still waiting."""
        yield from self._decode()

    def _decode(self) -> Iterator[Segment]:
        """Decode the waiting clips as one batch.

        A clip is decoded again alone, with temperature fallback and the no-speech skip,
        when its text is repetitive (compression ratio) or its average log-probability is
        below the threshold: whisper's own test for a failed window.
        """
        clips, self.pending = self.pending, []
        if not clips:
            return
        t = self.transcriber
        s = t.settings
        pipeline = t.batched_pipeline()
        fps = t.model.frames_per_second
        audio, starts = batch_audio(clips, self.clip_end, fps)
        self.clip_end = clips[-1].at + clips[-1].batched_len
        origin = clips[0].start - starts[0] / SAMPLE_RATE  # the recording's time at the array's start
        options = t.whisper_options()
        for key in ("condition_on_previous_text", "hallucination_silence_threshold", "vad_filter"):
            options.pop(key)  # none of these applies to independent clips
        segments, _info = pipeline.transcribe(
            audio,
            # Half a sample in, so that faster-whisper's int(seconds * rate) lands on the sample.
            clip_timestamps=[
                {"start": (p + 0.5) / SAMPLE_RATE, "end": (p + c.batched_len + 0.5) / SAMPLE_RATE}
                for p, c in zip(starts, clips, strict=True)
            ],
            batch_size=s.batch_size,
            without_timestamps=True,
            temperature=0.0,
            **options,
        )
        # The pipeline measures a first word's pause from here (its own time; reset after each call).
        pipeline.last_speech_timestamp = self.last_speech - origin
        by_seek = {int(p / SAMPLE_RATE * fps): i for i, p in enumerate(starts)}
        per_clip: list[list] = [[] for _ in clips]
        for fw in segments:
            per_clip[by_seek[fw.seek]].append(fw)
            self.last_speech = origin + pipeline.last_speech_timestamp
        for p, clip, found in zip(starts, clips, per_clip, strict=True):
            text = "".join(fw.text for fw in found)
            failed = found and (
                compression_ratio(text) > s.review_compression or found[0].avg_logprob < s.review_logprob
            )
            if failed:
                log.debug("clip at %.1f s decoded again alone", clip.start)
                redone, _ = t.model.transcribe(clip.speech, **t.whisper_options())
                yield from t.to_segments(redone, clip.offset + clip.lo / SAMPLE_RATE)
            else:
                shift = clip.offset + (clip.first - p) / SAMPLE_RATE  # the array's time to the recording's
                yield from t.to_segments([piece for fw in found for piece in split_sentences(fw)], shift)
