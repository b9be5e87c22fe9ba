"""A template proposed from an agency's existing note: its headings become sections, mapped to content.

The note's headings (Word heading styles, bold short paragraphs, the first cell of
a table row; in text, Markdown headings, short lines in capitals or ending in a
colon) become the template's sections, in order. A heading's words map it to the
kinds of content it holds, by the vocabularies of the common note layouts (SOAP,
DAP, BIRP, GIRP, PIE, SIRP, discharge and intake summaries); a heading nothing
maps to is a free-text section for the worker. "Label: value" lines before the
first section are header fields; signature lines and an attestation ("I attest
...") become a closing section of fixed text and blanks. What the note says under
its headings is never copied: it is client information, and the template is not.
The result is a proposal for the worker to check (``scribe formats check``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from note_formats.template_file import CONTENT_KINDS, MAX_TEMPLATE_BYTES, parse_template
from scribe.core.errors import NoteError
from scribe.core.textfile import decode_text, read_bounded

#: Heading words -> the content a section of that name holds, most specific first. Kinds already
#: placed by an earlier heading are dropped (a kind of content goes in one section).
SYNONYMS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("risk", "safety", "suicid", "self-harm", "harm to", "crisis", "danger"), ("risk",)),
    (("reason for", "presenting", "chief complaint"), ("client_report",)),  # "reason for referral"
    (
        ("progress toward", "progress towards", "progress on goal", "goal progress", "progress to goal"),
        ("goal_progress",),
    ),
    (
        (
            "plan",
            "next step",
            "follow-up",
            "follow up",
            "homework",
            "recommendation",
            "referral",
            "aftercare",
        ),
        ("plans",),
    ),
    (("intervention", "services provided", "technique", "treatment provided", "modalit"), ("interventions",)),
    (("response", "evaluation", "outcome", "progress"), ("goals", "change_talk", "goal_progress")),
    (("goal", "objectives"), ("goals", "goal_progress")),
    (
        ("objective", "observation", "mental status", "presentation", "appearance", "affect", "mse"),
        ("observations",),
    ),
    (("assessment", "impression", "formulation", "analysis", "diagnos"), ("change_talk", "context")),
    (("strength", "barrier", "stressor", "support", "psychosocial", "resource"), ("context",)),
    (
        (
            "subjective",
            "presenting",
            "client report",
            "reason for",
            "chief complaint",
            "situation",
            "problem",
            "behavior",
            "behaviour",
            "data",
            "history",
            "concern",
            "update",
            "symptom",
            "narrative",
        ),
        ("client_report",),
    ),
)
#: Header labels -> the header fact they are.
HEADER_SYNONYMS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("signature",), ""),
    (("client", "name", "patient", "consumer", "member", "youth"), "client"),
    (("date",), "date"),
    (("duration", "length", "minutes", "time spent"), "duration"),
    (("session type", "service type", "type of", "modality"), "session_type"),
    (("participant", "present", "attendee", "attended"), "participants"),
    (
        ("worker", "clinician", "therapist", "counselor", "counsellor", "staff", "provider", "case manager"),
        "worker",
    ),
)
SIGNATURE = re.compile(r"(?i)\b(signature|signed|attest|certif)")
ATTESTATION = re.compile(r"(?i)^\s*i\s+(attest|certify|confirm|declare)\b")
#: A first line with one of these words names the note, not a section ("Progress note").
TITLE_WORDS = re.compile(r"(?i)\b(note|summary|record|form|template)\b")
LABEL = re.compile(r"^\s*([A-Za-z][\w /&'()-]{0,40}?)\s*:\s*(.*)$")
#: Longest line read as a heading.
MAX_HEADING_WORDS = 8


@dataclass
class Line:
    text: str
    #: Marked as a heading by the document itself (a Word heading style, a bold paragraph).
    heading: bool = False


@dataclass
class Proposal:
    title: str = ""
    header: list[str] = field(default_factory=list)
    header_blanks: list[str] = field(default_factory=list)
    #: (heading, kinds)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    fixed: str = ""
    signature_fields: list[str] = field(default_factory=list)


def _docx_lines(path: Path) -> list[Line]:
    try:
        from docx import Document
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError:  # pragma: no cover - python-docx is a dependency
        raise NoteError("Reading .docx needs python-docx: pip install python-docx") from None
    try:
        doc = Document(str(path))
    except Exception as exc:  # python-docx raises several types for a file that is not a document
        raise NoteError(f"{path.name} is not a Word document this program can read ({exc}).") from None
    lines: list[Line] = []

    def paragraph(p: Paragraph) -> None:
        text = p.text.strip()
        if not text:
            return
        style = (p.style.name if p.style is not None else "") or ""
        bold = all(r.bold for r in p.runs if r.text.strip()) and any(r.text.strip() for r in p.runs)
        lines.append(Line(text, style.startswith(("Heading", "Title")) or bold))

    for child in doc.element.body.iterchildren():
        if child.tag.endswith("}p"):
            paragraph(Paragraph(child, doc))
        elif child.tag.endswith("}tbl"):
            for row in Table(child, doc).rows:
                cells = row.cells
                label = cells[0].text.strip()
                if label:  # a form: the label cell is the heading, the rest is the note's content
                    lines.append(Line(label, len(cells) > 1))
    return lines


def _text_lines(path: Path) -> list[Line]:
    text = decode_text(read_bounded(path, MAX_TEMPLATE_BYTES * 8, "an example note"), path.name, legacy=True)
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            out.append(Line(line.lstrip("#").strip(), True))
        else:
            out.append(Line(line.strip("*_ ").strip() if line.startswith(("**", "__")) else line))
    return out


def _words(text: str) -> str:
    return re.sub(r"[^a-z0-9 '/-]+", " ", text.lower()).strip()


def _is_heading(line: Line) -> tuple[bool, str]:
    """Whether ``line`` is a heading, and the heading's text (a trailing colon dropped)."""
    text = line.text.strip().rstrip(":").strip(" -–—*_")
    words = text.split()
    if not words or len(words) > MAX_HEADING_WORDS:
        return False, ""
    if line.heading:
        return True, text
    if line.text.rstrip().endswith(":"):
        return True, text
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and len(letters) > 1, text


