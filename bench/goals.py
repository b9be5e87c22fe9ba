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

The linker proposes links in two tiers: "confident" (drafted as progress /
barrier / met) and "possible" (drafted with a review mark). Reported: precision
and recall of the confident tier alone and of both tiers together, the
precision of the possible tier, how often a goal the gold says a session never
touched has no confident link (and no link at all), and how often a found
link's kind (progress, barrier, met, revised) is right — its confident link's,
else its strongest. A turn is linked if any sentence of it is. The worker is taken to
accept the right links of each session and reject the rest: a later session's linker
is given, as each goal's earlier evidence, the links of earlier sessions the gold
confirms (the linker before had no such input).

Dev and check: the linker's rules and bars were set looking at the dev
sequences only; the check sequences (``CHECK``) were not read while tuning and
are reported separately in the same run. Baselines in the same run: the MiniLM
cosine alone (no content words, no question context; every link counted as
confident), and the linker of revision ``BEFORE`` (one tier), read from git.

Timing: one store; a client with 20 sessions on file (goals accepted, links
kept) and a client with none; the same new session drafted for each (goals
read, linked, drafted). Reported as a ratio, best of a few runs.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

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


#: Sequences held out of tuning: read only through this report.
CHECK = ("C-2104", "C-2105")
#: The linker before two tiers (one tier; every link drafted as progress / barrier / met).
BEFORE = "973e33c"
#: A predicted link: (session, turn, goal) -> (tier, kind, score).
Predicted = dict[tuple[int, int, str], tuple[str, str, float]]


