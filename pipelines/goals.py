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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

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
#: A question this similar to a goal asks about it; an answer to one less similar that names a
#: topic of its own ("How's your back?") is at most a possible link.
QUESTION_ON_GOAL = 0.35
EXCHANGE_WEIGHT = 1.0
#: A turn cites a sentence within this margin of its best one that reports an event.
CITE_MARGIN = 1.0
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
#: Greetings, thanks and leave-taking: a turn of only these is no report on anything.
_COURTESY_TEXT = """
    thank thanks cheers bye goodbye hello hi see later soon care welcome sure alright great good fine
    real honestly anyway
"""
COURTESY = frozenset(_COURTESY_TEXT.split())
#: Words of an open question that leave the topic to the client ("How have the last two weeks been?").
_OPEN_TEXT = """
    last past two three few couple days today lately recently since new happening happened going
    been else things everything anything something doing what's how's day week what
"""
OPEN_WORDS = frozenset(_OPEN_TEXT.split())
#: A capitalised word inside a sentence: a name, which alone says nothing about a goal.
_NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z']+")
_BARRIER = re.compile(
    r"\b(couldn'?t|can'?t|cannot|didn'?t|hadn'?t|haven'?t|hasn'?t|wasn'?t|won'?t|not able|unable|no way|hard(er)?|"
    r"difficult|struggl\w*|stuck|problem\w*|because of|too (expensive|much|far|late|tired)|afford|"
    r"missed|fell through|fall through|blocked|refused|turned down|rejected|wait ?list|waiting list|behind on|"
    r"setback|slipped|relapsed?|gave up|give up|got worse|worse|lost it|lost my temper|snapped|so tired|"
    r"still waiting|waiting to hear|not yet|haven't heard)\b",
    re.I,
)
_MET = re.compile(
    r"\b(finally|passed|i did it|did it|made it|achieved|done it|got it|have it now|managed it|"
    r"for good|completed|signed the|moved in|got the job|started the job|what (we|i) do now|a habit now)\b",
    re.I,
)
#: No obstacle, though it reads like one: a negated thought or feeling ("I didn't know", "I don't
#: mind"), missing a person ("I missed her"), or a lapse avoided ("I didn't raise my voice once").
_NOT_OBSTACLE = re.compile(
    r"\b((didn'?t|don'?t|did not|do not) (even )?(know|think|reali[sz]e|expect|mind|care|believe|imagine)|"
    r"miss(ed)? (her|him|them|you|us)|(didn'?t|did not) [a-z]+( [a-z']+){0,3} once)\b",
    re.I,
)
#: Completion told through an ending that reads like a failure word ("not once", "hasn't been late
#: since"), or through what the outcome brings ("came through", "gave me the keys"): met, not a barrier.
_MET_FIRST = re.compile(
    r"\b(not once|(hasn'?t|haven'?t|hadn'?t) (been late|missed|had a drink|had a drop|used|touched)|"
    r"(came|come) through|got the keys|gave me the keys|signed (on|the lease)|approved|accepted me|took me)\b",
    re.I,
)

