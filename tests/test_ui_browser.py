"""The review desk in a real browser: `scribe ui` on 127.0.0.1, driven by headless Debian chromium.

No mocks: the real CLI starts the real app (tiny.en model, the real tagger, a
real encrypted store with cheap KDF settings) under the network guard, and
Playwright uploads the bundled sample session, reviews it, edits the draft and
exports it. Each step leaves a screenshot in test-artifacts/ui/.
"""

from __future__ import annotations

import http.cookiejar
import json
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
from note_fixtures import LICENCE_SECOND_SESSION

ROOT = Path(__file__).resolve().parents[1]
GUARD = Path(__file__).parent / "netguard"
ARTIFACTS = ROOT / "test-artifacts" / "ui"
PASSPHRASE = "browser test passphrase"
REBOUND = "rebound.test"
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
    # A name that resolves to 127.0.0.1, as a DNS-rebinding page's name would.
    f"--host-resolver-rules=MAP {REBOUND} 127.0.0.1",
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
    """A running `scribe ui` process, the address it printed (with its launch key), and where it keeps its data."""

    def __init__(
        self, proc: subprocess.Popen, url: str, token: str, home: Path, log: Path, netlog: Path, port: int
    ):
        self.proc, self.url, self.token, self.home = proc, url, token, home
        self.log, self.netlog, self.port = log, netlog, port

    @property
    def address(self) -> str:
        """What the worker opens: the desk with this launch's key."""
        return f"{self.url}?token={self.token}"


def typed_session(page, client: str, text: str) -> None:
    """Start a session for ``client`` on the Start tab and give it ``text`` as a typed conversation."""
    from playwright.sync_api import expect

    page.locator("#client-id input").fill(client)
    page.locator("#start-session").click()
    expect(page.locator("#status-line")).to_contain_text(client)
    page.locator("#tab-capture-button").click()
    page.locator("#notes textarea").fill(text)
    page.locator("#use-notes").click()
    expect(page.locator("#capture-result")).to_contain_text("Done: a typed conversation")
    # the desk then opens the transcript by itself: go on only after it has
    expect(page.locator("#transcript-head")).to_be_visible()


def export_docx(page, folder: Path) -> Path:
    """Export the draft as DOCX from the Draft tab and save the download in ``folder``."""
    page.locator("#export-docx").click()
    link = page.locator("#download a").first
    link.wait_for()
    with page.expect_download() as download:
        link.click()
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return path


def unlock(page, desk: Desk) -> None:
    """Open the desk as the worker does and unlock it through the page (a new page is always locked)."""
    from playwright.sync_api import expect

    page.goto(desk.address)
    page.locator("#passphrase input").wait_for(state="visible", timeout=60_000)
    expect(page.locator("#client-id input")).to_be_hidden()  # $SCRIBE_PASSPHRASE is set, and ignored
    page.locator("#passphrase input").fill(PASSPHRASE)
    page.locator("#passphrase-confirm input").fill(PASSPHRASE)  # only read when the store is new
    page.locator("#unlock").click()
    expect(page.locator("#start-message")).to_contain_text(re.compile("Unlocked|created"), timeout=60_000)


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
        PYTHONPATH=os.pathsep.join(filter(None, [str(GUARD), os.environ.get("PYTHONPATH")])),
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
        printed = re.search(r"http://127\.0\.0\.1:\d+/\?token=([\w-]+)", log.read_text())
        try:
            if printed and get(f"{url}config?token={printed[1]}")[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"scribe ui did not answer on {url}:\n{log.read_text()[-3000:]}")
    yield Desk(proc, url, printed[1], home, log, netlog, port)
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
        status, _ = get(f"{desk.url}gradio_api/file={secret}?token={desk.token}")
        assert status in (403, 404), f"{secret} was served"
    status, body = get(f"{desk.url}config?token={desk.token}")
    assert status == 200
    assert b'"analytics_enabled":false' in body.replace(b" ", b"")


