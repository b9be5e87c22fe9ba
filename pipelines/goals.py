"""Linking a session's talk to the client's goals on file, in two tiers, and offering new goals.

Clients rarely repeat a goal's words when they report on it: "I booked the
course" is progress on "I want my driving licence back". Only the client's own
speech is evidence (a worker's question or summary is not the client's report).

Talk runs in topics, and a client's turn is the unit: the worker's question sets
the topic of the answer ("What about the daycare?"), an answer to a follow-up
("And then?", "Did any of them call back?") keeps the topic of the answer before,
and a question about something else ("How's your neighbour?") puts the answer off the
goals. A turn is scored against each goal by meaning (MiniLM cosine of its
sentences, of the turn whole, of the question, and of question and answer read
together, against the goal's quote and the talk it was stated in) plus the goal's
topic words it uses: the goal's own words, the near-synonym families of the area
the goal is about ("a place of my own" and "the landlord"), the session's words
close to the goal's in MiniLM ("sober" for "drinking"), and the words of the
evidence the worker accepted about the goal in earlier sessions.

Recall first, and honestly marked: a turn clearly about one goal is a
"confident" link (drafted as progress, barrier or met); a turn that may be about
a goal is a "possible" link, drafted with a review mark and never as fact, until
the worker accepts or rejects it. The cited sentence is the one that tells how
things stand; what it says about the goal comes from ``pipelines.goal_talk``.

A client-stated goal in this session (the tagger's goal / desire / need
statements) is offered to the worker; one that restates a goal on file is
offered as its revision, not as a second goal.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from pipelines.goal_talk import (
    NAME,
    OPEN_WORDS,
    WORD,
    concepts_of,
    content_words,
    follows_up,
    has_content,
    kind_of,
    raw_words,
    reports,
    stem,
)
from scribe.core.records import NOTE_SOURCES, Annotation, Evidence, Goal, GoalLink, Segment, Transcript

#: Score added per content word (at most 3) and per near-synonym family (at most 2) shared with the goal.
WORD_BONUS = 0.05
CONCEPT_BONUS = 0.04
#: A session's word this close to one of a goal's words (MiniLM, words alone) counts as the goal's.
NEAR_COSINE = 0.6
#: Cosine to a goal's earlier accepted evidence counts this much of cosine to the goal itself.
HISTORY_WEIGHT = 0.9
#: A turn about a goal this strongly (MiniLM cosine plus shared words; unrelated talk in the
#: same session sits around 0.1-0.35) and clearly more than about any other goal is a
#: confident link, drafted as progress, barrier or met.
CONFIDENT_SCORE = 0.50
CONFIDENT_MARGIN = 0.08
#: From this score a turn is a possible link, drafted with a review mark for the worker.
POSSIBLE_SCORE = 0.25
#: Goals within this margin of a turn's best are linked too (as possible).
POSSIBLE_MARGIN = 0.12
#: An answer to a follow-up keeps the topic of the answer before, a little weaker each turn.
CARRY_DECAY = 0.05
#: A question this close to a goal (cosine plus the goal's words it uses) asks about it; an answer
#: to one less close that names a topic of its own ("How's your neighbour?") is at most a possible link.
QUESTION_ON_GOAL = 0.35
#: A turn's further cited sentences (another kind of event than its outcome) rank this much lower.
TELLS_MORE = 0.01
#: A new goal statement this close to a goal on file is offered as its revision.
REVISION_COSINE = 0.55
#: Answers shorter than this are scored with the worker's question before them.
SHORT_ANSWER_WORDS = 6
#: Goal statements the tagger labels (a commitment to this week's task is a plan, not a goal).
GOAL_SUBTYPES = ("goal", "desire", "need")

_SENTENCE = re.compile(r"[^.!?]+[.!?]*")


@dataclass
class Statement:
    """One sentence of the client's, as evidence, with the text it is scored on."""

    evidence: Evidence
    scored: str
    #: The worker's turn just before, which often names the topic the client answers about.
    asked: str = ""
    #: The last worker question before this turn (it names the topic an answer leaves out).
    question: str = ""
    #: The client's whole turn (consecutive client segments), the topic the sentence belongs to.
    turn: str = ""
    #: Index of the turn in the session, shared by its sentences.
    turn_index: int = 0


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
    question = ""
    turn_index = -1
    turn_first: int | None = None
    for seg in transcript.segments:
        if not (notes or seg.role == "client" or (seg.role is None and not transcript.speakers)):
            if seg.role == "worker":
                question = seg.text if "?" in seg.text else ""
            previous = seg
            turn_first = None
            continue
        if turn_first is None:
            turn_index += 1
            turn_first = len(out)
        for m in _SENTENCE.finditer(seg.text):
            a, b = m.start(), m.end()
            while a < b and seg.text[a].isspace():
                a += 1
            while b > a and seg.text[b - 1].isspace():
                b -= 1
            if not WORD.search(seg.text[a:b].lower()):
                continue
            text = seg.text[a:b]
            asked = previous.text if previous is not None and previous.role == "worker" else ""
            scored = f"{asked} {text}" if asked and len(text.split()) < SHORT_ANSWER_WORDS else text
            out.append(
                Statement(
                    Evidence.of(seg, a, b),
                    scored,
                    f"{asked} {text}" if asked else "",
                    question=question if not notes else "",
                    turn_index=turn_index,
                )
            )
        turn = " ".join(u.evidence.quote for u in out[turn_first:])
        for u in out[turn_first:]:
            u.turn = turn
        if notes:  # a typed note's paragraph is its own topic
            turn_first = None
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