def linker_at(rev: str) -> ModuleType:
    """``pipelines/goals.py`` as it was at ``rev``, loaded beside today's (records are shared)."""
    source = subprocess.run(
        ["git", "show", f"{rev}:pipelines/goals.py"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    module = ModuleType(f"goals_{rev}")
    sys.modules[module.__name__] = module  # dataclasses look their module up by name
    exec(compile(source, f"{rev}:pipelines/goals.py", "exec"), module.__dict__)
    return module


def predict(seq: Sequence_, method: str, before: ModuleType | None = None) -> Predicted:
    """Predicted links for sessions 2.. by ``method``: "ours", "before" (``before``'s linker) or "cosine"."""
    pred: Predicted = {}

    def add(key: tuple[int, int, str], tier: str, kind: str, score: float) -> None:
        old = pred.get(key)
        rank = (tier == "confident", score)
        if old is None or rank > (old[0] == "confident", old[2]):
            pred[key] = (tier, kind, score)

    gold = {(k["session"], k["turn"], k["goal"]) for k in seq.data.get("links", [])}
    accepted: dict[str, list[str]] = {}  # the worker accepts the right links of each session
    for s in range(2, len(seq.data["sessions"]) + 1):
        closed = closed_before(seq, s)
        goals = [gold_goal(seq, g) for g in seq.data["goals"] if g["session"] <= s and g["id"] not in closed]
        # a goal's own statement is not evidence about it (segment ids restart in each session)
        own = {(g.id, g.evidence.segment_id) for g in goals if g.session_id == f"s{s}"}
        transcript, turn_of = seq.transcripts[s - 1], seq.turn_of[s - 1]
        if method == "cosine":
            links = cosine_only(goals, transcript)
        else:
            module = before if method == "before" else linker
            earlier = [g for g in goals if g.session_id != f"s{s}"]
            offers = module.offer_goals(earlier, transcript, seq.annotations[s - 1])
            if method == "ours":
                links = module.link_goals(goals, transcript, f"s{s}", offers=offers, history=dict(accepted))
            else:
                links = module.link_goals(goals, transcript, f"s{s}", offers=offers)
            for o in offers:
                if o.revises:
                    add((s, turn_of[o.evidence.segment_id], o.revises), "confident", "revised", 1.0)
        # a goal stated in this session is on file only from its statement on
        stated_at = {g["id"]: g["turn"] for g in seq.data["goals"] if g["session"] == s}
        for link in links:
            if (link.goal_id, link.evidence.segment_id) in own:
                continue
            if turn_of[link.evidence.segment_id] <= stated_at.get(link.goal_id, -1):
                continue
            key = (s, turn_of[link.evidence.segment_id], link.goal_id)
            add(key, getattr(link, "tier", "confident"), link.kind, link.score)
            if key in gold:
                accepted.setdefault(link.goal_id, []).append(link.evidence.quote)
    return pred


def cosine_only(goals: list[Goal], transcript: Transcript):
    """The baseline: a client sentence links to every goal within 0.40 cosine, MiniLM alone."""
    from pipelines.embed import load_encoder

    units = linker.statements(transcript)
    if not goals or not units:
        return []
    enc = load_encoder()
    cos = enc.encode([u.evidence.quote for u in units]) @ enc.encode([g.quote for g in goals]).T
    out = []
    for i, u in enumerate(units):
        for j, g in enumerate(goals):
            if g.open and cos[i, j] >= 0.40:
                out.append(
                    linker.GoalLink(
                        id="",
                        goal_id=g.id,
                        session_id="",
                        kind="progress",
                        evidence=u.evidence,
                        score=cos[i, j],
                    )
                )
    return out


def score(
    seqs: list[Sequence_], method: str, before: ModuleType | None = None, preds: dict | None = None
) -> dict[str, float]:
    """The figures over ``seqs``; ``preds`` (by sequence name) saves predicting again."""
    n = dict.fromkeys(("tp_c", "fp_c", "tp_p", "fp_p", "gold", "kind", "kind_c", "nd", "nd_c", "nd_all"), 0)
    for seq in seqs:
        gold = {(k["session"], k["turn"], k["goal"]): k["kind"] for k in seq.data.get("links", [])}
        pred = preds[seq.name] if preds is not None else predict(seq, method, before)
        pred = {p: v for p, v in pred.items() if (p[0], p[1]) not in seq.follow_on or p in gold}
        n["gold"] += len(gold)
        for key, (tier, kind, _score) in pred.items():
            hit = key in gold
            n[("tp_" if hit else "fp_") + tier[0]] += 1
            if hit and kind == gold[key]:
                n["kind"] += 1
                n["kind_c"] += tier == "confident"
        for nd in seq.data.get("not_discussed", []):
            n["nd_all"] += 1
            linked = [v[0] for p, v in pred.items() if p[0] == nd["session"] and p[2] == nd["goal"]]
            n["nd"] += not linked
            n["nd_c"] += "confident" not in linked
    tp = n["tp_c"] + n["tp_p"]
    return {
        "P conf": n["tp_c"] / max(n["tp_c"] + n["fp_c"], 1),
        "R conf": n["tp_c"] / max(n["gold"], 1),
        "P poss": n["tp_p"] / max(n["tp_p"] + n["fp_p"], 1),
        "P both": tp / max(tp + n["fp_c"] + n["fp_p"], 1),
        "R both": tp / max(n["gold"], 1),
        "gold": n["gold"],
        "conf": n["tp_c"] + n["fp_c"],
        "poss": n["tp_p"] + n["fp_p"],
        "kind": n["kind"] / max(tp, 1),
        "kind conf": n["kind_c"] / max(n["tp_c"], 1),
        "ND conf": n["nd_c"] / max(n["nd_all"], 1),
        "ND both": n["nd"] / max(n["nd_all"], 1),
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


COLUMNS = (
    "P conf",
    "R conf",
    "P poss",
    "P both",
    "R both",
    "gold",
    "conf",
    "poss",
    "kind",
    "kind conf",
    "ND conf",
    "ND both",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--before", default=BEFORE, help="revision whose linker is the baseline")
    args = parser.parse_args()
    files = args.files or sorted(DATA.glob("*.yaml"))
    if not files:
        raise SystemExit(f"No goal sequences in {DATA}.")
    if args.cache and args.cache.is_file():
        import pickle

        seqs = pickle.loads(args.cache.read_bytes())
    else:
        seqs = [load(f) for f in files]
        if args.cache:
            import pickle

            args.cache.write_bytes(pickle.dumps(seqs))
    before = linker_at(args.before)
    splits = {
        "dev": [q for q in seqs if q.name not in CHECK],
        "check": [q for q in seqs if q.name in CHECK],
        "all": seqs,
    }
    print(
        f"Goal links, typed transcripts; dev: {', '.join(q.name for q in splits['dev'])}; "
        f"check (held out): {', '.join(q.name for q in splits['check'])}"
    )
    print("conf = confident tier (drafted as fact); poss = possible tier (drafted with a review mark);")
    print("ND = not-discussed goals with no (confident) link; kind = kind right among found links.")
    head = f"{'linker':<24}{'split':<7}" + "".join(f"{c:>10}" for c in COLUMNS)
    print(head)
    print("-" * len(head))
    methods = (
        ("MiniLM cosine only", "cosine"),
        (f"before ({args.before})", "before"),
        ("two tiers (ours)", "ours"),
    )
    for name, method in methods:
        preds = {q.name: predict(q, method, before) for q in seqs}
        for split, group in splits.items():
            if not group:
                continue
            r = score(group, method, before, preds)
            cells = "".join(f"{r[c]:>10}" if isinstance(r[c], int) else f"{r[c]:>10.2f}" for c in COLUMNS)
            print(f"{name:<24}{split:<7}{cells}")
    if not args.skip_timing:
        busy, fresh = timing(seqs)
        print(
            f"Time to draft (tag + goals + SOAP): 20 sessions on file {busy * 1000:.0f} ms, none {fresh * 1000:.0f} ms, "
            f"ratio {busy / fresh:.2f}"
        )


if __name__ == "__main__":
    main()
