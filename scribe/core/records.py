"""The typed records passed between stages, defined once.

audio -> Transcript(Segment(Word)) -> Annotation(Evidence) -> NoteDraft(NoteSection(NoteItem))

Every record is a plain dataclass. Export with ``to_dict`` (``dataclasses.asdict``);
load with ``Record.from_dict`` / ``from_json`` / ``load``, which validate.

Validation is pydantic v2's ``TypeAdapter`` over these same dataclasses, in
strict JSON mode: the records stay plain dataclasses (no second set of models to
keep in step with them), the type checks run in compiled code (a two-hour
transcript with its word times validates in milliseconds), strict mode never
turns "12" into 12 or 1 into true, its JSON parser refuses NaN and nesting past
a fixed depth, and each error comes with the path of the field, which
``describe_errors`` turns into one line ("segment 12: start must be a number of
seconds, got "abc"."). pydantic is already installed with gradio; msgspec would
be a new dependency for the same checks. What types cannot say (non-negative
times, end after start, words inside their segment, unique ids, known sources,
sizes) each record states in its ``check``.

An ``Evidence`` points at a span of the transcript by segment id, character
offsets into that segment's text, and time, so any later stage can quote it.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Literal, NoReturn, Self

from pydantic import TypeAdapter, ValidationError

from scribe.core.errors import TranscriptError
from scribe.core.textfile import decode_text, read_bounded

Role = Literal["worker", "client", "other"]
ROLES: tuple[str, ...] = ("worker", "client", "other")
#: Transcript sources the worker wrote (typed notes, dictation): the worker is the writer of every line.
NOTE_SOURCES: tuple[str, ...] = ("text", "dictation")

#: Context of an annotation: what the speaker said about it.
Status = Literal["affirmed", "negated", "historical", "hypothetical", "other_person"]
#: What the worker decided about a generated annotation or draft item.
Review = Literal["pending", "accepted", "rejected", "edited"]
#: Where a transcript's words came from.
TRANSCRIPT_SOURCES: tuple[str, ...] = ("audio", "text", "dictation", "dialogue")
#: Who wrote a draft line: the program, the worker (edited, typed, dictated), the note's template
#: (fixed text such as an attestation, a blank field for the worker to fill), or the program's line
#: for a risk indicator whose evidence is not in the transcript ("unmatched").
ITEM_ORIGINS: tuple[str, ...] = ("generated", "edited", "added", "dictated", "template", "unmatched")
#: How a speaker's role was decided: a guess from what was said, the worker, or not yet.
ROLE_SOURCES: tuple[str, ...] = ("", "guess", "user")

# Limits far above any real session (a three-hour recording has about 2 000
# segments and 30 000 words), so that a hostile file is refused in one line
# instead of filling memory or the screen.
#: Largest record file read (a ten-hour transcript with word times is about 40 MB).
MAX_RECORD_BYTES = 200 * 1024 * 1024
MAX_SEGMENTS = 100_000
MAX_WORDS_PER_SEGMENT = 10_000
MAX_ANNOTATIONS = 100_000
#: Longest text of one segment, annotation, draft line or label.
MAX_TEXT_CHARS = 1_000_000
#: Longest speaker id or name.
MAX_LABEL_CHARS = 200
#: Word times may stray this far outside their segment (Whisper's word and segment times are set apart).
WORD_TIME_TOLERANCE = 1.0


def now_iso() -> str:
    """The current time, UTC, ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@functools.cache
def _adapter(hint: Any) -> TypeAdapter[Any]:
    return TypeAdapter(hint)


