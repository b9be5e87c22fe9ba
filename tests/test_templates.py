"""Note templates written as files: the schema and its one-line errors, where templates live, ratings
stated in the session, the worker's edits, every export, and a template proposed from an agency's note."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from note_fixtures import DENIAL_QUOTE, GOAL_QUOTE, counselling_annotations, counselling_transcript

from note_formats import (
    FORMATS,
    DraftOptions,
    build_draft,
    carry_edits,
    check_faithfulness,
    check_grounding,
    edit_item,
    export,
    get_format,
    render_markdown,
    render_text,
)
from note_formats.from_example import kinds_for, propose_template
from note_formats.template_file import TemplateError, parse_template, read_template
from note_formats.templates import load_user_templates, use_template_file, user_template_dir
from scribe.cli import cli
from scribe.core.records import NoteDraft
from scribe.transcripts.typed import text_to_transcript

#: An agency's own progress note, written only as a file.
AGENCY = """\
name = "riverside"
title = "Riverside Family Services progress note"
header = ["client", "date", "worker"]
header_blanks = ["Program", "Funding source"]

[[sections]]
heading = "Presenting problem"
content = ["client_report", "goals"]
empty = "Nothing the client reported was identified; add the presenting problem."

[[sections]]
heading = "Interventions"
content = ["interventions", "observations"]

[[sections]]
heading = "Safety"
content = ["risk"]

[[sections]]
key = "plan"
heading = "Plan and next steps"
content = ["plans"]

[[sections]]
key = "coordination"
heading = "Coordination of care"
empty = "To be completed by the worker: calls, letters and referrals made for the client."

