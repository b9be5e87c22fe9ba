"""The grounding check: every generated line of a draft must point at the transcript it came from.

A generated item needs evidence; each piece of evidence must name a real
segment, and its quote must be that segment's text at those offsets, inside the
segment's time. Anything the item puts in double quotes must be a quote from its
evidence (client goals are verbatim), and items in a format's verbatim sections
must be the transcript word for word. Worker-authored items need no evidence;
they are marked as the worker's own when rendered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from note_formats.common import evidence_problem, quotes_in, segment_index
from note_formats.goal_progress import as_checked
from note_formats.ratings import numbers_said
from note_formats.registry import get_format, transcript_fingerprint
from scribe.core.records import NoteDraft, Transcript

GROUNDED_ORIGINS = ("generated", "edited")


@dataclass(frozen=True)
class GroundingProblem:
    """One way a draft fails to rest on its transcript."""

    section: str
    item_id: str
    message: str

    def __str__(self) -> str:
        where = f"{self.section}/{self.item_id}" if self.item_id else (self.section or "draft")
        return f"{where}: {self.message}"


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def check_grounding(draft: NoteDraft, transcript: Transcript) -> list[GroundingProblem]:
    """All the grounding problems of ``draft`` against ``transcript``; an empty list means grounded.

    Deleted items are skipped (they are not rendered). Edited items keep their
    evidence, which must still be valid, but their wording is the worker's.
    """
    problems: list[GroundingProblem] = []
    if draft.transcript_fingerprint and draft.transcript_fingerprint != transcript_fingerprint(transcript):
        problems.append(GroundingProblem("", "", "the draft was made from a different transcript"))
    verbatim = set(get_format(draft.format).verbatim_sections)
    segments = segment_index(transcript)
    for sec in draft.sections:
        for item in sec.items:
            if item.deleted:
                continue

            def report(message: str, sec: str = sec.key, item_id: str = item.id) -> None:
                problems.append(GroundingProblem(sec, item_id, message))

            # A goal on file is grounded in the session it was stated in (its quote travels
            # with the item); a goal this session did not touch has no evidence here.
            goal_quote = item.fields.get("goal_quote", "") if item.fields.get("goal_id") else ""
            if item.origin in GROUNDED_ORIGINS and not item.evidence and not goal_quote:
                report(f"{item.origin} item has no evidence")
            for ev in item.evidence:
                if problem := evidence_problem(ev, transcript, segments):
                    report(problem)
            if item.origin != "generated":
                continue
            sources = [_squash(ev.quote) for ev in item.evidence]
            for quote in quotes_in(item.text):
                if goal_quote and _squash(quote) == _squash(goal_quote):
                    continue
                if not any(_squash(quote) in src for src in sources):
                    report(f"quoted text {quote!r} is not in the item's evidence")
            # a rating is the number someone said: it must be in the words it cites
            if "value" in item.fields and "rating" in item.fields:
                said = set().union(*(numbers_said(ev.quote) for ev in item.evidence))
                if not item.fields["value"].isdigit() or int(item.fields["value"]) not in said:
                    report(f"rating {item.fields['value']!r} is not a number said in the item's evidence")
            if sec.key in verbatim and _squash(item.text) != _squash(
                " ".join(ev.quote for ev in item.evidence)
            ):
                report("verbatim item does not match the transcript")
    return problems


def check_faithfulness(draft: NoteDraft, transcript: Transcript) -> list[GroundingProblem]:
    """Generated sentences that say more than their evidence; an empty list means faithful.

    Every content word, number, negation and time expression of a generated item
    (outside its double quotes, which ``check_grounding`` checks) must be in the
    item's cited evidence, compared as lemmas; the declared template vocabulary
    and the note's category names are exempt (``note_formats.wording``). Worker
    edits and verbatim sections are not checked. Loads spaCy (seconds) on first use.
    """
    # Imported here: wording loads spaCy, which check_grounding never needs.
    from note_formats.prose.base import allowed_words
    from note_formats.wording import unfaithful

    fmt = get_format(draft.format)
    verbatim = set(fmt.verbatim_sections)
    allowed = [*allowed_words(), *fmt.vocabulary, *(s.label for s in transcript.speakers if s.label)]
    problems = []
    for sec in draft.sections:
        if sec.key in verbatim:
            continue
        for item in sec.items:
            if item.deleted or item.origin != "generated" or not item.evidence:
                continue
            text, extra = as_checked(item)  # a goal's progress line: its date and fixed words
            quotes = [ev.quote for ev in item.evidence]
            # a number said as a word ("seven") may be written in digits
            quotes += [" ".join(str(n) for n in numbers_said(q)) for q in quotes]
            if bad := unfaithful(text, quotes, [*allowed, *extra]):
                problems.append(
                    GroundingProblem(
                        sec.key, item.id, f"says {', '.join(map(repr, bad))}, not in its evidence"
                    )
                )
    return problems
