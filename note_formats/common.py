"""What every note format shares: the vocabulary's names, options, and the usable annotations.

``Material`` holds the transcript and the annotations a draft may rest on, and
decides who said what and what needs review; ``items.py`` words the items.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scribe.core.errors import ScribeError
from scribe.core.records import (
    NOTE_SOURCES,
    Annotation,
    Evidence,
    GoalThread,
    NoteItem,
    Role,
    Segment,
    Transcript,
)
from scribe.core.timefmt import clock

log = logging.getLogger(__name__)

#: Subtype -> how a note names it. Unknown subtypes fall back to "Snake case" -> "Snake case".
OBSERVATION_TITLES = {
    "mood_affect": "Mood / affect",
    "behaviour": "Behaviour",
    "sleep": "Sleep",
    "appetite": "Appetite",
    "energy": "Energy",
    "concentration": "Concentration",
    "functioning_work": "Work functioning",
    "functioning_family": "Family functioning",
    "housing": "Housing",
    "finances": "Finances",
    "strength": "Strength",
    "stressor": "Stressor",
    "barrier": "Barrier",
    "substance_use": "Substance use",
    "physical_health": "Physical health",
}
INTERVENTION_TITLES = {
    "motivational_interviewing": "Motivational interviewing",
    "open_question": "Open question",
    "closed_question": "Closed question",
    "simple_reflection": "Simple reflection",
    "complex_reflection": "Complex reflection",
    "affirmation": "Affirmation",
    "summary": "Summary",
    "psychoeducation": "Psychoeducation",
    "safety_planning": "Safety planning",
    "means_safety": "Means safety",
    "risk_screening": "Risk screening",
    "symptom_screening": "Symptom screening",
    "advice": "Advice",
    "practical_help": "Practical help",
    "referral": "Referral",
    "harm_reduction": "Harm reduction",
    "problem_solving": "Problem solving",
    "goal_setting": "Goal setting",
    "confidentiality": "Confidentiality",
}
#: How a note says the worker used a technique; any other reads "Worker used <technique>".
INTERVENTION_USED = {
    "questions": "Worker asked questions",
    "open_question": "Worker asked open questions",
    "closed_question": "Worker asked closed questions",
    "reflections": "Worker used reflections",
    "simple_reflection": "Worker used reflections",
    "complex_reflection": "Worker used reflections",
    "affirmation": "Worker affirmed the client",
    "summary": "Worker summarised the session",
    "psychoeducation": "Worker provided psychoeducation",
    "information_giving": "Worker provided information",
    "risk_screening": "Worker screened for risk",
    "symptom_screening": "Worker screened for symptoms",
    "advice": "Worker advised the client",
    "practical_help": "Worker offered practical help",
    "safety_planning": "Worker completed safety planning with the client",
    "means_safety": "Worker discussed means safety",
    "crisis_resources": "Worker provided crisis resources",
    "referral": "Worker offered referrals",
    "scaling_question": "Worker asked a scaling question",
    "validation": "Worker validated the client's experience",
    "confidentiality": "Worker explained confidentiality",
}
GOAL_TITLES = {
    "goal": "Goal",
    "desire": "Desire for change",
    "ability": "Ability / confidence",
    "reason": "Reason for change",
    "need": "Need for change",
    "commitment": "Commitment",
    "taking_steps": "Steps already taken",
}
RISK_TITLES = {
    "suicidal_ideation": "suicidal ideation",
    "self_harm": "self-harm",
    "harm_to_others": "thoughts of harming others",
    "abuse_neglect": "abuse or neglect",
    "substance_crisis": "substance-related crisis",
}
PLAN_TITLES = {
    "homework": "Homework",
    "referral": "Referral",
    "follow_up": "Next appointment",
    "task": "Task",
}
#: How a non-affirmed status reads after an item's title.
STATUS_WORDS = {
    "negated": "denied",
    "historical": "past",
    "hypothetical": "hypothetical",
    "other_person": "about another person",
}
#: Observation subtypes that describe the client's circumstances rather than symptoms.
CONTEXT_SUBTYPES = ("strength", "stressor", "barrier")
#: Observation subtypes a worker can see in the room (SOAP "Objective" when the worker says them).
PRESENTATION_SUBTYPES = ("mood_affect", "behaviour", "energy", "concentration", "physical_health")
#: A blank a template leaves for the worker to fill in (a field, a rating nobody stated, a header line).
BLANK = "________"
#: The ways a draft can be worded (see ``DraftOptions.style``).
STYLES = ("prose", "quotes")
#: Change-talk subtypes of "goal" annotations (Miller & Rollnick's DARN-CAT).
CHANGE_TALK = ("desire", "ability", "reason", "need", "commitment", "taking_steps")
_QUOTE_RE = re.compile(r'"([^"]+)"')


@dataclass
class DraftOptions:
    """What the worker tells the drafter; everything else comes from the transcript."""

    client_id: str = ""
    #: ISO date of the session; defaults to the transcript's creation date.
    session_date: str = ""
    session_type: str = "individual"
    worker: str = ""
    #: Overrides the participants listed from the transcript's speakers.
    participants: list[str] | None = None
    #: Annotations below this confidence are kept but marked for review.
    review_confidence: float = 0.6
    #: Quotes shown in a grouped item ("Open question: "..."; "..."") before "+N more".
    max_quotes: int = 3
    #: "prose": third-person sentences generated from the cited words (checked against them);
    #: "quotes": each line a label and the verbatim quotes it rests on.
    style: str = "prose"
    #: The client's pronouns for prose ("she/her", "he/him"); "they/them" when not given.
    pronouns: str = ""
    #: The client's goals on file and this session's links to them ("Progress on goals").
    goals: GoalThread | None = None


def title_of(subtype: str, titles: dict[str, str], label: str = "") -> str:
    """How a note names a subtype: ours, else the tagger taxonomy's ``display``, else its words.

    For interventions the taxonomy comes first: an agency that adds a technique
    to ``pipelines/data/taxonomy.yaml`` names it there, once, for the notes too.
    """
    shown = taxonomy_display(label, subtype) if label else ""
    if label == "intervention" and shown:
        return shown
    return titles.get(subtype) or shown or subtype.replace("_", " ").strip().capitalize() or "Other"


#: A "goal" only the change-talk model found: the client's talk leans toward change,
#: but no goal was stated, so a note must not call it one.
MODEL_CHANGE_TALK = "Possible change talk"


def goal_title(ann: Annotation) -> str:
    """How a note names a goal annotation: "Desire for change", "Goal", or model-only change talk."""
    if ann.subtype == "goal" and ann.source == "minilm-head":
        return MODEL_CHANGE_TALK
    return title_of(ann.subtype, GOAL_TITLES, "goal")


@functools.cache
def taxonomy_display(label: str, subtype: str) -> str:
    """The tagger taxonomy's name for a subtype it lists; "" when it does not."""
    # Imported here, not at the top: importing pipelines loads spaCy (seconds), which drafting
    # from given annotations never needs.
    from pipelines.taxonomy import load_taxonomy

    try:
        return load_taxonomy().entry(f"{label}.{subtype}").display
    except (KeyError, ScribeError):
        return ""