class Record:
    """Mixin giving every record ``to_dict``/``from_dict`` and JSON helpers.

    Loading validates: types first (pydantic, strict JSON), then the rules a
    record's own ``check`` states (ranges, unique ids, sizes). Any problem is a
    one-line ``TranscriptError`` naming the field.
    """

    #: Read by pydantic: NaN or infinity is never a valid time, score or size.
    __pydantic_config__: ClassVar[dict[str, Any]] = {"allow_inf_nan": False}

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    def check(self, where: str = "") -> None:
        """Raise a TranscriptError if a value is out of its range; types are already right."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Build the record from ``to_dict`` output (or parsed JSON); unknown keys are ignored."""
        try:
            text = json.dumps(data, ensure_ascii=False)
        except (TypeError, ValueError, RecursionError) as exc:
            raise TranscriptError(f"Malformed {cls.__name__} record: {exc}.") from None
        return cls.from_json(text)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        """The record in ``text``, validated (see the class docstring)."""
        record = parse_json(cls, text, cls.__name__)
        record.check()
        return record

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """The record saved in the file at ``path`` (UTF-8, with or without BOM, or UTF-16)."""
        path = Path(path)
        text = read_record_file(path)
        try:
            return cls.from_json(text)
        except TranscriptError as exc:
            raise TranscriptError(f"{path.name}: {exc}") from None


def read_record_file(path: Path) -> str:
    """The text of a record file: present, not oversized, UTF-8 or UTF-16."""
    return decode_text(read_bounded(path, MAX_RECORD_BYTES, "a session record"), path.name)


def parse_json(hint: Any, text: str | bytes, what: str, *, top: str = "") -> Any:
    """Parse and type-check ``text`` as ``hint``; the first problem becomes a one-line TranscriptError.

    ``what`` names the record in messages ("Transcript"); ``top`` names the
    items of a top-level list ("annotation").
    """
    if len(text) > MAX_RECORD_BYTES:
        raise TranscriptError(f"The {what} is larger than any session record ({len(text)} characters).")
    if isinstance(text, str) and text.startswith("\ufeff"):
        text = text[1:]
    try:
        return _adapter(hint).validate_json(text, strict=True)
    except ValidationError as exc:
        raise TranscriptError(describe_errors(exc, what, top)) from None


# --- what a validation error says ---------------------------------------------------

#: The item name of each list field, for "segment 12, word 3: ...".
_ITEM = {
    "segments": "segment",
    "words": "word",
    "speakers": "speaker",
    "evidence": "evidence",
    "sections": "section",
    "items": "item",
    "edits": "edit",
    "annotations": "annotation",
    "review_reasons": "review reason",
    "warnings": "warning",
}
_TIME_FIELDS = frozenset({"start", "end", "duration"})
_PHRASES = {
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "dataclass_type": "must be an object",
    "missing": "is missing",
}


