"""One session, start to finish: transcribe -> speakers -> tag -> draft -> save, and the review gates.

The command line (``scribe note``, ``scribe record``) and the desk call these
functions, so the pipeline changes in one place. They take and return records
(``Transcript``, ``Annotation``, ``NoteDraft``) and raise ``ScribeError`` with a
message for the worker; how that message reaches the worker (an exit message, a
popup) is the caller's business.

The review gates are domain rules, not screens: a draft is made only once every
risk indicator is accepted or rejected (or, on the command line, with those lines
marked for review), and the store itself refuses to sign a note while one is
undecided.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from note_formats import (
    DraftOptions,
    GroundingProblem,
    build_draft,
    carry_edits,
    check_faithfulness,
    check_grounding,
)
from note_formats.registry import wording_for
from scribe.asr.transcribe import Transcriber
from scribe.audio.decode import check_file, mono_mix, probe_seconds, start_decoding
from scribe.core.errors import NoteError, ScribeError
from scribe.core.fields import check_date, check_line
from scribe.core.records import Annotation, Evidence, Goal, GoalThread, NoteDraft, Transcript
from scribe.speakers.channels import transcribe_channels
from scribe.speakers.diarize import diarize
from scribe.speakers.voices import FeatureStream, one_voice_per_channel, read_features
from scribe.store import Store

Tag = Callable[[Transcript], list[Annotation]]
TagText = Callable[..., tuple[Transcript, list[Annotation]]]

# --- transcribe and tell the voices apart ----------------------------------------------


def transcribe_recording(
    transcriber: Transcriber,
    path: str | Path,
    speakers: int | None = 2,
    roles: dict[str, str | None] | None = None,
    *,
    stereo: bool | None = None,
    progress: bool = False,
) -> Transcript:
    """A recording's words, each segment with its speaker and role (worker, client, ...).

    A stereo file with one voice per channel (two lapel mics, a telehealth call
    recorded side by side) is transcribed channel by channel, so words said at the
    same time are not lost in the mix; anything else is transcribed once and told
    apart by voice. ``speakers``, ``roles`` and ``stereo`` are those of ``diarize``.

    The file is decoded once. A recording transcribed as one mix (one channel, or a single
    speaker) is decoded, measured for voices and transcribed in one pass, a block at a
    time, and never held whole (a 50-minute session is 190 MB of samples); one with more
    channels is held, since whether it has one voice per channel is known only at its end.
    """
    decoding = start_decoding(check_file(path))
    if not stereo and (decoding.channels == 1 or speakers == 1):
        features = FeatureStream() if speakers != 1 else None

        def mix() -> Iterator[np.ndarray]:
            for block in decoding.blocks:
                if features is not None:
                    features.add(block)
                yield mono_mix(block)

        transcript = transcriber.transcribe_chunks(
            mix(), decoding.info, progress=progress, total_seconds=probe_seconds(path)
        )
        if features is None:
            return diarize(transcript, None, 1, roles)
        return diarize(transcript, None, speakers, roles, stereo=False, features=features.result())
    decoded = decoding.whole()
    features = read_features(decoded.samples)
    if stereo or (stereo is None and one_voice_per_channel(features)):
        return transcribe_channels(transcriber, decoded, features=features, roles=roles, progress=progress)
    transcript = transcriber.transcribe_samples(decoded.mono, decoded.info, progress=progress)
    return diarize(transcript, decoded.samples, speakers, roles, stereo=False, features=features)


#: Session types with more than two voices: their speaker count is estimated, not forced to two.
MANY_VOICES = ("family", "group", "couple", "couples")


def speaker_count(session_type: str, given: int | None = None) -> int | None:
    """Voices to tell apart: ``given`` when the worker said; estimated (None) for a family or
    group session, so a teenager's words are not filed as the parent's; else worker and client."""
    if given is not None:
        return given
    return None if session_type.strip().lower() in MANY_VOICES else 2


def find_speakers(transcript: Transcript, path: str | Path, speakers: int | None = 2) -> Transcript:
    """Speakers and roles for a transcript made while recording (``path`` is that recording)."""
    return diarize(transcript, path, num_speakers=speakers)


# --- tag --------------------------------------------------------------------------------


def tagger() -> tuple[Tag, TagText]:
    """``(tag, tag_text)`` of the NLP pipeline.

    Imported on first use, not at the top: importing pipelines loads spaCy
    (seconds), which commands that never tag should not pay for.
    """
    import pipelines

    return pipelines.tag, pipelines.tag_text


def tag(transcript: Transcript) -> list[Annotation]:
    """Goals, interventions, observations, risk and plans found in ``transcript``."""
    return tagger()[0](transcript)


def tag_text(text: str, source: str = "text") -> tuple[Transcript, list[Annotation]]:
    """Typed or dictated notes, or a typed conversation: its transcript and what was found in it."""
    return tagger()[1](text, source)


def decision_key(ann: Annotation) -> tuple[str, int]:
    """What identifies a finding across re-tagging: what the tagger first called it, and where."""
    first = ann.attributes.get("ui_key") or f"{ann.label}/{ann.subtype}/{ann.status}"
    seg = ann.evidence[0].segment_id if ann.evidence else -1
    return first, seg


def retag(transcript: Transcript, previous: Sequence[Annotation]) -> tuple[list[Annotation], list[str]]:
    """Tag a corrected transcript again, carrying over the worker's decisions. Returns (tags, notices).

    A decision carries over to the finding with the same key; a decision whose
    finding is gone (the corrected words no longer say it) is named in a notice.
    """
    fresh = tag(transcript)
    decided = {decision_key(a): a for a in previous if a.review != "pending"}
    seen = set()
    for ann in fresh:
        old = decided.get(decision_key(ann))
        if old is None:
            continue
        seen.add(decision_key(ann))
        ann.review = old.review
        if old.review == "edited":
            ann.attributes["ui_key"] = decision_key(old)[0]
            ann.label, ann.subtype, ann.status, ann.text = old.label, old.subtype, old.status, old.text
    notices = [
        f"Your decision on “{a.text or a.subtype}” no longer applies: the corrected transcript no longer says it."
        for key, a in decided.items()
        if key not in seen
    ]
    return fresh, notices


# --- review gates -----------------------------------------------------------------------


def pending_risks(annotations: Sequence[Annotation]) -> list[Annotation]:
    """Risk indicators the worker has neither accepted nor rejected (they block drafting and signing)."""
    return [a for a in annotations if a.undecided_risk]


def require_risks_decided(annotations: Sequence[Annotation]) -> None:
    """Raise NoteError while a risk indicator waits for the worker's decision."""
    if n := len(pending_risks(annotations)):
        raise NoteError(
            f"Decide each risk indicator first: {n} still need your choice on Tags review "
            "(accept it, or reject it if it is wrong)."
        )