def kinds_for(heading: str) -> list[str]:
    """The content a section called ``heading`` holds, by its words (``SYNONYMS``); [] for free text."""
    low = f" {_words(heading)} "
    for phrases, kinds in SYNONYMS:
        if any(f" {p}" in low for p in phrases):
            return list(kinds)
    return []


def _header_fact(label: str) -> str | None:
    low = _words(label)
    for phrases, fact in HEADER_SYNONYMS:
        if any(p in low for p in phrases):
            return fact or None
    return None


def _labels(text: str) -> list[str]:
    """The "Label:" names on a line ("Client: ___   Date: ___" has two)."""
    out = []
    for part in re.split(r"\t+|\s{2,}|\s\|\s", text):
        m = LABEL.match(part)
        if m and len(m.group(1).split()) <= 5:
            out.append(m.group(1).strip())
    return out


def propose(lines: list[Line], stem: str) -> Proposal:
    """The template a note of these lines suggests."""
    p = Proposal()
    placed: set[str] = set()
    started = False
    for n, line in enumerate(lines):
        if ATTESTATION.match(line.text):
            p.fixed = line.text.strip()
            continue
        labels = _labels(line.text)
        if labels and any(SIGNATURE.search(lab) for lab in labels):
            p.signature_fields += labels
            continue
        heading, text = _is_heading(line)
        if n == 0 and heading and not labels and (not kinds_for(text) or TITLE_WORDS.search(text)):
            p.title = text
            continue
        if labels and not line.text.rstrip().endswith(":"):
            # "Presenting problem: ..." opens a section; "Client: ___  Date: ___" above them is the header
            label = labels[0]
            if len(labels) == 1 and kinds_for(label) and _header_fact(label) is None:
                heading, text = True, label
            elif not started:
                for label in labels:
                    fact = _header_fact(label)
                    if fact and fact not in p.header:
                        p.header.append(fact)
                    elif not fact and label not in p.header_blanks:
                        p.header_blanks.append(label)
                continue
            else:
                continue
        if not heading or SIGNATURE.search(text):
            continue  # the note's content (never copied), or a signature block's own heading
        kinds = [k for k in kinds_for(text) if k not in placed]
        placed.update(kinds)
        p.sections.append((text, kinds))
        started = True
    if not p.title:
        p.title = stem.replace("_", " ").replace("-", " ").strip().capitalize() or "Agency note"
    return p


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def to_toml(p: Proposal, source: str) -> str:
    """The proposal as a template file, with comments for the worker."""
    unplaced = [k for k in CONTENT_KINDS if not any(k in kinds for _, kinds in p.sections)]
    out = [
        f"# Proposed from {source}: check each section's content, then run scribe formats check on this file.",
        f"# Content kinds: {', '.join(CONTENT_KINDS)}.",
    ]
    if unplaced:
        out.append(
            f"# Not placed in any section (add them to a section's content to include them): {', '.join(unplaced)}."
        )
    out += [f"title = {_toml(p.title)}"]
    if p.header:
        out.append(f"header = [{', '.join(map(_toml, p.header))}]")
    if p.header_blanks:
        out.append(f"header_blanks = [{', '.join(map(_toml, p.header_blanks))}]")
    keys: set[str] = set()
    for heading, kinds in p.sections:
        out += ["", "[[sections]]"]
        key = (
            "risk"
            if "risk" in kinds
            else re.sub(r"[^a-z0-9]+", "_", heading.lower()).strip("_")[:40] or "section"
        )
        while key in keys:
            key += "_2"
        keys.add(key)
        out.append(f"key = {_toml(key)}")
        out.append(f"heading = {_toml(heading)}")
        if kinds:
            out.append(f"content = [{', '.join(map(_toml, kinds))}]")
        else:
            out.append("# free text: the worker writes this section (no content kind matched its heading)")
            out.append(f"empty = {_toml('To be completed by the worker.')}")
    if p.fixed or p.signature_fields:
        out += ["", "[[sections]]", 'key = "attestation"', 'heading = "Signature"']
        if p.fixed:
            out.append(f"fixed = {_toml(p.fixed)}")
        if p.signature_fields:
            out.append(f"fields = [{', '.join(map(_toml, dict.fromkeys(p.signature_fields)))}]")
    return "\n".join(out) + "\n"


def propose_template(path: Path) -> str:
    """The template (TOML text) proposed from the note in ``path`` (.docx, .txt or .md)."""
    if not path.is_file():
        raise NoteError(f"No such file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        lines = _docx_lines(path)
    elif suffix in (".txt", ".md", ".text", ""):
        lines = _text_lines(path)
    else:
        raise NoteError(f"Give the example note as .docx, .txt or .md (got {path.name!r}).")
    p = propose(lines, path.stem)
    if not p.sections:
        raise NoteError(
            f"{path.name}: no headings found. Put each section's heading on its own line "
            "(ending with a colon, in capitals, or as a Word heading) and retry."
        )
    text = to_toml(p, path.name)
    parse_template(text, path.stem + ".toml")  # a proposal that does not load is a bug here
    return text
