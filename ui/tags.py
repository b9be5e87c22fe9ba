"""Step 4, Tags review: what the tagger found, grouped by label, risk first, each with its quotes.

Accept, reject or correct each finding. A risk indicator cannot be waved
through: the draft is only made (and a note only signed) once every risk item
has been explicitly accepted or rejected.
"""

from __future__ import annotations

import gradio as gr
import pandas as pd

from note_formats.common import (
    GOAL_TITLES,
    INTERVENTION_TITLES,
    OBSERVATION_TITLES,
    PLAN_TITLES,
    RISK_TITLES,
    STATUS_WORDS,
    goal_title,
)
from scribe import workflow
from scribe.core.records import Annotation
from scribe.core.timefmt import clock
from ui import pipeline, playback
from ui.state import Desk, span, user_errors
from ui.wiring import TabView, Wiring

#: Label, heading, letter used in row references — risk first.
GROUPS = (
    ("risk", "Risk indicators — decide each one", "R"),
    ("goal", "Client's goals and change talk", "G"),
    ("intervention", "Interventions you used", "I"),
    ("observation", "Observations", "O"),
    ("plan", "Plans and next steps", "P"),
)
SUBTYPES = {
    "risk": RISK_TITLES,
    "goal": GOAL_TITLES,
    "intervention": INTERVENTION_TITLES,
    "observation": OBSERVATION_TITLES,
    "plan": PLAN_TITLES,
}
STATUSES = ("affirmed", "negated", "historical", "hypothetical", "other_person")
STATUS_LABELS = {"affirmed": "said", **STATUS_WORDS}
COLUMNS = ["Ref", "Kind", "Context", "Who", "Quote", "Time", "Decision"]
DECISIONS = {"pending": "open", "accepted": "✓ accepted", "rejected": "✗ rejected", "edited": "✎ corrected"}
RISK_OPEN_STYLE = "background-color: #fde2e1"
REJECTED_STYLE = "color: #8a8a8a; text-decoration: line-through"


def kind(ann: Annotation) -> str:
    if ann.label == "goal":
        return goal_title(ann)
    titles = SUBTYPES.get(ann.label, {})
    return titles.get(ann.subtype) or ann.subtype.replace("_", " ").capitalize()


def refs(desk: Desk) -> dict[str, Annotation]:
    """Row references ("R1", "G2", ...) in the order the annotations are held."""
    out: dict[str, Annotation] = {}
    for label, _, letter in GROUPS:
        for n, ann in enumerate((a for a in desk.annotations if a.label == label), 1):
            out[f"{letter}{n}"] = ann
    return out


def quote(ann: Annotation, limit: int = 140) -> str:
    text = " … ".join(ev.quote.strip() for ev in ann.evidence if ev.quote.strip())
    return f"“{text[:limit]}…”" if len(text) > limit else f"“{text}”"


def group_table(desk: Desk, label: str):
    timed = desk.timed
    rows = []
    for ref, ann in refs(desk).items():
        if ann.label != label:
            continue
        decision = DECISIONS.get(ann.review, ann.review)
        if label == "risk" and ann.review == "pending":
            decision = "⚠ decide"
        who = ann.role or (ann.evidence[0].role if ann.evidence else None) or "—"
        time = clock(ann.evidence[0].start) if ann.evidence and timed else "—"
        context = STATUS_LABELS.get(ann.status, ann.status)
        if ann.possible:
            context = "possible: decide"
        rows.append([ref, kind(ann), context, who, quote(ann), time, decision])
    df = pd.DataFrame(rows, columns=COLUMNS)

    def style(row: pd.Series) -> list[str]:
        if row["Decision"] == "⚠ decide":
            return [RISK_OPEN_STYLE] * len(row)
        if row["Decision"] == DECISIONS["rejected"]:
            return [REJECTED_STYLE] * len(row)
        return [""] * len(row)

    return df.style.apply(style, axis=1).hide(axis="index")


# --- handlers ----------------------------------------------------------------------------


def _find(desk: Desk, ref: str) -> Annotation:
    ann = refs(desk).get(ref)
    if ann is None:
        raise gr.Error("That tag is no longer listed (the transcript changed). Click it again in the table.")
    return ann


def _selected(desk: Desk) -> Annotation:
    desk.need_transcript()
    for ann in desk.annotations:
        if ann.id == desk.selected_annotation:
            return ann
    raise gr.Error("Click a tag in one of the tables first.")


@user_errors
def open_annotation(desk: Desk, ref: str) -> tuple[Desk, str, gr.Audio, gr.Dropdown, gr.Dropdown, str]:
    """Select a tag: its quotes with times, a clip of the first, and its fields for correcting."""
    desk.need_transcript()
    ann = _find(desk, ref)
    desk.selected_annotation = ann.id
    audio = None
    if ann.evidence and desk.need_transcript().source == "audio":
        audio = playback.clip(desk, ann.evidence[0].start, ann.evidence[-1].end)
    choices = list(SUBTYPES.get(ann.label, {}))
    if ann.subtype not in choices:
        choices.append(ann.subtype)
    return (
        desk,
        describe(desk),
        gr.Audio(value=audio, visible=audio is not None),
        gr.Dropdown(choices=choices, value=ann.subtype),
        gr.Dropdown(choices=[(STATUS_LABELS[s], s) for s in STATUSES], value=ann.status),
        ann.text,
    )