def _shown(value: Any) -> str:
    """A short, JSON-like picture of a bad value."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    shown = json.dumps(value, ensure_ascii=False) if isinstance(value, str | bool | None) else repr(value)
    return shown if len(shown) <= 40 else shown[:39] + "…"


def describe_errors(exc: ValidationError, what: str, top: str = "") -> str:
    """The first error of ``exc`` as "segment 12: start must be a number of seconds, got "abc".".

    List items are counted from 1 in file order (the 12th segment), whatever their ids.
    """
    errors = exc.errors(include_url=False)
    first = errors[0]
    kind, loc = first["type"], first["loc"]
    if kind == "json_invalid":
        reason = first["msg"].removeprefix("Invalid JSON: ")
        if "recursion limit" in reason:
            return f"the {what} is nested too deeply to be a session record ({reason})."
        return f"Not valid JSON ({reason}). Is this a {what} file?"
    parts: list[str] = []
    names: list[str] = []
    before = top + "s" if top else ""
    for step in loc:
        if isinstance(step, int):
            parts.append(f"{_ITEM.get(before, before.rstrip('s') or 'item')} {step + 1}")
            names = []
        else:
            names.append(str(step))
            before = str(step)
    phrase = _PHRASES.get(kind, first["msg"].lower().removeprefix("input "))
    if kind == "literal_error":
        phrase = f"must be one of {first['ctx']['expected']}"
    if names and names[-1] in _TIME_FIELDS and kind in {"float_type", "float_parsing", "finite_number"}:
        phrase += " of seconds"
    field_name = ".".join(names)
    if field_name:
        message = f"{', '.join(parts)}: {field_name} {phrase}" if parts else f"{field_name} {phrase}"
    elif parts:
        message = f"{', '.join(parts)} {phrase}"
    else:
        message = f"Expected an object for {what}"
    if kind != "missing":
        message += f", got {_shown(first.get('input'))}"
    more = len(errors) - 1
    return message + (f" (and {more} more problem{'s' * (more > 1)})" if more else "") + "."


# --- range checks ----------------------------------------------------------------------


def _fail(where: str, message: str) -> NoReturn:
    raise TranscriptError(f"{where}: {message}." if where else f"{message}.")


def _join(where: str, item: str) -> str:
    return f"{where}, {item}" if where else item


def _check_time(where: str, name: str, value: float) -> None:
    if not math.isfinite(value) or value < 0:
        _fail(where, f"{name} must be a non-negative number of seconds, got {value!r}")


def _check_span(where: str, start: float, end: float) -> None:
    _check_time(where, "start", start)
    _check_time(where, "end", end)
    if end < start:
        _fail(where, f"end ({end:g} s) is before start ({start:g} s)")


def _check_text(where: str, name: str, text: str | None, limit: int = MAX_TEXT_CHARS) -> None:
    if text is not None and len(text) > limit:
        _fail(where, f"{name} is {len(text)} characters long, more than {limit}")


def _check_count(where: str, name: str, items: list[Any], limit: int) -> None:
    if len(items) > limit:
        _fail(where, f"{name} holds {len(items)} entries, more than {limit}")


def _check_choice(where: str, name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        _fail(where, f"{name} must be one of {', '.join(repr(c) for c in choices)}, got {_shown(value)}")


def _check_unique(where: str, what: str, ids: list[Any]) -> None:
    seen: set[Any] = set()
    for position, value in enumerate(ids, 1):
        if value in seen:
            _fail(where, f"{what} {position} repeats the id {_shown(value)}; ids must be unique")
        seen.add(value)


def _check_score(where: str, name: str, value: float, low: float = 0.0, high: float = 1.0) -> None:
    if not (math.isfinite(value) and low <= value <= high):
        _fail(where, f"{name} must be between {low:g} and {high:g}, got {value!r}")


def check_typed_text(text: str, what: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Text the worker typed or pasted into a record, refused before it changes anything if too long."""
    if len(text) > limit:
        raise TranscriptError(
            f"{what} is {len(text):,} characters long, more than the {limit:,} a record keeps. Shorten it."
        )
    return text


def check_annotations(annotations: list[Annotation], where: str = "") -> None:
    """Each annotation's ranges, and ids unique across the list."""
    _check_count(where, "the list of annotations", annotations, MAX_ANNOTATIONS)
    for position, ann in enumerate(annotations, 1):
        ann.check(_join(where, f"annotation {position}"))
    _check_unique(where, "annotation", [a.id for a in annotations])


def annotations_from_json(text: str | bytes) -> list[Annotation]:
    """A JSON list of annotations, or an object with an "annotations" list, validated."""
    body = text.lstrip("\ufeff \t\r\n") if isinstance(text, str) else text.lstrip()
    if body[:1] in ("{", b"{"):
        if '"annotations"' not in (text if isinstance(text, str) else text.decode("utf-8", "replace")):
            raise TranscriptError(
                'it should hold a JSON list of annotations, or an object with an "annotations" list.'
            )
        annotations = parse_json(_AnnotationsFile, text, "annotations file").annotations
    else:
        annotations = parse_json(list[Annotation], text, "list of annotations", top="annotation")
    check_annotations(annotations)
    return annotations


# --- transcription -----------------------------------------------------------


