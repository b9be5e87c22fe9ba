"""The worker's changes to a draft: edit, add (typed or dictated), delete, restore, accept.

Each function changes the draft in place, appends a ``NoteEdit`` to
``draft.edits`` and returns the item it touched. Nothing is ever removed: a
deleted item is kept with ``deleted=True`` (and not rendered), an edited item
keeps what the program first wrote in ``original_text``. Because the changes
live in the draft record, they survive re-rendering, re-export and a JSON round trip.
"""

from __future__ import annotations

from scribe.errors import NoteError
from scribe.records import NoteDraft, NoteEdit, NoteItem, NoteSection, now_iso

WORKER_ORIGINS = ("added", "dictated")


def find_item(draft: NoteDraft, item_id: str) -> tuple[NoteSection, NoteItem]:
    """The section and item with ``item_id``."""
    for sec in draft.sections:
        for item in sec.items:
            if item.id == item_id:
                return sec, item
    raise NoteError(f"The draft has no item {item_id!r}. Re-open the draft and pick an item that is listed.")


def _editable(draft: NoteDraft) -> None:
    if draft.signed_at:
        raise NoteError(
            f"This note was signed on {draft.signed_at}"
            f"{' by ' + draft.signed_by if draft.signed_by else ''}; a signed note cannot be changed."
        )


def _log(draft: NoteDraft, action: str, sec: NoteSection, item: NoteItem, **kw: str | None) -> None:
    draft.edits.append(NoteEdit(at=now_iso(), action=action, section=sec.key, item_id=item.id, **kw))


def edit_item(draft: NoteDraft, item_id: str, text: str, *, keep_evidence: bool = True) -> NoteItem:
    """Replace an item's wording.

    A generated item becomes ``origin="edited"``: it keeps its evidence (still
    labelled as edited from the source) and ``original_text`` keeps the program's
    wording. With ``keep_evidence=False`` the worker says the new wording no
    longer rests on those quotes: the evidence is dropped and the item becomes
    the worker's own (``origin="added"``). Editing counts as reviewing it.
    """
    _editable(draft)
    sec, item = find_item(draft, item_id)
    text = text.strip()
    if not text:
        raise NoteError("The new text is empty. To remove the item, delete it instead.")
    if item.deleted:
        raise NoteError(f"Item {item_id} is deleted; restore it before editing.")
    if text == item.text and (keep_evidence or not item.evidence):
        return item
    before = item.text
    if item.origin == "generated":
        item.original_text = before
        item.origin = "edited"
    if not keep_evidence and item.evidence:
        item.evidence = []
        item.annotation_ids = []
        item.origin = "added"
    item.text = text
    item.needs_review = False
    _log(draft, "edit", sec, item, before=before, after=text)
    return item


def add_item(
    draft: NoteDraft,
    section_key: str,
    text: str,
    *,
    origin: str = "added",
    after: str | None = None,
    fields: dict[str, str] | None = None,
) -> NoteItem:
    """Add the worker's own sentence (typed: ``origin="added"``, dictated: ``"dictated"``).

    It has no evidence and is rendered as the worker's. It goes at the end of the
    section, or right after item ``after``.
    """
    _editable(draft)
    if origin not in WORKER_ORIGINS:
        raise NoteError(f"An added item's origin must be one of {', '.join(WORKER_ORIGINS)}, not {origin!r}.")
    text = text.strip()
    if not text:
        raise NoteError("The new item is empty. Type or dictate some text first.")
    try:
        sec = draft.section(section_key)
    except KeyError:
        keys = ", ".join(s.key for s in draft.sections)
        raise NoteError(f"The draft has no section {section_key!r}. Sections: {keys}.") from None
    taken = {item.id for s in draft.sections for item in s.items}
    n = 1
    while f"{section_key}-w{n}" in taken:
        n += 1
    item = NoteItem(id=f"{section_key}-w{n}", text=text, origin=origin, fields=dict(fields or {}))
    position = len(sec.items)
    if after is not None:
        after_sec, after_item = find_item(draft, after)
        if after_sec is not sec:
            raise NoteError(f"Item {after} is in section {after_sec.key!r}, not {section_key!r}.")
        position = sec.items.index(after_item) + 1
    sec.items.insert(position, item)
    _log(draft, "add", sec, item, after=text)
    return item


def delete_item(draft: NoteDraft, item_id: str) -> NoteItem:
    """Soft-delete: the item stays in the record (``deleted=True``) but is no longer rendered."""
    _editable(draft)
    sec, item = find_item(draft, item_id)
    if not item.deleted:
        item.deleted = True
        _log(draft, "delete", sec, item, before=item.text)
    return item


def restore_item(draft: NoteDraft, item_id: str) -> NoteItem:
    """Undo a deletion."""
    _editable(draft)
    sec, item = find_item(draft, item_id)
    if item.deleted:
        item.deleted = False
        _log(draft, "restore", sec, item, after=item.text)
    return item


def edit_field(draft: NoteDraft, item_id: str, field: str, value: str) -> NoteItem:
    """Fill or change an extra column, e.g. a process recording's reflections or supervisor comment."""
    _editable(draft)
    sec, item = find_item(draft, item_id)
    before = item.fields.get(field, "")
    value = value.strip()
    if value != before:
        item.fields[field] = value
        _log(draft, "edit_field", sec, item, before=before, after=value, field=field)
    return item


def accept_item(draft: NoteDraft, item_id: str) -> NoteItem:
    """The worker checked an item marked for review and keeps it as it is."""
    _editable(draft)
    sec, item = find_item(draft, item_id)
    if item.needs_review:
        item.needs_review = False
        _log(draft, "accept", sec, item, before=item.review_reason)
    return item
