"""Risk lines: disclosures with any denial said with them, denials, possible indicators for the
worker to decide on, and the answers to risk-screening questions."""

from __future__ import annotations

import re
from collections.abc import Sequence

from note_formats.common import RISK_TITLES, quoted
from note_formats.items import unmatched_risk_item
from note_formats.prose.base import content_lemmas
from note_formats.prose.concise import dictated_quotes, tighten
from note_formats.prose.cues import OFFER, REFERS_BACK, SAYS_NO, SCREENING, USE_AMOUNT, YES_NO
from note_formats.prose.notes import asks_about, sentence_kind
from note_formats.prose.safety import SafetyBuilder
from note_formats.wording import (
    about_someone_else,
    clause_subjects,
    clean,
    has_subject,
    is_request,
    lower_first,
    parse,
)
from scribe.core.records import Annotation, Evidence, NoteItem

#: Words that carry a risk disclosure, or qualify it (said with a denial), in a client's sentence.
RISK_WORDS = re.compile(
    r"(?i)\b(?:kill\w*|die|dying|dead|death|suicid\w*|end it|wake up|disappear|not be here|hurt\w*|harm\w*|"
    r"cut\w*|pills|overdos\w*|gun\w*|shotguns?|handguns?|firearms?|pistols?|rifles?|weapon\w*|hit\w*|slap\w*|punch\w*|chok\w*|push\w*|grab\w*|shov\w*|"
    r"threat\w*|scared|afraid|unsafe|drunk|drink\w*|beers?|vodka|high|using|shak\w*|alone|left|act on|never|not)\b"
)
#: Words that say a risk itself (harm, death, means, violence, substances, safety incidents), without the words that
#: only qualify one ("not", "never", "alone"): a possible indicator none of whose sentences says
#: one of them is the tagger's guess, listed for the worker without its words.
RISK_TERMS = re.compile(
    r"(?i)\b(?:kill\w*|die|dying|dead|death|suicid\w*|end it|end(?:ing|ed|s)? (?:my|his|her|their|your) life|wake up|disappear|"
    r"not be here|hurt\w*|harm\w*|cut\w*|pills|overdos\w*|gun\w*|shotguns?|handguns?|firearms?|pistols?|rifles?|"
    r"weapon\w*|knife|hit|hits|hitting|slap\w*|"
    r"punch\w*|chok\w*|push\w*|grab\w*|shov\w*|threat\w*|scared|afraid|unsafe|drunk|drink\w*|drank|beers?|"
    r"vodka|alcohol|(?:get|got|getting|was|were) high|using|relaps\w*|shak\w*|shook|"
    # warning signs of suicide as prevention guidance lists them: hopelessness, being a burden, trapped
    r"hopeless\w*|burden|trapped|no way out|no (?:reason|point)|what's the point|better off|give up|giving up|"
    r"can't (?:go on|take (?:it|this|much more))|(?:how much |any )longer|tired of (?:living|everything|it all)|"
    r"lived long enough|still here for|(?:not )?be around|worth more|"
    # physical punishment of a child as the Conflict Tactics Scale (parent-child) lists it
    r"whip(?:s|ped|ping|pings)?|whoop\w*|spank\w*|smack\w*|popped (?:him|her|them)|beaten|"
    r"beat(?:s|ing)? (?:him|her|them|me|us|the kids?)|"
    r"(?:with|took|take|takes|taking|get|got|use|used) (?:a|the|my|his|her|their) (?:belt|switch|extension cord|hairbrush)|"
    r"bruis\w*|welts?|(?:left|leave|leaves|seen|saw|see) (?:the |any )?marks|marks? on (?:his|her|their|the|my) \w+|"
    r"finger ?marks?|grip marks?|"
    # safety incidents: a fall, wandering off, the police or an ambulance called
    r"fell|falls?|fallen|wander\w*|police|ambulance|911|emergency room|missing)\b"
)
#: A denial of acting: "I wouldn't do anything", "not that I'd ever act on it", "I'd never go through with it".
INTENT_ONLY = re.compile(
    r"(?i)\b(?:act on|go through with|(?:would|wouldn't|'d|will|won't|not going to|not gonna)\s+(?:not\s+|never\s+)?"
    r"(?:ever\s+)?(?:do|try)\s+(?:anything|something|it|that)\b)"
)
#: A denial of the thoughts themselves: "no thoughts like that", "I'm not thinking about it".
DENIES_THOUGHTS = re.compile(
    r"(?i)\b(?:no|not any|never had(?: any)?|don't have(?: any)?) thoughts?\b|\bnot thinking\b|\bnever thought\b|"
    r"\b(?:never|don't|do not) think about\b|"
    # the screen's own words answered with a no ("No, nothing like that"); "not like that" says the
    # thoughts are something else, and denies nothing
    r"\b(?:nothing like|none of) (?:that|those|this)\b"
)
#: A screening question about thoughts or wishes, not about acts or attempts.
ASKS_THOUGHTS = re.compile(
    r"(?i)\b(?:thoughts?|thinking|think about|wish(?:ed|ing)?|feel(?:ing)? like|want(?:ing)? to (?:die|be dead))\b"
)
#: Suicidal behaviour asked about or denied (C-SSRS behaviour items: an attempt, an interrupted or
#: aborted one, preparation): a denial of these is no denial of the thoughts.
ASKS_ACTS = re.compile(
    r"(?i)\b(?:attempt\w*|tried|ever try|done anything|did anything|started to do|got anything ready|"
    r"prepar\w*|rehears\w*)\b"
)
#: A plan or method asked about (C-SSRS items 4-5: "a plan for how you would do it"): a denial of
#: it is no denial of the thoughts.
ASKS_PLAN = re.compile(
    r"(?i)\b(?:a plan|any plans?|plan(?:ned)? (?:for|to|how)|how you would|method|worked out)\b"
)
MAX_RISK_SENTENCES = 3
#: A reason for living or a deterrent as the C-SSRS and safety plans ask for them: the people,
#: faith or animals the client would not do it to, or lives for.
REASONS = re.compile(
    r"(?i)\b(?:(?:do|did) (?:that|this|it) to (?:my|our|the|them|him|her)|(?:they|he|she) needs? me|"
    r"(?:I've|I have|I've still|I still have) got (?:my|the|our)|"
    r"my (?:kids|children|son|daughter|grandkids|grandchildren|niece|nephew|mum|mom|mam|mother|dad|father|"
    r"wife|husband|partner|family|faith|church|god|dog|cat|sister|brother|nan|gran|grandma)\b.{0,40}\b(?:need|keep|why|reason)|"
    r"against my (?:faith|religion)|(?:keeps?|kept) me (?:going|here|alive))"
)
#: A denial or a qualification in an answer ("not like that", "I would never", "no").
DENIAL = re.compile(r"(?i)\b(?:no|not|never|nothing|n't)\b|n't\b")
#: Risks to oneself: when the one who does it is someone else ("I think he's using too"), the
#: speaker is telling of another person's risk, never disclosing their own.
SELF_DIRECTED = ("suicidal_ideation", "self_harm", "substance_crisis")
SELF_DIRECTED_ACTS = re.compile(
    r"(?i)kill\w*|die[sd]?|dying|dead|suicid\w*|hurt\w*|harm\w*|cut\w*|overdos\w*|drunk|drink\w*|"
    r"drank|using|use[sd]?|relaps\w*"
)
#: Other risks that are the speaker's own acts: thoughts of harming others are the speaker's thoughts.
OWN_ACTS = {
    "harm_to_others": re.compile(
        r"(?i)kill\w*|hurt\w*|harm\w*|hit|hits|hitting|punch\w*|beat\w*|stab\w*|shoot\w*|attack\w*"
    )
}
#: A worker's follow-up on a disclosure: how often, since when, how long, how recently.
FOLLOW_UP = re.compile(
    r"(?i)\bhow (?:often|frequently|long|many times|much of the time|recently|bad)\b|"
    r"\bwhen did (?:it|this|that|these|those|they|the \w+) (?:start|begin|first)\b|\bsince when\b|"
    r"\bwhen was the (?:last|first) time\b|\bevery day\b|"
    # which means, where they are kept, and whether it happened again (C-SSRS, CALM)
    r"\bwhich (?:tablets|pills|medications?|meds|ones?|gun|knife)\b|\bwhat (?:tablets|pills|medications?|meds)\b|"
    r"\bwhere (?:are|is) (?:they|it|those|these|the \w+) (?:kept|now)\b|\bwhere do you keep\b|"
    r"\bdo you still have (?:them|it|those|that)\b|\bhappened (?:again )?since\b"
)
#: Follow-up questions on one disclosure documented with it (frequency, onset, last time).
MAX_FOLLOW_UPS = 3
#: A possible indicator (the tagger unsure) shows fewer: the worker decides on it, the words that made it.
MAX_POSSIBLE_SENTENCES = 2
#: Turns whose possible indicators of one kind share a line, and turns quoted in the line of those
#: whose words say no risk.
MAX_POSSIBLE_TURNS = 4
#: A flagged turn this short (in words) is quoted whole; a longer one by its most telling sentence.
SHORT_QUOTE = 15


