"""The client's goals across sessions: the store, the linker, the drafts' progress part, the CLI.

No mocks in the end-to-end tests: a real encrypted store, the real tagger and
MiniLM encoder, and the ``scribe`` command over typed sessions.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from note_fixtures import LICENCE_SECOND_SESSION as SECOND

from note_formats import DraftOptions, build_draft, check_grounding
from note_formats.goal_progress import HOST_SECTIONS
from pipelines.goals import concepts_of, follows_up, kind_of, link_goals, statements
from scribe import workflow
from scribe.cli.app import cli
from scribe.core.errors import NoteError, StoreError
from scribe.core.records import Goal, GoalLink, GoalThread
from scribe.store import Store
from scribe.transcripts.typed import text_to_transcript

PASS = "goals test passphrase"
FIRST = """Worker: What would you like to be different by the summer?
Client: I want to get my driving licence back by the summer. Without it I can't get to work.
Worker: And at home?
Client: I want to stop shouting at my son when I get in.
"""


@pytest.fixture
def store(scribe_home: Path):
    with Store.open(scribe_home, passphrase=PASS, create=True) as s:
        yield s


def saved(store: Store, client: str, text: str, date: str) -> str:
    transcript = text_to_transcript(text)
    sid = store.create_session(client, False, session_date=date)
    store.save_transcript(sid, transcript)
    return sid


# --- the store ---------------------------------------------------------------------------


def test_goal_is_kept_verbatim_encrypted_revised_with_history_and_audited(
    store: Store, scribe_home: Path
) -> None:
    sid = saved(store, "C-1", FIRST, "2026-11-03")
    goal = workflow.accept_goal(
        store, sid, "I want to get my driving licence back by the summer", wording="Licence"
    )
    assert goal.quote == "I want to get my driving licence back by the summer"
    assert goal.session_date == "2026-11-03" and goal.status == "active" and goal.wording == "Licence"
    assert goal.context.startswith("What would you like to be different")  # the question it answered
    # a restatement is refused as a duplicate and offered as a revision
    sid2 = saved(
        store,
        "C-1",
        "Worker: Still the licence?\nClient: I really want my driving licence back.\n"
        "Worker: OK.\nClient: Yes.\n",
        "2026-11-17",
    )
    with pytest.raises(NoteError, match=f"--revises {goal.id[:8]}"):
        workflow.accept_goal(store, sid2, "I really want my driving licence back")
    new = workflow.accept_goal(store, sid2, "I really want my driving licence back", revises=goal.id)
    old = {g.id: g for g in store.list_goals("C-1")}[goal.id]
    assert old.status == "revised" and old.revised_by == new.id and new.revises == goal.id
    assert [e.action for e in old.history] == ["stated", "revised"]
    store.set_goal_status(new.id, "met", note="passed the test")
    met = {g.id: g for g in store.list_goals("C-1")}[new.id]
    assert met.status == "met" and met.history[-1].status == "met" and met.status_date
    with pytest.raises(StoreError, match="Unknown goal status"):
        store.set_goal_status(new.id, "finished")
    actions = [e.action for e in store.audit_entries()]
    assert actions.count("goal_accepted") == 2 and "goal_changed" in actions
    assert store.verify_audit().ok
    raw = (scribe_home / "store.sqlite3").read_bytes()
    for path in scribe_home.glob("store.sqlite3*"):
        raw += path.read_bytes()
    assert b"driving licence" not in raw


def test_worker_words_are_not_a_goal(store: Store) -> None:
    sid = saved(store, "C-1", FIRST, "2026-11-03")
    with pytest.raises(NoteError, match="worker"):
        workflow.accept_goal(store, sid, "What would you like to be different")
    with pytest.raises(NoteError, match="not in the session"):
        workflow.accept_goal(store, sid, "I want a pony")


def test_links_never_cross_clients_and_retention_keeps_goals(store: Store) -> None:
    a1 = saved(store, "C-A", FIRST, "2026-11-03")
    b1 = saved(store, "C-B", FIRST, "2026-11-03")
    goal_a = workflow.accept_goal(store, a1, "I want to stop shouting at my son when I get in")
    licence = workflow.accept_goal(store, a1, "I want to get my driving licence back by the summer")
    a2 = saved(store, "C-A", SECOND, "2026-11-17")
    b2 = saved(store, "C-B", SECOND, "2026-11-17")
    # another client's session never takes this client's goals
    assert workflow.goal_thread(store, "C-B", store.get_transcript(b2), []).goals == []
    ev = store.get_transcript(b2).segments[3]
    from scribe.core.records import Evidence

    foreign = GoalLink(id="x", goal_id=goal_a.id, session_id=b2, kind="barrier", evidence=Evidence.of(ev))
    with pytest.raises(StoreError, match="another client"):
        store.save_goal_links(b2, [foreign])
    thread = workflow.session_goal_thread(store, a2)
    assert thread.links, "the booked course was not linked to the licence"
    assert {k.session_id for k in thread.links} == {a2}
    assert {k.goal_id for k in thread.links} <= {goal_a.id, licence.id}
    # the session the goal was stated in goes (retention): the goal stays, a2's links go with a2
    store.delete_session(a1)
    store.delete_session(a2)
    assert {g.id for g in store.list_goals("C-A")} == {goal_a.id, licence.id}
    assert "C-A" in store.list_clients()
    deleted = [e for e in store.audit_entries() if e.action == "session_deleted"]
    assert deleted[0].details["goals_kept"] == 2 and deleted[0].details.get("goal_links_removed", 0) == 0
    assert deleted[1].details["goal_links_removed"] == len(thread.links)
    assert store.verify_audit().ok
    assert b1  # the other client's sessions are untouched
    assert store.list_goals("C-B") == []


def test_a_goal_moved_to_another_client_by_hand_fails_to_open(store: Store, scribe_home: Path) -> None:
    sid = saved(store, "C-A", FIRST, "2026-11-03")
    saved(store, "C-B", FIRST, "2026-11-03")
    workflow.accept_goal(store, sid, "I want to stop shouting at my son when I get in")
    with sqlite3.connect(scribe_home / "store.sqlite3") as db:
        db.execute(
            "UPDATE goals SET client_ref = (SELECT id FROM clients WHERE id != goals.client_ref LIMIT 1)"
        )
    assert store.list_goals("C-A") == []
    with pytest.raises(StoreError):
        store.list_goals("C-B")


# --- linking and drafting ----------------------------------------------------------------


def goals_of(text: str, quotes: list[str]) -> list[Goal]:
    t = text_to_transcript(text)
    out = []
    for n, q in enumerate(quotes):
        ev = workflow.find_quote(t, q)
        out.append(
            Goal(
                id=f"g{n}",
                client_id="C",
                quote=q,
                session_id="s1",
                session_date="2026-11-03",
                evidence=ev,
                context=f"{q}",
            )
        )
    return out


def test_linker_links_reports_in_other_words_and_only_the_clients() -> None:
    goals = goals_of(
        FIRST,
        [
            "I want to get my driving licence back by the summer",
            "I want to stop shouting at my son when I get in",
        ],
    )
    t = text_to_transcript(SECOND)
    links = link_goals(goals, t, "s2")
    by_quote = {k.evidence.quote: k for k in links}
    assert "I booked the driving course and paid the deposit on Monday." in by_quote
    assert by_quote["I booked the driving course and paid the deposit on Monday."].goal_id == "g0"
    roles = {seg.id: seg.role for seg in t.segments}
    assert all(roles[k.evidence.segment_id] == "client" for k in links)  # a worker's question is not a report
    assert "She repainted her kitchen, it looks lovely." not in by_quote
    assert {u.evidence.quote for u in statements(t)} >= {"She repainted her kitchen, it looks lovely."}


HOUSING_FIRST = """Worker: What would you most like to change?
Client: I want a place of my own, with my name on the lease.
Worker: And for money?
Client: I want to pay off the phone bill I owe.
"""
HOUSING_SECOND = """Worker: How is the hunt for your own place going, with your name on a lease?
Client: I went to three viewings on Saturday.
Worker: And then?
Client: Every single one asked for a credit check, so nothing yet.
Worker: How is your cousin?
Client: He bought a new bike, he rides it everywhere.
"""


def test_an_answer_to_a_follow_up_stays_on_the_goal_the_question_before_named() -> None:
    goals = goals_of(
        HOUSING_FIRST,
        ["I want a place of my own, with my name on the lease", "I want to pay off the phone bill I owe"],
    )
    links = link_goals(goals, text_to_transcript(HOUSING_SECOND), "s2")
    on = {k.evidence.quote: k.goal_id for k in links}
    assert on.get("I went to three viewings on Saturday.") == "g0"
    # "And then?" follows up: the answer after it is still about the place to live
    assert on.get("Every single one asked for a credit check, so nothing yet.") == "g0"
    # one goal per answer: the flat hunt is not also evidence about the phone bill
    assert "g1" not in on.values()  # and the cousin's bike is about neither
    assert not any("bike" in quote for quote in on)


@pytest.mark.parametrize(
    ("question", "follows"),
    [
        ("", True),
        ("And then?", True),
        ("That's a lot. Did any of them call you back?", True),
        ("How was that for you?", True),
        ("How is your cousin?", False),
        ("Anything else on your mind?", False),
        ("What about your sister's wedding plans for next spring?", False),
    ],
)
def test_a_follow_up_question_keeps_the_topic_and_a_new_one_does_not(question: str, follows: bool) -> None:
    assert follows_up(question) is follows


def test_near_synonyms_of_a_goal_area_meet_without_a_shared_word() -> None:
    assert "housing" in concepts_of("I want a place of my own") & concepts_of("The landlord wants a deposit")
    assert "sobriety" in concepts_of("I want to stay off the drink") & concepts_of("My sponsor called")
    assert not concepts_of("She repainted her kitchen") & concepts_of("I want a job")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I missed the first class because I had nobody to watch him.", "barrier"),
        ("I couldn't afford the deposit.", "barrier"),
        ("I finally passed the test last week!", "met"),
        ("I booked the course.", "progress"),
        ("He hasn't been late once since the holidays, not once.", "met"),
        ("The flat came through and they gave me the keys on Friday.", "met"),
    ],
)
def test_kind_of_a_linked_statement(text: str, kind: str) -> None:
    assert kind_of(text) == kind


@pytest.mark.parametrize("fmt", sorted(HOST_SECTIONS))
def test_every_format_lists_each_active_goal_with_cited_evidence_or_not_discussed(fmt: str) -> None:
    goals = goals_of(
        FIRST,
        [
            "I want to get my driving licence back by the summer",
            "I want to stop shouting at my son when I get in",
        ],
    )
    goals.append(
        Goal(
            id="g9",
            client_id="C",
            quote="I want to move out",
            session_id="s1",
            session_date="2026-11-03",
            evidence=goals[0].evidence,
            status="met",
        )
    )
    t = text_to_transcript(SECOND)
    booked = workflow.find_quote(t, "I booked the driving course and paid the deposit on Monday.")
    kitchen = workflow.find_quote(t, "She repainted her kitchen")
    links = [
        GoalLink(id="l1", goal_id="g0", session_id="s2", kind="progress", evidence=booked, review="accepted"),
        GoalLink(
            id="l2", goal_id="g1", session_id="s2", kind="progress", evidence=kitchen, review="rejected"
        ),
    ]
    draft = build_draft(fmt, t, [], DraftOptions(goals=GoalThread(goals, links)))
    items = [i for i in draft.section(HOST_SECTIONS[fmt]).items if i.fields.get("goal_id")]
    assert [i.fields["goal_id"] for i in items] == ["g0", "g1"]  # active goals only, oldest first
    assert 'Goal stated 3 Nov 2026: "I want to get my driving licence back by the summer"' in items[0].text
    assert '"I booked the driving course and paid the deposit on Monday." [¶2]' in items[0].text
    assert items[0].evidence == [booked] and not items[0].needs_review
    assert items[1].text.endswith("not discussed this session.")  # the rejected link is left out
    assert check_grounding(draft, t) == []


def test_a_goal_met_since_keeps_its_line_where_the_session_has_evidence_about_it() -> None:
    (goal,) = goals_of(FIRST, ["I want to get my driving licence back by the summer"])
    goal.status = "met"
    t = text_to_transcript(SECOND)
    booked = workflow.find_quote(t, "I booked the driving course")
    link = GoalLink(id="l1", goal_id=goal.id, session_id="s2", kind="met", evidence=booked, review="accepted")
    items = (
        build_draft("dap", t, [], DraftOptions(goals=GoalThread([goal], [link]))).section("assessment").items
    )
    (item,) = [i for i in items if i.fields.get("goal_id")]
    assert (
        item.text.startswith("Goal stated 3 Nov 2026 [now met]:") and 'reported met: "I booked' in item.text
    )
    alone = build_draft("dap", t, [], DraftOptions(goals=GoalThread([goal], []))).section("assessment").items
    assert not [i for i in alone if i.fields.get("goal_id")]  # closed and not discussed: no line


def test_a_pending_link_is_marked_for_review_and_a_foreign_quote_is_not_grounded() -> None:
    goals = goals_of(FIRST, ["I want to get my driving licence back by the summer"])
    t = text_to_transcript(SECOND)
    booked = workflow.find_quote(t, "I booked the driving course")
    link = GoalLink(id="l1", goal_id="g0", session_id="s2", kind="progress", evidence=booked)
    draft = build_draft("soap", t, [], DraftOptions(goals=GoalThread(goals, [link])))
    item = next(i for i in draft.section("assessment").items if i.fields.get("goal_id"))
    assert item.needs_review and "Goals panel" in item.review_reason
    item.text += ' "words nobody said"'
    assert any("words nobody said" in str(p) for p in check_grounding(draft, t))


# --- end to end: the CLI over typed sessions ---------------------------------------------


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def sample_first_session(repo_root: Path, path: Path) -> Path:
    """The bundled sample session's lines as a typed, timed conversation."""
    lines = []
    for row in (repo_root / "samples" / "session.txt").read_text().splitlines()[1:]:
        start, _, who, text = row.split("\t")
        s = float(start)
        lines.append(f"[{int(s // 60):02d}:{int(s % 60):02d}] {who.capitalize()}: {text}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def last_session(client: str) -> str:
    with Store.open(passphrase=PASS) as s:
        return s.list_sessions(client)[0].id[:8]


@pytest.mark.slow
def test_second_sample_session_shows_progress_on_the_first_sessions_goals(
    repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The done-when: the sample client's second session drafts progress on session 1's goals."""
    monkeypatch.setenv("SCRIBE_PASSPHRASE", PASS)
    first = sample_first_session(repo_root, tmp_path / "s1.txt")
    run("note", str(first), "--client", "DANA", "--date", "2026-11-03")
    s1 = last_session("DANA")
    offered = run("goals", "DANA", "--offers", s1)
    assert '"I want to be more patient with my kids"' in offered
    run("goals", "DANA", "--accept", s1, "--quote", "I want to be more patient with my kids")
    run(
        "goals",
        "DANA",
        "--accept",
        s1,
        "--quote",
        "I just want to get back on my feet and stop feeling like I am drowning",
        "--wording",
        "Stabilise money: rent and bills",
    )
    note = run(
        "note", str(repo_root / "samples" / "session-2.txt"), "--client", "DANA", "--date", "2026-11-17"
    )
    assessment = note.split("## Assessment")[1].split("## ")[0]
    kids = next(line for line in assessment.splitlines() if "more patient with my kids" in line)
    assert 'Goal stated 3 Nov 2026: "I want to be more patient with my kids" — this session:' in kids
    assert '"When my son started shouting on Sunday I took a breath and counted to ten' in kids
    assert "barrier:" in kids  # the evening she lost her temper
    money = next(line for line in assessment.splitlines() if "back on my feet" in line)
    assert "this session:" in money and "[00:" in money
    listing = run("goals", "DANA")
    assert "Session 17 Nov 2026: " in listing and "proposed (link" in listing
    out = tmp_path / "goals.docx"
    run("goals", "DANA", "--export", str(out))
    from docx import Document

    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "Service plan: goals" in text and '"I want to be more patient with my kids"' in text


@pytest.mark.slow
def test_two_clients_interleaved_over_three_typed_sessions(
    repo_root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Two clients of one name and a shared kind of goal, sessions interleaved: no goal crosses over."""
    monkeypatch.setenv("SCRIBE_PASSPHRASE", PASS)
    seqs = {}
    for name in ("C-2101", "C-2103"):
        path = repo_root / "bench" / "data" / "goals" / f"{name}.yaml"
        if not path.is_file():
            pytest.skip(f"{path.name} is not in the bench data")
        seqs[name] = yaml.safe_load(path.read_text(encoding="utf-8"))
    goal_ids: dict[str, set[str]] = {}
    for s in range(3):
        for client, data in seqs.items():
            session = data["sessions"][s]
            lines = []
            for turn in session["turns"]:
                ((voice, text),) = turn.items()
                lines.append(f"{session['voices'][voice].capitalize()}: {text}")
            typed = tmp_path / f"{client}-{s}.txt"
            typed.write_text("\n".join(lines) + "\n", encoding="utf-8")
            note = run("note", str(typed), "--client", client, "--date", str(session["date"]), "-f", "girp")
            sid = last_session(client)
            goals_section = note.split("## Goals")[1].split("## ")[0]
            with Store.open(passphrase=PASS) as store:
                mine = {g.quote for g in store.list_goals(client)}
                theirs = {g.quote for c in seqs if c != client for g in store.list_goals(c)}
            for quote in theirs - mine:
                assert quote not in note
            for quote in mine:
                assert quote in goals_section  # every active goal has its line, linked or not discussed
            for g in data["goals"]:
                if g["session"] == s + 1 and "revises" not in g:
                    run("goals", client, "--accept", sid, "--quote", g["quote"], "--new")
            with Store.open(passphrase=PASS) as store:
                goal_ids[client] = {g.id for g in store.list_goals(client)}
                for link in store.goal_links(store.resolve_session_id(sid)):
                    assert link.goal_id in goal_ids[client]
    assert goal_ids["C-2101"] and not goal_ids["C-2101"] & goal_ids["C-2103"]
