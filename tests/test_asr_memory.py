"""faster-whisper in bounded memory gives faster-whisper's own numbers, bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scribe.asr.memory import LeanVad, LeanWhisper, lean_vad_model
from scribe.audio.decode import load

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def speech(counselling_dialogue: tuple[Path, list]) -> np.ndarray:
    path, _ = counselling_dialogue
    return load(path)


def upstream_vad():
    from faster_whisper.vad import SileroVADModel, get_assets_path

    return SileroVADModel(str(Path(get_assets_path()) / "silero_vad_v6.onnx"))


@pytest.mark.parametrize("windows", [1, 7 * 37, 7 * 37 + 3])
def test_lean_vad_gives_the_upstream_probabilities(speech: np.ndarray, windows: int) -> None:
    audio = speech[: windows * 512]
    upstream = upstream_vad()
    lean = LeanVad(upstream.session, batch=37)  # several calls, the last one full or partial
    got = lean(audio.copy())
    want = upstream(audio.copy())  # writes into its argument
    assert got.shape == want.shape == (windows,)
    assert np.array_equal(got, want)
    if windows > 1:
        assert want.max() > 0.5  # speech was heard


def test_lean_vad_leaves_its_input_alone(speech: np.ndarray) -> None:
    audio = speech[: 10 * 512].copy()
    before = audio.copy()
    LeanVad(upstream_vad().session, batch=4)(audio)
    assert np.array_equal(audio, before)


def test_lean_vad_refuses_a_ragged_input() -> None:
    with pytest.raises(ValueError, match="multiple of 512"):
        LeanVad(upstream_vad().session)(np.zeros(1000, np.float32))


def test_speech_timestamps_go_through_the_lean_vad(tiny, speech: np.ndarray) -> None:
    import faster_whisper.vad as fw_vad

    assert fw_vad.get_vad_model() is lean_vad_model()  # installed by the Transcriber
    spans = fw_vad.get_speech_timestamps(speech)
    assert spans and all(0 <= s["start"] < s["end"] <= len(speech) for s in spans)


def test_lean_whisper_encodes_and_decodes_a_batch_as_one_call_would(tiny, speech: np.ndarray) -> None:
    from faster_whisper.audio import pad_or_trim

    model = tiny.model
    clips = [speech[i * 16000 * 6 : (i + 1) * 16000 * 6] for i in range(5)]
    features = np.stack([pad_or_trim(model.feature_extractor(c)[..., :-1]) for c in clips])
    want = np.asarray(model.encode(features))
    lean = LeanWhisper(model, batch=2, search=2)
    got = np.asarray(lean.encode(features))
    assert want.shape[:2] == (5, 1500) and got.shape == want.shape
    assert np.array_equal(got, want)
    assert lean.frames_per_second == model.frames_per_second  # the rest is the model's own

    # Beam search two clips at a time: the same tokens, scores and no-speech probabilities.
    from faster_whisper.tokenizer import Tokenizer

    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en")
    prompt = model.get_prompt(tokenizer, [], without_timestamps=True)
    options = {"beam_size": 5, "max_length": 448, "return_scores": True, "return_no_speech_prob": True}
    whole = model.model.generate(model.encode(features), [prompt] * 5, **options)
    parts = lean.model.generate(lean.encode(features), [prompt] * 5, **options)
    assert len(parts) == 5 and sum(len(r.sequences_ids[0]) for r in whole) > 20  # words were decoded
    assert [r.sequences_ids for r in parts] == [r.sequences_ids for r in whole]
    assert [r.scores for r in parts] == [r.scores for r in whole]
    assert [r.no_speech_prob for r in parts] == [r.no_speech_prob for r in whole]
