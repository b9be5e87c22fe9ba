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
from note_formats.prose import prose_parts
from note_formats.registry import register_format
from scribe.core.records import NoteSection


@register_format("dap", title="DAP note")
def build_dap(m: Material) -> list[NoteSection]:
    """Data (client's report, goals, observations, interventions), Assessment, Risk, Plan."""
    if m.options.style == "prose":
        p = prose_parts(m)
        data = [*p["goals"], *p["reports"], *p["observed"], *p["interventions"]]
        assessment = [*p["change_talk"], *p["context"]]
        return _layout(m, data, assessment, risk_section(m, p["risks"]), plan_section(m, p["plans"]))
    data = [
        *goal_items(m),
        *observation_items(m, "reported"),
        *observation_items(m, "observed", prefix="Observed — "),
        *intervention_items(m, prefix="Intervention used — "),
    ]
    assessment = [*change_talk_summary(m), *observation_items(m, "context")]
    return _layout(m, data, assessment, risk_section(m), plan_section(m))


def _layout(m: Material, data, assessment, risk: NoteSection, plan: NoteSection) -> list[NoteSection]:
    return [
        section(
            "data",
            "Data",
            data,
            empty_text="No session content was identified; add what the client reported and what you did.",
        ),
        section(
            "assessment",
            "Assessment",
            assessment,
            empty_text="No assessment content was identified; add your clinical impressions.",
        ),
        risk,
        plan,
    ]
