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
"Subjective:") never is, and a conversation needs three turns and two changes of
speaker, so notes written under headings, or headed "Client: Jane D. / Worker:
A. Smith", stay notes. Roles come from role labels; names
("Dana:") are guessed like diarized voices and can be corrected the same way.

A table of timed turns (tab- or comma-separated, with a header naming start, speaker and
text columns, as transcription tools export) is a conversation with those times.

Subtitles (SRT, WebVTT: what video-call platforms export) are a conversation with
times: each cue's speaker comes from "Name:" or a WebVTT voice tag, a cue without
one goes on with the last speaker, and the segments keep the cue times. A typed
conversation whose every turn carries a time ("[00:03:12] Dana: ...") keeps those times.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from scribe.core.errors import TranscriptError
from scribe.core.records import NOTE_SOURCES, Role, Segment, Speaker, Transcript, Word
from scribe.core.textfile import decode_text, read_bounded
from scribe.speakers.roles import apply_roles

#: A paragraph (or a turn) longer than this many words is split into sentence groups.
MAX_SEGMENT_WORDS = 80
#: Files read as text: notes, a typed conversation, call subtitles.
TEXT_SUFFIXES = (".txt", ".md", ".vtt", ".srt")
#: Far above any session's notes or subtitles (three hours of WebVTT is about 300 KB).
MAX_TEXT_BYTES = 5 * 1024 * 1024

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


def _clock(name: str) -> str:
    """A time like 0:03, 00:03.250 or 01:02:03, optionally in brackets, captured as ``name``."""
    return rf"[\[(]?(?P<{name}>\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:[.,]\d+)?)[\])]?"