def own_line_of(kind: str) -> re.Pattern[str]:
    """A draft line of its own for an intervention kind ("- Worker affirmed the client (...)"); a
    sentence two kinds share ("Worker used reflections") is no kind's own line."""
    from note_formats.common import INTERVENTION_TITLES, INTERVENTION_USED

    subtype = {title: key for key, title in INTERVENTION_TITLES.items()}.get(kind, "")
    said = INTERVENTION_USED.get(subtype, f"Worker used {kind[:1].lower()}{kind[1:]}")
    shared = list(INTERVENTION_USED.values()).count(said) > 1
    said = "(?!)" if shared else re.escape(said)  # "(?!)" never matches
    return re.compile(rf"^- {said}[. ]", re.MULTILINE)  # a flag, not "(?m)": the browser reads it


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
    # The page must work inside its own Content-Security-Policy and the guard's allow-list.
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)

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
        # 1. Start: the page opens locked although $SCRIBE_PASSPHRASE is set; the worker unlocks it.
        unlock(page, desk)
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
        # (the draft's sentences give each technique a line of its own: "- Worker asked open questions. [00:03]")
        own_line = [
            i for i, k in enumerate(kinds) if kinds.count(k) == 1 and own_line_of(k).search(draft_before)
        ]
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
        expect(page.locator("#copy-text textarea")).not_to_have_value(own_line_of(rejected))
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
        docx_path = export_docx(page, tmp_path)
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
    assert blocked == [], blocked[:3]
    # Refused, and not needed: gradio's own start-up probe (HEAD /, before any page) and the web-app
    # manifest, which browsers fetch without cookies (the desk is not an installable app).
    refused = set(re.findall(r"desk refused (\S+ \S+):", desk.log.read_text()))
    assert refused <= {"HEAD /", "GET /manifest.json"}, (
        f"the guard refused part of the desk's page: {refused}"
    )


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
        unlock(page, desk)
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
            re.compile(re.escape('"I want to get my driving licence back"') + r"\.? \[00:07\]")
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
Client: I want to spend more evenings at home with my son.
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
        typed_session(page, "C-3101", text)
        page.locator("#tab-draft-button").click()
        expect(page.locator("#goals-panel")).to_be_visible()

    def choose(elem_id: str, pattern: str) -> None:
        page.locator(f"#{elem_id} input").click()
        page.get_by_role("option", name=re.compile(pattern)).first.click()

    try:
        unlock(page, desk)
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

        session(LICENCE_SECOND_SESSION)
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


