"""A hand-built counselling session (transcript + annotations) with known content, for the note tests.

The dialogue is ``synth.COUNSELLING_TURNS``; the annotations are what a good
tagger should find in it (vocabulary from TEAM.md), plus two traps: an
"intervention" tagged on the client's speech (must never be listed) and a
low-confidence change-talk annotation on a segment the transcriber flagged
(must be marked for review, not dropped).
"""

from __future__ import annotations

from scribe.core.records import Annotation, Evidence, Segment, Speaker, Transcript, Word
from synth import COUNSELLING_TURNS

ROLE_SPEAKER = {"worker": "SPEAKER_00", "client": "SPEAKER_01"}

GOAL_QUOTE = "I want to find a job where I am not so anxious every morning."
DENIAL_QUOTE = "No, I have never thought about killing myself."
HOMEWORK_QUOTE = "apply to two jobs and write down how you sleep each night"
REFERRAL_QUOTE = "refer you to the employment support program"

#: A second session of a client whose goal is to get their driving licence back: a step taken, a
#: barrier, and a turn about something else.
LICENCE_SECOND_SESSION = """Worker: How did the week go with the licence?
Client: I booked the driving course and paid the deposit on Monday.
Worker: And the lessons?
Client: I missed the first class because I had nobody to watch my son.
Worker: How is your neighbour doing?
Client: She repainted her kitchen, it looks lovely.
"""
FOLLOW_UP_QUOTE = "See you next Tuesday."
CLIENT_TRAP_QUOTE = "I just feel overwhelmed."
#: Interventions the worker used (subtypes), and the one tagged on client speech.
WORKER_INTERVENTIONS = {"open_question", "complex_reflection", "scaling_question", "referral"}
CLIENT_TRAP_ID = "a-trap"


def _words(text: str, start: float, end: float) -> list[Word]:
    """Evenly timed words with Whisper's leading spaces, so span_time has something to map."""
    tokens = text.split()
    step = (end - start) / len(tokens)
    return [
        Word(round(start + i * step, 3), round(start + (i + 1) * step, 3), (" " if i else "") + tok, 0.9)
        for i, tok in enumerate(tokens)
    ]


def counselling_transcript() -> Transcript:
    """One segment per turn, 5 s each with 1 s gaps; segment 5 flagged by the transcriber."""
    segments = []
    t = 2.0
    for i, (role, text) in enumerate(COUNSELLING_TURNS):
        seg = Segment(id=i, start=t, end=t + 5.0, text=text, words=_words(text, t, t + 5.0))
        seg.speaker, seg.role = ROLE_SPEAKER[role], role
        segments.append(seg)
        t += 6.0
    segments[5].needs_review = True
    segments[5].review_reasons = ["low word probability"]
    return Transcript(
        segments=segments,
        duration=t + 2.0,
        speakers=[Speaker("SPEAKER_00", "worker"), Speaker("SPEAKER_01", "client")],
        source="audio",
        created_at="2025-03-04T10:00:00+00:00",
    )


def ev(transcript: Transcript, seg_id: int, quote: str | None = None) -> Evidence:
    """Evidence for ``quote`` inside segment ``seg_id`` (the whole segment when None)."""
    seg = transcript.segment(seg_id)
    if quote is None:
        return Evidence.of(seg)
    start = seg.text.index(quote)
    return Evidence.of(seg, start, start + len(quote))


def counselling_annotations(transcript: Transcript) -> list[Annotation]:
    tr = transcript

    def ann(aid, label, subtype, seg_id, quote=None, *, role=None, **kw) -> Annotation:
        evidence = [ev(tr, seg_id, quote)]
        seg = tr.segment(seg_id)
        return Annotation(
            id=aid,
            label=label,
            subtype=subtype,
            text=kw.pop("text", quote or seg.text),
            evidence=evidence,
            speaker=seg.speaker,
            role=role or seg.role,
            source="hand",
            **kw,
        )

    denial = ann("a9", "risk", "suicidal_ideation", 7, DENIAL_QUOTE, status="negated")
    denial.evidence.insert(0, ev(tr, 6, "thoughts of hurting yourself or ending your life"))
    return [
        ann("a1", "intervention", "open_question", 0, "How have things been since we last met?"),
        ann("a2", "observation", "sleep", 1, "I have not been sleeping well"),
        ann("a3", "observation", "energy", 1, "I feel tired all the time"),
        ann("a4", "intervention", "complex_reflection", 2),
        ann("a17", "observation", "stressor", 2, "the stress at work"),
        ann("a5", "goal", "goal", 3, GOAL_QUOTE),
        ann("a6", "intervention", "scaling_question", 4),
        ann("a7", "goal", "ability", 5, "Maybe a six.", confidence=0.45),
        ann("a8", "goal", "taking_steps", 5, "I already updated my resume on Sunday."),
        denial,
        ann("a16", "observation", "mood_affect", 7, CLIENT_TRAP_QUOTE),
        ann(CLIENT_TRAP_ID, "intervention", "open_question", 7, CLIENT_TRAP_QUOTE),
        ann("a11", "plan", "homework", 8, HOMEWORK_QUOTE, attributes={"who": "client", "when": "next week"}),
        ann("a12", "goal", "commitment", 9, "I will apply to two jobs by Friday."),
        ann("a13", "plan", "referral", 10, REFERRAL_QUOTE),
        ann("a14", "intervention", "referral", 10, REFERRAL_QUOTE),
        ann("a15", "plan", "follow_up", 10, FOLLOW_UP_QUOTE, attributes={"when": "next Tuesday"}),
    ]


def self_harm_disclosure(transcript: Transcript, ann_id: str) -> Annotation:
    """An affirmed self-harm indicator on the client's "overwhelmed" turn (segment 7)."""
    return Annotation(
        id=ann_id,
        label="risk",
        subtype="self_harm",
        text="overwhelmed",
        evidence=[ev(transcript, 7, CLIENT_TRAP_QUOTE)],
        role="client",
        status="affirmed",
    )
