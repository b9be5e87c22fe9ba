"""Safety incidents beside harm to self and others: what the client or family tells of a fall, a
person with dementia wandering off, a child left without supervision, emergency services called,
no heat, medicines missed or money taken, flagged in the risk section for the worker to decide."""

from __future__ import annotations

import re

from note_formats.common import quoted
from note_formats.prose.base import ProseBase
from note_formats.prose.concise import tighten
from note_formats.prose.cues import NAMED_MEANS, OFFER, YES_NO
from note_formats.wording import has_subject, is_request, lower_first, parse
from pipelines.policy import REPAIR
from scribe.core.records import Evidence, NoteItem

#: Sentences of one turn a safety line quotes.
MAX_INCIDENT_SENTENCES = 2
#: Words of an answer too short to say what it is about without its question.
SHORT_ANSWER = 6

#: Hazards a home visit looks for (child-safety and adult protective assessment): what a worker
#: who saw them documents in the risk section.
_HAZARDS = (
    r"\b(?:space heaters?|smoke (?:alarm|detector)s?|carbon monoxide|gas leak|no heat|"
    r"no (?:water|electricity|power)|exposed (?:wires|wiring)|(?:unlocked|unsecured|loaded) (?:gun|firearm|rifle|pistol)|"
    r"within (?:the )?reach of (?:a|the|her|his|their) (?:\w+[- ])*(?:child|children|kids?|baby|toddler|year-old)|"
    # fire safety: an alarm without its battery, a heat source against what burns
    r"(?:pulled|took|taken|take|takes) (?:the |its |their )?batter(?:y|ies) out|no batter(?:y|ies) in|"
    r"(?:up )?against (?:the |that |a |those |some )?(?:stack|pile)s? of (?:newspapers?|papers|magazines|boxes|clothes)|"
    r"(?:next to|touching|on top of) (?:the |that |a |those )?(?:curtains?|newspapers?|bedding)|"
    # a firearm kept loaded
    r"(?:it's|it is|kept|keeps? it|always|still) loaded)\b"
)
#: Where an infant is to sleep, against safe-sleep guidance (AAP: alone, on the back, in a crib):
#: a plan for it is already the hazard, so it counts though said with "could" or "will".
UNSAFE_SLEEP = re.compile(
    r"(?i)\bsleep(?:s|ing)?\b[^.?!]{0,25}\b(?:on (?:the|a|my|our) (?:couch|sofa)|in (?:a|the) laundry basket|"
    r"in (?:my|our|the) bed with (?:me|us)|between us)\b"
)
#: A worker's words that they see something now ("I notice ...", "I can see ...").
SEES = re.compile(r"(?i)\bI (?:can )?(?:notice|noticed|see|saw|can't help noticing)\b")
HOME_HAZARDS = re.compile(_HAZARDS, re.I)
#: Safety incidents a risk assessment documents beside harm to self and others (falls-risk screening
#: as CDC STEADI asks it, wandering in dementia care, a child's supervision in child-safety
#: assessment, environmental hazards and emergency services in adult protective practice).
SAFETY = re.compile(
    r"(?i)\b(?:(?:fell|falls?|fallen|falling)(?!\s+(?:asleep|apart|behind|in love|for|through|short|back|off the wagon))|tripped|(?:on|off) the floor|(?:could ?n[o']t|can ?n[o']t|couldn't) get (?:up|back up)|"
    r"wander\w*|got out of the (?:house|apartment|building)|(?:walked|went|got) out (?:at night|alone|in the night)|"
    r"got lost|(?:went|was|were|is|are|been|reported) missing|home alone|(?:left|was|were|stays?|stayed) (?:alone|by (?:himself|herself|themselves))|"
    r"unsupervised|nobody (?:watching|home)|police|cops?|cop car|911|ambulance|(?-i:ER)|emergency room|"
    r"heat(?:ing)? (?:is |was |went |got |has been |had been |been |keeps going )?(?:off|out|shut off|broken|not working)|shut ?offs?|(?:shut|cut) off|"
    r"(?:the )?oven (?:for|to) (?:heat|warm)|fire|freezing|frozen pipes|"
    rf"{_HAZARDS}|"
    r"(?:double|extra) dose|too many pills|mixed up (?:the |his |her |my )?(?:pills|meds|medications?)|"
    r"tumbles?|tumbled|"
    # how a fall is told without the word (STEADI: legs giving way, losing balance, slipping)
    r"(?:slid|slipped|sank|went) (?:down )?(?:on)?to the (?:floor|ground)|slipped (?:on|in|over|off|and)|"
    r"(?:legs|knees|feet) (?:just )?(?:went|gave (?:way|out)|buckled)|lost (?:my|his|her|their) (?:balance|footing)|"
    r"down (?:I|he|she|we|they) went|(?:went|gone|goes) over (?:in|on|outside|backwards|sideways)|"
    # medicines not taken as prescribed (self-neglect in adult protective practice)
    r"(?:take|took|taking) (?:them|it|my \w+|his \w+|her \w+) (?:only )?when (?:I|he|she) remembers?|"
    r"forg[eo]t\w* (?:to take )?(?:my|his|her|the|their) (?:pills|meds|medications?|insulin|doses?)|"
    r"still (?:sitting )?in the (?:pill |day |weekly |blister )?(?:box|organi[sz]er|packs?)|"
    r"(?:skip|skipped|skipping|miss|missed|missing) (?:a |my |his |her |the )?(?:doses?|pills|meds|medications?|insulin)|"
    # money taken by someone else (financial exploitation)
    r"(?:has|have|got|took|takes|gave (?:him|her|them)) (?:my|his|her) (?:bank |debit |credit )?card|"
    r"borrows? (?:some|money|from (?:me|him|her))|(?:never|doesn't|won't|didn't) pay (?:it|me|him|her) back)\b"
)
#: A lethal means (CALM, C-SSRS) as named, or as a worker asks after medicines.
_MEANS = rf"(?:{NAMED_MEANS}|prescriptions?|anything from the hospital)"
#: A worker's question whether there are means at hand: a weapon ("Are there any guns in the
#: house?"), or medicines where they could be used ("Is there anything else in the house,
#: painkillers?"); "Any conditions, any meds?" asks about health, not means.
_WEAPONS = r"(?:guns?|rifles?|shotguns?|firearms?|pistols?|weapons?|ammo|ammunition|knives|blades?)"
_AT_HAND = (
    r"(?:at home|in the (?:house|flat|home|apartment)|in your (?:home|room|flat)|on the farm|around|near you|"
    r"(?:you )?could use|to hurt yourself|worried about|saved up|stockpil\w*)"
)
MEANS_ASKED = re.compile(
    rf"(?i)\b(?:any|anything|are there|is there|do you (?:have|keep)|have you got|got any)\b[^?]*\b{_WEAPONS}\b[^?]*\?$"
    rf"|\b{_MEANS}\b[^?]*\b{_AT_HAND}[^?]*\?$|\b{_AT_HAND}[^?]*\b{_MEANS}\b[^?]*\?$"
)
#: Where a means is kept ("They're in the bathroom cabinet", "in the drawer by the bed").
KEPT = re.compile(
    r"(?i)\b(?:in|under|behind|on top of|inside)\s+(?:the|my|his|her|our|their|a)\s+(?:\w+\s+)?"
    r"(?:cabinet|drawer|cupboard|safe|closet|wardrobe|shed|garage|nightstand|glove ?box|bag|truck|car|attic|basement)\b"
)
#: Means a client says they have or keep, in one sentence.
_HAS_MEANS = re.compile(rf"(?i)\b{_MEANS}\b")
#: An answer that only says no ("No.", "No, none.", "Nah, nothing"): it tells no fall and no means.
_ONLY_NO = re.compile(
    r"(?i)\W*(?:no|nope|nah|never|none|nothing|not that I know)(?:\W+(?:no|none|nothing|never|not really))*\W*"
)
#: Sentences of an answer a means line quotes.
MAX_MEANS_SENTENCES = 4
#: The falls screen (CDC STEADI: "Have you fallen in the past year?"): the answer is the incident.
FALLS_ASKED = re.compile(r"(?i)\b(?:any falls|fallen|had a fall|fall(?:en)? (?:over|down))\b[^?]*\?$")
#: A time long past: an incident then is history, not a current safety concern.
LONG_AGO = re.compile(
    r"(?i)\b(?:(?:19|20)\d\d|(?:nineteen|twenty) (?:\w+ )?\w+ty(?:[- ]\w+)?|twenty (?:oh |o )?\w+|years ago|"
    r"when (?:I|he|she|we|they) (?:was|were) (?:a kid|little|young|a child|small)|as a (?:kid|child|teenager))\b"
)


