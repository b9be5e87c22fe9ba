"""What a draft note documents: fact recall, forbidden claims, faithfulness and length on scripted sessions.

    python bench/notes.py [--data bench/data/notes/dev] [--audio] [--misses [--why]] [--only ID]

Data: one YAML file per scripted session (turns, the facts a competent worker
documents, and forbidden claims), written before anyone ran the pipeline on it.

Fast mode (default) feeds the turns as a transcript with the speakers' roles given
(no speech recognition): a dialogue gets one segment per turn with times from its
length, a dictation is one voice's notes, a typed conversation is read as typed text.
``--audio`` speaks every turn with an espeak-ng voice per speaker label (cached under
/tmp) and runs the whole pipeline: transcription, speakers, tags, draft; gold turn
indices become the turn times of the synthesis.

Three drafts of each session are scored in the same run: the baseline (the drafting
code of ``--baseline-rev``, by default the last drafts before sentences, run in a
second process on the same transcript and tags), ``--style quotes`` and
``--style prose``. Every draft is SOAP.

* A fact is found when a line of its SOAP section (the risk section counts as A)
  cites a time span overlapping the fact's turn and contains one of its words
  (compared as lemmas).
* A forbidden claim is made when a line of its kind cites its turn, or, when it has
  a regex, a line citing its turn matches it (the rendered note, for a claim without
  a turn).
* Faithfulness failures: generated sentences whose content words, numbers,
  negations or times are not in their cited evidence (``check_faithfulness``).
* Words per note: the sections as rendered, without header and footer; the target
  is 500 words for a 50-minute session (more in proportion for a longer one).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
if "--draft-jobs" not in sys.argv:  # the baseline process imports another revision's tree instead
    sys.path.insert(0, str(REPO))

from scribe.core.records import Segment, Speaker, Transcript  # noqa: E402

KINDS = ("goal", "risk", "intervention", "plan", "observation")
#: SOAP section key -> the letter a worker files it under (the risk section is part of A).
SOAP_LETTER = {"subjective": "S", "objective": "O", "assessment": "A", "risk": "A", "plan": "P"}
WORDS_PER_50_MIN = 500
TARGETS = {"recall": 0.9, "forbidden": 0, "faithfulness": 0}
#: Speaking rate used to give typed turns times in fast mode (words per second) and the pause between turns.
RATE, PAUSE = 2.6, 0.6
CACHE = Path(tempfile.gettempdir()) / "scribe-bench-notes"


@dataclass
class Session:
    id: str
    mode: str
    session_type: str
    pronouns: str
    voices: dict[str, str]
    turns: list[tuple[str, str]]
    facts: list[dict]
    forbidden: list[dict]
    #: turn index -> (start, end) seconds, once the session is timed
    times: list[tuple[float, float]] = field(default_factory=list)


def load_sessions(folder: Path, only: str = "") -> list[Session]:
    out = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        sid = data.get("id") or path.stem
        if only and only != sid:
            continue
        turns = [next(iter(t.items())) for t in data["turns"]]
        out.append(
            Session(
                id=sid,
                mode=data.get("mode", "dialogue"),
                session_type=data.get("session_type", "individual"),
                pronouns=data.get("pronouns", "") or "",
                voices={str(k): v for k, v in data["voices"].items()},
                turns=[(str(k), str(v)) for k, v in turns],
                facts=data.get("facts") or [],
                forbidden=scoreable(sid, data.get("facts") or [], data.get("forbidden") or []),
            )
        )
    return out


def scoreable(sid: str, facts: list[dict], forbidden: list[dict]) -> list[dict]:
    """The forbidden claims a draft can be scored on. One given by turn and kind is made when a line
    of that kind cites the turn, so where a gold fact of the same kind cites the same turn the
    correct line would make it too: such a claim ("do not state she lost consciousness") needs a
    ``text`` pattern, and is left out with a warning."""
    gold = {(f["kind"], f["turn"]) for f in facts}
    kept = []
    for bad in forbidden:
        if "text" not in bad and (bad["kind"], bad["turn"]) in gold:
            print(
                f"warning: {sid}: forbidden {bad['kind']} at turn {bad['turn']} not scored "
                "(a gold fact of that kind cites the turn; give it a text pattern)",
                file=sys.stderr,
            )
            continue
        kept.append(bad)
    return kept


# --- transcripts ---------------------------------------------------------------------------


def typed_transcript(s: Session) -> tuple[Transcript, dict[int, set[int]]]:
    """Fast mode: the turns as a transcript (no ASR); returns it and segment id -> turn indices."""
    from scribe.transcripts.typed import text_to_transcript

    if s.mode == "typed":
        names = {"worker": "Worker", "client": "Client"}
        lines = [
            f"{names.get(s.voices[k], k + ' (other)') if s.voices[k] != 'other' else k}: {t}"
            for k, t in s.turns
        ]
        tr = text_to_transcript("\n".join(lines), "text")
        return tr, _by_text(tr, s)
    if s.mode == "dictation":
        tr = text_to_transcript("\n\n".join(t for _, t in s.turns), "dictation")
        return tr, _by_text(tr, s)
    segments, t = [], 0.3
    for n, (label, text) in enumerate(s.turns):
        length = max(1.0, len(text.split()) / RATE)
        segments.append(
            Segment(
                id=n,
                start=round(t, 2),
                end=round(t + length, 2),
                text=text,
                speaker=label,
                role=s.voices[label],
            )
        )
        s.times.append((t, t + length))
        t += length + PAUSE
    speakers = [Speaker(id=k, role=r, label=k) for k, r in s.voices.items()]
    tr = Transcript(segments=segments, duration=round(t, 2), speakers=speakers, source="audio")
    return tr, {n: {n} for n in range(len(s.turns))}


def _by_text(tr: Transcript, s: Session) -> dict[int, set[int]]:
    """Segment -> turns, for untimed text: each segment is found in the turns in order."""
    squash = lambda x: re.sub(r"\W+", " ", x).strip().lower()  # noqa: E731
    out, n = {}, 0
    for seg in tr.segments:
        text = squash(seg.text)
        for m in range(n, len(s.turns)):
            if text and text in squash(s.turns[m][1]):
                n = m
                break
        out[seg.id] = {n}
    return out


def audio_transcript(s: Session) -> tuple[Transcript, dict[int, set[int]]]:
    """``--audio``: speak the turns (one espeak-ng voice per label), then transcribe and diarize."""
    from scribe import workflow
    from scribe.asr.transcribe import Transcriber
    from tests.synth import VOICES, dialogue, write_wav

    voice_names = list(VOICES)
    voice_of = {label: voice_names[n % len(voice_names)] for n, label in enumerate(s.voices)}
    CACHE.mkdir(parents=True, exist_ok=True)
    wav, times_file = CACHE / f"{s.id}.wav", CACHE / f"{s.id}.times.json"
    key = json.dumps([s.turns, voice_of])
    if not (wav.is_file() and times_file.is_file() and json.loads(times_file.read_text())["key"] == key):
        samples, timed = dialogue([(voice_of[label], text) for label, text in s.turns])
        write_wav(wav, samples)
        times_file.write_text(json.dumps({"key": key, "times": [(t.start, t.end) for t in timed]}))
    s.times = [tuple(t) for t in json.loads(times_file.read_text())["times"]]
    count = workflow.speaker_count(s.session_type) if len(s.voices) > 1 else 1
    roles = None
    tr = workflow.transcribe_recording(Transcriber(None), wav, count, roles)
    if s.mode == "dictation":
        tr.source = "dictation"
    return tr, {}


def turns_cited(ev, seg_turns: dict[int, set[int]], times: list[tuple[float, float]]) -> set[int]:
    """The gold turns a piece of evidence points at: by segment when untimed, else by time overlap."""
    if ev.segment_id in seg_turns and not (ev.start or ev.end):
        return seg_turns[ev.segment_id]
    if not times:
        return seg_turns.get(ev.segment_id, set())
    return {n for n, (a, b) in enumerate(times) if ev.start < b and ev.end > a}


# --- scoring -------------------------------------------------------------------------------


class Lemmas:
    def __init__(self):
        from note_formats.wording import nlp

        self.nlp = nlp()
        self.cache: dict[str, frozenset[str]] = {}

    def __call__(self, text: str) -> frozenset[str]:
        if text not in self.cache:
            doc = self.nlp(text)
            self.cache[text] = frozenset({t.lemma_.lower() for t in doc} | {t.lower_ for t in doc})
        return self.cache[text]


def line_kind(item, labels: dict[str, str], section: str) -> str:
    if item.fields.get("kind"):
        return item.fields["kind"]
    found = [labels[a] for a in item.annotation_ids if a in labels]
    if section == "risk":
        return "risk"
    if section == "plan":  # the baseline lists interventions under Plan ("Intervention used — ...")
        return "intervention" if found and set(found) == {"intervention"} else "plan"
    return max(set(found), key=found.count) if found else {"plan": "plan"}.get(section, "observation")


@dataclass
class Score:
    found: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    forbidden: int = 0
    faithfulness: int = 0
    fallbacks: int = 0
    words: list[tuple[int, float]] = field(default_factory=list)
    #: session id of each ``words`` entry
    ids: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)


def why_missed(fact: dict, annotations, lines, seg_turns, times) -> list[str]:
    """Why a fact was missed: the tags on its turn (none: the tagger's miss) and the lines citing
    it (in another section, or without the fact's words)."""
    turn = fact["turn"]
    tags = [
        f"{a.label}/{a.subtype}{' (possible)' if a.possible else ''}{' (' + a.status + ')' if a.status != 'affirmed' else ''}"
        for a in annotations
        if any(turn in turns_cited(e, seg_turns, times) for e in a.evidence)
    ]
    cites = [(letter, text) for letter, _, cited, text in lines if turn in cited]
    if not cites:
        reason = "no line cites the turn" + ("" if tags else "; no tag on it")
    elif all(letter != fact["section"] for letter, _ in cites):
        reason = "cited only in another section"
    else:
        reason = "cited in its section without the fact's words"
    out = [f"      why: {reason}; tags: {', '.join(tags) or 'none'}"]
    out += [f"      {letter}: {text[:160]}" for letter, text in cites]
    return out


def claim_made(bad: dict, lines: list[tuple], rendered: str) -> bool:
    """Whether a draft makes a forbidden claim: a line of its kind citing its turn, or a line citing
    its turn that its regex matches (a claim is about what was said at its turn; the same words
    elsewhere, "hurting" in a screening question, make no claim about it)."""
    if "text" not in bad:
        return any(kind == bad["kind"] and bad["turn"] in cited for _, kind, cited, _ in lines)
    if "turn" not in bad:
        return re.search(bad["text"], rendered, re.I) is not None
    return any(bad["turn"] in cited and re.search(bad["text"], text, re.I) for _, _, cited, text in lines)


def score(
    s: Session, draft, transcript, annotations, seg_turns, lemmas: Lemmas, sc: Score, faith, why: bool = False
) -> None:
    from note_formats import render_text

    labels = {a.id: a.label for a in annotations}
    lines = []
    for sec in draft.sections:
        for item in sec.items:
            if item.deleted:
                continue
            cited = (
                set().union(*(turns_cited(e, seg_turns, s.times) for e in item.evidence))
                if item.evidence
                else set()
            )
            lines.append((SOAP_LETTER.get(sec.key, "?"), line_kind(item, labels, sec.key), cited, item.text))
    for fact in s.facts:
        want = {str(w).lower() for w in fact["words"]}.union(*(lemmas(str(w)) for w in fact["words"]))
        hit = any(
            letter == fact["section"] and fact["turn"] in cited and lemmas(text) & want
            for letter, _, cited, text in lines
        )
        sc.found[fact["kind"]][0] += hit
        sc.found[fact["kind"]][1] += 1
        if not hit:
            sc.misses.append(
                f"  miss {s.id} {fact['kind']}/{fact['section']} t{fact['turn']}: {fact['says']}"
            )
            if why:
                sc.misses += why_missed(fact, annotations, lines, seg_turns, s.times)
    rendered = render_text(draft)
    for bad in s.forbidden:
        made = claim_made(bad, lines, rendered)
        sc.forbidden += made
        if made:
            sc.misses.append(f"  FORBIDDEN {s.id}: {bad['says']}")
    sc.faithfulness += len(faith(draft, transcript)) if faith else 0
    sc.fallbacks += sum(
        1
        for sec in draft.sections
        for i in sec.items
        if "REVIEW" in i.review_reason and "not in" in i.review_reason
    )
    body = rendered.split("\n\n", 1)[-1].rsplit("\n\n", 1)[0]
    words = len(body.split())
    minutes = max(transcript.duration, max((g.end for g in transcript.segments), default=0)) / 60
    sc.words.append((words, minutes))
    sc.ids.append(s.id)


# --- the baseline: the drafting code of another revision, in its own process ------------------

#: The last revision whose drafts were labelled quotes only (before sentence drafts and the
#: completeness rules): the reference every later change is measured against.
BEFORE_SENTENCES = "ae270ea"


def baseline_tree(rev: str) -> Path:
    """The files of ``rev`` (cached under /tmp) for a second process to import."""
    sha = subprocess.run(
        ["git", "rev-parse", rev], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.strip()
    root = CACHE / f"base-{sha[:12]}"
    if not (root / "note_formats").is_dir():
        root.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", sha, "scribe", "note_formats", "pipelines"],
            cwd=REPO,
            check=True,
            capture_output=True,
        ).stdout
        with tempfile.TemporaryFile() as fh:
            fh.write(archive)
            fh.seek(0)
            with tarfile.open(fileobj=fh) as tar:
                tar.extractall(root, filter="data")
    return root


def draft_in_process(jobs: Path) -> None:
    """Second-process entry: draft SOAP for every (transcript, annotations) pair listed in ``jobs``."""
    from note_formats import DraftOptions, build_draft
    from scribe.core.records import Annotation

    for job in json.loads(jobs.read_text()):
        tr = Transcript.load(job["transcript"])
        anns = [Annotation.from_dict(a) for a in json.loads(Path(job["annotations"]).read_text())]
        draft = build_draft("soap", tr, anns, DraftOptions(session_type=job["session_type"]))
        Path(job["out"]).write_text(draft.to_json())


def baseline_drafts(rev: str, jobs: list[dict]) -> None:
    root = baseline_tree(rev)
    listing = CACHE / "baseline-jobs.json"
    listing.write_text(json.dumps(jobs))
    env = {**os.environ, "PYTHONPATH": str(root), "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--draft-jobs", str(listing)]
    subprocess.run(cmd, env=env, check=True, cwd=str(root))


# --- main ----------------------------------------------------------------------------------


def table(rows: dict[str, Score]) -> str:
    names = list(rows)
    head = f"{'':24}" + "".join(f"{n:>12}" for n in names) + f"{'target':>12}"
    out = [head, "-" * len(head)]
    for kind in KINDS:
        cells = []
        for n in names:
            f, t = rows[n].found.get(kind, [0, 0])
            cells.append(f"{f / t:.2f} ({f}/{t})" if t else "-")
        out.append(f"{'recall ' + kind:24}" + "".join(f"{c:>12}" for c in cells) + f"{'>= 0.9':>12}")
    allf = {
        n: [sum(v[0] for v in r.found.values()), sum(v[1] for v in r.found.values())] for n, r in rows.items()
    }
    out.append(
        f"{'recall all':24}"
        + "".join(f"{allf[n][0] / max(1, allf[n][1]):>12.2f}" for n in names)
        + f"{'':>12}"
    )
    out.append(f"{'forbidden claims':24}" + "".join(f"{rows[n].forbidden:>12}" for n in names) + f"{'0':>12}")
    out.append(
        f"{'faithfulness failures':24}" + "".join(f"{rows[n].faithfulness:>12}" for n in names) + f"{'0':>12}"
    )
    out.append(
        f"{'fell back to quote':24}" + "".join(f"{rows[n].fallbacks:>12}" for n in names) + f"{'':>12}"
    )
    mean = {n: sum(w for w, _ in r.words) / max(1, len(r.words)) for n, r in rows.items()}
    out.append(f"{'words per note (mean)':24}" + "".join(f"{mean[n]:>12.0f}" for n in names) + f"{'':>12}")
    per50 = {n: max((w * 50 / max(50.0, m) for w, m in r.words), default=0) for n, r in rows.items()}
    out.append(
        f"{'words, worst per 50 min':24}" + "".join(f"{per50[n]:>12.0f}" for n in names) + f"{'<= 500':>12}"
    )
    out.append("\nwords per note, each session (target: 500 per 50 minutes, more for a longer session)")
    for n, sid in enumerate(rows[names[0]].ids):
        target = round(WORDS_PER_50_MIN * max(50.0, rows[names[0]].words[n][1]) / 50)
        cells = "".join(f"{rows[name].words[n][0]:>12}" for name in names)
        out.append(f"  {sid[:28]:28}" + cells + f"{'<= ' + str(target):>12}")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO / "bench/data/notes/dev")
    ap.add_argument("--audio", action="store_true", help="speak the turns and run the whole pipeline")
    ap.add_argument(
        "--baseline-rev",
        default=BEFORE_SENTENCES,
        help="revision whose drafting is the baseline (default: the last drafts before sentences)",
    )
    ap.add_argument("--misses", action="store_true", help="list facts missed and forbidden claims made")
    ap.add_argument(
        "--why",
        action="store_true",
        help="with --misses: each miss's tags and the lines citing its turn (development set only)",
    )
    ap.add_argument("--only", default="", help="one session id")
    ap.add_argument("--draft-jobs", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.draft_jobs:
        draft_in_process(args.draft_jobs)
        return
    sessions = load_sessions(args.data, args.only)
    if not sessions:
        sys.exit(f"No sessions in {args.data}.")
    import pipelines
    from note_formats import DraftOptions, build_draft, check_faithfulness

    rev = args.baseline_rev
    lemmas = Lemmas()
    work = CACHE / ("audio" if args.audio else "fast")
    work.mkdir(parents=True, exist_ok=True)
    rows = {"baseline": Score(), "quotes": Score(), "prose": Score()}
    prepared, jobs = [], []
    for s in sessions:
        tr, seg_turns = audio_transcript(s) if args.audio else typed_transcript(s)
        anns = pipelines.tag(tr)
        tr.save(work / f"{s.id}.transcript.json")
        (work / f"{s.id}.annotations.json").write_text(json.dumps([a.to_dict() for a in anns]))
        jobs.append(
            {
                "transcript": str(work / f"{s.id}.transcript.json"),
                "annotations": str(work / f"{s.id}.annotations.json"),
                "session_type": s.session_type,
                "out": str(work / f"{s.id}.baseline.json"),
            }
        )
        prepared.append((s, tr, anns, seg_turns))
    baseline_drafts(rev, jobs)
    from scribe.core.records import NoteDraft

    for (s, tr, anns, seg_turns), job in zip(prepared, jobs, strict=True):
        base = NoteDraft.load(job["out"])
        score(s, base, tr, anns, seg_turns, lemmas, rows["baseline"], check_faithfulness)
        for style in ("quotes", "prose"):
            opts = DraftOptions(session_type=s.session_type, style=style, pronouns=s.pronouns)
            draft = build_draft("soap", tr, anns, opts)
            score(s, draft, tr, anns, seg_turns, lemmas, rows[style], check_faithfulness, args.why)
            (work / f"{s.id}.{style}.json").write_text(draft.to_json())
    mode = (
        "audio (espeak-ng -> whisper -> speakers -> tags -> draft)"
        if args.audio
        else "fast (typed turns, roles given)"
    )
    print(
        f"{len(sessions)} sessions, {sum(len(s.facts) for s in sessions)} facts, mode: {mode}; baseline = drafting at {rev[:10]}"
    )
    print(table(rows))
    if args.misses:
        for name, sc in rows.items():
            print(f"\n{name}:")
            print("\n".join(sc.misses))


if __name__ == "__main__":
    main()