@dataclass
class Word(Record):
    start: float
    end: float
    text: str
    probability: float = 1.0

    def check(self, where: str = "", segment: Segment | None = None) -> None:
        _check_span(where, self.start, self.end)
        _check_text(where, "text", self.text)
        if segment is not None and (
            self.start < segment.start - WORD_TIME_TOLERANCE or self.end > segment.end + WORD_TIME_TOLERANCE
        ):
            _fail(
                where,
                f"the word ({self.start:g}-{self.end:g} s) lies outside its segment "
                f"({segment.start:g}-{segment.end:g} s)",
            )


@dataclass
class Segment(Record):
    """One stretch of speech by one speaker, with the signals that say how sure we are."""

    id: int
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0
    needs_review: bool = False
    review_reasons: list[str] = field(default_factory=list)
    speaker: str | None = None
    role: Role | None = None
    #: The worker corrected the text; ``original_text`` keeps what the model heard.
    edited: bool = False
    original_text: str | None = None

    def check(self, where: str = "") -> None:
        _check_span(where, self.start, self.end)
        _check_text(where, "text", self.text)
        _check_text(where, "original_text", self.original_text)
        _check_count(where, "words", self.words, MAX_WORDS_PER_SEGMENT)
        for position, word in enumerate(self.words, 1):
            word.check(_join(where, f"word {position}"), self)


@dataclass
class Speaker(Record):
    id: str
    role: Role | None = None
    label: str = ""
    #: How the role was decided: "guess" (from what was said), "user", or "" (not yet).
    role_source: str = ""

    def check(self, where: str = "") -> None:
        _check_text(where, "id", self.id, MAX_LABEL_CHARS)
        _check_text(where, "label", self.label, MAX_LABEL_CHARS)
        _check_choice(where, "role_source", self.role_source, ROLE_SOURCES)


@dataclass
class AudioInfo(Record):
    """What was decoded, and a fingerprint that ties records to the exact audio."""

    path: str
    sha256: str
    duration: float
    sample_rate: int
    channels: int
    format: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class TranscriptionSettings(Record):
    """Every option that changes the transcript, echoed back into it."""

    model: str = "base"
    model_path: str = ""
    compute_type: str = "int8"
    language: str | None = "en"
    beam_size: int = 5
    vad_filter: bool = True
    word_timestamps: bool = True
    condition_on_previous_text: bool = False
    #: Segments below these signals are flagged ``needs_review``.
    review_logprob: float = -1.0
    review_no_speech: float = 0.6
    review_compression: float = 2.4
    review_word_probability: float = 0.4
    #: Long audio is transcribed in windows of about this length, cut at pauses.
    chunk_seconds: float = 600.0
    cpu_threads: int = 0
    #: Speech clips decoded together when transcribing a file (1: one 30 s window after
    #: another, each conditioned on nothing; live recording always goes one window at a time).
    batch_size: int = 8


@dataclass
class Transcript(Record):
    segments: list[Segment] = field(default_factory=list)
    language: str = "en"
    duration: float = 0.0
    settings: TranscriptionSettings = field(default_factory=TranscriptionSettings)
    audio: AudioInfo | None = None
    speakers: list[Speaker] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: "audio", "text" (typed notes), "dictation", or "dialogue" (a typed or pasted conversation
    #: or subtitles, with speakers; times only where the text gave them).
    source: str = "audio"
    created_at: str = field(default_factory=now_iso)

    def check(self, where: str = "") -> None:
        _check_count(where, "segments", self.segments, MAX_SEGMENTS)
        _check_time(where, "duration", self.duration)
        _check_choice(where, "source", self.source, TRANSCRIPT_SOURCES)
        for position, speaker in enumerate(self.speakers, 1):
            speaker.check(_join(where, f"speaker {position}"))
        _check_unique(where, "speaker", [s.id for s in self.speakers])
        for position, segment in enumerate(self.segments, 1):
            segment.check(_join(where, f"segment {position}"))
        _check_unique(where, "segment", [s.id for s in self.segments])

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments).strip()

    @property
    def timed(self) -> bool:
        """Whether the words have times: a recording, subtitles, or text with times on its lines."""
        return self.source == "audio" or self.duration > 0

    def segment(self, segment_id: int) -> Segment:
        for seg in self.segments:
            if seg.id == segment_id:
                return seg
        raise TranscriptError(f"The transcript has no segment {segment_id}.")

    def role_of(self, speaker: str | None) -> Role | None:
        for spk in self.speakers:
            if spk.id == speaker:
                return spk.role
        return None


