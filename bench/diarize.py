"""Benchmark speaker diarization: accuracy on real speech, cost against transcription.

    python bench/diarize.py [--model base] [--minutes 10] [--skip-long]

1. Real two-speaker phone call (../shared/data/speech/pyannote_sample):
   diarization error rate against ``sample.rttm`` (10 ms frames, 0.25 s
   no-score collar around every reference boundary, overlap scored, optimal
   one-to-one speaker mapping by the Hungarian method), speaker-attributed word
   accuracy against ``sample.stm`` (each Whisper word's reference speaker is the
   STM utterance at its midpoint), cpWER (concatenated minimum-permutation WER),
   and time per audio minute — next to the trivial baseline (everything one
   speaker) in the same run.
2. The stereo clip with one voice per channel: method detected and words per channel.
3. A ~10-minute generated two-voice dialogue (tests/synth.py): transcription
   time with the chosen model vs diarization time, the ratio (the target is
   < 20 %), and DER against the known turns.
4. Role guess on AnnoMI dev transcripts (text only: therapist -> worker?).

Sections needing ../shared/data are skipped with a message when it is absent.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
sys.path.insert(0, str(ROOT / "tests"))

from scribe.core.records import Segment, Speaker, Transcript  # noqa: E402
from scribe.speakers.diarize import DiarizationReport, diarize  # noqa: E402
from scribe.speakers.roles import guess_roles  # noqa: E402
from scribe.speakers.voices import one_voice_per_channel, read_features  # noqa: E402

COLLAR = 0.25
FRAME = 0.01


# --- metrics ---------------------------------------------------------------------------


def read_rttm(path: Path) -> list[tuple[float, float, str]]:
    turns = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if parts and parts[0] == "SPEAKER":
            start, dur = float(parts[3]), float(parts[4])
            turns.append((start, start + dur, parts[7]))
    return turns


def read_stm(path: Path) -> list[tuple[float, float, str, str]]:
    rows = []
    for line in path.read_text().splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6:
            rows.append((float(parts[3]), float(parts[4]), parts[2], parts[5]))
    return rows


def hyp_turns(transcript: Transcript) -> list[tuple[float, float, str]]:
    return [(s.start, s.end, s.speaker or "?") for s in transcript.segments]


def _activity(turns: list[tuple[float, float, str]], n: int) -> tuple[list[str], np.ndarray]:
    names = sorted({t[2] for t in turns})
    act = np.zeros((n, len(names)), dtype=bool)
    for start, end, who in turns:
        act[round(start / FRAME) : round(end / FRAME), names.index(who)] = True
    return names, act


def der(
    ref: list[tuple[float, float, str]], hyp: list[tuple[float, float, str]], collar: float = COLLAR
) -> dict[str, float]:
    """Diarization error rate with a no-score collar and the optimal speaker mapping."""
    from scipy.optimize import linear_sum_assignment

    end = max([e for _, e, _ in ref] + [e for _, e, _ in hyp] + [0.0])
    n = int(np.ceil(end / FRAME)) + 1
    _, r = _activity(ref, n)
    _, h = _activity(hyp, n) if hyp else ([], np.zeros((n, 0), dtype=bool))
    scored = np.ones(n, dtype=bool)
    c = round(collar / FRAME)
    for start, stop, _ in ref:
        for b in (start, stop):
            i = round(b / FRAME)
            scored[max(0, i - c) : i + c] = False
    r, h = r[scored], h[scored]
    overlap = r.T.astype(float) @ h.astype(float)  # frames where ref i and hyp j both speak
    rows, cols = linear_sum_assignment(-overlap) if overlap.size else ([], [])
    n_ref, n_hyp = r.sum(axis=1), h.sum(axis=1)
    correct = np.zeros(len(r))
    for i, j in zip(rows, cols, strict=True):
        correct += r[:, i] & h[:, j]
    total = float(n_ref.sum())
    miss = float(np.maximum(n_ref - n_hyp, 0).sum())
    fa = float(np.maximum(n_hyp - n_ref, 0).sum())
    conf = float((np.minimum(n_ref, n_hyp) - correct).sum())
    return {
        "der": (miss + fa + conf) / total,
        "miss": miss / total,
        "fa": fa / total,
        "confusion": conf / total,
    }


def _norm_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def _edits(a: list[str], b: list[str]) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def cpwer(ref: dict[str, str], hyp: dict[str, str]) -> float:
    """Concatenated minimum-permutation WER: each reference speaker against one hypothesis speaker."""
    rk, hk = list(ref), list(hyp)
    hk += [""] * max(0, len(rk) - len(hk))
    total = sum(len(_norm_words(t)) for t in ref.values())
    best = None
    for perm in itertools.permutations(hk, len(rk)):
        errors = sum(
            _edits(_norm_words(ref[r]), _norm_words(hyp.get(p, ""))) for r, p in zip(rk, perm, strict=True)
        )
        errors += sum(
            len(_norm_words(hyp[p])) for p in hyp if p not in perm
        )  # unmatched speakers: insertions
        best = errors if best is None else min(best, errors)
    return (best or 0) / max(total, 1)


def word_accuracy(transcript: Transcript, stm: list[tuple[float, float, str, str]]) -> float:
    """Share of Whisper words whose speaker (optimally mapped) is the STM speaker at the word's midpoint."""
    from scipy.optimize import linear_sum_assignment

    pairs: Counter[tuple[str, str]] = Counter()
    for seg in transcript.segments:
        for w in seg.words:
            mid = (w.start + w.end) / 2
            ref = min(
                stm, key=lambda u: 0.0 if u[0] <= mid <= u[1] else min(abs(mid - u[0]), abs(mid - u[1]))
            )
            pairs[(ref[2], seg.speaker or "?")] += 1
    refs = sorted({r for r, _ in pairs})
    hyps = sorted({h for _, h in pairs})
    m = np.array([[pairs[(r, h)] for h in hyps] for r in refs], dtype=float)
    rows, cols = linear_sum_assignment(-m)
    return float(m[rows, cols].sum() / max(m.sum(), 1))


