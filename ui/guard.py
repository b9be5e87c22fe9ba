"""The desk answers its own page only: a gate in front of gradio's server (pure ASGI, so streams pass).

Listening on 127.0.0.1 keeps other computers out, but not other pages in the
worker's browser: any web page can send requests to 127.0.0.1, and a page whose
name is re-pointed at 127.0.0.1 (DNS rebinding) even counts as the desk's own
origin. So every request must pass, in order:

1. ``Host`` is 127.0.0.1 or localhost (with the desk's port): a rebinding page
   sends its own name.
2. No other origin: a browser marks requests a page makes (``Origin``,
   ``Sec-Fetch-Site``); anything but the desk's own origin, or the worker typing
   the address, is refused. Another port on 127.0.0.1 is another origin.
3. The launch key: a per-launch secret in the address ``scribe ui`` prints (as
   Jupyter does). The first visit with ``?token=`` trades it for an HttpOnly,
   SameSite=Strict cookie and reloads the page without it; every later request
   (page, files, queue) needs that cookie or the token.
4. Only what the page uses: an allow-list of paths (no ``/gradio_api/call``,
   ``/run``, ``/api``, ``/info``, MCP or docs), and queue calls only for the
   event handlers the page wires to its components.

Every answer carries headers that keep it out of frames and other pages'
referrers, and a Content-Security-Policy that lets the page load only from itself.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOCAL_HOSTS = ("127.0.0.1", "localhost")
#: What gradio's page needs: its own scripts and styles (some inline), media as blob/data URLs.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
#: Paths the page itself requests (exact, or prefixes ending in "/" or "=").
PAGE_PATHS = ("/", "/config", "/theme.css", "/favicon.ico", "/manifest.json")
PAGE_PREFIXES = (
    "/assets/",
    "/static/",
    "/svelte/",
    "/gradio_api/queue/data",
    "/gradio_api/heartbeat/",
    "/gradio_api/upload",
    "/gradio_api/upload_progress",
    "/gradio_api/file=",
    "/gradio_api/cancel",
    "/gradio_api/startup-events",
)
QUEUE_JOIN = "/gradio_api/queue/join"
#: Refused with 401 (credentials missing), everything else with 403 (not allowed at all).
NO_KEY = "no launch key: open the address `scribe ui` printed"
#: The server's own readiness probe at launch: no token, answers only true / false.
STARTUP_PROBE = "/gradio_api/startup-events"
#: A queue call's body is the inputs of one event (notes text up to a few MB).
MAX_QUEUE_BODY = 64 * 1024 * 1024


def page_handlers(blocks: Any) -> frozenset[int]:
    """The ids of the event handlers the page triggers (every one wired to a component or page load)."""
    return frozenset(fn_id for fn_id, fn in blocks.fns.items() if fn.targets)


class DeskGuard:
    """ASGI middleware enforcing the rules in the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        port: int,
        token: str,
        handlers: Callable[[], Collection[int]],
    ) -> None:
        self.app, self.port, self.token, self.handlers = app, port, token, handlers
        self.cookie = f"scribe-desk-{port}"
        self.origins = {f"http://{host}:{port}" for host in LOCAL_HOSTS}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope.get("path", "")
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        refusal = self.refusal(scope, headers, path, query)
        if refusal is not None:
            log.warning("desk refused %s %s: %s", scope.get("method", "WS"), path, refusal)
            await self.refuse(scope, send, refusal)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        if self.secret_matches(query.get("token", "")) and scope["method"] == "GET" and path == "/":
            await self.trade_token_for_cookie(query, send)
            return
        if path == QUEUE_JOIN:
            receive, refusal = await self.check_queue_call(receive)
            if refusal is not None:
                log.warning("desk refused %s: %s", path, refusal)
                await self.refuse(scope, send, refusal)
                return
        await self.app(scope, receive, with_headers(send))

    def secret_matches(self, candidate: str) -> bool:
        return bool(candidate) and hmac.compare_digest(candidate.encode(), self.token.encode())

    def refusal(self, scope: Scope, headers: dict[str, str], path: str, query: dict[str, str]) -> str | None:
        """Why this request is refused, or None to let it through."""
        host = headers.get("host", "")
        if host not in {h for name in LOCAL_HOSTS for h in (name, f"{name}:{self.port}")}:
            return f"Host {host!r} is not this computer's desk"
        origin = headers.get("origin")
        if origin is not None and origin not in self.origins:
            return f"a page from {origin!r} may not use the desk"
        if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return f"a {headers['sec-fetch-site']} request may not use the desk"
        if scope["type"] == "http" and scope["method"] == "GET" and path == STARTUP_PROBE:
            return None
        if not (self.secret_matches(query.get("token", "")) or self.secret_matches(self.cookie_of(headers))):
            return NO_KEY
        if path != QUEUE_JOIN and path not in PAGE_PATHS and not path.startswith(PAGE_PREFIXES):
            return "not a path the desk's page uses"
        return None

    def cookie_of(self, headers: dict[str, str]) -> str:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is simply no key
            return ""
        morsel = jar.get(self.cookie)
        return morsel.value if morsel is not None else ""

    async def trade_token_for_cookie(self, query: dict[str, str], send: Send) -> None:
        """Set the key as a cookie and reload the page without it in the address."""
        rest = urlencode({k: v for k, v in query.items() if k != "token"})
        cookie = f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict"
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", ("/" + (f"?{rest}" if rest else "")).encode()),
                    (b"set-cookie", cookie.encode()),
                    (b"cache-control", b"no-store"),
                    (b"content-length", b"0"),
                    *SECURITY_HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    async def check_queue_call(self, receive: Receive) -> tuple[Receive, str | None]:
        """Read a queue call's body: only a handler the page wires may run. Returns a replaying receive."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > MAX_QUEUE_BODY:
                return receive, "the request is too large"
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            fn_index = json.loads(body).get("fn_index")
        except (ValueError, AttributeError, RecursionError):
            return receive, "the request is not a queue call"
        if type(fn_index) is not int or fn_index not in self.handlers():
            return receive, f"handler {fn_index!r} is not one the page uses"
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay, None

    async def refuse(self, scope: Scope, send: Send, reason: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = f"Refused: {reason}.\n".encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401 if reason == NO_KEY else 403,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                    *SECURITY_HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def with_headers(send: Send) -> Send:
    """``send`` that adds the security headers to the response (replacing any of the same name)."""
    names = {name for name, _ in SECURITY_HEADERS}

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
            message = {**message, "headers": [*kept, *SECURITY_HEADERS]}
        await send(message)

    return wrapped