# --- tagging -----------------------------------------------------------------


@dataclass
class Evidence(Record):
    """A quoted span of the transcript: segment, characters, time."""

    segment_id: int
    char_start: int
    char_end: int
    start: float
    end: float
    quote: str
    speaker: str | None = None
    role: Role | None = None

    def check(self, where: str = "") -> None:
        if self.segment_id < 0:
            _fail(where, f"segment_id must not be negative, got {self.segment_id}")
        if self.char_start < 0 or self.char_end < self.char_start:
            _fail(where, f"characters {self.char_start}-{self.char_end} are not a span of the segment")
        _check_span(where, self.start, self.end)
        _check_text(where, "quote", self.quote)

    @classmethod
    def of(cls, segment: Segment, char_start: int = 0, char_end: int | None = None) -> Evidence:
        """Evidence for ``segment.text[char_start:char_end]``, timed by its words where known."""
        char_end = len(segment.text) if char_end is None else char_end
        start, end = span_time(segment, char_start, char_end)
        return cls(
            segment_id=segment.id,
            char_start=char_start,
            char_end=char_end,
            start=start,
            end=end,
            quote=segment.text[char_start:char_end],
            speaker=segment.speaker,
            role=segment.role,
        )


def span_time(segment: Segment, char_start: int, char_end: int) -> tuple[float, float]:
    """Start and end time of a character span, from word timestamps when available.

    Whisper words carry their leading space, so joining them reproduces the
    segment text (modulo the stripped leading space); we walk them to map offsets.
    """
    if not segment.words:
        return segment.start, segment.end
    text = segment.text
    pos = 0
    times: list[tuple[int, int, Word]] = []
    for word in segment.words:
        token = word.text.strip()
        if not token:
            continue
        found = text.find(token, pos)
        if found < 0:
            return segment.start, segment.end
        times.append((found, found + len(token), word))
        pos = found + len(token)
    inside = [w for s, e, w in times if e > char_start and s < char_end]
    if not inside:
        return segment.start, segment.end
    return inside[0].start, inside[-1].end


@dataclass
class Annotation(Record):
    """One finding of the tagger, with the transcript evidence it rests on."""

    id: str
    #: "intervention", "goal", "observation", "risk", "plan".
    label: str
    #: e.g. "motivational_interviewing", "sleep", "suicidal_ideation".
    subtype: str
    #: A short normalised form ("wants to sleep better"); quotes live in evidence.
    text: str
    evidence: list[Evidence] = field(default_factory=list)
    speaker: str | None = None
    role: Role | None = None
    confidence: float = 1.0
    status: Status = "affirmed"
    #: Which component found it ("rules", "context", "minilm-head", ...).
    source: str = ""
    review: Review = "pending"
    #: Free extras: who / when for plans, change-talk type for goals, ...
    attributes: dict[str, str] = field(default_factory=dict)

    def check(self, where: str = "") -> None:
        for name in ("id", "label", "subtype", "text", "source"):
            _check_text(where, name, getattr(self, name))
        _check_score(where, "confidence", self.confidence)
        _check_count(where, "evidence", self.evidence, MAX_WORDS_PER_SEGMENT)
        for position, evidence in enumerate(self.evidence, 1):
            evidence.check(_join(where, f"evidence {position}"))

    @property
    def possible(self) -> bool:
        """A risk finding the tagger was unsure of: kept for the worker to decide, never stated as fact."""
        return (
            self.label == "risk"
            and self.status == "affirmed"
            and self.attributes.get("certainty") == "possible"
        )

    @property
    def undecided_risk(self) -> bool:
        """A risk indicator the worker has neither accepted nor rejected: no note is drafted or signed over it."""
        return self.label == "risk" and self.review == "pending"


