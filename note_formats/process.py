"""Process recording: the social-work teaching format.

The verbatim dialogue in order, one row per speaker turn, and beside it the
worker's skill / intervention (from the tagger), the worker's reflections (left
blank for the worker), an analysis column pre-filled with what the tagger noticed
in that turn, and a column for the supervisor's comments.
"""

from __future__ import annotations

from note_formats.common import (
    INTERVENTION_TITLES,
    MODEL_CHANGE_TALK,
    OBSERVATION_TITLES,
    PLAN_TITLES,
    RISK_TITLES,
    STATUS_WORDS,
    Material,
    goal_title,
    title_of,
)
from note_formats.items import (
    goal_items,
    plan_section,
    risk_section,
    section,
)
from note_formats.registry import register_format
from scribe.core.records import Annotation, Evidence, NoteItem, NoteSection, Segment
from scribe.core.timefmt import clock

COLUMNS = (
    ("time", "Time"),
    ("speaker", "Speaker"),
    ("text", "Dialogue"),
    ("skill", "Skill / intervention"),
    ("reflections", "Worker reflections"),
    ("analysis", "Analysis"),
    ("supervisor", "Supervisor comment"),
)

#: A row of the dialogue table holds at most about this many characters of one speaker's turn.
MAX_ROW_CHARS = 600


@register_format(
    "process",
    title="Process recording",
    columns=COLUMNS,
    table_sections=("dialogue",),
    verbatim_sections=("dialogue",),
)
def build_process(m: Material) -> list[NoteSection]:
    """Verbatim dialogue with skill, reflections, analysis and supervisor columns; goals, risk, plan."""
    return [
        section(
            "goals", "Client's goals", goal_items(m), empty_text="No goals were identified in the transcript."
        ),
        section("dialogue", "Dialogue", dialogue_items(m), empty_text="The transcript has no dialogue."),
        risk_section(m),
        plan_section(m),
    ]


def turns(segments: list[Segment], max_chars: int = MAX_ROW_CHARS) -> list[list[Segment]]:
    """Consecutive segments by the same (known) speaker, merged into one row, in time order.

    A long monologue is cut at a segment boundary once a row holds ``max_chars``:
    a worker comments on an exchange, not on five minutes at once.
    """
    out: list[list[Segment]] = []
    for seg in sorted(segments, key=lambda s: (s.start, s.id)):
        if not seg.text.strip():
            continue
        same = out and seg.speaker is not None and out[-1][-1].speaker == seg.speaker
        if same and sum(len(s.text) for s in out[-1]) < max_chars:
            out[-1].append(seg)
        else:
            out.append([seg])
    return out


def _verbatim(seg: Segment) -> Evidence:
    """Evidence for the whole segment, minus the surrounding spaces Whisper leaves."""
    start = len(seg.text) - len(seg.text.lstrip())
    return Evidence.of(seg, start, len(seg.text.rstrip()))


def _analysis_label(ann: Annotation) -> str:
    status = f" ({STATUS_WORDS[ann.status]})" if ann.status in STATUS_WORDS else ""
    if ann.label == "goal":
        if ann.subtype != "goal":
            what = f"Change talk: {goal_title(ann).lower()}"
        else:
            what = "Goal stated" if ann.source != "minilm-head" else MODEL_CHANGE_TALK
    elif ann.label == "risk":
        what = f"Risk: {RISK_TITLES.get(ann.subtype, ann.subtype.replace('_', ' '))}"
    elif ann.label == "plan":
        what = f"Plan: {title_of(ann.subtype, PLAN_TITLES, 'plan').lower()}"
    else:
        what = title_of(ann.subtype, OBSERVATION_TITLES, "observation")
    return what + status


def dialogue_items(m: Material) -> list[NoteItem]:
    """One row per turn; annotations are placed beside the turn whose speaker said them."""
    all_turns = turns(m.transcript.segments)
    turn_of = {seg.id: n for n, turn in enumerate(all_turns) for seg in turn}
    attached: list[list[Annotation]] = [[] for _ in all_turns]
    for ann in m.annotations:
        role = m.role(ann)
        segs = [m.segment(ev.segment_id) for ev in ann.evidence]
        own = {turn_of[s.id] for s in segs if s.id in turn_of and (role is None or s.role in (None, role))}
        for n in sorted(own or {turn_of[s.id] for s in segs if s.id in turn_of}):
            attached[n].append(ann)

    # an unlabelled line of a typed conversation is the worker's own narrative, not unheard speech
    typed = m.transcript.source == "dialogue" and not m.transcript.timed
    unlabelled = "Notes" if typed else "Unknown speaker"
    items = []
    for turn, anns in zip(all_turns, attached, strict=True):
        role = turn[0].role
        skills = [
            title_of(a.subtype, INTERVENTION_TITLES, "intervention")
            for a in anns
            if a.label == "intervention" and role in ("worker", None) and m.role(a) in ("worker", None)
        ]
        analysis = [_analysis_label(a) for a in anns if a.label != "intervention"]
        evidence = [_verbatim(seg) for seg in turn]
        seg_reasons = [
            f"transcript uncertain at {clock(s.start)} ({', '.join(s.review_reasons) or 'unclear audio'})"
            for s in turn
            if s.needs_review
        ]
        reasons = list(dict.fromkeys([*seg_reasons, *m.review_reasons(anns)]))
        speaker = role.capitalize() if role else (turn[0].speaker or unlabelled)
        items.append(
            NoteItem(
                id="",
                text=" ".join(ev.quote for ev in evidence),
                evidence=evidence,
                annotation_ids=[a.id for a in anns],
                needs_review=bool(reasons),
                review_reason="; ".join(reasons),
                fields={
                    "speaker": speaker,
                    "skill": "; ".join(dict.fromkeys(skills)),
                    "reflections": "",
                    "analysis": "; ".join(dict.fromkeys(analysis)),
                    "supervisor": "",
                },
            )
        )
    return items
