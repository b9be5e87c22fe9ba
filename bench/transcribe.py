"""Transcription benchmark: accuracy per model on real speech, speed, memory, and overhead.

    python bench/transcribe.py [--models tiny.en,base,small] [--repeats 3] [--modes-only]

In one run, for each model:
  * sequential (one 30 s window after another) against batched (speech clips decoded 8 at a
    time, the default for files), with beam search (5) and greedy: WER on every clip in
    ../shared/data/speech/ and on generated dialogues (tests/synth.py), and the time of each,
    in one process per model;
  * WER on every clip in ../shared/data/speech/ (lower-cased, punctuation stripped);
  * real-time factor and peak memory of the project's transcription;
  * the same audio through bare faster-whisper with the same model and settings,
    so the project's overhead is a ratio measured side by side.
The overhead runs alternate project and bare in one subprocess (peak RSS is measured
in separate ones); the model load is excluded. Wall time on a shared two-core VM
swings by 10-20 % between identical runs, so besides the best and the paired ratio the
time outside faster-whisper's model work is measured for each variant ("exact").
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEECH = ROOT.parent / "shared" / "data" / "speech"
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def references() -> list[tuple[str, Path, str]]:
    """(name, audio, reference text) for every clip with a human reference."""
    clips = []
    fw = SPEECH / "faster_whisper_tests"
    clips.append(("jfk", fw / "jfk.flac", (fw / "jfk.txt").read_text()))
    for txt in sorted((SPEECH / "pocketsphinx_librivox").glob("*.txt")):
        clips.append((f"librivox-{txt.stem[-4:]}", txt.with_suffix(".wav"), txt.read_text()))
    stm = SPEECH / "pyannote_sample" / "sample.stm"
    words = [" ".join(line.split()[5:]) for line in stm.read_text().splitlines() if line.strip()]
    clips.append(("pyannote-call", SPEECH / "pyannote_sample" / "sample.wav", " ".join(words)))
    # stereo_diarization.wav's reference is a model's output, not a human's: reported separately.
    tsv = fw / "stereo_diarization.channels.tsv"
    text = " ".join(line.split("\t", 1)[1] for line in tsv.read_text().splitlines() if "\t" in line)
    clips.append(("stereo (model ref)", fw / "stereo_diarization.wav", text))
    return clips


def bare_transcribe(transcriber, audio: str) -> str:
    """Bare faster-whisper: the same model object and options, its own decoder, no project code."""
    segments, _ = transcriber.model.transcribe(audio, **transcriber.whisper_options())
    return " ".join(seg.text.strip() for seg in segments)


class WhisperClock:
    """Splits a run's time into faster-whisper's model work and everything else.

    Wraps the model's ``transcribe`` (the call and every step of its segment
    generator) and faster-whisper's own ``decode_audio``. What is left of a run's
    wall time is the code the two variants do not share: the project's decoding,
    windowing, records and review flags, or bare faster-whisper's decoding. Model
    work is the same for both on the same samples, so comparing the rest measures
    the overhead without the host's noise in ~30 s of matrix multiplications.
    """

    def __init__(self, model) -> None:
        import faster_whisper.transcribe as fw_transcribe

        self.model_seconds = 0.0
        real_transcribe, real_decode = model.transcribe, fw_transcribe.decode_audio

        def decode_audio(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return real_decode(*args, **kwargs)
            finally:
                self.model_seconds -= time.perf_counter() - t0  # decoding is not model work

        def transcribe(*args, **kwargs):
            t0 = time.perf_counter()
            segments, info = real_transcribe(*args, **kwargs)
            self.model_seconds += time.perf_counter() - t0
            return self._timed(segments), info

        fw_transcribe.decode_audio = decode_audio
        model.transcribe = transcribe

    def _timed(self, segments):
        iterator = iter(segments)
        while True:
            t0 = time.perf_counter()
            try:
                segment = next(iterator)
            except StopIteration:
                return
            finally:
                self.model_seconds += time.perf_counter() - t0
            yield segment


def generated_clips(tmp: Path) -> list[tuple[str, Path, str]]:
    """(name, audio, reference) of generated dialogues: the counselling exchange and a 5-minute session."""
    import synth

    if not synth.have_espeak():
        print("Note: espeak-ng not installed; generated dialogues are skipped.")
        return []
    clips = []
    for name, (samples, turns) in (
        ("gen-counselling", synth.dialogue(synth.COUNSELLING_TURNS)),
        ("gen-session-5min", synth.session(300.0, seed=1)),
    ):
        path = synth.write_wav(tmp / f"{name}.wav", samples)
        clips.append((name, path, " ".join(t.text for t in turns)))
    return clips


#: The decodings compared with sequential, each a change to the default settings.
MODES = {
    "sequential": {"batch_size": 1, "beam_size": 5},
    "batched": {"batch_size": 8, "beam_size": 5},
    "batched beam 3": {"batch_size": 8, "beam_size": 3},
    "batched beam 2": {"batch_size": 8, "beam_size": 2},
    "batched greedy": {"batch_size": 8, "beam_size": 1},
}


def modes_worker(model: str, clips_json: str) -> None:
    """Run in a subprocess: every clip in every mode of ``MODES`` with one loaded model, print JSON."""
    from dataclasses import replace

    from scribe.asr.metrics import wer
    from scribe.asr.transcribe import Transcriber

    transcriber = Transcriber(model)
    base = transcriber.settings
    rows = []
    for name, path, ref in json.loads(Path(clips_json).read_text()):
        row = {"name": name}
        for i, (mode, changes) in enumerate(MODES.items()):
            transcriber.settings = replace(base, **changes)
            t0 = time.perf_counter()
            t = transcriber.transcribe_file(path)
            row[mode] = {
                "seconds": time.perf_counter() - t0,
                "wer": wer(ref, t.text),
                "words": len(ref.split()),
                "review": sum(s.needs_review for s in t.segments),
                "segments": len(t.segments),
            }
            if i == 0:
                row["duration"] = t.duration
        rows.append(row)
    print(json.dumps(rows))


def compare_modes(model: str, clips: list[tuple[str, Path, str]], tmp: Path) -> None:
    """Print sequential against each batched mode, per clip and in total, for real and generated speech."""
    spec = tmp / f"clips-{model}.json"
    spec.write_text(json.dumps([(n, str(p), r) for n, p, r in clips]))
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", "modes", "--models", model, "--audio", str(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print(f"{model}: sequential/batched comparison failed: {proc.stderr.strip()[-500:]}")
        return
    rows = json.loads(proc.stdout.strip().splitlines()[-1])
    others = [m for m in MODES if m != "sequential"]
    print(f"\nSequential vs {' vs '.join(others)}, {model}, one process, same run (WER; seconds; flagged):")
    print(
        f"{'clip':20} {'sec':>6} "
        + " ".join(f"{m[:14]:>14}" for m in MODES)
        + "   "
        + " ".join(f"{'s ' + m[:12]:>14}" for m in MODES)
        + "  review"
    )
    totals: dict[str, dict[str, dict[str, float]]] = {}
    for r in rows:
        print(
            f"{r['name']:20} {r['duration']:6.1f} "
            + " ".join(f"{r[m]['wer']:14.3f}" for m in MODES)
            + "   "
            + " ".join(f"{r[m]['seconds']:14.1f}" for m in MODES)
            + "  "
            + "/".join(str(r[m]["review"]) for m in MODES)
        )
        if "model ref" in r["name"]:
            continue
        group = "generated" if r["name"].startswith("gen-") else "real (shared)"
        for m in MODES:
            tot = totals.setdefault(group, {}).setdefault(m, {"errors": 0.0, "words": 0, "seconds": 0.0})
            tot["errors"] += r[m]["wer"] * r[m]["words"]
            tot["words"] += r[m]["words"]
            tot["seconds"] += r[m]["seconds"]
    for group, by_mode in totals.items():
        seq = by_mode["sequential"]
        print(
            f"{'ALL ' + group:20} {'':6} "
            + " ".join(f"{t['errors'] / t['words']:14.3f}" for t in by_mode.values())
            + "   "
            + " ".join(f"{t['seconds']:14.1f}" for t in by_mode.values())
        )
        for m in others:
            t = by_mode[m]
            print(
                f"  {m}: WER {100 * (t['errors'] - seq['errors']) / seq['words']:+.2f} points against "
                f"sequential (target <= +0.5), {seq['seconds'] / t['seconds']:.2f}x its speed"
            )


def worker(variant: str, model: str, audio: str, repeats: int) -> None:
    """Run in a subprocess: transcribe ``audio`` ``repeats`` times, print JSON.

    ``both`` alternates project and bare runs in one process, so drifting load from
    other programs hits both alike.
    """
    from scribe.asr.transcribe import Transcriber
    from scribe.audio import decode as audio_io

    transcriber = Transcriber(model)
    clock = WhisperClock(transcriber.model)
    variants = ["project", "bare"] if variant == "both" else [variant]
    times: dict[str, list[float]] = {v: [] for v in variants}
    own: dict[str, list[float]] = {v: [] for v in variants}  # time outside model work
    texts = dict.fromkeys(variants, "")
    for i in range(repeats):
        for v in variants if i % 2 == 0 else variants[::-1]:  # neither always goes first
            clock.model_seconds = 0.0
            t0 = time.perf_counter()
            texts[v] = (
                transcriber.transcribe_file(audio).text
                if v == "project"
                else bare_transcribe(transcriber, audio)
            )
            times[v].append(time.perf_counter() - t0)
            own[v].append(times[v][-1] - clock.model_seconds)
    duration = audio_io.load(audio).shape[0] / audio_io.SAMPLE_RATE
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {
        "duration": duration,
        "rss_mb": rss_mb,
        "seconds": min(times[variants[0]]),
        "text": texts[variants[0]],
        "times": times,
        "own": own,
    }
    if variant == "both":
        out.update(
            bare_seconds=min(times["bare"]),
            bare_text=texts["bare"],
            mean_ratio=sum(times["project"]) / sum(times["bare"]),
            own_project=median(own["project"]),
            own_bare=median(own["bare"]),
            bare_median=median(times["bare"]),
        )
    print(json.dumps(out))


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def run(variant: str, model: str, audio: Path, repeats: int) -> dict:
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            variant,
            "--models",
            model,
            "--audio",
            str(audio),
            "--repeats",
            str(repeats),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def overhead_audio(tmp: Path) -> Path:
    """The bundled sample session (126 s of two-voice dialogue) repeated to about 4 minutes."""
    import numpy as np

    from scribe.audio import decode as audio_io
    from synth import write_wav

    samples = audio_io.load(ROOT / "samples" / "session.ogg")
    return write_wav(tmp / "overhead.wav", np.concatenate([samples] * 2))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", default="tiny.en,base,small")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", choices=["project", "bare", "both", "modes"])
    parser.add_argument("--audio")
    parser.add_argument("--skip-wer", action="store_true", help="only the overhead comparison")
    parser.add_argument("--modes-only", action="store_true", help="only sequential against the batched modes")
    args = parser.parse_args()
    if args.worker == "modes":
        modes_worker(args.models, args.audio)
        return
    if args.worker:
        worker(args.worker, args.models, args.audio, args.repeats)
        return

    from scribe.asr.metrics import wer
    from scribe.asr.models import resolve_model
    from scribe.core.errors import ModelError

    have_data = SPEECH.is_dir()
    if not have_data:
        print(f"Note: {SPEECH} not found; WER on real speech is skipped (overhead still measured).")
    clips = references() if have_data and not args.skip_wer else []
    if not args.skip_wer:
        with tempfile.TemporaryDirectory() as tmp:
            both = (references() if have_data else []) + generated_clips(Path(tmp))
            for model in args.models.split(","):
                compare_modes(model, both, Path(tmp))
        if args.modes_only:
            return
    print(f"{'model':8} {'clip':20} {'sec':>6} {'WER':>6} {'RTF':>7} {'x real':>7}")
    summary = []
    with tempfile.TemporaryDirectory() as tmp:
        long_audio = overhead_audio(Path(tmp))
        for model in args.models.split(","):
            try:
                resolve_model(model)
            except ModelError as exc:
                print(f"{model:8} unavailable: {exc}")
                continue
            errors, words, audio_s, compute_s = 0.0, 0, 0.0, 0.0
            for name, path, ref in clips:
                r = run("project", model, path, 1)
                if "error" in r:
                    print(f"{model:8} {name:20} error: {r['error']}")
                    continue
                w = wer(ref, r["text"])
                n = len(ref.split())
                if "model ref" not in name:
                    errors += w * n
                    words += n
                    audio_s += r["duration"]
                    compute_s += r["seconds"]
                print(
                    f"{model:8} {name:20} {r['duration']:6.1f} {w:6.3f} {r['seconds'] / r['duration']:7.3f} "
                    f"{r['duration'] / r['seconds']:7.1f}"
                )
            timing = run("both", model, long_audio, args.repeats)
            project = run("project", model, long_audio, 1)  # alone, for its own peak memory
            bare = run("bare", model, long_audio, 1)
            if "error" in timing:
                print(f"{model:8} overhead run failed: {timing['error']}")
                continue
            summary.append(
                (
                    model,
                    errors / words if words else float("nan"),
                    audio_s / compute_s if compute_s else 0,
                    timing,
                    project,
                    bare,
                    wer(timing["bare_text"], timing["text"]),
                )
            )
    print()
    print(
        f"Overhead on {summary[0][3]['duration']:.0f} s of dialogue (project and bare alternating in one "
        f"process, best of {args.repeats} each, load excluded):"
        if summary
        else ""
    )
    print(
        f"{'model':8} {'WER all':>8} {'x real':>7} {'project s':>10} {'bare s':>8} {'overhead':>9} "
        f"{'mean':>7} {'own proj':>9} {'own bare':>9} {'exact':>7} {'RSS proj':>9} {'RSS bare':>9} "
        f"{'text diff':>9}"
    )
    for model, w, speed, timing, project, bare, diff in summary:
        ratio = timing["seconds"] / timing["bare_seconds"] - 1
        exact = (timing["own_project"] - timing["own_bare"]) / timing["bare_median"]
        print(
            f"{model:8} {w:8.3f} {speed:7.1f} {timing['seconds']:10.2f} {timing['bare_seconds']:8.2f} {ratio:+9.1%} "
            f"{timing['mean_ratio'] - 1:+7.1%} {timing['own_project']:9.3f} {timing['own_bare']:9.3f} {exact:+7.2%} "
            f"{project['rss_mb']:8.0f}M {bare['rss_mb']:8.0f}M {diff:9.3f}"
        )
    print(
        "overhead = best project / best bare; mean = total project / total bare time over all runs;\n"
        "own = median seconds outside faster-whisper's model work (project: decoding, windows, records,\n"
        "review flags, fingerprint; bare: faster-whisper's decoding); exact = (own proj - own bare) / bare."
    )


if __name__ == "__main__":
    main()
