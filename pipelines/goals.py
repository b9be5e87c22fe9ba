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

Talk runs in topics: a client's turn is also read whole and through the worker's
question before it, and an answer to a follow-up ("And then?", "Did any of them
call back?") stays on the topic of the answer before. Each sentence and each turn
goes to the goal it scores best for, not to every goal above a bar. Goals and
statements meet through near-synonym families of the areas goals are about
("a place of my own" and "the landlord"). A goal counts as discussed in a session
only when one link to it is strong; the rest of the session is then read again
for the discussed goals alone, so talk is not spread over goals nobody raised.

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
LINK_COSINE = 0.40
#: A weaker cosine still links when the statement shares this many content words with the goal.
SHARED_COSINE = 0.28
SHARED_WORDS = 1
#: Another goal is linked too when it scores within this margin of the best one.
SECOND_MARGIN = 0.0
#: Score added per content word (at most 3) and per near-synonym family (at most 2) shared with the goal.
WORD_BONUS = 0.05
CONCEPT_BONUS = 0.04
#: A client's turn (read whole, or through the worker's question) from which it is about a goal.
TOPIC_COSINE = 0.40
#: ...and only about the goals within this margin of its best one.
TOPIC_MARGIN = 0.0
#: A worker's question counts a little less than the client's own words.
QUESTION_WEIGHT = 1.0
#: How much of the last answer's topic an answer to a follow-up question keeps.
CARRY = 1.0
#: A turn-level link ranks this much below a sentence that links on its own.
TOPIC_DISCOUNT = 0.02
#: A goal counts as discussed in a session only if one of its links scores at least this.
DISCUSSED_SCORE = 0.50
#: The bars for further links to a goal the session discusses.
DISCUSSED_LINK_COSINE = 0.40
DISCUSSED_TOPIC_COSINE = 0.40
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
#: Completion told through an ending that reads like a failure word ("not once", "hasn't been late
#: since"), or through what the outcome brings ("came through", "gave me the keys"): met, not a barrier.
_MET_FIRST = re.compile(
    r"\b(not once|(hasn'?t|haven'?t|hadn'?t) (been late|missed|had a drink|had a drop|used|touched)|"
    r"(came|come) through|got the keys|gave me the keys|signed (on|the lease)|approved|accepted me|took me)\b",
    re.I,
)


#: Near-synonym families for the areas client goals are usually about (housing, work, money,
#: study, sobriety, health, parenting, temper, family contact, legal, transport). A goal and a
#: statement that each use a word of one family talk about the same thing even when they share
#: no word ("a place of my own" and "the landlord"). Written from the domain, stemmed on use.
_CONCEPT_TEXT = """
housing: home house housing place apartment flat room rent rental lease landlord tenancy tenant
    deposit keys key move moving moved evict eviction shelter rehousing homeless viewing bedroom
    roommate sublet voucher section live living somewhere flat viewing
work: job jobs work working career employ employment employer hire hired hiring interview
    application apply applied resume shift shifts boss manager paycheck wage wages salary hours
    position opening orientation trainee training workplace office warehouse fired laid layoff
money: money debt debts bills bill budget budgeting savings save saving pay paid payment payments
    afford loan benefits check cash overdraft arrears rent owe owed owing broke
study: school college course courses class classes study studying degree diploma certificate
    exam exams test enroll enrolled enrollment tuition homework teacher semester program ged
sobriety: drink drinking drank drunk sober sobriety alcohol beer wine vodka whisky bottle booze
    relapse relapsed craving cravings urge urges chip meeting meetings sponsor aa na using
    clean use high pills drugs detox rehab recovery
health: doctor clinic appointment appointments medication meds pills therapy therapist counselling
    counseling sleep sleeping exercise walk walking weight diet pain hospital
parenting: kids kid children child son daughter baby toddler parenting bedtime routine
    morning mornings school bus breakfast homework tantrum
temper: yell yelling yelled scream screaming screamed shout shouting shouted temper angry anger
    patience patient calm calmer snapped snap breathe breath breaths count counted sorry apologize
    apologise hit lost
attendance: late time on-time tardy tardies attendance absent absence absences missed bell
    alarm morning mornings ready dressed
contact: see seeing visit visits visiting visitation custody weekend weekends call called calling
    phone letter write wrote wrote contact reconnect sorry apologize apologise forgive mother father
    mom dad brother sister daughter son
childcare: daycare childcare nursery preschool babysitter sitter waitlist waiting care minder
legal: court judge lawyer probation hearing case custody order license licence fine fines
transport: car drive driving driver licence license bus train ride lessons insurance
"""
CONCEPTS: dict[str, frozenset[str]] = {}
for _line in re.sub(r"\n\s+", " ", _CONCEPT_TEXT).strip().splitlines():
    _name, _words = _line.split(":", 1)
    CONCEPTS[_name.strip()] = frozenset(_w for _w in _words.split())

#: A question that opens a new topic rather than following the last answer.
_NEW_TOPIC = re.compile(
    r"\b(else|what's new|whats new|anything new|how have|how has the|how are you|other)\b"
)
#: A question that points back at what the client just said.
_BACK_REFERENCE = re.compile(r"\b(it|that|them|they|those|this|these|there|then|he|she|him|her|one|ones)\b")


def stem(word: str) -> str:
    """A crude stem so "booked" meets "booking" and "kids" meets "kid"."""
    for suffix in ("ing", "ied", "ies", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    """The topic words of ``text``, stemmed."""
    return {stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 2}


_CONCEPT_STEMS = {name: frozenset(stem(w) for w in words) for name, words in CONCEPTS.items()}


def concepts_of(text: str) -> set[str]:
    """The near-synonym families ``text`` uses a word of."""
    words = {stem(w) for w in _WORD.findall(text.lower())}
    return {name for name, family in _CONCEPT_STEMS.items() if words & family}


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
            if not _WORD.search(seg.text[a:b].lower()):
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


def follows_up(question: str) -> bool:
    """Whether the worker's turn before an answer keeps to the topic already being talked about.

    No question (a reflection, "Mm-hm"), an elliptical one ("And the down?") or one that points
    back with a pronoun ("Did any of them seem flexible?", "How was that?") follows up; one
    that asks for something else ("Anything else?", "What's new?") does not.
    """
    if not question:
        return True
    asked = question[question.rfind(".", 0, max(question.rfind("?"), 0)) + 1 :].lower()
    if _NEW_TOPIC.search(asked):
        return False
    words = _WORD.findall(asked)
    return len(words) <= 3 or words[0] in ("and", "so", "but") or bool(_BACK_REFERENCE.search(asked))


def kind_of(text: str) -> str:
    """What a statement linked to a goal reports: "barrier", "met" or "progress"."""
    if _MET_FIRST.search(text):
        return "met"
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
    # The topic of the whole answer: the client's turn read whole, or the worker's question it
    # answers ("How is the flat hunt going?" names the goal that "Nine landlords, all said no" is about).
    turns = sorted({u.turn for u in units} | {u.question for u in units if u.question})
    turn_vecs = dict(zip(turns, encoder.encode(turns), strict=True)) if turns else {}
    goal_concepts = [concepts_of(goal_text(g)) for g in active]
    goal_words = [content_words(goal_text(g)) for g in active]
    offered = {(o.evidence.segment_id, o.evidence.char_start) for o in offers if o.revises}
    n_goals = len(active)
    sent = np.zeros((len(units), n_goals))
    topic = np.zeros((len(units), n_goals))
    whys: dict[tuple[int, int], str] = {}
    for i, unit in enumerate(units):
        words = content_words(unit.evidence.quote)
        said = concepts_of(unit.evidence.quote)
        said_turn = concepts_of(f"{unit.question} {unit.turn}")
        asked_words = content_words(unit.question)
        t_cos = np.maximum(turn_vecs[unit.turn] @ goal_vecs.T, turn_vecs[unit.turn] @ goal_ctx.T)
        q_cos = turn_vecs[unit.question] @ goal_vecs.T if unit.question else np.zeros(n_goals)
        for j in range(n_goals):
            shared = words & goal_words[j]
            same = said & goal_concepts[j]
            c = float(cos[i, j])
            sent[i, j] = c + WORD_BONUS * min(len(shared), 3) + CONCEPT_BONUS * min(len(same), 2)
            if c < SHARED_COSINE or not (shared or same):
                sent[i, j] = min(sent[i, j], c)
            topic[i, j] = (
                max(float(t_cos[j]), float(q_cos[j]) * QUESTION_WEIGHT)
                + CONCEPT_BONUS * min(len(said_turn & goal_concepts[j]), 2)
                + WORD_BONUS * min(len(asked_words & goal_words[j]), 2)
            )
            why = f"similar {c:.2f}"
            if shared:
                why += f"; shares: {', '.join(sorted(shared))}"
            if same:
                why += f"; same area: {', '.join(sorted(same))}"
            if q_cos[j] * QUESTION_WEIGHT > t_cos[j]:
                why += f"; answers a question about it {q_cos[j]:.2f}"
            whys[i, j] = why
    by_turn: dict[int, list[int]] = {}
    for i, unit in enumerate(units):
        by_turn.setdefault(unit.turn_index, []).append(i)

    def choose(allowed: list[int], link_at: float, topic_at: float) -> dict[tuple[int, int], float]:
        """Links to the ``allowed`` goals: each sentence and each turn to the goal it scores best for."""
        chosen: dict[tuple[int, int], float] = {}
        if not allowed:
            return chosen
        for i, unit in enumerate(units):
            if (unit.evidence.segment_id, unit.evidence.char_start) in offered:
                continue
            best = float(sent[i, allowed].max())
            for j in allowed:
                if sent[i, j] >= link_at and sent[i, j] >= best - SECOND_MARGIN:
                    chosen[i, j] = float(sent[i, j])
        # A turn whose topic is clearly one goal is evidence about it: its best sentence is cited.
        carried = np.zeros(n_goals)
        for index in sorted(by_turn):
            members = by_turn[index]
            # An answer to a follow-up ("And the down?", "Did any of them call back?") or with no
            # question before it stays on the topic of the answer before; a new question starts afresh.
            own = topic[members[0]]
            row = np.maximum(own, CARRY * carried) if follows_up(units[members[0]].question) else own
            carried = row
            members = [
                i
                for i in members
                if (units[i].evidence.segment_id, units[i].evidence.char_start) not in offered
            ]
            if not members:
                continue
            best = float(row[allowed].max())
            for j in allowed:
                if row[j] < topic_at or row[j] < best - TOPIC_MARGIN:
                    continue
                if any((i, j) in chosen for i in members):
                    continue
                i = max(members, key=lambda k: sent[k, j])
                chosen[i, j] = float(row[j]) - TOPIC_DISCOUNT
                if row[j] > own[j] and "follows up" not in whys[i, j]:
                    whys[i, j] += "; follows up the answer before, which was about it"
        return chosen

    # A goal is discussed in the session only when at least one link to it is strong; the
    # session's talk is then read again for the discussed goals alone, with a lower bar: once
    # a goal is on the table, quieter reports on it are more likely about it than about a goal
    # nobody mentioned.
    first = choose(list(range(n_goals)), LINK_COSINE, TOPIC_COSINE)
    discussed = sorted({j for (_i, j), score in first.items() if score >= DISCUSSED_SCORE})
    chosen = choose(discussed, DISCUSSED_LINK_COSINE, DISCUSSED_TOPIC_COSINE)
    for key, score in first.items():
        if key[1] in discussed:
            chosen.setdefault(key, score)
    links: list[GoalLink] = []
    for (i, j), score in sorted(chosen.items()):
        unit = units[i]
        links.append(
            GoalLink(
                id=uuid.uuid4().hex,
                goal_id=active[j].id,
                session_id=session_id,
                kind=kind_of(unit.evidence.quote),
                evidence=unit.evidence,
                score=round(score, 3),
                why=whys[i, j],
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
