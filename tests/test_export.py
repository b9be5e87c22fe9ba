"""Exports open in their own tools and hold the note: Markdown, text, DOCX (read back), PDF, JSON."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from note_fixtures import (
    DENIAL_QUOTE,
    GOAL_QUOTE,
    HOMEWORK_QUOTE,
    counselling_annotations,
    counselling_transcript,
)

from note_formats import WRITERS, DraftOptions, add_item, build_draft, delete_item, edit_field, export
from scribe.core.errors import NoteError
from scribe.core.records import NoteDraft

TITLES = {
    "soap": ["Subjective", "Objective", "Assessment", "Risk assessment", "Plan"],
    "dap": ["Data", "Assessment", "Risk assessment", "Plan"],
    "birp": ["Behavior", "Intervention", "Response", "Risk assessment", "Plan"],
    "girp": ["Goals", "Intervention", "Response", "Risk assessment", "Plan"],
    "process": ["Client's goals", "Dialogue", "Risk assessment", "Plan"],
}
PROCESS_HEADINGS = [
    "Time",
    "Speaker",
    "Dialogue",
    "Skill / intervention",
    "Worker reflections",
    "Analysis",
    "Supervisor comment",
]
ADDED = "Client arrived on time, casually dressed; affect anxious but brightened."
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (Debian poppler-utils) is not installed"
)


def edited_draft(fmt: str) -> NoteDraft:
    """A draft with one worker addition and one deletion (the homework line)."""
    tr = counselling_transcript()
    options = DraftOptions(
        client_id="C-104", worker="J. Rivera", style="quotes"
    )  # lines found by their quotes
    d = build_draft(fmt, tr, counselling_annotations(tr), options)
    add_item(d, "risk", ADDED)
    homework = next(i for i in d.section("plan").items if HOMEWORK_QUOTE in i.text)
    delete_item(d, homework.id)
    return d


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True)
    return " ".join(out.stdout.split())  # columns and wrapping split sentences; compare word runs


def docx_text(path: Path) -> tuple[list[str], list[str], list[docx.table.Table]]:
    doc = docx.Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    return headings, [p.text for p in doc.paragraphs], doc.tables


@pytest.mark.parametrize("fmt", list(TITLES))
@pytest.mark.parametrize("kind", ["md", "txt"])
def test_text_exports(fmt, kind, tmp_path):
    d = edited_draft(fmt)
    text = export(d, tmp_path / f"note.{kind}").read_text(encoding="utf-8")
    for title in TITLES[fmt]:
        assert (title if kind == "md" else title.upper()) in text
    assert f'"{GOAL_QUOTE}"' in text
    assert DENIAL_QUOTE in text
    assert ADDED in text and "[added by worker]" in text
    assert HOMEWORK_QUOTE not in text.replace("could you " + HOMEWORK_QUOTE, "")  # only in the dialogue
    assert "Client: C-104" in text.replace("**", "")
    if kind == "txt":
        assert "#" not in text and "**" not in text and "|" not in text


@pytest.mark.parametrize("fmt", ["soap", "dap", "process"])
def test_docx_reads_back(fmt, tmp_path):
    d = edited_draft(fmt)
    headings, paragraphs, tables = docx_text(export(d, tmp_path / "note.docx"))
    assert headings[0] == {"soap": "SOAP note", "dap": "DAP note", "process": "Process recording"}[fmt]
    assert headings[1:] == TITLES[fmt]
    body = "\n".join(paragraphs)
    assert "Client: C-104" in body and "Worker: J. Rivera" in body
    assert f'Client denied suicidal ideation: "{DENIAL_QUOTE}" [00:40, 00:44]' in body
    assert f"{ADDED} [added by worker]" in body
    if fmt == "process":
        assert len(tables) == 1
        table = tables[0]
        assert [c.text for c in table.rows[0].cells] == PROCESS_HEADINGS
        rows = [[c.text for c in row.cells] for row in table.rows[1:]]
        assert len(rows) == len(d.section("dialogue").items) == 11
        assert rows[0][:4] == [
            "00:02",
            "Worker",
            "Hi Maria, thanks for coming in today. How have things been since we last met?",
            "Open question",
        ]
        assert "Risk: suicidal ideation (denied)" in rows[7][5]
    else:
        assert tables == []
        assert f'"{GOAL_QUOTE}"' in body
        assert HOMEWORK_QUOTE not in body


@needs_pdftotext
@pytest.mark.parametrize("fmt", ["soap", "dap", "process"])
def test_pdf_turns_back_into_text(fmt, tmp_path):
    d = edited_draft(fmt)
    if fmt == "process":
        edit_field(d, "dialogue-1", "supervisor", "Warm opening — good.")
    path = export(d, tmp_path / "note.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    text = pdf_text(path)
    for title in TITLES[fmt]:
        assert title in text
    assert "No, I have never thought about killing myself." in text
    assert ADDED.split(";")[0] in text
    if fmt == "process":
        for heading in ("Speaker", "Dialogue", "Analysis"):
            assert heading in text
        assert "Open question" in text and "Warm opening —" in text  # cells wrap: compare a short run
    else:
        assert GOAL_QUOTE in text
        assert HOMEWORK_QUOTE.split(" and ")[1] not in text


@needs_pdftotext
def test_pdf_keeps_non_ascii_text(tmp_path):
    tr = counselling_transcript()
    d = build_draft("dap", tr, [], DraftOptions(client_id="José Müller-Łukasz"))
    add_item(d, "plan", "Call Zoë’s school — “soon”, ½ day.")
    text = pdf_text(export(d, tmp_path / "n.pdf"))
    assert "José Müller-Łukasz" in text and "Call Zoë’s school — “soon”, ½ day." in text


def test_json_export_is_the_whole_record(tmp_path):
    d = edited_draft("process")
    back = NoteDraft.load(export(d, tmp_path / "note.json"))
    assert back == d
    assert any(i.deleted for s in back.sections for i in s.items)  # deletions are kept in the record
    assert [e.action for e in back.edits] == ["add", "delete"]


def test_every_writer_is_exercised():
    assert set(WRITERS) == {"md", "txt", "docx", "pdf", "json"}


def test_export_kind_and_bad_extensions(tmp_path):
    d = edited_draft("soap")
    out = export(d, tmp_path / "sub" / "note.out", kind="markdown")
    assert out.read_text(encoding="utf-8").startswith("# SOAP note")
    with pytest.raises(NoteError, match=r"Cannot export a note as 'rtf'.*\.md, \.txt, \.docx, \.pdf, \.json"):
        export(d, tmp_path / "note.rtf")
    with pytest.raises(NoteError, match="without an extension"):
        export(d, tmp_path / "note")


def test_unwritable_destination_is_an_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(NoteError, match="Could not write the note"):
        export(edited_draft("soap"), blocker / "note.md")


def test_pdf_without_fonts_says_what_to_install(tmp_path, monkeypatch):
    # the package's ``export`` is the function; the module is reached through sys.modules
    monkeypatch.setattr(sys.modules["note_formats.export"], "FONT_DIRS", (str(tmp_path),))
    monkeypatch.delenv("SCRIBE_FONT_DIR", raising=False)
    with pytest.raises(NoteError, match="fonts-dejavu-core"):
        export(edited_draft("soap"), tmp_path / "note.pdf")


@needs_pdftotext
def test_pdf_handles_a_turn_longer_than_a_page(tmp_path):
    tr = counselling_transcript()
    tr.segments[1].text = " ".join(f"w{i}" for i in range(2500))
    tr.segments[1].words = []
    d = build_draft("process", tr, [])
    words = pdf_text(export(d, tmp_path / "long.pdf")).split()
    assert [w for w in words if w.startswith("w") and w[1:].isdigit()] == [f"w{i}" for i in range(2500)]


def test_a_merged_turn_shows_when_it_starts(tmp_path):
    tr = counselling_transcript()
    for seg in tr.segments[:3]:
        seg.speaker, seg.role = "SPEAKER_00", "worker"
    d = build_draft("process", tr, [])
    md = export(d, tmp_path / "p.md").read_text(encoding="utf-8")
    assert "| 00:02 | Worker | Hi Maria," in md and "00:08" not in md
