"""How clients talk about their goals, in words: topic words, near-synonym families, follow-up
questions, and the cues that tell a report of progress, an obstacle or a goal met.

Written from how people report on a goal in a session, not from any one transcript:
an obstacle is told with a failure or a cause ("couldn't", "didn't", "because of", "too
expensive", "a waitlist"), completion with an ending ("finally", "passed", "came through",
"not once since"), a step with an activity verb in the past ("booked", "called", "signed
up"); a negated thought or feeling ("I didn't know how much I missed her") is no obstacle.
"""

from __future__ import annotations

import re

WORD = re.compile(r"[a-z][a-z']+")
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
NAME = re.compile(r"(?<=[a-z,;] )[A-Z][a-z']+")
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
    return {stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 2}


_CONCEPT_STEMS = {name: frozenset(stem(w) for w in words) for name, words in CONCEPTS.items()}


def concepts_of(text: str) -> set[str]:
    """The near-synonym families ``text`` uses a word of."""
    words = {stem(w) for w in WORD.findall(text.lower())}
    return {name for name, family in _CONCEPT_STEMS.items() if words & family}


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
    words = WORD.findall(asked)
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


def raw_words(text: str) -> set[str]:
    """The unstemmed topic words of ``text``."""
    return {w for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 2}


def has_content(text: str) -> bool:
    """Whether a turn says anything beyond a back-channel or a courtesy ("Yeah.", "Okay, okay.",
    "Thank you, Ruth. See you."): a word that is not a stopword, a courtesy or a name."""
    names = {w.lower() for w in NAME.findall(text)}
    return bool({w for w in raw_words(text) if w not in names and w not in COURTESY})
