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
  the client to do something ("could you ...?");
* the worker's own notes (dictated or typed) are documentation already: each sentence goes
  where its subject and verb put it ("Worker observed ..." and what happened in the visit:
  Objective; "Worker reviewed / validated / referred ...": an intervention; "Client reported
  ...": the client's report), in the worker's words (``notes``).
"""

from __future__ import annotations

from note_formats.common import CHANGE_TALK, GOAL_TITLES, Material, title_of
from note_formats.prose.base import allowed_words
from note_formats.prose.interventions import InterventionBuilder
from note_formats.prose.length import budget, fit, words
from note_formats.prose.notes import NotesBuilder
from note_formats.prose.plans import PlanBuilder
from note_formats.prose.reports import ReportBuilder
from note_formats.prose.risk import RiskBuilder
from note_formats.wording import NAMES, names_in
from scribe.core.records import NoteItem


class Prose(ReportBuilder, RiskBuilder, PlanBuilder, InterventionBuilder, NotesBuilder):
    """Builds prose items for one draft; remembers which spans were said, so nothing is said twice."""


def change_talk(m: Material, habits: set[tuple[int, int]] = frozenset()) -> list[NoteItem]:
    """The assessment's reading of the client's change talk, by kind, for the worker to confirm.

    Change-talk labels (Miller & Rollnick's DARN-CAT) belong here, never as goal titles. An
    "I'll ..." that tells a habit (``habits``: segment, start) commits to no change.
    """
    anns = [
        a
        for a in m.select("goal", subtypes=CHANGE_TALK, roles=("client",))
        if a.status == "affirmed" and not all((e.segment_id, e.char_start) in habits for e in a.evidence)
    ]
    if not anns:
        return []
    kinds = [title_of(s, GOAL_TITLES).lower() for s in CHANGE_TALK if any(a.subtype == s for a in anns)]
    text = f"Client voiced change talk ({', '.join(kinds)})."
    return [m.item(anns, text, ["interpretation: confirm readiness for change before signing"])]


def in_order(p: Prose, items: list[NoteItem]) -> list[NoteItem]:
    """``items`` in the order of the first thing each cites (by time, then place in the transcript)."""
    return sorted(
        items,
        key=lambda i: min(
            ((e.start, p.position(e.segment_id) or 0, e.char_start) for e in i.evidence), default=(0, 0, 0)
        ),
    )


def prose_parts(m: Material) -> dict[str, list[NoteItem]]:
    """Every kind of prose item of a draft, built once. Risk, goals and plans claim their spans
    first, so the client's report does not say them again."""
    names = NAMES.set(names_in(seg.text for seg in m.transcript.segments))
    try:
        return _prose_parts(m)
    finally:
        NAMES.reset(names)


def _prose_parts(m: Material) -> dict[str, list[NoteItem]]:
    p = Prose(m)
    risks, goals, plans = p.risks(), p.goals(), p.plans()
    # the worker's own notes: what each sentence documents, before the tags' builders say it
    notes = p.documented()
    parts = {
        "risks": risks + notes["hazards"],
        "goals": goals,
        "plans": plans,
        "reports": in_order(p, p.reports() + notes["reports"]),
        "context": p.context(),
        "observed": in_order(p, notes["observed"] + p.observed()),
        "interventions": in_order(p, p.interventions() + notes["interventions"]),
        "change_talk": notes["assessment"] + change_talk(m, p.habits),
    }
    # said once: a statement a goal, a plan or a risk line writes is not reported again; a possible
    # risk the worker has not accepted is theirs to decide, and the report keeps what it quotes
    sure = {a.id for a in m.annotations if a.label == "risk" and (not a.possible or a.review == "accepted")}
    documented = [i for i in risks if sure & set(i.annotation_ids)] + goals + plans
    parts["reports"] = p.not_said_elsewhere(parts["reports"], documented)
    # about a page: report lines that say nothing of their own give way when it runs long (``length``)
    others = sum(words(i) for k, items in parts.items() if k != "reports" for i in items)
    parts["reports"] = fit(parts["reports"], p.kept, others, budget(m))
    return parts


__all__ = ["Prose", "allowed_words", "change_talk", "prose_parts"]