class SafetyBuilder(ProseBase):
    def safety_concerns(self) -> list[NoteItem]:
        """A client's (or family member's) report of a safety incident no risk line says: a fall, a
        person with dementia wandering off, a child left without supervision, the police or an
        ambulance called, no heat. Risk assessment documents them; they are flagged for the worker to
        decide on, and stay in the client's report too, so rejecting the flag loses nothing."""
        if self.m.notes:
            return []
        items = []
        for seg in self.m.transcript.segments:
            # the worker's turns only for a hazard they see in the room ("I notice the heater's up
            # against the papers"): most never say one, and are not split
            sees = seg.role == "worker" and bool(SEES.search(seg.text) and HOME_HAZARDS.search(seg.text))
            if seg.role not in ("client", "other") and not sees:
                continue
            sentences = self._sentences(Evidence.of(seg, 0, len(seg.text.rstrip())), min_words=3)
            if sees:
                sentences = [x for x in sentences if SEES.search(x.quote) and HOME_HAZARDS.search(x.quote)]
            found = [
                x
                for x in sentences
                if (tells_incident(x.quote) or UNSAFE_SLEEP.search(x.quote)) and self._covered(x) < 0.5
            ][:MAX_INCIDENT_SENTENCES]
            # the answer to the falls screen is the incident as a whole ("Not really falls. Went
            # down by the bins. Twice."), its sentences read together
            falls = self.falls_answer(seg, sentences) if not sees else None
            if falls is not None:
                found = falls
            if not found:
                continue
            found = [self.trim_openers(x) for x in found]
            clause = "; ".join(
                re.sub(
                    r"(?i)^that\s+",
                    "",
                    lower_first(tighten(self.in_third_person(x, seg.role))),
                )
                for x in found
            )
            said = self.named(seg.role, seg.speaker)
            asked = self.question_before(found[0]) if seg.role != "worker" else None
            cited = found
            if seg.role == "worker":  # what the worker saw, in their words
                text = f"Possible safety concern the worker observed: {'; '.join(repr_quote(x.quote) for x in found)}."
            elif asked is not None and (
                falls or (len(found) == 1 and len(found[0].quote.split()) < SHORT_ANSWER)
            ):
                # "Yeah, it's loaded." says what only with its question
                answer = "; ".join(repr_quote(x.quote) for x in self.runs(seg, found))
                text = f'Possible safety concern: asked "{asked.quote}", {said} answered {answer}.'
                cited = [asked, *found]
            elif all(has_subject(x.quote) for x in found):
                text = f"Possible safety concern: {said} reported that {clause}."
            else:  # a fragment ("On the floor, in the bathroom.") is quoted as said
                text = (
                    f"Possible safety concern: {said} said {'; '.join(repr_quote(x.quote) for x in found)}."
                )
            fallback = f"Possible safety concern: {quoted(cited, 2)}"
            item = self.item(
                [],
                text,
                fallback,
                cited,
                extra=["possible safety concern: decide whether it needs a response"],
            )
            item.needs_review = True
            items.append(item)
        return items

    @staticmethod
    def runs(seg, found: list[Evidence]) -> list[Evidence]:
        """``found`` (sentences of ``seg`` in order) with sentences said one after another joined
        into one quotation."""
        runs = found[:1]
        for x in found[1:]:
            if seg.text[runs[-1].char_end : x.char_start].strip():
                runs.append(x)
            else:
                runs[-1] = Evidence.of(seg, runs[-1].char_start, x.char_end)
        return runs

    def falls_answer(self, seg, sentences: list[Evidence]) -> list[Evidence] | None:
        """The sentences of a client's answer to the falls screen that say a fall happened ("Not
        falls, exactly. I went over in the yard. And once in the kitchen."); None for no answer to
        it or a denial."""
        at = self.position(seg.id)
        prev = self.m.transcript.segments[at - 1] if at else None
        if prev is None or prev.role != "worker" or self.question_in(prev, FALLS_ASKED) is None:
            return None
        if REPAIR.fullmatch(seg.text.strip()):
            return None
        if all(_ONLY_NO.fullmatch(x.quote) for x in sentences):
            return None
        said = [x for x in sentences if self._covered(x) < 0.5 and re.search(r"[A-Za-z]{3}", x.quote)]
        return said[: MAX_INCIDENT_SENTENCES + 1] or None

    def means_access(self) -> list[NoteItem]:
        """Lethal means the client has at hand (CALM, C-SSRS): the answer to the worker asking
        whether there are any ("Just some old painkillers. Half a box maybe."), or the client saying
        where one is kept ("Dan's got sleeping tablets. They're in the bathroom cabinet."). Risk
        assessment documents access; the means-safety plan is the plan's."""
        if self.m.notes:
            return []
        items = []
        segs = self.m.transcript.segments
        for at, seg in enumerate(segs):
            if seg.role not in ("client", "other"):
                continue
            sentences = self._sentences(Evidence.of(seg, 0, len(seg.text.rstrip())), min_words=1)
            prev = segs[at - 1] if at else None
            asked = (
                self.question_in(prev, MEANS_ASKED) if prev is not None and prev.role == "worker" else None
            )
            if asked is not None and (is_request(asked.quote) or OFFER.search(asked.quote)):
                asked = None  # "Would you let the pharmacy take the painkillers?" plans, it does not ask
            if asked is not None:
                if all(_ONLY_NO.fullmatch(x.quote) for x in sentences):
                    continue  # a denial of access is the screen's to document
                said = [
                    x
                    for x in sentences
                    if not re.fullmatch(r"(?i)\W*(?:oh|um+|uh+|er+|well|hm+|so)\W*", x.quote)
                ]
                found = said[:MAX_MEANS_SENTENCES]
            else:
                kept = [x for x in sentences if KEPT.search(x.quote)]
                means = [x for x in sentences if _HAS_MEANS.search(x.quote)]
                if not kept or not means:
                    continue
                found = sorted(
                    {(x.char_start, x.char_end): x for x in [*means[:1], *kept[:1]]}.values(),
                    key=lambda x: x.char_start,
                )
            # what a screen's answer already quotes is not quoted again, nor the "Yeah." it opened with
            screened = [x for x in found if any(self._within(x, a) for a in self.screened)]
            found = [
                x
                for x in found
                if x not in screened
                and self._covered(x) < 0.8
                and not (screened and YES_NO.fullmatch(x.quote.strip()))
            ]
            if not found:
                continue
            found = self.runs(seg, found)
            said = self.named(seg.role, seg.speaker)
            quote = "; ".join(repr_quote(x.quote) for x in found)
            cited = [asked, *found] if asked is not None else found
            if asked is not None:
                text = f'Access to lethal means: asked "{asked.quote}", {said} answered {quote}.'
            else:
                text = f"Access to lethal means: {said} said {quote}."
            item = self.item(
                [],
                text,
                f"Access to lethal means: {quoted(cited, 2)}",
                cited,
                extra=["access to lethal means: document the means-safety response"],
            )
            item.needs_review = True
            items.append(item)
            self.use(found, risk=True)
        return items


