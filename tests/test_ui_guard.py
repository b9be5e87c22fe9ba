"""The desk's gate, request by request, in front of a small app that echoes what reaches it.

The browser test (test_ui_browser.py) shows the same gate in front of the real desk
in Chromium; these pin each rule down without a browser.
"""

from __future__ import annotations

import json

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from ui.guard import DeskGuard

PORT = 7861
KEY = "k" * 43
DESK = f"http://127.0.0.1:{PORT}"


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"path": request.url.path, "body": (await request.body()).decode()})


@pytest.fixture
def client() -> TestClient:
    routes = [Route("/{path:path}", echo, methods=["GET", "POST", "HEAD"])]
    guard = Middleware(DeskGuard, port=PORT, token=KEY, handlers=lambda: {0, 1, 2})
    app = Starlette(routes=routes, middleware=[guard])
    return TestClient(app, base_url=DESK, follow_redirects=False)


def with_key(client: TestClient) -> TestClient:
    client.cookies.set(f"scribe-desk-{PORT}", KEY)
    return client


def test_the_key_in_the_address_becomes_a_cookie_and_leaves_the_address(client: TestClient) -> None:
    first = client.get(f"/?token={KEY}&__theme=dark")
    assert first.status_code == 303 and first.headers["location"] == "/?__theme=dark"
    cookie = first.headers["set-cookie"]
    assert f"scribe-desk-{PORT}={KEY}" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/").json()["path"] == "/"  # the cookie alone opens the page now


@pytest.mark.parametrize("cookie", ["", "scribe-desk-7861=wrong", 'scribe-desk-7861="; x', "other=" + KEY])
def test_without_the_key_nothing_answers(client: TestClient, cookie: str) -> None:
    for path in ("/", "/config", "/gradio_api/file=/etc/passwd"):
        response = client.get(path, headers={"cookie": cookie} if cookie else {})
        assert response.status_code == 401 and "no launch key" in response.text
    response = client.post("/gradio_api/queue/join", content=json.dumps({"fn_index": 0}))
    assert response.status_code == 401


@pytest.mark.parametrize(
    "host", ["attacker.example", f"attacker.example:{PORT}", "127.0.0.2", f"127.0.0.1:{PORT + 1}", ""]
)
def test_a_foreign_host_is_refused_even_with_the_key(client: TestClient, host: str) -> None:
    response = with_key(client).get(f"/config?token={KEY}", headers={"host": host})
    assert response.status_code == 403 and "is not this computer's desk" in response.text


@pytest.mark.parametrize("host", [f"127.0.0.1:{PORT}", f"localhost:{PORT}", "localhost", "127.0.0.1"])
def test_loopback_names_are_the_desk(client: TestClient, host: str) -> None:
    assert with_key(client).get("/config", headers={"host": host}).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": f"http://127.0.0.1:{PORT + 1}"},
        {"origin": "http://attacker.example"},
        {"origin": "null"},
        {"sec-fetch-site": "same-site"},
        {"sec-fetch-site": "cross-site"},
    ],
)
def test_another_origin_is_refused_even_with_the_cookie(client: TestClient, headers: dict[str, str]) -> None:
    for method in ("GET", "POST"):
        response = with_key(client).request(method, "/config", headers=headers)
        assert response.status_code == 403 and "may not use the desk" in response.text


@pytest.mark.parametrize(
    "headers",
    [{"origin": DESK}, {"origin": f"http://localhost:{PORT}"}, {"sec-fetch-site": "same-origin"}, {}],
)
def test_the_desks_own_page_passes(client: TestClient, headers: dict[str, str]) -> None:
    assert with_key(client).get("/config", headers=headers).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/gradio_api/info", "/gradio_api/call/unlock", "/gradio_api/run/predict", "/gradio_api/api/x",
     "/gradio_api/mcp/sse", "/monitoring", "/docs", "/openapi.json", "/gradio_api/proxy=http://x"],
)  # fmt: skip
def test_paths_the_page_does_not_use_are_closed(client: TestClient, path: str) -> None:
    response = with_key(client).post(path, content="{}")
    assert response.status_code == 403 and "not a path the desk's page uses" in response.text


def test_the_queue_runs_only_the_pages_handlers_and_gets_the_body_intact(client: TestClient) -> None:
    with_key(client)
    body = json.dumps({"fn_index": 2, "data": ["x" * 100_000], "session_hash": "s"})
    passed = client.post("/gradio_api/queue/join", content=body)
    assert passed.status_code == 200 and passed.json()["body"] == body
    for bad in ('{"fn_index": 3}', '{"fn_index": "1"}', '{"fn_index": true}', "[1]", "not json", "{}"):
        response = client.post("/gradio_api/queue/join", content=bad)
        assert response.status_code == 403, bad


def test_every_answer_keeps_out_of_frames_and_referrers(client: TestClient) -> None:
    for response in (with_key(client).get("/config"), client.get("/x", headers={"host": "evil"})):
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_the_servers_readiness_probe_needs_no_key_but_a_local_host(client: TestClient) -> None:
    assert client.get("/gradio_api/startup-events").status_code == 200
    assert client.get("/gradio_api/startup-events", headers={"host": "evil"}).status_code == 403
