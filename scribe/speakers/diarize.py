"""Who spoke when: offline speaker diarization of a transcript, on this computer.

``diarize(transcript, audio)`` returns a new Transcript whose every segment has
one speaker (``S1``, ``S2``, … in order of first appearance) and a role. It never
sends audio anywhere: speaker embeddings come from resemblyzer's GE2E voice
encoder, whose weights ship inside the pip package.

How (each step is cheap, so diarization costs a few percent of transcription):

1. Decode once, streamed: a 40-band mel spectrogram of the mono mix (what the
   encoder reads) and the energy of every channel per 10 ms frame.
2. A stereo file with one voice per channel (channels decorrelated, each one
   dominating in turn) is diarized by channel: each word goes to the channel
   that is loudest while it is spoken. No model is needed.
3. Otherwise, windows of 1.6 s (the encoder's training length) slide over the
   speech that Whisper found, never over silence; each becomes a 256-d
   embedding (``scribe.speakers.voices``). With ``num_speakers=None`` the count (1 to
   ``MAX_SPEAKERS``) is estimated from the eigengap of their affinity; the
   embeddings, minus their mean, are clustered on cosine distance
   (agglomerative, then refined like spherical k-means).
4. Every word is scored against every speaker from the windows that cover it,
   and a Viterbi pass picks the word-level speaker sequence with a penalty for
   switching that is small at pauses and sentence ends, so a turn boundary
   inside a Whisper segment is found at the word where it happens.
5. Segments are split where the speaker changes (a segment never mixes two
   speakers), renumbered, and roles are guessed or taken from the caller
   (see ``scribe.speakers.roles``).
"""

from __future__ import annotations

import logging
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scribe.core.errors import AudioError
from scribe.core.hashing import sha256_file
from scribe.core.records import Segment, Speaker, Transcript
from scribe.speakers.channels import channel_label, word_energy
from scribe.speakers.roles import apply_roles, assign_roles
from scribe.speakers.segments import split_segment
from scribe.speakers.voices import (
    MAX_SPEAKERS,
    WINDOW_FRAMES,
    AudioFeatures,
    cluster,
    embed_windows,
    estimate_speakers,
    normalise,
    one_voice_per_channel,
    read_features,
)

log = logging.getLogger(__name__)

__all__ = ["MAX_COUNT", "MAX_SPEAKERS", "DiarizationReport", "assign_roles", "diarize", "read_features"]

#: A count given by the user may go up to this (an estimate stops at MAX_SPEAKERS).
MAX_COUNT = 12
#: Step between windows inside a stretch of speech (10 ms frames): windows overlap by a
#: quarter. Smaller is finer but costs more; 120 kept the DER of 80 on the real call.
STEP_FRAMES = 120
#: Windows shorter than this (frames) are classified but not used to find the clusters:
#: a short word says little about a voice.
MIN_FIT_FRAMES = 100
#: Words closer than this (seconds) form one stretch of speech.
REGION_GAP = 0.3
#: Speech quieter than this (RMS) is silence or hiss: no voice to embed (about -80 dBFS).
SILENCE_RMS = 1e-4
#: resemblyzer normalises utterances to this loudness before embedding them.
TARGET_DBFS = -30.0
#: Viterbi: similarities are scaled by SCORE_SCALE; switching speaker between two words
#: costs SWITCH_COST, or BOUNDARY_SWITCH_COST at a pause, a sentence end or a new segment.
SCORE_SCALE = 10.0
SWITCH_COST = 1.0
BOUNDARY_SWITCH_COST = 0.2


# --- speech windows and embeddings ----------------------------------------------


@dataclass
class _Unit:
    """A word (or a whole segment without word timings) to give a speaker to."""

    seg: int
    start: float
    end: float
    text: str


def _units(transcript: Transcript) -> list[_Unit]:
    units = []
    for i, seg in enumerate(transcript.segments):
        if seg.words:
            units += [_Unit(i, w.start, max(w.end, w.start + 0.01), w.text) for w in seg.words]
        else:
            units.append(_Unit(i, seg.start, max(seg.end, seg.start + 0.01), seg.text))
    return units


def speech_regions(units: list[_Unit], gap: float = REGION_GAP) -> list[tuple[float, float]]:
    """Stretches of speech: word spans merged when the pause between them is short."""
    regions: list[list[float]] = []
    for u in sorted(units, key=lambda u: u.start):
        if regions and u.start - regions[-1][1] < gap:
            regions[-1][1] = max(regions[-1][1], u.end)
        else:
            regions.append([u.start, u.end])
    return [(a, b) for a, b in regions]


def windows(regions: list[tuple[float, float]], n_frames: int) -> list[tuple[int, int]]:
    """Frame ranges of at most WINDOW_FRAMES covering each region, STEP_FRAMES apart."""
    out = []
    for a, b in regions:
        lo = max(0, int(a * 100))
        hi = min(n_frames, int(np.ceil(b * 100)))
        if hi - lo < 10:  # under 0.1 s: nothing to hear a voice in
            continue
        if hi - lo <= WINDOW_FRAMES:
            out.append((lo, hi))
            continue
        starts = [*range(lo, hi - WINDOW_FRAMES, STEP_FRAMES), hi - WINDOW_FRAMES]
        out += [(s, s + WINDOW_FRAMES) for s in starts]
    return out


