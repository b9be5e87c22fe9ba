"""The review desk in a real browser: `scribe ui` on 127.0.0.1, driven by headless Debian chromium.

No mocks: the real CLI starts the real app (tiny.en model, the real tagger, a
real encrypted store with cheap KDF settings) under the network guard, and
Playwright uploads the bundled sample session, reviews it, edits the draft and
exports it. Each step leaves a screenshot in test-artifacts/ui/.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUARD = Path(__file__).parent / "netguard"
ARTIFACTS = ROOT / "test-artifacts" / "ui"
PASSPHRASE = "browser test passphrase"
CHROMIUM = os.environ.get("SCRIBE_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
#: Headless, offline, no first-run work: the browser must not try the network either.
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",  # containers have a tiny /dev/shm
]
EDITED = "Client wants to get back on her feet and feel less overwhelmed."

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lan_address() -> str | None:
    """This machine's address on its network (not loopback), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # UDP "connect" sends nothing; it only picks a route
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Desk:
    """A running `scribe ui` process and where it keeps its data."""

    def __init__(self, proc: subprocess.Popen, url: str, home: Path, log: Path, netlog: Path, port: int):
        self.proc, self.url, self.home, self.log, self.netlog, self.port = proc, url, home, log, netlog, port


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium is not installed at {CHROMIUM} (scripts/setup.sh --test installs it)")
    pytest.importorskip("playwright.sync_api", reason="playwright is in the [test] extra")
    root = tmp_path_factory.mktemp("desk")
    home, log, netlog = root / "home", root / "server.log", root / "net.log"
    port = free_port()
    env = dict(
        os.environ,
        SCRIBE_HOME=str(home),
        SCRIBE_PASSPHRASE=PASSPHRASE,
        SCRIBE_INSECURE_FAST_KDF="1",
        SCRIBE_MODEL="tiny.en",
        SCRIBE_WORKER="browser-test",
        GRADIO_ANALYTICS_ENABLED="False",
        PYTHONPATH=str(GUARD),
        NETGUARD_LOG=str(netlog),
    )
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scribe.cli", "ui", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=root,
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"scribe ui exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if get(url)[0] == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"scribe ui did not answer on {url}:\n{log.read_text()[-3000:]}")
    yield Desk(proc, url, home, log, netlog, port)
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # Ctrl-C: the desk closes and wipes its plain files
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser(desk: Desk, tmp_path_factory: pytest.TempPathFactory):
    """Headless Debian chromium with a fresh profile (Playwright never downloads a browser here)."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            accept_downloads=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


def test_desk_listens_on_loopback_only_and_serves_no_store_files(desk: Desk) -> None:
    """Hardening: nothing on the LAN address, the store and audio folder never served, no share link."""
    address = lan_address()
    if address is not None:
        with socket.socket() as s, pytest.raises(OSError):
            s.settimeout(2)
            s.connect((address, desk.port))
    for secret in (desk.home / "store.sqlite3", desk.home / "audio"):
        status, _ = get(f"{desk.url}gradio_api/file={secret}")
        assert status in (403, 404), f"{secret} was served"
    status, body = get(f"{desk.url}config")
    assert status == 200
    assert b'"analytics_enabled":false' in body.replace(b" ", b"")


def test_upload_review_edit_export_in_chromium(
    desk: Desk, browser, sample_session: Path, tmp_path: Path
) -> None:
    """Upload the sample session, decide the risks, accept a goal, reject an intervention, edit, export DOCX."""
    from docx import Document
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith((desk.url, "data:", "blob:")) else None,
    )

    def shot(name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def tab(name: str) -> None:
        page.locator(f"#tab-{name}-button").click()

    def cell(table: str, row: int, col: int):
        return page.locator(f'#{table} [data-testid="cell-{row}-{col}"]')

    def column(table: str, col: int) -> list[str]:
        return [
            t.strip()
            for t in page.locator(f'#{table} [data-testid$="-{col}"][role=gridcell]').all_inner_texts()
        ]

    try:
        # 1. Start: the passphrase came from $SCRIBE_PASSPHRASE; create a session with consent.
        page.goto(desk.url)
        page.locator("#client-id input").wait_for(state="visible", timeout=60_000)
        shot("01-start")
        page.locator("#client-id input").fill("C-1042")
        page.locator("#consent input").check()
        page.locator("#start-session").click()
        expect(page.locator("#status-line")).to_contain_text("recording consented")

        # 2. Capture: upload the sample session; the transcript tab opens when it is done.
        page.locator("#upload input[type=file]").set_input_files(str(sample_session))
        expect(page.locator("#upload")).to_contain_text("session.ogg")
        shot("02-capture")
        page.locator("#transcribe-file").click()
        expect(page.locator("#transcript-head")).to_contain_text("segments", timeout=420_000)

        # 3. Transcript: speakers and roles are shown; a click on a segment plays that moment.
        assert {"worker", "client"} <= set(column("segments", 3))
        shot("03-transcript")
        cell("segments", 1, 4).click()
        expect(page.locator("#segment-info")).to_contain_text("Segment 1")
        expect(
            page.locator("#segment-audio audio, #segment-audio [data-testid=waveform-x]").first
        ).to_be_attached()
        shot("04-segment-clip")

        # 4. Tags: drafting waits for every risk indicator; decide each, then a goal and an intervention.
        tab("tags")
        expect(page.locator("#tags-head")).to_contain_text("Tags:")
        shot("05-tags")
        risks = page.locator('#tags-risk [role=gridcell][data-testid$="-0"]').count()
        if risks:
            tab("draft")
            expect(page.locator("#draft-head")).to_contain_text("Drafting waits for you")
            tab("tags")
        for row in range(risks):
            decide = cell("tags-risk", row, 0).inner_text().strip()
            cell("tags-risk", row, 4).click()
            expect(page.locator("#tag-info")).to_contain_text(decide)
            page.locator("#tag-accept").click()
            expect(cell("tags-risk", row, 6)).to_contain_text("accepted")
        cell("tags-goal", 0, 4).click()
        expect(page.locator("#tag-info")).to_contain_text("G1")
        goal_quote = cell("tags-goal", 0, 4).inner_text().strip().strip("“”…")
        page.locator("#tag-accept").click()
        expect(cell("tags-goal", 0, 6)).to_contain_text("accepted")

        # Reject an intervention whose kind has its own line in the draft, so its removal shows.
        tab("draft")
        expect(page.locator("#draft-head")).to_contain_text("SOAP note")
        draft_before = page.locator("#copy-text textarea").input_value()
        tab("tags")
        kinds = column("tags-intervention", 1)
        own_line = [i for i, k in enumerate(kinds) if kinds.count(k) == 1 and f"— {k}:" in draft_before]
        assert own_line, f"no intervention with a line of its own in the draft: {kinds}"
        row = own_line[0]
        rejected = kinds[row]
        cell("tags-intervention", row, 4).click()
        expect(page.locator("#tag-info")).to_contain_text(f"I{row + 1}")
        page.locator("#tag-reject").click()
        expect(cell("tags-intervention", row, 6)).to_contain_text("rejected")
        shot("06-tags-decided")

        # 5. Draft: the rejected intervention is gone; edit the goal's line in place; see its evidence.
        tab("draft")
        expect(page.locator("#copy-text textarea")).not_to_have_value(re.compile(re.escape(f"— {rejected}:")))
        lines = column("draft-items", 2)
        goal_row = next(i for i, text in enumerate(lines) if goal_quote[:30] in text)
        shot("07-draft")
        cell("draft-items", goal_row, 2).dblclick()
        editor = page.locator("#draft-items textarea, #draft-items input[type=text]").first
        editor.fill(EDITED)
        editor.press("Enter")
        expect(page.locator("#draft-message")).to_contain_text("Saved your wording")
        expect(cell("draft-items", goal_row, 4)).to_contain_text("edited")
        cell("draft-items", goal_row, 3).click()
        expect(page.locator("#item-info")).to_contain_text("It rests on")
        expect(page.locator("#item-text textarea")).to_have_value(EDITED)
        expect(page.locator("#item-audio audio").first).to_be_attached()
        shot("08-draft-edited-evidence")

        # Export DOCX and read the downloaded file.
        page.locator("#export-docx").click()
        link = page.locator("#download a").first
        link.wait_for()
        with page.expect_download() as download:
            link.click()
        docx_path = tmp_path / download.value.suggested_filename
        download.value.save_as(docx_path)
        expect(page.locator("#copy-text textarea")).to_have_value(re.compile(re.escape(EDITED)))
        shot("09-export")

        # 6. Sessions: the session is listed (encrypted in the store), with its state.
        tab("sessions")
        expect(cell("sessions", 0, 1)).to_have_text("C-1042")
        expect(cell("sessions", 0, 4)).to_have_text("drafted")
        shot("10-sessions")
    except Exception:
        shot("failure")
        raise
    finally:
        page.close()

    text = "\n".join(p.text for p in Document(str(docx_path)).paragraphs)
    assert docx_path.suffix == ".docx"
    assert EDITED in text
    assert f"— {rejected}:" not in text
    assert "Risk assessment" in text
    assert outside == [], f"the page fetched from outside the desk: {outside[:5]}"


def test_call_subtitles_opened_from_a_file_become_a_cited_draft_in_chromium(
    desk: Desk, browser, tmp_path: Path
) -> None:
    """No recording: open a video call's subtitles into the notes box, use them, and read the draft."""
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    call = tmp_path / "call.vtt"
    call.write_text(
        "WEBVTT\n\n00:00:03.000 --> 00:00:06.000\n<v Sam>What would you like to be different?</v>\n\n"
        "00:00:07.000 --> 00:00:12.000\n<v Dana>I want to get my driving licence back.</v>\n\n"
        "00:00:13.000 --> 00:00:16.000\n<v Sam>It sounds like getting around matters to you.</v>\n",
        encoding="utf-8",
    )
    page = browser.new_page()
    try:
        page.goto(desk.url)
        page.locator("#client-id input").wait_for(state="visible", timeout=60_000)
        page.locator("#client-id input").fill("C-2077")
        page.locator("#start-session").click()
        expect(page.locator("#status-line")).to_contain_text("C-2077")
        page.locator("#tab-capture-button").click()
        with page.expect_file_chooser() as chooser:
            page.locator("#notes-file").click()
        chooser.value.set_files(str(call))
        expect(page.locator("#notes textarea")).to_have_value(re.compile("<v Dana>I want to get"))
        page.locator("#use-notes").click()
        expect(page.locator("#capture-result")).to_contain_text(
            "conversation from text (Sam = worker, Dana = client"
        )
        page.locator("#tab-transcript-button").click()
        expect(page.locator("#segments")).to_contain_text("Dana (S2)")
        page.locator("#tab-draft-button").click()
        expect(page.locator("#copy-text textarea")).to_have_value(
            re.compile(re.escape('"I want to get my driving licence back" [00:07]'))
        )
        page.screenshot(path=str(ARTIFACTS / "11-subtitles-draft.png"), full_page=True)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure-subtitles.png"), full_page=True)
        raise
    finally:
        page.close()


