"""Step 5, Draft: choose the format, edit lines in place, add your own, check evidence, export, sign.

Every generated line shows the session times and quotes it rests on; click a
line to read and hear them. Edits are saved as they are made (a new draft
version each time). A signed note is immutable; changing it starts an amendment.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import gradio as gr

from note_formats import (
    FORMATS,
    STYLES,
    accept_item,
    add_item,
    delete_item,
    edit_field,
    edit_item,
    export,
    find_item,
    get_format,
    render_markdown,
    render_text,
    restore_item,
)
from note_formats.templates import install_template, load_user_templates, user_template_dir
from scribe import workflow
from scribe.asr.live import split_section_command
from scribe.core.errors import NoteError
from scribe.core.records import NoteDraft, NoteItem
from scribe.core.timefmt import clock
from ui import goals, pipeline, playback
from ui.state import Desk, span, user_errors
from ui.wiring import TabView, Wiring

COLUMNS = ["Ref", "Section", "Line", "Evidence", "Check"]
EXPORTS = (("docx", "Word (DOCX)"), ("pdf", "PDF"), ("md", "Markdown"), ("txt", "Text"))
#: Columns a process recording leaves for the worker to fill in.
FIXED_COLUMNS = ("time", "speaker", "text")


def evidence_text(item: NoteItem, timed: bool = True, limit: int = 2) -> str:
    if not item.evidence:
        return "your own line" if item.origin in ("added", "dictated") else ""
    when = (lambda ev: clock(ev.start) + " ") if timed else (lambda ev: "")
    # Two findings may rest on the same words (e.g. finances and housing): quote them once.
    unique = list({(ev.start, ev.quote.strip()): ev for ev in item.evidence}.values())
    shown = [f"{when(ev)}“{ev.quote.strip()[:80]}”" for ev in unique[:limit]]
    more = len(unique) - limit
    return "; ".join(shown) + (f" (+{more} more)" if more > 0 else "")


def check_text(item: NoteItem) -> str:
    if item.deleted:
        return "deleted"
    marks = []
    if item.needs_review:
        marks.append(f"⚠ {item.review_reason or 'check'}")
    marks.append({"edited": "edited", "added": "yours", "dictated": "yours (dictated)"}.get(item.origin, ""))
    return " · ".join(m for m in marks if m)


def item_rows(draft: NoteDraft | None, timed: bool = True) -> list[list[str]]:
    if draft is None:
        return []
    return [
        [item.id, title, item.text, evidence_text(item, timed), check_text(item)]
        for title, item in pipeline.flat_items(draft)
    ]


def file_stem(desk: Desk) -> str:
    s = desk.need_session()
    client = re.sub(r"[^A-Za-z0-9_-]+", "-", s.client_id).strip("-") or "client"
    return f"note-{client}-{s.session_date}"


# --- handlers ----------------------------------------------------------------------------


@user_errors
def make_draft(desk: Desk, fmt: str, style: str = "prose") -> tuple[Desk, str]:
    """Build (or rebuild in another format or wording) the draft; the worker's edits are carried over."""
    desk.need_transcript()
    get_format(fmt)
    desk.style = style if style in STYLES else "prose"
    notices = pipeline.refresh_draft(desk, fmt, force=True)
    return desk, "\n\n".join([f"Draft ready: {get_format(fmt).title}.", *notices])


def format_choices() -> list[tuple[str, str]]:
    """The formats to choose from: built in, and the templates in the worker's folder."""
    return [(f.title, name) for name, f in list(FORMATS.items())]  # a copy: other requests may add one


def broken_templates() -> str:
    """The templates in the worker's folder that cannot be used, each with its one-line error."""
    broken = load_user_templates()
    return "\n".join(f"- Template not loaded: {b.error}" for b in broken)


@user_errors
def load_template(desk: Desk, path: str | None) -> tuple[Desk, Any, str]:
    """A template file the worker chose: checked, kept in their template folder, and selected."""
    if not path:
        raise gr.Error("Choose a template file (.toml) first.")
    try:
        fmt = install_template(Path(path))
    finally:
        Path(path).unlink(missing_ok=True)
    desk.fmt = fmt.name
    notes = [f"Template loaded: **{fmt.title}**, kept in {user_template_dir()}. Make the draft to use it."]
    notes += [f"Warning: {w}" for w in fmt.warnings]
    return desk, gr.Radio(choices=format_choices(), value=fmt.name), "\n\n".join(notes)


def _save(desk: Desk) -> None:
    desk.need_store().save_draft(desk.need_session().id, desk.need_draft())


