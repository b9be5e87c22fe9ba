"""Transcription benchmark: accuracy per model on real speech, speed, memory, and overhead.

    python bench/transcribe.py [--models tiny.en,base,small] [--repeats 3]

In one run, for each model:
  * WER on every clip in ../shared/data/speech/ (lower-cased, punctuation stripped);
  * real-time factor and peak memory of the project's transcription;
  * the same audio through bare faster-whisper with the same model and settings,
    so the project's overhead is a ratio measured side by side.
Each variant runs in its own subprocess so peak RSS is its own; the model load is
excluded from the timing, and the best of --repeats runs is kept (the machine is shared).
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


def worker(variant: str, model: str, audio: str, repeats: int) -> None:
    """Run in a subprocess: transcribe ``audio`` ``repeats`` times, print JSON.

    ``both`` alternates project and bare runs in one process, so drifting load from
    other programs hits both alike; the best time of each is kept.
    """
    from scribe import audio as audio_io
    from scribe.transcribe import Transcriber

    transcriber = Transcriber(model)
    variants = ["project", "bare"] if variant == "both" else [variant]
    times: dict[str, list[float]] = {v: [] for v in variants}
    texts = dict.fromkeys(variants, "")
    for i in range(repeats):
        for v in variants if i % 2 == 0 else variants[::-1]:  # neither always goes first
            t0 = time.perf_counter()
            texts[v] = (
                transcriber.transcribe_file(audio).text
                if v == "project"
                else bare_transcribe(transcriber, audio)
            )
            times[v].append(time.perf_counter() - t0)
    duration = audio_io.load(audio).shape[0] / audio_io.SAMPLE_RATE
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {
        "duration": duration,
        "rss_mb": rss_mb,
        "seconds": min(times[variants[0]]),
        "text": texts[variants[0]],
    }
    if variant == "both":
        # Each repeat runs the two back to back, so their ratio sees the same load.
        pairs = sorted(p / b for p, b in zip(times["project"], times["bare"], strict=True))
        out.update(bare_seconds=min(times["bare"]), bare_text=texts["bare"], paired=pairs[len(pairs) // 2])
    print(json.dumps(out))


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

    from scribe import audio as audio_io
    from synth import write_wav

    samples = audio_io.load(ROOT / "samples" / "session.ogg")
    return write_wav(tmp / "overhead.wav", np.concatenate([samples] * 2))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", default="tiny.en,base,small")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", choices=["project", "bare", "both"])
    parser.add_argument("--audio")
    parser.add_argument("--skip-wer", action="store_true", help="only the overhead comparison")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.models, args.audio, args.repeats)
        return

    from scribe.errors import ModelError
    from scribe.metrics import wer
    from scribe.models import resolve_model

    have_data = SPEECH.is_dir()
    if not have_data:
        print(f"Note: {SPEECH} not found; WER on real speech is skipped (overhead still measured).")
    clips = references() if have_data and not args.skip_wer else []
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
        f"{'paired':>7} {'RSS proj':>9} {'RSS bare':>9} {'text diff':>9}"
    )
    for model, w, speed, timing, project, bare, diff in summary:
        ratio = timing["seconds"] / timing["bare_seconds"] - 1
        print(
            f"{model:8} {w:8.3f} {speed:7.1f} {timing['seconds']:10.2f} {timing['bare_seconds']:8.2f} {ratio:+9.1%} "
            f"{timing['paired'] - 1:+7.1%} {project['rss_mb']:8.0f}M {bare['rss_mb']:8.0f}M {diff:9.3f}"
        )
    print(
        "overhead = best project / best bare; paired = median over repeats of project / bare run back to back."
    )


if __name__ == "__main__":
    main()
