"""Live recording: time from Stop to a complete transcript, vs transcribing the same audio afterwards.

    python bench/live.py [--minutes 10] [--model base] [--window 20] [--realtime]

The session is generated: tests/synth.py's counselling dialogue, repeated with
the voices swapped and the pauses varied, to about --minutes of speech.

The source is SIMULATED: the audio is fed from memory in 0.25 s blocks through
the same code a recording uses after PortAudio (the crash-safe ``WavWriter``
and the ``LiveTranscriber``: windows cut at pauses, transcribed in a background
thread) — the real PortAudio/PulseAudio path is exercised by tests/test_record.py.
By default it is fed faster than real time but never faster than the background
keeps up: before each block it waits until every completed window is transcribed,
which is the state a real-time session is in whenever the model runs faster than
real time. The table shows the slowest window's real-time factor; below 1 means
a real session would keep up. ``--realtime`` feeds at 1x instead (takes --minutes).

In the same run the finished WAV is transcribed after the fact with the same
model and settings (``Transcriber.transcribe_file``); both are scored by WER
against the script, and word errors within 1.5 s of a live window cut are
counted for both: words lost or doubled at the cuts would show up there.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

BLOCK_SECONDS = 0.25


def make_session(minutes: float) -> tuple[np.ndarray, str]:
    """About ``minutes`` of generated dialogue and its reference text."""
    import synth

    swap = {"worker": "client", "client": "worker"}
    parts, texts, total, rep = [], [], 0.0, 0
    while total < minutes * 60:
        turns = synth.COUNSELLING_TURNS
        if rep % 2:  # the other voice takes each role, so repetitions do not sound identical
            turns = [(swap.get(s, s), t) for s, t in turns]
        if rep % 3 == 2:
            turns = [("other" if i % 4 == 3 else s, t) for i, (s, t) in enumerate(turns)]
        samples, _ = synth.dialogue(turns, pause=0.4 + 0.2 * (rep % 4), lead=0.3)
        parts.append(samples)
        texts += [t for _, t in turns]
        total += len(samples) / synth.SAMPLE_RATE
        rep += 1
    return np.concatenate(parts), " ".join(texts)


def errors_near(reference: str, transcript, cuts: list[float], within: float = 1.5) -> tuple[int, int]:
    """(word errors, of which within ``within`` s of a live window cut), by Levenshtein alignment.

    A word lost or doubled at a cut would show up as extra errors near the cuts in
    the live transcript compared with the after-the-fact one, scored against the same cuts.
    """
    from scribe.asr.metrics import normalize

    ref = normalize(reference)
    timed = [(tok, w.start) for seg in transcript.segments for w in seg.words for tok in normalize(w.text)]
    hyp = [tok for tok, _ in timed]
    n, m = len(ref), len(hyp)
    rows = [list(range(m + 1))]
    for i in range(1, n + 1):
        prev, cur = rows[-1], [i] + [0] * m
        r = ref[i - 1]
        for j in range(1, m + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != hyp[j - 1]))
        rows.append(cur)
    i, j, near, total = n, m, 0, rows[n][m]
    while i or j:  # walk back, timing each error by the nearest hypothesis word
        at = timed[min(max(j - 1, 0), m - 1)][1] if m else 0.0
        if i and j and rows[i][j] == rows[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            err, i, j = ref[i - 1] != hyp[j - 1], i - 1, j - 1
        elif i and rows[i][j] == rows[i - 1][j] + 1:
            err, i = True, i - 1
        else:
            err, j = True, j - 1
        if err and cuts and min(abs(at - c) for c in cuts) < within:
            near += 1
    return total, near


def live_run(transcriber, samples: np.ndarray, wav: Path, window: float, realtime: bool) -> dict:
    from scribe.asr.live import LiveTranscriber, build_transcript
    from scribe.audio.recorder import SAMPLE_RATE, WavWriter

    live = LiveTranscriber(transcriber, window).start()
    writer = WavWriter(wav)
    block = int(BLOCK_SECONDS * SAMPLE_RATE)
    t_start = time.perf_counter()
    for i in range(0, len(samples), block):
        piece = samples[i : i + block]
        writer.write(piece)
        live.feed(piece)
        if realtime:
            time.sleep(max(0.0, t_start + (i + len(piece)) / SAMPLE_RATE - time.perf_counter()))
        else:
            live.wait_idle()
    fed = time.perf_counter() - t_start
    # Stop: close the file, transcribe what is left, build the Transcript.
    t_stop = time.perf_counter()
    seconds = writer.close()
    segments = live.finish()
    transcript = build_transcript(segments, transcriber, wav, seconds, [])
    latency = time.perf_counter() - t_stop
    during = [t for t in live.timings if not t.after_stop]
    after = [t for t in live.timings if t.after_stop]
    return {
        "transcript": transcript,
        "latency": latency,
        "fed": fed,
        "windows": len(live.timings),
        "windows_after_stop": len(after),
        "audio_after_stop": sum(t.seconds for t in after),
        "max_rtf": max((t.elapsed / t.seconds for t in during if t.seconds), default=0.0),
        "busy": sum(t.elapsed for t in live.timings),
        "cuts": [t.offset for t in live.timings[1:]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--model", default="base")
    parser.add_argument(
        "--window", type=float, default=20.0, help="live window target (s), as `scribe record`"
    )
    parser.add_argument("--realtime", action="store_true", help="feed at 1x real time")
    parser.add_argument("--save", type=Path, default=None, help="write both transcripts and the cuts here")
    args = parser.parse_args()

    import synth

    if not synth.have_espeak():
        sys.exit("espeak-ng is needed to generate the session (scripts/setup.sh --test installs it).")
    from scribe.asr.metrics import wer
    from scribe.asr.transcribe import Transcriber

    print(f"Generating a {args.minutes:g}-minute session...", file=sys.stderr)
    samples, reference = make_session(args.minutes)
    duration = len(samples) / synth.SAMPLE_RATE
    transcriber = Transcriber(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "session.wav"
        print("Live pipeline...", file=sys.stderr)
        live = live_run(transcriber, samples, wav, args.window, args.realtime)
        print("After the fact...", file=sys.stderr)
        t0 = time.perf_counter()
        after = transcriber.transcribe_file(wav)
        after_seconds = time.perf_counter() - t0

    wer_live, wer_after = wer(reference, live["transcript"].text), wer(reference, after.text)
    errs_live, near_live = errors_near(reference, live["transcript"], live["cuts"])
    errs_after, near_after = errors_near(reference, after, live["cuts"])
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        live["transcript"].save(args.save / "live.json")
        after.save(args.save / "after.json")
        (args.save / "reference.txt").write_text(reference)
        (args.save / "cuts.txt").write_text("\n".join(f"{c:.2f}" for c in live["cuts"]))
    feed = "1x real time" if args.realtime else f"simulated, {duration / live['fed']:.1f}x real time"
    print(
        f"\nSession: {duration / 60:.1f} min generated dialogue, model {transcriber.settings.model}, "
        f"live window {args.window:g} s, feed {feed}\n"
    )
    rows = [
        ("", "live (transcribed while recording)", "after the fact (whole file)"),
        ("Stop -> complete transcript", f"{live['latency']:.1f} s", f"{after_seconds:.1f} s"),
        ("WER vs script", f"{wer_live:.3f}", f"{wer_after:.3f}"),
        ("word errors", str(errs_live), str(errs_after)),
        ("  of which within 1.5 s of a live cut", str(near_live), str(near_after)),
        ("segments", str(len(live["transcript"].segments)), str(len(after.segments))),
        (
            "windows (after Stop)",
            f"{live['windows']} ({live['windows_after_stop']}, {live['audio_after_stop']:.1f} s audio)",
            "1 pass over the file",
        ),
        ("slowest window RTF (<1 keeps up)", f"{live['max_rtf']:.2f}", "-"),
        ("model busy in total", f"{live['busy']:.1f} s", f"{after_seconds:.1f} s"),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for i, row in enumerate(rows):
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
        if i == 0:
            print("-+-".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
