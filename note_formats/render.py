"""A draft as the worker reads it: one view shared by every writer, then Markdown and plain text.

``view(draft)`` decides once what is shown (deleted items are not, worker-authored
items are, marked as such), how timestamps and review marks read, and which
sections are tables; the Markdown, text, DOCX and PDF writers only lay it out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from note_formats.common import BLANK
from note_formats.registry import HEADER_FACTS, NoteFormat, get_format
from scribe.core.errors import NoteError
from scribe.core.records import NoteDraft, NoteItem, NoteSection
from scribe.core.timefmt import clock

#: Shown under a section whose items the worker all deleted (never the "none found" text).
ALL_REMOVED = "All items in this section were removed during review."
MAX_STAMPS = 4


@dataclass
class LineView:
    text: str
    #: "[03:12]" or "[03:12, 05:40 +2]"; empty for the worker's own items.
    stamp: str
    #: "REVIEW: low confidence (0.41)", "edited", "added by worker", ...
    marks: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def time(self) -> str:
        """When the line starts: a table row shows its first time only."""
        return self.stamp.strip("[]").split(",")[0].split(" +")[0]

    def cell(self, key: str) -> str:
        """A table cell: "time", "text" (with its marks) or an extra field."""
        if key == "time":
            return self.time
        if key == "text":
            return self.text + "".join(f" [{m}]" for m in self.marks)
        return self.fields.get(key, "")


@dataclass
class SectionView:
    key: str
    title: str
    lines: list[LineView]
    #: Shown when ``lines`` is empty.
    message: str
    #: (field, heading) pairs when the section is a table.
    columns: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class NoteView:
    title: str
    header: list[tuple[str, str]]
    sections: list[SectionView]
    footer: str
    #: Landscape pages suit a many-column table.
    wide: bool = False


def stamp(item: NoteItem) -> str:
    """Where the item rests: "[03:12, 05:40]"; for untimed typed notes, paragraphs: "[¶3]"."""
    if not item.evidence:
        return ""
    if all(ev.start == ev.end == 0.0 for ev in item.evidence):
        refs = [f"¶{n + 1}" for n in sorted({ev.segment_id for ev in item.evidence})]
    else:
        refs = [clock(s) for s in sorted({round(ev.start) for ev in item.evidence})]
    more = f" +{len(refs) - MAX_STAMPS}" if len(refs) > MAX_STAMPS else ""
    return f"[{', '.join(refs[:MAX_STAMPS])}{more}]"


def review_parts(reason: str) -> list[tuple[str, str]]:
    """A review reason's parts as (what was found, what the worker does): "possible risk (0.48):
    decide whether this is current risk; low confidence (0.41)" -> [("possible risk (0.48)",
    "decide whether this is current risk"), ("low confidence (0.41)", "")]."""
    out = []
    for part in filter(None, (p.strip() for p in reason.split("; "))):
        # the last ": " outside brackets: "(1 unclear word(s): And)" is part of what was found
        depth, cut = 0, -1
        for n, ch in enumerate(part):
            depth += (ch == "(") - (ch == ")")
            if depth == 0 and part.startswith(": ", n):
                cut = n
        out.append((part[:cut], part[cut + 2 :]) if cut > 0 else (part, ""))
    return out


def review_key(found: str) -> str:
    """What a review mark names, without its scores: "possible risk (0.48)" -> "possible risk"."""
    return re.sub(r"\s*\([^)]*\)", "", found).strip()


def marks(item: NoteItem) -> list[str]:
    """The marks a line carries. A review mark names what was found; what the worker does about
    it is said once for the draft, in its footer (``review_guide``)."""
    out = []
    if item.needs_review:
        found = "; ".join(dict.fromkeys(f for f, _ in review_parts(item.review_reason)))
        out.append(f"REVIEW: {found}" if found else "REVIEW")
    out.append(
        {"edited": "edited by worker", "added": "added by worker", "dictated": "dictated by worker"}.get(
            item.origin, ""
        )
    )
    return [m for m in out if m]


def review_guide(items: Iterable[NoteItem]) -> str:
    """What the worker does for each kind of review mark in ``items``, once per kind, in order:
    "possible risk: decide whether this is current risk; risk screen: document the response"."""
    todo: dict[str, str] = {}
    for item in items:
        if item.needs_review:
            for found, what in review_parts(item.review_reason):
                if what:
                    todo.setdefault(review_key(found), what)
    return "; ".join(f"{k}: {v}" for k, v in todo.items())


def _section_view(sec: NoteSection, columns: list[tuple[str, str]]) -> SectionView:
    shown = [i for i in sec.items if not i.deleted]
    message = ""
    if not shown:
        message = ALL_REMOVED if sec.items else sec.empty_text or "None."
    lines = [LineView(i.text, stamp(i), marks(i), dict(i.fields)) for i in shown]
    return SectionView(sec.key, sec.title, lines, message, columns)


def view(draft: NoteDraft) -> NoteView:
    """What a rendered draft shows, in order."""
    try:  # a draft in a template that is no longer installed still renders, under its name
        fmt: NoteFormat | None = get_format(draft.format)
    except NoteError:
        fmt = None
    title = fmt.title if fmt else draft.format.upper()
    h = draft.header
    facts = {
        "client": h.client_id or "(not given)",
        "date": h.session_date or "(not given)",
        "duration": f"{h.duration_minutes:g} min" if h.duration_minutes else "(not recorded)",
        "session_type": h.session_type or "(not given)",
        "participants": ", ".join(h.participants) or "(not identified)",
        "worker": h.worker or "(not given)",
    }
    # the format's header facts in its order; by default all of them, the worker when given
    shown = fmt.header if fmt and fmt.header else [k for k in HEADER_FACTS if k != "worker" or h.worker]
    header = [(HEADER_FACTS[k], facts[k]) for k in shown]
    header += [(label, BLANK) for label in (fmt.header_blanks if fmt else ())]
    sections = []
    for sec in draft.sections:
        columns = list(fmt.columns) if fmt and sec.key in fmt.table_sections else []
        sections.append(_section_view(sec, columns))
    if draft.signed_at:
        status = f"Signed by {draft.signed_by or 'the worker'} on {draft.signed_at}."
    else:
        status = "DRAFT — review before signing."
    footer = (
        f"{status} Generated lines cite the session time they rest on; lines marked REVIEW need the "
        "worker's check; lines marked as the worker's were written by the worker."
    )
    guide = review_guide(i for sec in draft.sections for i in sec.items if not i.deleted)
    if guide:
        footer += f" To review: {guide}."
    wide = any(s.columns for s in sections)
    return NoteView(title=title, header=header, sections=sections, footer=footer, wide=wide)


# --- Markdown and plain text ---------------------------------------------------------


def _md_escape_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def _line(line: LineView) -> str:
    parts = [line.text]
    if line.stamp:
        parts.append(line.stamp)
    parts.extend(f"[{m}]" for m in line.marks)
    return " ".join(parts)


def render_markdown(draft: NoteDraft) -> str:
    """The draft as Markdown; table sections become pipe tables."""
    v = view(draft)
    out = [f"# {v.title}", ""]
    out += [f"- **{label}:** {value}" for label, value in v.header]
    for sec in v.sections:
        out += ["", f"## {sec.title}", ""]
        if not sec.lines:
            out.append(f"_{sec.message}_")
        elif sec.columns:
            out.append("| " + " | ".join(h for _, h in sec.columns) + " |")
            out.append("|" + "---|" * len(sec.columns))
            for line in sec.lines:
                out.append("| " + " | ".join(_md_escape_cell(line.cell(k)) for k, _ in sec.columns) + " |")
        else:
            out += [f"- {_line(line)}" for line in sec.lines]
    out += ["", "---", f"_{v.footer}_", ""]
    return "\n".join(out)


def render_text(draft: NoteDraft) -> str:
    """The draft as plain text, ready to paste into an EHR text box (no markup)."""
    v = view(draft)
    out = [v.title.upper(), ""]
    out += [f"{label}: {value}" for label, value in v.header]
    for sec in v.sections:
        out += ["", sec.title.upper()]
        if not sec.lines:
            out.append(sec.message)
        elif sec.columns:
            # A table does not survive a text box: one block per row, filled columns only.
            for line in sec.lines:
                who = line.fields.get("speaker", "")
                out.append(f"{line.stamp} {who}: {line.cell('text')}".strip())
                for key, heading in sec.columns:
                    if key not in ("time", "text", "speaker") and line.cell(key):
                        out.append(f"    {heading}: {line.cell(key)}")
        else:
            out += [f"- {_line(line)}" for line in sec.lines]
    out += ["", v.footer, ""]
    return "\n".join(out)
