"""Interventions: one line per technique the worker used, naming what it was about."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from note_formats.common import INTERVENTION_TITLES, INTERVENTION_USED, quoted, title_of
from note_formats.prose.base import ProseBase
from note_formats.prose.cues import (
    ANNOUNCES_QUESTIONS,
    GENERIC,
    MEANS,
    NAMED_MEANS,
    OFFER,
    SCALE_RANGE,
    SCALING,
    SCREENING,
    SYMPTOMS,
)
from note_formats.wording import OPENERS, is_request, lower_first, parse, report
from scribe.core.records import Annotation, Evidence, NoteItem

#: A lethal means or a tool of self-harm, named (CALM: firearms, medicines; NSSI inventories:
#: blades, sharpeners, paperclips, lighters).
MEANS_NAMED = re.compile(rf"(?i)\b{NAMED_MEANS}\b")
#: Putting a means out of reach, as means-safety counselling (CALM) asks it: someone else keeping
#: it, locking it, taking it back to the pharmacy, having it out of the house or room.
MEANS_AWAY = re.compile(
    r"(?i)\b(?:take|taking|keep|keeping|hold(?:ing)? (?:on ?to|onto)|look(?:ing)? after|lock\w*|store|storing|"
    r"get(?:ting)? rid of|hand(?:ing)? (?:\w+ )?(?:over|in)|giv(?:e|ing) (?:\w+ )?to|drop(?:ping)? (?:\w+ )?(?:in|off)|"
    r"off your hands|out of (?:the|your) (?:house|flat|room|home|bedroom|apartment)|(?:was|were)n't (?:in|on|at)|"
    r"somewhere else|away from|off the (?:farm|property)|distance between)\b"
)
#: An offer of practical help: the worker offering to get, give or arrange something now.
OFFERED_HELP = (
    r"\b(?:can I|could I|shall I|let me|I can|I could|do you want me to|would you like me to|want me to|"
    r"what I can do(?: right now| today| now)? is)\s+(?P<help>(?:get|bring|grab|give|make|find|arrange|set up|sort|"
    r"book|order|lend|drive|take|fetch|print|fill in|ring|phone)\b.*)"
)
#: How practice words each technique (motivational interviewing, crisis and safety
#: planning guidance); the first that matches a worker's sentence names it.
TECHNIQUE_CUES: dict[str, re.Pattern[str]] = {
    # informed consent (NASW Code 1.03, 1.07): what stays private and when the worker must share it
    "confidentiality": re.compile(
        r"(?i)\b(?:confidential(?:ity)?|(?:stays?|kept|keep it) (?:between (?:us|you and me)|in this room|private)|"
        r"limits? (?:of|to) (?:confidentiality|privacy|what I can keep)|duty to (?:report|warn)|mandat(?:ed|ory) report\w*)"
    ),
    "crisis_resources": re.compile(
        r"(?i)\b(?:988|nine eight eight|911|crisis (?:line|text|team)|hotline|helpline|any ?time,? day or night)\b"
    ),
    "safety_planning": re.compile(
        r"(?i)\b(?:safety plan|plan for the nights|code word|go-?bag|lock (?:up|them|it)|drop ?box|out of the house|keep (?:only|them) |"
        # safety planning for violence at home: a signal to a neighbour, a bag ready, where to go
        r"call the police|somewhere safe|a safe place|a bag (?:at|with|packed|ready)|(?:set up|agree on|pick) a (?:code )?word|"
        # means safety (CALM): the means handed over, got rid of, or put out of reach
        r"(?:give|hand) (?:it|them|that|those|the \w+|your \w+) (?:to me|over)|out of reach|within reach|"
        rf"(?:give|hand|pass) me (?:the|your|that|those) {MEANS}|"
        r"(?:get rid of|throw (?:away|out)|dispose of) (?:the|your|it|them|those)|"
        # a written plan for the hard times, and means returned or put at a distance (CALM)
        r"(?:make|write|put together|do) a (?:safety )?plan(?: together)? for (?:the |those )?(?:hard |bad |tough |difficult |worst )?"
        r"(?:nights|times|moments|days)|back to the pharmacy|(?:put|putting|get|getting) (?:some )?distance between you)"
    ),
    # harm reduction as substance-use practice gives it (SAMHSA): naloxone, drug checking, never
    # using alone, safer supplies, tolerance after a break
    "harm_reduction": re.compile(
        r"(?i)\b(?:naloxone|narcan|test(?:ing)? strips?|fentanyl strips?|never use alone|(?:don't|not|never) use (?:alone|by yourself)|"
        r"use with someone|safer (?:use|supplies|supply)|clean (?:needles|syringes|supplies)|syringe (?:services|program|exchange)|"
        r"needle exchange|your tolerance|tolerance (?:drops|goes down|is (?:lower|down))|start (?:low|with a small)|"
        r"(?:buprenorphine|suboxone|methadone|medication for opioid)\w*)"
    ),
    "referral": re.compile(
        r"(?i)\b(?:refer(?:ral)?|connect you|put you in touch|sign you up|the number for|program|advocates?|legal aid|pantry|support group|bereavement group|a group (?:that|for|where)|"
        # a service named to the client: a shelter, a food bank, an intake or support line
        r"(?:youth |family |women's |homeless |emergency )?shelter|food bank|drop-in|(?:intake|support|advice) line)\b"
    ),
    # advice as practice gives it: what the worker recommends the client do
    "advice": re.compile(
        r"(?i)\b(?:I(?:'d| would) (?:suggest|recommend|advise|encourage you)|my (?:advice|suggestion|recommendation)|"
        r"you (?:should|need to|must|might want to|'ll want to)|it(?:'s| is) (?:best|important|safest|a good idea|really important) to|"
        r"(?<!to )make sure (?:you|to)\b|what we (?:usually |often |always )?(?:suggest|recommend|advise)|"
        r"(?:the|one) (?:safest|best) thing)\b"
    ),
    # the worker offering to act on the client's behalf ("would it be okay if I reached out to your school?")
    "advocacy": re.compile(
        r"(?i)\b(?:would it (?:be okay|be all right|help) if I|do you want me to|would you like me to|can I|could I)\s+"
        r"(?:reach(?:ed)? out|call(?:ed)?|contact(?:ed)?|talk(?:ed)? (?:to|with)|spoke|speak|email(?:ed)?|wrote|write)\b|"
        # contact with another professional asked for with the client's consent
        r"\bwith your (?:permission|consent)\b"
    ),
    # practical help offered there and then: something got, given, arranged or done for the client
    # ("Can I get you a hot drink?", "What I can do right now is get you a sleeping bag")
    "practical_help": re.compile(rf"(?i){OFFERED_HELP}"),
    "affirmation": re.compile(
        r"(?i)\b(?:took (?:real |a lot of )?(?:courage|strength|determination|guts|effort)|"
        r"(?:really |a )?good (?:step|idea|thing|job)|well done|(?:real|great|big) progress|"
        r"I (?:really )?appreciate|that's a lot of work|you did (?:it|that|the)|proud of|that's (?:a )?(?:real|big)|"
        r"that matters|you've (?:already|been)|you already|you kept|you reached out|that shows|shows (?:me )?(?:that )?you|"
        r"that's you \w+ing|on your own|"
        # thanks for what the client brought and what it cost them (MITI: affirming the effort)
        r"thank you for (?:being (?:so )?(?:honest|open)|telling (?:me|us)|sharing|trusting|your honesty)|"
        r"(?:wasn't|was not|isn't|is not|can't have been) easy)\b"
    ),
    "psychoeducation": re.compile(
        r"(?i)\b(?:(?:a lot of|many|most) (?:people|families|parents|caregivers|teens|teenagers|kids)|"
        r"(?:it's|is|are) (?:really |very |so |pretty |quite )?(?:common|normal)|most common|(?:is|it's) called|"
        r"(?:are|is) (?:classic |common |typical )?(?:signs?|symptoms?) of|can (?:make|cause|happen|reverse)|"
        r"can be dangerous|(?:the|your) (?:body|brain)(?:'s)?|research|what happens when|share (?:something|a bit)|"
        r"(?:families|people) (?:very )?often|some people|"
        # what the client should know named as such: a danger, a warning sign, what a sign can mean
        r"I want you to know|(?:one|some) of the (?:most|biggest) (?:dangerous|serious|common|important|warning)|"
        r"(?:warning|danger) signs?|red flags?|can mean|a lot of (?:us|times|folks|survivors|students|women|men)|"
        r"(?:can't|cannot|can not) (?:give )?consent|"
        # the worker naming what the client lives through ("what you're describing is ...", "what
        # they're doing is ..."): giving it its name is teaching
        r"what (?:you|they|he|she|we)(?:'re| are| were|'s| is| was|'ve been| have been|'s been| has been) (?:describing|doing|going through|feeling|"
        r"dealing with|experiencing) (?:is|are|sounds like|has a name))\b"
    ),
    # validation: the client's feeling or reaction acknowledged as understandable, or how hard it is
    "validation": re.compile(
        r"(?i)\b(?:makes (?:a lot of |complete |total )?sense|of course you|(?:it's|that's|is) understandable|no wonder|"
        r"anyone (?:would|in your)|(?:that|it|this) (?:sounds|must (?:be|feel|have been)|has been|'s been) (?:really |so |very |incredibly |pretty )?"
        r"(?:hard|scary|frightening|painful|exhausting|overwhelming|lonely|tough|difficult|heavy|awful|stressful|upsetting|a lot)|"
        r"I can (?:only )?(?:imagine|see|understand) (?:how|why)|"
        # what was done to the client named as wrong, not theirs to carry
        r"(?:that|this|it)(?:'s| is) not (?:okay|ok|right|your fault)|not your fault|"
        r"(?:you|nobody|no one) (?:don't |do not |doesn't |does not )?deserves?)\b"
    ),
    # problem solving as practice teaches it: options weighed, a task broken down, the words rehearsed
    "problem_solving": re.compile(
        r"(?i)\b(?:let's (?:figure out|work out|think through|work through|break (?:it|that|this) down|make a list|"
        r"write (?:down|out|a script)|practi[cs]e|rehearse|role-?play|go through (?:your|the) options)|"
        r"(?:one|another|a second|the other) option (?:is|would be|could be)|pros and cons|"
        r"(?:break|broke) it (?:down|into)|what you(?:'ll| will| could) say (?:to|when))\b"
    ),
    # options and information the worker gives (AnnoMI's therapist input: information, options)
    "information_giving": re.compile(
        r"(?i)\b(?:there (?:are|is) (?:some |a few |a couple of |other |several )?(?:things|options|ways|programs?|services|resources|supports)|"
        r"(?:one|another|other) options?\b|you (?:can|could) also)\b"
    ),
    "summary": re.compile(r"(?i)\b(?:let me sum up|to sum up|so far (?:you've|we've)|what I'm hearing)\b"),
    "scaling_question": SCALING,
    # reflections as practice words them: feelings named back, "it sounds like", two sides of ambivalence
    "complex_reflection": re.compile(
        r"(?i)\b(?:it sounds like|sounds like you|I'm hearing|what I hear|part of you|"
        r"you(?:'re| are)? (?:feel|feeling|felt)|angry at|guilty for|scared (?:that|of)|afraid (?:that|of)|"
        r"that image|keeps coming back|that stuck with you)\b"
    ),
}

#: Words that credit a person with a strength, an effort or a good intention: an affirmation
#: (MITI 4.2.1: "accentuates something positive about the client") when said of the client or
#: of what they did ("You've been really resourceful", "That was brave").
STRENGTH_WORDS = frozenset(
    ("brave", "bravery", "courage", "courageous", "strong", "strength", "resourceful", "determined",
     "determination", "commitment", "committed", "dedication", "dedicated", "effort", "persistence",
     "persistent", "resilient", "resilience", "initiative", "honest", "honesty", "caring", "thoughtful",
     "creative", "wise", "impressive", "impressed", "admire", "proud", "capable", "hardworking",
     "insight", "insightful", "protective", "responsible", "responsibility", "devoted",
     "patience", "generous", "careful", "smart", "clever", "skilled", "organized", "organised")
)  # fmt: skip
#: Subjects an affirmation is said of: the client, or what they did ("that", "it", "this").
AFFIRMED_SUBJECTS = frozenset(("you", "that", "it", "this", "which", "what", "doing", "coming", "asking"))
#: Techniques whose first sentence leads the statements after it in the turn: teaching goes on
#: over what it explains, a summary over what it sums up, confidentiality over its limits ("But if
#: you tell me someone is hurting you ...").
GOES_ON = frozenset(("psychoeducation", "summary", "information_giving", "confidentiality"))


#: Stock ways of affirming what the client did or is (MITI: "that was the right thing to do",
#: "it takes guts to ask for help", "I really respect that").
AFFIRMING = re.compile(
    r"(?i)\b(?:(?:was|is|that's) (?:exactly |just )?the right thing(?: to do)?|you did the right thing|well done|"
    r"good (?:on|for) you|takes? guts|took guts|i (?:really |genuinely )?respect (?:that|you|how)|"
    r"you should be (?:really )?proud|"
    # praise of a choice or a step, and praise said outright
    r"(?:that's|that is|what) (?:a |such a )?(?:real|good|great|brave|big|wise|smart|strong|healthy|important) "
    r"(?:choice|decision|step|move)|(?:that's|that is) (?:really |just )?(?:wonderful|great|amazing|brilliant|"
    r"fantastic|excellent|awesome|impressive)|"
    # credit for thinking, for what an effort shows, for keeping something going
    r"(?:that's|that is) (?:really |some )?(?:clear|good|smart|wise|great|careful) thinking|"
    r"(?:tells|shows) me (?:that )?you (?:can|could|care|are|have|know|really)|"
    r"you(?:'ve| have)? (?:really )?(?:managed|kept (?:that|it|this|them|the|your)(?: \w+)? (?:up|going))"
    r")\b"
)


def affirms(text: str) -> bool:
    """Whether a worker's statement affirms the client: a strength word, not negated, said of the
    client ("you", "your") or of what they did ("that took courage"), not of someone else; or a
    stock phrase of affirmation (``AFFIRMING``), not negated."""
    if (m := AFFIRMING.search(text)) and not re.search(r"(?i)\b(?:not|n't|never)\b", text[: m.start()][-20:]):
        return True
    doc = parse(text)
    for t in doc:
        if t.lemma_.lower() not in STRENGTH_WORDS and t.lower_ not in STRENGTH_WORDS:
            continue
        head = t
        for _ in range(4):  # the clause's verb: "that was brave" -> "was", "you showed courage" -> "showed"
            if head.pos_ in ("VERB", "AUX") or head.head is head:
                break
            head = head.head
        if any(c.dep_ == "neg" for c in (*head.children, *t.children)):
            continue
        subjects = [c for c in head.children if c.dep_ in ("nsubj", "nsubjpass", "csubj")]
        owner = [c for c in t.head.children if c.dep_ == "poss"] + [c for c in t.children if c.dep_ == "poss"]
        if any(c.lower_ in AFFIRMED_SUBJECTS or c.dep_ == "csubj" for c in subjects) or any(
            c.lower_ == "your" for c in owner
        ):
            return True
    return False


#: Verbs whose imperative runs the conversation or is a courtesy rather than advice ("tell me",
#: "go on", "imagine ...", "thank you", "start wherever you like", "get well soon"); a task set
#: for next time ("Bring those Monday") is the plan's.
DISCOURSE_VERBS = frozenset(
    ("tell", "let", "go", "look", "listen", "imagine", "picture", "thank", "say", "see", "hang", "hold",
     "bear", "excuse", "mind", "guess", "walk", "talk", "help", "sit", "feel", "come", "give", "pass",
     "show", "describe", "explain", "stop", "remind", "forgive", "pardon", "trust", "believe", "hear", "wait",
     "grab", "welcome", "love", "speak", "apologise", "apologize", "worry", "start", "carry", "continue", "get",
     "remember", "bring")
)  # fmt: skip
#: Verbs of reassurance said with "don't" ("Don't apologise", "Don't worry"): no advice either.
REASSURING = frozenset(("apologise", "apologize", "worry", "be", "feel", "get"))
#: Objects that make an imperative a courtesy, not advice ("take your time", "have a seat").
COURTESY_OBJECTS = frozenset(("time", "seat", "chair", "minute", "moment", "second", "look", "care"))
#: Words before an imperative that leave it one ("Please", "And", "First:", "Just").
DIRECTIVE_OPENERS = OPENERS | {"please", "also", "just", "first"}
#: Conjunctions of a condition or time said before a directive ("If you can't talk, dial 999").
CONDITIONS = frozenset(("if", "when", "whenever", "before", "after", "until", "once", "while"))
#: Words an action advised may open with besides its verb ("don't ...", "if he comes back, ...").
ADVICE_OPENINGS = CONDITIONS | {"do", "don't", "never", "not"}
#: Words of an imperative clause named in a line at most.
MAX_DIRECTIVE = 16


def directive(text: str) -> str:
    """The advice in a worker's sentence said as an imperative ("Please don't delete any of those,
    screenshot them", "If you can't talk, dial 999 and press 55"), from its condition or verb to
    its end; "" for a sentence that is no directive, or one that runs the conversation ("Tell me
    more", "Take your time", "Go on"). A directive too long to name is cut at its first break,
    or not named."""
    if text.rstrip().endswith("?"):
        return ""
    for sent in parse(text).sents:
        root = sent.root
        if root.tag_ != "VB" or any(
            c.dep_ in ("nsubj", "nsubjpass", "expl", "aux") and c.lower_ not in ("do", "don't")
            for c in root.children
        ):
            continue
        # the directive itself: the root, or an imperative clause of the sentence before it
        # ("Don't delete any of those, screenshot them": "delete" heads the first clause)
        lead = next(
            (
                c
                for c in root.lefts
                if c.dep_ in ("advcl", "ccomp")
                and c.tag_ == "VB"
                and not any(g.dep_ in ("nsubj", "nsubjpass", "mark") for g in c.children)
            ),
            root,
        )
        verbs = (lead, root)
        if any(
            c.dep_ in ("ccomp", "advcl")
            and any(g.dep_ in ("nsubj", "nsubjpass") for g in c.children)
            and not any(g.dep_ == "mark" for g in c.children)
            for c in root.lefts
        ):
            continue  # a statement before it ("Sometimes you want to disappear, not be here")
        negated = any(c.dep_ == "neg" for c in lead.children)  # "Don't wait", "Don't stop taking them"
        if any(
            v.lemma_.lower() in DISCOURSE_VERBS and (not negated or v.lemma_.lower() in REASSURING)
            for v in verbs
        ) or any(
            t.lower_ in COURTESY_OBJECTS
            for v in verbs
            for c in v.children
            if c.dep_ in ("dobj", "dative")
            for t in c.subtree
        ):
            continue
        # a condition said before it is kept ("If you can't talk, dial 999"); an opener is not
        start = min([lead.i, *(t.i for c in lead.children if c.dep_ in ("aux", "neg") for t in [c])])
        condition = next(
            (
                c
                for c in root.lefts
                if c.dep_ == "advcl" and any(g.dep_ == "mark" and g.lower_ in CONDITIONS for g in c.children)
            ),
            None,
        )
        if condition is not None:
            start = min(start, min(t.i for t in condition.subtree))
        after = lead.i + 1 < sent.end and sent.doc[lead.i + 1]
        if after and (
            (after.pos_ == "ADJ" and lead.lemma_.lower() not in ("be", "keep", "stay", "get", "remain"))
            or (after.pos_ == "NUM" and not re.fullmatch(r"\d{3,}", after.text))
        ):
            continue  # a fragment read as a verb ("Face hot, jaw grinding", "Okay, type one")
        words = [t for t in sent.doc[start : sent.end] if not (t.is_punct and t.i == sent.end - 1)]
        while words and words[0].lower_ in DIRECTIVE_OPENERS | {",", ":"}:
            words = words[1:]

        def length(ws: list) -> int:
            return sum(not t.is_punct for t in ws)

        if length(words) > MAX_DIRECTIVE:  # cut at the first break after the verb
            cut = next(
                (
                    n
                    for n, t in enumerate(words)
                    if t.i > lead.i and t.text in (",", ";", ":", "-", "\u2013", "\u2014")
                ),
                None,
            )
            words = words[:cut] if cut is not None else []
        near = [t.lower_ for t in words if lead.i < t.i <= lead.i + 5]
        if COURTESY_OBJECTS.intersection(near) or (lead.lemma_.lower() == "be" and length(words) <= 2):
            continue  # "take whichever chair", "take all the time you need", "be safe"
        if 2 <= length(words) <= MAX_DIRECTIVE:
            return sent.doc[words[0].i : words[-1].i + 1].text.rstrip(" ,;:")
    return ""


#: A phone number said with digits ("116 123", "0808 802 4040", "999") or in words ("nine eight eight").
RESOURCE_NUMBER = re.compile(
    r"\b(?:\d{3,6}(?:[ -]\d{3,4}){0,2}|nine[ -]eight[ -]eight|nine[ -]one[ -]one)\b", re.I
)
#: What a crisis service is called ("line", "team", "hotline"), said with its name ("Samaritans",
#: "the Trevor Project") or alone ("the crisis line").
SERVICE = re.compile(
    r"(?i)\b(?:line|lifeline|hotline|helpline|phoneline|team|project|service|centre|center|samaritans|childline|"
    r"shout|chat|text ?line|number)\b"
)
#: A crisis service named by what it is ("the crisis line", "a 24-hour domestic violence hotline").
SERVICE_NAME = re.compile(
    r"(?i)\b(?:crisis|help|hot|support|advice|out[ -]of[ -]hours|24[ -]hour|emergency|suicide|domestic (?:violence|abuse)) "
    r"?(?:line|lifeline|team|service|number)s?\b|\b(?:samaritans|childline|lifeline|hotline|helpline|phoneline)\b"
)


#: Moves whose point is what the client did, is or feels: named by the client's clause.
CLIENT_CLAUSE_MOVES = frozenset(("affirmation", "simple_reflection", "complex_reflection", "validation"))
#: Where the client's clause ends: a clause of its own (a reason, a contrast, a second statement).
CLAUSE_BREAKS = frozenset(("advcl", "conj", "cc", "punct", "mark", "relcl", "parataxis"))
#: Words of a named clause or predicate at most.
MAX_PHRASE = 8
#: Noun phrases named per intervention line, and per quote within it.
MAX_TOPICS, TOPICS_PER_SPAN = 8, 3
#: The worker's minor moves, each kind of them one line. Questions are named, not summed up:
#: what they asked shows in the client's answers.
MINOR_MOVES = {
    "questions": ("open_question", "closed_question"),
    "reflections": ("simple_reflection", "complex_reflection"),
}


def used(subtype: str, title: str, topics: list[str], *, phrases: Sequence[str] = ()) -> str:
    """The sentence that says the worker used a technique, with what each use was about; advice
    and help offered with what was advised or offered, in the worker's words (``phrases``: "Worker
    advised the client: call 999 if he comes back"), and what its other uses were about."""
    said = INTERVENTION_USED.get(subtype, f"Worker used {title[:1].lower()}{title[1:]}")
    if phrases:
        also = f"; also on {', '.join(lower_first(t) for t in topics)}" if topics else ""
        return f"{said}: {'; '.join(lower_first(t) for t in phrases)}{also}."
    return f"{said} ({'; '.join(lower_first(t) for t in topics)})." if topics else f"{said}."


def _overlaps(ev: Evidence, spans: set[tuple[int, int, int]]) -> bool:
    return any(s == ev.segment_id and a < ev.char_end and ev.char_start < b for s, a, b in spans)


class InterventionBuilder(ProseBase):
    def interventions(self) -> list[NoteItem]:
        """One line per technique the worker used, naming what it was about, with its times.

        Techniques come from the tagger and from the wording practice teaches for them
        (``TECHNIQUE_CUES``), sentence by sentence, so an affirmation or the offer of a
        referral inside a turn the tagger read as a question is still named.
        """
        groups: dict[str, list[Annotation]] = {}
        cued = self.cued_techniques()
        minor = {kind for kinds in MINOR_MOVES.values() for kind in kinds}
        named = {  # a reflection named from wording leaves the tagger's other readings of the turn standing
            (e.segment_id, e.char_start, e.char_end)
            for t, spans in cued.items()
            if t not in minor
            for e in spans
        }
        for ann in self.m.select("intervention", roles=("worker", None)):
            generic = ann.source == "minilm-head"
            if generic and (self.said(ann.evidence) or any(_overlaps(e, named) for e in ann.evidence)):
                continue  # the model's generic reading of words the note already names (a referral in the plan)
            if generic and all(ANNOUNCES_QUESTIONS.search(e.quote) for e in self.m.spoken(ann)):
                continue  # "I need to ask you some safety questions" announces the screen that follows
            groups.setdefault(ann.subtype, []).append(ann)
        for subtype in cued:
            groups.setdefault(subtype, [])
        # the worker's minor moves (questions, reflections) are one line each, not one per kind
        merged: dict[str, list[Annotation]] = {}
        kinds_of: dict[str, list[str]] = {}
        for subtype, anns in groups.items():
            move = next((m for m, kinds in MINOR_MOVES.items() if subtype in kinds), subtype)
            merged.setdefault(move, []).extend(anns)
            kinds_of.setdefault(move, []).append(subtype)
        items = []
        for subtype, anns in merged.items():
            kinds = kinds_of[subtype]
            # one kind keeps its own name; several minor moves together are "Questions", "Reflections"
            title = (
                title_of(kinds[0], INTERVENTION_TITLES, "intervention")
                if len(kinds) == 1
                else subtype.capitalize()
            )
            spans = [e for a in anns for e in self.m.spoken(a)] + [e for k in kinds for e in cued.get(k, [])]
            evidence = sorted(
                {(e.segment_id, e.char_start): e for e in spans}.values(),
                key=lambda e: (e.start, e.segment_id, e.char_start),
            )
            # what each use was about, the best of every use first, so a late use is named too
            per_use = [
                (self._rated(e.quote) if subtype == "scaling_question" else [])
                + (self._resources(e.quote) if subtype == "crisis_resources" else [])
                + (self._client_clause(e.quote) if CLIENT_CLAUSE_MOVES & set(kinds) else [])
                + (self._taught(e.quote) if subtype == "psychoeducation" else [])
                + (self._screened(e.quote) if subtype == "risk_screening" else [])
                + (self._symptoms(e.quote) if subtype == "symptom_screening" else [])
                + (self._kept(e.quote) if subtype == "confidentiality" else [])
                + (
                    [m.group(0) for m in MEANS_NAMED.finditer(e.quote)][:1]
                    if subtype == "means_safety"
                    else []
                )
                # a crisis resource is named by its service and number, not by what else the turn said
                + (self._topics(e.quote) if subtype not in ("symptom_screening", "crisis_resources") else [])
                for e in (evidence if subtype != "questions" else [])
            ]
            # advice and help offered are named by what was advised or offered, when the worker's
            # words say it; their other uses by their topics
            said_as = {"advice": self._advised, "practical_help": self._offered}.get(subtype)
            phrases = [a for e in evidence for a in said_as(e.quote)] if said_as else []
            if phrases:  # a topic the phrases already say is not named again
                per_use = [
                    [t for t in found if not any(t.lower() in a.lower() for a in phrases)]
                    for found in per_use
                ]
            chosen: list[tuple[int, int, str]] = []
            for rank in range(TOPICS_PER_SPAN + 1):
                for n, found in enumerate(per_use):
                    named = [set(c[2].lower().split()) for c in chosen]
                    # a topic whose words hold or are held by one already named ("painkillers", "old
                    # painkillers") says nothing more
                    if rank < len(found) and len(chosen) < MAX_TOPICS:
                        words = set(found[rank].lower().split())
                        if not any(words <= t or t <= words for t in named):
                            chosen.append((n, rank, found[rank]))
            shown = [t for _, _, t in sorted(chosen)]
            text = used(kinds[0] if len(kinds) == 1 else subtype, title, shown, phrases=phrases)
            unknown = not self.m.notes and any(self.m.role(a) is None for a in anns)
            extra = ["speaker unknown: confirm the worker said this"] if unknown else []
            fallback = f"{title}: {quoted(evidence, self.m.options.max_quotes)}"
            item = self.item(anns, text, fallback, evidence, extra=extra, heading=title)
            if subtype == "questions":
                # "Worker asked questions." claims no content: how sure the tagger was of each question is not the worker's to check
                reasons = [
                    r for r in item.review_reason.split("; ") if r and not r.startswith("low confidence")
                ]
                item.review_reason, item.needs_review = "; ".join(reasons), bool(reasons)
            item.fields["kind"] = "intervention"
            item.fields["technique"] = title
            items.append(item)
        return sorted(items, key=lambda i: min(e.start for e in i.evidence))

    def cued_techniques(self) -> dict[str, list[Evidence]]:
        """Worker sentences (not questions) worded as a technique is: technique -> sentences."""
        out: dict[str, list[Evidence]] = {}
        # a technique the worker rejected, with no tag of it standing, is not named from wording either
        standing = {a.subtype for a in self.m.annotations if a.label == "intervention"}
        refused = {a.subtype for a in self.m.rejected if a.label == "intervention"} - standing
        for seg in self.m.transcript.segments:
            if seg.role != "worker" and not self.m.notes:
                continue
            going_on = None  # teaching and summing up go on over the statements after their cue
            for sent in parse(seg.text).sents:
                said = sent.text.strip()
                # a question asks for information, unless it offers or asks for an action
                # ("Would you be willing to have your sister take the pills to the pharmacy?")
                asks = is_request(said) or OFFER.search(said) or SCALING.search(said)
                screens = said.endswith("?") and SCREENING.search(said) and "risk_screening" not in refused
                checks = said.endswith("?") and SYMPTOMS.search(said) and "symptom_screening" not in refused
                if not said or (said.endswith("?") and not asks and not screens and not checks):
                    continue
                start = seg.text.index(said, sent.start_char)
                ev = Evidence.of(seg, start, start + len(said))
                if (seg.id, start) in self.hazards:
                    continue  # a hazard the worker saw ("pills within reach") is no technique
                if screens and not asks:  # a risk screen is asked, never told
                    out.setdefault("risk_screening", []).append(ev)
                    going_on = None
                    continue
                if checks and not asks:  # so is a symptom screen
                    out.setdefault("symptom_screening", []).append(ev)
                    going_on = None
                    continue
                technique = next(
                    (t for t, cue in TECHNIQUE_CUES.items() if t not in refused and cue.search(said)), None
                )
                if technique == "practical_help" and self.said([ev]):
                    technique = None  # help the plan already writes as the worker's task
                named = MEANS_NAMED.search(said) or list(MEANS_NAMED.finditer(seg.text[:start]))
                if technique is None and named and MEANS_AWAY.search(said) and "means_safety" not in refused:
                    # "Would you be okay keeping that out of your room?" after "the paperclip": the
                    # means is named in the turn before the sentence that puts it away
                    if not MEANS_NAMED.search(said):
                        ev = Evidence.of(seg, named[-1].start(), start + len(said))
                    out.setdefault("means_safety", []).append(ev)
                    going_on = None
                    continue
                if (
                    technique is None
                    and not said.endswith("?")
                    and "affirmation" not in refused
                    and affirms(said)
                ):
                    technique = "affirmation"
                if (
                    technique is None
                    and not self.m.notes  # a dictated imperative is the worker's own task
                    and "advice" not in refused
                    and not self.said([ev])  # a task the plan already writes
                    and directive(said)
                ):
                    technique = "advice"
                if technique is None and going_on and not said.endswith("?"):
                    technique = going_on
                if technique is not None:
                    out.setdefault(technique, []).append(ev)
                if technique in GOES_ON or going_on == "summary":
                    # a summary goes on to the end of the turn, over what it sums up
                    going_on = "summary" if going_on == "summary" else technique
                elif technique is not None:
                    going_on = None
        return out

    def _client_clause(self, text: str) -> list[str]:
        """What an affirmation or a reflection says the client did, is or feels: the clause whose
        subject is "you" (or "part of you"), from its verb on, in the third person ("You already
        called the landlord twice" -> "called the landlord twice"). An affirmation is about the
        client's effort or strength, a reflection about their experience: their clause says which."""
        out = []
        for sent in parse(text).sents:
            for verb in sent:
                subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
                if verb.pos_ not in ("VERB", "AUX") or not any(
                    c.lower_ == "you" or (c.lower_ == "part" and "you" in {t.lower_ for t in c.subtree})
                    for c in subjects
                ):
                    continue
                # "you're worried about ...": what the client is, without the verb "be"
                start = verb.i + 1 if verb.lemma_ == "be" else verb.i
                first = min([*(c.i for c in verb.lefts if c.dep_ == "neg"), start])
                last = verb.i
                for child in verb.rights:
                    if child.dep_ in CLAUSE_BREAKS:
                        break
                    last = max(t.i for t in child.subtree)
                # a clause inside it ("something that was never yours to fix") is left out whole,
                # never cut: a phrase too long to name in a few words is not named
                span = sent.doc[first : last + 1]
                inner = {
                    w.i for t in span if t.i > verb.i and t.dep_ in ("relcl", "advcl") for w in t.subtree
                }
                tokens = list(itertools.takewhile(lambda t, inner=inner: t.i not in inner, span))
                if not 2 <= len(tokens) <= MAX_PHRASE:
                    continue
                out.append(
                    report(sent.doc[tokens[0].i : tokens[-1].i + 1].text, "worker", self.pronouns).rstrip(
                        " ,.;"
                    )
                )
                break
        return out[:1]

    def _screened(self, text: str) -> list[str]:
        """What a risk screen asked about, in its own words, of the client ("killing yourself" ->
        "killing herself", "wanting to be dead")."""
        return [
            report(m.group(0), "worker", self.pronouns).rstrip(" ,.;?")
            for m in SCREENING.finditer(text)
            # one word says what was asked about only when it names a means ("weapons", "pills")
            if (len(m.group(0).split()) >= 2 or re.fullmatch(MEANS, m.group(0), re.I))
            and m.group(0).split()[-1].lower() not in ("to", "on", "of", "the", "a", "an", "any")
        ][:TOPICS_PER_SPAN]

    def _advised(self, text: str) -> list[str]:
        """What the worker advised, in their words after the cue up to the clause's end ("you should
        call the pharmacy today" -> "call the pharmacy today"), when it is short enough to name."""
        found = TECHNIQUE_CUES["advice"].search(text)
        if found is None:
            rest = directive(text)
        else:
            # the advice runs to its clause's end, and on over a contrast ("..., not cold turkey")
            rest = re.split(r"[;:.!?\u2014]| - |,(?! not\b)", text[found.end() :].strip(), maxsplit=1)[0]
            rest = re.sub(r"(?i)^(?:(?:is|that|to|you|we)\s+)+", "", rest.strip())
            if not 2 <= len(rest.split()) <= MAX_DIRECTIVE:
                return []
        # what is advised is an action: it opens with its verb, its negation or its condition
        first = parse(rest)[0] if rest else None
        if first is None or not (first.tag_ == "VB" or first.lower_ in ADVICE_OPENINGS):
            return []
        return [report(rest, "worker", self.pronouns).rstrip(" ,.;")]

    def _offered(self, text: str) -> list[str]:
        """The help the worker offered, from its verb to its clause's end ("What I can do is get you
        a proper sleeping bag, a winter one" -> "get him a proper sleeping bag, a winter one")."""
        found = TECHNIQUE_CUES["practical_help"].search(text)
        if found is None:
            return []
        offered = re.split(r"[;:.!?\u2014]| - |,(?! a\b)", found.group("help"), maxsplit=1)[0].strip()
        if not 3 <= len(offered.split()) <= MAX_PHRASE + 4:
            return []
        return [report(offered, "worker", self.pronouns).rstrip(" ,.;?")]

    @staticmethod
    def _symptoms(text: str) -> list[str]:
        """The symptoms a screening question names, as asked ("pass out", "seeing spots")."""
        return [m.group(0) for m in SYMPTOMS.finditer(text)][:TOPICS_PER_SPAN]

    @staticmethod
    def _kept(text: str) -> list[str]:
        """How the worker said what stays private ("confidential", "stays in this room"), as said."""
        found = TECHNIQUE_CUES["confidentiality"].search(text)
        return [found.group(0)] if found and found.group(0).lower() != "confidentiality" else []

    @staticmethod
    def _resources(text: str) -> list[str]:
        """The crisis services and numbers the worker gave, as said: a number ("116 123", "nine
        eight eight"), a service named ("Samaritans", "the Trevor Project", "the crisis line"); the
        cue itself ("any time, day or night") when nothing is named."""
        found = [(m.start(), m.group(0)) for m in RESOURCE_NUMBER.finditer(text)]
        for chunk in parse(text).noun_chunks:
            words = [t for t in chunk if t.pos_ != "DET" and t.dep_ != "poss"]
            if words and (
                (any(t.pos_ == "PROPN" and t.is_title for t in words) and SERVICE.search(chunk.text))
                or SERVICE_NAME.search(chunk.text)
            ):
                named = chunk.doc[words[0].i : words[-1].i + 1].text
                if not any(named.lower() in f.lower() or f.lower() in named.lower() for _, f in found):
                    found.append((words[0].idx, named))
        if not found and (cue := TECHNIQUE_CUES["crisis_resources"].search(text)):
            found.append((cue.start(), cue.group(0)))
        return [named for _, named in sorted(found)][: TOPICS_PER_SPAN + 1]

    @staticmethod
    def _taught(text: str) -> list[str]:
        """What psychoeducation names: the predicate of "X is / are Y" or "is called Y" ("those are
        signs of depression", "what they're doing is cyberbullying"), when it is not denied."""
        out = []
        for t in parse(text):
            if t.dep_ not in ("attr", "oprd", "acomp") or t.pos_ not in ("NOUN", "PROPN", "VERB"):
                continue
            if any(c.dep_ == "neg" for c in t.head.children) or t.lower_ in GENERIC:
                continue
            kept = [w for w in t.subtree if w.dep_ not in ("det", "poss", "relcl", "punct")]
            first, last = min(kept, key=lambda w: w.i), max(kept, key=lambda w: w.i)
            words = t.doc[first.i : last.i + 1].text.split()
            if len(words) <= MAX_PHRASE:
                out.append(" ".join(words).rstrip(" ,.;"))
        return out[:1]

    @staticmethod
    def _rated(text: str) -> list[str]:
        """What a scaling question asks the client to rate: "how confident", "how safe" -> the word."""
        rated = [t.head.text for t in parse(text) if t.lower_ == "how" and t.head.pos_ in ("ADJ", "ADV")]
        return rated + [m.group(0) for m in SCALE_RANGE.finditer(text)][:1]

    @staticmethod
    def _topics(text: str) -> list[str]:
        """The noun phrases of a worker's turn that say what it was about (pronouns and generic words left out)."""
        found = []
        for chunk in parse(text).noun_chunks:
            words = [t for t in chunk if not t.is_stop and t.is_alpha and t.pos_ != "PRON"]
            if not words or all(t.lower_ in GENERIC for t in words):
                continue
            # names and longer phrases say more about what the turn was about
            weight = 2 * any(t.pos_ == "PROPN" for t in words) + len(words)
            found.append((weight, chunk.start, chunk[words[0].i - chunk.start :].text))
        best = sorted(found, key=lambda f: -f[0])[:TOPICS_PER_SPAN]
        return [text for _, _, text in best]  # the most telling first