#: A worry about what may happen, or what to do if it does ("If he falls again ...", "he could
#: fall", "I'd call the police", "call 911 if she won't go"): no incident told. "I'd" with a past
#: participle ("I'd fallen twice") tells one.
SUPPOSED = re.compile(
    r"(?i)^\W*when\b|\bif\b|\b(?:would|might|could) (?!n[o']t)|"
    r"\b\w+'d (?!(?:\w+ed|\w+en|been|gone|got|had|done|left|fell|went|come)\b)"
)
#: Verbs whose denial says nothing happened ("I don't want him in trouble with the police").
DENIED_TELLS_NOTHING = frozenset(("want", "need", "wish", "like", "think", "mean"))


def tells_incident(text: str) -> bool:
    """Whether a sentence tells a safety incident that happened or goes on (not asked, not
    supposed, not long past, not denied: "no falls since" tells none)."""
    found = SAFETY.search(text)
    if found is None or text.rstrip().endswith("?") or LONG_AGO.search(text):
        return False
    if SUPPOSED.search(text):
        return False
    doc = parse(text)
    word = next((t for t in doc if t.idx >= found.start()), None)
    if word is None:
        return False
    head = word if word.pos_ in ("VERB", "AUX") else word.head
    before = text[: found.start()].lower().split()[-2:]
    if (
        found.group(0).lower().startswith("fall")
        and before[-1:]
        and before[-1] in ("the", "last", "this", "next")
    ):
        return False  # "last fall": the season
    root = word.sent.root
    # "I don't want him in trouble with the police": the sentence denies, not the incident
    denied = any(c.dep_ == "neg" for c in root.children) and root.lemma_ in DENIED_TELLS_NOTHING
    return (
        not denied
        and not (any(c.dep_ == "neg" for c in head.children) and "get" not in found.group(0).lower())
        and not ({"no", "never", "without"} & set(before))
    )


def repr_quote(quote: str) -> str:
    """A speaker's words in double quotes, without the full stop they end on."""
    return '"' + quote.rstrip(" .!;,") + '"'
