"""Linking a session's statements to the client's goals on file, and offering new goals.

Clients rarely repeat a goal's words when they report on it: "I booked the
course" is progress on "I want my driving licence back". So a statement is
scored against each goal by meaning (MiniLM sentence vectors, cosine) and by
the content words it shares with the goal's quote and the worker's wording; a
link is proposed when either is strong enough, recall first — the worker
accepts or rejects every link before it counts. Only the client's own speech is
evidence (a worker's question or summary is not the client's report); a short
answer ("Yes, twice.") is scored together with the worker's question it answers,
but cited alone.

What a linked statement says about the goal (progress, barrier, met) comes from
how people report on a goal: an obstacle is told with a failure or a cause
("couldn't", "didn't", "because of", "too expensive"), completion with an ending
("finally", "passed", "I did it"), anything else is a step along the way.

A client-stated goal in this session (the tagger's goal / desire / need /
commitment statements) is offered to the worker; one that restates a goal on
file is offered as its revision, not as a second goal.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scribe.core.records import NOTE_SOURCES, Annotation, Evidence, Goal, GoalLink, Segment, Transcript

#: Cosine of a statement to a goal from which a link is proposed (MiniLM; unrelated talk
#: in the same session sits around 0.1-0.3, a report on the goal in other words 0.35-0.6).
LINK_COSINE = 0.35
#: A weaker cosine still links when the statement shares this many content words with the goal.
SHARED_COSINE = 0.28
SHARED_WORDS = 1
#: Another goal is linked too when it scores within this margin of the best one.
SECOND_MARGIN = 0.04
#: A new goal statement this close to a goal on file is offered as its revision.
REVISION_COSINE = 0.55
#: Answers shorter than this are scored with the worker's question before them.
SHORT_ANSWER_WORDS = 6
#: Goal statements the tagger labels (a commitment to this week's task is a plan, not a goal).
GOAL_SUBTYPES = ("goal", "desire", "need")

_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
_WORD = re.compile(r"[a-z][a-z']+")
#: Words that carry no topic of their own in talk about goals.
_STOP_TEXT = """
    a about after again all also am an and any are as at back be because been before being but by
    can could did do does doing done don't for from get getting got had has have having he her here
    him his how i i'm i've i'd if in into is it it's its just know like little lot make me more most
    much my need next no not now of off on one only or other our out over really right same so some
    still such than that that's the their them then there these they thing things think this those
    through time to too try trying up us very want wanted was way we week weeks well went were what
    when where which while who will with would yeah yes you your feel feeling going go want wants
    able bit kind sort okay ok maybe guess mean actually pretty start started keep
"""
STOPWORDS = frozenset(_STOP_TEXT.split())
_BARRIER = re.compile(
    r"\b(couldn'?t|can'?t|cannot|didn'?t|haven'?t|hasn'?t|wasn'?t|won'?t|not able|unable|no way|hard(er)?|"
    r"difficult|struggl\w*|stuck|problem\w*|because of|too (expensive|much|far|late|tired)|afford|"
    r"missed|fell through|fall through|blocked|refused|turned down|rejected|waiting list|behind on|"
    r"setback|slipped|relapsed?|gave up|give up|got worse|worse|lost it|lost my temper|snapped|so tired|"
    r"still waiting|waiting to hear|not yet|haven't heard)\b",
    re.I,
)
_MET = re.compile(
    r"\b(finally|passed|i did it|did it|made it|achieved|done it|got it|have it now|managed it|"
    r"for good|completed|signed the|moved in|got the job|started the job)\b",
    re.I,
)


def stem(word: str) -> str:
    """A crude stem so "booked" meets "booking" and "kids" meets "kid"."""
    for suffix in ("ing", "ied", "ies", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    """The topic words of ``text``, stemmed."""
    return {stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 2}


@dataclass
class Statement:
    """One sentence of the client's, as evidence, with the text it is scored on."""

    evidence: Evidence
    scored: str
    #: The worker's turn just before, which often names the topic the client answers about.
    asked: str = ""


@dataclass
class GoalOffer:
    """A goal the client stated this session, for the worker to accept (as a revision when ``revises``)."""

    evidence: Evidence
    revises: str | None = None
    similarity: float = 0.0


def statements(transcript: Transcript) -> list[Statement]:
    """The client's sentences (every sentence of typed notes), each as a citable span."""
    notes = transcript.source in NOTE_SOURCES
    out: list[Statement] = []
    previous: Segment | None = None
    for seg in transcript.segments:
        if not (notes or seg.role == "client" or (seg.role is None and not transcript.speakers)):
            previous = seg
            continue
        for m in _SENTENCE.finditer(seg.text):
            a, b = m.start(), m.end()
            while a < b and seg.text[a].isspace():
                a += 1
            while b > a and seg.text[b - 1].isspace():
                b -= 1
            if not _WORD.search(seg.text[a:b].lower()):
                continue
            text = seg.text[a:b]
            asked = previous.text if previous is not None and previous.role == "worker" else ""
            scored = f"{asked} {text}" if asked and len(text.split()) < SHORT_ANSWER_WORDS else text
            out.append(Statement(Evidence.of(seg, a, b), scored, f"{asked} {text}" if asked else ""))
    return out


def goal_text(goal: Goal) -> str:
    return f"{goal.quote} {goal.wording}".strip()


