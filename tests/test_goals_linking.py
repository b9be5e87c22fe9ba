"""Goal links in two tiers: which turns link, how sure, what they report, and how a draft says it.

The conversations here are written for these tests (none comes from the bench's
sequences). The end-to-end tests run the real MiniLM encoder; the unit tests
feed the tier and cue rules plain inputs.
"""

from __future__ import annotations

import numpy as np
import pytest

from note_formats import DraftOptions, build_draft, check_faithfulness, check_grounding
from note_formats.goal_plan import goal_plan_view, render_plan_text
from pipelines.goal_talk import has_content, kind_of
from pipelines.goals import link_goals, sets_other_topic, tiers_of
from scribe import workflow
from scribe.core.records import Goal, GoalLink, GoalThread
from scribe.transcripts.typed import text_to_transcript

FIRST = """Worker: What would you like to work on with me?
Client: I want to find a job in a kitchen again.
Worker: Anything else?
Client: I want to stop drinking on weeknights.
"""
SECOND = """Worker: How did the job hunt go?
Client: I applied to two restaurants and one of them called me back for an interview on Friday.
Worker: How was that?
Client: The chef wants someone who starts at six, and I can't get there that early without a car.
Worker: How's your mum keeping?
Client: She's fine, she's redoing her garden with the neighbours.
Worker: And the evenings?
Client: I had two beers on Tuesday, but I poured the rest down the sink.
Worker: Thanks for today.
Client: Thank you, Marta. See you soon.
"""
JOB = "I want to find a job in a kitchen again"
DRINK = "I want to stop drinking on weeknights"


def goals_of(text: str, quotes: list[str]) -> list[Goal]:
    t = text_to_transcript(text)
    return [
        Goal(
            id=f"g{n}",
            client_id="C",
            quote=q,
            session_id="s1",
            session_date="2026-10-06",
            evidence=workflow.find_quote(t, q),
            context=q,
        )
        for n, q in enumerate(quotes)
    ]


# --- tiers, cues, topics: the rules alone ----------------------------------------------------


def test_a_clear_lead_is_confident_a_close_call_is_possible_for_both_goals() -> None:
    assert tiers_of(np.array([0.62, 0.30, 0.20])) == [(0, "confident")]
    # two goals close together: the worker decides which one the turn was about
    assert tiers_of(np.array([0.55, 0.52, 0.10])) == [(0, "possible"), (1, "possible")]
    assert tiers_of(np.array([0.33, 0.12])) == [(0, "possible")]  # some sign, not enough to state it
    assert tiers_of(np.array([0.18, 0.12])) == []  # unrelated talk
    # an answer to a question about something else is never stated as fact
    assert tiers_of(np.array([0.70, 0.10]), aside=True) == [(0, "possible")]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I didn't know how much I'd missed him until he ran to the car.", "progress"),
        ("I didn't shout at him once all week.", "progress"),
        ("They put my name on a waitlist until the spring.", "barrier"),
        ("I hadn't slept for two days by then.", "barrier"),
        ("It's just what we do now in the mornings.", "met"),
        ("I rang the college and asked about the evening course.", "progress"),
    ],
)
def test_what_a_sentence_reports_about_a_goal(text: str, kind: str) -> None:
    assert kind_of(text) == kind


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("Thank you, Marta. See you soon.", False),
        ("Okay. Okay, yeah.", False),
        ("Thanks. I booked it.", True),
        ("She's fine, she's redoing her garden.", True),
    ],
)
def test_a_courtesy_or_back_channel_is_no_evidence(text: str, content: bool) -> None:
    assert has_content(text) is content


@pytest.mark.parametrize(
    ("question", "closeness", "other"),
    [
        ("How's your neighbour getting on?", 0.2, True),  # names its own topic, far from every goal
        ("How's the job hunt been?", 0.5, False),  # names a goal's topic
        ("What's new?", 0.1, False),  # leaves the topic to the client
        ("How have the last two weeks been?", 0.1, False),
        ("And then?", 0.1, False),  # follows up
        ("", 0.0, False),
    ],
)
def test_a_question_about_something_else(question: str, closeness: float, other: bool) -> None:
    assert sets_other_topic(question, np.array([closeness, closeness / 2])) is other


# --- the linker end to end (real MiniLM) -------------------------------------------------------


def test_turns_link_to_the_goal_their_question_and_words_are_about() -> None:
    goals = goals_of(FIRST, [JOB, DRINK])
    t = text_to_transcript(SECOND)
    links = link_goals(goals, t, "s2")
    on = {k.evidence.quote: k for k in links}
    applied = on["I applied to two restaurants and one of them called me back for an interview on Friday."]
    assert (applied.goal_id, applied.tier, applied.kind) == ("g0", "confident", "progress")
    # "How was that?" follows up: the answer is still about the job, and it is an obstacle
    chef = on["The chef wants someone who starts at six, and I can't get there that early without a car."]
    assert (chef.goal_id, chef.kind) == ("g0", "barrier") and "follows up" in chef.why
    beers = on["I had two beers on Tuesday, but I poured the rest down the sink."]
    assert beers.goal_id == "g1"
    # the mother's garden answers a question about her; the goodbye is no report
    assert not any("garden" in q or "Marta" in q for q in on)
    roles = {seg.id: seg.role for seg in t.segments}
    assert all(roles[k.evidence.segment_id] == "client" for k in links)
    assert all(k.tier in ("confident", "possible") and k.why for k in links)


