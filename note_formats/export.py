"""Writers for a draft, in one registry (as whisperX keeps its output writers): md, txt, docx, pdf, json.

Every writer lays out the same ``render.view``: deleted items are not shown,
worker-authored items are, and a process recording's dialogue becomes a
multi-column table (landscape pages in DOCX and PDF).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from note_formats.render import NoteView, render_markdown, render_text, view
from scribe.core.errors import NoteError
from scribe.core.paths import private_output
from scribe.core.records import NoteDraft

Writer = Callable[[NoteDraft, Path], None]

#: Where the PDF writer looks for DejaVu (Debian: fonts-dejavu-core). SCRIBE_FONT_DIR comes first.
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts")
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
#: Relative widths of table columns in PDF (the dialogue gets the most room).
PDF_COLUMN_WEIGHTS = {"time": 7, "speaker": 8, "text": 36, "skill": 13, "analysis": 13}
ALIASES = {"markdown": "md", "text": "txt", "word": "docx"}
#: Longest text in one PDF table cell; a dialogue column this long still fits a landscape page.
PDF_CELL_CHARS = 1200


def write_md(draft: NoteDraft, path: Path) -> None:
    path.write_text(render_markdown(draft), encoding="utf-8")


def write_txt(draft: NoteDraft, path: Path) -> None:
    path.write_text(render_text(draft), encoding="utf-8")


def write_json(draft: NoteDraft, path: Path) -> None:
    """The whole record: items, evidence, edits, deleted items included."""
    path.write_text(draft.to_json(), encoding="utf-8")


def write_docx(draft: NoteDraft, path: Path) -> None:
    """A Word document (python-docx); table sections as a grid table on landscape pages."""
    write_docx_view(view(draft), path)


def write_docx_view(v: NoteView, path: Path) -> None:
    """Lay out any ``NoteView`` (a note, the client's goal plan) as a Word document."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt, RGBColor

    doc = Document()
    doc.core_properties.title = v.title
    page = doc.sections[0]
    if v.wide:
        page.orientation = WD_ORIENT.LANDSCAPE
        page.page_width, page.page_height = page.page_height, page.page_width
        page.left_margin = page.right_margin = Mm(15)
    doc.add_heading(v.title, level=0)
    for label, value in v.header:
        p = doc.add_paragraph()
        p.add_run(f"{label}: ").bold = True
        p.add_run(value)
    grey, red = RGBColor(0x60, 0x60, 0x60), RGBColor(0xB0, 0x30, 0x00)
    for sec in v.sections:
        doc.add_heading(sec.title, level=1)
        if not sec.lines:
            doc.add_paragraph().add_run(sec.message).italic = True
        elif sec.columns:
            table = doc.add_table(rows=1, cols=len(sec.columns))
            table.style = "Table Grid"
            for cell, (_, heading) in zip(table.rows[0].cells, sec.columns, strict=True):
                cell.paragraphs[0].add_run(heading).bold = True
            for line in sec.lines:
                cells = table.add_row().cells
                for cell, (key, _) in zip(cells, sec.columns, strict=True):
                    cell.paragraphs[0].add_run(line.cell(key)).font.size = Pt(9)
        else:
            for line in sec.lines:
                p = doc.add_paragraph(style="List Bullet")
                p.add_run(line.text)
                if line.stamp:
                    p.add_run(f" {line.stamp}").font.color.rgb = grey
                for mark in line.marks:
                    run = p.add_run(f" [{mark}]")
                    run.italic = True
                    run.font.color.rgb = red if mark.startswith("REVIEW") else grey
    doc.add_paragraph().add_run(v.footer).italic = True
    doc.save(str(path))


def font_files() -> dict[str, Path]:
    """The TTF files for regular, bold and italic text (Unicode: quotes, dashes, accented names)."""
    dirs = [d for d in (os.environ.get("SCRIBE_FONT_DIR"), *FONT_DIRS) if d]
    for folder in dirs:
        files = {style: Path(folder) / name for style, name in FONT_FILES.items()}
        if files[""].is_file():
            # Bold and italic are nice to have; the regular face alone still renders every character.
            return {style: f if f.is_file() else files[""] for style, f in files.items()}
    raise NoteError(
        "PDF export needs the DejaVu fonts: install the Debian package fonts-dejavu-core "
        "(scripts/setup.sh does this) or set SCRIBE_FONT_DIR to a folder holding DejaVuSans.ttf."
    )


def _chunks(text: str, size: int) -> list[str]:
    """``text`` in pieces of at most about ``size`` characters, cut between words."""
    pieces: list[str] = []
    while len(text) > size:
        cut = text.rfind(" ", 0, size)
        cut = cut if cut > 0 else size
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text]


