"""Benchmark the tagger: AnnoMI accuracy next to the human ceiling and a majority baseline,
and the time to tag a 60-minute (~9,000-word) session.

    python bench/tagging.py [--data ../shared/data/annomi] [--folds 5] [--runs 3] [--skip-annomi]

AnnoMI scores come from transcript-grouped cross-validation (GroupKFold by
transcript_id) of the same heads the tagger ships (pipelines/train_heads.py), so no
utterance is scored by a model that saw its session. The human ceiling is the
pairwise agreement AnnoMI reports for its ten-annotator transcripts (about 80 %
therapist behaviour, 70 % client talk type). Without ../shared/data the AnnoMI part
is skipped with a message; the speed part always runs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipelines.train_heads import (  # noqa: E402
    DEFAULT_DATA,
    SKILL_TO_BEHAVIOUR,
    cross_validate,
    embed_utterances,
    head_data,
    load_annomi,
    scores,
)
from scribe.core.records import Segment, Transcript  # noqa: E402

HUMAN_CEILING = {"behaviour": 0.80, "talk": 0.70}

WORKER_LINES = [
    "How have things been since we last met?",
    "What would you like to focus on today?",
    "So it sounds like the week has been really hard, especially with the kids.",
    "You're feeling torn between wanting to cut back and worrying about losing your friends.",
    "On a scale of one to ten, how confident are you that you can do that?",
    "That makes sense, anyone would feel overwhelmed with that much on their plate.",
    "Have you had any thoughts of hurting yourself or ending your life?",
    "Can I share some information about how anxiety affects sleep?",
    "It's really common for people to feel on edge after something like that.",
    "Let's take a deep breath together and notice your feet on the floor.",
    "What has helped you get through hard times before?",
    "I'd like you to keep a sleep diary this week and bring it next session.",
    "I'll call the housing office tomorrow and ask about the application.",
    "Let's make a safety plan together, starting with your warning signs.",
    "I can refer you to the food bank on Main Street if that would help.",
    "Suppose a miracle happens tonight while you're asleep. What would be different tomorrow?",
    "You've worked really hard to get here, that takes courage.",
    "What's the evidence for that thought, and what's the evidence against it?",
    "Did you go to the appointment on Tuesday?",
    "Let me summarize what I've heard so far.",
    "We'll meet again next Thursday at the same time.",
    "What do you think would be a good first step?",
]
CLIENT_LINES = [
    "Honestly it's been rough. I haven't been sleeping much and I'm exhausted all the time.",
    "My boss keeps yelling at me and I think I might lose my job.",
    "I really want to get my kids back, that's the main thing for me.",
    "I've been drinking more than I should, maybe five or six beers a night.",
    "No, I've never thought about killing myself. I wouldn't do that to my kids.",
    "The landlord says we have to be out by the end of the month and I don't know where we'll go.",
    "My sister has been really supportive, she calls me every day.",
    "I started going to the meetings again last week.",
    "I guess I could try writing things down before bed.",
    "I don't know. Sometimes I just feel like nothing is going to change.",
    "My brother tried to hurt himself last year and it scared all of us.",
    "I'm going to call the clinic on Monday to set up an appointment.",
    "It's hard to concentrate at work when I'm this anxious.",
    "I used to cut myself in high school but I haven't done that in years.",
    "The bus fare is too much right now, so getting here is hard.",
    "Yeah, that sounds right.",
    "I need to stop drinking before it ruins everything.",
    "My back pain has been worse and the doctor changed my medication.",
    "I think maybe a six. I can do it if I have some help.",
    "We argue a lot about money, the bills just keep piling up.",
    "I feel better when I go for a walk in the morning.",
    "Okay. I can do that.",
]


BACKCHANNELS = ["Mm-hmm.", "Yeah.", "Okay.", "Right.", "I see.", "Sure.", "Uh-huh."]
FILLERS = ["", "", "Well,", "Um,", "So,", "You know,", "I mean,", "Okay,", "Honestly,", "Yeah,", "And", "Uh,"]


def synthetic_session(target_words: int = 9000, seed: int = 0, wpm: float = 150.0) -> Transcript:
    """A worker/client dialogue of about ``target_words`` words, timed at ``wpm`` (9,000 words = 60 min)."""
    rng = random.Random(seed)
    segments: list[Segment] = []
    words = 0
    t = 0.0
    while words < target_words:
        role = "worker" if len(segments) % 2 == 0 else "client"
        bank = WORKER_LINES if role == "worker" else CLIENT_LINES
        if rng.random() < 0.12:
            text = rng.choice(BACKCHANNELS)
        else:
            # Fillers vary the lines, so the encoder's de-duplication only helps where a real
            # session repeats itself (backchannels), not on the bank's repeated lines.
            lines = [
                f"{rng.choice(FILLERS)} {rng.choice(bank)}".strip() for _ in range(rng.choice((1, 1, 2, 3)))
            ]
            text = " ".join(lines)
        n = len(text.split())
        dur = n / wpm * 60.0
        segments.append(
            Segment(
                id=len(segments),
                start=round(t, 2),
                end=round(t + dur, 2),
                text=text,
                speaker="SPEAKER_00" if role == "worker" else "SPEAKER_01",
                role=role,
            )
        )
        words += n
        t += dur + 0.4
    return Transcript(segments=segments, duration=round(t, 2), source="audio")


def _row(cells: list[str], widths: list[int]) -> str:
    return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    print(_row(header, widths))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(_row(r, widths))


def annomi_bench(data: Path, folds: int) -> None:
    rows = load_annomi(data)
    print(
        f"AnnoMI dev split: {len(rows)} utterances, {len({u.transcript_id for u in rows})} transcripts; "
        f"{folds}-fold GroupKFold by transcript_id"
    )
    from pipelines.heads import features

    X = features(embed_utterances(rows, data), [u.text for u in rows])
    summary: list[list[str]] = []
    for name, title in (("skill", "therapist skill (6 classes)"), ("talk", "client talk type")):
        Xh, y, groups = head_data(name, rows, X)
        pred = cross_validate(name, Xh, y, groups, folds)
        majority = Counter(y).most_common(1)[0][0]
        evals = [(title, y, pred, sorted(set(y), key=y.index))]
        if name == "skill":
            yc = [SKILL_TO_BEHAVIOUR[v] for v in y]
            evals.append(
                (
                    "therapist behaviour (AnnoMI 4 classes)",
                    yc,
                    [SKILL_TO_BEHAVIOUR[v] for v in pred],
                    ["question", "reflection", "therapist_input", "other"],
                )
            )
        for t, yy, pp, classes in evals:
            s = scores(yy, pp, tuple(classes))
            maj = Counter(yy).most_common(1)[0][0] if t != title else majority
            base = scores(yy, [maj] * len(yy), tuple(classes))
            per = s["per_class"]
            print_table(
                f"{t}: per class (MiniLM head, out-of-fold)",
                ["class", "precision", "recall", "F1", "support"],
                [
                    [
                        c,
                        f"{per[c]['precision']:.3f}",
                        f"{per[c]['recall']:.3f}",
                        f"{per[c]['f1']:.3f}",
                        str(int(per[c]["support"])),
                    ]
                    for c in classes
                ],
            )
            ceiling = HUMAN_CEILING.get("behaviour" if "behaviour" in t else "talk" if name == "talk" else "")
            summary.append(
                [
                    t,
                    f"{s['accuracy']:.3f}",
                    f"{s['macro_f1']:.3f}",
                    f"{base['accuracy']:.3f} ({maj})",
                    f"{base['macro_f1']:.3f}",
                    f"~{ceiling:.2f}" if ceiling else "n/a",
                ]
            )
    print_table(
        "AnnoMI summary",
        ["task", "accuracy", "macro-F1", "majority acc", "majority F1", "human agreement"],
        summary,
    )


def goal_bench(data: Path, folds: int) -> None:
    """Client utterances where the tagger finds a goal / change talk, against AnnoMI's change-talk label."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    from pipelines.heads import HEAD_CLASSES, features
    from pipelines.policy import CHANGE_MIN_P, keep_goal, names_a_goal, names_what_changes
    from pipelines.tagger import build_pipeline
    from pipelines.train_heads import fit_head

    rows = load_annomi(data)
    X = features(embed_utterances(rows, data), [u.text for u in rows])
    Xh, y, groups = head_data("talk", rows, X)
    proba = np.zeros((len(y), len(HEAD_CLASSES["talk"])))
    for train, test in GroupKFold(n_splits=folds).split(Xh, y, groups):
        proba[test] = fit_head("talk", Xh[train], [y[i] for i in train]).predict_proba(Xh[test])
    client = [u for u in rows if u.speaker == "client"]
    nlp = build_pipeline(heads=False)
    docs = []
    for u in client:
        d = nlp.make_doc(u.text)
        d._.scribe_role = "client"
        docs.append(d)
    rule, gated, head_only = [], [], []
    for i, doc in enumerate(nlp.pipe(docs, batch_size=256)):
        talk = dict(zip(HEAD_CLASSES["talk"], proba[i], strict=True))
        goals = [s for s in doc.spans.get("scribe", []) if s.label_ == "goal"]
        risk = any(s.label_ == "risk" for s in doc.spans.get("scribe", []))
        goals = [s for s in goals if not risk]
        rule.append(bool(goals))
        ok = any(
            keep_goal(s.id_.split(".")[1], s._.scribe_status == "negated", talk)
            and names_a_goal(s, s._.scribe_attrs or {})
            for s in goals
        )
        gated.append(ok)
        head_only.append(
            ok or (not goals and not risk and talk["change"] >= CHANGE_MIN_P and names_what_changes(doc))
        )
    gold = [u.talk == "change" for u in client]
    argmax = [HEAD_CLASSES["talk"][int(proba[i].argmax())] == "change" for i in range(len(client))]

    def pr(pred: list[bool]) -> list[str]:
        tp = sum(p and g for p, g in zip(pred, gold, strict=True))
        n_pred, n_gold = sum(pred), sum(gold)
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_gold if n_gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return [str(n_pred), f"{p:.3f}", f"{r:.3f}", f"{f:.3f}"]

    print_table(
        f"Client goals / change talk vs AnnoMI change-talk label ({len(client)} client utterances, "
        f"{sum(gold)} change; heads out-of-fold)",
        ["what", "flagged", "precision", "recall", "F1"],
        [
            ["baseline: talk head argmax == change", *pr(argmax)],
            ["goal rules alone (taxonomy cues)", *pr(rule)],
            ["goal rules gated by the talk head (shipped)", *pr(gated)],
            [f"+ model-only change talk (p >= {CHANGE_MIN_P})", *pr(head_only)],
        ],
    )


