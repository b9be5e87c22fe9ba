"""The worker's changes to a draft: edit, add (typed or dictated), delete, restore, accept.

Each function changes the draft in place, appends a ``NoteEdit`` to
``draft.edits`` and returns the item it touched. Nothing is ever removed: a
deleted item is kept with ``deleted=True`` (and not rendered), an edited item
keeps what the program first wrote in ``original_text``. Because the changes
live in the draft record, they survive re-rendering, re-export and a JSON round trip.
``carry_edits`` moves them onto a draft rebuilt after the tags changed or in
another format.
"""

from __future__ import annotations

from scribe.core.errors import NoteError
from scribe.core.records import NoteDraft, NoteEdit, NoteItem, NoteSection, check_typed_text, now_iso

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
    text = check_typed_text(text.strip(), "The new text")
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
    elif item.origin == "template":  # a filled-in blank is the worker's line, in the blank's place
        item.original_text = before
        item.origin = "added"
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
    text = check_typed_text(text.strip(), "The new item")
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
    value = check_typed_text(value.strip(), f"The {field}")
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


def carry_edits(old: NoteDraft, new: NoteDraft) -> list[str]:
    """Carry the worker's work from ``old`` into ``new``, rebuilt from changed tags or in another format.

    Changes ``new`` in place and returns notices for the worker.

    A generated line is matched by the text the program wrote, in the same
    section; it takes over the worker's wording, deletion, columns and review
    decision. The worker's own lines move across to the same section. Lines
    whose source was rejected, or whose section the new format lacks, are named.
    """
    notices: list[str] = []
    if old.format == new.format:
        new.id, new.created_at = old.id, old.created_at
    new.edits = list(old.edits)
    taken = {i.id for s in new.sections for i in s.items}
    for old_sec in old.sections:
        new_sec = next((s for s in new.sections if s.key == old_sec.key), None)
        pool: dict[str, list[NoteItem]] = {}
        for item in new_sec.items if new_sec else []:
            pool.setdefault(item.text, []).append(item)
        anchor: NoteItem | None = None
        for item in old_sec.items:
            blank = item.original_text if item.origin in WORKER_ORIGINS else None
            if blank and pool.get(blank) and pool[blank][0].origin == "template":
                target = pool[blank].pop(0)  # the worker filled in the template's blank: keep it filled
                target.text, target.origin, target.original_text = item.text, item.origin, blank
                target.deleted = item.deleted
                anchor = target
                continue
            if item.origin in WORKER_ORIGINS:
                if new_sec is None:
                    if not item.deleted:
                        notices.append(
                            f"Your line “{item.text}” has no {old_sec.title} section here; add it again."
                        )
                    continue
                copy = NoteItem.from_dict(item.to_dict())
                if copy.id in taken:
                    n = 1
                    while f"{new_sec.key}-w{n}" in taken:
                        n += 1
                    copy.id = f"{new_sec.key}-w{n}"
                taken.add(copy.id)
                pos = new_sec.items.index(anchor) + 1 if anchor is not None else len(new_sec.items)
                new_sec.items.insert(pos, copy)
                anchor = copy
                continue
            written = item.original_text if item.origin == "edited" and item.original_text else item.text
            match = pool.get(written, [])
            if not match:
                if item.origin == "edited" and not item.deleted:
                    notices.append(
                        f"Your edited line “{item.text}” was removed: the tags it rested on changed."
                    )
                continue
            target = match.pop(0)
            anchor = target
            if item.origin == "edited":
                target.text, target.origin, target.original_text = item.text, "edited", item.original_text
            target.deleted = item.deleted
            target.fields.update({k: v for k, v in item.fields.items() if v})
            if target.needs_review and not item.needs_review and item.review_reason == target.review_reason:
                target.needs_review = False  # the worker already accepted this very concern
    return notices