# --- words to speakers ---------------------------------------------------------------


def unit_scores(units: list[_Unit], spans: list[tuple[int, int]], sims: np.ndarray) -> np.ndarray:
    """Each unit's similarity to each speaker: the mean over windows covering it, weighted by overlap."""
    scores = np.zeros((len(units), sims.shape[1]), dtype=np.float32)
    if not spans:
        return scores
    order = np.argsort([a for a, _ in spans], kind="stable")
    starts = np.array([spans[j][0] for j in order]) / 100.0
    ends = np.array([spans[j][1] for j in order]) / 100.0
    sims = sims[order]
    centres = (starts + ends) / 2
    longest = WINDOW_FRAMES / 100.0
    for i, u in enumerate(units):
        # Only windows starting within one window length before the unit can cover it.
        lo, hi = np.searchsorted(starts, [u.start - longest, u.end])
        overlap = np.minimum(ends[lo:hi], u.end) - np.maximum(starts[lo:hi], u.start)
        covering = overlap > 0
        if covering.any():
            w = overlap[covering]
            scores[i] = (sims[lo:hi][covering] * w[:, None]).sum(axis=0) / w.sum()
        else:  # a word with no window (too short a stretch): borrow the nearest window
            scores[i] = sims[int(np.argmin(np.abs(centres - (u.start + u.end) / 2)))]
    return scores


def _boundary(prev: _Unit, cur: _Unit) -> bool:
    """A likely place for a turn to change: a pause, a sentence end or a new segment."""
    return cur.start - prev.end >= 0.25 or prev.text.strip().endswith((".", "?", "!")) or cur.seg != prev.seg


def viterbi(units: list[_Unit], scores: np.ndarray) -> np.ndarray:
    """The best speaker sequence over units: high similarity, few switches, switches at boundaries."""
    n, k = scores.shape
    if n == 0 or k == 1:
        return np.zeros(n, dtype=int)
    emit = scores * SCORE_SCALE
    cost = emit[0].copy()
    back = np.zeros((n, k), dtype=int)
    for t in range(1, n):
        switch = BOUNDARY_SWITCH_COST if _boundary(units[t - 1], units[t]) else SWITCH_COST
        trans = cost[:, None] - switch * (1 - np.eye(k))  # from row to column
        back[t] = np.argmax(trans, axis=0)
        cost = trans[back[t], np.arange(k)] + emit[t]
    path = np.zeros(n, dtype=int)
    path[-1] = int(np.argmax(cost))
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def by_channel(units: list[_Unit], features: AudioFeatures) -> np.ndarray:
    """Each unit's loudest channel around the time it was said."""
    return np.array(
        [int(np.argmax(word_energy(features.channel_energy, u.start, u.end))) for u in units], dtype=int
    )


def _speaker_ids(order: list[int], by_index: bool = False) -> dict[int, str]:
    """Cluster index -> "S1", "S2", … numbered by first appearance (or by index: channel 0 is S1)."""
    ids: dict[int, str] = {}
    for c in order:
        ids.setdefault(c, f"S{c + 1}" if by_index else f"S{len(ids) + 1}")
    return ids


# --- the stage ----------------------------------------------------------------------------------


@dataclass
class DiarizationReport:
    """Filled in by ``diarize`` (like ``audio.DecodeReport``): how it decided, for benchmarks and the UI."""

    #: "single" (one speaker, no model), "embeddings" (voices) or "channels" (one voice per channel).
    method: str = ""
    num_speakers: int = 0
    #: Voice windows embedded (the main cost).
    windows: int = 0


