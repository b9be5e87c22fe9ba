"""The numpy voice encoder and mel filterbank against resemblyzer's torch/librosa originals.

Without torch: reference outputs that resemblyzer computed once (tests/data, written by
``scripts/convert_voice_encoder.py --reference``). With torch and resemblyzer installed
(the ``train`` extra plus ``pip install --no-deps resemblyzer==0.1.4``): the two
encoders side by side on real speech.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from scribe.audio import decode as audio_io
from scribe.core.errors import ModelError
from scribe.speakers import encoder as voice_encoder
from scribe.speakers.voices import WINDOW_FRAMES, compute_features, embed_windows, read_features

REF = Path(__file__).parent / "data" / "voice_encoder_ref.npz"
#: The largest difference allowed between an embedding here and resemblyzer's (unit vectors).
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def ref() -> dict[str, np.ndarray]:
    with np.load(REF) as data:
        return {k: data[k] for k in data.files}


def test_filterbank_is_librosas(ref):
    ours = voice_encoder.mel_filterbank(16000, 400, 40)
    assert ours.shape == ref["filterbank"].shape == (40, 201)
    np.testing.assert_allclose(ours, ref["filterbank"], rtol=1e-6, atol=1e-9)
    # Slaney scale: linear below 1 kHz, so 100 Hz steps there are equal steps in mel.
    steps = np.diff(voice_encoder.hz_to_mel(np.array([0.0, 100.0, 200.0, 300.0])))
    np.testing.assert_allclose(steps, steps[0])
    hz = np.array([0.0, 440.0, 999.0, 1000.0, 4321.0, 8000.0])
    np.testing.assert_allclose(voice_encoder.mel_to_hz(voice_encoder.hz_to_mel(hz)), hz, rtol=1e-12)


def test_mel_frames_match_resemblyzers(ref):
    samples = ref["wave"].astype(np.float32) / 32768
    ours = compute_features([samples[:12345], samples[12345:]]).mel
    assert ours.shape == ref["mel"].shape
    np.testing.assert_allclose(ours, ref["mel"], rtol=1e-3, atol=1e-6 * ref["mel"].max())


def test_embeddings_match_resemblyzers(ref):
    spans = [tuple(int(v) for v in s) for s in ref["spans"]]
    got = embed_windows(ref["mel"] * ref["gain"], spans)
    assert got.shape == ref["embeddings"].shape == (len(spans), 256)
    assert np.abs(got - ref["embeddings"]).max() < TOLERANCE
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, rtol=1e-5)
    # From our own mel frames too: the whole path without librosa or torch.
    ours = compute_features([ref["wave"].astype(np.float32) / 32768]).mel
    assert np.abs(embed_windows(ours * ref["gain"], spans) - ref["embeddings"]).max() < TOLERANCE
    # Different voices give different embeddings: the test would notice a constant output.
    assert float(got[0] @ got[2]) < 0.95


def test_batches_side_by_side_give_the_same_embeddings(ref, monkeypatch):
    """Windows split into many small batches run on two threads: each embedding as alone, in order."""
    from scribe.speakers import voices

    mel = ref["mel"] * ref["gain"]
    spans = [tuple(int(v) for v in s) for s in ref["spans"]]
    spans += [(lo, min(lo + 40 + lo % 120, len(mel))) for lo in range(0, len(mel) - 40, 37)]
    monkeypatch.setattr(voices, "EMBED_THREADS", 1)
    one = embed_windows(mel, spans, batch=3)
    monkeypatch.setattr(voices, "EMBED_THREADS", 2)
    two = embed_windows(mel, spans, batch=3)
    assert len(np.unique(np.round(one, 3), axis=0)) > len(spans) // 2  # the windows' embeddings differ
    np.testing.assert_allclose(two, one, rtol=0, atol=1e-6)
    assert np.abs(two[: len(ref["embeddings"])] - ref["embeddings"]).max() < TOLERANCE


def test_bad_input_and_damaged_weights(tmp_path):
    enc = voice_encoder.load_encoder()
    with pytest.raises(ValueError, match="mel windows"):
        enc(np.zeros((2, WINDOW_FRAMES, 39), np.float32))
    copy = tmp_path / "voice_encoder.npz"
    shutil.copy(voice_encoder.WEIGHTS, copy)
    assert voice_encoder.read_weights(copy)["linear.weight"].shape == (256, 256)
    with copy.open("r+b") as fh:  # one flipped byte in the middle of the weights
        fh.seek(copy.stat().st_size // 2)
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelError, match="pinned checksum"):
        voice_encoder.read_weights(copy)
    with pytest.raises(ModelError, match="not found"):
        voice_encoder.read_weights(tmp_path / "gone.npz")


@pytest.mark.slow
def test_embeddings_match_resemblyzer_on_real_speech(shared_data):
    """Every window of three real recordings: numpy and torch encoders within 1e-4."""
    pytest.importorskip("torch")
    resemblyzer = pytest.importorskip("resemblyzer")
    import torch

    reference = resemblyzer.VoiceEncoder("cpu", verbose=False).eval()
    speech = shared_data / "speech"
    clips = [
        speech / "pyannote_sample" / "sample.wav",
        speech / "faster_whisper_tests" / "jfk.flac",
        next(iter(sorted((speech / "pocketsphinx_librivox").glob("*.wav")))),
    ]
    worst = 0.0
    for clip in clips:
        mel = read_features(audio_io.load(clip)).mel
        # Normalised like diarization does it: mean power of the clip to -30 dBFS.
        mel = mel * np.float32(10 ** (-30 / 10) / max(float(mel.sum(axis=1).mean()), 1e-12))
        spans = [(lo, lo + WINDOW_FRAMES) for lo in range(0, len(mel) - WINDOW_FRAMES, 120)][:40]
        spans.append((len(mel) - 60, len(mel)))  # a short window, repeated to fill 1.6 s
        ours = embed_windows(mel, spans)
        windows = np.stack(
            [np.tile(mel[a:b], (-(-WINDOW_FRAMES // (b - a)), 1))[-WINDOW_FRAMES:] for a, b in spans]
        )
        with torch.inference_mode():
            theirs = reference(torch.from_numpy(windows)).numpy()
        worst = max(worst, float(np.abs(ours - theirs).max()))
    assert worst < TOLERANCE, worst


def test_runtime_needs_no_torch_librosa_or_numba(repo_root, tmp_path):
    """The command line, diarization and tagging import and run with torch, librosa, numba, scipy
    and scikit-learn blocked (only the train and test extras install them); transformers runs
    MiniLM's tokenizer without torch."""
    script = textwrap.dedent(
        """
        import importlib.abc, importlib.machinery, sys
        BLOCKED = {"torch", "librosa", "numba", "llvmlite", "resemblyzer", "sklearn", "scipy"}

        class Refuse(importlib.abc.Loader):
            def create_module(self, spec):
                raise ImportError(f"{spec.name} is blocked: the runtime must not need it")

            def exec_module(self, module):
                pass

        class Block(importlib.abc.MetaPathFinder):
            # An installed package stays visible to a probe (importlib.util.find_spec), but
            # importing it fails; one not installed stays absent.
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED and importlib.machinery.PathFinder.find_spec(name, path):
                    return importlib.machinery.ModuleSpec(name, Refuse())

        sys.meta_path.insert(0, Block())
        import numpy as np
        import scribe.cli, scribe.workflow, pipelines
        from scribe.speakers.voices import cluster, compute_features, embed_windows, estimate_speakers
        rng = np.random.default_rng(0)
        mel = compute_features([rng.standard_normal(16000 * 8).astype(np.float32) * 0.1]).mel
        emb = embed_windows(mel, [(i, i + 160) for i in range(0, 600, 60)])
        estimate_speakers(emb); cluster(emb, 2)
        found = pipelines.tag_text("Client said she has been sleeping badly and feels hopeless.")[1]
        assert found, "the tagger found nothing"
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
        assert not loaded, loaded
        assert "transformers" in sys.modules, "MiniLM's tokenizer is transformers' (without torch)"
        print("ok")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=repo_root, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stderr[-3000:]
