"""Items built from annotations, one builder per kind of content.

A format module only decides *which* items go in *which* section; the wording of
an item, its evidence and its review flag are decided here, once, so that SOAP,
DAP and a process recording say the same thing the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from note_formats.common import (
    CHANGE_TALK,
    CONTEXT_SUBTYPES,
    GOAL_TITLES,
    INTERVENTION_TITLES,
    OBSERVATION_TITLES,
    PLAN_TITLES,
    PRESENTATION_SUBTYPES,
    RISK_TITLES,
    STATUS_WORDS,
    Material,
    goal_title,
    quoted,
    role_word,
    title_of,
)
from scribe.core.records import Annotation, NoteItem, NoteSection


def section(key: str, title: str, items: Sequence[NoteItem], empty_text: str) -> NoteSection:
    """A section whose items are numbered ``key-1``, ``key-2``, ... (edits address items by id)."""
    numbered = []
    for n, item in enumerate(items, 1):
        item.id = f"{key}-{n}"
        numbered.append(item)
    return NoteSection(key=key, title=title, items=numbered, empty_text=empty_text)


def _status(ann: Annotation) -> str:
    word = STATUS_WORDS.get(ann.status)
    return f" ({word})" if word else ""


def _by_time(items: list[NoteItem]) -> list[NoteItem]:
    return sorted(items, key=lambda i: min((e.start for e in i.evidence), default=0.0))


def goal_items(m: Material) -> list[NoteItem]:
    """The client's goals and change talk, verbatim in quotation marks."""
    items = []
    for ann in m.select("goal"):
        title = goal_title(ann)
        role = m.role(ann)
        if role is None:
            title += " (from the worker's notes)" if m.notes else " (speaker not identified)"
        elif role != "client":  # a worker's summary of a goal is not the client's words
            title += f" (as said by the {role_word(role)})"
        items.append(m.item([ann], f"{title}{_status(ann)}: {quoted(m.spoken(ann), m.options.max_quotes)}"))
    return items


def observation_kind(m: Material, ann: Annotation) -> str:
    """Where an observation belongs in a note.

    "context": a strength, stressor or barrier (assessment material, whoever said it);
    "observed": the worker describing the client's presentation (affect, behaviour, ...);
    "reported": everything else, the client's account (or the worker reflecting it back);
    "unsaid": a strength, stressor or barrier denied or imagined ("I'm not proud of it", "no
    pressure"), which names none and is listed nowhere.
    """
    if ann.subtype in CONTEXT_SUBTYPES:
        return "unsaid" if ann.status in ("negated", "hypothetical") else "context"
    if m.role(ann) == "worker" and ann.subtype in PRESENTATION_SUBTYPES:
        return "observed"
    return "reported"


def observation_items(m: Material, kind: str, *, prefix: str = "") -> list[NoteItem]:
    """One item per quote of ``kind`` (see ``observation_kind``): 'Energy, work functioning: "..."'.

    Observations resting on exactly the same words are one line naming them all,
    so a sentence tagged twice is not quoted twice.
    """
    groups: dict[tuple, list[Annotation]] = {}
    for ann in m.select("observation"):
        if observation_kind(m, ann) != kind:
            continue
        spans = tuple(sorted((e.segment_id, e.char_start, e.char_end) for e in m.spoken(ann)))
        groups.setdefault((spans, ann.status, m.role(ann) == "worker"), []).append(ann)
    items = []
    for (_, _, by_worker), anns in groups.items():
        titles = list(dict.fromkeys(title_of(a.subtype, OBSERVATION_TITLES, "observation") for a in anns))
        title = ", ".join([titles[0], *(t[0].lower() + t[1:] for t in titles[1:])])
        if kind == "reported" and by_worker:  # the worker's reflection, not the client's words
            title += " (as reflected by the worker)"
        quotes = quoted(m.spoken(anns[0]), m.options.max_quotes)
        items.append(m.item(anns, f"{prefix}{title}{_status(anns[0])}: {quotes}"))
    return items


def intervention_items(m: Material, *, prefix: str = "", covered: Sequence[NoteItem] = ()) -> list[NoteItem]:
    """Interventions the worker used, one item per kind, with example quotes.

    Only worker speech counts. An intervention whose speaker is unknown (no
    diarization) is kept but marked for review; one tagged on the client's or
    another person's speech is never listed. Unsure annotations get their own
    item so that one doubtful example does not flag, or hide in, a sure group.
    An intervention whose quotes all appear in one ``covered`` item (a referral
    already listed in the plan) is not repeated; that item records it instead.
    """
    anns = []
    covered_spans = [{(e.segment_id, e.char_start, e.char_end) for e in i.evidence} for i in covered]
    holding: dict[tuple[int, int, int], list[int]] = {}  # span -> the covered items quoting it, in order
    for n, spans in enumerate(covered_spans):
        for span in spans:
            holding.setdefault(span, []).append(n)
    for ann in m.select("intervention", roles=("worker", None)):
        spans = {(e.segment_id, e.char_start, e.char_end) for e in ann.evidence}
        candidates = holding.get(next(iter(spans)), []) if spans else range(len(covered))
        host = next((covered[n] for n in candidates if spans <= covered_spans[n]), None)
        if host is None:
            anns.append(ann)
        else:
            host.annotation_ids.append(ann.id)
    groups: dict[tuple[str, bool], list[Annotation]] = {}
    for ann in anns:
        unsure = m.unsure(ann) or (m.role(ann) is None and not m.notes)
        groups.setdefault((ann.subtype, unsure), []).append(ann)
    items = []
    for (subtype, _), group in groups.items():
        evidence = sorted((ev for a in group for ev in m.spoken(a)), key=lambda e: e.start)
        title = title_of(subtype, INTERVENTION_TITLES, "intervention")
        text = f"{prefix}{title}: {quoted(evidence, m.options.max_quotes)}"
        unknown = not m.notes and any(m.role(a) is None for a in group)
        extra = ["speaker unknown: confirm the worker said this"] if unknown else []
        items.append(m.item(group, text, extra))
    return _by_time(items)


