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
    plan_items,
    risk_section,
    section,
)
from note_formats.registry import register_format
from scribe.records import NoteItem, NoteSection

INTERVENTION_EMPTY = (
    "No interventions were identified in the worker's speech; add what you did in the session."
)
PLAN_EMPTY = "No plan was discussed in the transcript; add next steps and the next appointment."


def _presentation(m: Material) -> list[NoteItem]:
    """What the client reported, what the worker observed, and the client's circumstances."""
    return [
        *observation_items(m, "reported"),
        *observation_items(m, "observed", prefix="Observed — "),
        *observation_items(m, "context"),
    ]


@register_format("birp", title="BIRP note")
def build_birp(m: Material) -> list[NoteSection]:
    """Behavior (report, presentation, circumstances), Intervention, Response (goals, change talk), Risk, Plan."""
    return [
        section(
            "behavior",
            "Behavior",
            _presentation(m),
            empty_text="No behaviour or symptoms were identified; add what the client reported and how they "
            "presented.",
        ),
        section("intervention", "Intervention", intervention_items(m), empty_text=INTERVENTION_EMPTY),
        section(
            "response",
            "Response",
            [*goal_items(m), *change_talk_summary(m)],
            empty_text="The client's response was not identified; add how the client responded.",
        ),
        risk_section(m),
        section("plan", "Plan", plan_items(m), empty_text=PLAN_EMPTY),
    ]


@register_format("girp", title="GIRP note")
def build_girp(m: Material) -> list[NoteSection]:
    """Goals (client's words), Intervention, Response (report, presentation, change talk), Risk, Plan."""
    return [
        section(
            "goals",
            "Goals",
            goal_items(m),
            empty_text="No goals were stated in the session; add the treatment-plan goals this session "
            "addressed.",
        ),
        section("intervention", "Intervention", intervention_items(m), empty_text=INTERVENTION_EMPTY),
        section(
            "response",
            "Response",
            [*_presentation(m), *change_talk_summary(m)],
            empty_text="The client's response was not identified; add how the client responded.",
        ),
        risk_section(m),
        section("plan", "Plan", plan_items(m), empty_text=PLAN_EMPTY),
    ]