def one_speaker(transcript: Transcript) -> Transcript:
    return diarize(transcript, num_speakers=1)


# --- sections -------------------------------------------------------------------------


def _row(name: str, t: Transcript, ref, stm, seconds: float, audio_minutes: float) -> None:
    d = der(ref, hyp_turns(t))
    ref_text: dict[str, str] = {}
    for _, _, who, text in stm:
        ref_text[who] = ref_text.get(who, "") + " " + text
    hyp_text: dict[str, str] = {}
    for s in t.segments:
        hyp_text[s.speaker or "?"] = hyp_text.get(s.speaker or "?", "") + " " + s.text
    print(
        f"{name:<26} {d['der'] * 100:6.1f} {d['miss'] * 100:6.1f} {d['fa'] * 100:6.1f} {d['confusion'] * 100:6.1f}"
        f" {word_accuracy(t, stm) * 100:8.1f} {cpwer(ref_text, hyp_text) * 100:7.1f} {len(t.speakers):5d}"
        f" {seconds / audio_minutes:8.2f}"
    )


def real_call(transcriber) -> None:
    folder = DATA / "speech" / "pyannote_sample"
    if not (folder / "sample.wav").is_file():
        print(f"[skip] real two-speaker call: {folder} not found (evaluation data is not in the repo).")
        return
    wav = folder / "sample.wav"
    ref, stm = read_rttm(folder / "sample.rttm"), read_stm(folder / "sample.stm")
    t0 = time.perf_counter()
    transcript = transcriber.transcribe_file(wav)
    t_asr = time.perf_counter() - t0
    minutes = transcript.duration / 60
    print(
        f"\n== Real call: {wav.name}, {transcript.duration:.0f} s, Whisper {transcriber.settings.model} "
        f"({t_asr / minutes:.1f} s per audio minute); DER collar {COLLAR} s, overlap scored =="
    )
    print(
        f"{'system':<26} {'DER%':>6} {'miss%':>6} {'FA%':>6} {'conf%':>6} {'wordacc%':>8} {'cpWER%':>7} "
        f"{'spk':>5} {'s/min':>8}"
    )
    diarize(
        transcript, wav
    )  # warm-up: first-call imports (sklearn, the encoder weights) are not per-minute cost
    ref_words = " ".join(text for *_, text in stm)
    wer = _edits(_norm_words(ref_words), _norm_words(transcript.text)) / len(_norm_words(ref_words))
    print(f"Whisper WER on this clip, speakers ignored: {100 * wer:.1f} % (the floor under cpWER)")
    t0 = time.perf_counter()
    base = one_speaker(transcript)
    _row("baseline: one speaker", base, ref, stm, time.perf_counter() - t0, minutes)
    for k, label in ((2, "diarize, 2 speakers"), (None, "diarize, auto count")):
        t0 = time.perf_counter()
        out = diarize(transcript, wav, num_speakers=k)
        _row(label, out, ref, stm, time.perf_counter() - t0, minutes)


