"""Goal links against hand-written gold, and the time to draft with 20 sessions on file.

    python bench/goals.py                  # every bench/data/goals/*.yaml
    python bench/goals.py --skip-timing    # link figures only

Links (typed-transcript mode): each three-session sequence is typed as a
"Worker: / Client:" conversation and read by the real typed-text reader and
tagger. For session s, the goals on file are the gold goals stated before s
that were still active, plus those stated in s from their statement on (the worker accepts them at
review, and the draft is rebuilt). A predicted link is (session, turn, goal):
one from ``link_goals``, or a statement offered as the revision of a goal. A
goal's own statement is never counted as evidence about it. Gold turns listed
as "follow-on" in a file's comments are neither right nor wrong (left out).
Baseline in the same run: the MiniLM cosine alone (no content words, no
question context), at the same threshold.

Timing: one store; a client with 20 sessions on file (goals accepted, links
kept) and a client with none; the same new session drafted for each (goals
read, linked, drafted). Reported as a ratio, best of a few runs.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from note_formats import DraftOptions  # noqa: E402
from pipelines import goals as linker  # noqa: E402
from scribe import workflow  # noqa: E402
from scribe.core.records import Evidence, Goal, Transcript  # noqa: E402

DATA = ROOT / "bench" / "data" / "goals"
ROLE_LABEL = {"worker": "Worker", "client": "Client"}
_FOLLOW_ON = re.compile(r"follow-on turns.*?(?=\n[a-z_]+:|\Z)", re.S | re.I)


@dataclass
class Sequence_:
    name: str
    data: dict
    transcripts: list[Transcript] = field(default_factory=list)
    #: per session, segment id -> turn index
    turn_of: list[dict[int, int]] = field(default_factory=list)
    annotations: list = field(default_factory=list)
    follow_on: set[tuple[int, int]] = field(default_factory=set)


def typed(session: dict) -> tuple[str, list[int]]:
    """The session as a typed conversation, and each turn's word count."""
    lines, counts = [], []
    for turn in session["turns"]:
        ((voice, text),) = turn.items()
        role = session["voices"][voice]
        lines.append(f"{ROLE_LABEL.get(role, role.capitalize())}: {text}")
        counts.append(len(str(text).split()))
    return "\n".join(lines) + "\n", counts


def turn_map(transcript: Transcript, counts: list[int]) -> dict[int, int]:
    """Segment id -> turn index (a long turn is several segments, in order)."""
    out, turn, used = {}, 0, 0
    for seg in transcript.segments:
        while turn < len(counts) and used >= counts[turn]:
            turn, used = turn + 1, 0
        out[seg.id] = turn
        used += len(seg.text.split())
    return out


def follow_on_turns(raw: str) -> set[tuple[int, int]]:
    """(session, turn) pairs the file's comments call follow-on turns (don't-care)."""
    found: set[tuple[int, int]] = set()
    for block in _FOLLOW_ON.findall(raw):
        text = " ".join(line.lstrip("# ").strip() for line in block.splitlines())
        for m in re.finditer(r"session (\d+) turns? ([\d ,and()a-z'-]+?)(?:;|\.|$)", text):
            s = int(m.group(1))
            found |= {(s, int(t)) for t in re.findall(r"\b(\d+)\b", m.group(2))}
    return found


def load(path: Path) -> Sequence_:
    raw = path.read_text(encoding="utf-8")
    seq = Sequence_(path.stem, yaml.safe_load(raw), follow_on=follow_on_turns(raw))
    for session in seq.data["sessions"]:
        text, counts = typed(session)
        transcript, anns = workflow.tag_text(text)
        seq.transcripts.append(transcript)
        seq.annotations.append(anns)
        seq.turn_of.append(turn_map(transcript, counts))
    return seq


