"""faster-whisper in bounded memory: the same numbers, fewer of them held at once.

Two of faster-whisper's steps hold far more than they need on a long recording:

* The batched decoder encodes and decodes its whole batch in one call. Whisper's
  encoder keeps a 1500 x 1500 attention matrix per head (8 heads in ``base``) per
  clip: about 600 MB for a batch of 8 clips, against 110 MB for 2. A clip's encoding
  does not depend on the other clips in the batch, so ``LeanWhisper`` encodes
  ``SUB_BATCH`` clips at a time. Beam search keeps the cross-attention keys and values
  of every beam (about 360 MB for 8 clips, 60 MB for 2) but runs on ``SEARCH_BATCH``
  clips per call: searching 4 clips at a time costs more CPU and far more wall time
  than 8 at once (its small products use two cores badly), and searching 8 raises the
  peak (50-minute session: 1,654 MB against 1,495 MB for 4). Word alignment stays one call per batch: its word times move by a frame
  with the batch's make-up.
* The Silero VAD runs its encoder over up to 10,000 windows of 32 ms per call
  (``faster_whisper.vad.SileroVADModel``): about 170 MB of activations for a
  10-minute stretch. Its LSTM state is carried from one call to the next, so
  ``LeanVad`` runs ``VAD_BATCH`` windows per call and gets the same probabilities.

Both give bit-identical results (``tests/test_asr_memory.py``). Measured on a generated
10-minute session, base int8, transcription alone: 54.3 s and 922 MB peak encoding and searching 4
at a time, 57.0 s and 1,328 MB for 8, 92.8 s and 836 MB for 2. In one process on a loaded machine
(load average 3-5), the same session: searching 4 clips at a time 87.9 and 86.5 CPU s (134 and 148 s),
all 8 at once 82.3 CPU s (112 s) with the same words and the same peak (937 MB), bare batched
faster-whisper 83.9 CPU s (127 s).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

#: Clips per call of Whisper's encoder (its memory grows with the batch).
SUB_BATCH = 4
#: Clips per call of beam search: a whole batch of ``settings.batch_size``.
SEARCH_BATCH = 8
#: 32 ms windows per call of the VAD's network (64 s of audio).
VAD_BATCH = 2000


def _rows(storage, lo: int, hi: int):
    """Rows ``lo:hi`` of a ``ctranslate2.StorageView`` on the CPU (a view, not a copy)."""
    import ctranslate2

    return ctranslate2.StorageView.from_array(np.asarray(storage)[lo:hi])


class LeanWhisper:
    """A ``WhisperModel`` that encodes at most ``batch`` clips, and beam-searches at most ``search``, at a time.

    Everything else is the wrapped model's: give this to faster-whisper's
    ``BatchedInferencePipeline`` in place of the model.
    """

    def __init__(self, model: Any, batch: int = SUB_BATCH, search: int = SEARCH_BATCH) -> None:
        self._model = model
        self._batch = batch
        self.model = _LeanGenerator(model.model, search)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def encode(self, features: np.ndarray):
        """The encoder output of ``features`` (clips, mels, frames), as one ``ctranslate2.StorageView``."""
        import ctranslate2

        if features.ndim == 2:
            features = features[None]
        if len(features) <= self._batch:
            return self._model.encode(features)
        parts = [
            np.asarray(self._model.encode(features[i : i + self._batch]))
            for i in range(0, len(features), self._batch)
        ]
        return ctranslate2.StorageView.from_array(np.concatenate(parts))


class _LeanGenerator:
    """A ``ctranslate2.models.Whisper`` whose ``generate`` runs ``batch`` clips at a time."""

    def __init__(self, whisper: Any, batch: int) -> None:
        self._whisper = whisper
        self._batch = batch

    def __getattr__(self, name: str) -> Any:
        return getattr(self._whisper, name)

    def generate(self, encoder_output, prompts: list, **options) -> list:
        n = len(prompts)
        if n <= self._batch:
            return self._whisper.generate(encoder_output, prompts, **options)
        return [
            result
            for i in range(0, n, self._batch)
            for result in self._whisper.generate(
                _rows(encoder_output, i, i + self._batch), prompts[i : i + self._batch], **options
            )
        ]


class LeanVad:
    """faster-whisper's Silero VAD model, run ``batch`` windows per call (same probabilities)."""

    def __init__(self, session: Any, batch: int = VAD_BATCH) -> None:
        self.session = session
        self._batch = batch

    def __call__(
        self, audio: np.ndarray, num_samples: int = 512, context_size_samples: int = 64
    ) -> np.ndarray:
        """Speech probability per ``num_samples`` window of ``audio`` (a multiple of ``num_samples`` long).

        Each window is fed with the ``context_size_samples`` before it (zeros for the
        first), as ``SileroVADModel.__call__`` does; that also zeroes the last window's
        final ``context_size_samples`` (it writes through a view), and so does this.
        """
        if audio.ndim != 1 or len(audio) % num_samples:
            raise ValueError(f"expected 1-D audio, a multiple of {num_samples} samples long")
        windows = audio.reshape(-1, num_samples)
        context = np.roll(windows[:, -context_size_samples:], 1, axis=0)
        context[0] = 0
        h = np.zeros((1, 1, 128), dtype=np.float32)
        c = np.zeros((1, 1, 128), dtype=np.float32)
        outputs = []
        for i in range(0, len(windows), self._batch):
            batch = np.concatenate([context[i : i + self._batch], windows[i : i + self._batch]], axis=1)
            if i + self._batch >= len(windows):
                batch[-1, -context_size_samples:] = 0
            output, h, c = self.session.run(None, {"input": batch, "h": h, "c": c})
            outputs.append(output)
        return np.concatenate(outputs, axis=0) if outputs else np.zeros(0, np.float32)


#: faster-whisper's own loader of the VAD model, kept when ``use_lean_vad`` replaces it.
_upstream_loader: Callable[[], Any] | None = None


@cache
def lean_vad_model() -> LeanVad:
    """The packaged Silero VAD, loaded once, run in ``VAD_BATCH`` windows per call."""
    use_lean_vad()
    assert _upstream_loader is not None
    return LeanVad(_upstream_loader().session)


def use_lean_vad() -> None:
    """Make every VAD pass of faster-whisper (files, live windows, clips decoded again) use ``LeanVad``.

    ``get_speech_timestamps`` looks its model up through ``faster_whisper.vad.get_vad_model``
    and takes no model argument: that lookup is the one place to put it.
    """
    global _upstream_loader
    import faster_whisper.vad as fw_vad

    if fw_vad.get_vad_model is not lean_vad_model:
        _upstream_loader = fw_vad.get_vad_model
        fw_vad.get_vad_model = lean_vad_model
