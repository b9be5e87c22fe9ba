"""A client's goals and each session's links to them (a part of ``Store``).

A goal is what the client said they want, verbatim, with the session and time
they said it; the worker accepts it, may word it beside the quote, and sets its
status (active, met, revised, dropped), each change dated in its history. A
revision is a new goal that names the one it restates; the old one is kept with
status "revised". Goals belong to the client, not to a session: deleting the
session a goal was stated in (by retention or by hand) removes that session's
links, never a goal the worker kept — the goal holds its own copy of the quote.

Rows are encrypted like the rest of the store (the row's ids bound in as
associated data, so a goal moved to another client by hand fails to open), and
every change and read is written to the audit log in the same transaction.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from scribe.core.errors import StoreError
from scribe.core.records import GOAL_STATUSES, Evidence, Goal, GoalEvent, GoalLink, now_iso
from scribe.store import crypto

if TYPE_CHECKING:
    from scribe.store.core import StoreCore

REVIEWS = ("pending", "accepted", "rejected")


class ClientGoals:
    """Goals on file per client, and the evidence links of each session."""

    def __init__(self, core: StoreCore) -> None:
        self._core = core

    # --- lookups ----------------------------------------------------------------------

    def _client_ref(self, db: sqlite3.Connection, client_id: str) -> str | None:
        lookup = crypto.mac(self._core.index_key, "client", (client_id or "").strip())
        row = db.execute("SELECT id FROM clients WHERE lookup = ?", (lookup,)).fetchone()
        return row[0] if row else None

    def _seal(self, goal: Goal, ref: str) -> bytes:
        return self._core.cipher.seal_json(goal.to_dict(), "goals", goal.id, ref)

    def _goal(self, db: sqlite3.Connection, goal_id: str) -> tuple[Goal, str]:
        row = db.execute("SELECT client_ref, data FROM goals WHERE id = ?", (goal_id,)).fetchone()
        if row is None:
            raise StoreError(f"There is no goal {goal_id!r} on file (`scribe goals CLIENT` lists them).")
        return Goal.from_dict(self._core.cipher.open_json(row[1], "goals", goal_id, row[0])), row[0]

    def _put(self, db: sqlite3.Connection, goal: Goal, ref: str) -> None:
        db.execute(
            "UPDATE goals SET data = ?, updated_at = ? WHERE id = ?",
            (self._seal(goal, ref), now_iso(), goal.id),
        )

    def resolve_goal_id(self, prefix: str) -> str:
        """The full id of the one goal whose id starts with ``prefix`` (the CLI shows 8 characters)."""
        prefix = (prefix or "").strip().lower()
        if not prefix or not all(c in "0123456789abcdef" for c in prefix):
            raise StoreError(f"{prefix!r} is not a goal id (`scribe goals CLIENT` lists them).")
        with self._core.tx(write=False) as db:
            rows = db.execute("SELECT id FROM goals WHERE id LIKE ? LIMIT 2", (prefix + "%",)).fetchall()
        if len(rows) != 1:
            raise StoreError(
                f"No goal id starts with {prefix!r}."
                if not rows
                else f"More than one goal id starts with {prefix!r}."
            )
        return rows[0][0]

    # --- goals --------------------------------------------------------------------------

    def accept_goal(
        self,
        session_id: str,
        evidence: Evidence,
        *,
        wording: str = "",
        context: str = "",
        revises: str | None = None,
    ) -> Goal:
        """Put the client's statement ``evidence`` (from ``session_id``) on file as one of their goals.

        ``revises`` names a goal of the same client that this one restates: that goal's
        status becomes "revised" (dated), and both are kept.
        """
        quote = evidence.quote.strip()
        if not quote:
            raise StoreError("A goal needs the client's words: the quote is empty.")
        now = now_iso()
        with self._core.tx() as db:
            row = self._core.session_row(db, session_id)
            ref = row[1]
            session_date = self._core.cipher.open_json(
                row[7], *self._core.info_aad(row[0], ref, bool(row[2]), row[4])
            )["session_date"]
            client_id = self._client_id(db, ref)
            goal = Goal(
                id=uuid.uuid4().hex,
                client_id=client_id,
                quote=quote,
                session_id=session_id,
                session_date=session_date,
                evidence=evidence,
                wording=wording.strip(),
                context=context,
                status="active",
                status_date=now,
                revises=revises,
                history=[GoalEvent(now, "stated", "active", quote, self._core.worker)],
            )
            if revises is not None:
                old, old_ref = self._goal(db, revises)
                if old_ref != ref:
                    raise StoreError("A goal can only revise a goal of the same client.")
                old.status, old.status_date, old.revised_by = "revised", now, goal.id
                old.history.append(GoalEvent(now, "revised", "revised", goal.id, self._core.worker))
                self._put(db, old, ref)
            db.execute(
                "INSERT INTO goals (id, client_ref, created_at, updated_at, data) VALUES (?, ?, ?, ?, ?)",
                (goal.id, ref, now, now, self._seal(goal, ref)),
            )
            self._core.log("goal_accepted", session_id, goal=goal.id, revises=revises)
        return goal

    def _client_id(self, db: sqlite3.Connection, ref: str) -> str:
        lookup, blob = db.execute("SELECT lookup, identifier FROM clients WHERE id = ?", (ref,)).fetchone()
        return self._core.cipher.open(blob, "clients", ref, lookup).decode("utf-8")

    def set_goal_status(self, goal_id: str, status: str, *, note: str = "") -> Goal:
        """The worker's dated decision about a goal: active, met, revised or dropped."""
        if status not in GOAL_STATUSES:
            raise StoreError(f"Unknown goal status {status!r}; use one of {', '.join(GOAL_STATUSES)}.")
        now = now_iso()
        with self._core.tx() as db:
            goal, ref = self._goal(db, goal_id)
            goal.status, goal.status_date = status, now
            goal.history.append(GoalEvent(now, "status", status, note.strip(), self._core.worker))
            self._put(db, goal, ref)
            self._core.log("goal_changed", None, goal=goal_id, status=status)
        return goal

    def set_goal_wording(self, goal_id: str, wording: str) -> Goal:
        """The worker's wording of the goal, kept beside the client's quote (never replacing it)."""
        now = now_iso()
        with self._core.tx() as db:
            goal, ref = self._goal(db, goal_id)
            goal.wording = wording.strip()
            goal.history.append(GoalEvent(now, "wording", goal.status, goal.wording, self._core.worker))
            self._put(db, goal, ref)
            self._core.log("goal_changed", None, goal=goal_id, wording=True)
        return goal

    def list_goals(self, client_id: str) -> list[Goal]:
        """The client's goals on file, oldest stated first (all statuses); [] for an unknown client."""
        with self._core.tx() as db:
            ref = self._client_ref(db, client_id)
            if ref is None:
                return []
            rows = db.execute("SELECT id, data FROM goals WHERE client_ref = ?", (ref,)).fetchall()
            goals = [Goal.from_dict(self._core.cipher.open_json(b, "goals", gid, ref)) for gid, b in rows]
            if goals:
                self._core.log("viewed", None, what="goals", count=len(goals))
        return sorted(
            goals, key=lambda g: (g.session_date, g.history[0].at if g.history else "", g.evidence.start)
        )

    # --- a session's links ------------------------------------------------------------

    def save_goal_links(self, session_id: str, links: Sequence[GoalLink]) -> None:
        """Replace the session's links to goals; each goal must belong to the session's client."""
        with self._core.tx() as db:
            ref = self._core.session_row(db, session_id)[1]
            for link in links:
                if link.session_id != session_id:
                    raise StoreError("A goal link belongs to another session.")
                if link.review not in REVIEWS:
                    raise StoreError(
                        f"Unknown link decision {link.review!r}; use one of {', '.join(REVIEWS)}."
                    )
                if self._goal(db, link.goal_id)[1] != ref:
                    # one client's goals never take evidence from another client's session
                    raise StoreError(
                        "That goal belongs to another client; a session links only its client's goals."
                    )
            db.execute("DELETE FROM goal_links WHERE session_id = ?", (session_id,))
            now = now_iso()
            for link in links:
                blob = self._core.cipher.seal_json(
                    link.to_dict(), "goal_links", link.id, link.goal_id, session_id
                )
                db.execute(
                    "INSERT INTO goal_links (id, goal_id, session_id, saved_at, data) VALUES (?, ?, ?, ?, ?)",
                    (link.id, link.goal_id, session_id, now, blob),
                )
            self._core.log("goal_links_saved", session_id, count=len(links))

    def _links(self, db: sqlite3.Connection, where: str, arg: str) -> list[GoalLink]:
        rows = db.execute(
            f"SELECT id, goal_id, session_id, data FROM goal_links WHERE {where} = ?", (arg,)
        ).fetchall()
        return [
            GoalLink.from_dict(self._core.cipher.open_json(d, "goal_links", i, g, s)) for i, g, s, d in rows
        ]

    def goal_links(self, session_id: str) -> list[GoalLink]:
        """The session's links to goals, in time order."""
        with self._core.tx() as db:
            self._core.session_row(db, session_id)
            links = self._links(db, "session_id", session_id)
            if links:
                self._core.log("viewed", session_id, what="goal_links", count=len(links))
        return sorted(links, key=lambda k: (k.evidence.start, k.evidence.segment_id, k.goal_id))

    def links_of_goal(self, goal_id: str) -> list[GoalLink]:
        """Every session's evidence about one goal (its thread), oldest session first."""
        with self._core.tx() as db:
            self._goal(db, goal_id)
            links = self._links(db, "goal_id", goal_id)
            dates = {}
            for link in links:
                if link.session_id not in dates:
                    row = self._core.session_row(db, link.session_id)
                    dates[link.session_id] = row[4]
        return sorted(links, key=lambda k: (dates[k.session_id], k.evidence.start))

    def review_goal_link(self, session_id: str, link_id: str, review: str) -> GoalLink:
        """The worker's decision on one link: "accepted", "rejected" (left out of the draft) or "pending"."""
        links = self.goal_links(session_id)
        for link in links:
            if link.id == link_id:
                link.review = review  # type: ignore[assignment]
                self.save_goal_links(session_id, links)
                with self._core.tx():
                    self._core.log("goal_link_reviewed", session_id, link=link_id, review=review)
                return link
        raise StoreError(f"Session {session_id[:8]} has no goal link {link_id!r}.")

    def log_goal_export(self, client_id: str, dest: object) -> None:
        """The goal plan left the store as a plain file: the audit log says so."""
        with self._core.tx():
            self._core.log("exported", None, what="goals", kind="docx", dest=str(dest))

    # --- retention ----------------------------------------------------------------------

    def forget_session(self, db: sqlite3.Connection, session_id: str) -> dict[str, int]:
        """Inside the caller's deleting transaction: drop the session's links; count the goals kept.

        Goals stated in the session stay on file (the worker kept them; each holds
        its own quote). The counts go into the deletion's audit entry.
        """
        (links,) = db.execute(
            "SELECT COUNT(*) FROM goal_links WHERE session_id = ?", (session_id,)
        ).fetchone()
        db.execute("DELETE FROM goal_links WHERE session_id = ?", (session_id,))
        ref = self._core.session_row(db, session_id)[1]
        kept = 0
        for gid, blob in db.execute("SELECT id, data FROM goals WHERE client_ref = ?", (ref,)).fetchall():
            if self._core.cipher.open_json(blob, "goals", gid, ref)["session_id"] == session_id:
                kept += 1
        return {"goal_links_removed": links, "goals_kept": kept}

    @staticmethod
    def client_has_goals(db: sqlite3.Connection, ref: str) -> bool:
        return db.execute("SELECT 1 FROM goals WHERE client_ref = ? LIMIT 1", (ref,)).fetchone() is not None
