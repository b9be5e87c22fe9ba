"""The Goals panel on the Draft tab: the client's goals beside the draft; accept, link, change status.

The worker accepts a goal the client stated this session (a statement that
restates a goal on file is offered as its revision), accepts or rejects each
proposed link between this session's words and a goal, links words the linker
missed, and sets a goal's status. Every change rebuilds the draft (the worker's
edits carry over), so its "Progress on goals" lines follow at once.

The panel's handlers are listed in ``HANDLERS``; each is wired to a component, so the
desk's request guard lets the page call them and nothing else.
"""

from __future__ import annotations

import uuid

import gradio as gr

from note_formats.goal_progress import cite, goal_line, kind_label, stated
from note_formats.registry import transcript_fingerprint
from pipelines.goals import GoalOffer
from scribe import workflow
from scribe.core.errors import ScribeError
from scribe.core.records import GOAL_STATUSES, GoalLink, GoalThread
from ui import pipeline
from ui.state import Desk, user_errors
from ui.wiring import TabView, Wiring

DECISIONS = {"accept": "accepted", "reject": "rejected"}


def thread(desk: Desk) -> GoalThread:
    """The open session's goal thread: its client's goals and the session's links (proposed once).

    The page re-renders after every click; the linker (seconds of MiniLM) runs again only
    when the session, its transcript or the goals on file changed.
    """
    if desk.store is None or desk.session is None or desk.transcript is None:
        return GoalThread()
    goals = desk.store.list_goals(desk.session.client_id)
    key = (desk.session.id, transcript_fingerprint(desk.transcript), tuple((g.id, g.status) for g in goals))
    if desk.goal_memo == key:
        return GoalThread(goals, desk.store.goal_links(desk.session.id))
    found = workflow.session_goal_thread(desk.store, desk.session.id)
    desk.goal_memo = key
    return found


def offers(desk: Desk) -> list[GoalOffer]:
    if desk.store is None or desk.session is None or desk.transcript is None:
        return []
    return workflow.goal_offers(desk.store, desk.session.id)


def _short(text: str, n: int = 70) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _rebuild(desk: Desk) -> list[str]:
    """The draft again, with the goals as they now are (the worker's edits carry over)."""
    if desk.draft is None or desk.draft.signed_at:
        return []
    return pipeline.refresh_draft(desk)


# --- handlers ----------------------------------------------------------------------------


@user_errors
def accept_offer(desk: Desk, choice: str | None, wording: str, separate: bool) -> tuple[Desk, str]:
    """Put the chosen statement on file as a goal (as the revision of the goal it restates, if any)."""
    store, session = desk.need_store(), desk.need_session()
    desk.need_transcript()
    found = [o for o in offers(desk) if o.evidence.quote == choice]
    if not found:
        raise gr.Error("Choose one of the client's goal statements first.")
    offer = found[0]
    revises = None if separate else offer.revises
    goal = workflow.accept_goal(
        store, session.id, offer.evidence.quote, wording=wording, revises=revises, as_new=separate
    )
    notices = _rebuild(desk)
    what = f"as the revision of goal {revises[:8]}" if revises else "as a new goal"
    return desk, "\n\n".join([f'Goal on file {what}: "{goal.quote}"', *notices])


@user_errors
def review_link(desk: Desk, link_id: str | None, decision: str) -> tuple[Desk, str]:
    """Accept or reject one proposed link; a rejected link leaves the draft."""
    store, session = desk.need_store(), desk.need_session()
    if not link_id:
        raise gr.Error("Choose a link first.")
    store.review_goal_link(session.id, link_id, DECISIONS[decision])
    notices = _rebuild(desk)
    return desk, "\n\n".join([f"Link {DECISIONS[decision]}.", *notices])


@user_errors
def add_link(desk: Desk, goal_id: str | None, quote: str) -> tuple[Desk, str]:
    """Link the client's words (as said this session) to a goal the linker did not connect them to."""
    from pipelines.goals import kind_of

    store, session = desk.need_store(), desk.need_session()
    transcript = desk.need_transcript()
    if not goal_id:
        raise gr.Error("Choose the goal to link to.")
    evidence = workflow.find_quote(transcript, quote)
    links = store.goal_links(session.id)
    links.append(
        GoalLink(
            id=uuid.uuid4().hex,
            goal_id=goal_id,
            session_id=session.id,
            kind=kind_of(evidence.quote),
            evidence=evidence,
            why="linked by the worker",
            review="accepted",
        )
    )
    store.save_goal_links(session.id, links)
    notices = _rebuild(desk)
    return desk, "\n\n".join(["Linked.", *notices])


