"""``scribe note``: a session (audio, transcript JSON or typed notes) to a grounded draft note.

audio -> transcribe -> (who said it) -> tag -> draft -> export. Every stage runs on
this computer; a bad input ends with a one-line ``Error: ...`` and a non-zero exit.
"""

from __future__ import annotations

from pathlib import Path

import click

from note_formats import (
    STYLES,
    DraftOptions,
    accept_item,
    add_item,
    delete_item,
    edit_item,
    export,
    get_format,
)
from note_formats.export import RENDERERS, export_kind
from note_formats.templates import use_template_file
from scribe import workflow
from scribe.asr.transcribe import Transcriber
from scribe.cli.sessions import check_saving, open_store_from_env_or_prompt
from scribe.core.errors import NoteError, TranscriptError
from scribe.core.records import Annotation, NoteDraft, Transcript, annotations_from_json, read_record_file
from scribe.transcripts.typed import TEXT_SUFFIXES, read_text_file


def register(group: click.Group) -> None:
    group.add_command(note_cmd)
    group.add_command(edit_cmd)


def load_annotations(path: Path) -> list[Annotation]:
    """A JSON list of annotations (e.g. reviewed ones saved earlier), validated."""
    if not path.is_file():
        raise TranscriptError(f"No such annotations file: {path}")
    text = read_record_file(path)
    try:
        return annotations_from_json(text)
    except TranscriptError as exc:
        raise TranscriptError(f"{path.name}: {exc}") from None


def read_session(
    source: Path | None,
    text_file: Path | None,
    annotations: list[Annotation] | None,
    model: str | None = None,
    speakers: int | None = 2,
) -> tuple[Transcript, list[Annotation]]:
    """The transcript and annotations for one of: audio, transcript JSON, or a text file."""
    if (source is None) == (text_file is None):
        raise NoteError("Give either a recording / transcript JSON, or --text FILE (not both).")
    if text_file is not None:
        text = read_text_file(text_file)
        if annotations is not None:
            raise NoteError(
                "--annotations needs the transcript they point at: give the transcript JSON instead."
            )
        return workflow.tag_text(text)
    assert source is not None
    if not source.is_file():
        raise TranscriptError(f"No such file: {source}")
    if source.suffix.lower() == ".json":
        transcript = Transcript.load(source)
    else:
        transcript = workflow.transcribe_recording(Transcriber(model), source, speakers)
    if annotations is None:
        annotations = workflow.tag(transcript)
    return transcript, annotations


def chosen_format(fmt: str, template_file: Path | None) -> str:
    """The format to draft in: the template in ``template_file`` (registered for this run), else ``fmt``."""
    if template_file is not None:
        chosen = use_template_file(template_file)
        for warning in chosen.warnings:
            click.echo(f"Warning: {warning}", err=True)
        return chosen.name
    return get_format(fmt).name


def _is_recording(source: Path | None) -> bool:
    return source is not None and source.suffix.lower() != ".json"


def _from_recording(source: Path | None) -> bool:
    """Whether this session's words come from a recording (a file, or a transcript made from one)."""
    if _is_recording(source):
        return True
    return source is not None and source.is_file() and Transcript.load(source).source == "audio"


