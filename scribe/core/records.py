"""The typed records passed between stages, defined once.

audio -> Transcript(Segment(Word)) -> Annotation(Evidence) -> NoteDraft(NoteSection(NoteItem))

Every record is a plain dataclass. Export with ``to_dict`` (``dataclasses.asdict``);
load with ``Record.from_dict``, which rebuilds nested records from their type hints.
An ``Evidence`` points at a span of the transcript by segment id, character
offsets into that segment's text, and time, so any later stage can quote it.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Self, get_args, get_origin, get_type_hints

from scribe.core.errors import TranscriptError

Role = Literal["worker", "client", "other"]
ROLES: tuple[str, ...] = ("worker", "client", "other")
#: Transcript sources the worker wrote (typed notes, dictation): the worker is the writer of every line.
NOTE_SOURCES: tuple[str, ...] = ("text", "dictation")

#: Context of an annotation: what the speaker said about it.
Status = Literal["affirmed", "negated", "historical", "hypothetical", "other_person"]
#: What the worker decided about a generated annotation or draft item.
Review = Literal["pending", "accepted", "rejected", "edited"]


def now_iso() -> str:
    """The current time, UTC, ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _convert(value: Any, hint: Any) -> Any:
    """Rebuild ``value`` (parsed JSON) as the type ``hint`` describes."""
    if value is None:
        return None
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in get_args(hint):
            if arg is type(None):
                continue
            return _convert(value, arg)
        return value
    if origin is list:
        (item,) = get_args(hint) or (Any,)
        return [_convert(v, item) for v in value]
    if origin is tuple:
        return tuple(value)
    if origin is dict:
        _, item = get_args(hint) or (Any, Any)
        return {k: _convert(v, item) for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, Record):
        return hint.from_dict(value)
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    # Resolving string annotations is slow; a two-hour transcript has ~20 000 words.
    return get_type_hints(cls)


class Record:
    """Mixin giving every record ``to_dict``/``from_dict`` and JSON helpers."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Build the record from ``to_dict`` output; unknown keys are ignored."""
        if not isinstance(data, dict):
            raise TranscriptError(f"Expected an object for {cls.__name__}, got {type(data).__name__}.")
        hints = _hints(cls)
        kwargs = {
            f.name: _convert(data[f.name], hints[f.name])
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if f.name in data
        }
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise TranscriptError(f"Malformed {cls.__name__} record: {exc}.") from exc

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Self:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TranscriptError(f"Not valid JSON ({exc}). Is this a {cls.__name__} file?") from exc
        return cls.from_dict(data)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Self:
        path = Path(path)
        if not path.is_file():
            raise TranscriptError(f"No such file: {path}")
        return cls.from_json(path.read_text(encoding="utf-8"))


# --- transcription -----------------------------------------------------------


@dataclass
class Word(Record):
    start: float
    end: float
    text: str
    probability: float = 1.0


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


@dataclass
class Speaker(Record):
    id: str
    role: Role | None = None
    label: str = ""
    #: How the role was decided: "guess" (from what was said), "user", or "" (not yet).
    role_source: str = ""


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
    #: "generated", "edited", "added" (typed by the worker), "dictated".
    origin: str = "generated"
    deleted: bool = False
    original_text: str | None = None
    #: Extra columns, e.g. a process recording's skill / analysis / supervisor comment.
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class NoteSection(Record):
    key: str
    title: str
    items: list[NoteItem] = field(default_factory=list)
    #: Shown when a section has no items ("No risk indicators were identified.").
    empty_text: str = ""


@dataclass
class NoteHeader(Record):
    client_id: str = ""
    session_date: str = ""
    duration_minutes: float = 0.0
    session_type: str = "individual"
    participants: list[str] = field(default_factory=list)
    worker: str = ""


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


@dataclass
class GoalThread(Record):
    """What a new draft needs about the client's goals: those on file and this session's links."""

    goals: list[Goal] = field(default_factory=list)
    links: list[GoalLink] = field(default_factory=list)
