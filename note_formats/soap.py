"""SOAP: Subjective, Objective, Assessment, Plan — plus the risk section every draft carries."""

from __future__ import annotations

from note_formats.common import Material
from note_formats.items import (
    change_talk_summary,
    goal_items,
    intervention_items,
    observation_items,
    plan_items,
    plan_section,
    risk_section,
    section,
)
from note_formats.registry import register_format
from scribe.core.records import NoteSection


@register_format("soap", title="SOAP note")
def build_soap(m: Material) -> list[NoteSection]:
    """Subjective (client's report and goals), Objective, Assessment, Risk, Plan."""
    plan = plan_items(m)
    return [
        section(
            "subjective",
            "Subjective",
            [
                *goal_items(m),
                *observation_items(m, "reported"),
            ],
            empty_text="Nothing the client reported was identified; add the client's account.",
        ),
        section(
            "objective",
            "Objective",
            observation_items(m, "observed"),
            empty_text="No worker observations were captured in the transcript; add affect, behaviour "
            "and presentation.",
        ),
        section(
            "assessment",
            "Assessment",
            [*change_talk_summary(m), *observation_items(m, "context")],
            empty_text="No assessment content was identified; add your clinical impressions.",
        ),
        risk_section(m),
        plan_section(m, [*plan, *intervention_items(m, prefix="Intervention used — ", covered=plan)]),
    ]