def link_goals(
    goals: Sequence[Goal],
    transcript: Transcript,
    session_id: str,
    *,
    encoder=None,
    offers: Sequence[GoalOffer] = (),
    history: Mapping[str, Sequence[str]] | None = None,
) -> list[GoalLink]:
    """Links from this session's client turns to the active ``goals``, recall first, in two tiers.

    Each client turn whose topic is a goal links to it, citing the sentence that tells how
    things stand (and one more for another kind of event the turn tells, see ``cites_of``):
    "confident" when the turn is clearly about that goal (drafted as
    progress / barrier / met), "possible" when it may be (drafted with a review mark, never
    as fact). A statement that is itself offered as a new goal is not also evidence about
    the goal it restates (it is offered as that goal's revision instead). ``history`` gives,
    by goal id, the evidence the worker accepted about it in earlier sessions: what a goal's
    thread has been about ("the course", "Mr. Haddad") is what later talk about it mentions.
    """
    active = [g for g in goals if g.open]
    units = statements(transcript)
    if not active or not units:
        return []
    scores = score_turns(active, units, encoder or _encoder(), history or {})
    offered = {(o.evidence.segment_id, o.evidence.char_start) for o in offers if o.revises}
    links: list[GoalLink] = []
    for turn in scores.turns:
        members = [
            i
            for i in turn.units
            if (units[i].evidence.segment_id, units[i].evidence.char_start) not in offered
        ]
        if not members:
            continue
        for j, tier in tiers_of(turn.row, turn.aside):
            for rank, i in enumerate(cites_of(members, scores.sent[:, j], units)):
                links.append(
                    GoalLink(
                        id=uuid.uuid4().hex,
                        goal_id=active[j].id,
                        session_id=session_id,
                        kind=kind_of(units[i].evidence.quote),
                        evidence=units[i].evidence,
                        # the turn's outcome ranks first among its sentences
                        score=round(float(turn.row[j]) - TELLS_MORE * rank, 3),
                        why=turn.why[j],
                        tier=tier,
                    )
                )
    return links


@dataclass
class TurnScore:
    """One client turn: its statements and how strongly it is about each goal (with why)."""

    units: list[int]
    row: np.ndarray
    why: list[str]
    #: The turn answers a worker's question about something other than the goals.
    aside: bool = False


@dataclass
class SessionScores:
    #: statement x goal: the sentence read alone (and with the question a short answer answers).
    sent: np.ndarray
    turns: list[TurnScore]


def tiers_of(row: np.ndarray, aside: bool = False) -> list[tuple[int, str]]:
    """The goals a turn with topic scores ``row`` is linked to, each with its tier.

    The best goal is confident when it scores high and clearly above the next one; any goal
    near the best and above the lower bar is possible. Two goals close together are both
    possible: the worker decides which one the turn was about. An answer to a question about
    something else (``aside``) is at most possible.
    """
    order = np.argsort(-row)
    best = float(row[order[0]])
    second = float(row[order[1]]) if len(row) > 1 else 0.0
    out: list[tuple[int, str]] = []
    for j in order:
        score = float(row[j])
        if score < POSSIBLE_SCORE or score < best - POSSIBLE_MARGIN:
            break
        confident = (
            not aside and j == order[0] and score >= CONFIDENT_SCORE and score - second >= CONFIDENT_MARGIN
        )
        out.append((int(j), "confident" if confident else "possible"))
    return out


