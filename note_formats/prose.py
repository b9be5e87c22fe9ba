"""Clinical prose: the items of a note as the short third-person sentences a worker writes.

Every sentence is generated from the spans it cites (``wording.report``) and
checked against them (``wording.unfaithful``); one that says a word its evidence
does not falls back to the verbatim quote, marked for review. Goals stay in the
client's words, in quotation marks.

What each builder takes, as practice documents it:

* the client's report (Subjective / Data / Behavior): what the client (or another
  participant) said about problems, needs, circumstances, steps already taken,
  answers to scaling questions; grouped by topic, in time order. The worker's
  speech is never the client's report. A client sentence that states a problem or
  a need is reported even when no tagger category names it;
* interventions: one place per format, one line per technique the worker used,
  naming what it was about (SOAP: Objective; DAP: Data; BIRP / GIRP: Intervention);
* risk: what was disclosed, and denials; a denial said in the same turn as a
  disclosure ("not that I'd act on it") qualifies it and is never a full denial;
* plan: one task per plan statement, "Client will ..." / "Worker will ...";
  a worker's question asks for information and is never a plan, unless it asks
  the client to do something ("could you ...?").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from note_formats.common import (
    CHANGE_TALK,
    CONTEXT_SUBTYPES,
    GOAL_TITLES,
    INTERVENTION_TITLES,
    OBSERVATION_TITLES,
    PLAN_TITLES,
    RISK_TITLES,
    STATUS_WORDS,
    Material,
    quoted,
    title_of,
)
from note_formats.items import observation_kind, unmatched_risk_item
from note_formats.wording import (
    Pronouns,
    about_someone_else,
    as_task,
    clean,
    has_subject,
    is_request,
    lower_first,
    parse,
    report,
    unfaithful,
)
from scribe.core.records import Annotation, Evidence, NoteItem

#: Goal subtypes that state what the client wants (written as goals); the rest of change
#: talk (ability, reasons, steps taken) is the client's report, and commitments are plans.
GOAL_SUBTYPES = ("goal", "desire", "need")
#: A client sentence naming a problem, a need or a step taken, when no category matched it.
PROBLEM_CUES = re.compile(
    r"(?i)\b(?:need|needs|can't|cannot|couldn't|don't have|no money|not enough|hard|difficult|struggl\w*|"
    r"worr\w*|afraid|scared|stress\w*|empty|behind|owe\w*|lost|evict\w*|alone|stuck|late|until|"
    r"only|every night|all night|fight\w*|yell\w*|hit|drink\w*|high|used|already|signed up|applied|"
    r"called|started|stopped|quit|miss\w*|fail\w*|tired|exhausted|sick|pain|hurt\w*|cry\w*|"
    r"argu\w*|kicked|suspend\w*|school|job|work|rent|bills?|food|sleep\w*|phone)\b"
)
#: A worker saying what they see: "I can see the mold", "I noticed a bruise", "you look tired".
PERCEPTION = re.compile(
    r"(?i)^(?:(?:and|so|also|but)\s+)?(?P<seen>\bI\s+(?:also\s+|can\s+|could\s+)*(?:see|saw|notice|noticed|observe|observed)"
    r"(?:\s+that)?\b)|\byou(?:'re| are)?\s+(?:look|looked|looking|seem|seemed|sound|sounded|appear|appeared)\b"
)
#: A worker's scaling question ("on a scale from zero to ten", "how would you rate").
SCALING = re.compile(
    r"(?i)\b(?:on (?:a|the|that|this) (?:same )?(?:[\w-]+ )?scale|scale of|(?:zero|one|0|1) to (?:ten|10)|0-10|"
    r"put a number on|how would you rate|rate (?:it|that|your))\b"
)
#: A worker's strengths or coping question (strengths-based and solution-focused practice).
STRENGTH_QUESTION = re.compile(
    r"(?i)\bwhat (?:else )?(?:helps|helped|has (?:been )?help(?:ed|ing)|would help|could help)\b|"
    r"\bwhat (?:are )?(?:some )?(?:things )?(?:can|could|do) you do (?:when|to|on your own|if)\b|"
    r"\b(?:things|something) you (?:can|could) do\b|"
    r"\bwhat (?:are|were) you good at\b|\bwhat makes it (?:a|an|not)\b|\bwhat(?:'s| is| has) (?:been )?(?:going|gone|went) (?:well|right)\b|"
    r"\bwhat gets you through\b|\bwhat keeps you going\b|\bwho (?:can|could|would) you (?:call|reach|talk to|turn to|tell)\b"
)
#: A worker's risk-screening question: about harm to self or others, means, safety, abuse.
SCREENING = re.compile(
    r"(?i)\b(?:kill(?:ing)? yourself|hurt(?:ing)? yourself|harm(?:ing)? yourself|end(?:ing)? your life|suicid\w*|"
    r"self-harm|thoughts of (?:hurting|harming|killing)|"
    r"(?:hurt|harm)(?:ing|ed)? (?:you|him|her|them|anyone|anybody|someone|somebody|any|the)|"
    r"firearms?|guns?|weapons?|pills|medications? in the (?:house|home)|safe at home|feel safe|"
    r"how you might do it|a plan to|acted on|tried to|wish (?:that )?you (?:would|were) (?:die|dead)|"
    r"(?:want|wanting|wish|wishing) to (?:die|be dead)|not (?:wanting|want) to (?:live|go on|be here|wake up)|"
    # substance use screening (practice asks about use, amount, driving and withdrawal)
    r"drugs or alcohol|alcohol or (?:drugs|anything)|how much (?:are|do) you (?:drink|us)\w*|"
    r"drive after drinking|shaking|sweating)\b"
)
#: A screening question that refers back to what the worker just named ("Has anything like that come up?").
REFERS_BACK = re.compile(r"(?i)\b(?:like that|any of (?:that|this|those)|those thoughts|that come up)\b")
#: How practice words each technique (motivational interviewing, crisis and safety
#: planning guidance); the first that matches a worker's sentence names it.
TECHNIQUE_CUES: dict[str, re.Pattern[str]] = {
    "crisis_resources": re.compile(
        r"(?i)\b(?:988|nine eight eight|911|crisis (?:line|text|team)|hotline|helpline|any ?time,? day or night)\b"
    ),
    "safety_planning": re.compile(
        r"(?i)\b(?:safety plan|plan for the nights|code word|go-?bag|lock (?:up|them|it)|drop ?box|out of the house|keep (?:only|them) )"
    ),
    "referral": re.compile(
        r"(?i)\b(?:refer(?:ral)?|connect you|put you in touch|sign you up|the number for|program|advocates?|legal aid|pantry|support group|bereavement group)\b"
    ),
    "affirmation": re.compile(
        r"(?i)\b(?:took (?:real |a lot of )?(?:courage|strength|determination|guts|effort)|"
        r"(?:really |a )?good (?:step|idea|thing|job)|well done|(?:real|great|big) progress|"
        r"I (?:really )?appreciate|that's a lot of work|you did (?:it|that|the)|proud of|that's (?:a )?(?:real|big)|"
        r"that matters|you've (?:already|been)|you already|you kept|you reached out|that shows|shows (?:me )?(?:that )?you|"
        r"that's you \w+ing|on your own)\b"
    ),
    "psychoeducation": re.compile(
        r"(?i)\b(?:(?:a lot of|many|most) (?:people|families|parents|caregivers|teens|teenagers|kids)|"
        r"(?:it's|is|are) (?:really |very |so |pretty |quite )?(?:common|normal)|most common|(?:is|it's) called|"
        r"(?:are|is) (?:classic |common |typical )?(?:signs?|symptoms?) of|can (?:make|cause|happen|reverse)|"
        r"can be dangerous|(?:the|your) (?:body|brain)(?:'s)?|research|what happens when|share (?:something|a bit)|"
        r"(?:families|people) (?:very )?often)\b"
    ),
    "validation": re.compile(
        r"(?i)\b(?:makes (?:a lot of |complete )?sense|of course you|it's understandable|no wonder)\b"
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
#: A worker speaking to several people at once: their task is the members', not the client's.
GROUP_ADDRESS = re.compile(
    r"(?i)\b(?:you(?:'ll|'re| will| can| could| are| two)? (?:both|all|each)|(?:both|each|all) of you|every(?:one|body))\b"
)
#: A thought that comes back ("Sometimes I think ...", "Some nights I wish ...").
THOUGHT = re.compile(
    r"(?i)\b(?:sometimes|often|some (?:days|nights)|at night|a lot of times),? I (?:think|wish|feel|wonder)\b"
)
#: A task says what is to be done: a thing, a person, a place or a time, not only "it" or "that".
CONTENT_POS = ("NOUN", "PROPN", "NUM", "ADJ")


def says_what(text: str) -> bool:
    """Whether a plan sentence names what is to be done ("I'll think on it" names nothing)."""
    return any(t.pos_ in CONTENT_POS and not t.is_stop and t.lower_ not in GENERIC for t in parse(text))


#: A worker's question that offers an action ("would it be okay if I called your school?").
OFFER = re.compile(
    r"(?i)\b(?:would it (?:be okay|be all right|help) if I|can I|could I|shall I|do you want me to|"
    r"would you (?:be willing|consider|like me to))\b"
)
#: A sentence that makes its action depend on something ("if ...", "unless ...").
CONDITION = re.compile(r"(?i)(?:^|[,;]\s*|\b(?:and|but|so)\s+)(?:if|unless|or else)\b")
#: Words that carry a risk disclosure, or qualify it (said with a denial), in a client's sentence.
RISK_WORDS = re.compile(
    r"(?i)\b(?:kill\w*|die|dying|dead|death|suicid\w*|end it|wake up|disappear|not be here|hurt\w*|harm\w*|"
    r"cut\w*|pills|overdos\w*|gun\w*|rifle|weapon\w*|hit\w*|slap\w*|punch\w*|chok\w*|push\w*|grab\w*|shov\w*|"
    r"threat\w*|scared|afraid|unsafe|drunk|drink\w*|beers?|vodka|high|using|shak\w*|alone|left|act on|never|not)\b"
)
MAX_RISK_SENTENCES = 3
#: Risks to oneself: when the one who does it is someone else ("I think he's using too"), the
#: speaker is telling of another person's risk, never disclosing their own.
SELF_DIRECTED = ("suicidal_ideation", "self_harm", "substance_crisis")
SELF_DIRECTED_ACTS = re.compile(
    r"(?i)kill\w*|die[sd]?|dying|dead|suicid\w*|hurt\w*|harm\w*|cut\w*|overdos\w*|drunk|drink\w*|"
    r"drank|using|use[sd]?|relaps\w*"
)
#: A possible indicator (the tagger unsure) shows fewer: the worker decides on it, the words that made it.
MAX_POSSIBLE_SENTENCES = 2
#: Turns whose possible indicators of one kind share a line.
MAX_POSSIBLE_TURNS = 4
#: A worker's turn that sums up what was agreed.
RECAP = re.compile(
    r"(?i)\b(?:sum (?:it |that |this )?up|summari[sz]e|recap|to review|let me make sure|so the plan is|"
    r"so before next time|so for this week|here's the plan|here's what (?:I|we) have|here's what (?:I'll|we'll) do|"
    r"what we agreed|next steps)\b|^\W*plan\b"
)
#: Verbs of talking: "I'm going to ask you some questions" is what happens next in the session.
SPEECH_ACTS = frozenset(
    ("ask", "tell", "share", "explain", "talk", "say", "mention", "start", "sum", "summarize")
)
#: Sentences shorter than this (in words) are acknowledgements, not a report.
MIN_REPORT_WORDS = 5
#: Noun phrases too general to say what an intervention was about.
GENERIC = frozenset(
    [
        "thing",
        "things",
        "lot",
        "bit",
        "way",
        "time",
        "times",
        "something",
        "anything",
        "everything",
        "question",
        "questions",
        "kind",
        "sort",
        "information",
        "today",
        "week",
    ]
)
#: Statements on one topic merged into one sentence.
MAX_MERGED = 2
#: Noun phrases named per intervention line, and per quote within it.
MAX_TOPICS, TOPICS_PER_SPAN = 8, 3
#: The worker's minor moves, each kind of them one line. Questions are named, not summed up:
#: what they asked shows in the client's answers.
MINOR_MOVES = {
    "questions": ("open_question", "closed_question"),
    "reflections": ("simple_reflection", "complex_reflection"),
}


@functools.cache
def allowed_words() -> list[str]:
    """The category names a sentence may use besides its evidence: the note's titles, the tagger
    taxonomy's names, and the fixed words of the quoted style's headings."""
    from pipelines.taxonomy import load_taxonomy

    return [
        *(e.display for e in load_taxonomy().entries),
        "from the worker's notes; speaker not identified; as reflected by; as said by; intervention used; "
        "who; when; documented; more; for the worker to decide; conditional; concerning; said; noted; change "
        "talk; voiced; confirm; readiness; information giving; crisis resources; validation",
        *OBSERVATION_TITLES.values(),
        *INTERVENTION_TITLES.values(),
        *GOAL_TITLES.values(),
        *RISK_TITLES.values(),
        *PLAN_TITLES.values(),
        *STATUS_WORDS.values(),
    ]


def in_session_talk(text: str) -> bool:
    """Whether a sentence only announces talk in the session ("I'm going to ask you some questions")."""
    doc = parse(text)
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return False
    main = next((c for c in root.children if c.dep_ == "xcomp"), root) if root.lemma_ == "go" else root
    return main.lemma_.lower() in SPEECH_ACTS and not _timed(text)


#: Words that put a plan in time ("tomorrow", "Thursday", "next week").
TIME_WORDS = frozenset(
    [
        "today",
        "tonight",
        "tomorrow",
        "week",
        "weekend",
        "month",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "morning",
        "afternoon",
        "evening",
        "next",
        "before",
        "after",
        "by",
        "until",
        "daily",
        "nightly",
        "every",
    ]
)


def _overlaps(ev: Evidence, spans: set[tuple[int, int, int]]) -> bool:
    return any(s == ev.segment_id and a < ev.char_end and ev.char_start < b for s, a, b in spans)


def _timed(text: str) -> bool:
    """Whether a sentence names a day or a time."""
    return any(t.lower_ in TIME_WORDS or t.lemma_.lower() in TIME_WORDS for t in parse(text)) or bool(
        re.search(r"(?i)\b(?:\d{1,2}(?::\d\d)?\s*(?:a\.?m\.?|p\.?m\.?)|o'clock)\b", text)
    )


#: A question asking for information: it opens with a wh-word.
WH_START = re.compile(r"(?i)^\W*(?:so,?\s+)?(?:what|where|when|how|why|who|which)\b")
#: A sentence that gives someone a task.
TASK_MARK = re.compile(r"(?i)\b(?:you'll|you will|I'll|I will|we'll|we will|let's)\b")
#: A statement of something that will happen.
FUTURE = re.compile(r"(?i)\b(?:I'll|I will|we'll|we will|I'm going to|we're going to|see you|let's|let us)\b")


#: A rating on a scale from zero to ten.
RATING = re.compile(
    r"(?i)(?:^\W*|\b(?:a|an|like|maybe|about|say|probably|around)\s+)"
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\b"
    r"(?!\s+(?:of|more|things?|times?|days?|weeks?|months?|years?|hours?|minutes?|kids?|people))"
)
#: The anchors of a scale ("where zero is not at all", "where 10 is the worst").
ANCHOR = re.compile(r"(?i)where\s+(?:zero|one|five|ten|\d+)\b")


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
    return part if len(part.split()) >= 3 else question


#: Share of a statement's content words said before for it to count as said again.
REPEATED = 0.7


def content_lemmas(text: str) -> set[str]:
    """The lemmas of the content words of ``text`` (nouns, verbs, adjectives, numbers; no stop words)."""
    return {
        t.lemma_.lower()
        for t in parse(text)
        if t.pos_ in ("NOUN", "PROPN", "VERB", "ADJ", "NUM") and not t.is_stop and t.is_alpha
    }


#: Words that open a clause leaning on what was said before ("Because ...", "Before I ...").
SUBORDINATORS = frozenset(
    ("because", "before", "after", "when", "if", "since", "while", "until", "unless", "though", "cause")
)


def leans_on_context(sent) -> bool:
    """Whether a sentence only makes sense with the question or sentence before it: a dependent
    clause alone ("Before I got the warehouse job.", "Because my back hurts.")."""
    return any(c.dep_ == "mark" and c.lower_ in SUBORDINATORS for c in sent.root.children)


class Prose:
    """Builds prose items for one draft; remembers which spans were said, so nothing is said twice."""

    def __init__(self, m: Material):
        self.m = m
        self.pronouns = Pronouns.parse(m.options.pronouns)
        self.used: set[tuple[int, int, int]] = set()
        #: Speaker labels the note may name ("Another participant (Mum)").
        self.labels = [s.label for s in m.transcript.speakers if s.label]

    # --- shared ------------------------------------------------------------------------

    def role(self, ev: Evidence) -> str | None:
        return ev.role or self.m.transcript.segment(ev.segment_id).role

    def said(self, evidence: Iterable[Evidence]) -> bool:
        """Whether every span of ``evidence`` is already inside a span the note has written."""
        spans = list(evidence)
        return bool(spans) and all(self._covered(e) >= 0.8 for e in spans)

    def _covered(self, e: Evidence) -> float:
        """The share of ``e``'s characters inside spans already written."""
        inside = sum(
            max(0, min(b, e.char_end) - max(a, e.char_start)) for s, a, b in self.used if s == e.segment_id
        )
        return min(1.0, inside / max(1, e.char_end - e.char_start))

    def use(self, evidence: Iterable[Evidence]) -> None:
        self.used.update((e.segment_id, e.char_start, e.char_end) for e in evidence)

    def who(self, role: str | None, speaker: str | None = None) -> str:
        if role == "client" or (role is None and not self.m.notes):
            return "Client"
        if role == "worker" or self.m.notes:
            return "Worker"
        label = next((s.label for s in self.m.transcript.speakers if s.id == speaker and s.label), "")
        return f"Another participant ({label})" if label else "Another participant"

    def pronouns_of(self, role: str | None) -> Pronouns:
        return self.pronouns if role == "client" else Pronouns()

    def item(
        self,
        anns: Sequence[Annotation],
        text: str,
        fallback: str,
        evidence: Sequence[Evidence] | None = None,
        extra: Sequence[str] = (),
        heading: str = "",
    ) -> NoteItem:
        """An item citing ``evidence`` (default: what its annotations' speakers said), its sentence
        checked against that evidence; an unfaithful one falls back to ``fallback`` (quotes), for review."""
        item = self.m.item(anns, text, extra)
        if evidence is None:
            evidence = [e for a in anns for e in self.m.spoken(a)]
        item.evidence = sorted(
            {(e.segment_id, e.char_start): e for e in evidence}.values(),
            key=lambda e: (e.start, e.segment_id, e.char_start),
        )
        bad = unfaithful(text, [e.quote for e in item.evidence], [*allowed_words(), heading, *self.labels])
        if bad:
            item.text = fallback
            item.needs_review = True
            reason = f"wording not in its evidence ({', '.join(bad)}): quoted instead"
            item.review_reason = "; ".join(r for r in (item.review_reason, reason) if r)
        return item

    # --- goals ------------------------------------------------------------------------

    def goals(self) -> list[NoteItem]:
        """Goals in the client's (or a family member's) own words, verbatim."""
        items = []
        for ann in self.m.select("goal", subtypes=GOAL_SUBTYPES, exclude_roles=("worker",)):
            if ann.status != "affirmed" or ann.source == "minilm-head":
                continue
            spoken = self.m.spoken(ann)
            if self.said(spoken) or not says_what(" ".join(e.quote for e in spoken)):
                continue  # said already, or names nothing wanted ("I don't want to")
            if self.m.notes:  # the worker's notes: whose words they quote is the worker's to say
                text = f"Goal noted: {quoted(spoken, self.m.options.max_quotes)}."
            else:
                who = self.who(self.m.role(ann), ann.speaker)
                text = f"{who} stated the goal: {quoted(spoken, self.m.options.max_quotes)}."
            items.append(self.item([ann], text, text))
            self.use(spoken)
        return items

    # --- the client's report --------------------------------------------------------------

    def reports(self, kinds: Sequence[str] = ("reported",)) -> list[NoteItem]:
        """What the client and other participants said, grouped by topic, topics in time order."""
        # an answer is said with its question, not alone
        items = self.scaling_answers() + self.strength_answers()
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
            spoken = [
                e
                for e in self.m.spoken(ann)
                if not self.said([e]) and (e.segment_id, e.char_start) not in placed
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
        return self._once(items)

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

    def _report_item(
        self, anns: Sequence[Annotation], evidence: Sequence[Evidence], topic: str = ""
    ) -> NoteItem:
        role = self.role(evidence[0])
        who = self.who(role, self.m.transcript.segment(evidence[0].segment_id).speaker)
        verb = "noted" if self.m.notes else "reported"
        if self.m.notes:  # the worker's own notes: their words, tidied, are the sentence (persons kept)
            clauses = [clean(e.quote).rstrip(" .!;,") for e in evidence]
            text = "; ".join(clauses)
            text = text[:1].upper() + text[1:] + "."
        else:
            clauses = [
                re.sub(r"(?i)^that\s+", "", report(e.quote, role, self.pronouns_of(role))) for e in evidence
            ]
            whole = [lower_first(c) for c in clauses if has_subject(c)]
            fragments = [lower_first(c) for c in clauses if not has_subject(c)]
            parts = [f"{who} {verb} that " + ", and that ".join(whole) + "."] if whole else []
            parts += [f"{who} {verb}: {f}." for f in fragments]
            text = " ".join(parts)
        fallback = f"{topic or who}: {quoted(evidence, self.m.options.max_quotes)}"
        return self.item(anns, text, fallback, evidence)

    def answer_to(self, question: Evidence, sentences: int = 1) -> Evidence | None:
        """The client's (or another participant's) answer to a worker's question: the first
        ``sentences`` sentences with words of the next turn, if the next turn is not the worker's."""
        segs = self.m.transcript.segments
        at = next((n for n, seg in enumerate(segs) if seg.id == question.segment_id), None)
        if at is None or at + 1 >= len(segs) or segs[at + 1].role in ("worker", None):
            return None
        seg = segs[at + 1]
        sents = [x for x in parse(seg.text).sents if len(clean(x.text).split()) >= 2][:sentences]
        if not sents:
            return None
        start = sents[0].start_char + len(sents[0].text) - len(sents[0].text.lstrip())
        end = sents[-1].end_char - (len(sents[-1].text) - len(sents[-1].text.rstrip()))
        while end > start and seg.text[end - 1] in ".!":
            end -= 1
        return Evidence.of(seg, start, end)

    def worker_questions(
        self, pattern: re.Pattern[str], subtype: str
    ) -> list[tuple[list[Annotation], Evidence]]:
        """Worker questions of one kind: tagged with ``subtype``, or matching ``pattern``; the last
        question sentence of each turn."""
        found: dict[int, list[Annotation]] = {}
        for seg in self.m.transcript.segments:
            if seg.role == "worker" and pattern.search(seg.text):
                found.setdefault(seg.id, [])
        for ann in self.m.select("intervention", subtypes=(subtype,), roles=("worker",)):
            if ann.evidence[0].segment_id in found:  # the tagger's label alone may be an offer, not a screen
                found[ann.evidence[0].segment_id].append(ann)
        out = []
        for seg_id, anns in sorted(found.items()):
            # the question itself asks it: "Does that sound right?" after a safety plan screens nothing
            seg = self.m.transcript.segment(seg_id)
            q = self.question_in(seg, pattern)
            if q is None and pattern is SCALING:  # "One to ten, how heavy was this week." asks without a "?"
                q = next(
                    (
                        Evidence.of(seg, x.start_char, x.end_char)
                        for x in parse(seg.text).sents
                        if SCALING.search(x.text) and re.search(r"(?i)\b(?:how|where|what)\b", x.text)
                    ),
                    None,
                )
            if pattern is SCREENING:
                if q is None:  # "... thoughts of not wanting to go on. Has anything like that come up?"
                    q = self.question_in(seg, REFERS_BACK)
                if q is not None and (is_request(q.quote) or OFFER.search(q.quote)):
                    q = None  # "Would you be willing to have your sister take the pills?" plans, it does not screen
            if q is not None:
                out.append((anns, q))
        return out

    def question_in(self, seg, pattern: re.Pattern[str] | None = None) -> Evidence | None:
        """The last question in ``seg`` (that matches ``pattern``, when given), if it asks one."""
        questions = [
            q
            for q in parse(seg.text).sents
            if q.text.strip().endswith("?") and (pattern is None or pattern.search(q.text))
        ]
        if not questions:
            return None
        text = questions[-1].text.strip()
        start = seg.text.index(text, questions[-1].start_char)
        return Evidence.of(seg, start, start + len(text))

    def scaling_answers(self) -> list[NoteItem]:
        """A scaling question and the answer to it (the next thing the client said)."""
        items = []
        for anns, q in self.worker_questions(SCALING, "scaling_question"):
            question = report(asked_part(q.quote), "worker", self.pronouns).rstrip("?")
            question = question[:1].lower() + question[1:]
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
            seg = self.m.transcript.segment(answer.segment_id)
            who = self.who(seg.role, seg.speaker)
            text = f'Asked {question}, {who.lower() if who == "Client" else who} answered: "{answer.quote}".'
            text = text[:1].upper() + text[1:]
            fallback = f"Scaling question: {quoted([q, answer], 2)}"
            items.append(self.item(anns, text, fallback, [q, answer]))
            self.use([answer])
        return items

    def round_answers(self, question: Evidence) -> list[Evidence]:
        """In a group or family, each member's rating after a scaling question put to all of them:
        the first sentence naming a number in each one's first turn after it, until the worker
        asks the next scaling question."""
        segs = self.m.transcript.segments
        at = next((n for n, seg in enumerate(segs) if seg.id == question.segment_id), len(segs))
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

    def strength_answers(self) -> list[NoteItem]:
        """The client's answer to a strengths or coping question ("What helped during that month?",
        "What are you good at?"): strengths-based and solution-focused practice documents the
        resources the client names, in their words."""
        items = []
        for _anns, q in self.worker_questions(STRENGTH_QUESTION, "open_question"):
            answer = self.answer_to(q, sentences=3)
            if answer is None or self.said([answer]) or self._covered(answer) >= 0.5:
                continue
            seg = self.m.transcript.segment(answer.segment_id)
            question = report(asked_part(q.quote), "worker", self.pronouns).rstrip("?")
            who = self.who(seg.role, seg.speaker)
            text = f'Asked {lower_first(question)}, {who.lower() if who == "Client" else who} answered: "{answer.quote}".'
            fallback = f"Strengths: {quoted([q, answer], 2)}"
            items.append(self.item([], text, fallback, [q, answer]))
            self.use([answer])
        return items

    def screening_answers(self) -> list[NoteItem]:
        """The answer to each risk-screening question, in the risk section, whatever it was: practice
        documents the screen and the client's words (a denial, a partial denial, access to means)."""
        items = []
        for anns, q in self.worker_questions(SCREENING, "risk_screening"):
            answer, first = self.answer_to(q, sentences=2), self.answer_to(q)
            if (
                answer is None
                or first is None
                or self.said([first])
                or self.said([q])
                or self._covered(answer) >= 0.5
            ):
                continue  # the question and its answer are already documented as a disclosure or a denial
            seg = self.m.transcript.segment(answer.segment_id)
            who = self.who(seg.role, seg.speaker)
            clause = lower_first(report(answer.quote, seg.role, self.pronouns_of(seg.role)))
            text = f'Asked "{q.quote}", {who.lower() if who == "Client" else who} answered that {clause}.'
            fallback = f"Risk screening: {quoted([q, answer], 2)}"
            items.append(
                self.item(anns, text, fallback, [q, answer], extra=["risk screen: document the response"])
            )
            self.use([answer])
        return items

    def unmatched(self) -> list[NoteItem]:
        """Client sentences stating a problem, need or step taken that no annotation cites."""
        if self.m.notes:
            return []
        cited = {
            (e.segment_id, e.char_start, e.char_end) for a in self.m.annotations for e in a.evidence
        } | self.used
        items = []
        for seg in self.m.transcript.segments:
            if seg.role not in ("client", "other"):
                continue
            for sent in parse(seg.text).sents:
                text = sent.text.strip()
                if (
                    len(text.split()) < MIN_REPORT_WORDS
                    or text.endswith("?")
                    or not PROBLEM_CUES.search(text)
                    or leans_on_context(sent)
                ):
                    continue
                start = seg.text.index(text, sent.start_char)
                end = start + len(text)
                if any(s == seg.id and a < end and start < b for s, a, b in cited):
                    continue
                items.append(self._report_item([], [Evidence.of(seg, start, end)]))
                self.use(items[-1].evidence)
        return items

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

    @staticmethod
    def _is_question(ev: Evidence) -> bool:
        return ev.quote.rstrip().endswith("?")

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
                (self._rated(e.quote) if subtype == "scaling_question" else []) + self._topics(e.quote)
                for e in (evidence if subtype != "questions" else [])
            ]
            chosen: list[tuple[int, int, str]] = []
            for rank in range(TOPICS_PER_SPAN + 1):
                for n, found in enumerate(per_use):
                    named = {c[2].lower() for c in chosen}
                    if rank < len(found) and len(chosen) < MAX_TOPICS and found[rank].lower() not in named:
                        chosen.append((n, rank, found[rank]))
            shown = [t for _, _, t in sorted(chosen)]
            text = f"{title}: {'; '.join(shown)}." if shown else f"{title}."
            unknown = not self.m.notes and any(self.m.role(a) is None for a in anns)
            extra = ["speaker unknown: confirm the worker said this"] if unknown else []
            fallback = f"{title}: {quoted(evidence, self.m.options.max_quotes)}"
            item = self.item(anns, text, fallback, evidence, extra=extra, heading=title)
            if subtype == "questions":
                # "Questions." claims no content: how sure the tagger was of each question is not the worker's to check
                reasons = [
                    r for r in item.review_reason.split("; ") if r and not r.startswith("low confidence")
                ]
                item.review_reason, item.needs_review = "; ".join(reasons), bool(reasons)
            item.fields["kind"] = "intervention"
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
            teaching = False  # psychoeducation goes on over the statements that follow its cue
            for sent in parse(seg.text).sents:
                said = sent.text.strip()
                # a question asks for information, unless it offers or asks for an action
                # ("Would you be willing to have your sister take the pills to the pharmacy?")
                asks = is_request(said) or OFFER.search(said) or SCALING.search(said)
                if not said or (said.endswith("?") and not asks):
                    continue
                start = seg.text.index(said, sent.start_char)
                ev = Evidence.of(seg, start, start + len(said))
                technique = next(
                    (t for t, cue in TECHNIQUE_CUES.items() if t not in refused and cue.search(said)), None
                )
                if technique is None and teaching and not said.endswith("?"):
                    technique = "psychoeducation"
                if technique is not None:
                    out.setdefault(technique, []).append(ev)
                teaching = technique == "psychoeducation" or (teaching and technique is None)
        return out

    @staticmethod
    def _rated(text: str) -> list[str]:
        """What a scaling question asks the client to rate: "how confident", "how safe" -> the word."""
        return [t.head.text for t in parse(text) if t.lower_ == "how" and t.head.pos_ in ("ADJ", "ADV")]

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

    # --- risk ------------------------------------------------------------------------------

    def risks(self) -> list[NoteItem]:
        """Disclosures first (with any qualifying denial said with them), then denials."""
        anns = [a for a in self.m.select("risk") if self.m.role(a) != "worker" or self.m.notes]
        by_seg: dict[int, list[Annotation]] = {}
        for a in anns:
            # by the turn the speaker said it in (a denial may also cite the worker's question)
            by_seg.setdefault(self.m.spoken(a)[0].segment_id, []).append(a)
        disclosed: list[NoteItem | tuple] = []
        denied = []
        #: possible indicators of one kind, said by one speaker: one line for the worker to decide on
        unsure: dict[tuple, list[list[Annotation]]] = {}
        for seg_anns in by_seg.values():
            current = [a for a in seg_anns if a.status == "affirmed" or a.possible]
            elsewhere = [a for a in current if self._about_someone_else(a)]
            current = [a for a in current if a not in elsewhere]
            other = [a for a in seg_anns if a not in current + elsewhere and a.status != "negated"]
            negated = [a for a in seg_anns if a.status == "negated"]
            if elsewhere:
                disclosed.append(self._risk_item(elsewhere, someone_else=True))
            if current:  # a denial in the same turn qualifies the disclosure ("not that I'd act on it")
                possible = all(a.possible for a in current)
                if possible:  # the worker's to decide: its words still go where they belong
                    key = (self._risk_what(current), self.m.role(current[0]), current[0].speaker)
                    if key not in unsure:
                        disclosed.append(key)
                    unsure.setdefault(key, []).append(current + negated)
                else:
                    disclosed.append(self._risk_item(current + negated))
            elif negated:
                denied.append(self._risk_item(negated, denial=True))
            for a in other:
                disclosed.append(self._risk_item([a]))
        # A flagged risk whose evidence is not in the transcript never vanishes: the worker checks it.
        lost = [unmatched_risk_item(a, problem) for a, problem in self.m.unmatched_risks]
        screens = self.screening_answers()
        for screen in screens:  # a possible indicator in the answer to a screen is documented with it
            answer = screen.evidence[-1]
            for key, turns in unsure.items():
                inside = [
                    t
                    for t in turns
                    if all(
                        self._within(e, answer)
                        for e in self._carrying([x for a in t for x in self.m.spoken(a)], True)
                    )
                ]
                for turn in inside:
                    screen.annotation_ids += [a.id for a in turn]
                    reason = f"possible {key[0]}: decide whether this is current risk"
                    screen.review_reason = "; ".join(r for r in (screen.review_reason, reason) if r)
                    screen.needs_review = True
                unsure[key] = [t for t in turns if t not in inside]
        items = []
        for entry in disclosed:
            if isinstance(entry, NoteItem):
                items.append(entry)
                continue
            turns = unsure[entry]
            for n in range(0, len(turns), MAX_POSSIBLE_TURNS):
                group = [a for turn in turns[n : n + MAX_POSSIBLE_TURNS] for a in turn]
                items.append(self._risk_item(group, possible=True, claim=False))
        return [*lost, *items, *denied, *screens]

    def _carrying(self, spoken: Sequence[Evidence], possible: bool) -> list[Evidence]:
        """The sentences of ``spoken`` that carry the risk, and any denial said with them."""
        limit = MAX_POSSIBLE_SENTENCES if possible else MAX_RISK_SENTENCES
        trimmed = []
        for e in spoken:
            pieces = self._sentences(e, min_words=1)
            pieces = [x for x in pieces if re.search(r"\w", x.quote)] or [e]
            carrying = [x for x in pieces if RISK_WORDS.search(x.quote)][:limit]
            # nothing in the words carries a risk: the first sentence says where the tagger looked
            trimmed += carrying if carrying else pieces[: 1 if possible else limit]
        return trimmed

    @staticmethod
    def _within(e: Evidence, span: Evidence) -> bool:
        """Whether most of ``e`` (the words a risk rests on) lies inside ``span``."""
        inside = max(0, min(e.char_end, span.char_end) - max(e.char_start, span.char_start))
        return e.segment_id == span.segment_id and inside >= 0.8 * max(1, e.char_end - e.char_start)

    @staticmethod
    def _risk_what(anns: Sequence[Annotation]) -> str:
        """What a risk line names: "suicidal ideation", "abuse or neglect and self-harm"."""
        return " and ".join(
            dict.fromkeys(RISK_TITLES.get(a.subtype, a.subtype.replace("_", " ")) for a in anns)
        )

    def _about_someone_else(self, ann: Annotation) -> bool:
        """A risk to oneself the speaker tells of someone else doing ("I think he's using too")."""
        if ann.subtype not in SELF_DIRECTED or self.m.notes or self.m.role(ann) not in ("client", "other"):
            return False
        carrying = [
            x.quote
            for e in self.m.spoken(ann)
            for x in self._sentences(e, min_words=1)
            if SELF_DIRECTED_ACTS.search(x.quote)
        ]
        return bool(carrying) and all(about_someone_else(c, SELF_DIRECTED_ACTS) for c in carrying)

    def _risk_item(
        self,
        anns: list[Annotation],
        *,
        denial: bool = False,
        possible: bool = False,
        claim: bool = True,
        someone_else: bool = False,
    ) -> NoteItem:
        first = anns[0]
        what = self._risk_what(anns)
        spoken = sorted(
            {(e.segment_id, e.char_start): e for a in anns for e in self.m.spoken(a)}.values(),
            key=lambda e: (e.start, e.char_start),
        )
        if not denial:
            spoken = self._carrying(spoken, possible)
        role = self.m.role(first)
        who = self.who(role, first.speaker)
        reported = [(e, report(e.quote, role, self.pronouns_of(role))) for e in spoken]
        spoken = [e for e, c in reported if re.search(r"\w", c)] or spoken  # "So." reports nothing
        clause = "; ".join(lower_first(c) for _, c in reported if re.search(r"\w", c))
        question = self.question_before(spoken[0]) if not self.m.notes else None
        short = len(re.sub(r"(?i)^no+[,.!]\s+(?=.*\b(?:not|never|no|nothing)\b)", "", clause).split()) < 4
        # "No." or "Not really." says nothing without its question: the question, and the answer
        # with what followed it ("No. Never. I could never do that to my kids.")
        # (a disclosure only when the question screened for risk: "Yes." to an offer discloses nothing)
        asked = question is not None and short and (denial or self._screens(question))
        if asked:
            spoken = [question, self._answer_from(question, spoken[0], 2)]
            answer = f'"{spoken[1].quote}"'
            said = f'asked "{question.quote}", {who.lower() if who == "Client" else who} answered {answer}'
        if denial:
            if asked:
                text = f"{who} denied {what}: {said}."
            else:
                if question is not None and self._screens(question):
                    # what the client added to the denial: reasons, protective factors
                    spoken = [self._answer_from(question, spoken[0], 4)]
                    clause = "; ".join(
                        lower_first(report(e.quote, role, self.pronouns_of(role))) for e in spoken
                    )
                clause = re.sub(r"(?i)^no+[,.!]\s+(?=.*\b(?:not|never|no|nothing)\b)", "", clause)
                text = f"{who} denied {what}, stating that {clause}."
            extra: list[str] = []
        else:
            status = "other_person" if someone_else else "possible" if possible else first.status
            weakest = min(a.confidence for a in anns)
            unsure = f" ({weakest:.2f})" if weakest < self.m.options.review_confidence else ""
            label = {
                "possible": f"Possible {what}",
                "historical": f"Past {what}",
                "hypothetical": f"{what.capitalize()} (hypothetical)",
                "other_person": f"{what.capitalize()} concerning another person",
            }.get(status, what.capitalize())
            if self.m.notes:  # the worker's own notes say who reported it, in their words
                notes = "; ".join(clean(e.quote).rstrip(" .!;,") for e in spoken)
                text = f"{label}: {notes}."
            elif asked:
                text = f"{label}: {said}."
            else:
                text = f"{label}: {who.lower() if who == 'Client' else who} reported that {clause}."
            extra = {
                "affirmed": ["risk indicator: confirm and document the response"],
                "possible": [f"possible risk{unsure}: decide whether this is current risk"],
                "other_person": ["concerns another person: decide whether it needs a response"],
            }.get(status, [])
        fallback = f"{what.capitalize()}: {quoted(spoken, self.m.options.max_quotes)}"
        item = self.item(anns, text, fallback, spoken, extra=extra)
        if possible or someone_else:  # the status already says the tagger was unsure: one reason, not two
            reasons = [r for r in item.review_reason.split("; ") if not r.startswith("low confidence")]
            item.review_reason = "; ".join(reasons)
        if not denial and (someone_else or first.status == "other_person"):
            item.fields["kind"] = "other_person"  # listed for the worker, never as the client's own risk
        if claim:
            self.use(spoken)
        return item

    def _answer_from(self, question: Evidence, said: Evidence, sentences: int) -> Evidence:
        """``said`` and what follows it in the answer to ``question`` (its first ``sentences`` sentences)."""
        fuller = self.answer_to(question, sentences=sentences)
        if fuller is None or fuller.segment_id != said.segment_id or fuller.char_end <= said.char_end:
            return said
        seg = self.m.transcript.segment(said.segment_id)
        return Evidence.of(seg, min(said.char_start, fuller.char_start), fuller.char_end)

    @staticmethod
    def _screens(question: Evidence) -> bool:
        return bool(SCREENING.search(question.quote) or REFERS_BACK.search(question.quote))

    def question_before(self, ev: Evidence) -> Evidence | None:
        """The last question the worker asked before ``ev`` (in the worker's turn just before it)."""
        segs = self.m.transcript.segments
        at = next((n for n, seg in enumerate(segs) if seg.id == ev.segment_id), 0)
        for seg in reversed(segs[:at]):
            if seg.role == "worker":
                return self.question_in(seg)
        return None

    # --- plan ------------------------------------------------------------------------------

    def plans(self) -> list[NoteItem]:
        """One task per plan statement; questions that only ask for information are left out.

        A worker's recap at the end ("So let me sum up. Today ... You'll call the pantry
        this week. I'll call you tomorrow.") lists the plan: each of its statements is a task.
        Talk about what happens next in the session ("I'm going to ask you some questions")
        is not a plan.
        """
        items = []
        seen: set[int] = set()
        for seg in self.m.transcript.segments:
            if (seg.role == "worker" or self.m.notes) and RECAP.search(seg.text):
                anns = [a for a in self.m.select("plan") if any(e.segment_id == seg.id for e in a.evidence)]
                sentences = self._sentences(Evidence.of(seg, 0, len(seg.text.rstrip())), min_words=2)
                cue = next((n for n, ev in enumerate(sentences) if RECAP.search(ev.quote)), -1)
                # what the recap lists: the cue sentence when it names tasks itself ("So before next
                # time, you'll ..."), and the sentences after it
                start = cue if cue >= 0 and TASK_MARK.search(sentences[cue].quote) else cue + 1
                for ev in sentences[start:]:
                    if ev.quote.endswith("?"):
                        items += self._proposed_time([], ev, seen)
                        continue
                    items += self._task(anns, ev, "worker", seen)
                self.use([Evidence.of(seg, 0, len(seg.text.rstrip()))])
        # the worker's own future actions with a time ("I'll see you Monday during advisory")
        for seg in self.m.transcript.segments:
            if seg.role != "worker" or self.m.notes:
                continue
            for ev in self._sentences(Evidence.of(seg, 0, len(seg.text.rstrip())), min_words=2):
                if ev.quote.endswith("?"):
                    items += self._proposed_time([], ev, seen)
                elif FUTURE.search(ev.quote) and _timed(ev.quote):
                    items += self._task([], ev, "worker", seen)
        anns = [
            *self.m.select("plan"),
            *self.m.select("goal", subtypes=("commitment",), exclude_roles=("worker",)),
        ]
        anns.sort(key=lambda a: (a.evidence[0].start, a.evidence[0].segment_id))
        for ann in anns:
            spoken = self.m.spoken(ann)
            role = self.m.role(ann)
            if ann.status == "negated" or self.said(spoken):
                continue
            if any(self._is_question(e) for e in spoken) and not all(is_request(e.quote) for e in spoken):
                continue  # "Where would you like to be by the end of the month?" asks, it does not plan
            for ev in [s for e in spoken for s in self._sentences(e)]:
                items += self._task([ann], ev, "worker" if self.m.notes else role, seen)
            self.use(spoken)
        return sorted(items, key=lambda i: min((e.start, e.segment_id, e.char_start) for e in i.evidence))

    def _proposed_time(self, anns: list[Annotation], ev: Evidence, seen: set[int]) -> list[NoteItem]:
        """A yes/no question that names a day or a time ("Same time next Monday, eleven o'clock?")
        proposes the next appointment; a wh-question ("What would that look like by Wednesday?") asks."""
        if (
            WH_START.search(ev.quote)
            or not _timed(ev.quote)
            or self.said([ev])
            or hash((ev.segment_id, ev.char_start)) in seen
        ):
            return []
        if not re.search(
            r"(?i)\b(?:same time|see you|meet|come (?:back|in)|next (?:session|appointment|visit|group))\b",
            ev.quote,
        ):
            return []
        seen.add(hash((ev.segment_id, ev.char_start)))
        text = f"Next appointment: {lower_first(clean(ev.quote).rstrip('?'))}."
        return [self.item(anns, text, f"Next appointment: {quoted([ev], 1)}", [ev])]

    def _task(self, anns: list[Annotation], ev: Evidence, role: str | None, seen: set[int]) -> list[NoteItem]:
        key = hash((ev.segment_id, ev.char_start))
        if key in seen or self.said([ev]) or in_session_talk(ev.quote):
            return []
        if role != "worker" and CONDITION.search(ev.quote):
            return []  # "if you keep this up I'll send you to your father": a condition or threat, not a task
        if THOUGHT.search(ev.quote):
            return []  # "Sometimes I think I'll go too": a recurring thought, not something planned
        if not says_what(ev.quote):
            return []  # "I'll think on it", "Here's what I'll do": no task a note can state
        seen.add(key)
        text = as_task(ev.quote, role, self.pronouns) + "."
        together = role == "worker" and self.shared() and GROUP_ADDRESS.search(ev.quote)
        if together:  # "you both", "each of you": the members' task, not the client's alone
            text = re.sub(r"\b(?:[Tt]he client|Client) will\b", "participants will", text, count=1)
            text = text[:1].upper() + text[1:]
        ann = anns[0] if anns else None
        title = (
            title_of(ann.subtype, PLAN_TITLES, "plan") if ann is not None and ann.label == "plan" else "Task"
        )
        item = self.item(anns, text, f"{title}: {quoted([ev], 1)}", [ev])
        if together:
            item.fields["kind"] = "group_task"
        return [item]

    def shared(self) -> bool:
        """Whether the session has several participants besides the worker (a family, a group)."""
        others = {s.speaker for s in self.m.transcript.segments if s.role in ("client", "other")}
        return self.m.options.session_type in ("family", "group", "couple") or len(others) > 1

    def _sentences(self, ev: Evidence, min_words: int = 3) -> list[Evidence]:
        """``ev`` cut into its sentences that carry words (a worker's summary of tasks is one task each)."""
        seg = self.m.transcript.segment(ev.segment_id)
        out = []
        for sent in parse(ev.quote).sents:
            text = sent.text.strip()
            if len(text.split()) < min_words:
                continue
            start = ev.char_start + ev.quote.index(text, sent.start_char)
            piece = Evidence.of(seg, start, start + len(text))
            piece.speaker, piece.role = ev.speaker or piece.speaker, ev.role or piece.role
            out.append(piece)
        return out or [ev]

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


def change_talk(m: Material) -> list[NoteItem]:
    """The assessment's reading of the client's change talk, by kind, for the worker to confirm.

    Change-talk labels (Miller & Rollnick's DARN-CAT) belong here, never as goal titles.
    """
    anns = [a for a in m.select("goal", subtypes=CHANGE_TALK, roles=("client",)) if a.status == "affirmed"]
    if not anns:
        return []
    kinds = [title_of(s, GOAL_TITLES).lower() for s in CHANGE_TALK if any(a.subtype == s for a in anns)]
    text = f"Client voiced change talk ({', '.join(kinds)})."
    return [m.item(anns, text, ["interpretation: confirm readiness for change before signing"])]


def prose_parts(m: Material) -> dict[str, list[NoteItem]]:
    """Every kind of prose item of a draft, built once. Risk, goals and plans claim their spans
    first, so the client's report does not say them again."""
    p = Prose(m)
    risks, goals, plans = p.risks(), p.goals(), p.plans()
    return {
        "risks": risks,
        "goals": goals,
        "plans": plans,
        "reports": p.reports(),
        "context": p.context(),
        "observed": p.observed(),
        "interventions": p.interventions(),
        "change_talk": change_talk(m),
    }