#: Words a follow-up question is asked in, whatever it follows up ("How often has it happened
#: since?", "When did it first start?", "Where are the tablets kept now?").
FOLLOW_UP_WORDS = frozenset(
    (
        "happen", "start", "begin", "time", "week", "day", "month", "year", "last", "first", "often",
        "long", "keep", "kept", "tablet", "pill", "medication", "med", "gun", "knife", "thought",
        "feel", "think", "get", "go", "do", "have", "be", "say", "mean", "bad", "recent", "recently",
    )
)  # fmt: skip

#: The time frame a checklist item is asked in ("Over the last two weeks, how often ...": PHQ,
#: GAD, AUDIT): a new item of the checklist, not a question on what was just said.
CHECKLIST_FRAME = re.compile(
    r"(?i)\b(?:over|in|during) the (?:last|past) (?:two|2|few|four|4) weeks\b|\b(?:over|in|during) the (?:last|past) (?:month|year|12 months|twelve months)\b"
)
#: A question pointing back at what was said ("How often does that happen?").
ANAPHOR = re.compile(r"(?i)\b(?:it|that|this|those|these|them)\b")

#: A "no" opening an answer that goes on to say what is denied ("Nah, not like that"): the rest
#: says it, so the "no" is left out of the reported clause.
LEADING_NO = re.compile(rf"(?i)^(?:{SAYS_NO}[,.!]\s+)+(?=.*\b(?:not|never|no|nothing)\b)")
#: What opens an answer before what it says: exclamations, stage directions and noes ("God, no,
#: she would never hurt him", "(pause) Not really").
ANSWER_OPENING = re.compile(
    rf"(?i)^(?:\s*(?:\([^)]*\)|(?:oh|god|gosh|jesus|lord|christ|um|uh|erm|well|honestly|{SAYS_NO})\b[,.!]?))+\s*"
)
#: Words that deny and say nothing more ("nothing like that", "never", "not really"): after
#: "denied", a sentence of these alone adds nothing.
ONLY_DENIES = frozenset(
    ("no", "not", "never", "nothing", "like", "that", "this", "really", "anything", "or", "at", "all", "ever", "way", "n't")
)  # fmt: skip