def require_unsigned(draft: NoteDraft | None) -> None:
    """A signed note's session takes no new recording or notes (that would silently replace its source)."""
    if draft is not None and draft.signed_at:
        raise NoteError(
            "This session's note is signed. Start a new session for a new recording or new notes."
        )


# --- draft ------------------------------------------------------------------------------


@dataclass
class Drafted:
    """A new draft, what the worker should know about it, and lines not grounded in the transcript."""

    draft: NoteDraft
    notices: list[str] = field(default_factory=list)
    #: Never expected: a bug worth reporting (the caller says how). Ungrounded or unfaithful lines.
    ungrounded: list[GroundingProblem] = field(default_factory=list)


def check_draft_options(options: DraftOptions) -> None:
    """Raise ScribeError if a header fact the worker typed is not one line of text, or the date is no date."""
    check_date(options.session_date)
    check_line("client identifier", options.client_id)
    check_line("session type", options.session_type)
    check_line("worker's name", options.worker)
    for name in options.participants or []:
        check_line("participant's name", name)


def make_draft(
    fmt: str,
    transcript: Transcript,
    annotations: Sequence[Annotation],
    options: DraftOptions,
    previous: NoteDraft | None = None,
) -> Drafted:
    """Draft the note; the worker's edits to ``previous`` (an earlier draft) carry over."""
    check_draft_options(options)
    new = build_draft(fmt, transcript, annotations, options)
    notices = carry_edits(previous, new) if previous is not None else []
    problems = check_grounding(new, transcript)
    if wording_for(transcript, options).style == "prose":  # sentences must not say more than their evidence
        problems += check_faithfulness(new, transcript)
    return Drafted(new, notices, problems)


# --- save -------------------------------------------------------------------------------


def save_session(
    store: Store,
    client_id: str,
    consent: bool | None,
    transcript: Transcript,
    *,
    audio: Path | None = None,
    annotations: list[Annotation] | None = None,
    draft: NoteDraft | None = None,
) -> str:
    """Keep a session in the store: recording (needs consent), transcript, tags, draft. Returns its id.

    All or nothing: if a part cannot be saved (a full disk), the half-saved session is
    deleted again and the error raised, so a retry does not leave an empty duplicate. If
    the process dies mid-way (killed, power cut), the session is still marked incomplete
    and the next open of the store deletes it.
    """
    session_id = store.create_session(
        client_id,
        bool(consent),
        session_type=draft.header.session_type if draft else "individual",
        session_date=(draft.header.session_date if draft else None) or None,
        incomplete=True,
    )
    try:
        if audio is not None:
            store.save_audio(session_id, audio)
        store.save_transcript(session_id, transcript)
        if annotations is not None:
            store.save_annotations(session_id, annotations)
        if draft is not None:
            store.save_draft(session_id, draft)
        store.finish_session(session_id)
    except BaseException:
        with contextlib.suppress(ScribeError, OSError):
            store.delete_session(session_id)
        raise
    return session_id


# --- the client's goals ---------------------------------------------------------------