def gold_goal(seq: Sequence_, g: dict) -> Goal:
    s = g["session"] - 1
    transcript, turn_of = seq.transcripts[s], seq.turn_of[s]
    want = " ".join(g["quote"].split()).lower()
    for seg in transcript.segments:
        if turn_of[seg.id] == g["turn"] and want in " ".join(seg.text.split()).lower():
            k = seg.text.lower().find(g["quote"].lower())
            ev = Evidence.of(seg, k, k + len(g["quote"])) if k >= 0 else Evidence.of(seg)
            break
    else:
        raise SystemExit(
            f"{seq.name}: goal {g['id']} quote not found in session {g['session']} turn {g['turn']}"
        )
    return Goal(
        id=g["id"],
        client_id=seq.data["client"],
        quote=g["quote"],
        session_id=f"s{g['session']}",
        session_date=str(seq.data["sessions"][s]["date"]),
        evidence=ev,
        context=linker.context_of(transcript, ev),
        revises=g.get("revises"),
    )


def closed_before(seq: Sequence_, session: int) -> set[str]:
    """Goals whose gold status at the end of an earlier session is not active."""
    out = set()
    for st in seq.data.get("status", []):
        if st["session"] < session and st["status"] != "active":
            out.add(st["goal"])
    return out


def predict(seq: Sequence_, baseline: bool = False) -> tuple[set, dict]:
    """Predicted (session, turn, goal) links for sessions 2.., and their kinds."""
    pred: set[tuple[int, int, str]] = set()
    kinds: dict[tuple[int, int, str], str] = {}
    for s in range(2, len(seq.data["sessions"]) + 1):
        closed = closed_before(seq, s)
        goals = [gold_goal(seq, g) for g in seq.data["goals"] if g["session"] <= s and g["id"] not in closed]
        own = {(g.id, g.evidence.segment_id) for g in goals}
        transcript, turn_of = seq.transcripts[s - 1], seq.turn_of[s - 1]
        if baseline:
            links = cosine_only(goals, transcript)
        else:
            earlier = [g for g in goals if g.session_id != f"s{s}"]
            offers = linker.offer_goals(earlier, transcript, seq.annotations[s - 1])
            links = linker.link_goals(goals, transcript, f"s{s}", offers=offers)
            for o in offers:
                if o.revises:
                    key = (s, turn_of[o.evidence.segment_id], o.revises)
                    pred.add(key)
                    kinds[key] = "revised"
        # a goal stated in this session is on file only from its statement on
        stated_at = {g["id"]: g["turn"] for g in seq.data["goals"] if g["session"] == s}
        for link in links:
            if (link.goal_id, link.evidence.segment_id) in own:
                continue
            if turn_of[link.evidence.segment_id] <= stated_at.get(link.goal_id, -1):
                continue
            key = (s, turn_of[link.evidence.segment_id], link.goal_id)
            pred.add(key)
            kinds.setdefault(key, link.kind)
    return pred, kinds


def cosine_only(goals: list[Goal], transcript: Transcript):
    """The baseline: a client sentence links to every goal within LINK_COSINE, MiniLM alone."""
    from pipelines.embed import load_encoder

    units = linker.statements(transcript)
    if not goals or not units:
        return []
    enc = load_encoder()
    cos = enc.encode([u.evidence.quote for u in units]) @ enc.encode([g.quote for g in goals]).T
    out = []
    for i, u in enumerate(units):
        for j, g in enumerate(goals):
            if g.open and cos[i, j] >= linker.LINK_COSINE:
                out.append(
                    linker.GoalLink(id="", goal_id=g.id, session_id="", kind="progress", evidence=u.evidence)
                )
    return out


def score(seqs: list[Sequence_], baseline: bool) -> dict[str, float]:
    tp = fp = fn = kind_ok = nd_ok = nd_all = 0
    for seq in seqs:
        gold = {(k["session"], k["turn"], k["goal"]): k["kind"] for k in seq.data.get("links", [])}
        pred, kinds = predict(seq, baseline)
        pred = {p for p in pred if (p[0], p[1]) not in seq.follow_on or p in gold}
        tp += len(pred & gold.keys())
        fp += len(pred - gold.keys())
        fn += len(gold.keys() - pred)
        kind_ok += sum(kinds.get(p) == gold[p] for p in pred & gold.keys())
        for nd in seq.data.get("not_discussed", []):
            nd_all += 1
            nd_ok += not any(p[0] == nd["session"] and p[2] == nd["goal"] for p in pred)
    return {
        "precision": tp / max(tp + fp, 1),
        "recall": tp / max(tp + fn, 1),
        "gold": tp + fn,
        "predicted": tp + fp,
        "kind": kind_ok / max(tp, 1),
        "not_discussed": nd_ok / max(nd_all, 1),
    }