def stated(clause: str) -> str | None:
    """The part of a reported denial that can follow "stating that": its sentences from the first
    with a subject, after bare denials ("Nothing like that. She would not harm herself." -> "She
    would not harm herself."); "" when bare denials are all it says; None when a sentence without
    a subject says more ("never attempted or anything like that"), which is quoted instead."""
    kept: list[str] = []
    for sent in parse(clause).sents:
        text = sent.text.strip()
        if not kept:
            text = ANSWER_OPENING.sub("", text).lstrip(" ,.;:!\u2014\u2013-")
            if not text.strip(" .,;!?"):
                continue
            if not has_subject(text):
                if all(t.is_punct or t.lower_ in ONLY_DENIES for t in parse(text)):
                    continue
                return None
        kept.append(text)
    return " ".join(kept)


class RiskBuilder(SafetyBuilder):
    def screening_answers(self) -> list[NoteItem]:
        """The answer to each risk-screening question, in the risk section, whatever it was: practice
        documents the screen and the client's words (a denial, a partial denial, access to means)."""
        items = []
        for anns, q in self.worker_questions(SCREENING, "risk_screening"):
            if USE_AMOUNT.search(q.quote):
                continue  # how much the client drinks is their report of use, with its question
            answer, first = self.answer_to(q, sentences=2), self.answer_to(q)
            if answer is not None and DENIAL.search(answer.quote):
                # what follows a denial is why: reasons for living, protective factors ("I would
                # never. It's against my faith, and I have my kids.")
                answer = self.answer_to(q, sentences=MAX_RISK_SENTENCES + 1)
                answer = self._with_reasons(answer) if answer is not None else None
            if (
                answer is None
                or first is None
                or self.said([first])
                or self.said([q])
                or self._covered(answer) >= 0.5
            ):
                continue  # the question and its answer are already documented as a disclosure or a denial
            seg = self.m.transcript.segment(answer.segment_id)
            # the answer to a risk screen is documented in the client's own words: a reported
            # version can turn a generic "you don't do that" into the worker, or drop a "not"
            words = f'"{answer.quote.rstrip(" .")}"'
            said = self.named(seg.role, seg.speaker)
            # the "Yeah." an answer opens with is not needed when the rest says it
            told = self.answer_to(q, sentences=2, yes_no=False)
            if (
                not DENIAL.search(answer.quote)
                and told is not None
                and has_subject(told.quote)
                and len(content_lemmas(told.quote)) >= 2
            ):
                # an answer that says what it discloses in a sentence of its own ("I've got a pistol.
                # It's in the nightstand.") is the client's report; the question was the worker's
                # screen, not a disclosure ("Once or twice, late at night." needs its question)
                text = f'In answer to a screening question, {said} reported: "{told.quote.rstrip(" .")}".'
                cited = [told]
            elif self._flagged_possible(answer):
                # the client's words the tagger read as a possible risk are the worker's to decide
                # on: cited alone, the screen named, never cited as if the question disclosed it
                text = f"In answer to a screening question, {said} answered: {words}."
                cited = [answer]
            else:  # "No." says nothing without its question
                text = f'Asked "{q.quote}", {said} answered {words}.'
                cited = [q, answer]
            text, cited = self._with_follow_ups(text, cited, said)
            fallback = f"Risk screening: {quoted([q, answer], 2)}"
            item = self.item(anns, text, fallback, cited, extra=["risk screen: document the response"])
            if item.needs_review and "quoted instead" in item.review_reason:
                item = self.item(
                    anns, text, fallback, [q, *cited], extra=["risk screen: document the response"]
                )
            items.append(item)
            self.use([e for e in cited if e.role != "worker"])
        return items

    def _statement(self, ev: Evidence) -> tuple[int, int]:
        """Where ``ev`` was said: its turn, or in the worker's notes the sentence it starts in."""
        if not self.m.notes:
            return ev.segment_id, 0
        seg = self.m.transcript.segment(ev.segment_id)
        starts = [x.start_char for x in parse(seg.text).sents if x.start_char <= ev.char_start]
        return ev.segment_id, max(starts, default=0)

    def _flagged_possible(self, ev: Evidence) -> bool:
        """Whether a possible risk indicator (the tagger unsure) cites words of ``ev``."""
        return any(
            e.segment_id == ev.segment_id and e.char_start < ev.char_end and ev.char_start < e.char_end
            for a in self.m.select("risk")
            if a.possible
            for e in a.evidence
        )

    # --- risk ------------------------------------------------------------------------------

    def risks(self) -> list[NoteItem]:
        """Disclosures first (with any qualifying denial said with them), then denials."""
        anns = [a for a in self.m.select("risk") if self.m.role(a) != "worker" or self.m.notes]
        by_seg: dict[tuple[int, int], list[Annotation]] = {}
        for a in anns:
            # by the turn the speaker said it in (a denial may also cite the worker's question); in
            # the worker's notes by the sentence: each states its own finding ("Denies HI.")
            by_seg.setdefault(self._statement(self.m.spoken(a)[0]), []).append(a)
        disclosed: list[NoteItem | tuple] = []
        denied = []
        #: possible indicators of one kind, said by one speaker: one line for the worker to decide on
        unsure: dict[tuple, list[list[Annotation]]] = {}
        for seg_anns in by_seg.values():
            # what someone else said about the speaker ("he says I'm going to die") is their words
            seg_anns = [a for a in seg_anns if not self._quoting_another(a)]
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
            elif negated and not all(self.said(self.m.spoken(a)) for a in negated):
                denied.append(self._risk_item(negated, denial=True))
            by_status: dict[str, list[Annotation]] = {}
            for a in other:  # a past act told as both self-harm and suicidal ideation is one line
                by_status.setdefault(a.status, []).append(a)
            disclosed += [self._risk_item(group) for group in by_status.values()]
        # A flagged risk whose evidence is not in the transcript never vanishes: the worker checks it.
        lost = [unmatched_risk_item(a, problem) for a, problem in self.m.unmatched_risks]
        screens = self.screening_answers()
        for screen in screens:  # a possible indicator in the answer to a screen is documented with it
            answer = screen.evidence[-1]
            for key, turns in unsure.items():
                inside, touched = [], []
                for turn in turns:
                    # the indicator's own words decide; a denial said with them goes with the screen too
                    own = [x for a in turn if a.status != "negated" for x in self.m.spoken(a)]
                    said = [self._within(e, answer) for e in self._carrying(own, True)]
                    inside += [turn] if all(said) else []
                    touched += [turn] if any(said) else []
                for turn in touched:
                    screen.annotation_ids += [a.id for a in turn]
                    reason = f"possible {key[0]}: decide whether this is current risk"
                    if reason not in screen.review_reason:
                        screen.review_reason = "; ".join(r for r in (screen.review_reason, reason) if r)
                    screen.needs_review = True
                unsure[key] = [t for t in turns if t not in inside]
        # what a screen's answer documents is not said again in a possible indicator's line
        self.screened = [s.evidence[-1] for s in screens]
        items: list[NoteItem | None] = []
        guesses: int | None = None
        guessed: list[Annotation] = []
        for entry in disclosed:
            if isinstance(entry, NoteItem):
                items.append(entry)
                continue
            # a turn none of whose words says a risk is the tagger's guess: named, not reported
            # (all of them, of any kind, in one line where the first was)
            unworded = [turn for turn in unsure[entry] if not self._worded(turn)]
            turns = [turn for turn in unsure[entry] if turn not in unworded]
            if unworded and guesses is None:
                guesses = len(items)
                items.append(None)
            guessed += [a for turn in unworded for a in turn]
            for n in range(0, len(turns), MAX_POSSIBLE_TURNS):
                group = [a for turn in turns[n : n + MAX_POSSIBLE_TURNS] for a in turn]
                items.append(self._risk_item(group, possible=True, claim=False))
        if guesses is not None:
            items[guesses] = self._unworded_item(guessed)
        return [
            *lost,
            *[i for i in items if i is not None],
            *self.means_access(),
            *self.safety_concerns(),
            *denied,
            *screens,
        ]

    @staticmethod
    def _denies_intent_only(spoken: Sequence[Evidence], question: Evidence | None) -> bool:
        """Whether a denial only denies acting ("I'd never do anything", "not that I'd act on it")
        while the thoughts were what was asked about, or nothing was asked: the thoughts stand."""
        said = " ".join(e.quote for e in spoken)
        if not INTENT_ONLY.search(said) or DENIES_THOUGHTS.search(said):
            return False
        return question is None or bool(ASKS_THOUGHTS.search(question.quote))

    @staticmethod
    def _denies_acts_only(spoken: Sequence[Evidence], question: Evidence | None) -> bool:
        """Whether a denial of suicidal ideation only denies acts (an attempt, preparing) because acts
        were what was asked or said ("Have you ever done anything to end your life?" "No, never
        attempted"): the thoughts, asked about elsewhere, are not denied by it."""
        said = " ".join(e.quote for e in spoken)
        if DENIES_THOUGHTS.search(said) or (question is not None and ASKS_THOUGHTS.search(question.quote)):
            return False
        return bool(ASKS_ACTS.search(said) or (question is not None and ASKS_ACTS.search(question.quote)))

    def _worded(self, anns: Sequence[Annotation]) -> bool:
        """Whether a sentence of what ``anns`` cite says a risk: in ``RISK_TERMS``, or in the words of
        a taxonomy entry the tagger matched ("I look over my shoulder at the bus stop now")."""
        return any(a.source == "rules" and self.m.role(a) != "worker" for a in anns) or any(
            RISK_TERMS.search(x.quote) for a in anns for e in self.m.spoken(a) for x in self._sentences(e, 1)
        )

    def _unworded_item(self, anns: list[Annotation]) -> NoteItem:
        """Possible indicators whose words say no risk: one short line quoting what each turn the
        tagger flagged said (``_telling_sentence``), in time order, so the worker sees the words and
        decides. The quote is the speaker's words, never stated as fact."""
        kinds = self._risk_what(anns).split(" and ")
        what = ", ".join(kinds[:-1]) + " and " + kinds[-1] if len(kinds) > 1 else kinds[0]
        spoken = [e for a in anns for e in self.m.spoken(a)]
        by_turn: dict[int, list[Evidence]] = {}
        for e in spoken:
            by_turn.setdefault(e.segment_id, []).append(e)
        turns = [by_turn[s] for s in sorted(by_turn, key=lambda s: self.position(s) or 0)]
        shown = [q for turn in turns if (q := self._telling_sentence(turn)) is not None]
        weakest = min(a.confidence for a in anns)
        # what the worker decides is the review mark's to say, once
        said = "; ".join(f'"{q.quote}"' for q in shown[:MAX_POSSIBLE_TURNS])
        said += " (and more)" if len(shown) > MAX_POSSIBLE_TURNS else ""  # every turn is cited
        text = (
            f"Possible {what}, flagged by the tagger: {said}."
            if shown
            else f"Possible {what}: flagged by the tagger only."
        )
        item = self.item(anns, text, f"Possible {what}: {quoted(shown or spoken, 1)}", shown or spoken)
        item.needs_review = True
        item.review_reason = f"possible risk ({weakest:.2f}): decide whether this is current risk"
        return item

    def _telling_sentence(self, spoken: Sequence[Evidence]) -> Evidence | None:
        """What to quote of one turn's ``spoken`` spans: all of it when short (``SHORT_QUOTE``
        words), else the sentence that says most (the most content words); openers, fillers and
        the closing full stop trimmed. None when every sentence only acknowledges ("Okay.", "No.")
        or a screen's answer documents it."""
        sents = [
            x
            for e in spoken
            for x in self._sentences(e, min_words=1)
            if not any(self._within(x, a) for a in self.screened) and content_lemmas(x.quote)
        ]
        if not sents:
            return None
        seg = self.m.transcript.segment(sents[0].segment_id)
        whole = self.trim_openers(Evidence.of(seg, sents[0].char_start, sents[-1].char_end))
        if len(whole.quote.split()) <= SHORT_QUOTE:
            return whole
        return self.trim_openers(max(sents, key=lambda x: len(content_lemmas(x.quote))))

    def _carrying(self, spoken: Sequence[Evidence], possible: bool) -> list[Evidence]:
        """The sentences of ``spoken`` that carry the risk, and any denial said with them."""
        limit = MAX_POSSIBLE_SENTENCES if possible else MAX_RISK_SENTENCES
        trimmed = []
        for e in spoken:
            pieces = self._sentences(e, min_words=1)
            if self.m.notes:  # a finding of the notes is its whole sentence, not the span a tag marked
                seg = self.m.transcript.segment(e.segment_id)
                whole = self._sentences(Evidence.of(seg, 0, len(seg.text.rstrip())), min_words=1)
                pieces = [
                    x for x in whole if x.char_start < e.char_end and x.char_end > e.char_start
                ] or pieces
            pieces = [x for x in pieces if re.search(r"\w", x.quote)] or [e]
            if possible:  # what a screen's answer documents is said there
                pieces = [x for x in pieces if not any(self._within(x, a) for a in self.screened)]
                if not pieces:
                    continue
            carrying = [x for x in pieces if RISK_WORDS.search(x.quote)]
            more: list[Evidence] = []
            if possible:
                # the classifier read the whole turn: a sentence of it that says a risk is what it
                # read when its span says none ("I did something I'm not proud of" - "I punched the
                # wall"), and the next one naming another act goes with a span that stops before it
                # ("I grabbed him. By the arm. I maybe shook him.")
                seg = self.m.transcript.segment(e.segment_id)
                turn = Evidence.of(seg, 0, len(seg.text.rstrip()))
                turn.speaker, turn.role = e.speaker, e.role
                said = [
                    x
                    for x in self._sentences(turn, min_words=2)
                    if RISK_TERMS.search(x.quote) and not any(self._within(x, a) for a in self.screened)
                ]
                named = {m.lower() for x in carrying for m in RISK_TERMS.findall(x.quote)}
                if not named:
                    carrying = said[:1] + [x for x in carrying if x not in said[:1]]
                elif not self.m.notes:  # a paragraph of notes holds many findings, each its own
                    more = [
                        x
                        for x in said
                        if x.char_start >= e.char_end
                        and not any(self._within(x, c) or self._within(c, x) for c in carrying)
                        and {m.lower() for m in RISK_TERMS.findall(x.quote)} - named
                    ][:1]
            # nothing in the words carries a risk: the first sentence says where the tagger looked
            # the sentences that say a risk first, the ones that only qualify it ("not great") after
            chosen = sorted(carrying, key=lambda x: not RISK_TERMS.search(x.quote))[:limit] + more
            chosen.sort(key=lambda x: x.char_start)
            trimmed += chosen if carrying else pieces[: 1 if possible else limit]
        trimmed = list({(x.segment_id, x.char_start): x for x in trimmed}.values())
        return trimmed or ([] if spoken == [] else self._carrying_all(spoken, limit))

    def _carrying_all(self, spoken: Sequence[Evidence], limit: int) -> list[Evidence]:
        """The risk sentences of ``spoken`` whether or not a screen documents them (a line needs words)."""
        return [x for e in spoken for x in self._sentences(e, min_words=1) if RISK_WORDS.search(x.quote)][
            :limit
        ] or list(spoken[:1])

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

    def _quoting_another(self, ann: Annotation) -> bool:
        """Whether a risk to oneself is only in words the speaker quotes someone else saying about
        them ("He calls me a stupid old man, says I'm going to die"): the other person's words are
        no disclosure of the speaker's (the taunt is what an abuse line documents)."""
        if ann.subtype not in SELF_DIRECTED or self.m.notes or self.m.role(ann) not in ("client", "other"):
            return False
        carrying = self._saying(ann, SELF_DIRECTED_ACTS)
        return bool(carrying) and all(quoted_speech(c, SELF_DIRECTED_ACTS) for c in carrying)

    def _saying(self, ann: Annotation, acts: re.Pattern[str]) -> list[str]:
        """The sentences of ``ann``'s spoken evidence that name one of ``acts``."""
        return [
            x.quote
            for e in self.m.spoken(ann)
            for x in self._sentences(e, min_words=1)
            if acts.search(x.quote)
        ]

    def _about_someone_else(self, ann: Annotation) -> bool:
        """A risk of the speaker's own acts that the speaker tells of someone else doing ("I think
        he's using too", "She'd kill me if I got in a fight": the mother's act, not the speaker's)."""
        acts = SELF_DIRECTED_ACTS if ann.subtype in SELF_DIRECTED else OWN_ACTS.get(ann.subtype)
        if acts is None or self.m.notes or self.m.role(ann) not in ("client", "other"):
            return False
        carrying = self._saying(ann, acts)
        return bool(carrying) and all(about_someone_else(c, acts) for c in carrying)

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
        reported = [(e, tighten(self.in_third_person(e, role))) for e in spoken]
        spoken = [e for e, c in reported if re.search(r"\w", c)] or spoken  # "So." reports nothing
        clause = "; ".join(
            re.sub(r"(?i)^that\s+", "", lower_first(c)) for _, c in reported if re.search(r"\w", c)
        )
        question = self.question_before(spoken[0]) if not self.m.notes else None
        short = len(LEADING_NO.sub("", clause).split()) < 4
        # "No." or "Not really." says nothing without its question: the question, and the answer
        # with what followed it ("No. Never. I could never do that to my kids.")
        # (a disclosure only when the question screened for risk: "Yes." to an offer discloses nothing)
        # the tagger paired the answer with a worker's question naming the risk: that question screened
        paired = (
            question is not None
            and any(e.segment_id == question.segment_id for a in anns for e in a.evidence)
            and not (is_request(question.quote) or OFFER.search(question.quote))  # an offer screens nothing
        )
        # "Yes." alone says nothing without what it answers: the question with it, or, when the
        # question offered something ("Would it help if I gave you ...?"), what the answer went on to say
        bare = question is not None and bool(YES_NO.fullmatch(clause))
        offered = bare and bool(is_request(question.quote) or OFFER.search(question.quote))
        if offered:
            spoken = [self._answer_from(question, spoken[0], 2)]
            clause = f'"{spoken[0].quote.rstrip(".")}"'
        asked = (
            question is not None
            and short
            and (denial or paired or (bare and not offered) or self._screens(question))
        )
        if asked:
            spoken = [question, self._answer_from(question, spoken[0], 2)]
            opening = self.answer_to(question, sentences=2) if denial else None
            if (
                opening is not None
                and opening.segment_id == spoken[1].segment_id
                and opening.char_end <= spoken[1].char_start
                and DENIED_FIRST.match(opening.quote)
            ):
                # the answer opens with the denial ("No. No, nothing like that."); the words the
                # tagger found later in it ("But kill myself? No.") only repeat the question
                spoken[1] = opening
            answer = f'"{spoken[1].quote}"'
            said = f'asked "{question.quote}", {self.named(role, first.speaker)} answered {answer}'
            # what the rest of the answer discloses ("Not now. There was one time, back in August ...")
            more = self._disclosed_after(spoken[1])
            if denial:
                # a denial goes on with why, in sentences Whisper may have cut into segments of their
                # own ("No. I have never thought about it. I would never do that to my kids.")
                more = more or self._rest_of_turn(spoken[1], MAX_RISK_SENTENCES - 1)
                self.use(more, risk=True)  # said here: not again as a denial of its own
            if more:
                spoken += more
                said += ", and said " + ", ".join(f'"{m.quote.rstrip(".")}"' for m in more)
        if denial:
            # "I wouldn't, not that I'd do something" denies acting on the thoughts, not having them
            if self._denies_intent_only(spoken, question):
                denied = f"denied intent to act ({what} itself was not denied)"
            elif first.subtype == "suicidal_ideation" and self._denies_acts_only(spoken, question):
                denied = f"denied past attempts ({what} itself was not denied)"
            elif (
                question is not None
                and ASKS_PLAN.search(question.quote)
                and not ASKS_THOUGHTS.search(question.quote)
                and not DENIES_THOUGHTS.search(" ".join(e.quote for e in spoken))
            ):
                denied = f"denied a plan ({what} itself was not denied)"
            else:
                denied = f"denied {what}"
            if self.m.notes:  # the worker documented the denial: in their words ("Denies HI.")
                text = " ".join(dictated_quotes(clean(e.quote).rstrip(" .;,"), e.quote) + "." for e in spoken)
            elif asked:
                text = f"{who} {denied}: {said}."
            else:
                if question is not None and self._screens(question):
                    # what the client added to the denial: reasons, protective factors
                    spoken = [self._answer_from(question, spoken[0], 4)]
                    clause = "; ".join(lower_first(self.in_third_person(e, role)) for e in spoken)
                told = stated(clause)
                if told:
                    text = f"{who} {denied}, stating that {lower_first(told)}."
                else:  # "Nothing like that.", "never attempted or anything": the answer, quoted
                    answer = " ".join(e.quote for e in spoken).rstrip(" .")
                    text = f'{who} {denied}: "{answer}".'
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
                spoken = [*spoken, *self._notes_answer(spoken[-1])]
                notes = "; ".join(dictated_quotes(clean(e.quote).rstrip(" .!;,"), e.quote) for e in spoken)
                text = f"{label}: {notes}."
            elif asked:
                text = f"{label}: {said}."
            else:
                told = "said" if offered else "reported that"
                if not offered and not has_subject(clause):
                    # words without a subject ("might as well end it", "some cuts") are quoted, not reported
                    told, clause = "said", '"' + " ".join(e.quote for e in spoken).rstrip(" .,;") + '"'
                text = f"{label}: {who.lower() if who == 'Client' else who} {told} {clause}."
            if not self.m.notes and status != "other_person":
                text, spoken = self._with_follow_ups(text, spoken, self.named(role, first.speaker))
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
            self.use(spoken, risk=True)
        return item

    def _notes_answer(self, said: Evidence) -> list[Evidence]:
        """In the worker's notes, the client's answer to a screen the notes report ("Worker asked
        about thoughts of ending her life. Client said ... She denied any plan."): the sentences
        after it in the paragraph that report what the client said (at most ``MAX_RISK_SENTENCES``)."""
        if not asks_about(said.quote):
            return []
        seg = self.m.transcript.segment(said.segment_id)
        after = Evidence.of(seg, said.char_end, len(seg.text.rstrip()))
        out = []
        for x in self._sentences(after, min_words=2):
            if sentence_kind(x.quote) != "reported" or len(out) == MAX_RISK_SENTENCES:
                break
            out.append(x)
        return out

    def _with_follow_ups(self, text: str, cited: list[Evidence], who: str) -> tuple[str, list[Evidence]]:
        """``text`` (a sentence ending in a full stop) and ``cited`` with each follow-up question on
        the last thing cited (how often, since when, when last) and its answer, in turn."""
        for _ in range(MAX_FOLLOW_UPS):
            follow = self._followed_up(cited[-1])
            if follow is None:
                break
            q, answer = follow
            text = f'{text[:-1]}; asked "{q.quote}", {who} answered "{answer.quote}".'
            cited = [*cited, q, answer]
        return text, cited

    def _followed_up(self, said: Evidence) -> tuple[Evidence, Evidence] | None:
        """The worker's question right after a disclosure about how often, since when or how long, and
        the answer: frequency, onset and duration are what a risk assessment documents next."""
        segs = self.m.transcript.segments
        at = self.position(said.segment_id)
        if at is None or at + 1 >= len(segs) or segs[at + 1].role != "worker":
            return None
        question = self.question_in(segs[at + 1], FOLLOW_UP)
        if question is None or not self._asks_on(question, said):
            return None
        answer = self.answer_to(question, sentences=3)
        if answer is None or self.said([answer]):
            return None
        return question, answer

    @staticmethod
    def _asks_on(question: Evidence, said: Evidence) -> bool:
        """Whether ``question`` asks about what was just said ("How often does that happen?", "How
        long has he been doing it?"), not about something new in the same words (a checklist item:
        "Over the last two weeks, how often have you felt down, depressed, or hopeless?")."""
        if CHECKLIST_FRAME.search(question.quote):
            return False
        asked, told = content_lemmas(question.quote), content_lemmas(said.quote)
        return (
            len(asked - told - FOLLOW_UP_WORDS) <= 2
            or bool(asked & told)
            or bool(ANAPHOR.search(question.quote))
        )

    def _after(self, answer: Evidence) -> list[Evidence]:
        """The sentences of ``answer``'s segment after it."""
        seg = self.m.transcript.segment(answer.segment_id)
        rest = seg.text.rstrip()
        if answer.char_end >= len(rest):
            return []
        after = Evidence.of(seg, answer.char_end, len(rest))
        after.speaker, after.role = answer.speaker, answer.role
        return self._sentences(after, min_words=2)

    def _with_reasons(self, answer: Evidence) -> Evidence:
        """``answer`` through the next sentence of its turn that gives a reason for living or a
        deterrent (C-SSRS; "I've got my niece and my mum, I couldn't do that to them"), when one of
        the next two does: a protective factor is documented with the denial it explains."""
        for x in self._after(answer)[:2]:
            if REASONS.search(x.quote):
                widened = Evidence.of(
                    self.m.transcript.segment(answer.segment_id), answer.char_start, x.char_end
                )
                widened.speaker, widened.role = answer.speaker, answer.role
                return widened
        return answer

    def _disclosed_after(self, answer: Evidence) -> list[Evidence]:
        """The sentences after ``answer`` in its turn that say a risk (at most ``MAX_RISK_SENTENCES - 1``)."""
        return [x for x in self._after(answer) if RISK_TERMS.search(x.quote)][: MAX_RISK_SENTENCES - 1]

    def screen_turn(self, segment_id: int) -> bool:
        """Whether the segment is part of the client's turn answering a risk-screening question
        (the segments after the question until the worker speaks again)."""
        if self._screen_turns is None:
            turns: set[int] = set()
            segs = self.m.transcript.segments
            for _anns, q in self.worker_questions(SCREENING, "risk_screening"):
                at = self.position(q.segment_id)
                for seg in segs[at + 1 :] if at is not None else []:
                    if seg.role in ("worker", None):
                        break
                    turns.add(seg.id)
            self._screen_turns = turns
        return segment_id in self._screen_turns

    def _rest_of_turn(self, answer: Evidence, room: int) -> list[Evidence]:
        """The next ``room`` sentences of the speaker's turn after ``answer``'s segment, when the turn
        goes on in segments of its own (Whisper cuts a turn at its sentences)."""
        segs = self.m.transcript.segments
        at = self.position(answer.segment_id)
        out: list[Evidence] = []
        for seg in segs[at + 1 :] if at is not None else []:
            if seg.speaker != answer.speaker or seg.role in ("worker", None) or len(out) >= room:
                break
            whole = Evidence.of(seg, 0, len(seg.text.rstrip()))
            whole.speaker, whole.role = seg.speaker, seg.role
            out += self._sentences(whole, min_words=2)[: room - len(out)]
        return out

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


