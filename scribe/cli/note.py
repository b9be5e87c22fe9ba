"""``scribe note``: a session (audio, transcript JSON or typed notes) to a grounded draft note.

audio -> transcribe -> (who said it) -> tag -> draft -> export. Every stage runs on
this computer; a bad input ends with a one-line ``Error: ...`` and a non-zero exit.
"""

from __future__ import annotations

from pathlib import Path

import click

from note_formats import FORMATS, STYLES, DraftOptions, export
from note_formats.export import RENDERERS, export_kind
from scribe import workflow
from scribe.asr.transcribe import Transcriber
from scribe.cli.sessions import check_saving, open_store_from_env_or_prompt
from scribe.core.errors import NoteError, TranscriptError
from scribe.core.records import Annotation, Transcript, annotations_from_json, read_record_file
from scribe.transcripts.typed import TEXT_SUFFIXES, read_text_file


def register(group: click.Group) -> None:
    group.add_command(note_cmd)


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
    type=click.Choice(list(FORMATS)),
    default="soap",
    show_default=True,
    help="Note format.",
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
    """Draft a SOAP, DAP, BIRP, GIRP or process-recording note from SOURCE.

    SOURCE is a recording (wav, flac, mp3, m4a, ogg, ...), a transcript JSON
    from "scribe transcribe -f json", or text (.txt, .md: notes or a typed
    conversation; .vtt, .srt: a call's subtitles with speaker names). Every
    generated line cites the session time it rests on; lines marked REVIEW
    need your check before signing.
    """
    kind = export_kind(out) if out else "md"  # a bad --out fails before any slow work
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