@user_errors
def apply_table_edits(desk: Desk, rows: Any) -> tuple[Desk, Any]:
    """Lines edited in place in the table become edits of the draft (saved at once)."""
    draft = desk.need_draft()
    if hasattr(rows, "values"):  # a DataFrame
        rows = rows.values.tolist()
    changed = []
    for row in rows or []:
        if len(row) < 3 or not row[0]:
            continue
        _, item = find_item(draft, str(row[0]))
        text = str(row[2] or "").strip()
        if text and text != item.text:
            edit_item(draft, item.id, text)
            changed.append(item.id)
        elif not text and not item.deleted:
            raise gr.Error("A line cannot be empty. To remove it, click it and choose Delete line.")
    if not changed:
        return desk, gr.skip()
    _save(desk)
    return desk, f"Saved your wording of {', '.join(changed)}."


@user_errors
def open_item(desk: Desk, ref: str) -> tuple[Desk, str, gr.Audio, str, gr.Dropdown]:
    """Select a line: its evidence (every quote with its time), a clip to hear, its wording."""
    draft = desk.need_draft()
    _, item = find_item(draft, ref)
    desk.selected_item = item.id
    audio = None
    if item.evidence and desk.need_transcript().source == "audio":
        audio = playback.clip(desk, item.evidence[0].start, item.evidence[0].end)
    columns = [k for k, _ in get_format(draft.format).columns if k not in FIXED_COLUMNS]
    return (
        desk,
        describe(desk),
        gr.Audio(value=audio, visible=audio is not None),
        item.text,
        gr.Dropdown(choices=columns, value=columns[0] if columns else None),
    )


def describe(desk: Desk) -> str:
    """The selected line: its state and every quote (with time and speaker) it rests on."""
    if desk.draft is None or desk.selected_item is None:
        return "Click a line to see the quotes it rests on."
    try:
        sec, item = find_item(desk.draft, desk.selected_item)
    except NoteError:
        return "Click a line to see the quotes it rests on."
    lines = [f"**{item.id}** in {sec.title} — {check_text(item) or 'generated'}", ""]
    if item.evidence:
        timed = desk.timed
        lines.append("It rests on:")
        lines += [
            f"- {span(ev.start, ev.end) + ' ' if timed else ''}{ev.role or ''} “{ev.quote.strip()}”"
            for ev in item.evidence
        ]
    else:
        lines.append("Your own line: it rests on no quote.")
    if item.origin == "edited" and item.original_text:
        lines.append(f"\nThe program wrote: {item.original_text}")
    return "\n".join(lines)


def on_select(desk: Desk, evt: gr.SelectData):
    row = evt.row_value or []
    if not row:
        raise gr.Error("Click on a line of the draft.")
    return open_item(desk, str(row[0]))


def _selected(desk: Desk) -> str:
    desk.need_draft()
    if desk.selected_item is None:
        raise gr.Error("Click a line of the draft first.")
    return desk.selected_item


@user_errors
def line_action(desk: Desk, action: str) -> tuple[Desk, str]:
    """Accept a line marked for review as written, delete it, or restore a deleted one."""
    ref = _selected(desk)
    fn = {"accept": accept_item, "delete": delete_item, "restore": restore_item}[action]
    fn(desk.need_draft(), ref)
    _save(desk)
    return desk, {
        "accept": f"{ref} accepted as written.",
        "delete": f"{ref} deleted (it can be restored).",
        "restore": f"{ref} restored.",
    }[action]


@user_errors
def save_wording(desk: Desk, text: str) -> tuple[Desk, str]:
    ref = _selected(desk)
    edit_item(desk.need_draft(), ref, text or "")
    _save(desk)
    return desk, f"Saved your wording of {ref}."


@user_errors
def save_column(desk: Desk, field: str | None, value: str) -> tuple[Desk, str]:
    """Fill a process recording's column (reflections, supervisor comment...) for the selected line."""
    ref = _selected(desk)
    if not field:
        raise gr.Error("This format has no columns to fill in.")
    edit_field(desk.need_draft(), ref, field, value or "")
    _save(desk)
    return desk, f"Saved {field} of {ref}."


@user_errors
def add_line(desk: Desk, section: str | None, text: str) -> tuple[Desk, str, str]:
    """Add the worker's own line; "Add to plan: ..." picks the section by itself. Clears the box."""
    draft = desk.need_draft()
    text = (text or "").strip()
    # Unchanged dictation is marked as dictated (the note says so); anything retyped is the worker's typing.
    origin = "dictated" if desk.dictated and desk.dictated.strip() == text else "added"
    named, body = split_section_command(text)
    keys = {s.key: s.key for s in draft.sections} | {s.title.lower(): s.key for s in draft.sections}
    if named and named in keys:
        section, text = keys[named], body
    if not section:
        raise gr.Error("Choose the section the line goes in.")
    item = add_item(draft, section, text, origin=origin)
    desk.dictated = ""
    _save(desk)
    return desk, f"Added {item.id} to {draft.section(section).title}.", ""