_LABEL = r"(?:\*\*|\[)?(?P<label>[^\W\d_][\w'’.\- ]{0,30}?)(?:\s*\((?P<aside>[^()]{1,30})\))?(?:\*\*|\])?"
#: "Worker: ...", "[00:03:12] Client: ...", "Dana (client): ...", "T:" alone on its line, and
#: a name with a time alone on its line, the words below it ("Speaker 1  0:03", "[Dana] 10:02:33").
_TURN = re.compile(
    rf"^\s*(?:{_clock('lead')}\s+)?{_LABEL}\s*"
    rf"(?:{_clock('head')}\s*|(?:{_clock('after')})?\s*(?:\*\*)?[:：]\s*(?:\*\*)?\s*(?P<text>.*))$"
)
#: A first time this late is a time of day (a call's clock), so times count from it.
TIME_OF_DAY_AFTER = 3 * 3600.0
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“(]?[A-Z0-9])")
#: A subtitle cue's timing line (SRT "00:00:03,120 --> 00:00:07,500", WebVTT "00:03.120 --> ...").
_CUE_TIME = re.compile(
    r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
_VOICE = re.compile(r"<v(?:\.[\w.-]+)*\s+(?P<name>[^>]+)>")
_MARKUP = re.compile(r"</?[a-z][^>]*>|<\d[\d:.]*>", re.IGNORECASE)

#: Text with its time span in the session (0, 0 for typed text, which has no times).
_Piece = tuple[str, float, float]


@dataclass
class _Turn:
    label: str | None
    aside: str = ""
    pieces: list[_Piece] = field(default_factory=list)

    def has_text(self) -> bool:
        return any(text.strip() for text, _, _ in self.pieces)


def read_text_file(path: str | Path) -> str:
    """The text of a notes, conversation or subtitles file, whatever editor saved it.

    UTF-8 (with or without a byte-order mark), UTF-16 (Windows "Unicode") and
    Windows-1252 (older Windows editors) are read; a missing, empty, binary or
    oversized file is a TranscriptError saying which.
    """
    path = Path(path)
    data = read_bounded(path, MAX_TEXT_BYTES, "session notes or subtitles")
    text = decode_text(data, path.name, legacy=True)
    if not text.strip():
        raise TranscriptError(f"{path.name} is empty: type the session notes into it first.")
    return text


def text_to_transcript(text: str, source: str = "text") -> Transcript:
    """Typed notes, a typed or pasted conversation, subtitles, or a dictation, as a Transcript.

    ``source`` is "text" (typed or pasted) or "dictation". Typed text with two or
    more speakers, and subtitles (SRT / WebVTT, e.g. a video call's transcript),
    become a ``source="dialogue"`` transcript with speakers and roles (subtitles
    keep their times); anything else keeps ``source`` and has one segment per paragraph.
    """
    if source not in NOTE_SOURCES:
        raise TranscriptError(f"source must be one of {', '.join(NOTE_SOURCES)}, not {source!r}.")
    if len(text) > MAX_TEXT_BYTES:  # pasted text has no file size to check first
        raise TranscriptError(
            f"The text is {len(text) / 2**20:.1f} million characters, too long for one session "
            f"(limit {MAX_TEXT_BYTES // 2**20} million). Paste one session at a time."
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if source == "text":
        turns = _cue_turns(text)
        if turns is None:
            turns = _table_turns(text)
        if turns is None:
            turns = _turns(text)
        if turns is not None:
            return _dialogue(turns)
    segments: list[Segment] = []
    for para in re.split(r"\n\s*\n", text):
        _add_segments(segments, [(para, 0.0, 0.0)])
    return Transcript(segments=segments, source=source, duration=0.0)


def _add_segments(segments: list[Segment], pieces: list[_Piece], speaker: str | None = None) -> None:
    """Append ``pieces`` as segments of whole sentences, at most about MAX_SEGMENT_WORDS words each.

    A segment's times are those of its first and last word; words share their piece's
    span evenly (subtitle cues carry no word times), and timed segments keep these words
    so evidence can be placed within a long turn.
    """
    words: list[_Piece] = []
    for text, start, end in pieces:
        tokens = text.split()
        step = (end - start) / max(len(tokens), 1)
        words += [(w, start + k * step, start + (k + 1) * step) for k, w in enumerate(tokens)]
    group: list[str] = []
    used = 0

    def flush() -> None:
        nonlocal used
        count = sum(len(s.split()) for s in group)
        if count:
            span = words[used : used + count]
            # Cues out of order (a hand-edited file) still make a segment that starts before it
            # ends; its words keep their times only when those run forward.
            in_order = all(a[2] <= b[1] + 1e-9 for a, b in pairwise(span))
            timed = in_order and span[-1][2] > span[0][1]
            segments.append(
                Segment(
                    id=len(segments),
                    start=round(min(w[1] for w in span), 3),
                    end=round(max(w[2] for w in span), 3),
                    text=" ".join(group),
                    words=[Word(round(a, 3), round(b, 3), f" {w}") for w, a, b in span] if timed else [],
                    speaker=speaker,
                )
            )
            used += count
        group.clear()

    for sentence in _SENTENCE_END.split(" ".join(w for w, _, _ in words)) if words else []:
        group.append(sentence)
        if sum(len(s.split()) for s in group) >= MAX_SEGMENT_WORDS:
            flush()
    flush()


def _speaker_labels(matches: list[tuple[str, str]], often: int = 2) -> set[str]:
    """The labels (lower case) that name speakers: a role (as the label or its aside), or any
    label starting ``often`` or more lines."""
    counts = Counter(label for label, _ in matches)
    roles = {label for label, aside in matches if _role_from(label, aside)}
    return {
        label
        for label in counts
        if label not in NOTE_HEADINGS
        and len(label.split()) <= 3
        and (label in roles or counts[label] >= often)
    }


def _labelled(
    lines: list[str], often: int = 2
) -> tuple[list[re.Match[str] | None], list[tuple[str, str]], set[str]]:
    """Each line's label match, its (label, aside) in lower case, and the labels that are speakers."""
    found = [_TURN.match(line) for line in lines]
    labels = [(m.group("label").strip().lower(), m.group("aside") or "") if m else ("", "") for m in found]
    return found, labels, _speaker_labels([lab for lab in labels if lab[0]], often)


def _turns(text: str) -> list[_Turn] | None:
    """The text's turns if it is a conversation between two or more labelled speakers, else None."""
    lines = text.split("\n")
    found, labels, speakers = _labelled(lines)
    if len(speakers) < 2:
        return None
    turns: list[_Turn] = []
    clocks: dict[int, str | None] = {}  # turn index -> the time written on its line
    for line, match, (label, aside) in zip(lines, found, labels, strict=True):
        if match and label in speakers:
            clocks[len(turns)] = match.group("lead") or match.group("head") or match.group("after")
            turns.append(
                _Turn(match.group("label").strip(), aside.strip(), [(match.group("text") or "", 0, 0)])
            )
        elif not line.strip():
            if turns and turns[-1].has_text():
                turns.append(_Turn(None))  # a blank line ends a turn that has begun
        elif turns:
            turns[-1].pieces.append((line, 0.0, 0.0))  # the turn goes on on the next line
        else:
            turns.append(_Turn(None, "", [(line, 0.0, 0.0)]))  # a heading or note before the conversation
    said = [t.label.lower() for t in turns if t.label is not None]
    if len(said) < 3 or sum(a != b for a, b in pairwise(said)) < 2:
        return None  # "Client: Jane D." / "Worker: A. Smith" heading typed notes is no conversation
    _time_turns(turns, clocks)
    return [t for t in turns if t.has_text()]


def _time_turns(turns: list[_Turn], clocks: dict[int, str | None]) -> None:
    """Give the turns the times written on their lines, if every turn has one and they run forward.

    A turn lasts until the next one starts (the last: about 0.4 s a word); its lines
    share that span. Otherwise the conversation stays untimed.
    """
    if not clocks or any(c is None for c in clocks.values()):
        return
    starts = {i: _seconds(c) for i, c in clocks.items() if c is not None}
    order = sorted(starts)
    if any(starts[a] > starts[b] for a, b in pairwise(order)):
        return
    origin = starts[order[0]] if starts[order[0]] >= TIME_OF_DAY_AFTER else 0.0
    for n, i in enumerate(order):
        text = " ".join(piece for piece, _, _ in turns[i].pieces)
        start = starts[i] - origin
        if n + 1 < len(order):
            end = max(start, starts[order[n + 1]] - origin)
        else:
            end = start + max(1.0, 0.4 * len(text.split()))
        turns[i].pieces = [(text, start, end)]


def _seconds(clock: str) -> float:
    parts = clock.replace(",", ".").split(":")
    return sum(float(p) * 60**i for i, p in enumerate(reversed(parts)))


def _cues(text: str) -> list[_Piece] | None:
    """The cues of SRT or WebVTT subtitles as (text, start, end), or None if ``text`` is not subtitles.

    WebVTT voice tags (``<v Dana>``) become "Dana: " labels; other markup is dropped.
    """
    lines = text.split("\n")
    timings = sum(bool(_CUE_TIME.match(line)) for line in lines)
    if timings < 2 and not (timings and text.lstrip().startswith("WEBVTT")):
        return None
    cues: list[tuple[list[str], float, float]] = []
    current: list[str] | None = None
    for line in lines:
        match = _CUE_TIME.match(line)
        if match:
            current = []
            start, end = _seconds(match.group("start")), _seconds(match.group("end"))
            if end < start:  # a quote's time is what the note cites: never guess it
                raise TranscriptError(
                    f"A subtitle cue ends before it starts ({line.strip()}). Fix its times and retry."
                )
            cues.append((current, start, end))
        elif not line.strip():
            current = None  # a cue ends at a blank line; numbers and NOTE blocks outside cues are skipped
        elif current is not None:
            current.append(_MARKUP.sub("", _VOICE.sub(r"\g<name>: ", line)))
    return [(" ".join(" ".join(body).split()), start, end) for body, start, end in cues if any(body)]


def _cue_turns(text: str) -> list[_Turn] | None:
    """Subtitles as turns: a cue that names its speaker starts a turn, one that does not goes on with it."""
    cues = _cues(text)
    if cues is None:
        return None
    # a name at the start of a cue is a speaker even if it speaks once (call transcripts name every turn)
    found, labels, speakers = _labelled([cue for cue, _, _ in cues], often=1)
    turns: list[_Turn] = []
    for (cue, start, end), match, (label, aside) in zip(cues, found, labels, strict=True):
        if match and label in speakers:
            said = match.group("text") or ""
            if turns and turns[-1].label is not None and turns[-1].label.lower() == label:
                turns[-1].pieces.append((said, start, end))
            else:
                turns.append(_Turn(match.group("label").strip(), aside.strip(), [(said, start, end)]))
        elif turns:
            turns[-1].pieces.append((cue, start, end))
        else:
            turns.append(_Turn(None, "", [(cue, start, end)]))
    return [t for t in turns if t.has_text()]


#: Column names of a table of timed turns (what transcription tools export as TSV or CSV).
_TABLE_COLUMNS = {
    "start": ("start", "start time", "begin", "from", "start_time"),
    "end": ("end", "end time", "stop", "to", "end_time"),
    "speaker": ("speaker", "role", "speaker label", "who", "name"),
    "text": ("text", "utterance", "transcript", "words", "content"),
}


def _table_turns(text: str) -> list[_Turn] | None:
    """A tab- or comma-separated table with a header naming start, speaker and text columns, as timed
    turns ("start  end  speaker  text", one row a turn); None if ``text`` is not such a table."""
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) < 2:
        return None
    sep = "\t" if "\t" in lines[0] else ","
    header = [h.strip().strip('"').lower() for h in lines[0].split(sep)]
    col = {
        key: next((i for i, h in enumerate(header) if h in names), None)
        for key, names in _TABLE_COLUMNS.items()
    }
    if col["text"] is None or col["speaker"] is None or col["start"] is None:
        return None
    rows = list(csv.reader(lines[1:], delimiter=sep))
    width = len(header)
    turns: list[_Turn] = []
    for n, row in enumerate(rows, start=2):
        if len(row) > width and col["text"] == width - 1:
            row = [*row[: width - 1], sep.join(row[width - 1 :])]  # commas inside the last column's text
        if len(row) != width:
            raise TranscriptError(
                f"Line {n} of the table has {len(row)} columns, not {width} like its header."
            )
        try:
            start = _seconds(row[col["start"]].strip())
            end = _seconds(row[col["end"]].strip()) if col["end"] is not None else start
        except ValueError:
            raise TranscriptError(
                f"Line {n} of the table: the time is not a number of seconds or a clock."
            ) from None
        if end < start:
            raise TranscriptError(f"Line {n} of the table ends ({end:g} s) before it starts ({start:g} s).")
        label = row[col["speaker"]].strip() or "Unknown"
        turns.append(_Turn(label, "", [(row[col["text"]].strip(), start, end)]))
    return [t for t in turns if t.has_text()] or None


def _role_from(label: str, aside: str) -> Role | None:
    return ROLE_LABELS.get(aside.lower()) or ROLE_LABELS.get(label.lower())


def _dialogue(turns: list[_Turn]) -> Transcript:
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
        _add_segments(segments, turn.pieces, sid)
    duration = max((s.end for s in segments), default=0.0)
    transcript = Transcript(segments=segments, source="dialogue", duration=duration, speakers=speakers)
    return apply_roles(transcript, fixed) if speakers else transcript