@user_errors
def set_status(desk: Desk, goal_id: str | None, status: str | None) -> tuple[Desk, str]:
    """The worker's dated decision on a goal (an inactive goal leaves later drafts' progress lines)."""
    store = desk.need_store()
    desk.need_session()
    if not goal_id or not status:
        raise gr.Error("Choose a goal and its status.")
    goal = store.set_goal_status(goal_id, status)
    notices = _rebuild(desk)
    return desk, "\n\n".join([f"Goal {goal.id[:8]} is now {goal.status}.", *notices])


def accept_link(desk: Desk, link_id: str | None) -> tuple[Desk, str]:
    return review_link(desk, link_id, "accept")


def reject_link(desk: Desk, link_id: str | None) -> tuple[Desk, str]:
    return review_link(desk, link_id, "reject")


#: What the page may call on this panel (the desk's request guard lets only these through).
HANDLERS = (accept_offer, accept_link, reject_link, add_link, set_status)


# --- view --------------------------------------------------------------------------------


def goals_markdown(t: GoalThread) -> str:
    if not t.goals:
        return "No goals on file for this client yet. Accept one the client stated below."
    out = []
    for goal in t.goals:
        out.append(f"- **{goal.status}** (since {goal.status_date[:10]}) — {goal_line(goal)}")
        for link in (k for k in t.links if k.goal_id == goal.id):
            mark = {"accepted": "✓", "rejected": "✗"}.get(link.review, "?")
            review = " — review" if link.review == "pending" and not stated(link) else ""
            out.append(
                f'    - {mark} {kind_label(link)}{review}: "{_short(link.evidence.quote.strip())}" '
                f"{cite(link.evidence)} — link `{link.id[:8]}`"
            )
    return "\n".join(out)


def render(desk: Desk) -> list:
    try:
        t, offered = thread(desk), offers(desk)
    except ScribeError:  # the panel stays empty; the handlers say what went wrong
        t, offered = GoalThread(), []
    goal_choices = [(_short(f"{g.quote} ({g.status})"), g.id) for g in t.goals]
    link_choices = [
        (
            _short(f"{k.id[:8]} {kind_label(k)}: {k.evidence.quote.strip()} [{k.review}]", 90),
            k.id,
        )
        for k in t.links
    ]
    offer_choices = [
        (_short(o.evidence.quote, 80) + (" — restates a goal on file" if o.revises else ""), o.evidence.quote)
        for o in offered
    ]
    return [
        goals_markdown(t),
        gr.Dropdown(choices=offer_choices, value=None),
        gr.Dropdown(choices=link_choices, value=None),
        gr.Dropdown(choices=goal_choices, value=None),
        gr.Dropdown(choices=goal_choices, value=None),
    ]


def build(w: Wiring) -> TabView:
    """The Goals panel (built inside the Draft tab)."""
    with gr.Accordion(
        "Goals — the client's own words, and this session's progress", open=True, elem_id="goals-panel"
    ):
        listing = gr.Markdown(elem_id="goals-list")
        message = gr.Markdown(elem_id="goals-message")
        with gr.Row():
            offer = gr.Dropdown(
                label="A goal the client stated this session", choices=[], elem_id="goal-offer", scale=3
            )
            wording = gr.Textbox(
                label="Your wording (optional, kept beside theirs)", elem_id="goal-wording", scale=2
            )
            separate = gr.Checkbox(label="Separate goal, not a revision", elem_id="goal-separate", scale=1)
            accept_btn = gr.Button("Accept as goal", variant="primary", elem_id="goal-accept", scale=1)
        with gr.Row():
            link = gr.Dropdown(label="Proposed link", choices=[], elem_id="goal-link", scale=4)
            link_ok = gr.Button("Accept link", elem_id="link-accept", scale=1)
            link_no = gr.Button("Reject link", elem_id="link-reject", scale=1)
        with gr.Row():
            target = gr.Dropdown(label="Link to goal", choices=[], elem_id="link-goal", scale=2)
            words = gr.Textbox(
                label="The client's words, as said this session", elem_id="link-quote", scale=3
            )
            link_add = gr.Button("Link", elem_id="link-add", scale=1)
        with gr.Row():
            which = gr.Dropdown(label="Goal", choices=[], elem_id="status-goal", scale=3)
            status = gr.Dropdown(label="Status", choices=list(GOAL_STATUSES), elem_id="goal-status", scale=1)
            status_btn = gr.Button("Set status", elem_id="status-set", scale=1)
    d = w.desk
    w.on(accept_btn.click, accept_offer, [d, offer, wording, separate], [d, message])
    w.on(link_ok.click, accept_link, [d, link], [d, message])
    w.on(link_no.click, reject_link, [d, link], [d, message])
    w.on(link_add.click, add_link, [d, target, words], [d, message])
    w.on(status_btn.click, set_status, [d, which, status], [d, message])
    return TabView([listing, offer, link, target, which], render)