def stereo_clip(transcriber) -> None:
    wav = DATA / "speech" / "faster_whisper_tests" / "stereo_diarization.wav"
    if not wav.is_file():
        print(f"\n[skip] stereo clip: {wav} not found.")
        return
    from scribe.speakers.channels import transcribe_channels

    feats = read_features(wav)
    print(
        f"\n== Stereo clip {wav.name}: channel correlation {feats.correlation:.2f}, "
        f"one voice per channel detected: {one_voice_per_channel(feats)} =="
    )
    tsv = wav.with_suffix(".channels.tsv")
    ref = dict(line.split("\t", 1) for line in tsv.read_text().splitlines()) if tsv.is_file() else {}
    mixed = diarize(transcriber.transcribe_file(wav), wav)
    by_channel = transcribe_channels(transcriber, wav)
    for name, t in (("mono mix, words by channel energy", mixed), ("each channel transcribed", by_channel)):
        print(f"  {name}:")
        for spk in t.speakers:
            side = spk.label.split()[0] if spk.label else "?"
            text = " ".join(s.text for s in t.segments if s.speaker == spk.id)
            wer = _edits(_norm_words(ref.get(side, "")), _norm_words(text)) / max(
                len(_norm_words(ref.get(side, ""))), 1
            )
            print(f"    {spk.id} ({spk.label}): WER {100 * wer:5.1f} %  {text}")
    for side, text in ref.items():
        print(f"    reference {side} (whisper output in faster-whisper's tests): {text}")


def long_dialogue(transcriber, minutes: float, load_seconds: float) -> None:
    import synth

    if not synth.have_espeak():
        print("\n[skip] long dialogue: espeak-ng is not installed.")
        return
    # Vary the turns so the transcript is not one block repeated: rotate the order of exchanges.
    pairs = [synth.COUNSELLING_TURNS[i : i + 2] for i in range(0, len(synth.COUNSELLING_TURNS) - 1, 2)]
    turns: list[tuple[str, str]] = []
    seconds = 0.0
    i = 0
    while seconds < minutes * 60:
        rot = pairs[i % len(pairs) :] + pairs[: i % len(pairs)]
        block = [t for p in rot for t in p] + [synth.COUNSELLING_TURNS[-1]]
        turns += block
        seconds += sum(len(text) for _, text in block) / 14.0 + 0.6 * len(block)  # ~14 chars/s
        i += 1
    import tempfile

    samples, timed = synth.dialogue(turns)
    with tempfile.TemporaryDirectory() as tmp:
        wav = synth.write_wav(Path(tmp) / "long.wav", samples)
        t0 = time.perf_counter()
        transcript = transcriber.transcribe_file(wav)
        t_asr = time.perf_counter() - t0
        t0 = time.perf_counter()
        out = diarize(transcript, wav, num_speakers=2)
        t_dia = time.perf_counter() - t0
        t0 = time.perf_counter()
        auto = diarize(transcript, wav, num_speakers=None)
        t_auto = time.perf_counter() - t0
    ref = [(t.start, t.end, t.speaker) for t in timed]
    dur = transcript.duration

    def fmt(t: Transcript) -> str:
        d = der(ref, hyp_turns(t))
        return (
            f"DER {100 * d['der']:.1f} % (miss {100 * d['miss']:.1f}, FA {100 * d['fa']:.1f}, "
            f"confusion {100 * d['confusion']:.1f})"
        )

    print(
        f"\n== Generated dialogue: {dur / 60:.1f} min, {len(turns)} turns, Whisper "
        f"{transcriber.settings.model} =="
    )
    print(f"transcription        {t_asr:7.1f} s  ({dur / t_asr:.1f}x real time)")
    print(f"baseline: one speaker             {fmt(one_speaker(transcript))}")
    print(
        f"diarization (2)      {t_dia:7.1f} s  = {100 * t_dia / t_asr:.1f} % of transcription (target < 20 %)"
    )
    print(f"                                  {fmt(out)}")
    print(
        f"diarization (auto)   {t_auto:7.1f} s  = {100 * t_auto / t_asr:.1f} % of transcription, "
        f"{len(auto.speakers)} speakers found"
    )
    print(f"                                  {fmt(auto)}")
    print(
        f"(once per process, not counted above: loading the voice encoder took {load_seconds:.1f} s;"
        f" counted, diarization (2) would be {100 * (t_dia + load_seconds) / t_asr:.1f} %)"
    )
    roles = {s.id: s.role for s in out.speakers}
    print(f"roles guessed: {roles}")