@user_errors
def dictate_line(desk: Desk, path: str | None, text: str) -> tuple[Desk, str, None]:
    """Dictation -> the new-line box (the worker checks it, then adds it)."""
    dictated = pipeline.dictate(desk, path)
    joined = f"{text.rstrip()} {dictated}" if (text or "").strip() else dictated
    desk.dictated = joined
    return desk, joined, None


@user_errors
def export_note(desk: Desk, kind: str) -> tuple[Desk, gr.File, str]:
    """Write the note as DOCX, PDF, Markdown or text for download (a plain copy: it leaves the store)."""
    draft = desk.need_draft()
    # Logged before the file exists, so no plain copy leaves the store unrecorded.
    desk.need_store().log_export(desk.need_session().id, kind, draft_id=draft.id)
    path = export(draft, desk.work() / f"{file_stem(desk)}.{kind}", kind)
    state = "signed note" if draft.signed_at else "draft (not signed)"
    return (
        desk,
        gr.File(value=str(path), visible=True),
        f"Exported the {state} as {Path(path).name}. Download it below.",
    )


@user_errors
def sign(desk: Desk, signed_by: str, reviewed: bool) -> tuple[Desk, str]:
    """Sign the note: it becomes immutable (later changes are amendments)."""
    draft = desk.need_draft()
    if draft.signed_at:
        return desk, f"Already signed on {draft.signed_at}."
    workflow.require_risks_decided(desk.annotations)
    flagged = [i.id for _, i in pipeline.flat_items(draft) if i.needs_review and not i.deleted]
    if flagged:
        raise gr.Error(
            f"Lines still marked ⚠ for review: {', '.join(flagged)}. Accept, edit or delete each first."
        )
    if not reviewed:
        raise gr.Error("Tick “I have read and checked this note” to sign it.")
    _save(desk)
    desk.draft = desk.need_store().sign_draft(
        desk.need_session().id, draft.id, signed_by=(signed_by or "").strip() or None
    )
    desk.session = desk.need_store().get_session(desk.need_session().id)
    return desk, f"Signed by {desk.draft.signed_by} on {desk.draft.signed_at}. The note can no longer change."


@user_errors
def amend(desk: Desk) -> tuple[Desk, str]:
    """Start an amendment of a signed note (the signed version stays as it was)."""
    draft = desk.need_draft()
    if not draft.signed_at:
        return desk, "The note is not signed: edit it directly."
    desk.draft = desk.need_store().amend_draft(desk.need_session().id, draft.id)
    return desk, "Amendment started: edit, then sign again. The signed version is kept."


# --- view --------------------------------------------------------------------------------


def render(desk: Desk) -> list:
    draft = desk.draft
    if desk.transcript is None:
        head = "No transcript yet. Capture the session first."
    elif draft is None and workflow.pending_risks(desk.annotations):
        head = (
            f"**Drafting waits for you:** {len(workflow.pending_risks(desk.annotations))} risk indicator(s) need an explicit "
            "choice on Tags review (accept or reject)."
        )
    elif draft is None:
        head = "Choose a format and make the draft."
    else:
        items = [i for _, i in pipeline.flat_items(draft) if not i.deleted]
        flagged = sum(i.needs_review for i in items)
        known = FORMATS.get(draft.format)  # a template since removed still shows its draft
        head = f"**{known.title if known else draft.format}** — {len(items)} lines"
        head += f", **{flagged} marked ⚠ for review**." if flagged else "."
        if draft.signed_at:
            head = f"**Signed** by {draft.signed_by} on {draft.signed_at}. " + head
        else:
            head += " Edit a line by double-clicking its text; click a line to see its evidence."
    sections = [(s.title, s.key) for s in draft.sections] if draft else []
    return [
        head,
        describe(desk),
        gr.Dataframe(
            value=item_rows(draft, desk.timed),
            interactive=draft is not None and not draft.signed_at,
        ),
        render_markdown(draft) if draft else "",
        render_text(draft) if draft else "",
        gr.Dropdown(choices=sections),
        gr.Radio(choices=format_choices(), value=draft.format if draft else desk.fmt),
    ]