def cites_of(members: list[int], sent: np.ndarray, units: Sequence[Statement]) -> list[int]:
    """The sentences of a turn to cite for a goal: first the one that tells how things stand,
    then the last one of each other kind of event the turn tells.

    A completion anywhere in the turn is what it reports; otherwise a turn's outcome comes at
    its end ("I did the forms... but there's a waitlist", "I yelled twice, but I went back and
    said sorry"), so the last sentence that tells an event (an obstacle or a step) comes first;
    a turn that tells none is cited by its sentence closest to the goal. A turn that tells a
    good evening and a bad one ("Sunday I counted to ten. Tuesday I lost it.") gives both.
    """
    kinds = {i: kind_of(units[i].evidence.quote) for i in members}
    met = [i for i in members if kinds[i] == "met"]
    events = [i for i in members if reports(units[i].evidence.quote)]
    if met:
        first = max(met, key=lambda i: float(sent[i]))
    elif events:
        first = events[-1]
    else:
        return [max(members, key=lambda i: float(sent[i]))]
    out = [first]
    for kind in ("barrier", "progress"):
        told = [i for i in events if kinds[i] == kind]
        if told and kind not in {kinds[i] for i in out}:
            out.append(told[-1])
    return out


@dataclass
class GoalTopic:
    """What a goal is about, as words: its own (stemmed), the near-synonym families they belong
    to, and the session's words whose MiniLM vector is close to one of its words."""

    words: set[str]
    concepts: set[str]
    near: set[str] = field(default_factory=set)
    #: Words of the evidence the worker accepted about the goal in earlier sessions.
    thread: set[str] = field(default_factory=set)

    def overlap(self, text: str) -> tuple[float, str]:
        """The bonus ``text`` earns by talking in the goal's words, and the words that earned it."""
        words = content_words(text)
        shared, same = words & self.words, concepts_of(text) & self.concepts
        near, before = (words & self.near) - shared, (words & self.thread) - shared
        bonus = WORD_BONUS * min(len(shared | near | before), 3) + CONCEPT_BONUS * min(len(same), 2)
        why = ""
        if shared:
            why += f"; shares: {', '.join(sorted(shared))}"
        if before:
            why += f"; as in its earlier evidence: {', '.join(sorted(before))}"
        if near:
            why += f"; near: {', '.join(sorted(near))}"
        if same:
            why += f"; same area: {', '.join(sorted(same))}"
        return bonus, why


def goal_topics(
    active: Sequence[Goal], units: Sequence[Statement], encoder, history: Mapping[str, Sequence[str]]
) -> list[GoalTopic]:
    """Each goal's topic words, with the session's words near them in meaning ("landlord" for
    "lease", "sober" for "drinking"): clients report on a goal in other words than they stated it.
    The words of the goal's accepted evidence in earlier sessions count as its own."""
    topics = [GoalTopic(content_words(goal_text(g)), concepts_of(goal_text(g))) for g in active]
    for topic, goal in zip(topics, active, strict=True):
        for quote in history.get(goal.id, ()):
            topic.thread |= content_words(quote) - topic.words
    keys = [sorted(raw_words(goal_text(g))) for g in active]
    vocab = sorted(set().union(*(raw_words(f"{u.evidence.quote} {u.question}") for u in units)))
    flat = sorted(set().union(*keys))
    if not vocab or not flat:
        return topics
    sims = encoder.encode(vocab) @ encoder.encode(flat).T
    column = {w: k for k, w in enumerate(flat)}
    for topic, own in zip(topics, keys, strict=True):
        if not own:
            continue
        best = sims[:, [column[w] for w in own]].max(axis=1)
        topic.near = {stem(w) for w, b in zip(vocab, best, strict=True) if b >= NEAR_COSINE}
    return topics


def _history_vectors(
    active: Sequence[Goal], history: Mapping[str, Sequence[str]], encoder
) -> dict[int, np.ndarray]:
    """By goal index, the vectors of the evidence accepted about it in earlier sessions."""
    out = {}
    for j, goal in enumerate(active):
        quotes = [q for q in history.get(goal.id, ()) if q.strip()]
        if quotes:
            out[j] = encoder.encode(quotes)
    return out


