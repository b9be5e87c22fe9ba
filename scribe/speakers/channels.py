"""One voice per channel: transcribe each channel on its own and label it by channel.

Telehealth tools and two-lapel-mic recorders often store each side of the
conversation on its own channel. Transcribing the mono mix of such a file
loses whatever was said at the same time (both people talking), so here each
channel goes through Whisper separately (its VAD skips the other side's
turns, so this costs about what the mix would) and the segments are merged in
time order. Words a channel only picked up as crosstalk from the other
microphone are dropped: the channel that owns a word is the loud one.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

from scribe.audio import decode as audio_io
from scribe.core.errors import AudioError, NoSpeechError
from scribe.core.records import Segment, Speaker, Transcript
from scribe.speakers.roles import apply_roles
from scribe.speakers.segments import split_segment  # the same faithful cutting as diarization
from scribe.speakers.voices import HOP, AudioFeatures, read_features

#: A word heard this much quieter (dB) on its channel than on another one is crosstalk.
CROSSTALK_DB = 12.0
CHANNEL_NAMES = ("left channel", "right channel")
#: Silence (s) inside one channel's segment long enough for the other side to have spoken.
TURN_PAUSE = 0.8


def channel_label(channel: int) -> str:
    return CHANNEL_NAMES[channel] if channel < len(CHANNEL_NAMES) else f"channel {channel + 1}"


def _own(seg: Segment, channel: int, energy: np.ndarray) -> list[bool]:
    """For each word of ``seg``: is this channel loud enough to have said it (not crosstalk)?"""
    keep = []
    for w in seg.words or [seg]:  # type: ignore[list-item]
        power = word_energy(energy, w.start, w.end) + 1e-12
        keep.append(bool(10 * np.log10(power.max() / power[channel]) < CROSSTALK_DB))
    return keep


def crosstalk_gate(energy: np.ndarray, channel: int, hold: int = 3) -> np.ndarray:
    """Per 10 ms frame, 1.0 where ``channel`` may be speaking and 0.0 where it only carries crosstalk.

    A frame is crosstalk when another channel is more than CROSSTALK_DB louder.
    Kept frames are widened by ``hold`` frames each way, to smooth the gate.
    Whisper then never hears the other side's words through this microphone.
    """
    if not len(energy):
        return np.ones(1, dtype=np.float32)
    own = 10 * np.log10((energy.max(axis=1) + 1e-12) / (energy[:, channel] + 1e-12)) < CROSSTALK_DB
    kernel = np.ones(2 * hold + 1)
    return (np.convolve(own.astype(float), kernel, mode="same") > 0).astype(np.float32)


def word_energy(energy: np.ndarray, start: float, end: float, pad: float = 0.1) -> np.ndarray:
    """Energy per channel around a word, widened by ``pad`` s each side: Whisper's word times are
    often too tight (even zero-length), and the frame right at a word's start may be silence."""
    lo = max(0, int((start - pad) * 100))
    part = energy[lo : max(int(np.ceil((end + pad) * 100)), lo + 1)]
    return part.sum(axis=0) if len(part) else np.ones(energy.shape[1])


def _without_crosstalk(seg: Segment, keep: list[bool]) -> Segment | None:
    if all(keep):
        return seg
    if not seg.words or not any(keep):
        return None
    pieces = split_segment(seg, ["own" if k else "crosstalk" for k in keep])
    own = [p for p in pieces if p.speaker == "own"]
    if len(own) == 1:
        return own[0]
    # Own words on both sides of crosstalk: keep them together as one segment.
    words = [w for p in own for w in p.words]
    return replace(own[0], words=words, text=" ".join(p.text for p in own), end=own[-1].end)


def split_at_pauses(seg: Segment, pause: float = TURN_PAUSE) -> list[Segment]:
    """``seg`` cut at every silence of ``pause`` seconds or more between words.

    On its own channel one side is silent while the other talks, and Whisper
    happily makes one segment of two turns; cutting at the silence puts the
    other side's reply between them once the channels are merged.
    """
    if len(seg.words) < 2:
        return [seg]
    runs, n = [0], 0
    for prev, word in itertools.pairwise(seg.words):
        n += word.start - prev.end >= pause
        runs.append(n)
    if n == 0:
        return [seg]
    pieces = split_segment(seg, [str(r) for r in runs])
    return [
        replace(p, start=p.words[0].start if i else p.start, end=p.words[-1].end)
        for i, p in enumerate(pieces)
    ]


def transcribe_channels(
    transcriber,
    audio: str | Path | audio_io.Decoded,
    *,
    features: AudioFeatures | None = None,
    roles: dict[str, str | None] | None = None,
    progress: bool = False,
) -> Transcript:
    """Transcribe every channel of a recording separately; speaker ``S1`` is the first channel, and so on.

    ``audio`` is the file, or the recording already decoded (``audio.decode.decode_file``).
    ``transcriber`` is a ``scribe.asr.transcribe.Transcriber``. Roles are guessed
    from what each side said, or taken from ``roles``.
    """
    decoded = (
        audio if isinstance(audio, audio_io.Decoded) else audio_io.decode_file(audio_io.check_file(audio))
    )
    info, samples = decoded.info, decoded.samples
    features = features or read_features(samples)
    if features.channels < 2:
        raise AudioError(
            f"{Path(info.path).name} is mono: transcribing by channel needs one voice per channel. "
            "Leave out the stereo option to tell voices apart by how they sound."
        )
    step = int(30.0 * audio_io.SAMPLE_RATE)  # the chunks ``audio.decode.stream`` yields
    segments: list[Segment] = []
    for channel in range(features.channels):
        gate = crosstalk_gate(features.channel_energy, channel)

        def chunks(c: int = channel, gate: np.ndarray = gate) -> Iterator[np.ndarray]:
            for at in range(0, len(samples), step):
                block = samples[at : at + step, c]
                frames = np.arange(at, at + len(block)) // HOP
                yield block * gate[np.minimum(frames, len(gate) - 1)]

        for seg in transcriber.stream(chunks(), progress=progress):
            kept = _without_crosstalk(seg, _own(seg, channel, features.channel_energy))
            for piece in split_at_pauses(kept) if kept is not None else []:
                if piece.text:
                    piece.speaker = f"S{channel + 1}"
                    segments.append(piece)
    if not segments:
        raise NoSpeechError(
            f"{Path(info.path).name} contains no recognisable speech on any channel ({info.duration:.0f} s of audio). "
            "Check that the microphones were on and that this is the right file."
        )
    segments.sort(key=lambda s: (s.start, s.speaker or ""))
    for n, seg in enumerate(segments):
        seg.id = n
    used = sorted({s.speaker for s in segments if s.speaker}, key=lambda sid: int(sid[1:]))
    transcript = Transcript(
        segments=segments,
        language=transcriber.settings.language or "en",
        duration=info.duration,
        settings=transcriber.settings,
        audio=info,
        speakers=[Speaker(id=sid, label=channel_label(int(sid[1:]) - 1)) for sid in used],
        warnings=list(info.warnings),
        source="audio",
    )
    return apply_roles(transcript, roles)
