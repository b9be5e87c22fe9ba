"""The one place note formats are registered, and the function that builds a draft in any of them.

A format is a function ``Material -> list[NoteSection]``: a module decorated with
:func:`register_format` (the process recording), or a template file
(``note_formats/templates.py``, ``template_file.py``: SOAP, DAP, BIRP, GIRP and an agency's own layouts).
The registry adds what every format shares (the header, the draft id, the
transcript fingerprint).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from note_formats.common import DraftOptions, Material
from note_formats.goal_progress import add_goal_progress
from scribe.core.errors import NoteError
from scribe.core.records import NOTE_SOURCES, Annotation, NoteDraft, NoteHeader, NoteSection, Transcript

#: Modules holding the built-in formats; importing one registers it.
BUILTIN_FORMAT_MODULES: tuple[str, ...] = ("note_formats.templates", "note_formats.process")
#: The header facts a note can show, in the default order, with their labels.
HEADER_FACTS: dict[str, str] = {
    "client": "Client",
    "date": "Date",
    "duration": "Duration",
    "session_type": "Session type",
    "participants": "Participants",
    "worker": "Worker",
}

FormatBuilder = Callable[[Material], list[NoteSection]]


@dataclass(frozen=True)
class NoteFormat:
    """A registered note format."""

    name: str
    title: str
    build: FormatBuilder
    description: str = ""
    #: Columns of table sections, as (field, heading). "time" and "text" are filled
    #: from the item's evidence and text; any other key from ``NoteItem.fields``.
    columns: tuple[tuple[str, str], ...] = ()
    #: Sections rendered as a table with ``columns`` (the process recording's dialogue).
    table_sections: tuple[str, ...] = ()
    #: Sections whose generated items must be the transcript verbatim (checked by grounding).
    verbatim_sections: tuple[str, ...] = ()
    #: Header facts shown, in order (keys of ``HEADER_FACTS``); empty: all of them, the worker if given.
    header: tuple[str, ...] = ()
    #: Header lines the worker fills in on the exported note ("Program", "Funding source").
    header_blanks: tuple[str, ...] = ()
    #: Words the format's own labels add to a generated line (headings, rating names): not claims
    #: about the session, so the faithfulness check lets them through.
    vocabulary: tuple[str, ...] = ()
    #: Where it comes from: "code", "built-in" (a template in the package), "user" (the user's
    #: template folder) or "file" (given for this run).
    origin: str = "code"
    #: The template file, for formats written as one.
    path: str = ""
    #: What the worker should know about the format (e.g. a risk section it lacked was added).
    warnings: tuple[str, ...] = ()
    #: Whether the format places "Progress on goals" itself (templates do; code formats get it
    #: from ``add_goal_progress``).
    places_goal_progress: bool = False


FORMATS: dict[str, NoteFormat] = {}


def register_format(
    name: str,
    *,
    title: str,
    description: str = "",
    columns: Sequence[tuple[str, str]] = (),
    table_sections: Sequence[str] = (),
    verbatim_sections: Sequence[str] = (),
) -> Callable[[FormatBuilder], FormatBuilder]:
    """Register ``build`` as the note format ``name`` (used as a decorator)."""

    def decorator(build: FormatBuilder) -> FormatBuilder:
        FORMATS[name] = NoteFormat(
            name=name,
            title=title,
            build=build,
            description=description or (build.__doc__ or "").strip().splitlines()[0],
            columns=tuple(columns),
            table_sections=tuple(table_sections),
            verbatim_sections=tuple(verbatim_sections),
        )
        return build

    return decorator


#: Called when a format name is not registered, before giving up (the template module reads the
#: user's template folder again: a template saved there since is found without a restart).
ON_UNKNOWN_FORMAT: list[Callable[[], object]] = []


def add_format(fmt: NoteFormat) -> NoteFormat:
    """Register a format built elsewhere (a template file)."""
    FORMATS[fmt.name] = fmt
    return fmt


def load_builtin_formats() -> None:
    """Import the built-in format modules so they register themselves."""
    for module in BUILTIN_FORMAT_MODULES:
        importlib.import_module(module)


def get_format(name: str) -> NoteFormat:
    """The registered format ``name`` (built-in, or a template in the user's folder), or a NoteError
    naming the ones that exist."""
    load_builtin_formats()
    if name not in FORMATS:
        for hook in ON_UNKNOWN_FORMAT:
            hook()
    try:
        return FORMATS[name]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise NoteError(f"Unknown note format {name!r}. Choose one of: {known}.") from None


def transcript_fingerprint(transcript: Transcript) -> str:
    """What ties a draft to its transcript: the audio hash, or a hash of the segment texts."""
    if transcript.audio is not None and transcript.audio.sha256:
        return transcript.audio.sha256
    digest = hashlib.sha256()
    for seg in transcript.segments:
        digest.update(f"{seg.id}\x1f{seg.text}\x1e".encode())
    return "text:" + digest.hexdigest()


def make_header(transcript: Transcript, options: DraftOptions) -> NoteHeader:
    """Header facts: the client id and session type come from the worker, the rest from the transcript."""
    duration = transcript.duration or max((s.end for s in transcript.segments), default=0.0)
    if options.participants is not None:
        participants = list(options.participants)
    else:
        participants = _participants(transcript)
    return NoteHeader(
        client_id=options.client_id,
        session_date=options.session_date or transcript.created_at[:10],
        duration_minutes=round(duration / 60.0, 1),
        session_type=options.session_type,
        participants=participants,
        worker=options.worker,
    )


def _participants(transcript: Transcript) -> list[str]:
    """One line per speaker: "Worker (SPEAKER_00)"; from the speaker list, else from the segments."""
    pairs: list[tuple[str, str | None, str]] = [(s.id, s.role, s.label) for s in transcript.speakers]
    if not pairs:
        seen: dict[str, str | None] = {}
        for seg in transcript.segments:
            if seg.speaker is not None and seg.speaker not in seen:
                seen[seg.speaker] = seg.role
        pairs = [(spk, role, "") for spk, role in seen.items()]
    out = []
    for spk, role, label in pairs:
        name = label or spk
        if role is None or name.lower() == role:  # a typed "Worker:" label is its own role
            out.append(role.capitalize() if role else name)
        else:
            out.append(f"{role.capitalize()} ({name})")
    return out


def wording_for(transcript: Transcript, options: DraftOptions) -> DraftOptions:
    """The options a draft is worded with: sentences need to know who spoke.

    Prose says "Client reported ..." and turns the client's "I" into the client: in a
    conversation where no speaker has a role (worker or client), that would put the worker's
    words in the client's mouth, so such a draft keeps each line's verbatim quotes instead.
    """
    if options.style != "prose" or transcript.source in NOTE_SOURCES:
        return options
    if any(seg.role in ("worker", "client") for seg in transcript.segments):
        return options
    return dataclasses.replace(options, style="quotes")


def build_draft(
    format_name: str,
    transcript: Transcript,
    annotations: Sequence[Annotation],
    options: DraftOptions | None = None,
) -> NoteDraft:
    """Draft a note in ``format_name`` from a transcript and the tagger's annotations.

    Every generated item carries the evidence it rests on; annotations whose
    evidence does not match the transcript are left out (see ``Material``).
    """
    fmt = get_format(format_name)
    options = options or DraftOptions()
    if not transcript.segments:
        raise NoteError("The transcript has no speech to draft a note from. Check the recording or text.")
    options = wording_for(transcript, options)
    material = Material(transcript, annotations, options)
    sections = fmt.build(material)
    if not fmt.places_goal_progress:
        add_goal_progress(fmt.name, sections, material)
    ids = [item.id for sec in sections for item in sec.items]
    if len(ids) != len(set(ids)):  # a format bug, not a user error: edits address items by id
        raise AssertionError(f"format {format_name!r} produced duplicate item ids")
    return NoteDraft(
        id=uuid.uuid4().hex,
        format=fmt.name,
        header=make_header(transcript, options),
        sections=sections,
        transcript_fingerprint=transcript_fingerprint(transcript),
    )
