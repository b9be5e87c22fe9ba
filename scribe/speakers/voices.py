"""Voices in audio: mel frames, channel energies, speaker embeddings and their clusters.

The numeric half of diarization (``scribe.speakers.diarize`` is the transcript half).
Embeddings come from resemblyzer's GE2E voice encoder (Wan et al. 2018), an
LSTM run in numpy (``scribe.speakers.encoder``) from weights shipped in this
package, so nothing is downloaded and no torch is needed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from scribe.audio import decode as audio_io
from scribe.core.errors import AudioError
from scribe.speakers import encoder as voice_encoder

log = logging.getLogger(__name__)

SAMPLE_RATE = audio_io.SAMPLE_RATE
HOP = 160  # 10 ms frames, as the encoder expects
N_FFT = 400  # 25 ms analysis window
N_MELS = 40
EMBEDDING_SIZE = 256
#: The encoder was trained on partial utterances of this many frames (1.6 s).
WINDOW_FRAMES = 160
#: Most voices an estimate may find.
MAX_SPEAKERS = 6
#: Windows used to estimate the count / to find clusters (both cost grows with the square).
MAX_ESTIMATE = 200
MAX_LINKAGE = 3000
#: Two clusters whose raw centroids are more alike than this are one voice. Measured
#: (bench/diarize.py data): one voice split in two 0.86-0.94 (espeak, LibriVox, JFK, a
#: phone caller alone); two voices 0.76-0.85 (espeak pairs; two women on a phone line,
#: the closest). The margin is thin on phone audio: give the count when you know it.
SAME_VOICE = 0.855
#: Windows per forward pass of the encoder. Each LSTM step multiplies the batch by a 1 MB
#: recurrent matrix and takes a tanh over its gates: 32 windows cost 5.7 CPU s per 500
#: windows against 6.8-7.5 for 64 and 6.5-6.7 for 16 (alternating, in one process).
EMBED_BATCH = 32
#: Forward passes run side by side (one per core, on the two-core machines this is built for).
EMBED_THREADS = max(1, min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2))


# --- audio features ------------------------------------------------------------


@dataclass
class AudioFeatures:
    """What diarization needs from the audio, computed in one streamed pass."""

    #: Power mel spectrogram of the mono mix, shape (frames, 40), 10 ms per frame.
    mel: np.ndarray
    #: Mean square per channel per frame, shape (frames, channels).
    channel_energy: np.ndarray
    #: Mean square of the mono mix per frame.
    energy: np.ndarray
    #: Correlation of the first two channels over the whole file (1.0 for mono).
    correlation: float = 1.0

    @property
    def channels(self) -> int:
        return self.channel_energy.shape[1]

    @property
    def duration(self) -> float:
        return len(self.energy) * HOP / SAMPLE_RATE


@cache
def _mel_basis() -> np.ndarray:
    return voice_encoder.mel_filterbank(SAMPLE_RATE, N_FFT, N_MELS)


@cache
def _hann() -> np.ndarray:
    return np.hanning(N_FFT + 1)[:-1].astype(np.float32)  # periodic, as librosa's STFT


class FeatureStream:
    """``compute_features`` a block at a time: ``add`` each 16 kHz block as it is decoded, then ``result`` once.

    A recording can then be measured for voices in the same pass that transcribes it,
    without ever being held whole.
    """

    def __init__(self) -> None:
        self._basis, self._window = _mel_basis(), _hann()
        self._mono_buf = np.zeros(N_FFT // 2, dtype=np.float32)
        self._chan_buf: np.ndarray | None = None
        self._mels: list[np.ndarray] = []
        self._energies: list[np.ndarray] = []
        self._sxy = self._sxx = self._syy = 0.0  # channel 0 / 1 correlation sums

    def _mel_frames(self, buf: np.ndarray) -> np.ndarray:
        n = (len(buf) - N_FFT) // HOP + 1 if len(buf) >= N_FFT else 0
        if n > 0:
            frames = np.lib.stride_tricks.sliding_window_view(buf, N_FFT)[: n * HOP : HOP]
            spec = np.abs(np.fft.rfft(frames * self._window, axis=1)) ** 2
            self._mels.append(spec.astype(np.float32, copy=False) @ self._basis.T)
        return buf[max(n, 0) * HOP :]

    def add(self, chunk: np.ndarray) -> None:
        """Take the next block of samples, shaped (n,) or (n, channels)."""
        block = np.asarray(chunk, dtype=np.float32)
        block = block[:, None] if block.ndim == 1 else block
        if block.shape[1] >= 2:
            a, b = block[:, 0].astype(np.float64), block[:, 1].astype(np.float64)
            self._sxy, self._sxx = self._sxy + float(a @ b), self._sxx + float(a @ a)
            self._syy += float(b @ b)
        mono = block[:, 0] if block.shape[1] == 1 else block.mean(axis=1)
        # Energy per channel (and of the mix, last column) per 10 ms block, carrying the remainder.
        ext = block if block.shape[1] == 1 else np.column_stack([block, mono])
        chan_buf = ext if self._chan_buf is None else np.concatenate([self._chan_buf, ext])
        n = len(chan_buf) // HOP
        self._energies.append(np.mean(chan_buf[: n * HOP].reshape(n, HOP, -1) ** 2, axis=1))
        self._chan_buf = chan_buf[n * HOP :]
        self._mono_buf = self._mel_frames(np.concatenate([self._mono_buf, mono]))

    def result(self) -> AudioFeatures:
        """The features of every block added (AudioError when there was none)."""
        chan_buf, energies = self._chan_buf, self._energies
        if chan_buf is None:
            raise AudioError("The audio contains no samples. Is the file complete?")
        self._mel_frames(np.concatenate([self._mono_buf, np.zeros(N_FFT // 2, dtype=np.float32)]))
        if len(chan_buf):
            energies.append(np.mean(chan_buf**2, axis=0, keepdims=True))
        mel = np.concatenate(self._mels) if self._mels else np.zeros((0, N_MELS), np.float32)
        self._mels.clear()
        channel_energy = np.concatenate(energies).astype(np.float32)[: len(mel)]
        if len(channel_energy) < len(mel):
            missing = len(mel) - len(channel_energy)
            channel_energy = np.concatenate(
                [channel_energy, np.zeros((missing, channel_energy.shape[1]), np.float32)]
            )
        sxy, sxx, syy = self._sxy, self._sxx, self._syy
        correlation = sxy / np.sqrt(sxx * syy) if sxx > 0 and syy > 0 else 1.0
        energy = channel_energy[:, -1]
        if channel_energy.shape[1] > 1:
            channel_energy = channel_energy[:, :-1]
        return AudioFeatures(
            mel=mel, channel_energy=channel_energy, energy=energy, correlation=float(correlation)
        )


def compute_features(chunks: Iterable[np.ndarray]) -> AudioFeatures:
    """Mel frames and per-channel energies of a stream of 16 kHz chunks ((n,) or (n, channels)).

    Mel frames are centred like librosa's (``center=True``): the same numbers as
    ``resemblyzer.wav_to_mel_spectrogram``, without holding the audio in memory.
    """
    features = FeatureStream()
    for chunk in chunks:
        features.add(chunk)
    return features.result()


def _chunks_of(samples: np.ndarray, seconds: float = 30.0) -> Iterator[np.ndarray]:
    step = int(seconds * SAMPLE_RATE)
    for i in range(0, len(samples), step):
        yield samples[i : i + step]


def read_features(audio: str | Path | np.ndarray) -> AudioFeatures:
    """Features of an audio file (any format the decoder reads) or of 16 kHz samples."""
    if isinstance(audio, np.ndarray):
        if audio.ndim not in (1, 2) or len(audio) == 0:
            raise AudioError(
                "Expected 16 kHz samples shaped (n,) or (n, channels), with at least one sample."
            )
        return compute_features(_chunks_of(audio))
    return compute_features(audio_io.stream(audio, chunk_seconds=30.0, mono=False))


# --- channels --------------------------------------------------------------------


def one_voice_per_channel(features: AudioFeatures) -> bool:
    """True when a multichannel recording looks like one voice per channel.

    Duplicated or room-mic stereo has strongly correlated channels of similar
    loudness. Separate microphones (or a phone line recorded as left/right) give
    decorrelated channels where, whenever someone speaks, one channel is much
    louder, and each channel takes its turn being the loud one.
    """
    if features.channels < 2 or abs(features.correlation) > 0.7:
        return False
    energy = features.channel_energy
    loudest = energy.max(axis=1)
    if not len(loudest) or loudest.max() <= 0:
        return False
    active = loudest > loudest.max() * 10 ** (-35 / 10)  # within 35 dB of the peak frame
    if active.sum() < 50:  # half a second of sound: too little to tell
        return False
    top2 = np.sort(energy[active], axis=1)[:, -2:]
    dominant = 10 * np.log10((top2[:, 1] + 1e-12) / (top2[:, 0] + 1e-12)) > 6.0
    winners = np.bincount(np.argmax(energy[active], axis=1), minlength=features.channels) / active.sum()
    return bool(dominant.mean() > 0.6 and np.sort(winners)[-2] > 0.05)


# --- the voice encoder ------------------------------------------------------------


def load_encoder() -> voice_encoder.VoiceEncoder:
    """The voice encoder, loaded once per process (ModelError if its weights are damaged)."""
    return voice_encoder.load_encoder()


def embed_windows(mel: np.ndarray, spans: list[tuple[int, int]], batch: int = EMBED_BATCH) -> np.ndarray:
    """One L2-normalised 256-d embedding per frame range of ``mel`` (frames, 40).

    A range shorter than the encoder's 1.6 s is repeated to fill it: the LSTM
    then hears speech all along, as in training, rather than silence padding.
    """
    encoder = load_encoder()
    out = np.zeros((len(spans), EMBEDDING_SIZE), dtype=np.float32)

    def embed_batch(i: int) -> None:
        part = spans[i : i + batch]
        x = np.zeros((len(part), WINDOW_FRAMES, N_MELS), dtype=np.float32)
        for j, (lo, hi) in enumerate(part):
            reps = -(-WINDOW_FRAMES // (hi - lo))
            x[j] = np.tile(mel[lo:hi], (reps, 1))[-WINDOW_FRAMES:]
        out[i : i + len(part)] = encoder(x)

    starts = range(0, len(spans), batch)
    # One BLAS thread per product: each LSTM step is a small product, and a second BLAS
    # thread spin-waits more than it helps (bench/diarize.py). The cores are used instead
    # by running whole batches side by side (numpy releases the GIL inside each step's
    # products and element-wise ops); a window's embedding is the same whichever batch runs it.
    workers = min(EMBED_THREADS, len(starts))
    with _one_blas_thread():
        if workers <= 1:
            for i in starts:
                embed_batch(i)
        else:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(embed_batch, starts))
    return out


def normalise(x: np.ndarray) -> np.ndarray:
    return x / (np.linalg.norm(x, axis=-1, keepdims=True) + 1e-9)


# --- clustering --------------------------------------------------------------------


def _refine(
    emb: np.ndarray, labels: np.ndarray, k: int, iterations: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means from an initial labelling: centroids, then nearest centroid, repeat."""
    centroids = np.zeros((k, emb.shape[1]), dtype=np.float32)
    for _ in range(iterations):
        for c in range(k):
            members = emb[labels == c]
            if len(members):
                centroids[c] = members.mean(axis=0)
        centroids = normalise(centroids)
        new = np.argmax(emb @ centroids.T, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
    return labels, centroids


def cluster(emb: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels and unit centroids of ``k`` speakers (average-linkage on cosine, then refined)."""
    if k <= 1 or len(emb) <= k:
        k = min(max(k, 1), len(emb))
        if k <= 1:
            return np.zeros(len(emb), dtype=int), normalise(emb.mean(axis=0, keepdims=True))
        labels = np.arange(len(emb))
        return labels, normalise(emb.copy())
    # Average linkage is quadratic in memory: on a long session, find the clusters on
    # an evenly spaced subset of windows, then let the refinement place every window.
    subset = _evenly(len(emb), MAX_LINKAGE)
    with _one_blas_thread():
        labels = average_linkage(emb[subset], k)
    if len(subset) < len(emb):
        centroids = normalise(np.stack([emb[subset][labels == c].mean(axis=0) for c in range(k)]))
        labels = np.argmax(emb @ centroids.T, axis=1)
    return _refine(emb, labels, k)


def average_linkage(x: np.ndarray, k: int) -> np.ndarray:
    """``k`` clusters of the rows of ``x`` by agglomerative clustering, average linkage on cosine distance.

    The nearest-neighbour-chain algorithm (Murtagh 1983; what scipy's ``linkage`` uses
    for average linkage): follow nearest neighbours until two clusters are each
    other's nearest, merge them (the merged cluster's distance to any other is the
    size-weighted mean of its parts'), repeat. Average linkage never merges below an
    earlier merge's height, so the merges sorted by height are the dendrogram, and
    applying all but the last ``k - 1`` of them cuts it into ``k`` clusters.
    """
    n = len(x)
    unit = x.astype(np.float64)
    unit /= np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
    dist = np.maximum(1.0 - unit @ unit.T, 0.0)
    np.fill_diagonal(dist, np.inf)
    size = np.ones(n)
    alive = np.ones(n, dtype=bool)
    chain: list[int] = []
    merges: list[tuple[float, int, int]] = []
    for _ in range(n - 1):
        while True:
            if not chain:
                chain.append(int(np.flatnonzero(alive)[0]))
            a = chain[-1]
            b = int(np.argmin(dist[a]))
            if len(chain) > 1 and dist[a, chain[-2]] <= dist[a, b]:
                b = chain[-2]
                break
            chain.append(b)
        chain.pop()
        chain.pop()
        merges.append((float(dist[a, b]), a, b))
        row = (size[a] * dist[a] + size[b] * dist[b]) / (size[a] + size[b])
        row[a] = np.inf
        dist[a], dist[:, a] = row, row
        dist[b], dist[:, b] = np.inf, np.inf
        size[a] += size[b]
        alive[b] = False
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(merges)), key=lambda m: merges[m][0])
    for m in order[: n - k]:
        _, a, b = merges[m]
        parent[root(b)] = root(a)
    roots = [root(i) for i in range(n)]
    _, labels = np.unique(roots, return_inverse=True)
    return labels


@cache
def _blas_pools():
    """The process's BLAS thread pools, found once (finding them walks every loaded library)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread():
    """Small matrices: one BLAS thread is as fast, and a second one spin-waits on a busy machine."""
    return _blas_pools().limit(limits=1, user_api="blas")


def _evenly(n: int, limit: int) -> np.ndarray:
    """At most ``limit`` indices spread evenly over ``range(n)``."""
    return np.arange(n) if n <= limit else np.unique(np.linspace(0, n - 1, limit).astype(int))


def _eigengap(emb: np.ndarray, keep: int, max_speakers: int) -> tuple[int, float]:
    """Speaker count and eigengap of the cosine affinity pruned to each window's ``keep`` nearest."""
    sim = emb @ emb.T
    pruned = np.zeros_like(sim)
    rows = np.arange(len(sim))[:, None]
    nearest = np.argsort(-sim, axis=1)[:, :keep]
    pruned[rows, nearest] = sim[rows, nearest]
    affinity = np.maximum((pruned + pruned.T) / 2, 0)
    degree = affinity.sum(axis=1) + 1e-9
    laplacian = np.eye(len(sim)) - affinity / np.sqrt(np.outer(degree, degree))
    values = np.linalg.eigvalsh(laplacian)[: min(max_speakers, len(sim) - 1) + 1]
    gaps = np.diff(values)
    return int(np.argmax(gaps)) + 1, float(gaps.max())


def estimate_speakers(emb: np.ndarray, max_speakers: int = MAX_SPEAKERS) -> int:
    """How many voices in raw (not centred) window embeddings, from 1 to ``max_speakers``.

    1. One voice or more: split the windows in two; if the two halves still sound
       alike (centroid similarity above SAME_VOICE), it is one voice.
    2. How many: the eigengap of a pruned cosine affinity, the pruning level
       chosen per recording by its ratio to the gap ("NME-SC", Park et al. 2020,
       https://arxiv.org/abs/2003.02405).
    3. Voices that sound alike are merged back (the eigengap over-splits short
       recordings). Each voice needs a few windows of evidence.
    """
    emb = emb[_evenly(len(emb), MAX_ESTIMATE)]  # the affinity is quadratic: a sample suffices
    n = len(emb)
    max_speakers = min(max_speakers, n // 3)
    if max_speakers < 2 or _closest_voices(emb, 2) > SAME_VOICE:
        return 1
    best: tuple[float, int] | None = None
    # each window keeps at least itself and three neighbours: pruned harder, a short recording's
    # graph falls apart into pieces and the eigengap counts the pieces, not the voices
    lo, hi = max(4, int(np.ceil(0.1 * n))), max(5, n // 2 + 1)
    for keep in np.unique(np.linspace(lo, hi - 1, min(hi - lo, 16)).astype(int)):
        with _one_blas_thread():
            k, gap = _eigengap(emb, keep, max_speakers)
        ratio = (keep / n) / max(gap, 1e-6)
        if best is None or ratio < best[0]:
            best = (ratio, k)
    assert best is not None
    k = max(best[1], 2)
    while k > 2 and _closest_voices(emb, k) > SAME_VOICE:
        k -= 1
    log.debug("estimated %d speaker(s) from %d windows", k, n)
    return k


def _closest_voices(emb: np.ndarray, k: int) -> float:
    """Cluster raw embeddings into ``k`` (as ``diarize`` does, centred) and return the highest
    cosine similarity between two clusters' raw centroids: near 1 means the same voice."""
    labels, _ = cluster(normalise(emb - emb.mean(axis=0)), k)
    centroids = normalise(np.stack([emb[labels == c].mean(axis=0) for c in np.unique(labels)]))
    sim = centroids @ centroids.T
    np.fill_diagonal(sim, -1.0)
    return float(sim.max())
