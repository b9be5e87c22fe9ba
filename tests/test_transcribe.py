"""Transcription with the real packaged models on generated and real speech."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

import synth
from scribe.asr.batching import SAMPLE_RATE, ClipBatcher, speech_clips, split_sentences
from scribe.asr.metrics import wer
from scribe.asr.transcribe import Transcriber, drop_boundary_repeat, review_reasons, windows_at_pauses
from scribe.core.errors import NoSpeechError
from scribe.core.records import Segment, Transcript, TranscriptionSettings, Word

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dialogue_transcript(tiny: Transcriber, counselling_dialogue) -> Transcript:
    path, _ = counselling_dialogue
    return tiny.transcribe_file(path)


def reference_text(turns: list[synth.Turn]) -> str:
    return " ".join(t.text for t in turns)


def test_generated_dialogue_wer(dialogue_transcript: Transcript, counselling_dialogue) -> None:
    _, turns = counselling_dialogue
    # espeak-ng is a robotic voice; tiny.en measured ~0.05-0.10 here.
    assert wer(reference_text(turns), dialogue_transcript.text) < 0.2


def test_invariants(dialogue_transcript: Transcript) -> None:
    segs = dialogue_transcript.segments
    assert [s.id for s in segs] == list(range(len(segs)))
    for prev, seg in itertools.pairwise(segs):
        assert seg.start >= prev.start
    for seg in segs:
        assert seg.start <= seg.end
        assert seg.text and seg.text == seg.text.strip()
        assert seg.words, "word timestamps are on"
        for w in seg.words:
            assert seg.start - 0.01 <= w.start <= w.end <= seg.end + 0.01
        assert seg.needs_review == bool(seg.review_reasons)
    assert dialogue_transcript.settings.model == "tiny.en"
    assert dialogue_transcript.settings.condition_on_previous_text is False
    assert dialogue_transcript.audio is not None and len(dialogue_transcript.audio.sha256) == 64


def test_json_round_trip(dialogue_transcript: Transcript, tmp_path: Path) -> None:
    path = dialogue_transcript.save(tmp_path / "t.json")
    again = Transcript.load(path)
    assert again == dialogue_transcript
    assert isinstance(again.segments[0].words[0], Word)


def test_windowed_transcription_loses_and_doubles_nothing(
    tiny: Transcriber, counselling_dialogue, dialogue_transcript: Transcript
) -> None:
    """Cutting a session into short windows at pauses gives the same words as one pass."""
    from scribe.audio import decode as audio

    path, turns = counselling_dialogue
    settings = TranscriptionSettings(model="tiny.en", chunk_seconds=15.0)
    windowed = Transcriber("tiny.en", settings)
    segs = list(windowed.stream(audio.stream(path, chunk_seconds=5)))
    text = " ".join(s.text for s in segs)
    assert wer(reference_text(turns), text) < 0.2
    assert wer(dialogue_transcript.text, text) < 0.1
    starts = [s.start for s in segs]
    assert starts == sorted(starts)


def test_speech_clips_stay_within_30_s_and_never_span_a_long_silence() -> None:
    sec = synth.SAMPLE_RATE
    spans = [
        {"start": 0, "end": 5 * sec},
        {"start": 6 * sec, "end": 12 * sec},  # 1 s gap: same clip
        {"start": 15 * sec, "end": 20 * sec},  # 3 s gap: a new clip
        {"start": 21 * sec, "end": 40 * sec},  # would make the clip 25 s: still fits
        {"start": 41 * sec, "end": 48 * sec},  # would make it 33 s: a new clip
        {"start": 50 * sec, "end": 120 * sec},  # 70 s of speech: cut in 30 s pieces
    ]
    clips = speech_clips(spans)
    assert clips == [
        (0, 12 * sec),
        (15 * sec, 40 * sec),
        (41 * sec, 48 * sec),
        (50 * sec, 80 * sec),
        (80 * sec, 110 * sec),
        (110 * sec, 120 * sec),
    ]
    assert speech_clips([]) == []


def test_a_batched_clip_is_cut_into_sentences_and_pauses() -> None:
    from faster_whisper.transcribe import Segment as FwSegment
    from faster_whisper.transcribe import Word as FwWord

    said = [(0.0, 0.4, " Hi"), (0.4, 0.9, " there."), (1.0, 1.5, " How"), (1.5, 2.0, " are"),
            (2.0, 2.4, " you?"), (2.5, 3.0, " I"), (3.0, 3.4, " am"), (5.0, 5.5, " fine")]  # fmt: skip
    words = [FwWord(a, b, w, 0.9) for a, b, w in said]
    clip = FwSegment(
        id=1, seek=0, start=0.0, end=5.5, text="".join(w for _, _, w in said), tokens=[1],
        avg_logprob=-0.2, compression_ratio=1.1, no_speech_prob=0.01, words=words, temperature=0.0,
    )  # fmt: skip
    pieces = split_sentences(clip)
    assert [p.text for p in pieces] == ["Hi there.", "How are you?", "I am", "fine"]
    assert [(p.start, p.end) for p in pieces] == [(0.0, 0.9), (1.0, 2.4), (2.5, 3.4), (5.0, 5.5)]
    assert [w for p in pieces for w in p.words] == words  # no word lost or doubled
    assert all(p.avg_logprob == -0.2 for p in pieces)


@pytest.fixture(scope="module")
def sequential_transcript(counselling_dialogue) -> Transcript:
    tiny_seq = Transcriber("tiny.en", TranscriptionSettings(model="tiny.en", batch_size=1))
    return tiny_seq.transcribe_file(counselling_dialogue[0])


def test_batched_matches_sequential(
    tiny: Transcriber,
    dialogue_transcript: Transcript,
    sequential_transcript: Transcript,
    counselling_dialogue,
) -> None:
    """Files go through the batched decoder by default; it hears what one window at a time hears."""
    _, turns = counselling_dialogue
    assert tiny.batched and dialogue_transcript.settings.batch_size == 8
    assert not Transcriber("tiny.en", TranscriptionSettings(model="tiny.en", batch_size=1)).batched
    ref = reference_text(turns)
    assert wer(ref, dialogue_transcript.text) <= wer(ref, sequential_transcript.text) + 0.02
    assert wer(sequential_transcript.text, dialogue_transcript.text) < 0.1
    # Both carry the same kinds of evidence: words with probabilities, decoding signals.
    for seg in dialogue_transcript.segments:
        assert all(0.0 <= w.probability <= 1.0 for w in seg.words)
        assert seg.avg_logprob < 0 and 0.0 <= seg.no_speech_prob <= 1.0 and seg.compression_ratio > 0
        assert isinstance(seg.start, float) and isinstance(seg.words[0].start, float)


def test_doubtful_clip_is_decoded_again_alone(tiny: Transcriber, counselling_dialogue) -> None:
    """A clip whose decoding looks unsure goes back through the guarded one-window decoder."""
    from dataclasses import replace

    from scribe.audio import decode as audio

    samples = audio.load(counselling_dialogue[0])
    strict = Transcriber("tiny.en", replace(tiny.settings, review_logprob=-0.01))  # every clip is doubtful
    calls: list[int] = []
    real = strict.model.transcribe

    def counting(audio_in, **kwargs):
        calls.append(len(audio_in))
        return real(audio_in, **kwargs)

    strict.model.transcribe = counting
    try:
        segs = list(strict.transcribe_batched(samples, offset=100.0))
    finally:
        del strict.model.transcribe
    assert calls and all(n <= 30 * synth.SAMPLE_RATE for n in calls)
    assert segs and segs[0].start >= 100.0
    assert [s.id for s in segs] == list(range(len(segs)))
    starts = [s.start for s in segs]
    assert starts == sorted(starts)
    # With the strict threshold, every segment is flagged for review, with the reason in words.
    assert all(s.needs_review and "confidence" in s.review_reasons[0] for s in segs)


@pytest.fixture(scope="module")
def spaced_dialogue(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[synth.Turn]]:
    """The counselling dialogue with 3.5 s between turns: every turn its own speech clip."""
    if not synth.have_espeak():
        pytest.skip("espeak-ng is not installed (scripts/setup.sh --test installs it)")
    samples, turns = synth.dialogue(synth.COUNSELLING_TURNS, pause=3.5)
    return synth.write_wav(tmp_path_factory.mktemp("speech") / "spaced.wav", samples), turns


def short_windows(batch_size: int = 3, **changes) -> Transcriber:
    """tiny.en cutting files into windows of about 30 s (the ~90 s spaced dialogue: several)."""
    return Transcriber(
        "tiny.en",
        TranscriptionSettings(model="tiny.en", chunk_seconds=30.0, batch_size=batch_size, **changes),
    )


def counted_batches(transcriber: Transcriber) -> list[int]:
    """The number of clips in each call of the batched decoder, as they happen."""
    pipeline = transcriber.batched_pipeline()
    forward = pipeline.forward
    sizes: list[int] = []

    def counting(features, *args, **kwargs):
        sizes.append(len(features))
        return forward(features, *args, **kwargs)

    pipeline.forward = counting
    return sizes


def test_clips_of_consecutive_windows_share_batches(spaced_dialogue) -> None:
    """Clips left over at a window's end are decoded with the next window's: full batches but the
    last, and the words of every window decoded on its own."""
    from scribe.audio import decode as audio

    path, turns = spaced_dialogue
    samples = audio.load(path)
    windowed = short_windows()
    windows = list(windows_at_pauses([samples], windowed.settings.chunk_seconds))
    alone = [list(windowed.transcribe_batched(w, offset)) for offset, w in windows]
    sizes = counted_batches(windowed)
    segs = list(windowed.stream(audio.stream(path)))

    per_window = [sum(1 for _ in speech_clips(vad(w))) for _, w in windows]
    assert len(windows) >= 3 and sum(per_window) == len(turns)  # a clip per turn
    assert sum(math.ceil(n / 3) for n in per_window) > math.ceil(len(turns) / 3)  # windows leave clips over
    assert sizes == [3] * (len(turns) // 3) + [len(turns) % 3] * bool(len(turns) % 3)
    # The same words as each window decoded on its own, at the same times (a batch's word
    # alignment may move a word by one 20 ms frame).
    got = [w for s in segs for w in s.words]
    want = [w for window in alone for s in window for w in s.words]
    assert [w.text for w in got] == [w.text for w in want]
    assert all(
        abs(a.start - b.start) <= 0.02 and abs(a.end - b.end) <= 0.02 for a, b in zip(got, want, strict=True)
    )
    assert [s.id for s in segs] == list(range(len(segs)))
    for prev, seg in itertools.pairwise(segs):
        assert prev.start <= prev.end <= seg.start
    assert wer(reference_text(turns), " ".join(s.text for s in segs)) < 0.2


def vad(window: np.ndarray) -> list[dict]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return get_speech_timestamps(window, VadOptions(max_speech_duration_s=30.0))


def test_one_window_gives_what_faster_whisper_gives_for_its_clips(spaced_dialogue) -> None:
    """A recording of one window decodes as one call of faster-whisper's batched pipeline over the
    window's clips would, word for word and time for time, though its clips are decoded from a
    buffer of their own, a batch at a time."""
    from faster_whisper import BatchedInferencePipeline

    from scribe.asr.memory import LeanWhisper
    from scribe.audio import decode as audio

    path, turns = spaced_dialogue
    samples = audio.load(path)
    # No clip is decoded again alone, so every word comes from the batched decoder.
    lenient = {"review_logprob": -10.0, "review_compression": 100.0}
    ours = Transcriber("tiny.en", TranscriptionSettings(model="tiny.en", batch_size=3, **lenient))
    options = ours.whisper_options()
    for key in ("condition_on_previous_text", "hallucination_silence_threshold", "vad_filter"):
        options.pop(key)
    clips = speech_clips(vad(samples))
    found, _ = BatchedInferencePipeline(LeanWhisper(ours.model)).transcribe(
        samples,
        clip_timestamps=[{"start": lo / SAMPLE_RATE, "end": hi / SAMPLE_RATE} for lo, hi in clips],
        batch_size=3,
        without_timestamps=True,
        temperature=0.0,
        **options,
    )
    want = [
        (round(w.start, 3), round(w.end, 3), w.word, round(w.probability, 4))
        for fw in found
        for w in fw.words
    ]
    got = [(w.start, w.end, w.text, w.probability) for s in ours.stream(audio.stream(path)) for w in s.words]
    assert len(clips) == len(turns) and len(got) > 100
    assert got == want


def test_failed_clips_are_decoded_again_alone_across_windows(spaced_dialogue) -> None:
    """With clips batched across windows, a doubtful clip still goes back alone, timed in the recording."""
    from scribe.audio import decode as audio

    path, turns = spaced_dialogue
    strict = short_windows(review_logprob=-0.01)  # every clip is doubtful
    calls: list[int] = []
    real = strict.model.transcribe

    def counting(audio_in, **kwargs):
        calls.append(len(audio_in))
        return real(audio_in, **kwargs)

    strict.model.transcribe = counting
    try:
        segs = list(strict.stream(audio.stream(path)))
    finally:
        del strict.model.transcribe
    assert len(calls) == len(turns) and all(n <= 30 * SAMPLE_RATE for n in calls)
    # Every segment lies within a turn: clip times point into the recording, not into a window.
    assert all(any(t.start - 0.5 <= s.start <= s.end <= t.end + 0.5 for t in turns) for s in segs)
    for prev, seg in itertools.pairwise(segs):
        assert prev.start <= prev.end <= seg.start
    assert all(s.needs_review and "confidence" in s.review_reasons[0] for s in segs)


def test_waiting_clips_hold_only_their_own_samples(tiny: Transcriber, spaced_dialogue) -> None:
    """What a window leaves waiting are copies of its clips (under 30 s each), not views of the window."""
    from scribe.audio import decode as audio

    samples = audio.load(spaced_dialogue[0])
    window = samples[: 40 * SAMPLE_RATE].copy()
    batcher = ClipBatcher(tiny)
    decoded = list(batcher.add(window, 0.0))  # batch size 8: the window's clips all wait
    assert decoded == [] and 2 <= len(batcher.pending) < tiny.settings.batch_size
    for clip in batcher.pending:
        assert clip.samples.base is None and not np.shares_memory(clip.samples, window)
        assert len(clip.samples) <= 30 * SAMPLE_RATE + 1
    assert batcher.pending[0].start < batcher.pending[-1].start < 40.0
    flushed = list(batcher.flush())
    assert flushed and batcher.pending == [] and flushed[-1].end <= 40.0


def test_windows_cut_in_pauses() -> None:
    rate = synth.SAMPLE_RATE
    tone = np.sin(np.arange(rate * 4) / 5).astype(np.float32) * 0.3
    gap = np.zeros(rate // 2, dtype=np.float32)
    samples = np.concatenate([tone, gap, tone, gap, tone])  # speech-like blocks with 0.5 s pauses
    pieces = list(windows_at_pauses([samples[i : i + 8000] for i in range(0, len(samples), 8000)], 5.0, 2.0))
    assert sum(len(p) for _, p in pieces) == len(samples)
    for offset, piece in pieces[:-1]:
        end = int(offset * rate) + len(piece)
        assert np.all(samples[end - 100 : end + 100] == 0), "cut inside a pause"


def test_boundary_echo_is_dropped_but_real_repeats_kept() -> None:
    prev = Segment(0, 0.0, 2.0, "the Support Program.", [Word(0.0, 0.5, " the"), Word(1.0, 2.0, " Program.")])
    echo = Segment(
        1, 1.9, 3.0, "program. See you.", [Word(1.9, 2.3, " program."), Word(2.4, 3.0, " See you.")]
    )
    assert drop_boundary_repeat(prev, echo).text == "See you."
    later = Segment(1, 4.0, 5.0, "program. Yes.", [Word(4.0, 4.4, " program."), Word(4.5, 5.0, " Yes.")])
    assert drop_boundary_repeat(prev, later).text == "program. Yes."


def test_review_reasons_name_the_problem() -> None:
    settings = TranscriptionSettings()
    seg = Segment(
        0,
        0,
        1,
        "uh the the the the",
        avg_logprob=-1.4,
        compression_ratio=3.1,
        words=[Word(0, 1, " uh", 0.1), Word(0, 1, " the", 0.9)],
    )
    reasons = review_reasons(seg, settings)
    assert any("low recognition confidence" in r for r in reasons)
    assert any("hallucination" in r for r in reasons)
    assert any("unclear word" in r for r in reasons)
    assert review_reasons(Segment(0, 0, 1, "fine", avg_logprob=-0.2), settings) == []


@pytest.mark.parametrize("kind", ["silence", "whitenoise", "hum"])
def test_no_speech_is_a_clear_error(tiny: Transcriber, tmp_path: Path, kind: str) -> None:
    import subprocess

    path = tmp_path / f"{kind}.wav"
    effect = {
        "silence": ["trim", "0", "15"],
        "whitenoise": ["synth", "15", "whitenoise", "vol", "0.3"],
        "hum": ["synth", "15", "sine", "120", "vol", "0.2"],
    }[kind]
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", str(path), *effect], check=True)
    with pytest.raises(NoSpeechError, match=r"silent|no recognisable speech"):
        tiny.transcribe_file(path)


def test_real_speech_jfk(tiny: Transcriber, shared_data: Path) -> None:
    clip = shared_data / "speech" / "faster_whisper_tests"
    transcript = tiny.transcribe_file(clip / "jfk.flac")
    assert wer((clip / "jfk.txt").read_text(), transcript.text) < 0.1


def test_base_model_on_the_bundled_sample(sample_session: Path, repo_root: Path) -> None:
    """The default model on the sample session, against its script."""
    rows = (repo_root / "samples" / "session.txt").read_text().splitlines()[1:]
    reference = " ".join(r.split("\t")[3] for r in rows)
    transcript = Transcriber("base").transcribe_file(sample_session)
    assert transcript.settings.model == "base"
    assert wer(reference, transcript.text) < 0.15
