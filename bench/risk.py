"""Benchmark risk detection on real help-seekers' writing and on AnnoMI client talk.

    python bench/risk.py [--data ../shared/data] [--mode client|notes|both] [--misses]

Data: ``bench/data/risk_spoken.jsonl`` (client turns in spoken style, written for evaluation
only by someone who had not seen the training bank), ``bench/data/risk_posts.jsonl`` (posts in
the style of an online "ask a therapist" site, 45 with current risk and 45 without, many of them
hard negatives, written the same way; a post may carry several labels), ``risk/counselchat-dev.jsonl`` (real questions to therapists, hand-labelled with risk
type, status and the exact quote; see its README) and AnnoMI's client utterances (development
split) for false alarms in ordinary counselling talk. Without ``../shared/data`` the benchmark
says so and exits.

Each Counsel-Chat question is tagged two ways: as one client turn of a session (``client``) and
as typed text pasted into the program (``notes``). In the same run the previous detector, the
taxonomy lexicon with its ConText rules alone, is scored as the baseline.

Scores:

* current-risk recall per type: a gold ``affirmed`` quote counts as found when a risk annotation
  of that type, affirmed or possible, cites text overlapping it ("affirmed only" counts only
  annotations not marked possible);
* non-current items (denied, past-only, another person's, figurative, hypothetical): how often
  an annotation of that type citing them is documented as *current affirmed* risk (target
  <= 5 %), and how often the status given is the gold one;
* no-risk items: the share with any affirmed annotation (target <= 2 %) and with any possible
  one (target <= 15 %);
* AnnoMI client utterances: affirmed and possible risk annotations per 1,000 utterances.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipelines import minilm  # noqa: E402
from pipelines.tagger import build_pipeline, tag  # noqa: E402
from scribe.core.records import Annotation, Segment, Speaker, Transcript  # noqa: E402
from scribe.transcripts.typed import text_to_transcript  # noqa: E402

TYPES = ("suicidal_ideation", "self_harm", "harm_to_others", "abuse_neglect", "substance_crisis")
NON_CURRENT = ("negated", "historical", "other_person", "figurative", "hypothetical")
TARGETS = {"recall": 0.95, "non_current_affirmed": 0.05, "possible_fa": 0.15, "affirmed_fa": 0.02}


@dataclass
class Found:
    """One risk annotation placed in the item's text."""

    subtype: str
    status: str
    possible: bool
    spans: list[tuple[int, int]]
    text: str


@dataclass
class Scores:
    hits: Counter = field(default_factory=Counter)
    hits_affirmed: Counter = field(default_factory=Counter)
    totals: Counter = field(default_factory=Counter)
    nc_total: Counter = field(default_factory=Counter)
    nc_affirmed: Counter = field(default_factory=Counter)
    nc_right: Counter = field(default_factory=Counter)
    norisk_items: int = 0
    norisk_affirmed: int = 0
    norisk_possible: int = 0
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)


def client_transcript(text: str) -> Transcript:
    """The question as one client turn of a session."""
    seg = Segment(id=0, start=0.0, end=0.0, text=text, speaker="S2", role="client")
    return Transcript(segments=[seg], speakers=[Speaker("S2", "client")], source="dialogue")


def place(text: str, transcript: Transcript, anns: list[Annotation]) -> list[Found]:
    """Risk annotations with their evidence as character spans of ``text``."""
    base: dict[int, int] = {}
    cursor = 0
    for seg in transcript.segments:
        at = text.find(seg.text, cursor)
        if at < 0:
            at = text.find(seg.text.strip()[:40])
        base[seg.id] = max(at, 0)
        cursor = max(at, cursor)
    out = []
    for a in anns:
        if a.label != "risk":
            continue
        spans = [
            (base.get(e.segment_id, 0) + e.char_start, base.get(e.segment_id, 0) + e.char_end)
            for e in a.evidence
        ]
        quote = " … ".join(e.quote.strip() for e in a.evidence)
        out.append(
            Found(
                a.subtype,
                a.status,
                a.possible,
                spans,
                f"{quote} ({a.source} {a.attributes.get('risk_p', '')})",
            )
        )
    return out


def overlaps(f: Found, start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in f.spans)