#: An answer that opens by saying no.
DENIED_FIRST = re.compile(r"(?i)\W*(?:no+|nope|nah|never|not really|not at all)\b")

#: Verbs that report what someone said.
SAYING = frozenset(("say", "tell", "call", "yell", "scream", "shout", "text", "write", "threaten"))


def quoted_speech(text: str, words: re.Pattern[str]) -> bool:
    """Whether every word of ``text`` that ``words`` matches sits in what another person is reported
    saying about the speaker: a clause whose subject is "I", the complement of a verb of saying whose
    subject is a third person, or which has none and is in the third person ("says I'm going to
    die"). "She said she wants to die" is her own risk, told (``about_someone_else``)."""
    found = False
    subjects = iter(clause_subjects(text, words))
    for tok in parse(text):
        if not words.fullmatch(tok.text):
            continue
        found = True
        if next(subjects, "") != "i":
            return False
        head, reported = tok, False
        for _ in range(6):
            if head.head is head:
                break
            if head.dep_ in ("ccomp", "xcomp", "dobj") and head.head.lemma_.lower() in SAYING:
                verb = head.head
                subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
                third = (
                    subject.lower_ not in ("i", "we", "you") if subject is not None else verb.tag_ == "VBZ"
                )
                reported = third
                break
            head = head.head
        if not reported:
            return False
    return found