def goal_thread(
    store: Store,
    client_id: str,
    transcript: Transcript,
    annotations: Sequence[Annotation],
    session_id: str = "",
) -> GoalThread:
    """The client's goals on file and this session's proposed links to them (for the draft).

    Only ``client_id``'s goals are read: another client's goals never reach this draft.
    """
    from pipelines.goals import link_goals, offer_goals

    goals = store.list_goals(client_id) if (client_id or "").strip() else []
    if not any(g.open for g in goals):
        return GoalThread(goals, [])
    offers = offer_goals(goals, transcript, annotations)
    # what the worker accepted about each goal in other sessions is what the goal's thread is about
    history = {
        g.id: [
            k.evidence.quote
            for k in store.links_of_goal(g.id)
            if k.review == "accepted" and k.session_id != session_id
        ]
        for g in goals
        if g.open
    }
    return GoalThread(goals, link_goals(goals, transcript, session_id, offers=offers, history=history))


def keep_goal_links(store: Store, session_id: str, thread: GoalThread | None) -> None:
    """Store the draft's links as the saved session's (the worker reviews them later)."""
    if thread is None or not thread.links:
        return
    for link in thread.links:
        link.session_id = session_id
    store.save_goal_links(session_id, thread.links)


def session_goal_thread(store: Store, session_id: str) -> GoalThread:
    """A saved session's goals (its client's) and its stored links (proposed when none were stored)."""
    info = store.get_session(session_id)
    links = store.goal_links(session_id)
    goals = store.list_goals(info.client_id)
    if links:
        return GoalThread(goals, links)
    transcript = store.get_transcript(session_id)
    if transcript is None:
        return GoalThread(goals, [])
    thread = goal_thread(store, info.client_id, transcript, store.get_annotations(session_id), session_id)
    thread.goals = [g for g in goals]
    if thread.links:
        store.save_goal_links(session_id, thread.links)
    return thread


def goal_offers(store: Store, session_id: str):
    """The client's goal statements in a saved session, each new or offered as a revision."""
    from pipelines.goals import offer_goals

    info = store.get_session(session_id)
    transcript = store.get_transcript(session_id)
    if transcript is None:
        raise NoteError(f"Session {session_id[:8]} has no transcript to take goals from.")
    return offer_goals(store.list_goals(info.client_id), transcript, store.get_annotations(session_id))


def find_quote(transcript: Transcript, quote: str) -> Evidence:
    """The client's words ``quote`` as evidence in ``transcript`` (spacing and case may differ)."""
    want = " ".join(quote.split()).lower()
    if not want:
        raise NoteError("Give the client's words of the goal (--quote).")
    for seg in transcript.segments:
        text = seg.text
        low = text.lower()
        # map each squashed-text position back to the segment's own characters
        squashed, where = [], []
        for i, ch in enumerate(low):
            if ch.isspace() and squashed and squashed[-1] == " ":
                continue
            squashed.append(" " if ch.isspace() else ch)
            where.append(i)
        k = "".join(squashed).find(want)
        if k < 0:
            continue
        if seg.role not in ("client", None):
            raise NoteError(
                f"Those words were said by the {seg.role}, not the client: a goal on file is the client's own words."
            )
        start, end = where[k], where[k + len(want) - 1] + 1
        return Evidence.of(seg, start, end)
    raise NoteError(
        "Those words are not in the session's transcript: give the client's words exactly as said."
    )


def goal_context(transcript: Transcript, evidence: Evidence) -> str:
    """The talk a goal was stated in: the worker's turn before it and the client's segment."""
    from pipelines.goals import context_of

    return context_of(transcript, evidence)


def restated_goal(store: Store, session_id: str, quote: str) -> Goal | None:
    """The client's goal on file that ``quote`` restates (so it is offered as a revision), or None."""
    from pipelines.goals import restates

    return restates(store.list_goals(store.get_session(session_id).client_id), quote)


def accept_goal(
    store: Store,
    session_id: str,
    quote: str,
    *,
    wording: str = "",
    revises: str | None = None,
    as_new: bool = False,
) -> Goal:
    """Put the client's words ``quote`` from a saved session on file as one of their goals.

    A quote that restates a goal on file is refused unless the worker says which it
    is: a revision of that goal (``revises``) or a new goal beside it (``as_new``).
    """
    transcript = store.get_transcript(session_id)
    if transcript is None:
        raise NoteError(f"Session {session_id[:8]} has no transcript to take the goal from.")
    evidence = find_quote(transcript, quote)
    if revises is None and not as_new and (old := restated_goal(store, session_id, evidence.quote)):
        raise NoteError(
            f'This restates goal {old.id[:8]} ("{old.quote}"). Accept it as that goal\'s revision '
            f"(--revises {old.id[:8]}) or as a separate goal (--new)."
        )
    context = goal_context(transcript, evidence)
    return store.accept_goal(session_id, evidence, wording=wording, context=context, revises=revises)