def score_item(item: dict, found: list[Found], sc: Scores) -> None:
    text = item["text"]
    gold = item["risk"]
    current = [(g, text.find(g["quote"])) for g in gold if g["status"] == "affirmed"]
    for g, at in current:
        t = g["type"]
        end = at + len(g["quote"])
        sc.totals[t] += 1
        near = [f for f in found if f.subtype == t and f.status == "affirmed" and overlaps(f, at, end)]
        if near:
            sc.hits[t] += 1
        else:
            sc.misses.append(f"[{item['id']}] {t}: {g['quote'][:110]}")
        if any(not f.possible for f in near):
            sc.hits_affirmed[t] += 1
    for g in gold:
        if g["status"] == "affirmed":
            continue
        t, at = g["type"], text.find(g["quote"])
        end = at + len(g["quote"])
        # a non-current quote that shares its words with a current one of the same type is not scored
        if any(c["type"] == t and a < end and at < a + len(c["quote"]) for c, a in current):
            continue
        sc.nc_total[g["status"]] += 1
        near = [f for f in found if f.subtype == t and overlaps(f, at, end)]
        if any(f.status == "affirmed" and not f.possible for f in near):
            sc.nc_affirmed[g["status"]] += 1
            sc.wrong.append(f"[{item['id']}] {t} {g['status']} -> affirmed: {g['quote'][:100]}")
        if g["status"] == "figurative":
            right = not any(f.status == "affirmed" for f in near)
        else:
            right = any(f.status == g["status"] for f in near) and not any(
                f.status == "affirmed" and not f.possible for f in near
            )
        sc.nc_right[g["status"]] += right
    if not gold:
        sc.norisk_items += 1
        aff = [f for f in found if f.status == "affirmed" and not f.possible]
        pos = [f for f in found if f.status == "affirmed" and f.possible]
        sc.norisk_affirmed += bool(aff)
        sc.norisk_possible += bool(pos)
        for f in aff + pos:
            sc.alarms.append(f"[{item['id']}] {'possible ' if f.possible else ''}{f.subtype}: {f.text[:100]}")


def run_counselchat(items: list[dict], nlp, mode: str) -> Scores:
    sc = Scores()
    for item in items:
        tr = client_transcript(item["text"]) if mode == "client" else text_to_transcript(item["text"], "text")
        anns = tag(tr, nlp)
        score_item(item, place(item["text"], tr, anns), sc)
    return sc


def annomi_sessions(path: Path) -> list[Transcript]:
    rows: dict[str, list[dict]] = defaultdict(list)
    with path.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows[r["transcript_id"]].append(r)
    out = []
    for tid in sorted(rows, key=int):
        segs = []
        for i, r in enumerate(sorted(rows[tid], key=lambda r: int(r["utterance_id"]))):
            role = "worker" if r["interlocutor"] == "therapist" else "client"
            segs.append(
                Segment(
                    id=i,
                    start=float(i),
                    end=float(i) + 0.9,
                    text=r["utterance_text"],
                    speaker=role,
                    role=role,
                )
            )
        out.append(
            Transcript(segments=segs, speakers=[Speaker("worker", "worker"), Speaker("client", "client")])
        )
    return out


def run_annomi(sessions: list[Transcript], nlp) -> tuple[int, int, int, list[str]]:
    n = aff = pos = 0
    examples = []
    for tr in sessions:
        n += sum(1 for s in tr.segments if s.role == "client")
        for a in tag(tr, nlp):
            if a.label != "risk" or a.role != "client" or a.status != "affirmed":
                continue
            if a.possible:
                pos += 1
            else:
                aff += 1
            examples.append(f"{'possible ' if a.possible else ''}{a.subtype}: {a.evidence[0].quote[:100]}")
    return n, aff, pos, examples


def pct(a: int, b: int) -> str:
    return f"{a / b:.2f} ({a}/{b})" if b else "–"


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")


def report(name: str, results: dict[str, Scores]) -> None:
    rows: list[list[str]] = []

    def row(label: str, target: str, cell) -> None:
        rows.append([label, target, *(cell(s) for s in results.values())])

    for t in TYPES:
        row(
            f"recall {t}",
            f">= {TARGETS['recall']}",
            lambda s, t=t: f"{pct(s.hits[t], s.totals[t])} / affirmed {pct(s.hits_affirmed[t], s.totals[t])}",
        )
    row(
        "recall, all types",
        f">= {TARGETS['recall']}",
        lambda s: (
            f"{pct(sum(s.hits.values()), sum(s.totals.values()))} / affirmed "
            f"{pct(sum(s.hits_affirmed.values()), sum(s.totals.values()))}"
        ),
    )
    for st in NON_CURRENT:
        target = f"<= {TARGETS['non_current_affirmed']}" if st != "hypothetical" else ""
        row(
            f"{st}: as current / right status",
            target,
            lambda s, st=st: (
                f"{pct(s.nc_affirmed[st], s.nc_total[st])} / {pct(s.nc_right[st], s.nc_total[st])}"
            ),
        )
    row(
        "no-risk items: affirmed alarm",
        f"<= {TARGETS['affirmed_fa']}",
        lambda s: pct(s.norisk_affirmed, s.norisk_items),
    )
    row(
        "no-risk items: possible alarm",
        f"<= {TARGETS['possible_fa']}",
        lambda s: pct(s.norisk_possible, s.norisk_items),
    )
    table(name, ["score", "target", *results], rows)