def score_turns(
    active: Sequence[Goal],
    units: Sequence[Statement],
    encoder,
    history: Mapping[str, Sequence[str]] | None = None,
) -> SessionScores:
    """How strongly each client sentence and each client turn is about each goal."""
    # Each side is read alone and in its context (the goal in the talk it was stated in,
    # the statement after the question it answers); the best of the readings counts.
    goal_vecs = encoder.encode([goal_text(g) for g in active])
    goal_ctx = encoder.encode([g.context or goal_text(g) for g in active])
    unit_vecs = encoder.encode([u.scored for u in units])
    unit_ctx = encoder.encode([u.asked or u.scored for u in units])
    cos = np.maximum.reduce(
        [unit_vecs @ goal_vecs.T, unit_vecs @ goal_ctx.T, unit_ctx @ goal_vecs.T, unit_ctx @ goal_ctx.T]
    )
    # The goal's earlier evidence is a reading of it too, a little below its own words.
    before = _history_vectors(active, history or {}, encoder)
    for j, vecs in before.items():
        cos[:, j] = np.maximum(cos[:, j], HISTORY_WEIGHT * (unit_vecs @ vecs.T).max(axis=1))
    turns_text = sorted(
        {u.turn for u in units} | {u.question for u in units if u.question} | {exchange(u) for u in units}
    )
    turn_vecs = dict(zip(turns_text, encoder.encode(turns_text), strict=True))
    topics = goal_topics(active, units, encoder, history or {})
    n_goals = len(active)
    sent = np.zeros((len(units), n_goals))
    reasons: list[list[str]] = []
    for i, unit in enumerate(units):
        row_why = []
        for j, topic in enumerate(topics):
            bonus, why = topic.overlap(unit.evidence.quote)
            sent[i, j] = float(cos[i, j]) + bonus
            row_why.append(f"similar {cos[i, j]:.2f}{why}")
        reasons.append(row_why)
    by_turn: dict[int, list[int]] = {}
    for i, unit in enumerate(units):
        by_turn.setdefault(unit.turn_index, []).append(i)
    turns: list[TurnScore] = []
    carried = np.zeros(n_goals)
    for index in sorted(by_turn):
        members = by_turn[index]
        first = units[members[0]]
        t_cos = np.maximum(turn_vecs[first.turn] @ goal_vecs.T, turn_vecs[first.turn] @ goal_ctx.T)
        for j, vecs in before.items():
            t_cos[j] = max(t_cos[j], HISTORY_WEIGHT * float((vecs @ turn_vecs[first.turn]).max()))
        q_cos = turn_vecs[first.question] @ goal_vecs.T if first.question else np.zeros(n_goals)
        x_cos = np.maximum(turn_vecs[exchange(first)] @ goal_vecs.T, turn_vecs[exchange(first)] @ goal_ctx.T)
        own = np.zeros(n_goals)
        asked = np.zeros(n_goals)
        why = []
        for j, topic in enumerate(topics):
            best_i = max(members, key=lambda k, j=j: sent[k, j])
            t_bonus, t_why = topic.overlap(first.turn)
            q_bonus, q_why = topic.overlap(first.question) if first.question else (0.0, "")
            asked[j] = float(q_cos[j]) + q_bonus
            readings = {
                reasons[best_i][j]: float(sent[best_i, j]),
                f"the whole answer similar {t_cos[j]:.2f}{t_why}": float(t_cos[j]) + t_bonus,
                f"answers a question about it, similar {q_cos[j]:.2f}{q_why}": float(q_cos[j]) + q_bonus,
                f"question and answer similar {x_cos[j]:.2f}{t_why}": float(x_cos[j]) + t_bonus,
            }
            reading = max(readings, key=readings.__getitem__)
            own[j] = readings[reading]
            why.append(reading)
        aside = sets_other_topic(first.question, asked)
        if aside:  # "How's your neighbour?", "Anything about Christmas?": the answer is about what was asked
            why = [w + "; answers a question about something else" for w in why]
        if not has_content(first.turn):  # a back-channel keeps the topic but is no evidence
            turns.append(TurnScore(members, np.zeros(n_goals), why))
            continue
        row = own
        if follows_up(first.question):
            row = np.maximum(own, carried - CARRY_DECAY)
            for j in range(n_goals):
                if row[j] > own[j]:
                    why[j] += "; follows up the answer before, which was about it"
        carried = row
        turns.append(TurnScore(members, row, why, aside))
    return SessionScores(sent, turns)


def exchange(unit: Statement) -> str:
    """The worker's question and the client's whole answer, read as one exchange."""
    return f"{unit.question} {unit.turn}".strip()


def sets_other_topic(question: str, asked: np.ndarray) -> bool:
    """Whether the worker's question opens a topic of its own that is none of the goals
    (``asked``: how close the question is to each goal).

    "How's your neighbour?" or "How are things at your sister's?" names what the answer will
    be about; "What's new?" or "How have the last two weeks been?" leaves it to the client, and
    a follow-up ("And then?") keeps the topic already on the table.
    """
    if not question or follows_up(question):
        return False
    last = question[question.rfind(".", 0, max(question.rfind("?"), 0)) + 1 :]
    named = raw_words(last) - OPEN_WORDS - {w.lower() for w in NAME.findall(last)}
    return bool(named) and float(asked.max(initial=0.0)) < QUESTION_ON_GOAL


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