def request(desk: Desk, path: str, *, method: str = "GET", body: bytes | None = None, **headers: str):
    """Status, headers and body of one request to the desk (urllib sends the Host header given)."""
    req = urllib.request.Request(f"{desk.url}{path}", data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


AGENCY_TEMPLATE = """\
name = "harbor"
title = "Harbor Family Services progress note"
header = ["client", "date", "worker"]
header_blanks = ["Program"]

[[sections]]
heading = "Presenting problem"
content = ["client_report", "goals"]

[[sections]]
heading = "Services provided"
content = ["interventions", "observations"]

[[sections]]
heading = "Safety"
content = ["risk"]

[[sections]]
key = "plan"
heading = "Plan"
content = ["plans"]

[[sections]]
key = "attestation"
heading = "Attestation"
fixed = "I attest that this note reflects the service provided."
fields = ["Clinician signature"]
"""
TEMPLATE_SESSION = """Worker: What would you like to work on today?
Client: I have been sleeping four hours a night because I worry about the rent.
Worker: It sounds like the money worries follow you to bed.
Client: I want to get back on my feet.
Worker: For this week, could you write down your worries before bed?
Client: Yes, I will write them down every night.
"""
SIGNED = "Clinician signature: J. Rivera, LCSW"


def test_a_template_file_is_loaded_drafted_edited_and_exported_in_chromium(
    desk: Desk, browser, tmp_path: Path
) -> None:
    """An agency's note template, written only as a file: loaded on the Draft tab, drafted, a blank
    filled in, exported as DOCX; it stays in the worker's template folder."""
    from docx import Document
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    template = tmp_path / "harbor.toml"
    template.write_text(AGENCY_TEMPLATE, encoding="utf-8")
    page = browser.new_page()
    try:
        unlock(page, desk)
        page.locator("#client-id input").wait_for(state="visible", timeout=60_000)
        typed_session(page, "C-4410", TEMPLATE_SESSION)
        # drafting waits for every risk indicator the tagger raised: the worker decides each
        page.locator("#tab-tags-button").click()
        expect(page.locator("#tags-head")).to_contain_text("Tags:")
        for row in range(page.locator('#tags-risk [role=gridcell][data-testid$="-0"]').count()):
            page.locator(f'#tags-risk [data-testid="cell-{row}-4"]').click()
            page.locator("#tag-accept").click()
            expect(page.locator(f'#tags-risk [data-testid="cell-{row}-6"]')).to_contain_text("accepted")
        page.locator("#tab-draft-button").click()
        with page.expect_file_chooser() as chooser:
            page.locator("#template-file").click()
        chooser.value.set_files(str(template))
        expect(page.locator("#draft-message")).to_contain_text("Template loaded: Harbor Family Services")
        expect(page.get_by_label("Harbor Family Services progress note")).to_be_checked()
        page.locator("#make-draft").click()
        expect(page.locator("#draft-head")).to_contain_text("Harbor Family Services progress note")
        copy = page.locator("#copy-text textarea")
        expect(copy).to_have_value(re.compile(r"PRESENTING PROBLEM\n- .*\[¶\d"))
        expect(copy).to_have_value(
            re.compile(re.escape("I attest that this note reflects the service provided."))
        )
        page.screenshot(path=str(ARTIFACTS / "12-template-draft.png"), full_page=True)

        lines = [
            t.strip()
            for t in page.locator('#draft-items [data-testid$="-2"][role=gridcell]').all_inner_texts()
        ]
        row = lines.index("Clinician signature: ________")
        signature = page.locator(f'#draft-items [data-testid="cell-{row}-2"]')
        signature.scroll_into_view_if_needed()  # the last row may sit under the table's lower edge
        signature.dblclick()
        editor = page.locator("#draft-items textarea, #draft-items input[type=text]").first
        editor.fill(SIGNED)
        editor.press("Enter")
        expect(page.locator("#draft-message")).to_contain_text("Saved your wording")
        expect(page.locator(f'#draft-items [data-testid="cell-{row}-4"]')).to_contain_text("yours")

        docx_path = export_docx(page, tmp_path)
        page.screenshot(path=str(ARTIFACTS / "13-template-exported.png"), full_page=True)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure-template.png"), full_page=True)
        raise
    finally:
        page.close()
    doc = Document(str(docx_path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == [
        "Harbor Family Services progress note",
        "Presenting problem",
        "Services provided",
        "Safety",
        "Plan",
        "Attestation",
    ]
    body = "\n".join(p.text for p in doc.paragraphs)
    assert f"{SIGNED} [added by worker]" in body and "Program: ________" in body
    assert "Client: C-4410" in body
    assert (desk.home / "templates" / "harbor.toml").read_text(encoding="utf-8") == AGENCY_TEMPLATE


def test_requests_without_the_key_from_a_foreign_host_or_to_the_api_are_refused(desk: Desk) -> None:
    key = f"token={desk.token}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{desk.url}?{key}", timeout=10) as resp:  # 303 to "/" with the key as a cookie
        assert resp.status == 200 and resp.url == desk.url and b"<html" in resp.read()
    assert [c.name for c in jar] == [f"scribe-desk-{desk.port}"]
    for path in ("", "config", "gradio_api/info", f"gradio_api/file={desk.home / 'store.sqlite3'}"):
        status, _, body = request(desk, path)
        assert status == 401 and b"no launch key" in body, (path, status, body[:200])
    join = json.dumps({"fn_index": 0, "data": [PASSPHRASE, ""], "session_hash": "x"}).encode()
    status, _, body = request(desk, "gradio_api/queue/join", method="POST", body=join)
    assert status == 401 and b"no launch key" in body
    # A DNS-rebinding page sends its own name as Host, even when it has the key.
    status, _, body = request(desk, f"config?{key}", Host=f"attacker.example:{desk.port}")
    assert status == 403 and b"Host" in body
    # The key does not open gradio's API routes, nor a handler the page does not wire.
    for path in (
        "gradio_api/info",
        "gradio_api/openapi.json",
        "gradio_api/call/unlock",
        "gradio_api/mcp/sse",
    ):
        status, _, body = request(desk, f"{path}?{key}", method="POST" if "call" in path else "GET")
        assert status == 403 and b"not a path the desk's page uses" in body, (path, status)
    bad = json.dumps({"fn_index": 10_000, "data": [], "session_hash": "x"}).encode()
    status, _, body = request(desk, f"gradio_api/queue/join?{key}", method="POST", body=bad)
    assert status == 403 and b"not one the page uses" in body
    # Every answer keeps out of frames and referrers, and lets the page load only from itself.
    status, headers, _ = request(desk, f"config?{key}")
    assert status == 200
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"


ATTACKER_PAGE = """<!doctype html><title>another site</title>
<script>
const desk = "DESK";
window.results = {};
async function attempt(name, f) {
  try { window.results[name] = await f(); } catch (e) { window.results[name] = "blocked: " + e.name; }
}
const join = (hash) => JSON.stringify({fn_index: FN, data: [null], session_hash: hash, trigger_id: null});
(async () => {
  await attempt("read_config", async () => {
    const r = await fetch(desk + "config", {credentials: "include"});
    return r.status + " " + (await r.text()).slice(0, 300);
  });
  await attempt("run_handler", async () => {
    const r = await fetch(desk + "gradio_api/queue/join", {method: "POST", credentials: "include",
      headers: {"content-type": "application/json"}, body: join("attacker-1")});
    return r.status + " " + (await r.text()).slice(0, 300);
  });
  await attempt("blind_post", async () => {
    const r = await fetch(desk + "gradio_api/queue/join",
      {method: "POST", mode: "no-cors", credentials: "include", body: join("attacker-2")});
    return "sent, answer " + r.type;
  });
  document.getElementById("form").submit();
  window.results.done = true;
})();
</script>
<iframe id="framed" src="DESK"></iframe>
<form id="form" method="POST" action="DESKgradio_api/queue/join" enctype="text/plain" target="sink">
<input name='{"fn_index": FN, "session_hash": "attacker-3", "data": [null], "x": "' value='"}'></form>
<iframe name="sink"></iframe>
"""


def test_a_page_from_another_origin_cannot_read_or_drive_the_desk_in_chromium(desk: Desk, browser) -> None:
    """Another local port (another origin, same site) and a rebound name get nothing, even in the worker's browser.

    The browser already holds the desk's cookie (earlier tests unlocked it), so this is
    the worker's own browser visiting a hostile page while the desk is open.
    """
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from playwright.sync_api import expect

    config = json.loads(request(desk, f"config?token={desk.token}")[2])
    on_load = next(d["id"] for d in config["dependencies"] if any(t[1] == "load" for t in d["targets"]))
    html = ATTACKER_PAGE.replace("DESK", desk.url).replace("FN", str(on_load)).encode()

    class Attacker(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Attacker)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    before = desk.log.read_text()
    page = browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        page.wait_for_function("window.results && window.results.done === true", timeout=30_000)
        page.wait_for_timeout(1000)  # let the form post and the frame settle (not a timing assertion)
        results = page.evaluate("window.results")
        framed = page.frame_locator("#framed")
        expect(framed.locator("#passphrase")).to_have_count(0)
        sink = next(f for f in page.frames if f.name == "sink")
        sink_text = sink.content()
        page.screenshot(path=str(ARTIFACTS / "12-attacker-page.png"), full_page=True)

        # A name rebound to 127.0.0.1 is refused even with the launch key in the address.
        response = page.goto(f"http://{REBOUND}:{desk.port}/?token={desk.token}")
        assert response is not None and response.status == 403
        assert "is not this computer's desk" in page.content()
    finally:
        page.close()
        server.shutdown()
        server.server_close()

    for name in ("read_config", "run_handler"):
        assert results[name].startswith(("blocked", "403")), (name, results[name])
        assert "components" not in results[name] and "event_id" not in results[name]
    assert "review desk" not in sink_text
    refused = desk.log.read_text()[len(before) :]
    origin = f"a page from 'http://127.0.0.1:{server.server_port}' may not use the desk"
    for what in ("GET /config", "POST /gradio_api/queue/join"):
        assert f"desk refused {what}: {origin}" in refused, refused[-2000:]
    # Two fetches and the form each reached the desk and were refused; the frame was refused too.
    assert (
        refused.count(f"POST /gradio_api/queue/join: {origin}")
        + refused.count("POST /gradio_api/queue/join: a same-site request")
        >= 3
    ), refused[-2000:]
    assert "GET /: a same-site request may not use the desk" in refused, refused[-2000:]
    assert f"Host '{REBOUND}:{desk.port}' is not this computer's desk" in refused


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
