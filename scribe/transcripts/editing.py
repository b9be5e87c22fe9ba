"""The worker's corrections to a transcript: words, speakers and roles.

A corrected segment keeps the recogniser's first wording (``original_text``) and
is marked ``edited``, so the record shows what the worker changed; any change
clears its mark for checking. Roles the worker set stay set; the others are
guessed again around them.
"""

from __future__ import annotations

from scribe.core.errors import TranscriptError
from scribe.core.records import MAX_LABEL_CHARS, Role, Speaker, Transcript, check_typed_text
from scribe.speakers.roles import apply_roles


def correct_segment(transcript: Transcript, segment_id: int, text: str, speaker: str | None = None) -> bool:
    """Put the worker's wording (and speaker) on a segment. Returns whether anything changed."""
    seg = transcript.segment(segment_id)
    text = check_typed_text((text or "").strip(), "The segment text")
    if not text:
        raise TranscriptError("The segment text is empty. Type what was said (or leave the text as it was).")
    changed = False
    if text != seg.text:
        if not seg.edited:
            seg.original_text = seg.text
        seg.text, seg.edited, changed = text, True, True
    if speaker and speaker != seg.speaker:
        seg.speaker, changed = speaker, True
        if speaker not in {s.id for s in transcript.speakers}:
            transcript.speakers.append(Speaker(id=speaker))
        seg.role = transcript.role_of(speaker)
    if seg.needs_review:
        seg.needs_review, changed = False, True
    return changed


def mark_checked(transcript: Transcript, segment_id: int) -> bool:
    """The worker listened and the words are right: clear the mark. Returns whether it was marked."""
    seg = transcript.segment(segment_id)
    marked, seg.needs_review = seg.needs_review, False
    return marked


def set_roles(transcript: Transcript, changes: dict[str, Role | None]) -> None:
    """Apply the worker's roles; roles the worker set before stay, the rest are guessed around them."""
    fixed: dict[str, str | None] = {s.id: s.role for s in transcript.speakers if s.role_source == "user"}
    fixed.update(changes)
    apply_roles(transcript, fixed)


def name_speaker(transcript: Transcript, speaker: str, name: str, role: Role | None = None) -> None:
    """Name a speaker (adding them to the speaker list if needed) and, if given, set their role."""
    label = check_typed_text((name or "").strip(), "The speaker's name", MAX_LABEL_CHARS)
    if speaker not in {s.id for s in transcript.speakers}:
        transcript.speakers.append(Speaker(id=speaker))
    spk = next(s for s in transcript.speakers if s.id == speaker)
    spk.label = label
    if role and role != spk.role:
        set_roles(transcript, {speaker: role})


def swap_roles(transcript: Transcript) -> tuple[str, str]:
    """Worker and client were guessed the wrong way round: swap them. Returns (new worker, new client)."""
    workers = [s.id for s in transcript.speakers if s.role == "worker"]
    clients = [s.id for s in transcript.speakers if s.role == "client"]
    if len(workers) != 1 or len(clients) != 1:
        raise TranscriptError(
            "Swapping needs exactly one worker and one client; set each speaker's role instead."
        )
    set_roles(transcript, {workers[0]: "client", clients[0]: "worker"})
    return clients[0], workers[0]
