"""A small hand-labelled test set for what AnnoMI does not label: social-work interventions,
client goals quoted verbatim, risk with negation and context, plans with who / when.

Runs the real pipeline (en_core_web_sm + rules + negspacy + MiniLM ONNX) end to end.
Precision and recall are computed over the rule-based findings; the MiniLM micro-skill
and change-talk heads are scored on AnnoMI by bench/tagging.py instead.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from pipelines import load_pipeline, tag, tag_text
from scribe.core.records import Annotation, Segment, Transcript

pytestmark = pytest.mark.slow

W, C = "worker", "client"

#: (role, text, expected {(label, subtype, status)}, labels scored for this case).
#: A case scores only the labels it names in its last field, so an incidental
#: observation in a risk sentence does not count against risk precision.
CASES: list[tuple[str | None, str, set[tuple[str, str, str]], set[str]]] = [
    # --- risk: affirmed (recall must be 1.0) ----------------------------------------
    (C, "I want to die.", {("risk", "suicidal_ideation", "affirmed")}, {"risk"}),
    (
        C,
        "Sometimes I think everyone would be better off without me.",
        {("risk", "suicidal_ideation", "affirmed")},
        {"risk"},
    ),
    (C, "I've been cutting myself again.", {("risk", "self_harm", "affirmed")}, {"risk"}),
    (
        C,
        "I can't take it anymore, I want to end my life.",
        {("risk", "suicidal_ideation", "affirmed")},
        {"risk"},
    ),
    (
        C,
        "I don't know, sometimes I just want to end it all.",
        {("risk", "suicidal_ideation", "affirmed")},
        {"risk"},
    ),
    (C, "He hits me when he's drunk.", {("risk", "abuse_neglect", "affirmed")}, {"risk"}),
    (
        C,
        "I swear I'm going to kill him if he touches my kids again.",
        {("risk", "harm_to_others", "affirmed")},
        {"risk"},
    ),
    (
        C,
        "Last night I took a bunch of pills and overdosed.",
        {("risk", "substance_crisis", "affirmed")},
        {"risk"},
    ),
    (C, "I keep thinking about killing myself.", {("risk", "suicidal_ideation", "affirmed")}, {"risk"}),
    (C, "My stepdad touched me when my mom was at work.", {("risk", "abuse_neglect", "affirmed")}, {"risk"}),
    (C, "I wish I were dead.", {("risk", "suicidal_ideation", "affirmed")}, {"risk"}),
    (
        C,
        "Honestly I feel like I'd be better off dead.",
        {("risk", "suicidal_ideation", "affirmed")},
        {"risk"},
    ),
    (C, "I don't want to be here anymore.", {("risk", "suicidal_ideation", "affirmed")}, {"risk"}),
    (
        C,
        "There's no food in the house and the kids haven't eaten since yesterday.",
        {("risk", "abuse_neglect", "affirmed")},
        {"risk"},
    ),
    # --- risk: denied, past, someone else, hypothetical --------------------------------
    (C, "I've never thought about killing myself.", {("risk", "suicidal_ideation", "negated")}, {"risk"}),
    (C, "No, I would never hurt myself.", {("risk", "self_harm", "negated")}, {"risk"}),
    (
        C,
        "I don't want to kill myself, I want things to get better.",
        {("risk", "suicidal_ideation", "negated")},
        {"risk"},
    ),
    (C, "I used to cut myself in high school.", {("risk", "self_harm", "historical")}, {"risk"}),
    (
        C,
        "I tried to kill myself when I was fifteen.",
        {("risk", "suicidal_ideation", "historical")},
        {"risk"},
    ),
    (C, "Years ago I overdosed on heroin.", {("risk", "substance_crisis", "historical")}, {"risk"}),
    (C, "My brother tried to hurt himself.", {("risk", "self_harm", "other_person")}, {"risk"}),
    (
        C,
        "My friend told me she wants to kill herself.",
        {("risk", "suicidal_ideation", "other_person")},
        {"risk"},
    ),
    (C, "My mom overdosed last year.", {("risk", "substance_crisis", "other_person")}, {"risk"}),
    # the act's owner named before it, with a possessive
    (C, "My cousin's cutting got worse, I saw the marks.", {("risk", "self_harm", "other_person")}, {"risk"}),
    (
        W,
        "If you ever feel like hurting yourself, call 988.",
        {("risk", "self_harm", "hypothetical"), ("intervention", "safety_planning", "affirmed")},
        {"risk", "intervention"},
    ),
    # --- interventions the worker used ---------------------------------------------------
    (
        W,
        "On a scale of one to ten, how motivated are you?",
        {("intervention", "scaling_question", "affirmed")},
        {"intervention"},
    ),
    (
        W,
        "Suppose a miracle happens tonight and the problem is gone. What would be different?",
        {("intervention", "miracle_question", "affirmed")},
        {"intervention"},
    ),
    (
        W,
        "Let's make a safety plan together.",
        {("intervention", "safety_planning", "affirmed")},
        {"intervention"},
    ),
    (
        W,
        "I'm going to refer you to the food bank.",
        {("intervention", "referral", "affirmed"), ("plan", "referral", "affirmed")},
        {"intervention", "plan"},
    ),
    (
        W,
        "Let's take a deep breath together.",
        {("intervention", "relaxation_grounding", "affirmed")},
        {"intervention"},
    ),
    (
        W,
        "What's the evidence for that thought?",
        {("intervention", "cognitive_restructuring", "affirmed")},
        {"intervention"},
    ),
    (
        W,
        "It's really common for people to feel on edge after an accident.",
        {("intervention", "psychoeducation", "affirmed")},
        {"intervention"},
    ),
    (
        W,
        "That makes sense, anyone would feel that way.",
        {("intervention", "validation", "affirmed")},
        {"intervention"},
    ),
    (
        W,
        "You should be proud of how far you've come.",
        {("intervention", "affirmation", "affirmed")},
        {"intervention"},
    ),
    (
        W,
        "Let me summarize what we talked about today.",
        {("intervention", "summary", "affirmed")},
        {"intervention"},
    ),
    (
        W,
        "Today I'd like us to try some CBT.",
        {("intervention", "cognitive_restructuring", "affirmed")},
        {"intervention"},
    ),
    (
        W,
        "What has helped you get through hard times before?",
        {("intervention", "strengths_based", "affirmed")},
        {"intervention"},
    ),
    # only mentioned, or said by the client: never credited
    (C, "My last therapist did CBT with me.", set(), {"intervention"}),
    (W, "Have you ever done CBT before?", set(), {"intervention"}),
    (W, "Your old counselor used EMDR, right?", set(), {"intervention"}),
    (C, "I tried breathing exercises but they didn't help.", set(), {"intervention"}),
    (C, "Let's make a safety plan, my teacher said.", set(), {"intervention"}),
    # --- client goals and change talk -------------------------------------------------
    (C, "I really want to get my kids back.", {("goal", "desire", "affirmed")}, {"goal"}),
    (C, "My goal is to find a job by the summer.", {("goal", "goal", "affirmed")}, {"goal"}),
    (C, "I need to stop drinking.", {("goal", "need", "affirmed")}, {"goal"}),
    (
        C,
        "I'm going to start looking for apartments next week.",
        {("goal", "commitment", "affirmed")},
        {"goal"},
    ),
    (C, "I started going to AA meetings.", {("goal", "taking_steps", "affirmed")}, {"goal"}),
    (C, "I think I can do it.", {("goal", "ability", "affirmed")}, {"goal"}),
    (C, "I don't want to drink anymore.", {("goal", "desire", "affirmed")}, {"goal"}),
    (W, "I want to make sure you're safe.", set(), {"goal"}),
    (C, "My mom wants me to quit smoking.", set(), {"goal"}),
    # A goal cue that names no goal: a place, or talk about the talk itself.
    (C, "I'm going to the store after this.", set(), {"goal"}),
    (C, "I want to know what you think.", set(), {"goal"}),
    (C, "I have to say, it was a hard week.", set(), {"goal"}),
    # --- plans ----------------------------------------------------------------------
    (
        W,
        "For homework, I'd like you to write down your thoughts each night.",
        {("plan", "homework", "affirmed")},
        {"plan"},
    ),
    (W, "I'll call the housing office tomorrow.", {("plan", "task", "affirmed")}, {"plan"}),
    (W, "Let's meet again next Tuesday at 3pm.", {("plan", "follow_up", "affirmed")}, {"plan"}),
    (C, "I'll go to the clinic on Monday.", {("plan", "task", "affirmed")}, {"plan"}),
    # --- observations ------------------------------------------------------------------
    (C, "I haven't been sleeping well.", {("observation", "sleep", "affirmed")}, {"observation"}),
    (
        C,
        "I've been so anxious at work.",
        {("observation", "mood_affect", "affirmed"), ("observation", "functioning_work", "affirmed")},
        {"observation"},
    ),
    (C, "We might get evicted next month.", {("observation", "housing", "affirmed")}, {"observation"}),
    (
        C,
        "I can't afford the rent.",
        {("observation", "finances", "affirmed"), ("observation", "housing", "affirmed")},
        {"observation"},
    ),
    (C, "I don't drink at all.", {("observation", "substance_use", "negated")}, {"observation"}),
    (
        C,
        "My sister is really supportive.",
        {("observation", "strength", "affirmed"), ("observation", "functioning_family", "affirmed")},
        {"observation"},
    ),
]

# Written after the rules above were tuned, and first run blind: risk recall 0.50 on its
# affirmed risk cases, interventions 0.25, goals 0.33, plans and observations 1.0. The misses
# ("I burned myself with a lighter", "easier if I just wasn't alive", "too many pills on
# purpose") led to the MiniLM similarity safety net, inflected patterns and more phrases;
# they are no longer unseen. See the closing report for what such errors look like.
CASES += [
    (
        C,
        "Some nights I lie there thinking it would be easier if I just wasn't alive.",
        {("risk", "suicidal_ideation", "affirmed")},
        {"risk"},
    ),
    (
        C,
        "I took way too many of my pills on purpose last weekend.",
        {("risk", "suicidal_ideation", "affirmed")},
        {"risk"},
    ),
    (C, "I burned myself with a lighter yesterday.", {("risk", "self_harm", "affirmed")}, {"risk"}),
    (C, "My boyfriend choked me last night.", {("risk", "abuse_neglect", "affirmed")}, {"risk"}),
    (
        C,
        "I'm scared I'm going to hurt the baby when she won't stop crying.",
        {("risk", "harm_to_others", "affirmed")},
        {"risk"},
    ),
    (C, "I have no thoughts of suicide.", {("risk", "suicidal_ideation", "negated")}, {"risk"}),
    (C, "Back in college I overdosed twice.", {("risk", "substance_crisis", "historical")}, {"risk"}),
    (C, "My daughter has been cutting herself.", {("risk", "self_harm", "other_person")}, {"risk"}),
    (
        W,
        "Would you be willing to try some grounding when that happens?",
        {("intervention", "relaxation_grounding", "affirmed")},
        {"intervention"},
    ),
    (
        W,
        "I can connect you with a legal aid lawyer for the eviction.",
        {("intervention", "referral", "affirmed"), ("plan", "referral", "affirmed")},
        {"intervention", "plan"},
    ),
    (
        W,
        "What would be the first small step toward that?",
        {("intervention", "task_centered", "affirmed")},
        {"intervention"},
    ),
    (
        W,
        "Lots of people notice their sleep gets worse when they're depressed, it's common.",
        {("intervention", "psychoeducation", "affirmed")},
        {"intervention"},
    ),
    (C, "We did a lot of mindfulness in my group at the hospital.", set(), {"intervention"}),
    (C, "I'd really like to be able to sleep through the night.", {("goal", "desire", "affirmed")}, {"goal"}),
    (C, "I'm ready to go back to work.", {("goal", "commitment", "affirmed")}, {"goal"}),
    (C, "I've cut down to two drinks a day.", {("goal", "taking_steps", "affirmed")}, {"goal"}),
    (
        W,
        "You'll fill out the food stamp application before Friday.",
        {("plan", "task", "affirmed")},
        {"plan"},
    ),
    (W, "Next session we'll look at your budget.", {("plan", "follow_up", "affirmed")}, {"plan"}),
    # the worker asking the client to do something between sessions is a plan; the same
    # words asking about a name or a thought are not
    (W, "Could you call the job centre this week?", {("plan", "task", "affirmed")}, {"plan"}),
    (W, "I'd like you to bring your pay stubs on Monday.", {("plan", "task", "affirmed")}, {"plan"}),
    (W, "Would you call that anxiety?", set(), {"plan"}),
    (W, "Can you keep that in mind?", set(), {"plan"}),
    (
        C,
        "I've been feeling really hopeless lately.",
        {("observation", "mood_affect", "affirmed")},
        {"observation"},
    ),
    (
        C,
        "My appetite is gone and I've lost weight.",
        {("observation", "appetite", "affirmed")},
        {"observation"},
    ),
    (C, "I don't smoke weed anymore.", {("observation", "substance_use", "negated")}, {"observation"}),
    (C, "My landlord is threatening to evict us.", {("observation", "housing", "affirmed")}, {"observation"}),
]

# Plans: who and when, when said.
PLAN_DETAILS = [
    (W, "For homework, I'd like you to write down your thoughts each night.", "homework", "client", None),
    (W, "I'll call the housing office tomorrow.", "task", "worker", "tomorrow"),
    (C, "I'll go to the clinic on Monday.", "task", "client", "on Monday"),
    (W, "Let's meet again next Tuesday at 3pm.", "follow_up", None, "next Tuesday"),
    (W, "Could you call the job centre this week?", "task", "client", "this week"),
    (W, "I'd like you to try the breathing exercise every night.", "task", "client", "every night"),
]

#: Micro-skills from the MiniLM head are scored on AnnoMI, not here.
MODEL_SUBTYPES = {
    "open_question",
    "closed_question",
    "simple_reflection",
    "complex_reflection",
    "information_giving",
}


def _transcript(cases) -> Transcript:
    segs = [
        Segment(
            id=i,
            start=10.0 * i,
            end=10.0 * i + 8.0,
            text=text,
            role=role,
            speaker=None if role is None else ("S1" if role == W else "S2"),
        )
        for i, (role, text, *_rest) in enumerate(cases)
    ]
    return Transcript(segments=segs)


@pytest.fixture(scope="module")
def tagged() -> dict[int, list[Annotation]]:
    # Each case is its own one-segment transcript so no finding leaks into a neighbour.
    nlp = load_pipeline()
    out: dict[int, list[Annotation]] = {}
    for i, case in enumerate(CASES):
        out[i] = tag(_transcript([case]), nlp)
    return out


def _scores(tagged) -> dict[str, dict[str, float]]:
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    for i, (_role, _text, expected, scored) in enumerate(CASES):
        got = {
            (a.label, a.subtype, a.status)
            for a in tagged[i]
            if a.label in scored and a.source != "minilm-head" and a.subtype not in MODEL_SUBTYPES
        }
        for label in scored:
            exp = {e for e in expected if e[0] == label}
            g = {x for x in got if x[0] == label}
            tp[label] += len(exp & g)
            fp[label] += len(g - exp)
            fn[label] += len(exp - g)
    return {
        label: {
            "precision": tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 1.0,
            "recall": tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 1.0,
        }
        for label in ("risk", "intervention", "goal", "plan", "observation")
    }


def test_risk_recall_is_complete_on_affirmed_disclosures(tagged) -> None:
    missed = []
    for i, (_role, text, expected, _scored) in enumerate(CASES):
        for label, _subtype, status in expected:
            if label == "risk" and status == "affirmed":
                found = [a for a in tagged[i] if a.label == "risk" and a.status == "affirmed"]
                if not found:
                    missed.append(text)
    assert missed == []


def test_precision_and_recall_on_the_labelled_set(tagged) -> None:
    scores = _scores(tagged)
    report = {k: {m: round(v, 2) for m, v in s.items()} for k, s in scores.items()}
    assert scores["risk"]["recall"] >= 0.9, report
    assert scores["risk"]["precision"] >= 0.8, report
    assert scores["intervention"]["precision"] >= 0.85, report  # never credit a mere mention
    assert scores["intervention"]["recall"] >= 0.8, report
    assert scores["goal"]["precision"] >= 0.8 and scores["goal"]["recall"] >= 0.8, report
    assert scores["plan"]["precision"] >= 0.7 and scores["plan"]["recall"] >= 0.8, report
    assert scores["observation"]["precision"] >= 0.6 and scores["observation"]["recall"] >= 0.8, report


def test_mentioned_interventions_are_never_credited(tagged) -> None:
    for i, (_role, text, expected, scored) in enumerate(CASES):
        if "intervention" in scored and not any(e[0] == "intervention" for e in expected):
            rules = [a for a in tagged[i] if a.label == "intervention" and a.source == "rules"]
            assert rules == [], text


def test_client_words_without_a_goal_are_never_a_goal(tagged) -> None:
    """ "I'm going to the store", "I want to know what you think", "My mom wants me to ..." """
    checked = 0
    for i, (role, text, expected, scored) in enumerate(CASES):
        if role == C and "goal" in scored and not any(e[0] == "goal" for e in expected):
            checked += 1
            assert [a.text for a in tagged[i] if a.label == "goal"] == [], text
    assert checked >= 4


def test_goals_quote_the_client_verbatim(tagged) -> None:
    seen = 0
    for i, (_role, text, _expected, _scored) in enumerate(CASES):
        for a in tagged[i]:
            if a.label == "goal" and a.source == "rules":
                seen += 1
                assert a.evidence[0].quote in text
                assert a.evidence[0].quote.lower().startswith(("i ", "i'", "my "))
                assert a.text and a.text != a.evidence[0].quote  # a normalised form as well
    assert seen >= 6
    anns = tag(_transcript([(C, "I really want to get my kids back.")]))
    goal = next(a for a in anns if a.label == "goal")
    assert goal.evidence[0].quote == "I really want to get my kids back"
    assert goal.text == "really wants to get their kids back"


@pytest.mark.parametrize(("role", "text", "subtype", "who", "when"), PLAN_DETAILS)
def test_plans_say_who_and_when(role, text, subtype, who, when) -> None:
    anns = tag(_transcript([(role, text)]))
    plan = next(a for a in anns if a.label == "plan" and a.subtype == subtype)
    if who:
        assert plan.attributes.get("who") == who
    if when:
        assert plan.attributes.get("when") == when


@pytest.mark.parametrize(
    ("text", "subtypes"),
    [
        # "snap" the verb is irritability; SNAP in capitals is food stamps
        ("I snap at my kids when I get home.", {"behaviour", "functioning_family"}),
        ("We lost our SNAP benefits in May.", {"finances"}),
        # a sleep log is homework, not a report about sleep
        ("Okay, I will bring the sleep log next time.", set()),
        ("I have been sleeping maybe four hours a night.", {"sleep"}),
    ],
)
def test_observations_are_read_from_the_word_in_its_place(text: str, subtypes: set[str]) -> None:
    anns = tag(_transcript([(C, text)]))
    assert {a.subtype for a in anns if a.label == "observation" and a.source == "rules"} == subtypes


def test_a_workers_risk_question_is_screening_and_the_answer_is_its_risk() -> None:
    anns = tag(
        _transcript(
            [
                (
                    W,
                    "I need to ask you some safety questions. Have you had any thoughts of ending your life?",
                ),
                (C, "No, never."),
            ]
        )
    )
    interventions = [a for a in anns if a.label == "intervention"]
    assert [a.subtype for a in interventions] == ["risk_screening"]  # once, not also "open question"
    assert interventions[0].evidence[0].quote == "Have you had any thoughts of ending your life?"
    risk = [a for a in anns if a.label == "risk"]
    assert [(a.subtype, a.status) for a in risk] == [("suicidal_ideation", "negated")]
    # The client's own words about a risk are a disclosure, never the worker's screening.
    told = tag(_transcript([(C, "Sometimes I think about ending my life.")]))
    assert not [a for a in told if a.subtype == "risk_screening"]


def test_a_named_question_is_not_also_an_open_or_closed_one() -> None:
    anns = tag(_transcript([(W, "On a scale from one to ten, how ready are you to work on the budget?")]))
    assert [a.subtype for a in anns if a.label == "intervention"] == ["scaling_question"]
    plain = tag(_transcript([(W, "How ready are you to work on the budget this week?")]))
    assert {a.subtype for a in plain if a.label == "intervention"} & {"open_question", "closed_question"}


def test_screening_question_is_paired_with_the_answer() -> None:
    yes = tag(
        _transcript([(W, "Have you had any thoughts of suicide?"), (C, "Yeah, a few times this week.")])
    )
    no = tag(_transcript([(W, "Any thoughts of hurting yourself?"), (C, "No, not at all.")]))
    ending = tag(_transcript([(W, "Have you had any thoughts of ending your life?"), (C, "No, never.")]))
    unclear = tag(
        _transcript([(W, "Have you thought about killing yourself?"), (C, "I'd rather not talk about it.")])
    )
    for anns, status in ((yes, "affirmed"), (no, "negated"), (ending, "negated"), (unclear, "affirmed")):
        risk = [a for a in anns if a.label == "risk"]
        assert len(risk) == 1 and risk[0].status == status
        assert [e.segment_id for e in risk[0].evidence] == [0, 1]  # the question and the answer
        assert risk[0].role == "client"
    assert next(a for a in unclear if a.label == "risk").confidence < 0.6  # flagged for review, not dropped


def test_typed_notes() -> None:
    transcript, anns = tag_text(
        "Client denies SI/HI. Reports poor sleep.\n\n"
        "Provided psychoeducation on anxiety. Client's previous therapist used CBT.\n\n"
        'Client stated "I want to go back to school". Will follow up next week.'
    )
    got = {(a.label, a.subtype, a.status) for a in anns}
    assert ("risk", "suicidal_ideation", "negated") in got
    assert ("risk", "harm_to_others", "negated") in got
    assert ("intervention", "psychoeducation", "affirmed") in got
    assert not any(a.label == "intervention" and a.subtype == "cognitive_restructuring" for a in anns)
    assert ("goal", "desire", "affirmed") in got
    assert ("plan", "follow_up", "affirmed") in got
    assert transcript.source == "text" and len(transcript.segments) == 3
    assert all(s.role is None for s in transcript.segments)