def build(w: Wiring) -> TabView:
    """The Draft tab."""
    with gr.Tab("5 · Draft", id="draft", elem_id="tab-draft"):
        head = gr.Markdown(elem_id="draft-head")
        with gr.Row():
            unusable = broken_templates()  # reads the worker's template folder
            fmt = gr.Radio(format_choices(), value="soap", label="Format", elem_id="format", scale=3)
            style = gr.Radio(
                [("Sentences", "prose"), ("Quotes", "quotes")],
                value="prose",
                label="Wording",
                elem_id="style",
                scale=1,
            )
            with gr.Column(scale=1):
                make_btn = gr.Button("Make / rebuild draft", elem_id="make-draft")
                template_file = gr.UploadButton(
                    "Load a note template (.toml)", file_types=[".toml"], size="sm", elem_id="template-file"
                )
        gr.Markdown(unusable, elem_id="template-problems")
        table = gr.Dataframe(
            headers=COLUMNS,
            datatype="str",
            type="array",
            interactive=True,
            static_columns=[0, 1, 3, 4],
            wrap=True,
            column_widths=["120px", "120px", "42%", "24%", "12%"],
            max_height=520,
            elem_id="draft-items",
        )
        message = gr.Markdown(elem_id="draft-message")
        with gr.Group():
            info = gr.Markdown(
                "Click a line to see the quotes it rests on.", elem_id="item-info", elem_classes=["detail"]
            )
            clip = gr.Audio(
                label="Where it was said",
                interactive=False,
                autoplay=True,
                visible=False,
                elem_id="item-audio",
            )
            wording = gr.Textbox(label="Wording", lines=2, elem_id="item-text")
            with gr.Row():
                save_btn = gr.Button("Save wording", variant="primary", elem_id="item-save")
                accept_btn = gr.Button("Accept as is", elem_id="item-accept")
                delete_btn = gr.Button("Delete line", elem_id="item-delete")
                restore_btn = gr.Button("Restore line", elem_id="item-restore")
            with gr.Accordion("Fill in a column (process recording)", open=False):
                with gr.Row():
                    field = gr.Dropdown(label="Column", choices=[], elem_id="item-field")
                    value = gr.Textbox(label="Text", scale=3, elem_id="item-field-value")
                field_btn = gr.Button("Save column", size="sm")
        with gr.Group():
            gr.Markdown("### Add your own line", elem_classes=["step-title"])
            with gr.Row():
                section = gr.Dropdown(label="Section", choices=[], elem_id="add-section")
                new_text = gr.Textbox(
                    label="Line (typed or dictated)",
                    scale=3,
                    placeholder="e.g. Add to plan: call the school",
                    elem_id="add-text",
                )
            with gr.Row():
                dictation = gr.Audio(
                    sources=["microphone"], type="filepath", label="Dictate the line", elem_id="dictate-line"
                )
                with gr.Column():
                    dictate_btn = gr.Button("Use the dictation", size="sm")
                    add_btn = gr.Button("Add line", variant="primary", elem_id="add-line")
        with gr.Accordion("Preview", open=False):
            preview = gr.Markdown(elem_id="draft-preview")
        with gr.Group():
            gr.Markdown("### Export, copy, sign", elem_classes=["step-title"])
            with gr.Row():
                export_btns = [
                    gr.Button(label, size="sm", elem_id=f"export-{kind}") for kind, label in EXPORTS
                ]
            download = gr.File(label="Download", interactive=False, visible=False, elem_id="download")
            copy = gr.Textbox(
                label="Plain text to paste into your agency's system (copy button at the top right)",
                lines=10,
                max_lines=20,
                interactive=False,
                buttons=["copy"],
                elem_id="copy-text",
            )
            with gr.Row():
                signed_by = gr.Textbox(
                    label="Signed by", placeholder="Your name and credentials", elem_id="signed-by"
                )
                reviewed = gr.Checkbox(label="I have read and checked this note", elem_id="reviewed")
            with gr.Row():
                sign_btn = gr.Button("Sign note", variant="primary", elem_id="sign")
                amend_btn = gr.Button("Start an amendment", elem_id="amend")
        panel = goals.build(w)  # the client's goals beside the draft
    d = w.desk
    w.on(make_btn.click, make_draft, [d, fmt, style], [d, message])
    w.on(template_file.upload, load_template, [d, template_file], [d, fmt, message], refresh=False)
    w.on(table.input, apply_table_edits, [d, table], [d, message])
    w.on(table.select, on_select, [d], [d, info, clip, wording, field], refresh=False)
    w.on(save_btn.click, save_wording, [d, wording], [d, message])
    for action, btn in (("accept", accept_btn), ("delete", delete_btn), ("restore", restore_btn)):
        w.on(btn.click, lambda desk, a=action: line_action(desk, a), [d], [d, message])
    w.on(field_btn.click, save_column, [d, field, value], [d, message])
    w.on(dictate_btn.click, dictate_line, [d, dictation, new_text], [d, new_text, dictation], refresh=False)
    w.on(add_btn.click, add_line, [d, section, new_text], [d, message, new_text])
    for (kind, _), btn in zip(EXPORTS, export_btns, strict=True):
        w.on(btn.click, lambda desk, k=kind: export_note(desk, k), [d], [d, download, message], refresh=False)
    w.on(sign_btn.click, sign, [d, signed_by, reviewed], [d, message])
    w.on(amend_btn.click, amend, [d], [d, message])
    return TabView(
        [head, info, table, preview, copy, section, fmt, *panel.views],
        lambda desk: render(desk) + panel.render(desk),
    )
