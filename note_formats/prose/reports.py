"""The client's report (Subjective / Data / Behavior): goals in the client's words, statements
grouped by topic and said once, answers to scaling and strengths questions, what the worker
saw, and strengths and stressors."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from note_formats.common import (
    CHANGE_TALK,
    CONTEXT_SUBTYPES,
    GOAL_TITLES,
    OBSERVATION_TITLES,
    quoted,
    title_of,
)
from note_formats.items import observation_kind
from note_formats.prose.base import ProseBase, content_lemmas
from note_formats.prose.concise import DICTATED_QUOTE, dictated_quotes, tighten
from note_formats.prose.cues import (
    DOES_NOT_KNOW,
    GENERIC,
    GOAL_QUESTION,
    HOW_DOES_THAT_SOUND,
    OPEN_QUESTION,
    SAYS_NO,
    SAYS_YES,
    SCALING,
    STRENGTH_QUESTION,
    USE_AMOUNT,
    YES_NO_QUESTION,
    says_what,
)
from note_formats.prose.length import LIGHT_VERBS
from note_formats.prose.risk import DENIAL, RISK_TERMS
from note_formats.wording import (
    clean,
    embedded,
    generic_you,
    has_subject,
    inside_quotes,
    lower_first,
    parse,
    report,
)
from scribe.core.records import Annotation, Evidence, NoteItem

#: A sentence saying what the speaker wants ("I want ...", "I'd like ...", "my goal is ...").
WANTS = re.compile(
    r"(?i)\b(?:I|we)(?:\s+|(?='))(?:just\s+|really\s+|also\s+)?(?:want|wanna|'d like|would like|'d love|hope)\b|\bmy goal\b"
)
#: Goal subtypes that state what the client wants (written as goals); the rest of change
#: talk (ability, reasons, steps taken) is the client's report, and commitments are plans.
GOAL_SUBTYPES = ("goal", "desire", "need")
#: A client sentence naming a problem, a need or a step taken, when no category matched it.
PROBLEM_CUES = re.compile(
    r"(?i)\b(?:need|needs|can't|cannot|couldn't|don't have|no money|not enough|hard|difficult|struggl\w*|"
    r"worr\w*|afraid|scared|stress\w*|empty|behind|owe\w*|lost|evict\w*|alone|stuck|late|until|"
    r"only|every night|all night|fight\w*|yell\w*|hit|drink\w*|high|used|already|signed up|applied|"
    r"called|started|stopped|quit|miss\w*|fail\w*|tired|exhausted|sick|pain|hurt\w*|cry\w*|"
    r"argu\w*|kicked|suspend\w*|school|job|work|rent|bills?|food|sleep\w*|phone|"
    # how long, how often, how many: the amounts and dates a note documents
    r"\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:thir|four|fif|six|seven|eigh|nine)teen|"
    r"(?:twen|thir|for|fif|six|seven|eigh|nine)ty|hundred|thousand|since|ago|january|february|march|april|june|july|august|september|october|november|december|"
    # what goes on in the mind: intrusive images, flashbacks, thoughts that distress
    r"in my head|see myself|picture myself|pictures?|images?|flash(?:es|backs?)?|nightmares?|thoughts?|voices|"
    r"horrible|awful|terrible|"
    r"frightening|terrifying|"
    # health and services the client has been through
    r"doctor|hospital\w*|urgent care|clinic|counsel\w*|therap\w*|medications?|meds|police|court|shelter|fell)\b"
)
#: A sentence that only says when ("Last week.", "Two days ago."): it dates the statement before it.
WHEN_ONLY = re.compile(
    r"(?i)\s*(?:(?:just |only |like |um,? )?(?:last|this|on|since) (?:week|night|month|year|weekend|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|morning|summer|winter|spring)|yesterday|"
    r"(?:just |only |like )?(?:a|an|one|two|three|four|five|six|a few|a couple of|couple of) "
    r"(?:days?|nights?|weeks?|months?|years?) ago)[.!]?(?=\s|$)"
)
#: A speaker's "will" before a verb, which a habit told in the future tense carries.
HABITUAL_WILL = re.compile(r"(?i)\b(I|we|he|she|they)(?:'ll|\s+will)\s+(?=[a-z])(?!not\b|never\b)")
#: A worker saying what they see: "I can see the mold", "I noticed a bruise", "you look tired".
PERCEPTION = re.compile(
    r"(?i)^(?:(?:and|so|also|but)\s+)?(?P<seen>\bI(?:'m|\s+am)?\s+(?:also\s+|can\s+|could\s+)*(?:see|saw|notice|noticed|noticing|observe|observed|seeing)"
    r"(?:\s+that)?\b)|\byou(?:'re| are)?\s+(?:look|looked|looking|seem|seemed|sound|sounded|appear|appeared)\b"
)

#: Where a question starts after what the worker saw ("I'm noticing your hands are shaking, how are
#: you feeling?"): what comes before it is the observation.
ASKED_AFTER = re.compile(
    r"(?i),\s+(?:and\s+|so\s+)?(?:how|what|are|is|do|does|did|can|could|would|have|has|was|were|any)\b"
)

#: Sentences shorter than this (in words) are acknowledgements, not a report; a sentence the
#: tagger flagged says something in fewer ("He's in Texas.").
MIN_REPORT_WORDS, MIN_FLAGGED_WORDS = 5, 3
#: A question about what the worker just proposed: "How does that sound?".
PROPOSAL_CHECK = re.compile(rf"(?i)\b{HOW_DOES_THAT_SOUND}\b")
#: What the transcript says happened, in brackets: "(pause)", "(laughs)".
STAGE_DIRECTION = re.compile(r"\([^()]*\)\s*")
#: "No." or "Yeah." said as a sentence of its own before the statement: it answers a question the
#: report does not give, so it is left out ("No. Yelling, sure, a lot of yelling lately").
ANSWER_FIRST = re.compile(rf"(?i)^(?:{SAYS_NO}|{SAYS_YES})[.!]\s+(?=\w)")
#: An answer longer than this is not said with its question: its sentences are reported as statements.
MAX_ANSWER_WORDS = 30


#: Statements of one turn merged into one sentence.
MAX_TURN_STATEMENTS = 4
#: Statements on one topic merged into one sentence.
MAX_MERGED = 2

#: A readiness ruler asked without its scale, after one that had it (motivational interviewing:
#: importance, confidence, readiness).
RULER = re.compile(r"(?i)\bhow (?:confident|important|ready|sure|motivated|likely|committed|hopeful|safe)\b")
#: Symptoms as depression and anxiety screens ask about them (PHQ-9, GAD-7), asked as a question.
SYMPTOM_QUESTION = re.compile(
    r"(?i)\b(?:down|depressed|hopeless|interest|pleasure|sleep(?:ing)?|tired|energy|appetite|eating|"
    r"failure|concentrat\w*|restless|fidgety|nervous|anxious|on edge|worr(?:y|ying|ied)|relax\w*|irritable|"
    r"mood)\b[^.?!]*\?\s*$"
)
#: An answer of this many words or fewer needs its question to say anything.
SHORT_ANSWER = 6
#: A rating on a scale from zero to ten.
RATING = re.compile(
    r"(?i)(?:^\W*|\b(?:a|an|like|maybe|about|say|probably|around)\s+)"
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\b"
    r"(?!\s+(?:of|more|things?|times?|days?|weeks?|months?|years?|hours?|minutes?|kids?|people))"
)
#: The anchors of a scale ("where zero is not at all", "where 10 is the worst").
ANCHOR = re.compile(r"(?i)where\s+(?:zero|one|five|ten|\d+)\b")
#: A scale named inside a question, with its anchors: ", on a scale from one to ten, where ten is
#: really scared", ", one to ten,", ", on the same scale".
SCALE = re.compile(
    r"(?i),?\s*\b(?:(?:on|using)\s+(?:a|the same|that)\s+scale(?:\s+(?:of|from)\s+\w+\s+to\s+\w+)?|"
    r"(?:from\s+)?(?:zero|one|0|1)\s+(?:to|through)\s+(?:ten|10))\b"
    r"(?:,?\s*where\s+(?:zero|one|five|ten|\d+)\s+(?:is|means)\b[^,?]*)*"
)


def asked_part(question: str) -> str:
    """What a scaling question asks, without its anchors: "On a scale from zero to ten, where zero
    is not at all, how safe do you feel tonight?" -> "how safe do you feel tonight?"."""
    doc = parse(question)
    opens = [
        t.idx
        for t in doc
        if t.lower_ in ("how", "where", "what")
        and (t.i == 0 or doc[t.i - 1].text in (",", ";", "-"))
        and not ANCHOR.match(question[t.idx :])  # "where ten is really scared" explains the scale
    ]
    part = question[opens[-1] :] if opens else question
    part = part if len(part.split()) >= 3 else question
    # the scale and its anchors say how to answer, not what was asked about
    # (set off by commas on both sides, the second comma goes with it)
    bare = SCALE.sub(lambda x: " " if x.group(0).startswith(",") else "", part)
    bare = re.sub(r"\s+([,?!.])", r"\1", re.sub(r"^\s*,?|(?<=\s),\s*", "", bare)).strip(" ,")
    asks = re.search(r"(?i)\b(?:how|what|where)\b", bare)
    return bare if asks and len(bare.split()) >= 3 else part