@click.command("note")
@click.argument("source", required=False, type=click.Path(path_type=Path))
@click.option(
    "--text",
    "text_file",
    type=click.Path(path_type=Path),
    help="Typed session notes, or a typed / pasted conversation (Worker: / Client: lines), instead.",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    default="soap",
    show_default=True,
    help="Note format: soap, dap, birp, girp, process, a built-in template or one in your template "
    "folder (scribe formats list).",
)
@click.option(
    "--template",
    "template_file",
    type=click.Path(path_type=Path),
    help="Draft in the note template in FILE (TOML; see scribe formats show soap) instead of --format.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    help="Write FILE.docx/.pdf/.md/.txt/.json (default: Markdown to the screen). The file is not "
    "encrypted; it is made readable by you only (mode 0600).",
)
@click.option("--client", "client_id", default="", help="Client identifier for the header.")
@click.option(
    "--date", "session_date", default="", help="Session date, YYYY-MM-DD (default: the transcript's date)."
)
@click.option(
    "--session-type", default="individual", show_default=True, help="individual, family, group, ..."
)
@click.option("--worker", default="", help="Worker's name for the header.")
@click.option(
    "--annotations",
    "annotations_file",
    type=click.Path(path_type=Path),
    help="Use these annotations (JSON list) instead of running the tagger.",
)
@click.option(
    "--model", "-m", default=None, help="Whisper model for audio: tiny.en, base (default) or a folder."
)
@click.option(
    "--speakers",
    type=click.IntRange(1, 20),
    default=None,
    help="Voices in the recording (1 for dictation). Default: 2, or estimated for a family or group session.",
)
@click.option(
    "--style",
    type=click.Choice(list(STYLES)),
    default="prose",
    show_default=True,
    help="prose: third-person sentences citing their times; quotes: labelled verbatim quotes.",
)
@click.option(
    "--pronouns", default="", help="The client's pronouns for prose, e.g. she/her (default: they/them)."
)
@click.option(
    "--consent/--no-consent",
    default=None,
    help="Whether the client consented to being recorded (needed to keep a recording in the store).",
)
@click.option("--no-store", is_flag=True, help="Do not save the session in the encrypted store.")
def note_cmd(
    source: Path | None,
    text_file: Path | None,
    fmt: str,
    template_file: Path | None,
    out: Path | None,
    client_id: str,
    session_date: str,
    session_type: str,
    worker: str,
    annotations_file: Path | None,
    model: str | None,
    speakers: int | None,
    style: str,
    pronouns: str,
    consent: bool | None,
    no_store: bool,
) -> None:
    """Draft a note from SOURCE: SOAP, DAP, BIRP, GIRP, process recording, or a template (--template).

    SOURCE is a recording (wav, flac, mp3, m4a, ogg, ...), a transcript JSON
    from "scribe transcribe -f json", or text (.txt, .md: notes or a typed
    conversation; .vtt, .srt: a call's subtitles with speaker names). Every
    generated line cites the session time it rests on; lines marked REVIEW
    need your check before signing.
    """
    kind = export_kind(out) if out else "md"  # a bad --out fails before any slow work
    fmt = chosen_format(fmt, template_file)  # so does a bad format or template
    options = DraftOptions(
        client_id=client_id,
        session_date=session_date,
        session_type=session_type,
        worker=worker,
        style=style,
        pronouns=pronouns,
    )
    workflow.check_draft_options(options)  # so does a bad --date or --client
    if source is not None and text_file is None and source.suffix.lower() in TEXT_SUFFIXES:
        source, text_file = None, source  # notes, a typed conversation or subtitles: no recording
    # Inputs are read and checked before the store is touched: a bad one leaves the store as it was.
    given = load_annotations(annotations_file) if annotations_file else None
    if not no_store:
        check_saving(client_id, recording=_from_recording(source), consent=consent)
    # A recording is opened into the store (and the passphrase asked) before minutes of
    # transcription; anything else once its inputs are read (the draft needs the client's goals).
    store = open_store_from_env_or_prompt(create=True) if not no_store and _is_recording(source) else None
    count = workflow.speaker_count(session_type, speakers)
    transcript, annotations = read_session(source, text_file, given, model, count)
    if not no_store and store is None:
        store = open_store_from_env_or_prompt(create=True)
    if store is not None:  # progress on the client's goals on file (theirs only)
        options.goals = workflow.goal_thread(store, client_id, transcript, annotations)
    drafted = workflow.make_draft(fmt, transcript, annotations, options)
    draft = drafted.draft
    for problem in drafted.ungrounded:  # never expected: a bug worth reporting
        click.echo(f"Warning: ungrounded line {problem}", err=True)
    if store is not None:
        with store:
            audio = source if _is_recording(source) else None
            session_id = workflow.save_session(
                store, client_id, consent, transcript, audio=audio, annotations=annotations, draft=draft
            )
            workflow.keep_goal_links(store, session_id, options.goals)
            if out is not None:  # the note leaves the store as a plain file: the audit log says so
                store.log_export(session_id, kind, draft_id=draft.id, dest=out)
        click.echo(f"Saved session {session_id[:8]} in the encrypted store.", err=True)
    if out is None:
        click.echo(RENDERERS["md"](draft), nl=False)
        return
    export(draft, out, kind)
    items = [i for s in draft.sections for i in s.items if not i.deleted]
    flagged = sum(i.needs_review for i in items)
    click.echo(f"Wrote {out} ({len(items)} lines, {flagged} marked for review).", err=True)


@click.command("edit")
@click.argument("draft_file", type=click.Path(path_type=Path))
@click.option("--set", "changes", nargs=2, multiple=True, metavar="ITEM TEXT", help="Reword line ITEM.")
@click.option("--add", "additions", nargs=2, multiple=True, metavar="SECTION TEXT", help="Add your own line.")
@click.option(
    "--delete", "deletions", multiple=True, metavar="ITEM", help="Delete line ITEM (kept in the record)."
)
@click.option(
    "--accept", "accepted", multiple=True, metavar="ITEM", help="Keep line ITEM as it is (reviewed)."
)
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    help="Also write the edited note as FILE.docx/.pdf/.md/.txt/.json (readable by you only).",
)
@click.option(
    "--template",
    "template_file",
    type=click.Path(path_type=Path),
    help="The template FILE the draft was made in, when it is not built in or in your template folder.",
)
def edit_cmd(
    draft_file: Path,
    changes: tuple[tuple[str, str], ...],
    additions: tuple[tuple[str, str], ...],
    deletions: tuple[str, ...],
    accepted: tuple[str, ...],
    out: Path | None,
    template_file: Path | None,
) -> None:
    """Edit a draft saved as JSON (scribe note ... -o draft.json): reword, add, delete, accept lines.

    Line ids (plan-1, subjective-2, ...) are in the JSON. The file is rewritten with the
    changes, which the draft keeps as its edit history; the original wording of every
    edited line stays in the record.
    """
    kind = export_kind(out) if out else None
    if template_file is not None:
        chosen_format("", template_file)
    draft = NoteDraft.load(draft_file)
    for item_id, text in changes:
        edit_item(draft, item_id, text)
    for section, text in additions:
        add_item(draft, section, text)
    for item_id in deletions:
        delete_item(draft, item_id)
    for item_id in accepted:
        accept_item(draft, item_id)
    export(draft, draft_file, "json")
    done = len(changes) + len(additions) + len(deletions) + len(accepted)
    click.echo(f"Saved {done} change(s) to {draft_file}.", err=True)
    if out is None:
        click.echo(RENDERERS["md"](draft), nl=False)
        return
    export(draft, out, kind)
    click.echo(f"Wrote {out}.", err=True)
