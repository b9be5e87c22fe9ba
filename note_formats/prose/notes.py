"""The worker's own notes (dictated or typed): already documentation, sorted by what each sentence is.

A dictated note is written the way practice documents a contact: "Worker observed ...",
"Worker reviewed ... / validated ... / referred ...", "Client reported ...". The sentence's
subject and main verb say where it goes: what the worker saw is Objective, what the worker did
is an intervention, what the client reported is the client's report. The sentences are the
worker's own words, kept as they are (only tidied), so each is faithful to itself.
"""

from __future__ import annotations

import re

from note_formats.prose.base import ProseBase
from note_formats.prose.concise import dictated_quotes
from note_formats.prose.cues import HEADING, heading
from note_formats.prose.safety import HOME_HAZARDS, tells_incident
from note_formats.wording import clean, parse
from scribe.core.records import Evidence, NoteItem

#: Who "the worker" is in a note the worker dictates about themselves.
WORKER_SUBJECTS = frozenset(
    ("worker", "writer", "i", "we", "clinician", "caseworker", "counselor", "counsellor")
)
#: Verbs of a worker's perception: what the worker saw is Objective.
PERCEIVING = frozenset(("observe", "notice", "note", "see", "smell", "find"))
#: Verbs practice documents interventions with (what the worker did in the contact).
INTERVENING = frozenset(
    (
        "affirm", "validate", "reflect", "normalize", "normalise", "praise", "acknowledge", "commend",
        "explain", "review", "discuss", "educate", "teach", "model", "demonstrate", "coach", "rehearse",
        "practice", "practise", "explore", "summarize", "summarise", "encourage", "support",
        "provide", "give", "offer", "refer", "link", "connect", "submit", "arrange", "schedule",
        "call", "contact", "email", "assist", "help", "complete", "advocate", "problem-solve",
        # what the worker told or passed on to others in the contact (notifying, consulting, advising)
        "inform", "notify", "tell", "share", "advise", "remind", "reassure", "instruct", "consult",
        "report", "screen", "assess", "administer", "redirect", "coordinate",
    )
)  # fmt: skip
#: Verbs by which the worker's notes report what the client said: the client's report.
REPORTING = frozenset(
    (
        "report",
        "say",
        "state",
        "describe",
        "mention",
        "tell",
        "share",
        "deny",
        "identify",
        "endorse",
        "disclose",
        "name",
        "express",
        "voice",
        "admit",
        "explain",
    )
)


#: Times before the contact ("last week", "in March", "two years ago"): what happened then was told.
BEFORE_THE_VISIT = re.compile(
    r"(?i)\b(?:ago|last (?:week|month|year|night|time|summer|winter|spring|fall)|yesterday|previously|"
    r"in (?:january|february|march|april|may|june|july|august|september|october|november|december)|"
    r"in (?:19|20)\d\d|since)\b"
)


def _subject(root) -> str:
    """The lowered head of the main verb's subject ("Worker", "she"), or "" when it has none."""
    subj = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subj is None:
        return ""
    # "the case manager", "this writer": the head noun names who
    return subj.lower_


#: The mental status examination's words: what the worker saw of appearance, behaviour, speech
#: and affect ("Poor eye contact.", "Disheveled, unshaven.", "Speech soft and slow.").
MENTAL_STATUS = re.compile(
    r"(?i)\b(?:eye contact|speech (?:was |is )?(?:soft|slow|rapid|pressured|loud|quiet|normal|clear|slurred)|"
    r"(?:flat|blunted|restricted|labile|congruent|incongruent|constricted) affect|"
    r"affect (?:was |is )?(?:flat|blunted|restricted|labile|bright|euthymic|dysphoric|anxious|tearful|congruent|appropriate|full)|"
    r"disheveled|dishevelled|unkempt|unshaven|(?:well|poorly)[- ]groomed|psychomotor|oriented (?:x|to)|"
    r"thought (?:process|content)|(?:fair|poor|good|limited) (?:insight|judg(?:e)?ment)|guarded|fidget\w*)\b"
)


