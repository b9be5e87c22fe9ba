"""Speaker diarization and roles, end to end on generated speech with the real models.

espeak-ng speaks dialogues in clearly different voices (tests/synth.py), Whisper
tiny.en transcribes them, resemblyzer's voice encoder tells the voices apart. The reference is
the synthesiser's own turn times, so every segment can be checked.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import synth
from scribe import workflow
from scribe.audio import decode as audio_io
from scribe.cli import cli
from scribe.core.errors import AudioError, NoSpeechError, TranscriptError
from scribe.core.hashing import sha256_file
from scribe.core.records import Segment, Speaker, Transcript, Word
from scribe.speakers.channels import transcribe_channels
from scribe.speakers.diarize import DiarizationReport, diarize
from scribe.speakers.roles import assign_roles, guess_roles, parse_roles
from scribe.speakers.segments import split_segment
from scribe.speakers.voices import compute_features, one_voice_per_channel, read_features
from scribe.transcripts.writers import WRITERS

FAMILY_TURNS: list[tuple[str, str]] = [
    ("worker", "Thanks for coming in, both of you. What brings you here today?"),
    ("client", "My son and I keep arguing about school and it is getting worse."),
    ("other", "I just think she does not listen to me at all."),
    ("worker", "It sounds like you both feel unheard. Can you tell me more about that?"),
    ("other", "Every night there is shouting about homework."),
    ("client", "I only want him to finish his work before he plays games."),
    ("worker", "What would a calmer evening look like for each of you?"),
    ("other", "Maybe we could agree on a time for homework and then I get free time."),
    ("client", "I could live with that if he sticks to it."),
]


# --- fixtures (session scope: every transcription runs once) ------------------------------


@pytest.fixture(scope="session")
def dialogue(counselling_dialogue, tiny) -> tuple[Path, list[synth.Turn], Transcript]:
    """The two-voice counselling dialogue, its turns, and its tiny.en transcript (no speakers)."""
    path, turns = counselling_dialogue
    return path, turns, tiny.transcribe_file(path)


@pytest.fixture(scope="session")
def diarized(dialogue) -> Transcript:
    path, _, transcript = dialogue
    return diarize(transcript, path)


@pytest.fixture(scope="session")
def family(tmp_path_factory, tiny) -> tuple[Path, list[synth.Turn], Transcript]:
    """Three voices: worker, parent (client) and son (other)."""
    if not synth.have_espeak():
        pytest.skip("espeak-ng is not installed (scripts/setup.sh --test installs it)")
    samples, turns = synth.dialogue(FAMILY_TURNS)
    path = synth.write_wav(tmp_path_factory.mktemp("family") / "family.wav", samples)
    return path, turns, tiny.transcribe_file(path)


@pytest.fixture(scope="session")
def monologue(tmp_path_factory, tiny) -> tuple[Path, Transcript]:
    """One voice (the client's) saying every line of the counselling dialogue."""
    if not synth.have_espeak():
        pytest.skip("espeak-ng is not installed (scripts/setup.sh --test installs it)")
    samples, _ = synth.dialogue([("client", text) for _, text in synth.COUNSELLING_TURNS[:5]])
    path = synth.write_wav(tmp_path_factory.mktemp("mono") / "monologue.wav", samples)
    return path, tiny.transcribe_file(path)


@pytest.fixture(scope="session")
def stereo_dialogue(dialogue, tmp_path_factory) -> Path:
    """The two-voice dialogue with the worker on the left channel and the client on the right.

    A little crosstalk (-26 dB) leaks into the other channel, as with two lapel mics.
    """
    path, turns, _ = dialogue
    stereo = synth.two_channel_session(audio_io.load(path), turns)
    return synth.write_wav(tmp_path_factory.mktemp("stereo") / "stereo.wav", stereo, channels=2)


# --- helpers --------------------------------------------------------------------------------------


def ref_speaker(turns: list[synth.Turn], t: float) -> str:
    """The synthesised speaker talking at ``t`` (or the nearest turn, for words timed in a gap)."""
    return min(
        turns, key=lambda u: 0.0 if u.start <= t <= u.end else min(abs(t - u.start), abs(t - u.end))
    ).speaker


def check_speakers(transcript: Transcript, turns: list[synth.Turn]) -> dict[str, str]:
    """Assert every segment holds one reference speaker and speakers map one-to-one; return the map."""
    mapping: dict[str, str] = {}
    for seg in transcript.segments:
        assert seg.speaker is not None, seg
        refs = {ref_speaker(turns, (w.start + w.end) / 2) for w in seg.words} or {
            ref_speaker(turns, (seg.start + seg.end) / 2)
        }
        assert len(refs) == 1, f"segment {seg.id} mixes {refs}: {seg.text!r}"
        ref = refs.pop()
        assert mapping.setdefault(seg.speaker, ref) == ref, (
            f"{seg.speaker} is both {mapping[seg.speaker]} and {ref}"
        )
    assert len(set(mapping.values())) == len(mapping), f"two clusters for one voice: {mapping}"
    return mapping


def check_invariants(before: Transcript, after: Transcript) -> None:
    """Ids renumbered, times ordered, words inside their segment, no word lost or added."""
    assert [s.id for s in after.segments] == list(range(len(after.segments)))
    starts = [s.start for s in after.segments]
    assert starts == sorted(starts)
    for seg in after.segments:
        assert seg.text.strip()
        for w in seg.words:
            assert seg.start - 1e-6 <= w.start <= w.end <= seg.end + 1e-6, (seg, w)
    words = lambda t: [(w.start, w.text) for s in t.segments for w in s.words]  # noqa: E731
    assert words(after) == words(before)
    assert {s.speaker for s in after.segments} == {s.id for s in after.speakers}
    for seg in after.segments:
        assert seg.role == after.role_of(seg.speaker)


# --- two voices ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_two_voices_every_segment_gets_the_right_speaker(dialogue, diarized):
    _, turns, transcript = dialogue
    mapping = check_speakers(diarized, turns)
    assert sorted(mapping.values()) == ["client", "worker"]
    check_invariants(transcript, diarized)
    # The automatic role guess names each voice after the part it plays.
    for spk in diarized.speakers:
        assert spk.role == mapping[spk.id]
        assert spk.role_source == "guess"


@pytest.mark.slow
def test_input_transcript_is_not_changed(dialogue, diarized):
    path, _, transcript = dialogue
    snapshot = transcript.to_dict()
    diarize(transcript, path)
    assert transcript.to_dict() == snapshot
    assert all(s.speaker is None for s in transcript.segments)


@pytest.mark.slow
def test_a_segment_holding_two_turns_is_split_at_the_word(dialogue):
    """Whisper can put the end of one turn and the start of the next in one segment."""
    path, turns, transcript = dialogue
    segs = transcript.segments
    said_by = [ref_speaker(turns, (s.start + s.end) / 2) for s in segs]
    i = next(k for k in range(len(segs) - 1) if said_by[k] != said_by[k + 1])  # the first change of turn
    first, second = segs[i], segs[i + 1]
    merged = Segment(
        id=i,
        start=first.start,
        end=second.end,
        text=f"{first.text} {second.text}",
        words=first.words + second.words,
        needs_review=True,
        review_reasons=["flagged for the test"],
    )
    rest = [replace(s, id=i + 1 + n) for n, s in enumerate(segs[i + 2 :])]
    mixed = replace(transcript, segments=[*segs[:i], merged, *rest])
    out = diarize(mixed, path)
    check_speakers(out, turns)
    check_invariants(mixed, out)
    assert out.segments[i].text == first.text
    assert out.segments[i + 1].text == second.text
    assert out.segments[i].speaker != out.segments[i + 1].speaker
    # The flags of the segment that was cut stay on both pieces.
    assert out.segments[i].needs_review and out.segments[i + 1].needs_review
    assert out.segments[i + 1].review_reasons == ["flagged for the test"]


@pytest.mark.slow
def test_auto_count_finds_two_voices(dialogue):
    path, turns, transcript = dialogue
    report = DiarizationReport()
    out = diarize(transcript, path, num_speakers=None, report=report)
    assert report.method == "embeddings" and report.num_speakers == 2
    check_speakers(out, turns)


@pytest.mark.slow
def test_samples_instead_of_a_path(dialogue, diarized):
    path, _, transcript = dialogue
    out = diarize(transcript, audio_io.load(path))
    assert [s.speaker for s in out.segments] == [s.speaker for s in diarized.segments]


@pytest.mark.slow
def test_a_mono_recording_is_transcribed_in_one_pass_never_held_whole(dialogue, diarized, tiny, monkeypatch):
    """Decoded, measured for voices and transcribed block by block: the same record as
    transcribing the file and then diarizing it from the file."""
    path, _, _ = dialogue

    def held_whole(self):
        raise AssertionError("a mono recording was decoded into memory whole")

    monkeypatch.setattr(audio_io.Decoding, "whole", held_whole)
    streamed = workflow.transcribe_recording(tiny, path, 2)
    made = {"created_at": diarized.created_at}
    assert asdict(replace(streamed, **made)) == asdict(diarized)
    assert streamed.audio is not None and streamed.audio.sha256 == sha256_file(path)


@pytest.mark.slow
def test_segments_without_word_times(dialogue):
    """Transcribed with word_timestamps off: whole segments get a speaker, none is cut."""
    path, turns, transcript = dialogue
    bare = replace(transcript, segments=[replace(s, words=[]) for s in transcript.segments])
    out = diarize(bare, path)
    assert [s.text for s in out.segments] == [s.text for s in bare.segments]
    check_speakers(out, turns)


# --- one, three, none -------------------------------------------------------------------------


def test_one_speaker_needs_no_audio_and_no_model():
    transcript = Transcript(
        segments=[Segment(0, 0.0, 2.0, "Client arrived on time."), Segment(1, 2.5, 4.0, "Mood was low.")]
    )
    report = DiarizationReport()
    out = diarize(transcript, num_speakers=1, report=report)  # no audio given: none is read
    assert report.method == "single"
    assert [s.speaker for s in out.segments] == ["S1", "S1"]
    assert out.speakers == [Speaker(id="S1", role="worker", role_source="guess")]  # dictation


@pytest.mark.slow
def test_one_voice_is_counted_as_one(monologue):
    path, transcript = monologue
    report = DiarizationReport()
    out = diarize(transcript, path, num_speakers=None, report=report)
    assert report.num_speakers == 1
    assert {s.speaker for s in out.segments} == {"S1"}
    check_invariants(transcript, out)


@pytest.mark.slow
def test_three_voices(family):
    path, turns, transcript = family
    out = diarize(transcript, path, num_speakers=3)
    mapping = check_speakers(out, turns)
    assert sorted(mapping.values()) == ["client", "other", "worker"]
    check_invariants(transcript, out)
    assert {s.role for s in out.speakers} == {"worker", "client", "other"}
    worker = next(sid for sid, ref in mapping.items() if ref == "worker")
    assert out.role_of(worker) == "worker"


@pytest.mark.slow
def test_three_voices_counted(family):
    path, turns, transcript = family
    report = DiarizationReport()
    out = diarize(transcript, path, num_speakers=None, report=report)
    assert report.num_speakers == 3
    check_speakers(out, turns)


@pytest.mark.slow
def test_near_silent_track(tmp_path, tiny):
    """Hiss at -90 dBFS: no crash; either no speech is reported, or every segment gets one speaker."""
    rng = np.random.default_rng(0)
    path = synth.write_wav(tmp_path / "hiss.wav", (rng.standard_normal(16000 * 5) * 3e-5).astype(np.float32))
    try:
        transcript = tiny.transcribe_file(path)
    except NoSpeechError as exc:
        assert "hiss.wav" in str(exc)
        transcript = Transcript(segments=[Segment(0, 0.5, 2.0, "Hmm.", words=[Word(0.5, 2.0, " Hmm.")])])
    out = diarize(transcript, path)
    assert all(s.speaker == "S1" for s in out.segments)
    assert any("one speaker" in w for w in out.warnings)


def test_empty_transcript_and_missing_audio(tmp_path):
    out = diarize(Transcript(), np.zeros(16000, dtype=np.float32))
    assert out.segments == [] and out.speakers == []
    with pytest.raises(AudioError, match="needs the recording"):
        diarize(Transcript(segments=[Segment(0, 0.0, 1.0, "Hello.")]))
    with pytest.raises(AudioError, match="No such file"):
        diarize(Transcript(segments=[Segment(0, 0.0, 1.0, "Hello.")]), tmp_path / "gone.wav")
    with pytest.raises(ValueError, match="num_speakers"):
        diarize(Transcript(), np.zeros(16000, dtype=np.float32), num_speakers=0)


# --- stereo ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_stereo_one_voice_per_channel_is_diarized_by_channel(dialogue, stereo_dialogue):
    _, turns, transcript = dialogue  # same timing as the stereo file
    report = DiarizationReport()
    out = diarize(transcript, stereo_dialogue, report=report)
    assert report.method == "channels"
    mapping = check_speakers(out, turns)
    assert mapping == {"S1": "worker", "S2": "client"}
    assert [(s.id, s.label) for s in out.speakers] == [("S1", "left channel"), ("S2", "right channel")]
    # The transcript was made from the mono file, and diarize says so.
    assert any("not the recording this transcript was made from" in w for w in out.warnings)


@pytest.mark.slow
def test_stereo_can_be_refused_or_forced(dialogue, stereo_dialogue):
    path, turns, transcript = dialogue
    report = DiarizationReport()
    out = diarize(transcript, stereo_dialogue, stereo=False, report=report)
    assert report.method == "embeddings"
    check_speakers(out, turns)
    with pytest.raises(AudioError, match="mono"):
        diarize(transcript, path, stereo=True)


def test_transcribing_by_channel_needs_channels(dialogue, tiny):
    with pytest.raises(AudioError, match="mono"):
        transcribe_channels(tiny, dialogue[0])


@pytest.mark.slow
def test_real_stereo_clip_with_overlapping_voices(shared_data, tiny):
    """Both people talk at once, one per channel: the mix is unintelligible, each channel is not."""
    wav = shared_data / "speech" / "faster_whisper_tests" / "stereo_diarization.wav"
    assert one_voice_per_channel(read_features(wav))
    out = transcribe_channels(tiny, wav)
    said = {
        spk.id: " ".join(s.text for s in out.segments if s.speaker == spk.id).lower() for spk in out.speakers
    }
    assert "wizard" in said["S1"] and "curtain" in said["S1"] and "horizon" not in said["S1"]
    assert "horizon" in said["S2"] and "wizard" not in said["S2"]


def test_duplicated_stereo_is_not_taken_for_two_voices():
    rng = np.random.default_rng(1)
    voice = (rng.standard_normal(16000 * 3) * 0.1).astype(np.float32)
    same = compute_features([np.stack([voice, 0.8 * voice], axis=1)])
    assert same.correlation > 0.99 and not one_voice_per_channel(same)
    left = np.concatenate([voice, np.zeros_like(voice)])
    right = np.concatenate([np.zeros_like(voice), voice])
    split = compute_features([np.stack([left, right], axis=1)])
    assert one_voice_per_channel(split)
    assert not one_voice_per_channel(compute_features([left]))


def test_features_do_not_depend_on_chunking():
    """Streamed in uneven chunks or passed whole: the same mel frames (resemblyzer's are in
    tests/test_voice_encoder.py)."""
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(16000 * 2 + 123) * 0.1).astype(np.float32)
    whole = read_features(x).mel
    chunked = compute_features([x[:7000], x[7000:20000], x[20000:]]).mel
    assert whole.shape == chunked.shape == (1 + len(x) // 160, 40)
    np.testing.assert_allclose(chunked, whole, rtol=1e-4, atol=1e-7 * whole.max())


# --- roles ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_roles_survive_a_json_round_trip(diarized, tmp_path):
    again = Transcript.load(diarized.save(tmp_path / "t.json"))
    assert again.speakers == diarized.speakers
    assert [(s.speaker, s.role, s.text) for s in again.segments] == [
        (s.speaker, s.role, s.text) for s in diarized.segments
    ]
    data = json.loads(diarized.to_json())
    assert {s["role"] for s in data["speakers"]} == {"worker", "client"}


@pytest.mark.slow
def test_role_override(diarized):
    worker = next(s.id for s in diarized.speakers if s.role == "worker")
    client = next(s.id for s in diarized.speakers if s.role == "client")
    swapped = assign_roles(diarized, {worker: "client"})
    # The other voice is re-guessed around the override: it becomes the worker.
    assert swapped.role_of(worker) == "client" and swapped.role_of(client) == "worker"
    assert {s.id: s.role_source for s in swapped.speakers} == {worker: "user", client: "guess"}
    assert all(seg.role == swapped.role_of(seg.speaker) for seg in swapped.segments)
    assert diarized.role_of(worker) == "worker"  # the input is untouched
    other = assign_roles(diarized, {worker: "other", client: "other"})
    assert {s.role for s in other.speakers} == {"other"}
    with pytest.raises(TranscriptError, match="no speaker S9"):
        assign_roles(diarized, {"S9": "client"})
    with pytest.raises(TranscriptError, match="Unknown role"):
        assign_roles(diarized, {worker: "therapist"})


@pytest.mark.slow
def test_roles_passed_to_diarize(dialogue):
    path, _, transcript = dialogue
    out = diarize(transcript, path, roles={"S1": "client", "S2": "worker"})
    assert [(s.id, s.role, s.role_source) for s in out.speakers] == [
        ("S1", "client", "user"),
        ("S2", "worker", "user"),
    ]


def test_guess_roles_from_what_was_said():
    said = [
        ("S1", "Hi, thanks for coming in. How have you been sleeping?"),
        ("S2", "Not great. I wake up at four and I can't get back to sleep."),
        ("S1", "It sounds like that is wearing you down. What have you tried?"),
        ("S2", "I stopped drinking coffee after lunch, but I still feel tired."),
        ("S3", "She has been like this for months."),
    ]
    segs = [Segment(i, i * 5.0, i * 5.0 + 4, text, speaker=who) for i, (who, text) in enumerate(said)]
    t = Transcript(segments=segs, speakers=[Speaker("S1"), Speaker("S2"), Speaker("S3")])
    assert guess_roles(t) == {"S1": "worker", "S2": "client", "S3": "other"}
    # A fixed role is kept and the others are guessed around it.
    assert guess_roles(t, {"S2": "worker"}) == {"S2": "worker", "S1": "client", "S3": "other"}


def test_parse_roles():
    assert parse_roles("S1=client, s2=Worker;S3:other") == {"S1": "client", "S2": "worker", "S3": "other"}
    assert parse_roles("S1=none") == {"S1": None}
    for bad in ("S1", "S1=boss", "=client"):
        with pytest.raises(TranscriptError):
            parse_roles(bad)


# --- splitting --------------------------------------------------------------------------------


def _seg(text: str, times: list[tuple[float, float]], **kw) -> Segment:
    words = [Word(a, b, " " + w) for w, (a, b) in zip(text.split(), times, strict=True)]
    return Segment(0, times[0][0], times[-1][1], text, words=words, **kw)


def test_split_segment_keeps_text_words_and_flags():
    seg = _seg("Okay. Is that so?", [(0, 0.4), (0.8, 1.0), (1.0, 1.2), (1.2, 1.5)], needs_review=True)
    a, b = split_segment(seg, ["S1", "S2", "S2", "S2"])
    assert (a.text, b.text) == ("Okay.", "Is that so?")
    assert (a.start, a.end, b.start, b.end) == (0, 0.6, 0.6, 1.5)  # cut midway through the pause
    assert a.speaker == "S1" and b.speaker == "S2" and a.needs_review and b.needs_review
    assert [w.text for w in a.words + b.words] == [w.text for w in seg.words]


def test_edited_segment_is_not_cut():
    seg = _seg("Okay. Is that so?", [(0, 0.4), (0.8, 1.0), (1.0, 1.2), (1.2, 1.5)], edited=True)
    (only,) = split_segment(seg, ["S1", "S2", "S2", "S2"])
    assert only.text == seg.text and only.speaker == "S2"


# --- output and CLI -------------------------------------------------------------------------


@pytest.mark.slow
def test_every_writer_shows_who_spoke(diarized):
    for fmt, write in WRITERS.items():
        text = write(diarized)
        assert "Worker (S" in text or '"role": "worker"' in text, fmt
        assert "Client (S" in text or '"role": "client"' in text, fmt


@pytest.mark.slow
def test_cli_speakers_and_roles(dialogue, tmp_path):
    path, turns, _ = dialogue
    out = tmp_path / "t.json"
    result = CliRunner().invoke(
        cli,
        ["transcribe", str(path), "-m", "tiny.en", "--speakers", "2", "--roles", "S1=client", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "Speakers: S1 client, S2 worker (guessed)" in result.output
    t = Transcript.load(out)
    assert t.role_of("S1") == "client" and t.role_of("S2") == "worker"
    check_speakers(t, turns)


@pytest.mark.slow
def test_cli_transcribes_each_channel_on_its_own(dialogue, stereo_dialogue, tmp_path):
    """One voice per channel is detected; each side is transcribed alone, crosstalk left out."""
    _, turns, mono = dialogue
    out = tmp_path / "t.json"
    result = CliRunner().invoke(
        cli, ["transcribe", str(stereo_dialogue), "-m", "tiny.en", "-s", "2", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "S1 worker (guessed), left channel, S2 client (guessed), right channel" in result.output
    t = Transcript.load(out)
    assert check_speakers(t, turns) == {"S1": "worker", "S2": "client"}
    assert [s.id for s in t.segments] == list(range(len(t.segments)))
    assert [s.start for s in t.segments] == sorted(s.start for s in t.segments)
    # Crosstalk (the other voice, 26 dB down) is not transcribed a second time.
    assert abs(sum(len(s.words) for s in t.segments) - sum(len(s.words) for s in mono.segments)) <= 3
    srt = WRITERS["srt"](t)
    assert "\nWorker (S1): Hi Maria" in srt and "\nClient (S2): " in srt


@pytest.mark.slow
def test_note_keeps_words_said_at_the_same_time_on_two_channels(dialogue, tmp_path):
    """`scribe note` on one voice per channel transcribes each side alone, so overlapping speech survives."""
    path, turns, _ = dialogue
    stereo = synth.two_channel_session(audio_io.load(path), turns, overlap=True)
    wav = synth.write_wav(tmp_path / "overlap.wav", stereo, channels=2)
    out = tmp_path / "note.md"
    result = CliRunner().invoke(
        cli, ["note", str(wav), "-m", "tiny.en", "-f", "process", "-o", str(out), "--no-store"]
    )
    assert result.exit_code == 0, result.output
    rows = [line.lower() for line in out.read_text().splitlines() if line.startswith("|")]
    assert any("client" in r and "employment office" in r for r in rows), rows  # synth.OVERLAP
    assert any("worker" in r and "plan down" in r for r in rows), rows


def test_cli_rejects_bad_speaker_options(tmp_path):
    wav = synth.write_wav(tmp_path / "x.wav", np.zeros(1600, dtype=np.float32))
    result = CliRunner().invoke(cli, ["transcribe", str(wav), "--speakers", "lots"])
    assert result.exit_code == 2 and "number of speakers" in result.output
    result = CliRunner().invoke(cli, ["transcribe", str(wav), "--roles", "S1=boss"])
    assert result.exit_code == 1 and "Unknown role" in result.output
