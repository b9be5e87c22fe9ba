"""What drafting costs as a transcript grows: a day-long transcript must draft in seconds, not minutes.

    python bench/drafting.py [--segments 25000] [--every 10]

Builds a transcript of N two-speaker segments with an annotation on every
``--every``-th one (goals, interventions, observations, risk, plans), then times
``build_draft`` + ``check_grounding`` for every format at N/10 and at N segments.
Drafting that looks each evidence segment up by id grows linearly: the time per
segment stays about the same (ratio near 1). The baseline row, in the same run,
is the old way of finding each evidence segment (a scan of the transcript per
lookup) at N/10 and N: quadratic, its ratio near 10.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from note_formats import FORMATS, DraftOptions, build_draft, check_grounding
from scribe.core.records import Annotation, Evidence, Segment, Speaker, Transcript, Word

KINDS = (
    ("intervention", "open_question", "worker"),
    ("observation", "sleep", "client"),
    ("goal", "goal", "client"),
    ("plan", "homework", "worker"),
    ("risk", "self_harm", "client"),
)


def session(n: int, every: int) -> tuple[Transcript, list[Annotation]]:
    segments, annotations = [], []
    for i in range(n):
        role = "worker" if i % 2 == 0 else "client"
        words = [Word(i * 5 + k * 0.4, i * 5 + k * 0.4 + 0.3, f" word{k}", 0.9) for k in range(10)]
        segments.append(
            Segment(
                id=i,
                start=i * 5.0,
                end=i * 5 + 4.8,
                text="".join(w.text for w in words).strip(),
                words=words,
                speaker=f"SPEAKER_0{i % 2}",
                role=role,
            )
        )
    transcript = Transcript(
        segments=segments,
        speakers=[Speaker("SPEAKER_00", role="worker"), Speaker("SPEAKER_01", role="client")],
        duration=n * 5.0,
    )
    for i in range(0, n, every):
        label, subtype, role = KINDS[(i // every) % len(KINDS)]
        seg = segments[i + (1 if role == "client" and i + 1 < n else 0)]
        annotations.append(
            Annotation(
                id=f"a{i}",
                label=label,
                subtype=subtype,
                text=seg.text,
                evidence=[Evidence.of(seg)],
                speaker=seg.speaker,
                role=seg.role,
                review="accepted",
            )
        )
    return transcript, annotations


def draft_all(transcript: Transcript, annotations: list[Annotation]) -> float:
    start = time.perf_counter()
    for fmt in FORMATS:
        draft = build_draft(fmt, transcript, annotations, DraftOptions(client_id="BENCH-1"))
        problems = check_grounding(draft, transcript)
        assert not problems, problems[:3]
    return time.perf_counter() - start


def scan_lookups(transcript: Transcript, annotations: list[Annotation]) -> float:
    """The baseline: every evidence segment found by scanning the transcript (``Transcript.segment``)."""
    start = time.perf_counter()
    for ann in annotations:
        for ev in ann.evidence:
            transcript.segment(ev.segment_id)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=25_000, help="25,000 x 5 s: about 35 hours")
    ap.add_argument("--every", type=int, default=10, help="one annotation per this many segments")
    args = ap.parse_args()
    small_n, big_n = args.segments // 10, args.segments
    small, big = session(small_n, args.every), session(big_n, args.every)
    draft_all(*session(50, args.every))  # warm-up: imports and the taxonomy load once
    rows = [
        ("draft + grounding, all formats", draft_all(*small), draft_all(*big)),
        ("baseline: evidence found by scanning", scan_lookups(*small), scan_lookups(*big)),
    ]
    print(f"{len(FORMATS)} formats; one annotation per {args.every} segments\n")
    print(f"{'':38} {small_n:>8,} seg  {big_n:>8,} seg  per-segment ratio (1 = linear, 10 = quadratic)")
    for name, t_small, t_big in rows:
        ratio = (t_big / big_n) / (t_small / small_n)
        print(f"{name:38} {t_small:>10.2f} s  {t_big:>10.2f} s  {ratio:>6.1f}")


if __name__ == "__main__":
    main()
