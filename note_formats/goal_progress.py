"""The "Progress on goals" part of a draft: each active goal on file, and this session's evidence about it.

Agencies audit the "golden thread": every progress note should show movement on
the goals of the service plan. So a draft lists each of the client's active
goals in the client's own words (with the date it was stated) and, after it,
what this session said about it — progress, a barrier, or that it was met —
each line a verbatim quote of the client's with its time; a goal the session
never touched says "not discussed this session" rather than being left out.

A link the linker is only unsure of (tier "possible") is never written as fact: until
the worker accepts it, its line reads "possible progress — review: "..."" after the
confirmed lines, and the item is marked for review. A goal with only such links says
so ("no confirmed evidence this session") instead of "not discussed".

A goal's quote comes from the session it was stated in, not from this
transcript: the item keeps it in ``fields["goal_quote"]`` with the goal's id and
date, and the grounding check accepts exactly that quote for that item. Links
the worker rejected are left out; links still pending mark the item for review.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from note_formats.common import Material, evidence_problem
from scribe.core.records import Evidence, Goal, GoalLink, NoteItem, NoteSection
from scribe.core.timefmt import clock

#: The section each format gives the part to (formats not listed draft without it).
HOST_SECTIONS = {"soap": "assessment", "dap": "assessment", "birp": "response", "girp": "goals"}
#: How a link's kind reads before its quote.
KIND_WORDS = {"progress": "progress", "barrier": "barrier", "met": "reported met", "revised": "restated"}
#: Evidence lines shown per goal before "+N more": stated ones, then possible ones for review.
MAX_LINES = 4
MAX_POSSIBLE = 3
PENDING = (
    "proposed links to this goal: accept or reject them in the Goals panel "
    "(or with `scribe goals CLIENT --link`)"
)
#: The fixed words of a progress line, besides its quotes, the goal's date and the kind words:
#: the sentence check lets exactly these through (``template_words``).
TEMPLATE = (
    "Goal stated; now active met revised dropped; worker's wording; this session; not discussed; "
    "no confirmed evidence; possible; review; more in the Goals panel; an earlier session"
)


def stated_on(goal: Goal) -> str:
    """ "3 Nov 2026" from the goal's session date (the ISO date as written when it is not one)."""
    return day_of(goal.session_date)


def day_of(iso: str) -> str:
    """ "3 Nov 2026" from an ISO date (the text as written when it is not one)."""
    try:
        d = date.fromisoformat(iso[:10])
    except ValueError:
        return iso or "an earlier session"
    return f"{d.day} {d:%b %Y}"


def cite(ev: Evidence) -> str:
    """Where a quote is: "[04:12]"; untimed typed text by paragraph, "[¶3]"."""
    return f"[¶{ev.segment_id + 1}]" if ev.start == ev.end == 0.0 else f"[{clock(ev.start)}]"


def goal_line(goal: Goal) -> str:
    wording = f" (worker's wording: {goal.wording})" if goal.wording else ""
    status = "" if goal.open else f" [now {goal.status}]"
    return f'Goal stated {stated_on(goal)}{status}: "{goal.quote}"{wording}'


def stated(link: GoalLink) -> bool:
    """Whether the draft may state the link as fact: the worker accepted it, or the linker was
    confident and the worker has not rejected it."""
    return link.review == "accepted" or (link.tier == "confident" and link.review != "rejected")


def _in_order(links: Sequence[GoalLink]) -> list[GoalLink]:
    return sorted(links, key=lambda k: (k.evidence.start, k.evidence.segment_id, k.evidence.char_start))


def kind_label(link: GoalLink) -> str:
    """How a link's kind reads: "barrier" when it may be stated, "possible barrier" when not yet."""
    kind = KIND_WORDS.get(link.kind, link.kind)
    return kind if stated(link) else f"possible {kind}"


def _line(link: GoalLink) -> str:
    quote = f'"{link.evidence.quote.strip()}" {cite(link.evidence)}'
    return f"{kind_label(link)}: {quote}" if stated(link) else f"{kind_label(link)} — review: {quote}"


def progress_item(goal: Goal, links: Sequence[GoalLink]) -> NoteItem:
    """One goal and this session's evidence about it (or that it was not discussed)."""
    fields = {
        "goal_id": goal.id,
        "goal_quote": goal.quote,
        "goal_stated": goal.session_date,
        "goal_wording": goal.wording,
    }
    if not links:
        return NoteItem(id="", text=f"{goal_line(goal)} — not discussed this session.", fields=fields)
    # The strongest lines (the worker's accepted ones first), then read in the session's order.
    ranked = sorted(links, key=lambda k: (k.review != "accepted", -k.score))
    sure = [k for k in ranked if stated(k)][:MAX_LINES]
    unsure = [k for k in ranked if not stated(k)][:MAX_POSSIBLE]
    shown = _in_order(sure) + _in_order(unsure)
    lines = "; ".join(_line(k) for k in shown)
    opening = "this session:" if sure else "no confirmed evidence this session;"
    hidden = len(links) - len(shown)
    more = f"; +{hidden} more in the Goals panel" if hidden else ""
    pending = any(k.review == "pending" for k in links)
    return NoteItem(
        id="",
        text=f"{goal_line(goal)} — {opening} {lines}{more}.",
        evidence=[k.evidence for k in shown],
        needs_review=pending,
        review_reason=PENDING if pending else "",
        fields=fields,
    )


def as_checked(item: NoteItem) -> tuple[str, list[str]]:
    """A progress item's text for the sentence check, and the words it may use besides its evidence.

    The goal's date is the goal record's, not this session's, so it is left out of the text; the
    fixed words, the kind words and the worker's wording of the goal are allowed (the goal's
    quote is checked as a quote). Any other item is returned as it is, with nothing allowed.
    """
    if not item.fields.get("goal_id"):
        return item.text, []
    text = item.text.replace(day_of(item.fields.get("goal_stated", "")), " ", 1)
    return text, [TEMPLATE, *KIND_WORDS.values(), item.fields.get("goal_wording", "")]


def progress_items(m: Material) -> list[NoteItem]:
    """An item per active goal on file, oldest first; none when the draft was given no goals.

    A goal closed since (met, revised, dropped) keeps its line in a session that has
    evidence about it: the note that shows a goal being met must say so.
    """
    thread = m.options.goals
    if thread is None:
        return []
    items = []
    for goal in thread.goals:
        links = [
            k
            for k in thread.links
            if k.goal_id == goal.id
            and k.review != "rejected"
            and evidence_problem(k.evidence, m.transcript) is None  # links of another transcript
        ]
        if goal.open or links:
            items.append(progress_item(goal, links))
    return items


def add_goal_progress(format_name: str, sections: list[NoteSection], m: Material) -> None:
    """Append the progress items to the format's host section, numbered ``<section>-goal-N``."""
    key = HOST_SECTIONS.get(format_name)
    items = progress_items(m)
    if key is None or not items:
        return
    for sec in sections:
        if sec.key == key:
            for n, item in enumerate(items, 1):
                item.id = f"{key}-goal-{n}"
            sec.items.extend(items)
            return
