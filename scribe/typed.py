"""Typed or pasted session text as a Transcript.

Two kinds of text arrive here. Notes the worker wrote ("Client reported poor
sleep ...") become one segment per paragraph, with no speakers: the worker wrote
every line. A conversation with a speaker label at the start of its lines
("Worker: How was your week?" / "Client: Hard.") -- a process recording typed
up, or a transcript pasted from elsewhere -- becomes one segment per turn with
its speakers, so the tagger knows who said what: a goal is the client's only if
the client said it.

A label is a speaker when it names a role ("Worker", "Therapist", "Client",
"T", "C", ...) or starts two or more lines; a note heading ("Plan:",
"Subjective:") never is, and text needs two speakers to be a conversation, so
notes written under headings stay notes. Roles come from role labels; names
("Dana:") are guessed like diarized voices and can be corrected the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from scribe.errors import TranscriptError
from scribe.records import NOTE_SOURCES, Role, Segment, Speaker, Transcript

#: A paragraph (or a turn) longer than this many words is split into sentence groups.
MAX_SEGMENT_WORDS = 80

#: Speaker labels that say the role (lower case, without the colon).
ROLE_LABELS: dict[str, Role] = {
    **dict.fromkeys(
        (
            "worker", "social worker", "sw", "caseworker", "case worker", "case manager", "cm",
            "therapist", "counselor", "counsellor", "clinician", "practitioner", "provider",
            "interviewer", "facilitator", "t", "th", "w", "q", "me",
        ),
        "worker",
    ),
    **dict.fromkeys(
        ("client", "c", "cl", "patient", "pt", "consumer", "service user", "interviewee", "a"),
        "client",
    ),
}  # fmt: skip

#: Headings of typed notes: never a speaker, however often they start a line.
NOTE_HEADINGS = frozenset(
    (
        "subjective", "objective", "assessment", "plan", "data", "risk", "risks", "goal", "goals",
        "note", "notes", "date", "time", "session", "summary", "intervention", "interventions",
        "response", "behavior", "behaviour", "problem", "issue", "issues", "diagnosis", "homework",
        "location", "duration", "attendees", "present", "dob", "re", "subject", "topic", "mse",
        "mood", "affect", "strengths", "barriers", "observation", "observations", "follow-up",
        "follow up", "next steps", "next session", "action", "actions", "outcome",
        "presenting problem", "mental status",
    )
)  # fmt: skip

_CLOCK = r"[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])]?"
_LABEL = r"(?:\*\*|\[)?(?P<label>[^\W\d_][\w'’.\- ]{0,30}?)(?:\s*\((?P<aside>[^()]{1,30})\))?(?:\*\*|\])?"
#: "Worker: ...", "[00:03:12] Client: ...", "Dana (client): ...", "T:" alone on its line, and
#: a name with a time alone on its line, the words below it ("Speaker 1  0:03", "[Dana] 10:02:33").
_TURN = re.compile(
    rf"^\s*(?:{_CLOCK}\s+)?{_LABEL}\s*"
    rf"(?:{_CLOCK}\s*|(?:{_CLOCK})?\s*(?:\*\*)?[:：]\s*(?:\*\*)?\s*(?P<text>.*))$"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“(]?[A-Z0-9])")


@dataclass
class _Turn:
    label: str | None
    aside: str = ""
    lines: list[str] = field(default_factory=list)


def text_to_transcript(text: str, source: str = "text") -> Transcript:
    """Typed notes, a typed or pasted conversation, or a dictation, as a Transcript.

    ``source`` is "text" (typed or pasted) or "dictation". Typed text with two or
    more speakers becomes a ``source="dialogue"`` transcript with speakers and
    roles; anything else keeps ``source`` and has one segment per paragraph.
    """
    if source not in NOTE_SOURCES:
        raise TranscriptError(f"source must be one of {', '.join(NOTE_SOURCES)}, not {source!r}.")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    turns = _turns(text) if source == "text" else None
    if turns is not None:
        return _dialogue(turns)
    segments: list[Segment] = []
    for para in re.split(r"\n\s*\n", text):
        _add_segments(segments, " ".join(para.split()))
    return Transcript(segments=segments, source=source, duration=0.0)


def _add_segments(segments: list[Segment], text: str, speaker: str | None = None) -> None:
    """Append ``text`` as segments of whole sentences, at most about MAX_SEGMENT_WORDS words each."""
    group: list[str] = []

    def flush() -> None:
        if group:
            segments.append(
                Segment(id=len(segments), start=0.0, end=0.0, text=" ".join(group), speaker=speaker)
            )
            group.clear()

    for sentence in _SENTENCE_END.split(text) if text else []:
        group.append(sentence)
        if sum(len(s.split()) for s in group) >= MAX_SEGMENT_WORDS:
            flush()
    flush()


def _speaker_labels(matches: list[tuple[str, str]]) -> set[str]:
    """The labels (lower case) that name speakers: a role (as the label or its aside), or any
    label starting two or more lines."""
    counts = Counter(label for label, _ in matches)
    roles = {label for label, aside in matches if _role_from(label, aside)}
    return {
        label
        for label in counts
        if label not in NOTE_HEADINGS and len(label.split()) <= 3 and (label in roles or counts[label] >= 2)
    }


def _turns(text: str) -> list[_Turn] | None:
    """The text's turns if it is a conversation between two or more labelled speakers, else None."""
    lines = text.split("\n")
    found = [_TURN.match(line) for line in lines]
    labels = [(m.group("label").strip().lower(), m.group("aside") or "") if m else ("", "") for m in found]
    speakers = _speaker_labels([lab for lab in labels if lab[0]])
    if len(speakers) < 2:
        return None
    turns: list[_Turn] = []
    for line, match, (label, aside) in zip(lines, found, labels, strict=True):
        if match and label in speakers:
            turns.append(_Turn(match.group("label").strip(), aside.strip(), [match.group("text") or ""]))
        elif not line.strip():
            if turns and any(t.strip() for t in turns[-1].lines):
                turns.append(_Turn(None))  # a blank line ends a turn that has begun
        elif turns:
            turns[-1].lines.append(line)  # the turn goes on on the next line
        else:
            turns.append(_Turn(None, "", [line]))  # a heading or note before the conversation starts
    return [t for t in turns if any(line.strip() for line in t.lines)]


def _role_from(label: str, aside: str) -> Role | None:
    return ROLE_LABELS.get(aside.lower()) or ROLE_LABELS.get(label.lower())


def _dialogue(turns: list[_Turn]) -> Transcript:
    from scribe.roles import apply_roles

    ids: dict[str, str] = {}
    speakers: list[Speaker] = []
    fixed: dict[str, str | None] = {}
    segments: list[Segment] = []
    for turn in turns:
        sid = None
        if turn.label is not None:
            key = turn.label.lower()
            if key not in ids:
                ids[key] = sid = f"S{len(ids) + 1}"
                speakers.append(Speaker(id=sid, label=turn.label))
                role = _role_from(turn.label, turn.aside)
                if role is not None:
                    fixed[sid] = role
            sid = ids[key]
        _add_segments(segments, " ".join(" ".join(turn.lines).split()), sid)
    transcript = Transcript(segments=segments, source="dialogue", duration=0.0, speakers=speakers)
    return apply_roles(transcript, fixed)