def count_estimate() -> None:
    """``num_speakers=None`` on generated dialogues with 1 to 4 espeak voices (tiny.en transcripts)."""
    import tempfile

    import synth
    from scribe.asr.transcribe import Transcriber

    if not synth.have_espeak():
        print("\n[skip] speaker count: espeak-ng is not installed.")
        return
    texts = [t for _, t in synth.COUNSELLING_TURNS]
    voices = ["worker", "client", "other", "narrator"]
    cases: list[tuple[int, list[tuple[str, str]]]] = [(1, [(v, t) for t in texts[:6]]) for v in voices]
    cases += [
        (2, [(pair[i % 2], t) for i, t in enumerate(texts[:8])]) for pair in itertools.combinations(voices, 2)
    ]
    cases += [
        (3, [(trio[i % 3], t) for i, t in enumerate(texts[:9])]) for trio in itertools.combinations(voices, 3)
    ]
    cases.append((4, [(voices[i % 4], t) for i, t in enumerate(texts)]))
    tiny = Transcriber("tiny.en")
    confusion: Counter[tuple[int, int]] = Counter()
    wrong = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, (true, turns) in enumerate(cases):
            samples, _ = synth.dialogue(turns)
            wav = synth.write_wav(Path(tmp) / f"c{n}.wav", samples)
            report = DiarizationReport()
            diarize(tiny.transcribe_file(wav), wav, num_speakers=None, report=report)
            confusion[(true, report.num_speakers)] += 1
            if report.num_speakers != true:
                wrong.append(f"{'+'.join(dict.fromkeys(v for v, _ in turns))}: {report.num_speakers}")
    right = sum(c for (t, e), c in confusion.items() if t == e)
    print(f"\n== Speaker count estimate (auto) on {len(cases)} generated dialogues, 1-4 espeak voices ==")
    for true in sorted({t for t, _ in confusion}):
        found = {e: c for (t, e), c in sorted(confusion.items()) if t == true}
        print(f"  {true} voice(s): estimated {found}")
    print(f"  correct {right}/{len(cases)}; wrong: {'; '.join(wrong) or 'none'}")


def annomi_roles() -> None:
    path = DATA / "annomi" / "AnnoMI-simple-dev.csv"
    if not path.is_file():
        print(f"\n[skip] AnnoMI role guess: {path} not found.")
        return
    talks: dict[str, list[tuple[str, str]]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            talks.setdefault(row["transcript_id"], []).append((row["interlocutor"], row["utterance_text"]))
    right = opener_right = 0
    for rows in talks.values():
        ids = {who: f"S{n + 1}" for n, who in enumerate(dict.fromkeys(w for w, _ in rows))}
        segs = [
            Segment(id=i, start=float(i), end=i + 1.0, text=text, speaker=ids[who])
            for i, (who, text) in enumerate(rows)
        ]
        t = Transcript(segments=segs, speakers=[Speaker(id=s) for s in ids.values()])
        right += guess_roles(t).get(ids.get("therapist", "?")) == "worker"
        opener_right += rows[0][0] == "therapist"
    n = len(talks)
    print(f"\n== Role guess on {n} AnnoMI dev transcripts (text only, true speaker turns) ==")
    print(
        f"therapist guessed as worker: {right}/{n} = {100 * right / n:.1f} %   "
        f"(baseline 'who speaks first': {100 * opener_right / n:.1f} %)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", default="base", help="Whisper model for the timing comparison (default base)"
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the generated dialogue")
    parser.add_argument("--skip-long", action="store_true", help="skip the long generated dialogue")
    args = parser.parse_args()
    from scribe.asr.transcribe import Transcriber
    from scribe.speakers.voices import load_encoder

    transcriber = Transcriber(args.model)
    t0 = time.perf_counter()
    load_encoder()
    load_seconds = time.perf_counter() - t0
    print(f"voice encoder loaded in {load_seconds:.1f} s (once per process)")
    if not DATA.is_dir():
        print(f"[skip] evaluation data not found at {DATA}: only the generated dialogue is measured.")
    real_call(transcriber)
    stereo_clip(transcriber)
    annomi_roles()
    count_estimate()
    if not args.skip_long:
        long_dialogue(transcriber, args.minutes, load_seconds)


if __name__ == "__main__":
    main()