def context_of(transcript: Transcript, evidence: Evidence) -> str:
    """The worker's question the goal answered (if the last worker turn asked one) and the client's segment.

    A question ("What about work?") names the goal's topic; advice or a reflection
    before it is about something else as often as not, so it is left out.
    """
    asked = ""
    for seg in transcript.segments:
        if seg.id == evidence.segment_id:
            return f"{asked} {seg.text}".strip()
        if seg.role == "worker":
            asked = seg.text if seg.text.rstrip().endswith("?") else ""
    return evidence.quote


def kind_of(text: str) -> str:
    """What a statement linked to a goal reports: "barrier", "met" or "progress"."""
    if _BARRIER.search(text):
        return "barrier"
    if _MET.search(text):
        return "met"
    return "progress"


def link_goals(
    goals: Sequence[Goal],
    transcript: Transcript,
    session_id: str,
    *,
    encoder=None,
    offers: Sequence[GoalOffer] = (),
) -> list[GoalLink]:
    """Links from this session's client statements to the active ``goals``, recall first.

    A statement that is itself offered as a new goal is not also evidence about
    the goal it restates (it is offered as that goal's revision instead).
    """
    active = [g for g in goals if g.open]
    units = statements(transcript)
    if not active or not units:
        return []
    encoder = encoder or _encoder()
    # Each side is read alone and in its context (the goal in the talk it was stated in,
    # the statement after the question it answers); the best of the readings counts.
    goal_vecs = encoder.encode([goal_text(g) for g in active])
    goal_ctx = encoder.encode([g.context or goal_text(g) for g in active])
    unit_vecs = encoder.encode([u.scored for u in units])
    unit_ctx = encoder.encode([u.asked or u.scored for u in units])
    cos = np.maximum.reduce(
        [unit_vecs @ goal_vecs.T, unit_vecs @ goal_ctx.T, unit_ctx @ goal_vecs.T, unit_ctx @ goal_ctx.T]
    )
    goal_words = [content_words(goal_text(g)) for g in active]
    offered = {(o.evidence.segment_id, o.evidence.char_start) for o in offers if o.revises}
    links: list[GoalLink] = []
    for i, unit in enumerate(units):
        if (unit.evidence.segment_id, unit.evidence.char_start) in offered:
            continue
        words = content_words(unit.evidence.quote)
        scores = []
        for j, goal in enumerate(active):
            shared = words & goal_words[j]
            c = float(cos[i, j])
            if c >= LINK_COSINE or (c >= SHARED_COSINE and len(shared) >= SHARED_WORDS):
                why = f"similar {c:.2f}" + (f"; shares: {', '.join(sorted(shared))}" if shared else "")
                scores.append((c + 0.05 * min(len(shared), 3), goal, why))
        if not scores:
            continue
        best = max(s for s, _, _ in scores)
        for score, goal, why in scores:
            if score >= best - SECOND_MARGIN:
                links.append(
                    GoalLink(
                        id=uuid.uuid4().hex,
                        goal_id=goal.id,
                        session_id=session_id,
                        kind=kind_of(unit.evidence.quote),
                        evidence=unit.evidence,
                        score=round(score, 3),
                        why=why,
                    )
                )
    return links


def offer_goals(
    goals: Sequence[Goal], transcript: Transcript, annotations: Sequence[Annotation], *, encoder=None
) -> list[GoalOffer]:
    """The client's goal statements in this session, each offered new or as a revision of a goal on file."""
    spans: list[Evidence] = []
    segments = {s.id: s for s in transcript.segments}
    seen: set[tuple[int, int]] = set()
    for ann in annotations:
        if ann.label != "goal" or ann.subtype not in GOAL_SUBTYPES or ann.review == "rejected":
            continue
        if ann.status not in ("affirmed", "hypothetical"):
            continue
        for ev in ann.evidence:
            seg = segments.get(ev.segment_id)
            role = ev.role or (seg.role if seg else None) or ann.role
            if seg is None or role not in ("client", None) or (ev.segment_id, ev.char_start) in seen:
                continue
            seen.add((ev.segment_id, ev.char_start))
            spans.append(ev)
    on_file = [g for g in goals if g.status in ("active", "met")]
    offers = [GoalOffer(ev) for ev in spans]
    if offers and on_file:
        encoder = encoder or _encoder()
        sims = encoder.encode([ev.quote for ev in spans]) @ encoder.encode([goal_text(g) for g in on_file]).T
        for k, offer in enumerate(offers):
            j = int(np.argmax(sims[k]))
            offer.similarity = round(float(sims[k, j]), 3)
            same = offer.evidence.quote.strip() == on_file[j].quote.strip()
            if sims[k, j] >= REVISION_COSINE and not same:
                offer.revises = on_file[j].id
    quoted = {g.quote.strip() for g in goals}
    return sorted(
        (o for o in offers if o.evidence.quote.strip() not in quoted),
        key=lambda o: (o.evidence.start, o.evidence.segment_id, o.evidence.char_start),
    )


def restates(goals: Sequence[Goal], quote: str, *, encoder=None) -> Goal | None:
    """The active or met goal that ``quote`` restates (cosine at least REVISION_COSINE), or None."""
    on_file = [g for g in goals if g.status in ("active", "met") and g.quote.strip() != quote.strip()]
    if not on_file or not quote.strip():
        return None
    encoder = encoder or _encoder()
    sims = encoder.encode([quote]) @ encoder.encode([goal_text(g) for g in on_file]).T
    j = int(np.argmax(sims[0]))
    return on_file[j] if sims[0, j] >= REVISION_COSINE else None


def _encoder():
    from pipelines.embed import load_encoder

    return load_encoder()
