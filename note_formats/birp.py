"""BIRP and GIRP: the behavioural-health layouts (Behavior or Goals, Intervention, Response, Plan),
plus the risk section every draft carries.

Both put the worker's interventions in a section of their own and the client's
answer to them under Response. BIRP opens with what the client brought and showed
(reported and observed behaviour, symptoms, circumstances); GIRP opens with the
client's goals in their own words and moves that material to Response.
"""

from __future__ import annotations

from note_formats.common import Material
from note_formats.items import (
    change_talk_summary,
    goal_items,
    intervention_items,
    observation_items,
    plan_section,
    risk_section,
    section,
)
from note_formats.prose import prose_parts
from note_formats.registry import register_format
from scribe.core.records import NoteItem, NoteSection

RESPONSE_EMPTY = "The client's response was not identified; add how the client responded."


def _presentation(m: Material, p: dict[str, list[NoteItem]] | None) -> list[NoteItem]:
    """What the client reported, what the worker observed, and the client's circumstances."""
    if p is not None:
        return [*p["reports"], *p["observed"], *p["context"]]
    return [
        *observation_items(m, "reported"),
        *observation_items(m, "observed", prefix="Observed — "),
        *observation_items(m, "context"),
    ]


def _then_intervention_response_plan(
    m: Material, opening: NoteSection, response: list[NoteItem], p: dict[str, list[NoteItem]] | None
) -> list[NoteSection]:
    """``opening``, then the sections BIRP and GIRP share: Intervention, Response, Risk, Plan."""
    return [
        opening,
        section(
            "intervention",
            "Intervention",
            intervention_items(m) if p is None else p["interventions"],
            empty_text="No interventions were identified in the worker's speech; add what you did.",
        ),
        section("response", "Response", response, empty_text=RESPONSE_EMPTY),
        risk_section(m, None if p is None else p["risks"]),
        plan_section(m, None if p is None else p["plans"]),
    ]


@register_format("birp", title="BIRP note")
def build_birp(m: Material) -> list[NoteSection]:
    """Behavior (report, presentation, circumstances), Intervention, Response (goals, change talk), Risk, Plan."""
    p = _parts(m)
    behavior = section(
        "behavior",
        "Behavior",
        _presentation(m, p),
        empty_text="No behaviour or symptoms were identified; add what the client reported and how they presented.",
    )
    if p is None:
        return _then_intervention_response_plan(m, behavior, [*goal_items(m), *change_talk_summary(m)], p)
    return _then_intervention_response_plan(m, behavior, [*p["goals"], *p["change_talk"]], p)


@register_format("girp", title="GIRP note")
def build_girp(m: Material) -> list[NoteSection]:
    """Goals (client's words), Intervention, Response (report, presentation, change talk), Risk, Plan."""
    p = _parts(m)
    goals = section(
        "goals",
        "Goals",
        goal_items(m) if p is None else p["goals"],
        empty_text="No goals were stated in the session; add the treatment-plan goals this session addressed.",
    )
    talk = change_talk_summary(m) if p is None else p["change_talk"]
    return _then_intervention_response_plan(m, goals, [*_presentation(m, p), *talk], p)


def _parts(m: Material) -> dict[str, list[NoteItem]] | None:
    """The prose items, or None for the quotes style."""
    return prose_parts(m) if m.options.style == "prose" else None