[[sections]]
key = "attestation"
heading = "Attestation"
fixed = "I attest that this note accurately reflects the service provided."
fields = ["Clinician signature", "Date signed"]
"""
CONVERSATION = """\
Worker: What brings you in today?
Client: I have been sleeping maybe four hours a night because I worry about the rent.
Worker: It sounds like the money worries follow you to bed.
Client: Exactly. I want to get back on my feet.
Worker: Have you had any thoughts of harming yourself?
Client: No, I have never thought about killing myself.
Worker: For this week, could you write down your worries before bed?
Client: Yes, I will write them down every night.
"""
EMDR = """\
Worker: When you bring up the image of the accident now, how disturbing does it feel, from 0 to 10, where 10 is the worst?
Client: Maybe a six. My chest gets tight.
Worker: And the words I am safe now, how true do they feel, from 1 completely false to 7 completely true?
Client: About a three.
Worker: Notice that. When you go back to the image, how disturbing is it now?
Client: It's down to a two, I think.
"""


@pytest.fixture(autouse=True)
def only_builtin_formats():
    """Templates a test registers are gone after it: every test sees the built-ins only."""
    yield
    for name in [n for n, f in FORMATS.items() if f.origin in ("user", "file")]:
        del FORMATS[name]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def session():
    tr = counselling_transcript()
    return tr, counselling_annotations(tr)


# --- the file and its schema -------------------------------------------------------------------


def test_the_classic_formats_are_template_files_and_the_examples_ship():
    for name in ("soap", "dap", "birp", "girp", "pie", "sirp", "emdr", "discharge"):
        fmt = get_format(name)
        assert fmt.origin == "built-in" and Path(fmt.path).is_file() and fmt.places_goal_progress
        assert read_template(Path(fmt.path)).name == name
    assert get_format("process").origin == "code"


BAD = [
    ('title = "x"\n[[sections]\nheading = "A"', "bad.toml: not valid TOML"),
    ('[[sections]]\nheading = "A"', "bad.toml: title: is required"),
    (
        'title = "x"\n[[sections]]\nheading = "A"\n[[sections]]\nheading = "Plan"\ncontent = ["plans", "obsrvations"]',
        "bad.toml: sections[2] (Plan).content[2]: 'obsrvations' is not one of: 'goals'",
    ),
    (
        'title = "x"\n[[sections]]\nheading = "A"\nemtpy = "y"',
        "bad.toml: sections[1] (A).emtpy: is not a template key",
    ),
    (
        'title = "x"\n[[sections]]\nheading = "A"\ncontent = "goals"',
        "bad.toml: sections[1] (A).content: input should be",
    ),
    (
        'title = "x"\n[[sections]]\nheading = "A"\ncontent = ["goals"]\n[[sections]]\nheading = "B"\ncontent = ["goals"]',
        "bad.toml: sections[2] (B).content: 'goals' is already in section 'A'",
    ),
    (
        'title = "x"\n[[sections]]\nheading = "Safety"\nkey = "safety"\ncontent = ["risk"]',
        "the section holding risk has the key 'risk'",
    ),
    (
        'title = "x"\n[[sections]]\nheading = "A"\n[[sections.ratings]]\nlabel = "SUD"\nwords = ["sud"]\nmin = 10\nmax = 0',
        "bad.toml: sections[1] (A).ratings[1]: min must be below max",
    ),
    ('title = "x"\nsections = []', "bad.toml: sections: the template has no sections"),
    ('name = "My Agency"\ntitle = "x"\n[[sections]]\nheading = "A"', "bad.toml: name: 'My Agency' must be"),
    (
        'title = "x"\n[[sections]]\nheading = "A\\u0085B"',
        "bad.toml: sections[1].heading: The heading must be one line",
    ),
    (
        'title = "x"\n[[sections]]\nheading = "A"\n[[sections]]\nheading = "a"',
        "'a' is used by another section",
    ),
]


@pytest.mark.parametrize(("text", "error"), BAD)
def test_a_bad_template_is_one_line_naming_file_key_and_problem(text, error, tmp_path):
    with pytest.raises(TemplateError) as err:
        read_template(write(tmp_path / "bad.toml", text))
    message = str(err.value)
    assert error in message and "\n" not in message


def test_a_template_without_risk_gets_a_risk_section_with_a_warning():
    t = parse_template(
        'title = "Brief note"\n[[sections]]\nheading = "Summary"\ncontent = ["client_report"]', "b.toml"
    )
    assert [s.key for s in t.sections] == ["summary", "risk"]
    assert t.warnings and "risk is never left out" in t.warnings[0]


def test_a_template_without_risk_still_documents_the_denial(tmp_path):
    fmt = use_template_file(
        write(
            tmp_path / "brief.toml",
            'title = "Brief note"\n[[sections]]\nheading = "Summary"\ncontent = ["goals"]',
        )
    )
    tr, anns = session()
    d = build_draft(fmt.name, tr, anns, DraftOptions(style="quotes"))
    assert [s.key for s in d.sections] == ["summary", "risk"]
    assert [i.text for i in d.section("risk").items] == [f'Client denied suicidal ideation: "{DENIAL_QUOTE}"']
    assert check_grounding(d, tr) == []


# --- where templates live --------------------------------------------------------------------


def test_the_user_folder_adds_templates_and_a_broken_one_never_hides_the_builtins():
    folder = user_template_dir()
    folder.mkdir(parents=True)
    write(folder / "riverside.toml", AGENCY)
    write(folder / "broken.toml", 'title = "x"\n[[sections]]\nheading = "A"\ncontent = ["nope"]')
    write(folder / "soap.toml", 'title = "Our SOAP"\n[[sections]]\nheading = "A"')
    broken = load_user_templates()
    assert {b.path.name for b in broken} == {"broken.toml", "soap.toml"}
    assert any("broken.toml: sections[1] (A).content[1]: 'nope'" in b.error for b in broken)
    assert any("'soap' is already a built-in format" in b.error for b in broken)
    assert FORMATS["riverside"].origin == "user" and FORMATS["soap"].title == "SOAP note"
    tr, anns = session()
    assert check_grounding(build_draft("riverside", tr, anns, DraftOptions(style="quotes")), tr) == []
    (folder / "riverside.toml").unlink()
    load_user_templates()
    assert "riverside" not in FORMATS


def test_a_template_saved_in_the_folder_is_found_by_name_without_a_restart():
    assert "riverside" not in FORMATS
    user_template_dir().mkdir(parents=True)
    write(user_template_dir() / "agency.toml", AGENCY)
    assert get_format("riverside").title == "Riverside Family Services progress note"


# --- drafting in a template ------------------------------------------------------------------


@pytest.mark.parametrize("style", ["quotes", "prose"])
def test_an_agency_template_draft_is_grounded_faithful_and_holds_its_own_text(style, tmp_path):
    fmt = use_template_file(write(tmp_path / "riverside.toml", AGENCY))
    tr, anns = session()
    d = build_draft(fmt.name, tr, anns, DraftOptions(client_id="C-104", worker="J. Rivera", style=style))
    assert check_grounding(d, tr) == []
    if style == "prose":  # sentences say nothing their evidence does not (quotes are checked by grounding)
        assert check_faithfulness(d, tr) == []
    assert [s.key for s in d.sections] == [
        "presenting_problem",
        "interventions",
        "risk",
        "plan",
        "coordination",
        "attestation",
    ]
    assert GOAL_QUOTE.rstrip(".") in " ".join(i.text for i in d.section("presenting_problem").items)
    assert [i.text for i in d.section("attestation").items] == [
        "I attest that this note accurately reflects the service provided.",
        "Clinician signature: ________",
        "Date signed: ________",
    ]
    md = render_markdown(d)
    assert md.startswith("# Riverside Family Services progress note")
    assert "- **Worker:** J. Rivera\n- **Program:** ________\n- **Funding source:** ________" in md
    assert "Duration" not in md
    assert "_To be completed by the worker: calls, letters and referrals made for the client._" in md


def test_a_filled_in_blank_is_the_workers_line_and_survives_a_rebuild(tmp_path):
    fmt = use_template_file(write(tmp_path / "riverside.toml", AGENCY))
    tr, anns = session()
    d = build_draft(fmt.name, tr, anns, DraftOptions(style="quotes"))
    filled = edit_item(d, "attestation-field-1", "Clinician signature: J. Rivera, LCSW")
    assert filled.origin == "added" and filled.original_text == "Clinician signature: ________"
    assert check_grounding(d, tr) == []
    rebuilt = build_draft(fmt.name, tr, anns, DraftOptions(style="quotes"))
    carry_edits(d, rebuilt)
    texts = [i.text for i in rebuilt.section("attestation").items]
    assert texts == [
        "I attest that this note accurately reflects the service provided.",
        "Clinician signature: J. Rivera, LCSW",
        "Date signed: ________",
    ]
    assert "Clinician signature: J. Rivera, LCSW [added by worker]" in render_text(rebuilt)


# --- ratings stated in the session ---------------------------------------------------------------


def test_emdr_ratings_are_the_numbers_said_with_their_evidence():
    tr = text_to_transcript(EMDR)
    d = build_draft("emdr", tr, [], DraftOptions(style="quotes"))
    lines = [(i.text, i.fields.get("value")) for i in d.section("ratings").items]
    assert lines == [
        ('SUD: 6 — client said: "Maybe a six."', "6"),
        ('SUD: 2 — client said: "It\'s down to a two, I think."', "2"),
        ('VOC: 3 — client said: "About a three."', "3"),
    ]
    # the question that names the rating is cited beside the answer; the scale's numbers never count
    assert [e.segment_id for e in d.section("ratings").items[0].evidence] == [0, 1]
    # a number read as the answer to the question is the worker's to confirm
    assert all(i.needs_review and "answer to the" in i.review_reason for i in d.section("ratings").items)
    assert check_grounding(d, tr) == [] and check_faithfulness(d, tr) == []
    assert d.section("target").items[0].text == "Target memory / image: ________"


def test_a_rating_nobody_stated_is_left_blank_and_a_changed_number_fails_grounding():
    tr = text_to_transcript("Worker: How was the week?\nClient: Long. From 0 to 10 I would not know.\n")
    d = build_draft("emdr", tr, [], DraftOptions(style="quotes"))
    assert [i.text for i in d.section("ratings").items] == [
        "SUD: ________ (not stated in the session)",
        "VOC: ________ (not stated in the session)",
    ]
    rated = build_draft("emdr", text_to_transcript(EMDR), [], DraftOptions(style="quotes"))
    first = rated.section("ratings").items[0]
    first.text, first.fields["value"] = first.text.replace("6", "4", 1), "4"
    problems = check_grounding(rated, text_to_transcript(EMDR))
    assert any("rating '4' is not a number said" in str(p) for p in problems)


# --- the command line: listed, drafted, edited, exported ------------------------------------------


def scribe(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_template_file_is_listed_drafted_edited_and_exported_through_the_cli(tmp_path):
    """No Python: the agency's file is added, listed, drafted from a typed session (the real tagger),
    a blank filled and a line added, then exported in every format."""
    template = write(tmp_path / "riverside.toml", AGENCY)
    session_file = write(tmp_path / "session.txt", CONVERSATION)
    checked = scribe("formats", "check", str(template))
    assert checked.exit_code == 0 and "OK, format 'riverside'" in checked.output
    assert scribe("formats", "add", str(template)).exit_code == 0
    listed = scribe("formats", "list")
    assert "riverside  user" in listed.output and "soap" in listed.output
    draft_file = tmp_path / "draft.json"
    made = scribe(
        "note", str(session_file), "-f", "riverside", "--client", "C-9", "--no-store", "-o", str(draft_file)
    )
    assert made.exit_code == 0, made.output
    assert NoteDraft.load(draft_file).format == "riverside"
    edited = scribe(
        "edit",
        str(draft_file),
        "--set",
        "attestation-field-1",
        "Clinician signature: J. Rivera, LCSW",
        "--add",
        "coordination",
        "Called the housing office about rental assistance.",
        "-o",
        str(tmp_path / "note.docx"),
    )
    assert edited.exit_code == 0, edited.output
    d = NoteDraft.load(draft_file)
    assert [e.action for e in d.edits] == ["edit", "add"]
    for kind in ("md", "txt", "pdf", "json"):
        export(d, tmp_path / f"note.{kind}")
    body = "\n".join(p.text for p in docx.Document(str(tmp_path / "note.docx")).paragraphs)
    assert body.startswith("Riverside Family Services progress note")
    for text in ("Safety", "Clinician signature: J. Rivera, LCSW [added by worker]", "Program: ________"):
        assert text in body
    assert "Called the housing office" in (tmp_path / "note.md").read_text(encoding="utf-8")
    assert "COORDINATION OF CARE" in (tmp_path / "note.txt").read_text(encoding="utf-8")
    assert (tmp_path / "note.pdf").read_bytes().startswith(b"%PDF")
    assert json.loads((tmp_path / "note.json").read_text(encoding="utf-8"))["format"] == "riverside"


def test_note_takes_a_template_file_for_one_run_and_refuses_a_bad_one(tmp_path):
    tr, anns = session()
    transcript = tr.save(tmp_path / "session.json")
    annotations = write(tmp_path / "anns.json", json.dumps([a.to_dict() for a in anns]))
    brief = write(
        tmp_path / "brief.toml", 'title = "Brief note"\n[[sections]]\nheading = "Goals"\ncontent = ["goals"]'
    )
    given = ("--annotations", str(annotations), "--style", "quotes", "--no-store")
    result = scribe("note", str(transcript), *given, "--template", str(brief))
    assert result.exit_code == 0, result.output
    assert "# Brief note" in result.output and DENIAL_QUOTE in result.output
    assert "Warning: brief.toml: has no section with risk content" in result.output
    bad = write(tmp_path / "bad.toml", 'title = "x"\n[[sections]]\nheading = "A"\ncontent = ["nope"]')
    refused = scribe("note", str(transcript), *given, "--template", str(bad))
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        "Error: bad.toml: sections[1] (A).content[1]: 'nope' is not one of: 'goals', 'client_report', "
        "'observations', 'context', 'interventions', 'change_talk', 'goal_progress', 'risk' or 'plans'"
    ]


def test_formats_show_prints_a_template_to_start_from():
    shown = scribe("formats", "show", "soap")
    assert shown.exit_code == 0 and parse_template(shown.output, "soap.toml").title == "SOAP note"
    assert "built in code" in scribe("formats", "show", "process").output
    assert scribe("formats", "show", "nope").exit_code == 1


# --- a template proposed from an agency's existing note ------------------------------------------


AGENCY_NOTE_TXT = """\
EASTSIDE COUNSELING CENTER - PROGRESS NOTE
Client Name: ____________    Date of Service: ________
Clinician: ____________    Program: ____________