def timing(seqs: list[Sequence_], on_file: int = 20, repeats: int = 3) -> tuple[float, float]:
    """Seconds to draft one new session for a client with ``on_file`` sessions, and for a new client."""
    import os

    from scribe.store import Store

    os.environ.setdefault("SCRIBE_INSECURE_FAST_KDF", "1")
    sessions = [(t, a) for seq in seqs for t, a in zip(seq.transcripts, seq.annotations, strict=True)]
    new_t, new_a = sessions[-1]
    with (
        tempfile.TemporaryDirectory() as home,
        Store.open(home, passphrase="bench passphrase", create=True) as store,
    ):
        for n in range(on_file):
            t, a = sessions[n % len(sessions)]
            sid = workflow.save_session(store, "BUSY", False, t, annotations=a)
            if n < 5:  # goals stated early in the work, as a service plan is
                for offer in linker.offer_goals([], t, a)[:2]:
                    store.accept_goal(sid, offer.evidence)
            thread = workflow.goal_thread(store, "BUSY", t, a, sid)
            workflow.keep_goal_links(store, sid, thread)
        workflow.save_session(store, "NEW", False, new_t, annotations=new_a)

        def draft(client: str) -> tuple[float, float]:
            """(seconds for the whole draft: tag, goals, build; seconds of the goals step alone)."""
            t0 = time.perf_counter()
            annotations = workflow.tag(new_t)
            t1 = time.perf_counter()
            options = DraftOptions(client_id=client)
            options.goals = workflow.goal_thread(store, client, new_t, annotations)
            t2 = time.perf_counter()
            workflow.make_draft("soap", new_t, annotations, options)
            return time.perf_counter() - t0, t2 - t1

        draft("BUSY")  # load the tagger and the encoder once, outside the timing
        runs = [(draft("BUSY"), draft("NEW")) for _ in range(repeats)]  # interleaved: the same load for both
        busy = min(b for b, _ in runs)
        fresh = min(f for _, f in runs)
        goals = len(store.list_goals("BUSY"))
    print(
        f"  (client on file: {on_file} sessions, {goals} goals; new session: {len(new_t.segments)} segments)"
    )
    print(f"  goals step alone: {busy[1] * 1000:.0f} ms on file, {fresh[1] * 1000:.0f} ms for a new client")
    return busy[0], fresh[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    files = args.files or sorted(DATA.glob("*.yaml"))
    if not files:
        raise SystemExit(f"No goal sequences in {DATA}.")
    seqs = [load(f) for f in files]
    if args.cache:
        import pickle

        args.cache.write_bytes(pickle.dumps(seqs))
    print(f"Goal links, {len(seqs)} sequences ({', '.join(s.name for s in seqs)}), typed transcripts")
    print(
        f"{'linker':<28}{'precision':>10}{'recall':>8}{'gold':>6}{'pred':>6}{'kind ok':>9}{'not-disc ok':>13}"
    )
    for name, base in (("MiniLM cosine only", True), ("MiniLM + rules (ours)", False)):
        r = score(seqs, base)
        print(
            f"{name:<28}{r['precision']:>10.2f}{r['recall']:>8.2f}{r['gold']:>6}{r['predicted']:>6}"
            f"{r['kind']:>9.2f}{r['not_discussed']:>13.2f}"
        )
    if not args.skip_timing:
        busy, fresh = timing(seqs)
        print(
            f"Time to draft (tag + goals + SOAP): 20 sessions on file {busy * 1000:.0f} ms, none {fresh * 1000:.0f} ms, "
            f"ratio {busy / fresh:.2f}"
        )


if __name__ == "__main__":
    main()