# --- notes -------------------------------------------------------------------


@dataclass
class NoteItem(Record):
    """One statement of a draft. ``origin`` says whether the program or the worker wrote it."""

    id: str
    text: str
    evidence: list[Evidence] = field(default_factory=list)
    annotation_ids: list[str] = field(default_factory=list)
    needs_review: bool = False
    review_reason: str = ""
    #: "generated", "edited", "added" (typed by the worker), "dictated", "template" (the template's
    #: fixed text or blank field), or "unmatched": a risk indicator whose evidence is not in the
    #: transcript (no quotes; always marked for review).
    origin: str = "generated"
    deleted: bool = False
    original_text: str | None = None
    #: Extra columns, e.g. a process recording's skill / analysis / supervisor comment.
    fields: dict[str, str] = field(default_factory=dict)

    def check(self, where: str = "") -> None:
        _check_text(where, "text", self.text)
        _check_text(where, "original_text", self.original_text)
        _check_choice(where, "origin", self.origin, ITEM_ORIGINS)
        for name, value in self.fields.items():
            _check_text(where, f"fields.{name}", value)
        for position, evidence in enumerate(self.evidence, 1):
            evidence.check(_join(where, f"evidence {position}"))


@dataclass
class NoteSection(Record):
    key: str
    title: str
    items: list[NoteItem] = field(default_factory=list)
    #: Shown when a section has no items ("No risk indicators were identified.").
    empty_text: str = ""

    def check(self, where: str = "") -> None:
        _check_count(where, "items", self.items, MAX_SEGMENTS)
        for position, item in enumerate(self.items, 1):
            item.check(_join(where, f"item {position}"))
        _check_unique(where, "item", [i.id for i in self.items])


@dataclass
class NoteHeader(Record):
    client_id: str = ""
    session_date: str = ""
    duration_minutes: float = 0.0
    session_type: str = "individual"
    participants: list[str] = field(default_factory=list)
    worker: str = ""

    def check(self, where: str = "") -> None:
        if not (math.isfinite(self.duration_minutes) and self.duration_minutes >= 0):
            _fail(where, f"duration_minutes must be a non-negative number, got {self.duration_minutes!r}")
        for name in ("client_id", "session_date", "session_type", "worker"):
            _check_text(where, name, getattr(self, name), 1000)


@dataclass
class NoteEdit(Record):
    """One change the worker made; the draft keeps them all."""

    at: str
    action: str  # "edit", "add", "delete", "restore", "sign"
    section: str
    item_id: str
    before: str | None = None
    after: str | None = None
    #: For "edit_field": which extra column changed (e.g. a process recording's "reflections").
    field: str = ""


@dataclass
class NoteDraft(Record):
    id: str
    format: str
    header: NoteHeader = field(default_factory=NoteHeader)
    sections: list[NoteSection] = field(default_factory=list)
    edits: list[NoteEdit] = field(default_factory=list)
    #: The transcript this draft was made from (AudioInfo.sha256 or a text hash).
    transcript_fingerprint: str = ""
    created_at: str = field(default_factory=now_iso)
    signed_at: str | None = None
    signed_by: str | None = None

    def check(self, where: str = "") -> None:
        self.header.check(_join(where, "header"))
        for position, section in enumerate(self.sections, 1):
            section.check(_join(where, f"section {position}"))
        _check_unique(where, "section", [s.key for s in self.sections])
        _check_count(where, "edits", self.edits, MAX_ANNOTATIONS)
        for position, edit in enumerate(self.edits, 1):
            _check_text(_join(where, f"edit {position}"), "before", edit.before)
            _check_text(_join(where, f"edit {position}"), "after", edit.after)

    def section(self, key: str) -> NoteSection:
        for sec in self.sections:
            if sec.key == key:
                return sec
        raise KeyError(key)