def risk_items(m: Material) -> list[NoteItem]:
    """Risk indicators: affirmed first, then possible, past, hypothetical, about others; denials last.

    Every affirmed or possible indicator is marked for review: the worker must confirm it (or,
    for a possible one, decide whether it is current risk) and document the response before signing.
    """
    order = {
        "affirmed": 0,
        "possible": 1,
        "historical": 2,
        "hypothetical": 3,
        "other_person": 4,
        "negated": 5,
    }
    anns = sorted(m.select("risk"), key=lambda a: (order.get(_risk_status(a), 6), a.evidence[0].start))
    items = []
    for ann in anns:
        what = RISK_TITLES.get(ann.subtype, ann.subtype.replace("_", " "))
        role = m.role(ann)
        quotes = quoted(m.spoken(ann), m.options.max_quotes)
        if ann.status == "negated":
            if role:
                text = f"{role_word(role).capitalize()} denied {what}: {quotes}"
            else:  # typed notes say who denied it in their own words; a recording without roles cannot
                text = f"Denial of {what} {'documented' if m.notes else '(speaker not identified)'}: {quotes}"
            items.append(m.item([ann], text))
            continue
        status = _risk_status(ann)
        when = {
            "affirmed": "",
            "possible": " (for the worker to decide)",
            "historical": " (past)",
            "hypothetical": " (hypothetical or conditional)",
        }.get(status, " (concerning another person)")
        said = f"{role_word(role)} said" if role else ("noted" if m.notes else "speaker not identified")
        title = f"possible {what}" if status == "possible" else what
        text = f"{title[0].upper()}{title[1:]}{when} — {said}: {quotes}"
        extra = {
            "affirmed": ["risk indicator: confirm and document the response"],
            "possible": ["possible risk: decide whether this is current risk and document the response"],
        }.get(status, [])
        items.append(m.item([ann], text, extra))
    return [*(unmatched_risk_item(ann, problem) for ann, problem in m.unmatched_risks), *items]


def unmatched_risk_item(ann: Annotation, problem: str) -> NoteItem:
    """A risk indicator whose evidence is not in the transcript: no quote can be shown, so the line
    names only what was flagged and asks the worker to check it (it must not vanish from the note)."""
    what = RISK_TITLES.get(ann.subtype, ann.subtype.replace("_", " "))
    return NoteItem(
        id="",
        text=f"Risk indicator ({what}{_status(ann)}) flagged, but its evidence is not in this transcript",
        annotation_ids=[ann.id],
        needs_review=True,
        review_reason=f"{problem}: check the recording and document this risk yourself",
        origin="unmatched",
    )


def _risk_status(ann: Annotation) -> str:
    """The status a draft shows: an affirmed finding the tagger was unsure of is "possible"."""
    if ann.possible:
        return "possible"
    return ann.status


def risk_section(m: Material, items: Sequence[NoteItem] | None = None) -> NoteSection:
    """The risk section every format carries (``items``, by default the quoted risk items); never silently empty."""
    return section(
        "risk",
        "Risk assessment",
        risk_items(m) if items is None else items,
        empty_text="No risk indicators were identified in the transcript.",
    )


def plan_section(m: Material, items: Sequence[NoteItem] | None = None) -> NoteSection:
    """The Plan section: ``items``, by default the plan items; it says so when nothing was planned."""
    return section(
        "plan",
        "Plan",
        plan_items(m) if items is None else items,
        empty_text="No plan was discussed in the transcript; add next steps and the next appointment.",
    )


def plan_items(m: Material) -> list[NoteItem]:
    """Homework, referrals, next appointment and tasks, with who / when where the tagger found them."""
    items = []
    for ann in m.select("plan"):
        title = title_of(ann.subtype, PLAN_TITLES, "plan")
        who, when = ann.attributes.get("who", ""), ann.attributes.get("when", "")
        # "who" reads well only as a role ("us", "we" from the wording would not)
        details = [f"who: {who}"] * (who in ("client", "worker")) + [f"when: {when}"] * bool(when)
        suffix = f" ({'; '.join(details)})" if details else ""
        items.append(m.item([ann], f"{title}{suffix}: {quoted(m.spoken(ann), m.options.max_quotes)}"))
    return items


def change_talk_summary(m: Material) -> list[NoteItem]:
    """One assessment line counting the client's change talk; an interpretation, so always for review."""
    anns = m.select("goal", subtypes=CHANGE_TALK, roles=("client",), exclude_subtypes=())
    anns = [a for a in anns if a.status == "affirmed"]
    if not anns:
        return []
    counts = Counter(a.subtype for a in anns)
    parts = [f"{title_of(s, GOAL_TITLES).lower()} ({counts[s]})" for s in CHANGE_TALK if counts[s]]
    text = f"Client voiced change talk: {', '.join(parts)}. Worker to confirm readiness for change."
    return [m.item(anns, text, ["interpretation: confirm before signing"])]
