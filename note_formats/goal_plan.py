"""The client's goals as a service-plan summary: each goal in the client's words, its dates and evidence.

One ``NoteView`` shared by the terminal listing and the DOCX writer (the same
writer as a note's): a section per goal, oldest first, with the client's quote,
the worker's wording beside it, its dated history (stated, status set, revised)
and each session's evidence about it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from note_formats.export import write_docx_view
from note_formats.goal_progress import cite, kind_label, stated_on
from note_formats.render import LineView, NoteView, SectionView
from scribe.core.errors import NoteError
from scribe.core.records import Goal, GoalLink

HISTORY_WORDS = {
    "stated": "stated",
    "status": "status set to",
    "wording": "worker's wording set",
    "revised": "revised",
}


def _day(iso: str) -> str:
    try:
        d = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{d.day} {d:%b %Y}"


def goal_plan_view(
    client_id: str,
    goals: Sequence[Goal],
    links: Mapping[str, Sequence[GoalLink]],
    session_dates: Mapping[str, str],
) -> NoteView:
    """The service-plan view: a section per goal; ``links`` by goal id, ``session_dates`` by session id."""
    by_id = {g.id: g for g in goals}
    sections = []
    for n, goal in enumerate(goals, 1):
        lines = [
            LineView(
                f'Client\'s words: "{goal.quote}"', f"[{stated_on(goal)}, {cite(goal.evidence).strip('[]')}]"
            )
        ]
        if goal.wording:
            lines.append(LineView(f"Worker's wording: {goal.wording}", ""))
        status = f"Status: {goal.status} (since {_day(goal.status_date)})"
        if goal.revises and goal.revises in by_id:
            status += f"; revises goal {list(by_id).index(goal.revises) + 1}"
        if goal.revised_by and goal.revised_by in by_id:
            status += f"; revised by goal {list(by_id).index(goal.revised_by) + 1}"
        lines.append(LineView(status, ""))
        for event in goal.history:
            what = HISTORY_WORDS.get(event.action, event.action)
            detail = event.status if event.action == "status" else ""
            lines.append(
                LineView(
                    f"{_day(event.at)}: {what} {detail}".rstrip()
                    + (f" — {event.text}" if event.action == "status" and event.text else ""),
                    "",
                    [event.by] if event.by else [],
                )
            )
        for link in links.get(goal.id, []):
            if link.review == "rejected":
                continue
            when = _day(session_dates.get(link.session_id, ""))
            marks = [] if link.review == "accepted" else [f"proposed (link {link.id[:8]}), not yet reviewed"]
            lines.append(
                LineView(
                    f'Session {when}: {kind_label(link)} — "{link.evidence.quote.strip()}"',
                    cite(link.evidence),
                    marks,
                )
            )
        title = f"Goal {n}: {goal.wording or goal.quote}"
        sections.append(SectionView(goal.id, title, lines, ""))
    header = [
        ("Client", client_id),
        ("Goals on file", str(len(goals))),
        ("As of", _day(date.today().isoformat())),
    ]
    footer = (
        "Goals are the client's own words, quoted from the session where they were stated; the worker's "
        "wording stands beside them. Evidence lines quote later sessions; proposed links await the worker's review."
    )
    return NoteView(
        "Service plan: goals",
        header,
        sections if sections else [SectionView("none", "Goals", [], "No goals on file.")],
        footer,
    )


def render_plan_text(v: NoteView) -> str:
    """The plan for the terminal."""
    out = [v.title, *(f"{k}: {val}" for k, val in v.header)]
    for sec in v.sections:
        out += ["", sec.title]
        out += [
            f"  {line.text} {line.stamp}".rstrip() + "".join(f" [{m}]" for m in line.marks)
            for line in sec.lines
        ]
        if not sec.lines:
            out.append(f"  {sec.message}")
    return "\n".join(out) + "\n"


def write_goal_plan(v: NoteView, path: Path) -> None:
    """The plan as a Word document (.docx only: a service plan is filed and edited)."""
    if path.suffix.lower() != ".docx":
        raise NoteError(f"Export the goals as a .docx file (got {path.name!r}).")
    write_docx_view(v, path)