#: A step taken toward a goal, told with an activity verb in the past ("I booked", "she called
#: me back", "I signed up", "we started"): progress when nothing in the sentence failed.
_STEP = re.compile(
    r"\b(booked|called|rang|phoned|emailed|applied|enrolled|registered|signed up|started|began|went|"
    r"visited|attended|joined|paid|saved|bought|filled (out|in)|sent|handed in|submitted|talked to|spoke to|"
    r"met with|asked|tried|practi[cs]ed|did|made|got|picked up|took|kept|stuck to|showed up|turned up|"
    r"set up|sorted|found|looked at|looked into|went to|been (going|doing|walking|practi[cs]ing))\b",
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
    if _BARRIER.search(_NOT_OBSTACLE.sub(" ", text)):
        return "barrier"
    if _MET.search(text):
        return "met"
    return "progress"


def reports(text: str) -> bool:
    """Whether a sentence tells an event about a goal (done, blocked, a step taken), not only its topic."""
    return kind_of(text) != "progress" or bool(_STEP.search(text))


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

    Each client turn whose topic is a goal gives one link to it, citing the turn's sentence
    that reports on it: "confident" when the turn is clearly about that goal (drafted as
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
            i = cite_of(members, scores.sent[:, j], units)
            links.append(
                GoalLink(
                    id=uuid.uuid4().hex,
                    goal_id=active[j].id,
                    session_id=session_id,
                    kind=kind_of(units[i].evidence.quote),
                    evidence=units[i].evidence,
                    score=round(float(turn.row[j]), 3),
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


def cite_of(members: list[int], sent: np.ndarray, units: Sequence[Statement]) -> int:
    """The sentence of a turn to cite for a goal: the one that tells how things stand.

    A completion anywhere in the turn is what it reports; otherwise a turn's outcome comes at
    its end ("I did the forms... but there's a waitlist", "I yelled twice, but I went back and
    said sorry"), so the last sentence that tells an event (an obstacle or a step) is cited;
    a turn that tells none is cited by its sentence closest to the goal.
    """
    kinds = {i: kind_of(units[i].evidence.quote) for i in members}
    met = [i for i in members if kinds[i] == "met"]
    if met:
        return max(met, key=lambda i: float(sent[i]))
    events = [i for i in members if reports(units[i].evidence.quote)]
    if events:
        return events[-1]
    return max(members, key=lambda i: float(sent[i]))


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
    keys = [sorted(_raw_words(goal_text(g))) for g in active]
    vocab = sorted(set().union(*(_raw_words(f"{u.evidence.quote} {u.question}") for u in units)))
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


def _raw_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 2}


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
        why = []
        for j, topic in enumerate(topics):
            best_i = max(members, key=lambda k, j=j: sent[k, j])
            t_bonus, t_why = topic.overlap(first.turn)
            q_bonus, q_why = topic.overlap(first.question) if first.question else (0.0, "")
            readings = {
                reasons[best_i][j]: float(sent[best_i, j]),
                f"the whole answer similar {t_cos[j]:.2f}{t_why}": float(t_cos[j]) + t_bonus,
                f"answers a question about it, similar {q_cos[j]:.2f}{q_why}": float(q_cos[j]) + q_bonus,
                f"question and answer similar {x_cos[j]:.2f}{t_why}": float(x_cos[j])
                + EXCHANGE_WEIGHT * t_bonus,
            }
            reading = max(readings, key=readings.__getitem__)
            own[j] = readings[reading]
            why.append(reading)
        aside = sets_other_topic(first.question, q_cos)
        if aside:  # "How's your back been?", "Anything about Christmas?": the answer is about what was asked
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


def sets_other_topic(question: str, q_cos: np.ndarray) -> bool:
    """Whether the worker's question opens a topic of its own that is none of the goals.

    "How's your back been?" or "How are things at your sister's?" names what the answer will
    be about; "What's new?" or "How have the last two weeks been?" leaves it to the client, and
    a follow-up ("And then?") keeps the topic already on the table.
    """
    if not question or follows_up(question):
        return False
    asked = question[question.rfind(".", 0, max(question.rfind("?"), 0)) + 1 :]
    named = _raw_words(asked) - OPEN_WORDS - {w.lower() for w in _NAME.findall(asked)}
    return bool(named) and float(q_cos.max(initial=0.0)) < QUESTION_ON_GOAL


def has_content(text: str) -> bool:
    """Whether a turn says anything beyond a back-channel or a courtesy ("Yeah.", "Okay, okay.",
    "Thank you, Ruth. See you."): a word that is not a stopword, a courtesy or a name."""
    names = {w.lower() for w in _NAME.findall(text)}
    return bool({w for w in _raw_words(text) if w not in names and w not in COURTESY})


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