def diarize(
    transcript: Transcript,
    audio: str | Path | np.ndarray | None = None,
    num_speakers: int | None = 2,
    roles: dict[str, str] | None = None,
    *,
    stereo: bool | None = None,
    features: AudioFeatures | None = None,
    report: DiarizationReport | None = None,
) -> Transcript:
    """A copy of ``transcript`` with a speaker and role on every segment, split where speakers change.

    ``audio`` is the recording the transcript came from (a path, or 16 kHz samples
    shaped (n,) or (n, channels)); by default ``transcript.audio.path``.
    ``num_speakers``: 1 (dictation: no model is run), 2 (default: worker and
    client), more for family or group sessions, or None to estimate it (1..6).
    ``roles`` overrides the guessed roles, e.g. ``{"S1": "client"}``.
    ``stereo``: None detects a recording with one voice per channel, True insists
    on it, False never diarizes by channel. ``report``, if given, is filled in.
    The input transcript is not changed.
    """
    if num_speakers is not None and not 1 <= num_speakers <= MAX_COUNT:
        raise ValueError(
            f"num_speakers must be 1 to {MAX_COUNT}, or None to estimate it; got {num_speakers}."
        )
    out = deepcopy(transcript)
    units = _units(out)
    report = report if report is not None else DiarizationReport()
    if num_speakers == 1 and not stereo:
        return _finish(out, units, np.zeros(len(units), dtype=int), roles, report, "single")
    if features is None:
        if audio is None:
            if out.audio is None or not out.audio.path:
                raise AudioError("Diarization needs the recording: pass the audio file or its samples.")
            audio = out.audio.path
        features = read_features(audio)
        _check_same_recording(out, audio)
    if stereo and features.channels < 2:
        raise AudioError(
            "Diarizing by channel needs a recording with one voice per channel; this one is mono. "
            "Leave out the stereo option to diarize by voice."
        )
    if not units:
        return _finish(out, units, np.zeros(0, dtype=int), roles, report, "single")
    if stereo or (stereo is None and one_voice_per_channel(features)):
        labels = by_channel(units, features)
        names = {int(c): channel_label(int(c)) for c in labels}
        return _finish(out, units, labels, roles, report, "channels", names, by_index=True)
    labels, report.windows = _by_voice(units, features, num_speakers)
    if report.windows == 0:
        out.warnings.append(
            "Too little clear speech to tell voices apart: everything was given to one speaker."
        )
    return _finish(out, units, labels, roles, report, "embeddings")


def _check_same_recording(transcript: Transcript, audio: str | Path | np.ndarray) -> None:
    """Warn (in the transcript) when the file is not the one the transcript was made from."""
    if isinstance(audio, np.ndarray) or transcript.audio is None or not transcript.audio.sha256:
        return
    if sha256_file(audio) != transcript.audio.sha256:
        transcript.warnings.append(
            f"Speakers were found in {Path(audio).name}, which is not the recording this transcript "
            "was made from: check that the right file was given."
        )


def voice_embeddings(
    units: list[_Unit], features: AudioFeatures
) -> tuple[list[tuple[int, int]], np.ndarray, np.ndarray]:
    """Windows over the speech, their embeddings, and which windows are long enough to fit clusters on."""
    spans = windows(speech_regions(units), len(features.mel))
    speech = np.concatenate([features.energy[a:b] for a, b in spans]) if spans else np.zeros(0)
    rms = float(np.sqrt(speech.mean())) if len(speech) else 0.0
    if rms < SILENCE_RMS:
        return [], np.zeros((0, 256), np.float32), np.zeros(0, bool)
    gain = 10 ** (TARGET_DBFS / 20) / rms
    emb = embed_windows(features.mel * np.float32(gain**2), spans)
    fit = np.array([b - a for a, b in spans]) >= MIN_FIT_FRAMES
    if fit.sum() < 4:
        fit[:] = True
    return spans, emb, fit


def _by_voice(
    units: list[_Unit], features: AudioFeatures, num_speakers: int | None
) -> tuple[np.ndarray, int]:
    """Speaker index per unit from voice embeddings, and the number of windows embedded."""
    spans, emb, fit = voice_embeddings(units, features)
    if not spans:
        return np.zeros(len(units), dtype=int), 0
    # The count is estimated on the raw embeddings (their absolute similarity is what
    # says "same voice"); clusters are found after removing the recording's mean
    # embedding, which holds the channel and what all voices share: on the real phone
    # call this took the DER from 44 % to 8 % (bench/diarize.py).
    k = estimate_speakers(emb[fit]) if num_speakers is None else num_speakers
    emb = normalise(emb - emb[fit].mean(axis=0))
    _, centroids = cluster(emb[fit], k)
    scores = unit_scores(units, spans, emb @ centroids.T)
    return viterbi(units, scores), len(spans)


def _finish(
    out: Transcript,
    units: list[_Unit],
    labels: np.ndarray,
    roles: dict[str, str] | None,
    report: DiarizationReport,
    method: str,
    labels_text: dict[int, str] | None = None,
    by_index: bool = False,
) -> Transcript:
    """Speakers onto segments (split where they change), speaker list, roles."""
    ids = _speaker_ids([int(c) for c in labels], by_index)
    per_seg: dict[int, list[str]] = {}
    for u, c in zip(units, labels, strict=True):
        per_seg.setdefault(u.seg, []).append(ids[int(c)])
    segments: list[Segment] = []
    for i, seg in enumerate(out.segments):
        speakers = per_seg.get(i) or [ids.get(0, "S1")]
        segments += split_segment(seg, speakers)
    for n, seg in enumerate(segments):
        seg.id = n
    out.segments = segments
    used = {s.speaker for s in segments}
    out.speakers = sorted(
        (Speaker(id=sid, label=(labels_text or {}).get(c, "")) for c, sid in ids.items() if sid in used),
        key=lambda spk: int(spk.id[1:]),
    )
    if not out.speakers and segments:
        out.speakers = [Speaker(id="S1")]
    report.method, report.num_speakers = method, len(out.speakers)
    return apply_roles(out, roles)