#: A dictated heading that opens the worker's assessment ("Assessment.", "Clinical impression:").
ASSESSMENT_HEADING = heading(r"assessment|(?:clinical )?impressions?|formulation|worker's assessment")


def sentence_kind(text: str) -> str:
    """What a sentence of the worker's notes documents: "observed", "intervention", "reported",
    or "" (anything else: a plan, a heading, an assessment, a screen)."""
    doc = parse(text)
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.pos_ not in ("VERB", "AUX"):
        return "observed" if MENTAL_STATUS.search(text) else ""
    who, verb = _subject(root), root.lemma_.lower()
    if any(
        c.lower_ in ("will", "'ll", "shall") or (c.dep_ == "aux" and c.lower_ == "going")
        for c in root.children
    ):
        return ""  # "Worker will call the office": the plan's
    if who in WORKER_SUBJECTS:
        if verb in PERCEIVING:
            return "observed"
        # "Worker asked client to show ..." asks for an action (a teach-back); "asked about ..." screens
        if verb in INTERVENING or (verb == "ask" and any(c.dep_ == "xcomp" for c in root.children)):
            return "intervention"
        return ""
    if verb in REPORTING and who not in ("", "it", "there"):
        return "reported"
    if MENTAL_STATUS.search(text) or (verb in PERCEIVING and root.tag_ == "VBN"):
        return "observed"  # "Patient observed lying in bed, disheveled": what the worker saw
    # what happened in the contact, told in the past ("She dialed the dose correctly", "Apartment
    # was tidy"), is what the worker saw; the present tense tells background ("She uses a cane")
    past = root.tag_ == "VBD" or any(c.dep_ in ("aux", "auxpass") and c.tag_ == "VBD" for c in root.children)
    if past and verb not in REPORTING:
        # "She went to the ER last week": history, which the worker was told, not saw
        return "reported" if BEFORE_THE_VISIT.search(text) else "observed"
    return ""


def who_saw(text: str) -> bool:
    """Whether the worker says they saw it ("Worker observed that ...", "Patient observed lying in
    bed", "Poor eye contact")."""
    root = next((t for t in parse(text) if t.dep_ == "ROOT"), None)
    if root is None:
        return False
    if root.lemma_.lower() in REPORTING and _subject(root) not in ("", "it", "there"):
        return False  # "She reported her mood as flat": her words
    return bool(
        (root.lemma_.lower() in PERCEIVING and (_subject(root) in WORKER_SUBJECTS or root.tag_ == "VBN"))
        or MENTAL_STATUS.search(text)
    )


def asks_about(text: str) -> bool:
    """Whether a sentence of the worker's notes reports the worker asking about something ("Worker
    asked directly about thoughts of ending her life."): a screen, whose answer follows it."""
    root = next((t for t in parse(text) if t.dep_ == "ROOT"), None)
    return root is not None and root.lemma_.lower() == "ask" and _subject(root) in WORKER_SUBJECTS