SUBJECTIVE:
Client reports ongoing stress about housing and poor sleep.

MENTAL STATUS / PRESENTATION:
Alert, oriented, anxious affect.

INTERVENTIONS USED:
Motivational interviewing; psychoeducation about sleep.

CLIENT RESPONSE:
Engaged; agreed to try a worry journal.

SAFETY:
Denies SI/HI.

PLAN / NEXT STEPS:
Follow up next Thursday.

COORDINATION OF CARE:
Called the housing office.

I attest that this note accurately reflects the service provided.
Clinician signature: ______________   Date: ________
"""


def test_from_example_txt_maps_headings_to_content_and_keeps_no_client_words(tmp_path):
    text = propose_template(write(tmp_path / "eastside.txt", AGENCY_NOTE_TXT))
    t = parse_template(text, "eastside.toml")
    assert t.title == "EASTSIDE COUNSELING CENTER - PROGRESS NOTE"
    assert [(s.heading, s.content) for s in t.sections] == [
        ("SUBJECTIVE", ("client_report",)),
        ("MENTAL STATUS / PRESENTATION", ("observations",)),
        ("INTERVENTIONS USED", ("interventions",)),
        ("CLIENT RESPONSE", ("goals", "change_talk", "goal_progress")),
        ("SAFETY", ("risk",)),
        ("PLAN / NEXT STEPS", ("plans",)),
        ("COORDINATION OF CARE", ()),
        ("Signature", ()),
    ]
    assert t.header == ("client", "date", "worker") and t.header_blanks == ("Program",)
    assert t.sections[-1].fixed.startswith("I attest") and t.sections[-1].fields == (
        "Clinician signature",
        "Date",
    )
    assert not t.warnings
    for words in ("housing", "worry journal", "Thursday", "SI/HI"):  # what the note said is never copied
        assert words not in text


def test_from_example_docx_reads_headings_styles_bold_and_form_tables(tmp_path):
    doc = docx.Document()
    doc.add_heading("Harbor Youth Services Session Note", level=0)
    doc.add_paragraph("Youth: __________")
    doc.add_heading("Reason for Referral", level=1)
    doc.add_paragraph("School refusal since October.")
    doc.add_paragraph().add_run("Clinical Impression").bold = True
    doc.add_paragraph("Anxious, avoids peers.")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Treatment goals", "Attend three days a week."
    table.cell(1, 0).text, table.cell(1, 1).text = "Family involvement", "Mother attended."
    doc.add_heading("Follow-up", level=1)
    path = tmp_path / "harbor.docx"
    doc.save(str(path))
    result = scribe("formats", "from-example", str(path), "-o", str(tmp_path / "harbor.toml"))
    assert result.exit_code == 0, result.output
    t = read_template(tmp_path / "harbor.toml")
    assert t.title == "Harbor Youth Services Session Note" and t.header == ("client",)
    assert [(s.heading, s.content) for s in t.sections] == [
        ("Reason for Referral", ("client_report",)),
        ("Clinical Impression", ("change_talk", "context")),
        ("Treatment goals", ("goals", "goal_progress")),
        ("Family involvement", ()),
        ("Follow-up", ("plans",)),
        ("Risk assessment", ("risk",)),  # none in the example: added, with a warning
    ]
    assert t.warnings
    assert "School refusal" not in (tmp_path / "harbor.toml").read_text(encoding="utf-8")


def test_heading_synonyms_from_common_layouts():
    assert kinds_for("Presenting problem") == ["client_report"]
    assert kinds_for("Assessment") == ["change_talk", "context"]
    assert kinds_for("Risk assessment") == ["risk"]
    assert kinds_for("Next steps") == ["plans"]
    assert kinds_for("Objective") == ["observations"] and kinds_for("Objectives") == [
        "goals",
        "goal_progress",
    ]
    assert kinds_for("Progress toward goals") == ["goal_progress"]
    assert kinds_for("Billing code") == []


def test_from_example_refuses_a_note_without_headings_and_other_files(tmp_path):
    for path, error in (
        (write(tmp_path / "plain.txt", "Client came in and we talked about work.\n"), "no headings found"),
        (write(tmp_path / "note.pdf", "%PDF-1.4"), "Give the example note as .docx, .txt or .md"),
        (write(tmp_path / "fake.docx", "not a zip"), "is not a Word document"),
    ):
        result = scribe("formats", "from-example", str(path))
        assert result.exit_code == 1 and error in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_the_readme_example_is_a_template_that_loads(repo_root: Path):
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    t = parse_template(example, "readme.toml")
    assert t.title == "Riverside Family Services progress note" and not t.warnings
    assert [s.key for s in t.sections] == ["presenting_problem", "risk", "attestation"]


@pytest.mark.parametrize("fmt", [name for name, f in FORMATS.items() if f.path])
def test_every_template_exports_its_sections_and_the_workers_edit_everywhere(fmt, tmp_path):
    tr, anns = session()
    d = build_draft(fmt, tr, anns, DraftOptions(client_id="C-104", style="quotes"))
    first = next(i for s in d.sections for i in s.items if i.origin == "generated")
    edit_item(d, first.id, "Reworded by the worker.")
    headings = [s.title for s in d.sections]
    md = export(d, tmp_path / "note.md").read_text(encoding="utf-8")
    txt = export(d, tmp_path / "note.txt").read_text(encoding="utf-8")
    assert all(f"## {h}" in md for h in headings) and all(h.upper() in txt for h in headings)
    assert "Reworded by the worker. [00:" in md and "[edited by worker]" in txt
    paragraphs = [p.text for p in docx.Document(str(export(d, tmp_path / "note.docx"))).paragraphs]
    assert paragraphs[0] == FORMATS[fmt].title and all(h in paragraphs for h in headings)
    assert export(d, tmp_path / "note.pdf").read_bytes().startswith(b"%PDF")
    assert NoteDraft.load(export(d, tmp_path / "note.json")) == d


def test_a_rating_said_with_its_name_is_direct_and_other_words_are_not_its_name():
    tr = text_to_transcript(
        "Worker: Suddenly you went quiet, and I counted 4 breaths.\n"
        "Client: 3 times it came back.\n"
        "Worker: So your SUD is at a 1 now, and the disturbance is gone.\n"
        "Client: Yes.\n"
    )
    (sud, voc) = build_draft("emdr", tr, [], DraftOptions(style="quotes")).section("ratings").items
    assert sud.text == 'SUD: 1 — worker said: "So your SUD is at a 1 now, and the disturbance is gone."'
    assert not sud.needs_review and [e.segment_id for e in sud.evidence] == [2]
    assert voc.text == "VOC: ________ (not stated in the session)"
