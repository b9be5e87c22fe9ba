"""Risk lines: disclosures with any denial said with them, denials, possible indicators for the
worker to decide on, and the answers to risk-screening questions."""

from __future__ import annotations

import re
from collections.abc import Sequence

from note_formats.common import RISK_TITLES, quoted
from note_formats.items import unmatched_risk_item
from note_formats.prose.base import ProseBase
from note_formats.prose.cues import REFERS_BACK, SCREENING
from note_formats.wording import about_someone_else, clean, lower_first, report
from scribe.core.records import Annotation, Evidence, NoteItem

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


class RiskBuilder(ProseBase):
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