def role_word(role: str | None) -> str:
    return {"client": "client", "worker": "worker", "other": "another participant"}.get(role or "", "speaker")


def quoted(evidence: Sequence[Evidence], limit: int) -> str:
    """The evidence as verbatim quotes: '"a"; "b" (+2 more)'."""
    quotes: list[str] = []
    for ev in evidence:
        q = ev.quote.strip()
        if q and q not in quotes:
            quotes.append(q)
    shown = "; ".join(f'"{q}"' for q in quotes[:limit])
    extra = len(quotes) - limit
    return f"{shown} (+{extra} more)" if extra > 0 else shown


def quotes_in(text: str) -> list[str]:
    """The double-quoted spans of an item's text (checked against its evidence)."""
    return _QUOTE_RE.findall(text)


def segment_index(transcript: Transcript) -> dict[int, Segment]:
    """Segments by id (the first one of an id, as ``Transcript.segment`` finds it): one lookup each."""
    index: dict[int, Segment] = {}
    for seg in transcript.segments:
        index.setdefault(seg.id, seg)
    return index


def evidence_problem(
    ev: Evidence, transcript: Transcript, segments: dict[int, Segment] | None = None
) -> str | None:
    """Why ``ev`` does not point at the transcript, or None when it does.

    ``segments`` (from :func:`segment_index`) saves a scan of the transcript per lookup.
    """
    seg = (segments if segments is not None else segment_index(transcript)).get(ev.segment_id)
    if seg is None:
        return f"evidence points at segment {ev.segment_id}, which the transcript does not have"
    if not 0 <= ev.char_start <= ev.char_end <= len(seg.text):
        return f"evidence offsets {ev.char_start}:{ev.char_end} fall outside segment {seg.id}"
    if seg.text[ev.char_start : ev.char_end] != ev.quote:
        return f"quote {ev.quote!r} is not the text of segment {seg.id} at {ev.char_start}:{ev.char_end}"
    if not ev.quote.strip():
        return f"evidence in segment {seg.id} quotes nothing"
    slack = 0.05  # word timestamps may round past the segment edge
    if not (seg.start - slack <= ev.start <= ev.end <= seg.end + slack):
        return f"evidence time {ev.start:.2f}-{ev.end:.2f}s is outside segment {seg.id}"
    return None