class NotesBuilder(ProseBase):
    def _assessing(self) -> set[int]:
        """The segments of the worker's notes under a dictated "Assessment." (or "Impression:")
        heading, up to the next heading: the worker's own assessment."""
        under: set[int] = set()
        assessing = False
        for seg in self.m.transcript.segments:
            assessing = bool(ASSESSMENT_HEADING.match(seg.text)) or (
                assessing and not HEADING.match(seg.text)
            )
            if assessing:
                under.add(seg.id)
        return under

    def documented(self) -> dict[str, list[NoteItem]]:
        """In the worker's notes: what the worker saw ("observed"), what they did ("interventions")
        and what the client reported that no tag names ("reports"), one line per sentence in the
        worker's words; each sentence is claimed, so nothing else says it again."""
        out: dict[str, list[NoteItem]] = {
            "observed": [],
            "interventions": [],
            "reports": [],
            "hazards": [],
            "assessment": [],
        }
        if not self.m.notes:
            return out
        assessing = self._assessing()
        for seg in self.m.transcript.segments:
            sentences = self._sentences(Evidence.of(seg, 0, len(seg.text.rstrip())), min_words=3)
            for ev in [c for x in sentences for c in self._clauses(x)]:
                # under the worker's "Assessment." heading every sentence is the assessment
                kind = "assessment" if seg.id in assessing else sentence_kind(ev.quote)
                if not kind or self.said([ev]):
                    continue
                if kind == "reported" and self._tagged(ev):
                    continue  # the client's report builder writes what a tag names
                if kind == "observed" and not who_saw(ev.quote) and self._tagged(ev, ("goal", "risk")):
                    continue  # what happened in the contact is Objective, unless it is a goal or a risk
                text = dictated_quotes(clean(ev.quote).rstrip(" .!;,"), ev.quote)
                text = text[:1].upper() + text[1:] + "."
                if kind == "observed" and HOME_HAZARDS.search(ev.quote) and tells_incident(ev.quote):
                    # a hazard the worker saw (a heater by the curtains, pills within a child's
                    # reach) is for the risk assessment, flagged for the worker to decide on
                    extra = ["safety concern: decide whether it needs a response"]
                    item = self.item(self._anns_at(ev), text, text, [ev], extra=extra)
                    item.needs_review = True
                    out["hazards"].append(item)
                    self.hazards.add((ev.segment_id, ev.char_start))
                    self.use([ev])
                    continue
                item = self.item(self._anns_at(ev), text, text, [ev])
                if kind == "intervention":
                    item.fields["kind"] = "intervention"
                out[{"intervention": "interventions", "reported": "reports"}.get(kind, kind)].append(item)
                self.use([ev])
        return out

    def _clauses(self, ev: Evidence) -> list[Evidence]:
        """``ev`` cut before a joined clause with a subject of its own ("Worker explained the
        options, and client said she does not want him arrested"): each says its own kind of thing."""
        doc = parse(ev.quote)
        root = next((t for t in doc if t.dep_ == "ROOT"), None)
        if root is None:
            return [ev]
        first = _subject(root)
        joined = [
            c
            for c in root.children
            if c.dep_ == "conj" and _subject(c) not in ("", first) and c.pos_ in ("VERB", "AUX")
        ]
        if not joined:
            return [ev]
        cut = joined[0].left_edge.idx
        head = ev.quote[:cut].rstrip(" ,;")
        if head.lower().endswith(" and"):
            head = head[:-4].rstrip(" ,;")
        seg = self.m.transcript.segment(ev.segment_id)
        pieces = [
            Evidence.of(seg, ev.char_start, ev.char_start + len(head)),
            Evidence.of(seg, ev.char_start + cut, ev.char_end),
        ]
        if (
            any(len(x.quote.split()) < 3 for x in pieces)
            or len({sentence_kind(x.quote) for x in pieces}) == 1
        ):
            return [ev]  # two clauses of one kind read as one sentence
        return pieces

    def _anns_at(self, ev: Evidence, labels: tuple[str, ...] = ("observation", "intervention")) -> list:
        """The tags of ``labels`` citing any of ``ev``."""
        return [
            a for a in self.m.annotations if a.label in labels and any(_overlap(e, ev) for e in a.evidence)
        ]

    def _tagged(self, ev: Evidence, labels: tuple[str, ...] = ("observation", "goal", "risk")) -> bool:
        """Whether a tag of ``labels`` cites ``ev`` (its own builder writes it; a possible risk only
        quotes it for the worker to decide)."""
        return any(not (a.label == "risk" and a.possible) for a in self._anns_at(ev, labels))


def _overlap(a: Evidence, b: Evidence) -> bool:
    return a.segment_id == b.segment_id and a.char_start < b.char_end and b.char_start < a.char_end
