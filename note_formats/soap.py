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
from note_formats.prose import prose_parts
from note_formats.registry import register_format
from scribe.core.records import NoteSection


@register_format("soap", title="SOAP note")
def build_soap(m: Material) -> list[NoteSection]:
    """Subjective (client's report and goals), Objective (observations, interventions), Assessment, Risk, Plan."""
    if m.options.style == "prose":
        return _prose(m)
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


def _prose(m: Material) -> list[NoteSection]:
    """The prose layout: the interventions the worker used are part of Objective."""
    p = prose_parts(m)
    return [
        section(
            "subjective",
            "Subjective",
            [*p["goals"], *p["reports"]],
            empty_text="Nothing the client reported was identified; add the client's account.",
        ),
        section(
            "objective",
            "Objective",
            [*p["observed"], *p["interventions"]],
            empty_text="No worker observations or interventions were captured; add presentation and what you did.",
        ),
        section(
            "assessment",
            "Assessment",
            [*p["change_talk"], *p["context"]],
            empty_text="No assessment content was identified; add your clinical impressions.",
        ),
        risk_section(m, p["risks"]),
        plan_section(m, p["plans"]),
    ]
