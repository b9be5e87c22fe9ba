"""resemblyzer's GE2E voice encoder and its mel filterbank in numpy: no torch, no librosa.

The network (Wan et al. 2018, https://arxiv.org/abs/1710.10467, as trained by
resemblyzer 0.1.4): a 3-layer LSTM of 256 units over 40 mel bands, the last
layer's final hidden state through a 256x256 linear layer, ReLU, L2 norm. Its
weights are resemblyzer's ``pretrained.pt``, converted once to plain float32
arrays (``scripts/convert_voice_encoder.py``) in ``data/voice_encoder.npz``,
whose sha256 is checked before it is read. Provenance and licence:
``pipelines/data/MODEL_CARD.md``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from scribe.core.hashing import verify_pinned

WEIGHTS = Path(__file__).with_name("data") / "voice_encoder.npz"
#: sha256 of ``data/voice_encoder.npz`` (converted from resemblyzer 0.1.4's ``pretrained.pt``).
WEIGHTS_SHA256 = "e56566b8a1330ec0da999c945c578f7115cb68698f718d7e5d59d139378d7f43"
LAYERS = 3
HIDDEN = 256


# --- mel filterbank -------------------------------------------------------------------


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale (the Auditory Toolbox's, librosa's default): linear below 1 kHz, log above."""
    hz = np.asarray(hz, dtype=np.float64)
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    mels = hz / f_sp
    log_part = hz >= min_log_hz
    return np.where(log_part, min_log_hz / f_sp + np.log(np.maximum(hz, 1e-10) / min_log_hz) / logstep, mels)


def mel_to_hz(mels: np.ndarray) -> np.ndarray:
    """The inverse of ``hz_to_mel``."""
    mels = np.asarray(mels, dtype=np.float64)
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return np.where(mels >= min_log_mel, min_log_hz * np.exp(logstep * (mels - min_log_mel)), f_sp * mels)


def mel_filterbank(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Triangular mel filters, area-normalised ("slaney"), shape (n_mels, n_fft // 2 + 1), float32.

    The same numbers as ``librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)``
    with its defaults (fmin 0, fmax sr/2, Slaney scale and norm): each filter rises
    from one mel point to the next and falls to the one after, its height set so
    that every filter has the same area (2 / bandwidth in Hz).
    """
    fft_hz = np.linspace(0.0, sr / 2, 1 + n_fft // 2)
    mel_hz = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2), n_mels + 2))
    widths = np.diff(mel_hz)
    ramps = np.subtract.outer(mel_hz, fft_hz)
    weights = np.zeros((n_mels, len(fft_hz)), dtype=np.float32)
    for i in range(n_mels):
        rising = -ramps[i] / widths[i]
        falling = ramps[i + 2] / widths[i + 1]
        weights[i] = np.maximum(0, np.minimum(rising, falling))
    weights *= (2.0 / (mel_hz[2 : n_mels + 2] - mel_hz[:n_mels]))[:, None]
    return weights


# --- the network ------------------------------------------------------------------------


#: Gate rows of torch's LSTM weights are stacked i, f, g, o; reordered here to i, f, o, g so
#: the three sigmoid gates are one contiguous block.
_GATE_ORDER = np.concatenate([np.arange(0, 2 * HIDDEN), np.arange(3 * HIDDEN, 4 * HIDDEN),
                              np.arange(2 * HIDDEN, 3 * HIDDEN)])  # fmt: skip


class VoiceEncoder:
    """Batched forward pass of the voice encoder: mel windows (batch, frames, 40) -> unit 256-d vectors.

    sigmoid(x) = (tanh(x / 2) + 1) / 2, so the sigmoid gates' weights are halved once
    here and every step takes a single tanh over all four gates.
    """

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        scale = np.ones(4 * HIDDEN, np.float32)
        scale[: 3 * HIDDEN] = 0.5
        self.layers = []
        for k in range(LAYERS):
            w_ih = weights[f"lstm.weight_ih_l{k}"][_GATE_ORDER] * scale[:, None]
            w_hh = weights[f"lstm.weight_hh_l{k}"][_GATE_ORDER] * scale[:, None]
            bias = (weights[f"lstm.bias_ih_l{k}"] + weights[f"lstm.bias_hh_l{k}"])[_GATE_ORDER] * scale
            # Transposed so each step is one row-major matmul.
            self.layers.append(
                (
                    np.ascontiguousarray(w_ih.T, np.float32),
                    np.ascontiguousarray(w_hh.T, np.float32),
                    bias.astype(np.float32),
                )
            )
        self.linear_w = np.ascontiguousarray(weights["linear.weight"].T, np.float32)
        self.linear_b = weights["linear.bias"].astype(np.float32)

    def __call__(self, mels: np.ndarray) -> np.ndarray:
        x = np.asarray(mels, dtype=np.float32)
        if x.ndim != 3 or x.shape[2] != self.layers[0][0].shape[0]:
            raise ValueError(f"expected mel windows shaped (batch, frames, 40), got {x.shape}")
        batch, frames, _ = x.shape
        x = np.ascontiguousarray(x.transpose(1, 0, 2))  # time-major: each step reads one block
        gates = np.empty((batch, 4 * HIDDEN), np.float32)
        tmp = np.empty((batch, HIDDEN), np.float32)
        h = np.zeros((batch, HIDDEN), np.float32)
        for li, (w_ih, w_hh, bias) in enumerate(self.layers):
            # The input projection of every frame at once; only the recurrence is step by step.
            gates_in = (x.reshape(frames * batch, -1) @ w_ih + bias).reshape(frames, batch, 4 * HIDDEN)
            h = np.zeros((batch, HIDDEN), np.float32)
            c = np.zeros((batch, HIDDEN), np.float32)
            out = np.empty((frames, batch, HIDDEN), np.float32) if li < LAYERS - 1 else None
            sig, cell = gates[:, : 3 * HIDDEN], gates[:, 3 * HIDDEN :]
            i, f, o = sig[:, :HIDDEN], sig[:, HIDDEN : 2 * HIDDEN], sig[:, 2 * HIDDEN :]
            for t in range(frames):
                np.matmul(h, w_hh, out=gates)
                gates += gates_in[t]
                np.tanh(gates, out=gates)
                sig += 1.0
                sig *= 0.5
                c *= f
                np.multiply(i, cell, out=tmp)
                c += tmp
                np.tanh(c, out=tmp)
                h = out[t] if out is not None else h
                np.multiply(o, tmp, out=h)
            if out is not None:
                x = out
        raw = np.maximum(h @ self.linear_w + self.linear_b, 0.0)
        return raw / np.linalg.norm(raw, axis=1, keepdims=True)


def read_weights(path: Path = WEIGHTS, expected_sha256: str = WEIGHTS_SHA256) -> dict[str, np.ndarray]:
    """The encoder's arrays, after checking the file against its pinned sha256."""
    verify_pinned(path, expected_sha256, remedy="reinstall session-scribe")
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k].astype(np.float32) for k in data.files}


@cache
def load_encoder() -> VoiceEncoder:
    """The voice encoder, loaded once per process from the checked weights file."""
    return VoiceEncoder(read_weights())