# --- session store -------------------------------------------------------------
# Views the store returns (decrypted on read; never written to disk like this).


@dataclass
class RetentionPolicy(Record):
    """The worker's rule for raw audio: "keep", "delete_when_signed" or "delete_after_days"."""

    audio: str = "keep"
    days: int = 0


@dataclass
class SessionInfo(Record):
    id: str
    client_id: str
    session_date: str
    session_type: str = "individual"
    consent: bool = False
    #: "new", "recorded", "transcribed", "tagged", "drafted", "signed", "amending".
    status: str = "new"
    created_at: str = ""
    updated_at: str = ""
    has_audio: bool = False
    audio_deleted_at: str | None = None
    has_transcript: bool = False
    draft_ids: list[str] = field(default_factory=list)
    signed_at: str | None = None
    label: str = ""


@dataclass
class DraftVersion(Record):
    """One saved version of a draft; signed versions are immutable, amendments are new versions."""

    draft_id: str
    version: int
    format: str
    status: str  # "draft" or "signed"
    saved_at: str
    amends: int | None = None


@dataclass
class AuditEntry(Record):
    seq: int
    at: str
    actor: str
    action: str
    session_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class AuditReport(Record):
    ok: bool
    entries: int
    broken_at: int | None = None
    reason: str = ""


@dataclass
class _AnnotationsFile(Record):
    """An annotations file written as {"annotations": [...]}."""

    annotations: list[Annotation]


# --- the client's goals across sessions ------------------------------------------
# A goal is the client's own sentence, kept verbatim with where it was said; the
# worker may word it beside the quote, never instead of it.

#: Statuses a worker sets on a goal (dated in its history).
GOAL_STATUSES: tuple[str, ...] = ("active", "met", "revised", "dropped")
#: What a session's statement says about a goal.
LINK_KINDS: tuple[str, ...] = ("progress", "barrier", "met", "revised")


@dataclass
class GoalEvent(Record):
    """One dated change to a goal: stated, status set, worker wording, revised."""

    at: str
    action: str  # "stated", "status", "wording", "revised"
    status: str = ""
    text: str = ""
    by: str = ""


@dataclass
class Goal(Record):
    """A goal the client stated and the worker accepted: the verbatim quote and where it was said."""

    id: str
    client_id: str
    quote: str
    session_id: str
    session_date: str
    #: Where the quote is in that session: segment, characters, seconds.
    evidence: Evidence
    wording: str = ""
    #: The talk the goal was stated in (the worker's question and the client's whole turn):
    #: a short quote ("I want that back") means little without it.
    context: str = ""
    status: str = "active"
    status_date: str = ""
    #: The goal this one restates (its revision), and the one that replaced it.
    revises: str | None = None
    revised_by: str | None = None
    history: list[GoalEvent] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.status == "active"


@dataclass
class GoalLink(Record):
    """A session's statement linked to a goal on file: progress, barrier, met, or a revision."""

    id: str
    goal_id: str
    session_id: str
    kind: str
    evidence: Evidence
    score: float = 0.0
    #: Why it was linked ("similar 0.52", "shares: course, licence").
    why: str = ""
    review: Review = "pending"
    #: "confident": the statement is clearly about the goal (drafted as progress / barrier / met);
    #: "possible": it may be (drafted with a review mark, never as fact, until the worker accepts it).
    tier: Literal["confident", "possible"] = "confident"


@dataclass
class GoalThread(Record):
    """What a new draft needs about the client's goals: those on file and this session's links."""

    goals: list[Goal] = field(default_factory=list)
    links: list[GoalLink] = field(default_factory=list)