def speed_bench(runs: int) -> None:
    from pipelines import load_pipeline, tag
    from pipelines.embed import load_encoder
    from pipelines.tagger import load_language_model

    transcript = synthetic_session()
    n_words = sum(len(s.text.split()) for s in transcript.segments)
    t0 = time.perf_counter()
    nlp = load_pipeline()
    load_s = time.perf_counter() - t0
    tag(Transcript(segments=transcript.segments[:4]), nlp)  # warm-up
    walls, cpus, n_ann = [], [], 0
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        n_ann = len(tag(transcript, nlp))
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    texts = [s.text for s in transcript.segments]
    base = load_language_model()
    w0, c0 = time.perf_counter(), time.process_time()
    list(base.pipe(texts, batch_size=128))
    spacy_s = (time.perf_counter() - w0, time.process_time() - c0)
    w0, c0 = time.perf_counter(), time.process_time()
    load_encoder().encode(texts)
    enc_s = (time.perf_counter() - w0, time.process_time() - c0)
    load = os.getloadavg()[0]
    print_table(
        f"Speed: synthetic {transcript.duration / 60:.0f}-minute session, {n_words} words, "
        f"{len(transcript.segments)} segments; {os.cpu_count()} CPUs, load average {load:.1f} during the run "
        "(target < 5 s wall on an otherwise idle machine)",
        ["what", "wall s", "CPU s"],
        [
            ["load pipeline (once per process)", f"{load_s:.2f}", ""],
            [f"tag() full pipeline, best of {runs}", f"{min(walls):.2f}", f"{min(cpus):.2f}"],
            [
                f"tag() full pipeline, mean of {runs}",
                f"{statistics.mean(walls):.2f}",
                f"{statistics.mean(cpus):.2f}",
            ],
            ["  baseline: bare en_core_web_sm (no NER), same text", f"{spacy_s[0]:.2f}", f"{spacy_s[1]:.2f}"],
            ["  baseline: MiniLM int8 ONNX encoder alone, same text", f"{enc_s[0]:.2f}", f"{enc_s[1]:.2f}"],
            ["annotations produced", str(n_ann), ""],
        ],
    )
    if load > os.cpu_count():  # type: ignore[operator]
        print(
            f"Note: the machine was busy (load {load:.1f} on {os.cpu_count()} CPUs); wall times are inflated. "
            "CPU s counts this process only (onnxruntime threads included)."
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark the tagging pipeline.")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-annomi", action="store_true")
    args = ap.parse_args(argv)
    if args.skip_annomi:
        pass
    elif not (args.data / "AnnoMI-simple-dev.csv").is_file():
        print(f"AnnoMI part skipped: no AnnoMI data in {args.data} (see ../shared/data/README.md).")
    else:
        annomi_bench(args.data, args.folds)
        goal_bench(args.data, args.folds)
    speed_bench(args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
