"""DAP: Data, Assessment, Plan — plus the risk section every draft carries."""

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
from note_formats.registry import register_format
from scribe.core.records import NoteSection


@register_format("dap", title="DAP note")
def build_dap(m: Material) -> list[NoteSection]:
    """Data (client's report, goals, observations, interventions), Assessment, Risk, Plan."""
    return [
        section(
            "data",
            "Data",
            [
                *goal_items(m),
                *observation_items(m, "reported"),
                *observation_items(m, "observed", prefix="Observed — "),
                *intervention_items(m, prefix="Intervention used — "),
            ],
            empty_text="No session content was identified; add what the client reported and what you did.",
        ),
        section(
            "assessment",
            "Assessment",
            [*change_talk_summary(m), *observation_items(m, "context")],
            empty_text="No assessment content was identified; add your clinical impressions.",
        ),
        risk_section(m),
        plan_section(m),
    ]