def describe(desk: Desk) -> str:
    """The selected tag: what it is, who said it, the decision so far, and every quote with its time."""
    found = [(ref, a) for ref, a in refs(desk).items() if a.id == desk.selected_annotation]
    if not found or desk.transcript is None:
        return "Click a tag in a table below."
    ref, ann = found[0]
    lines = [
        f"**{ref} · {kind(ann)}** ({ann.label}) — context: {STATUS_LABELS.get(ann.status, ann.status)}, "
        f"said by: {ann.role or 'speaker not identified'}, decision: **{DECISIONS.get(ann.review, ann.review)}**",
    ]
    timed = desk.timed
    lines += [f"- {span(ev.start, ev.end) + ' ' if timed else ''}“{ev.quote.strip()}”" for ev in ann.evidence]
    if ann.confidence < 1.0:
        lines.append(f"\nTagger confidence {ann.confidence:.2f}" + (f" ({ann.source})" if ann.source else ""))
    return "\n".join(lines)


def on_select(desk: Desk, evt: gr.SelectData):
    row = evt.row_value or []
    if not row:
        raise gr.Error("Click on a tag row.")
    return open_annotation(desk, str(row[0]))


def _after_change(desk: Desk, what: str) -> str:
    had_draft = desk.draft is not None
    desk.need_store().save_annotations(desk.need_session().id, desk.annotations)
    notices = pipeline.refresh_draft(desk)
    msg = [what]
    open_risk = len(workflow.pending_risks(desk.annotations))
    if open_risk:
        msg.append(f"{open_risk} risk item(s) still need your decision.")
    elif desk.draft is not None:
        msg.append(
            "The draft is updated." if had_draft else "Every risk item is decided: the draft is ready."
        )
    return "\n\n".join([*msg, *notices])


@user_errors
def decide(desk: Desk, decision: str) -> tuple[Desk, str]:
    """Accept or reject the selected tag; the draft follows (rejected tags leave the note)."""
    if decision not in ("accepted", "rejected"):
        raise ValueError(decision)
    ann = _selected(desk)
    ann.review = decision  # type: ignore[assignment]
    word = "Accepted" if decision == "accepted" else "Rejected"
    return desk, _after_change(desk, f"{word}: {kind(ann)} — {quote(ann, 60)}")


@user_errors
def edit_annotation(desk: Desk, subtype: str | None, status: str | None, text: str) -> tuple[Desk, str]:
    """Correct what the tag says (its kind, its context, its short summary); counts as accepting it."""
    ann = _selected(desk)
    subtype = subtype or ann.subtype
    status = status or ann.status
    if status not in STATUSES:
        raise gr.Error(f"Choose the context: {', '.join(STATUSES)}.")
    if (subtype, status, (text or "").strip()) == (ann.subtype, ann.status, ann.text):
        return desk, "Nothing changed."
    ann.attributes.setdefault("ui_key", workflow.decision_key(ann)[0])
    ann.subtype, ann.status = subtype, status  # type: ignore[assignment]
    ann.text = (text or "").strip() or ann.text
    ann.review = "edited"
    return desk, _after_change(desk, f"Corrected: {kind(ann)} ({STATUS_LABELS.get(status, status)}).")


# --- view --------------------------------------------------------------------------------


def render(desk: Desk) -> list:
    if desk.transcript is None:
        head = "No tags yet. Capture the session first."
    elif not desk.annotations:
        head = "No tags were found. Add what matters to the draft yourself (Draft tab)."
    else:
        head = pipeline.tag_summary(desk) + " Click a row to see its quotes, hear it, and decide."
    out: list = [head, describe(desk)]
    for label, _, _ in GROUPS:
        out.append(group_table(desk, label))
    return out


def build(w: Wiring) -> TabView:
    """The Tags review tab: one table per label, risk first, and the selected tag's editor."""
    tables = []
    with gr.Tab("4 · Tags review", id="tags", elem_id="tab-tags"):
        head = gr.Markdown(elem_id="tags-head")
        with gr.Group(elem_id="tag-panel"):  # sticky: the buttons stay in view while scrolling the lists
            info = gr.Markdown("Click a tag in a table below.", elem_id="tag-info", elem_classes=["detail"])
            clip = gr.Audio(
                label="Where it was said",
                interactive=False,
                autoplay=True,
                visible=False,
                elem_id="tag-audio",
            )
            with gr.Row():
                accept_btn = gr.Button("✓ Accept", variant="primary", elem_id="tag-accept")
                reject_btn = gr.Button("✗ Reject", variant="stop", elem_id="tag-reject")
            with gr.Accordion("Correct this tag", open=False):
                with gr.Row():
                    subtype = gr.Dropdown(
                        label="Kind", choices=[], allow_custom_value=True, elem_id="tag-kind"
                    )
                    status = gr.Dropdown(
                        label="Context",
                        choices=[(STATUS_LABELS[s], s) for s in STATUSES],
                        elem_id="tag-status",
                    )
                summary = gr.Textbox(label="Short summary", elem_id="tag-text")
                edit_btn = gr.Button("Save correction", elem_id="tag-save")
            message = gr.Markdown(elem_id="tags-message")
        for label, heading, _ in GROUPS:
            gr.Markdown(f"### {heading}")
            table = gr.Dataframe(
                headers=COLUMNS,
                interactive=False,
                wrap=True,
                column_widths=["56px", "150px", "96px", "80px", "46%", "72px", "112px"],
                max_height=1600,  # one long page rather than a box that scrolls inside it
                elem_id=f"tags-{label}",
            )
            tables.append(table)
    d = w.desk
    for table in tables:
        w.on(table.select, on_select, [d], [d, info, clip, subtype, status, summary], refresh=False)
    w.on(accept_btn.click, lambda desk: decide(desk, "accepted"), [d], [d, message])
    w.on(reject_btn.click, lambda desk: decide(desk, "rejected"), [d], [d, message])
    w.on(edit_btn.click, edit_annotation, [d, subtype, status, summary], [d, message])
    return TabView([head, info, *tables], render)