def write_pdf(draft: NoteDraft, path: Path) -> None:
    """A PDF (fpdf2) with a Unicode font; table sections as a table on landscape pages."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    v: NoteView = view(draft)
    pdf = FPDF(orientation="L" if v.wide else "P", format="A4")
    pdf.set_title(v.title)
    pdf.set_auto_page_break(True, margin=15)
    for style, file in font_files().items():
        pdf.add_font("Body", style, str(file))
    pdf.add_page()
    pdf.set_font("Body", "B", 16)
    pdf.multi_cell(0, 9, v.title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(2)
    for label, value in v.header:
        pdf.set_font("Body", "B", 10)
        pdf.write(5, f"{label}: ")
        pdf.set_font("Body", "", 10)
        pdf.write(5, value)
        pdf.ln(5)
    for sec in v.sections:
        pdf.ln(3)
        pdf.set_font("Body", "B", 13)
        pdf.multi_cell(0, 7, sec.title, new_x="LMARGIN", new_y="NEXT", align="L")
        if not sec.lines:
            pdf.set_font("Body", "I", 10)
            pdf.multi_cell(0, 5, sec.message, new_x="LMARGIN", new_y="NEXT", align="L")
        elif sec.columns:
            pdf.set_font("Body", "", 8)
            weights = [PDF_COLUMN_WEIGHTS.get(key, 11) for key, _ in sec.columns]
            with pdf.table(
                col_widths=weights,
                text_align="LEFT",
                v_align="TOP",
                line_height=4,
                padding=1,
                headings_style=FontFace(emphasis="BOLD"),
            ) as table:
                row = table.row()
                for _, heading in sec.columns:
                    row.cell(heading)
                for line in sec.lines:
                    # fpdf2 cannot break a row across pages: a very long turn becomes continuation rows
                    pieces = [_chunks(line.cell(key), PDF_CELL_CHARS) for key, _ in sec.columns]
                    for n in range(max(len(p) for p in pieces)):
                        row = table.row()
                        for p in pieces:
                            row.cell(p[n] if n < len(p) else "")
        else:
            pdf.set_font("Body", "", 10)
            for line in sec.lines:
                extra = "".join(f" [{m}]" for m in line.marks)
                stamp = f" {line.stamp}" if line.stamp else ""
                pdf.multi_cell(
                    0, 5, f"•  {line.text}{stamp}{extra}", new_x="LMARGIN", new_y="NEXT", align="L"
                )
    pdf.ln(4)
    pdf.set_font("Body", "I", 8)
    pdf.multi_cell(0, 4, v.footer, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.output(str(path))


WRITERS: dict[str, Writer] = {
    "md": write_md,
    "txt": write_txt,
    "docx": write_docx,
    "pdf": write_pdf,
    "json": write_json,
}
#: Formats that can also be printed (the CLI writes these to stdout without --out).
RENDERERS: dict[str, Callable[[NoteDraft], str]] = {
    "md": render_markdown,
    "txt": render_text,
    "json": lambda draft: draft.to_json(),
}


def export_kind(path: str | Path, kind: str | None = None) -> str:
    """The writer key for ``path`` (from its extension unless ``kind`` is given)."""
    key = (kind or Path(path).suffix.lstrip(".")).lower()
    key = ALIASES.get(key, key)
    if key not in WRITERS:
        raise NoteError(
            f"Cannot export a note as {key or 'a file without an extension'!r}: "
            f"use one of {', '.join('.' + k for k in WRITERS)}."
        )
    return key


def export(draft: NoteDraft, path: str | Path, kind: str | None = None) -> Path:
    """Write ``draft`` to ``path`` in the format its extension (or ``kind``) names.

    The file is readable by the user only (mode 0600): a note is client information.
    """
    path = Path(path)
    writer = WRITERS[export_kind(path, kind)]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with private_output(path) as tmp:
            writer(draft, tmp)
    except OSError as exc:
        raise NoteError(f"Could not write the note to {path}: {exc.strerror or exc}.") from exc
    return path
