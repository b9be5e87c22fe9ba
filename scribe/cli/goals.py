"""``scribe goals CLIENT``: the client's goals in their own words, with their history and evidence.

scribe goals C-1042                                   # list, with history and each session's evidence
scribe goals C-1042 --export goals.docx               # a service-plan style summary
scribe goals C-1042 --offers 3f2a9c1b                 # the goal statements of a saved session
scribe goals C-1042 --accept 3f2a9c1b --quote "I want to get my licence back" [--wording ...]
scribe goals C-1042 --status 9d0e11aa met             # the worker's dated decision
scribe goals C-1042 --link 3f2a9c1b 41be07c2 reject   # accept / reject a proposed link
"""

from __future__ import annotations

from pathlib import Path

import click

from note_formats.goal_plan import goal_plan_view, render_plan_text, write_goal_plan
from scribe import workflow
from scribe.cli.sessions import open_store_from_env_or_prompt
from scribe.core.errors import StoreError
from scribe.core.records import GOAL_STATUSES
from scribe.store import Store

LINK_DECISIONS = {"accept": "accepted", "reject": "rejected", "pending": "pending"}


def register(group: click.Group) -> None:
    group.add_command(goals_cmd)


def _session_of(store: Store, client_id: str, prefix: str) -> str:
    """The session id for ``prefix``, which must be this client's (one client's goals, one client's sessions)."""
    sid = store.resolve_session_id(prefix)
    if store.get_session(sid).client_id != client_id:
        raise StoreError(
            f"Session {prefix} is not {client_id}'s: goals are taken from the client's own sessions."
        )
    return sid


def _goal_of(store: Store, client_id: str, prefix: str) -> str:
    gid = store.resolve_goal_id(prefix)
    if gid not in {g.id for g in store.list_goals(client_id)}:
        raise StoreError(f"Goal {prefix} is not one of {client_id}'s goals.")
    return gid


def plan_view(store: Store, client_id: str):
    """The client's goal plan (goals, history, each session's evidence) as one view."""
    goals = store.list_goals(client_id)
    links = {g.id: store.links_of_goal(g.id) for g in goals}
    dates = {s.id: s.session_date for s in store.list_sessions(client_id)}
    return goal_plan_view(client_id, goals, links, dates)


@click.command("goals")
@click.argument("client_id")
@click.option(
    "--export", "export_to", type=click.Path(path_type=Path), help="Write the goal plan as FILE.docx."
)
@click.option(
    "--offers",
    "offers_of",
    metavar="SESSION",
    help="List the goal statements of one of the client's sessions.",
)
@click.option(
    "--accept", "accept_from", metavar="SESSION", help="Put a goal stated in SESSION on file (with --quote)."
)
@click.option("--quote", default="", help="The client's words of the goal, exactly as said.")
@click.option("--wording", default="", help="Your wording of the goal, kept beside the client's.")
@click.option("--revises", default=None, metavar="GOAL", help="The accepted goal restates this goal on file.")
@click.option("--new", "as_new", is_flag=True, help="Keep the accepted goal beside a goal it resembles.")
@click.option(
    "--status",
    "status",
    nargs=2,
    metavar="GOAL STATUS",
    help=f"Set a goal's status ({', '.join(GOAL_STATUSES)}).",
)
@click.option("--note", default="", help="Why the status changed (kept in the goal's history).")
@click.option(
    "--link", "link", nargs=3, metavar="SESSION LINK DECISION", help="accept / reject a proposed link."
)
def goals_cmd(
    client_id: str,
    export_to: Path | None,
    offers_of: str | None,
    accept_from: str | None,
    quote: str,
    wording: str,
    revises: str | None,
    as_new: bool,
    status: tuple[str, str] | None,
    note: str,
    link: tuple[str, str, str] | None,
) -> None:
    """List CLIENT's goals with their history, or change them.

    A goal is the client's own words from a saved session; your wording stands
    beside it, never instead. Status (active, met, revised, dropped) is yours to
    set and is dated. Every draft of the client's later sessions shows progress
    on each active goal, quoting the session.
    """
    if export_to is not None and export_to.suffix.lower() != ".docx":
        raise StoreError(f"Export the goals as a .docx file (got {export_to.name!r}).")
    with open_store_from_env_or_prompt() as store:
        if client_id not in store.list_clients():
            raise StoreError(
                f"There is no client {client_id!r} in the store (`scribe sessions list` shows them)."
            )
        if offers_of:
            sid = _session_of(store, client_id, offers_of)
            offers = workflow.goal_offers(store, sid)
            if not offers:
                click.echo("No goal statements found in that session; give --quote with the client's words.")
            for offer in offers:
                also = (
                    f"  (restates goal {offer.revises[:8]}: use --revises {offer.revises[:8]})"
                    if offer.revises
                    else ""
                )
                click.echo(f'"{offer.evidence.quote}"{also}')
            return
        if accept_from:
            sid = _session_of(store, client_id, accept_from)
            old = _goal_of(store, client_id, revises) if revises else None
            goal = workflow.accept_goal(store, sid, quote, wording=wording, revises=old, as_new=as_new)
            click.echo(
                f'Goal {goal.id[:8]} on file: "{goal.quote}"' + (f" (revises {old[:8]})" if old else "")
            )
            return
        if status:
            gid = _goal_of(store, client_id, status[0])
            goal = store.set_goal_status(gid, status[1].lower(), note=note)
            click.echo(f"Goal {gid[:8]}: {goal.status} as of {goal.status_date[:10]}.")
            return
        if link:
            sid = _session_of(store, client_id, link[0])
            decision = LINK_DECISIONS.get(link[2].lower())
            if decision is None:
                raise StoreError(f"Decide a link with one of: {', '.join(LINK_DECISIONS)}.")
            match = [k for k in store.goal_links(sid) if k.id.startswith(link[1].lower())]
            if len(match) != 1:
                raise StoreError(
                    f"No single link {link[1]!r} in that session (`scribe goals CLIENT` lists them)."
                )
            store.review_goal_link(sid, match[0].id, decision)
            click.echo(f"Link {match[0].id[:8]}: {decision}.")
            return
        view = plan_view(store, client_id)
        if export_to is not None:
            store.log_goal_export(client_id, export_to)  # before the file exists: never an unlogged export
            write_goal_plan(view, export_to)
            click.echo(f"Wrote {export_to} ({len(store.list_goals(client_id))} goals).", err=True)
            return
        click.echo(render_plan_text(view), nl=False)