def print_errors(name: str, s: Scores) -> None:
    for title, lines in (("misses", s.misses), ("non-current as affirmed", s.wrong), ("alarms", s.alarms)):
        print(f"\n{name} — {title} ({len(lines)}):")
        for line in lines:
            print("  " + line)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--mode", choices=("client", "notes", "both"), default="both")
    ap.add_argument("--misses", action="store_true", help="list misses, wrong statuses and alarms")
    ap.add_argument("--skip-annomi", action="store_true")
    ap.add_argument(
        "--low", type=float, help="try another possible-risk threshold (default: the shipped one)"
    )
    ap.add_argument("--high", type=float, help="try another affirmed-risk threshold")
    args = ap.parse_args()
    path = args.data / "risk" / "counselchat-dev.jsonl"
    if not path.is_file():
        print(f"bench/risk.py: {path} not found; the risk benchmark needs ../shared/data.")
        return 0
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.low is not None:
        minilm.RISK_LOW = args.low
    if args.high is not None:
        minilm.RISK_HIGH = args.high
    self_low = ", ".join(f"{k} {v}" for k, v in minilm.RISK_LOW_SELF.items())
    print(f"thresholds: possible >= {minilm.RISK_LOW} ({self_low}), affirmed >= {minilm.RISK_HIGH}")
    t0 = time.perf_counter()
    systems = {"lexicon (before)": build_pipeline(heads=False), "detector": build_pipeline()}
    print(f"pipelines loaded in {time.perf_counter() - t0:.1f} s; {len(items)} items")
    modes = ("client", "notes") if args.mode == "both" else (args.mode,)
    for mode in modes:
        results = {}
        for name, nlp in systems.items():
            t0 = time.perf_counter()
            results[name] = run_counselchat(items, nlp, mode)
            print(f"{mode} / {name}: {time.perf_counter() - t0:.1f} s")
        report(f"Counsel-Chat dev, each question tagged as {mode} text", results)
        if args.misses:
            print_errors(mode, results["detector"])
    spoken = REPO / "bench" / "data" / "risk_spoken.jsonl"
    if spoken.is_file():
        rows = [json.loads(line) for line in spoken.read_text(encoding="utf-8").splitlines() if line.strip()]
        turns = [
            {
                "id": r["id"],
                "text": r["text"],
                "risk": []
                if r["type"] == "none"
                else [{"type": r["type"], "status": r["status"], "quote": r["text"]}],
            }
            for r in rows
        ]
        results = {name: run_counselchat(turns, nlp, "client") for name, nlp in systems.items()}
        report(f"Spoken client turns written for evaluation only ({spoken.relative_to(REPO)})", results)
        if args.misses:
            print_errors("spoken", results["detector"])
    posts = REPO / "bench" / "data" / "risk_posts.jsonl"
    if posts.is_file():
        status = {"current": "affirmed", "denied": "negated"}
        rows = [json.loads(line) for line in posts.read_text(encoding="utf-8").splitlines() if line.strip()]
        items = [
            {
                "id": r["id"],
                "text": r["text"],
                "risk": [{**g, "status": status.get(g["status"], g["status"])} for g in r["risks"]],
            }
            for r in rows
        ]
        results = {name: run_counselchat(items, nlp, "client") for name, nlp in systems.items()}
        report(f"Forum-style posts written for evaluation only ({posts.relative_to(REPO)})", results)
        if args.misses:
            print_errors("posts", results["detector"])
    annomi = args.data / "annomi" / "AnnoMI-simple-dev.csv"
    if args.skip_annomi or not annomi.is_file():
        return 0
    sessions = annomi_sessions(annomi)
    rows = []
    for name, nlp in systems.items():
        t0 = time.perf_counter()
        n, aff, pos, ex = run_annomi(sessions, nlp)
        dt = time.perf_counter() - t0
        rows.append([name, str(n), f"{1000 * aff / n:.1f}", f"{1000 * pos / n:.1f}", f"{dt:.1f} s"])
        if args.misses and name == "detector":
            print(f"\nAnnoMI flags ({len(ex)}):")
            for line in ex:
                print("  " + line)
    table(
        "AnnoMI client utterances (dev split)",
        ["system", "utterances", "affirmed / 1000", "possible / 1000", "time"],
        rows,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