def test_a_turn_telling_a_good_evening_and_a_bad_one_cites_both() -> None:
    goals = goals_of(
        "Worker: What do you want to change?\nClient: I want to stay calm with my daughter at bedtime.\n",
        ["I want to stay calm with my daughter at bedtime"],
    )
    t = text_to_transcript(
        "Worker: How have bedtimes been with your daughter?\n"
        "Client: On Monday I tried the bath and story routine and she settled. "
        "Thursday I couldn't keep calm, I shouted at her about the tablet.\n"
    )
    links = sorted(link_goals(goals, t, "s2"), key=lambda k: -k.score)
    assert [k.kind for k in links] == ["barrier", "progress"]  # the outcome first, then the other event
    assert links[0].evidence.quote.startswith("Thursday I couldn't keep calm")


def test_a_goals_accepted_evidence_from_earlier_sessions_points_later_talk_at_it() -> None:
    goals = goals_of(
        "Worker: What matters most to you?\nClient: I want a place of my own.\n"
        "Worker: Anything else?\nClient: I want to see my brother more.\n",
        ["I want a place of my own", "I want to see my brother more"],
    )
    later = text_to_transcript(
        "Worker: Any news since last time?\nClient: Mr. Osei rang on Monday about the paperwork.\n"
        "Worker: Okay.\nClient: He needs it back by Friday.\n"
    )
    alone = {k.goal_id: k.score for k in link_goals(goals, later, "s3")}
    thread = link_goals(goals, later, "s3", history={"g0": ["Mr. Osei said he would hold the flat for me."]})
    on_goal = [k for k in thread if k.goal_id == "g0"]
    assert on_goal and "as in its earlier evidence: osei" in on_goal[0].why
    assert on_goal[0].score > alone.get("g0", 0.0)


# --- how a draft, the panel and the plan say a possible link ----------------------------------


def _links(t) -> tuple[GoalLink, GoalLink]:
    applied = workflow.find_quote(t, "I applied to two restaurants")
    beers = workflow.find_quote(t, "I had two beers on Tuesday")
    sure = GoalLink(id="l1", goal_id="g0", session_id="s2", kind="progress", evidence=applied, score=0.6)
    unsure = GoalLink(
        id="l2", goal_id="g1", session_id="s2", kind="barrier", evidence=beers, score=0.3, tier="possible"
    )
    return sure, unsure


def test_a_possible_link_is_drafted_for_review_never_as_fact_until_accepted() -> None:
    goals = goals_of(FIRST, [JOB, DRINK])
    t = text_to_transcript(SECOND)
    sure, unsure = _links(t)
    draft = build_draft("soap", t, [], DraftOptions(goals=GoalThread(goals, [sure, unsure])))
    job, drink = [i for i in draft.section("assessment").items if i.fields.get("goal_id")]
    assert 'this session: progress: "I applied to two restaurants' in job.text
    assert drink.text.endswith(
        '— no confirmed evidence this session; possible barrier — review: "I had two beers on Tuesday" [¶8].'
    )
    assert "not discussed" not in drink.text and drink.needs_review and "Goals panel" in drink.review_reason
    assert check_grounding(draft, t) == [] and check_faithfulness(draft, t) == []
    # the worker accepts it: now it is stated
    unsure.review = "accepted"
    sure.review = "accepted"
    again = build_draft("soap", t, [], DraftOptions(goals=GoalThread(goals, [sure, unsure])))
    drink = [i for i in again.section("assessment").items if i.fields.get("goal_id")][1]
    assert 'this session: barrier: "I had two beers on Tuesday" [¶8].' in drink.text
    assert not drink.needs_review
    # rejected, it leaves the draft: the goal was not discussed
    unsure.review = "rejected"
    third = build_draft("soap", t, [], DraftOptions(goals=GoalThread(goals, [sure, unsure])))
    drink = [i for i in third.section("assessment").items if i.fields.get("goal_id")][1]
    assert drink.text.endswith("not discussed this session.")


def test_a_progress_line_says_nothing_its_evidence_and_goal_do_not() -> None:
    goals = goals_of(FIRST, [JOB, DRINK])
    goals[0].wording = "Return to catering work"
    t = text_to_transcript(SECOND)
    sure, unsure = _links(t)
    draft = build_draft("dap", t, [], DraftOptions(goals=GoalThread(goals, [sure, unsure])))
    assert check_faithfulness(draft, t) == []
    item = next(i for i in draft.section("assessment").items if i.fields.get("goal_id") == "g0")
    item.text = item.text.replace("progress:", "progress, a new job at the harbour:")
    problems = check_faithfulness(draft, t)
    assert problems and "harbour" in problems[0].message


def test_the_panel_and_the_plan_mark_a_possible_link_for_review() -> None:
    from ui.goals import goals_markdown

    goals = goals_of(FIRST, [JOB, DRINK])
    t = text_to_transcript(SECOND)
    sure, unsure = _links(t)
    listing = goals_markdown(GoalThread(goals, [sure, unsure]))
    assert '? possible barrier — review: "I had two beers on Tuesday"' in listing
    assert '? progress: "I applied to two restaurants' in listing
    plan = render_plan_text(goal_plan_view("C", goals, {"g0": [sure], "g1": [unsure]}, {"s2": "2026-10-20"}))
    assert 'Session 20 Oct 2026: possible barrier — "I had two beers on Tuesday"' in plan
    assert "proposed (link l2), not yet reviewed" in plan