class Material:
    """The transcript and the annotations a draft may use, with the lookups every format needs.

    Annotations the worker rejected are left out. Evidence that does not match
    the transcript is dropped (a tagger bug, logged), and an annotation left
    without evidence is dropped too: a note line that cannot point at the
    transcript must not be written. A risk indicator is never dropped that way:
    it goes to ``unmatched_risks`` with the reason, for a line that asks the
    worker to check it (a note must not read "no risk" because a file was wrong).
    """

    def __init__(self, transcript: Transcript, annotations: Iterable[Annotation], options: DraftOptions):
        self.transcript = transcript
        self.options = options
        #: Typed or dictated notes: the worker wrote every line (there are no speakers to tell apart).
        self.notes = transcript.source in NOTE_SOURCES
        self._segments = segment_index(transcript)
        usable: list[Annotation] = []
        #: Risk indicators none of whose evidence matches the transcript, each with the first reason.
        self.unmatched_risks: list[tuple[Annotation, str]] = []
        #: What the worker rejected: no line may say it, whatever else would have found it.
        self.rejected: list[Annotation] = []
        for ann in annotations:
            if ann.review == "rejected":
                self.rejected.append(ann)
                continue
            good, problems = [], []
            for ev in ann.evidence:
                problem = evidence_problem(ev, transcript, self._segments)
                if problem:
                    log.warning("annotation %s: %s; evidence dropped", ann.id, problem)
                    # A note shows no words the transcript does not hold, not even in a review mark.
                    if ev.quote and repr(ev.quote) in problem:
                        problem = f"the quoted words are not the text of segment {ev.segment_id}"
                    problems.append(problem)
                else:
                    good.append(ev)
            if not good:
                log.warning(
                    "annotation %s (%s/%s) has no valid evidence; left out", ann.id, ann.label, ann.subtype
                )
                if ann.label == "risk":
                    self.unmatched_risks.append((ann, problems[0] if problems else "it cites no evidence"))
                continue
            if len(good) != len(ann.evidence):
                ann = Annotation.from_dict({**ann.to_dict(), "evidence": [e.to_dict() for e in good]})
            usable.append(ann)
        order = {seg.id: n for n, seg in enumerate(transcript.segments)}
        # by time, then by place in the transcript (typed notes have no times)
        self.annotations = sorted(
            usable,
            key=lambda a: (*min((e.start, order[e.segment_id], e.char_start) for e in a.evidence), a.id),
        )

    def segment(self, segment_id: int) -> Segment:
        """The transcript's segment of that id (one dictionary lookup, not a scan of the transcript)."""
        return self._segments[segment_id]

    def role(self, ann: Annotation) -> Role | None:
        """Who said it: the annotation's role, else its speaker's, else its evidence's."""
        if ann.role:
            return ann.role
        if ann.speaker and (role := self.transcript.role_of(ann.speaker)):
            return role
        for ev in ann.evidence:
            role = ev.role or self._segments[ev.segment_id].role
            if role:
                return role
        return None

    def select(
        self,
        label: str,
        *,
        subtypes: Iterable[str] | None = None,
        exclude_subtypes: Iterable[str] = (),
        roles: Iterable[str | None] | None = None,
        exclude_roles: Iterable[str | None] = (),
    ) -> list[Annotation]:
        """Annotations of ``label`` in time order, filtered by subtype and speaker role."""
        subtypes = set(subtypes) if subtypes is not None else None
        exclude_subtypes = set(exclude_subtypes)
        roles = set(roles) if roles is not None else None
        exclude_roles = set(exclude_roles)
        out = []
        for ann in self.annotations:
            if ann.label != label or ann.subtype in exclude_subtypes:
                continue
            if subtypes is not None and ann.subtype not in subtypes:
                continue
            role = self.role(ann)
            if (roles is not None and role not in roles) or role in exclude_roles:
                continue
            out.append(ann)
        return out

    def spoken(self, ann: Annotation) -> list[Evidence]:
        """The evidence its own speaker said (the quotes to show); all of it when roles are unknown.

        A tagger may cite the worker's question beside the client's denial; the
        note quotes the client and keeps the question as evidence only.
        """
        role = self.role(ann)
        own = [ev for ev in ann.evidence if (ev.role or self._segments[ev.segment_id].role) == role]
        return own or list(ann.evidence)

    def review_reasons(self, anns: Sequence[Annotation]) -> list[str]:
        """Why items built from ``anns`` need the worker's eye (empty when they do not)."""
        reasons: list[str] = []
        low = [
            a.confidence
            for a in anns
            if a.review != "accepted" and a.confidence < self.options.review_confidence
        ]
        if low:  # one reason for a group, with its weakest member
            reasons.append(f"low confidence ({min(low):.2f})")
        for ann in anns:
            for ev in ann.evidence:
                seg = self._segments[ev.segment_id]
                if seg.needs_review:
                    why = ", ".join(seg.review_reasons) or "unclear audio"
                    reasons.append(f"transcript uncertain at {clock(seg.start)} ({why})")
        return list(dict.fromkeys(reasons))

    def item(self, anns: Sequence[Annotation], text: str, extra_reasons: Sequence[str] = ()) -> NoteItem:
        """A generated item resting on ``anns``: their evidence in time order, flagged if unsure."""
        evidence = sorted((ev for ann in anns for ev in ann.evidence), key=lambda e: (e.start, e.segment_id))
        reasons = [*self.review_reasons(anns), *extra_reasons]
        return NoteItem(
            id="",  # numbered by ``section``
            text=text,
            evidence=evidence,
            annotation_ids=[ann.id for ann in anns],
            needs_review=bool(reasons),
            review_reason="; ".join(dict.fromkeys(reasons)),
        )

    def unsure(self, ann: Annotation) -> bool:
        return bool(self.review_reasons([ann]))