#: Share of a statement's content words said before for it to count as said again.
REPEATED = 0.7


#: Words that open a clause leaning on what was said before ("Because ...", "Before I ...").
SUBORDINATORS = frozenset(
    ("because", "before", "after", "when", "if", "since", "while", "until", "unless", "though", "cause")
)


def leans_on_context(sent) -> bool:
    """Whether a sentence only makes sense with the question or sentence before it: a dependent
    clause alone ("Before I got the warehouse job.", "Because my back hurts.", "When I can climb my
    stairs."). "When I got home, he was gone." is whole: its "when" opens a clause inside it."""
    return any(
        (c.dep_ == "mark" and c.lower_ in SUBORDINATORS)
        or (
            c.dep_ == "advmod" and c.lower_ in ("when", "where", "whenever", "wherever") and c.i < sent.root.i
        )
        for c in sent.root.children
    ) and not sent.text.rstrip().endswith("?")


def says_nothing_alone(sent) -> bool:
    """Whether a sentence points back and names nothing of its own ("That's, like, the only thing.",
    "It's the whole thing."): its subject is "that", "this" or "it" and all it names is generic."""
    subject = next((c for c in sent.root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    first = next((t for t in sent if t.is_alpha), None)
    return (
        subject is not None
        and first is not None
        and subject.i == first.i  # "I just miss her terribly, that's all" opens with a clause of its own
        and subject.lower_ in ("that", "this", "it")
        and not things_named(sent.text) - GENERIC
    )


def things_named(text: str) -> set[str]:
    """The things a sentence names: its nouns, names and numbers (no pronouns or stop words)."""
    return {t.lemma_.lower() for t in parse(text) if t.pos_ in ("NOUN", "PROPN", "NUM") and not t.is_stop}


#: States said of oneself that tell nothing ("I'm fine", "I'm sure", "I'm ready").
BLAND_STATES = frozenset(
    ("fine", "okay", "ok", "alright", "good", "great", "sure", "right", "ready", "well", "glad", "happy",
     "able", "here", "back", "done", "aware", "welcome", "interested", "nice", "cool", "true", "correct",
     "honest", "serious", "sorry", "kidding", "joking")
)  # fmt: skip
#: Words enough for a state said of oneself ("I'm knackered.").
MIN_STATE_WORDS = 2


def states_self(sent) -> bool:
    """Whether the speaker says how they are or feel, in their own words: "I" as the subject of
    "be", "feel", "get" or "seem" with an adjective ("I just feel so embarrassed to email her",
    "I'm diabetic", "I get so jumpy"), not a bland one ("I'm fine") unless denied ("I'm not okay")."""
    for t in sent:
        # an adjective, or a participle said as one ("I'm knackered")
        if t.dep_ not in ("acomp", "attr", "oprd") or (t.pos_ != "ADJ" and t.dep_ != "acomp"):
            continue
        verb = t.head
        if verb.lemma_.lower() not in ("be", "feel", "get", "seem", "become", "stay"):
            continue
        if not any(c.dep_ == "nsubj" and c.lower_ == "i" for c in verb.children):
            continue
        denied = any(c.dep_ == "neg" for c in verb.children)
        if t.lower_ not in BLAND_STATES or (
            denied and t.lower_ in ("fine", "okay", "ok", "alright", "good", "well")
        ):
            return True
    return False


#: Verbs that tell no act of their own ("I said", "I thought", "I tried", "I wanted").
NO_ACT = LIGHT_VERBS | frozenset(("feel", "want", "like", "see", "look", "wonder", "need", "try", "hope"))
#: Tokens enough for an act told of oneself ("I called the landlord.").
MIN_ACT_TOKENS = 4


def tells_own_act(sent) -> bool:
    """Whether the speaker says what they did or have been doing, as the sentence's main verb:
    "I called the landlord twice", "I've started going to my meetings", "I've been sleeping in the
    car". Not an act denied ("I didn't call"), nor a verb that tells none ("I said", "I thought")."""
    verb = sent.root
    if verb.pos_ != "VERB" or verb.lemma_.lower() in NO_ACT or len(sent) < MIN_ACT_TOKENS:
        return False
    children = list(verb.children)
    if not any(c.dep_ == "nsubj" and c.lower_ == "i" for c in children) or any(
        c.dep_ == "neg" for c in children
    ):
        return False
    perfect = verb.tag_ == "VBN" and any(c.dep_ == "aux" and c.lemma_ == "have" for c in children)
    going_on = verb.tag_ == "VBG" and any(c.dep_ == "aux" and c.lower_ == "been" for c in children)
    return verb.tag_ == "VBD" or perfect or going_on


#: Verbs that say a wish.
WISH_VERBS = frozenset(("want", "wanna", "wish", "hope"))


def wished_before(text: str) -> bool:
    """Whether every wish in ``text`` is told as past ("I didn't wanna bug him on a Saturday", "I
    wanted to be a nurse"): a reason or a story, not a goal the client states now."""
    wishes = [t for t in parse(text) if t.lemma_.lower() in WISH_VERBS and t.pos_ in ("VERB", "AUX")]
    return bool(wishes) and all(
        t.tag_ == "VBD" or any(c.dep_ == "aux" and c.tag_ == "VBD" for c in t.children) for t in wishes
    )


def holds(outer: Evidence, inner: Evidence) -> bool:
    """Whether span ``outer`` holds every character of span ``inner``."""
    return (
        outer.segment_id == inner.segment_id
        and outer.char_start <= inner.char_start
        and inner.char_end <= outer.char_end
    )


def within_others(evidence: Sequence[Evidence]) -> list[Evidence]:
    """``evidence`` without a span inside another one (two tags' spans that overlap): the words
    are said once, in the longer span."""
    return [
        e
        for n, e in enumerate(evidence)
        if not any(
            holds(o, e) and (o.char_end - o.char_start > e.char_end - e.char_start or m < n)
            for m, o in enumerate(evidence)
            if m != n
        )
    ]


def within_other_lines(items: list[NoteItem]) -> list[NoteItem]:
    """``items`` without a line whose every span lies inside another line's spans (the same
    question with a shorter cut of its answer): it says nothing the other does not."""

    def inside(a: NoteItem, b: NoteItem) -> bool:
        return all(any(holds(f, e) for f in b.evidence) for e in a.evidence)

    return [
        a
        for n, a in enumerate(items)
        if not a.evidence
        or not any(m != n and inside(a, b) and (not inside(b, a) or m < n) for m, b in enumerate(items))
    ]


class ReportBuilder(ProseBase):
    # --- goals ------------------------------------------------------------------------

    def goals(self) -> list[NoteItem]:
        """Goals in the client's (or a family member's) own words, verbatim, each said once: the
        longest are written first, so a goal said within a longer one is already said."""
        found = []
        for ann in self.m.select("goal", subtypes=GOAL_SUBTYPES, exclude_roles=("worker",)):
            if ann.status == "affirmed" and ann.source != "minilm-head":
                found.append((ann, [self._wants_around(e) for e in self.m.spoken(ann)]))
        made: dict[int, NoteItem] = {}
        for n in sorted(range(len(found)), key=lambda n: -sum(len(e.quote) for e in found[n][1])):
            ann, spoken = found[n]
            said = " ".join(e.quote for e in spoken)
            if self.said(spoken) or not says_what(said) or wished_before(said):
                continue  # said already, names nothing wanted ("I don't want to"), or a past wish
            if self.m.notes:  # the worker's notes: whose words they quote is the worker's to say
                spoken = [q for e in spoken if (q := self._quotation(e)) is not None]
                if not spoken or self.said(spoken):
                    continue  # a wish the worker dictates as their own ("I'd like to call mum") is a plan
                text = f"Goal noted: {quoted(spoken, self.m.options.max_quotes)}."
            else:
                who = self.who(self.m.role(ann), ann.speaker)
                text = f"{who} stated the goal: {quoted(spoken, self.m.options.max_quotes)}."
            made[n] = self.item([ann], text, text, spoken)
            self.use(spoken)
        return [made[n] for n in sorted(made)] + self._answered_goals()

    def _quotation(self, ev: Evidence) -> Evidence | None:
        """In the worker's notes, the words of ``ev`` someone else said: the quotation it lies in
        (quotation marks, or "quote ... unquote"), cut to those words. Outside a quotation, in a
        dictation (where the worker speaks in the first person) a wish whose subject is "I" or "we"
        is the writer's own; one told of the client ("she wants to keep the flat") is theirs, and
        stays whole, and so do typed notes, which may hold the client's words as typed in."""
        seg = self.m.transcript.segment(ev.segment_id)
        doc = parse(seg.text)
        inside = inside_quotes(doc)
        spans = [m.span("said") for m in DICTATED_QUOTE.finditer(seg.text)]
        # the words between quotation marks, one run of them at a time
        for _, run in itertools.groupby(doc, key=lambda t: t.i in inside):
            run = list(run)
            if run[0].i in inside:
                spans.append((run[0].idx, run[-1].idx + len(run[-1])))
        for a, b in sorted(spans):
            if a < ev.char_end and ev.char_start < b:
                start, end = max(a, ev.char_start), min(b, ev.char_end)
                while end > start and seg.text[end - 1] in " ,.;:":
                    end -= 1
                return Evidence.of(seg, start, end) if len(seg.text[start:end].split()) >= 3 else None
        return None if WANTS.search(ev.quote) and self.m.transcript.source == "dictation" else ev

    def _answered_goals(self) -> list[NoteItem]:
        """The answer to a question about the client's preferred future ("What would you want to be
        different?" "Just to feel useful again."), in their words: a goal, though no wish word says it.
        A wish that says a risk is the risk section's; "I don't know" names no goal."""
        items = []
        for _anns, q in self.worker_questions(GOAL_QUESTION, "goal_question"):
            answer = self.answer_to(q, sentences=2, yes_no=False)
            first = self.answer_to(q, yes_no=False)
            if (
                answer is None
                or first is None
                or self.said([first])  # its first sentence is a goal the tagger found, written already
                or self.said([answer])
                or RISK_TERMS.search(answer.quote)
                or DOES_NOT_KNOW.search(answer.quote)
                or not says_what(answer.quote)
            ):
                continue
            seg = self.m.transcript.segment(answer.segment_id)
            text = f'{self.who(seg.role, seg.speaker)} stated the goal: "{answer.quote.rstrip(" .")}".'
            items.append(self.item([], text, text, [answer]))
            self.use([answer])
        return items

    def _wants_around(self, ev: Evidence) -> Evidence:
        """``ev`` with the sentences next to it in the turn that say what the speaker wants too: a
        goal is often said over several ("I want the heat fixed. And I want to stay here.")."""
        if self.m.notes:
            return ev
        seg = self.m.transcript.segment(ev.segment_id)
        sents = [
            (seg.text.index(s.text.strip(), s.start_char), s.text.strip())
            for s in parse(seg.text).sents
            if s.text.strip()
        ]
        # (a wish that says a risk, "I want to die", is the risk section's, never part of a goal)
        spans = [(a, a + len(x), bool(WANTS.search(x)) and not RISK_TERMS.search(x)) for a, x in sents]
        inside = [n for n, (a, b, _) in enumerate(spans) if a < ev.char_end and ev.char_start < b]
        if not inside:
            return ev
        first, last = inside[0], inside[-1]
        while first > 0 and spans[first - 1][2]:
            first -= 1
        while last + 1 < len(spans) and spans[last + 1][2]:
            last += 1
        if (first, last) == (inside[0], inside[-1]):
            return ev
        wider = Evidence.of(seg, min(spans[first][0], ev.char_start), max(spans[last][1], ev.char_end))
        wider.speaker, wider.role = ev.speaker, ev.role
        return wider

    # --- the client's report --------------------------------------------------------------

    def reports(self, kinds: Sequence[str] = ("reported",)) -> list[NoteItem]:
        """What the client and other participants said, grouped by topic, topics in time order."""
        # an answer is said with its question, not alone
        items = self.scaling_answers() + self.strength_answers() + self.symptom_answers()
        groups: dict[tuple[str, str | None], list[tuple[Annotation, list[Evidence]]]] = {}
        placed: set[tuple[int, int]] = set()  # a span tagged with two topics is reported under the first
        for ann in self.m.annotations:
            if ann.label == "observation":
                if observation_kind(self.m, ann) not in kinds:
                    continue
                topic = title_of(ann.subtype, OBSERVATION_TITLES, "observation")
            elif (
                ann.label == "goal"
                and ann.subtype in CHANGE_TALK
                and ann.subtype not in ("commitment", *GOAL_SUBTYPES)
            ):
                topic = title_of(ann.subtype, GOAL_TITLES, "goal")
            else:
                continue
            role = self.m.role(ann)
            if role == "worker" and not self.m.notes:  # the worker's words are not the client's report
                continue
            # a denial in the answer to a risk screen is documented with the screen: on a topic line
            # its "that" would point at the wrong thing ("I would never do that to my kids")
            spoken = [
                e
                for e in self.m.spoken(ann)
                if not self.said([e])
                and (e.segment_id, e.char_start) not in placed
                and not (self.screen_turn(e.segment_id) and DENIAL.search(e.quote))
                and not e.quote.rstrip(" \"'”").endswith("?")  # a question reports nothing
            ]
            if not spoken:
                continue
            placed.update((e.segment_id, e.char_start) for e in spoken)
            groups.setdefault((topic, ann.speaker if role == "other" else None), []).append((ann, spoken))
        for (topic, _), members in groups.items():
            # one sentence per topic, of at most MAX_MERGED statements (a long list stops reading as prose)
            members.sort(key=lambda m: (m[1][0].start, m[1][0].segment_id))
            for n in range(0, len(members), MAX_MERGED):
                chunk = members[n : n + MAX_MERGED]
                evidence = sorted(
                    (e for _, sp in chunk for e in sp), key=lambda e: (e.start, e.segment_id, e.char_start)
                )
                items.append(self._report_item([a for a, _ in chunk], evidence, topic))
                self.use(evidence)
        items += self.unmatched()
        items.sort(key=lambda i: min((e.start, e.segment_id) for e in i.evidence))
        items = self._by_turn(self._once(within_other_lines(items)))
        # a short draft still keeps the answers to the worker's questions and the steps the client took
        change = {
            a.id
            for a in self.m.annotations
            if a.label == "goal" and a.subtype == "taking_steps" and a.source != "minilm-head"
        }
        self.kept += [i for i in items if i.text.startswith("Asked") or change & set(i.annotation_ids)]
        return items

    def _by_turn(self, items: list[NoteItem]) -> list[NoteItem]:
        """Statements said in one turn read as one sentence: a speaker's answer is about one thing,
        whatever categories its sentences were tagged with (at most ``MAX_TURN_STATEMENTS``). A
        line already citing that turn (with a later one it merged) takes the statement too, and so
        does the line of the speaker's turn just before, when only the worker spoke between."""
        by_id = {a.id: a for a in self.m.annotations}
        out: list[NoteItem] = []
        for item in items:
            prev = out[-1] if out else None
            turn = {e.segment_id for e in item.evidence}
            if (
                prev is not None
                and not self.m.notes
                and len(turn) == 1
                and (turn <= {e.segment_id for e in prev.evidence} or self._goes_on(prev, turn))
                # only one speaker's words: the line is written as theirs
                and len({self.role(e) for e in [*prev.evidence, *item.evidence]}) == 1
                and len(prev.evidence) + len(item.evidence) <= MAX_TURN_STATEMENTS
                and all(x.id in self.plain and not x.needs_review for x in (prev, item))
            ):
                anns = [
                    by_id[a]
                    for a in dict.fromkeys([*prev.annotation_ids, *item.annotation_ids])
                    if a in by_id
                ]
                evidence = sorted(
                    [*prev.evidence, *item.evidence], key=lambda e: (e.start, e.segment_id, e.char_start)
                )
                merged = self._report_item(anns, evidence)
                if not merged.needs_review:
                    out[-1] = merged
                    continue
            out.append(item)
        return out

    def _goes_on(self, prev: NoteItem, turn: set[int]) -> bool:
        """Whether ``turn`` is the same speaker's next turn after the last one ``prev`` cites, with
        only the worker speaking between: the speaker going on with their account, whose statements
        share one lead-in ("Client reported that ...; ...")."""
        segs = self.m.transcript.segments
        last = max((self.position(e.segment_id) or 0) for e in prev.evidence)
        at = self.position(next(iter(turn)))
        if at is None or at <= last:
            return False
        speaker = segs[last].speaker
        between = segs[last + 1 : at]
        return segs[at].speaker == speaker and all(g.role == "worker" for g in between) and len(between) <= 1

    def _once(self, items: list[NoteItem]) -> list[NoteItem]:
        """The report with each thing said once: a statement whose content words were mostly said
        before (by the same speaker) is not repeated; the earlier line cites its time too."""
        kept: list[tuple[NoteItem, str | None, set[str]]] = []
        for item in items:
            speaker = self.m.transcript.segment(item.evidence[0].segment_id).speaker
            words = content_lemmas(" ".join(e.quote for e in item.evidence))
            earlier = next(
                (
                    k
                    for k in kept
                    if k[1] == speaker and len(words) >= 2 and len(words & k[2]) >= REPEATED * len(words)
                ),
                None,
            )
            if earlier is not None and not item.text.startswith("Asked"):
                earlier[0].evidence = sorted(
                    {
                        (e.segment_id, e.char_start): e for e in [*earlier[0].evidence, *item.evidence]
                    }.values(),
                    key=lambda e: (e.start, e.segment_id, e.char_start),
                )
                earlier[0].annotation_ids += [
                    a for a in item.annotation_ids if a not in earlier[0].annotation_ids
                ]
                continue
            kept.append((item, speaker, words))
        return [k[0] for k in kept]

    def not_said_elsewhere(self, items: list[NoteItem], elsewhere: list[NoteItem]) -> list[NoteItem]:
        """The client's report without the statements another section already says: a statement
        whose content words are mostly (``REPEATED``) in one risk, goal or plan line is said there,
        once. An answer to a question and a line the draft always keeps stay whole."""
        said = [
            (content_lemmas(" ".join(e.quote for e in i.evidence)), {e.speaker for e in i.evidence})
            for i in elsewhere
        ]
        by_id = {a.id: a for a in self.m.annotations}
        out = []
        for item in items:
            if (
                item.text.startswith("Asked")
                or any(item is k for k in self.kept)
                or item.id not in self.plain
            ):
                out.append(item)
                continue
            left = [
                e
                for e in item.evidence
                if not any(
                    e.speaker in who
                    and len(w := content_lemmas(e.quote)) >= 2
                    and len(w & other) >= REPEATED * len(w)
                    for other, who in said
                )
            ]
            if len(left) == len(item.evidence):
                out.append(item)
            elif left:
                anns = [by_id[a] for a in item.annotation_ids if a in by_id]
                out.append(self._report_item(anns, left))
        return out

    def _report_item(
        self, anns: Sequence[Annotation], evidence: Sequence[Evidence], topic: str = ""
    ) -> NoteItem:
        role = self.role(evidence[0])
        who = self.who(role, self.m.transcript.segment(evidence[0].segment_id).speaker)
        verb = "noted" if self.m.notes else "reported"
        evidence = within_others(evidence)
        if self.m.notes:  # the worker's own notes: their words, tidied, are the sentence (persons kept)
            clauses = [dictated_quotes(clean(e.quote).rstrip(" .!;,"), e.quote) for e in evidence]
            text = "; ".join(clauses)
            text = text[:1].upper() + text[1:] + "."
        else:
            evidence = self._dated(evidence)
            told = [
                (
                    e,
                    # "you" said of anyone is not the worker: those words are quoted as said (verbatim,
                    # as the grounding check reads a quotation)
                    f'"{self.trim_openers(e).quote}"'
                    if generic_you(e.quote)
                    else ANSWER_FIRST.sub(
                        "",
                        tighten(re.sub(r"(?i)^that\s+", "", self.in_third_person(e, role, self._as_told(e)))),
                    ),
                )
                for e in evidence
            ]
            # "Um, I mean." says nothing: neither reported nor cited
            evidence = [e for e, c in told if c] or list(evidence)
            clauses: list[str] = []
            for e, c in told:
                if clauses and WHEN_ONLY.fullmatch(e.quote):
                    clauses[-1] += f" {c[:1].lower()}{c[1:]}"  # "she looked at them once last week"
                elif c:
                    clauses.append(c)
            whole = [lower_first(c) for c in clauses if has_subject(c)]
            fragments = [lower_first(c) for c in clauses if not has_subject(c)]
            # one lead-in per line: its statements and the fragments that answer on (amounts,
            # times) follow it, separated as a list is
            if whole:
                text = f"{who} {verb} that " + "; ".join(whole + fragments) + "."
            else:
                text = f"{who} {verb}: " + "; ".join(fragments) + "."

        fallback = f"{topic or who}: {quoted(evidence, self.m.options.max_quotes)}"
        item = self.item(anns, text, fallback, evidence)
        if not item.needs_review:
            self.plain.add(item.id)
        return item

    def _dated(self, evidence: Sequence[Evidence]) -> list[Evidence]:
        """``evidence`` with the sentence that dates a statement, said right after it in the same
        turn ("I looked at them once. Last week."): when it happened is part of what was said."""
        out = list(evidence)
        for e in evidence:
            text = self.m.transcript.segment(e.segment_id).text
            found = WHEN_ONLY.match(text, e.char_end)
            if not found or (found.end() < len(text) and not text[found.end()].isspace()):
                continue
            start = e.char_end + len(found.group(0)) - len(found.group(0).lstrip())
            end = found.end() - (text[found.end() - 1] in ".!")
            if any(o.segment_id == e.segment_id and o.char_start < end and start < o.char_end for o in out):
                continue
            out.append(Evidence.of(self.m.transcript.segment(e.segment_id), start, end))
        return sorted(out, key=lambda e: (e.start, e.segment_id, e.char_start))

    def _as_told(self, ev: Evidence) -> str:
        """The words of ``ev`` to report: a habit told with "I'll" ("I'll skip dinner so they have
        more") in the simple present, as a note states what someone does ("he skips dinner")."""
        if (ev.segment_id, ev.char_start) not in self.habits:
            return ev.quote
        return HABITUAL_WILL.sub(r"\1 ", clean(ev.quote))

    def asked(self, q: Evidence) -> str:
        """A worker's question as a note says it after "Asked": "how ready the client is"."""
        said = report(asked_part(STAGE_DIRECTION.sub("", q.quote)), "worker", self.pronouns).rstrip("?")
        # a word left out can leave its commas behind ("how are you doing tonight, honestly?")
        said = re.sub(r",(?:\s*,)+", ",", said).strip(" ,")
        return lower_first(embedded(said))

    def answered(self, question: str, answer: Evidence) -> str:
        """The line of a short answer said with its question: 'Asked <question>, client answered: "..."'."""
        seg = self.m.transcript.segment(answer.segment_id)
        return f'Asked {question}, {self.named(seg.role, seg.speaker)} answered: "{answer.quote}".'

    def scaling_answers(self) -> list[NoteItem]:
        """A scaling question and the answer to it (the next thing the client said). A ruler asked
        without its scale ("And how confident are you that you could?") is one when answered with
        a number."""
        items = []
        rulers = [
            ([], q)
            for _anns, q in self.worker_questions(RULER, "scaling_question")
            if not SCALING.search(q.quote) and (a := self.answer_to(q)) is not None and RATING.search(a.quote)
        ]
        asked = sorted(
            [*self.worker_questions(SCALING, "scaling_question"), *rulers],
            key=lambda x: (x[1].start, x[1].segment_id),
        )
        for anns, q in asked:
            question = self.asked(q)
            answers = self.round_answers(q) if self.shared() else []
            if len(answers) > 1:  # a check-in round: each member's rating, in one line
                said = "; ".join(f'"{a.quote}"' for a in answers)
                text = f"Asked {question}, participants answered: {said}."
                text = text[:1].upper() + text[1:]
                items.append(
                    self.item(anns, text, f"Scaling question: {quoted([q, *answers], 6)}", [q, *answers])
                )
                self.use(answers)
                continue
            answer = self.answer_to(q)
            if answer is None or self.said([answer]):
                continue
            text = self.answered(question, answer)
            fallback = f"Scaling question: {quoted([q, answer], 2)}"
            items.append(self.item(anns, text, fallback, [q, answer]))
            self.use([answer])
        return items

    def round_answers(self, question: Evidence) -> list[Evidence]:
        """In a group or family, each member's rating after a scaling question put to all of them:
        the first sentence naming a number in each one's first turn after it, until the worker
        asks the next scaling question."""
        segs = self.m.transcript.segments
        at = self.position(question.segment_id)
        at = len(segs) if at is None else at
        heard: set[str | None] = set()
        out = []
        for seg in segs[at + 1 :]:
            if seg.role == "worker":
                if SCALING.search(seg.text):
                    break
                continue
            if seg.speaker in heard or seg.role not in ("client", "other"):
                continue
            sent = next((x for x in parse(seg.text).sents if RATING.search(x.text.strip())), None)
            if sent is not None:
                heard.add(seg.speaker)
                text = sent.text.strip().rstrip(".!")
                start = seg.text.index(text, sent.start_char)
                out.append(Evidence.of(seg, start, start + len(text)))
        return out

    def symptom_answers(self) -> list[NoteItem]:
        """A short answer to a symptom question as the PHQ-9 and GAD-7 ask them ("Over the last two
        weeks, how often have you felt down?" - "Most days."): the answer says nothing without its
        question, so both are written."""
        items = []
        asked = self.worker_questions(SYMPTOM_QUESTION, "closed_question") + self.worker_questions(
            USE_AMOUNT, "closed_question"
        )
        for _anns, q in sorted({q.segment_id: (a, q) for a, q in asked}.values(), key=lambda x: x[1].start):
            first = self.answer_to(q)
            if first is None or self.said([first]) or len(first.quote.split()) > SHORT_ANSWER:
                continue
            answer = self.answer_to(q, sentences=2)
            if answer is None or self._covered(answer) >= 0.5:
                continue
            question = self.asked(q)
            if not any(t.pos_ in ("VERB", "AUX") for t in parse(question)):
                question = f"about {question}"  # "Energy?" asks about energy
            text = self.answered(question, answer)
            items.append(self.item([], text, f"Symptom question: {quoted([q, answer], 2)}", [q, answer]))
            self.use([answer])
        return items

    def strength_answers(self) -> list[NoteItem]:
        """The client's answer to a strengths or coping question ("What helped during that month?",
        "What are you good at?"): strengths-based and solution-focused practice documents the
        resources the client names, in their words."""
        items = []
        for _anns, q in self.worker_questions(STRENGTH_QUESTION, "open_question"):
            answer = self.answer_to(q, sentences=3)
            if answer is None or self.said([answer]) or self._covered(answer) >= 0.5:
                continue
            text = self.answered(self.asked(q), answer)
            fallback = f"Strengths: {quoted([q, answer], 2)}"
            items.append(self.item([], text, fallback, [q, answer]))
            self.use([answer])
        return items

    def unmatched(self) -> list[NoteItem]:
        """Client sentences stating a problem, need or step taken that the note does not say otherwise.

        A sentence only the tagger's guesses cite is still the client's report: a possible risk
        whose words say none (quoted in the risk section for the worker to decide, and reported here,
        so rejecting the flag loses nothing), a goal the note does not write (the model's generic
        reading), client speech read as a technique. The tagger flagging a sentence is reason enough
        to report it: it need not name a problem in the words ``PROBLEM_CUES`` lists.
        """
        if self.m.notes:
            return []
        cited = {
            (e.segment_id, e.char_start, e.char_end)
            for a in self.m.annotations
            if a.label == "observation" or (a.label == "goal" and self._writes_goal(a))
            for e in a.evidence
        } | self.used
        flagged = {
            (e.segment_id, e.char_start, e.char_end)
            for a in self.m.annotations
            # a commitment the plan left out tells a habit ("I'll skip dinner so they have more")
            if (a.label == "risk" and a.possible) or (a.label == "goal" and a.subtype == "commitment")
            for e in self.m.spoken(a)
        } - self.used
        items = []
        fragments: dict[int, list[NoteItem]] = {}  # segment -> its lines that are only fragments
        for seg in self.m.transcript.segments:
            if seg.role not in ("client", "other"):
                continue
            for sent in parse(seg.text).sents:
                text = sent.text.strip()
                start = seg.text.index(text, sent.start_char) if text else 0
                end = start + len(text)
                risky = bool(RISK_TERMS.search(text))
                flagged_here = any(s == seg.id and a < end and start < b for s, a, b in flagged)
                guessed = not risky and flagged_here
                if leans_on_context(sent) and not any(
                    s == seg.id and a < end and start < b for s, a, b in cited
                ):
                    items += self._answer_leaning_on(seg, start, end)
                    continue
                # how the client says they feel, unless a risk line says it ("I've wished I was dead")
                feels = not risky and not flagged_here and states_self(sent)
                # what the client says they did, or have been doing: an event of their account
                acts = not risky and tells_own_act(sent)
                if (
                    len(text.split())
                    < (
                        MIN_STATE_WORDS
                        if feels or acts
                        else MIN_FLAGGED_WORDS
                        if guessed
                        else MIN_REPORT_WORDS
                    )
                    or text.endswith("?")
                    or says_nothing_alone(sent)
                    or not (
                        (guessed and content_lemmas(text))
                        or feels
                        or acts
                        or PROBLEM_CUES.search(text)
                        or len(things_named(text)) >= 2
                    )
                    or leans_on_context(sent)
                ):
                    continue
                if any(s == seg.id and a < end and start < b for s, a, b in cited):
                    continue
                items.append(self._report_item([], [Evidence.of(seg, start, end)]))
                self.use(items[-1].evidence)
                if not has_subject(text):
                    fragments.setdefault(seg.id, []).append(items[-1])
        # a short answer to an open question is said with it ("Asked how long ..., client answered:
        # "About three weeks"."), not as a fragment of its own ("Client reported: about three weeks.")
        answered = self.answers(cited, fragments)
        gone = {id(i) for a in answered for i in fragments.get(a.evidence[-1].segment_id, [])}
        return [i for i in items if id(i) not in gone] + answered

    def answers(
        self, cited: set[tuple[int, int, int]], fragments: dict[int, list[NoteItem]]
    ) -> list[NoteItem]:
        """The client's short answer to the worker's open question, said with its question, when
        nothing in the note says any of it ("How long has this been going on?" - "Since October
        half term. So like six weeks."): what the client answers is what the interview found, even
        when it names no problem; so is the answer to a yes-no question about the client's
        circumstances ("Have you kept any of the messages?" - "I screenshot them. I've got a
        folder."). A long answer is reported sentence by sentence, as any statement is.
        ``fragments`` are the report's lines of a segment that are only fragments: an answer said
        with its question replaces them."""
        segs = self.m.transcript.segments
        told = {
            (e.segment_id, e.char_start, e.char_end)
            for f in fragments.values()
            for i in f
            for e in i.evidence
        }
        # the turns something besides a fragment already says (an answer adds only its own turn)
        covered = {s for s, _, _ in (cited | self.used) - told}
        items = []
        for at, seg in enumerate(segs):
            if at == 0 or seg.role not in ("client", "other") or segs[at - 1].role != "worker":
                continue
            if seg.id in covered or not segs[at - 1].text.rstrip().endswith("?"):
                continue
            if (q := self.question_in(segs[at - 1])) is None:
                continue
            yes_no = YES_NO_QUESTION.match(q.quote)
            whole = Evidence.of(seg, 0, len(seg.text.rstrip().rstrip(".!")))
            # the "yes" or "no" that opens an answer to a yes-no question is the answer: it stays
            answer = whole if yes_no else self.trim_openers(whole)
            # an amount is content, though "three" is a stop word ("About three weeks.")
            says = content_lemmas(answer.quote) | {t.lower_ for t in parse(answer.quote) if t.like_num}
            if len(answer.quote.split()) > MAX_ANSWER_WORDS or len(says) < 2:
                continue
            # a question asked back is no answer ("How long are we talking?"), and "how does that
            # sound?" asks about the worker's proposal, not the client
            if (
                not (OPEN_QUESTION.match(q.quote) or yes_no)
                or PROPOSAL_CHECK.search(q.quote)
                or answer.quote.rstrip().endswith("?")
            ):
                continue
            # a yes-no question is quoted: its answer means nothing without every word of it
            text = (
                f'Asked "{q.quote}", {self.named(seg.role, seg.speaker)} answered: "{answer.quote}".'
                if yes_no
                else self.answered(self.asked(q), answer)
            )
            item = self.item(
                [], text, f"{self.who(seg.role, seg.speaker)}: {quoted([q, answer], 2)}", [q, answer]
            )
            self.use([answer])
            items.append(item)
        return items

    def _answer_leaning_on(self, seg, start: int, end: int) -> list[NoteItem]:
        """A dependent clause that opens the answer to the worker's question ("When I can climb my
        stairs.", "Because the bus stopped running.") says something only with its question: the
        two are reported together."""
        at = self.position(seg.id)
        segs = self.m.transcript.segments
        if at is None or at == 0 or segs[at - 1].role != "worker" or seg.text[:start].strip(" ,.!-"):
            return []  # only an answer's first words lean on the question
        q = self.question_in(segs[at - 1])
        answer = self.trim_openers(Evidence.of(seg, start, end))
        if q is None or len(content_lemmas(answer.quote)) < 2:
            return []
        text = self.answered(self.asked(q), answer)
        item = self.item(
            [], text, f"{self.who(seg.role, seg.speaker)}: {quoted([q, answer], 2)}", [q, answer]
        )
        self.use([answer])
        return [item]

    @staticmethod
    def _writes_goal(ann: Annotation) -> bool:
        """Whether the goal builder writes ``ann`` (or the report does, as change talk); a
        commitment is the plan's, which marks what it writes as said (a habit it leaves is reported)."""
        if ann.subtype in GOAL_SUBTYPES:
            return ann.status == "affirmed" and ann.source != "minilm-head"
        return ann.subtype != "commitment"

    # --- what the worker saw and did ---------------------------------------------------------

    def observed(self) -> list[NoteItem]:
        """What the worker said they saw ("I noticed a bruise on your wrist", "you look tired today").

        Only the worker's statements of perception count: a worker's remark about
        people in general is psychoeducation, and the client's words are the report.
        """
        if self.m.notes:
            return []
        items = []
        for seg in self.m.transcript.segments:
            if seg.role != "worker":
                continue
            for sent in parse(seg.text).sents:
                said = sent.text.strip()
                match = PERCEPTION.search(said)
                if match is not None and said.endswith("?") and match.group("seen"):
                    asked = ASKED_AFTER.search(said, match.end())
                    said = said[: asked.start()] if asked else said
                if said.endswith("?") or match is None:
                    continue
                start = seg.text.index(said, sent.start_char)
                ev = Evidence.of(seg, start, start + len(said))
                if match.group("seen"):
                    rest = said[match.end() :].strip()
                    if len(rest.split()) < 2:
                        continue
                    text = f"Worker observed {report(rest, 'worker', self.pronouns)}."
                else:
                    text = f"Worker observed that {lower_first(report(said, 'worker', self.pronouns))}."
                anns = [
                    a
                    for a in self.m.annotations
                    if any(e.segment_id == seg.id for e in a.evidence) and a.label == "observation"
                ]
                items.append(self.item(anns, text, f"Observed: {quoted([ev], 1)}", [ev]))
                self.use([ev])
        return items

    # --- assessment ------------------------------------------------------------------------

    def context(self) -> list[NoteItem]:
        """Strengths, stressors and barriers, as the client put them."""
        items = []
        for ann in self.m.select("observation", subtypes=CONTEXT_SUBTYPES):
            if observation_kind(self.m, ann) != "context" or (
                self.m.role(ann) == "worker" and not self.m.notes
            ):
                continue
            spoken = [e for e in self.m.spoken(ann) if not self.said([e])]
            if not spoken:
                continue
            title = title_of(ann.subtype, OBSERVATION_TITLES, "observation")
            item = self._report_item([ann], spoken, title)
            item.text = (
                f"{title}: {item.text}"
                if not item.needs_review or "quoted instead" not in item.review_reason
                else item.text
            )
            items.append(item)
            self.use(spoken)
        return items