GOAL_FIRST = """Worker: What would you like to be different by the summer?
Client: I want to get my driving licence back by the summer. Without it I can't get to work.
Worker: And at home?
Client: I want to stop shouting at my son when I get in.
"""
GOAL_SECOND = """Worker: How did the week go with the licence?
Client: I booked the driving course and paid the deposit on Monday.
Worker: And the lessons?
Client: I missed the first class because I had nobody to watch my son.
Worker: How is your neighbour doing?
Client: She repainted her kitchen, it looks lovely.
"""


def test_goals_panel_accepts_a_goal_and_shows_progress_in_the_next_draft_in_chromium(
    desk: Desk, browser
) -> None:
    """Session 1: accept the client's goal in the Goals panel. Session 2: its draft shows progress with
    evidence; reject a proposed link, mark the goal met."""
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()

    def session(text: str) -> None:
        page.locator("#tab-start-button").click()
        page.locator("#client-id input").fill("C-3101")
        page.locator("#start-session").click()
        expect(page.locator("#status-line")).to_contain_text("C-3101")
        page.locator("#tab-capture-button").click()
        page.locator("#notes textarea").fill(text)
        page.locator("#use-notes").click()
        expect(page.locator("#capture-result")).to_contain_text("conversation from text")
        page.locator("#tab-draft-button").click()
        expect(page.locator("#goals-panel")).to_be_visible()

    def choose(elem_id: str, pattern: str) -> None:
        page.locator(f"#{elem_id} input").click()
        page.get_by_role("option", name=re.compile(pattern)).first.click()

    try:
        page.goto(desk.url)
        page.locator("#client-id input").wait_for(state="visible", timeout=60_000)
        session(GOAL_FIRST)
        expect(page.locator("#goals-list")).to_contain_text("No goals on file for this client yet")
        choose("goal-offer", "driving licence back")
        page.locator("#goal-wording textarea").fill("Regain driving licence")
        page.locator("#goal-accept").click()
        expect(page.locator("#goals-message")).to_contain_text("Goal on file as a new goal")
        expect(page.locator("#goals-list")).to_contain_text(
            "I want to get my driving licence back by the summer"
        )
        page.screenshot(path=str(ARTIFACTS / "12-goal-accepted.png"), full_page=True)

        session(GOAL_SECOND)
        expect(page.locator("#copy-text textarea")).to_have_value(
            re.compile(
                re.escape("Goal stated")
                + r".*"
                + re.escape(
                    '"I want to get my driving licence back by the summer" (worker\'s wording: Regain driving licence) — this session:'
                )
                + r".*"
                + re.escape('"I booked the driving course and paid the deposit on Monday."')
            )
        )
        expect(page.locator("#goals-list")).to_contain_text("I booked the driving course")
        page.screenshot(path=str(ARTIFACTS / "13-goal-progress.png"), full_page=True)
        # reject the link to the booked course: the draft says the goal was not discussed
        choose("goal-link", "booked the driving course")
        page.locator("#link-reject").click()
        expect(page.locator("#goals-message")).to_contain_text("Link rejected")
        # link it again by hand, then mark the goal met
        choose("link-goal", "driving licence")
        page.locator("#link-quote textarea").fill("I booked the driving course")
        page.locator("#link-add").click()
        expect(page.locator("#goals-message")).to_contain_text("Linked")
        expect(page.locator("#copy-text textarea")).to_have_value(
            re.compile(re.escape('progress: "I booked the driving course"'))
        )
        choose("status-goal", "driving licence")
        choose("goal-status", "^met$")
        page.locator("#status-set").click()
        expect(page.locator("#goals-message")).to_contain_text("is now met")
        expect(page.locator("#goals-list")).to_contain_text("met")
        page.screenshot(path=str(ARTIFACTS / "14-goal-met.png"), full_page=True)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure-goals.png"), full_page=True)
        raise
    finally:
        page.close()


def test_desk_made_no_outside_connection_and_wipes_plain_files_on_stop(desk: Desk) -> None:
    """Last (file order): the server never tried the network, and Ctrl-C leaves no plain copies behind."""
    desk.proc.send_signal(signal.SIGINT)
    desk.proc.wait(60)
    attempts = desk.netlog.read_text().splitlines() if desk.netlog.exists() else []
    assert attempts == [], attempts
    cache = desk.home / "ui-cache"
    left = [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []
    assert left == [], f"plain files left after stopping: {left}"
    assert (desk.home / "store.sqlite3").is_file()
