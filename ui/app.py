"""The review desk: a gradio Blocks app with one tab per step, served on 127.0.0.1 only.

    from ui.app import launch
    launch(port=7860)            # what `scribe ui` runs

Hardening, because the desk shows client data on a shared machine: bound to 127.0.0.1, no share link, no analytics, no run
history kept in the browser, no monitoring or MCP endpoints, no public API for
the handlers, a gate that serves only the worker's own page (``ui/guard.py``:
Host check, launch key, no other origin, security headers), every new page
locked until the worker unlocks it, an upload size limit, and gradio's file cache moved into a private
folder of the data directory that is wiped when the app starts and stops. The
encrypted store and its audio folder are explicitly blocked from being served.
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import signal
import threading
import time
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from scribe.asr.models import DEFAULT_MODEL
from scribe.core.paths import audio_dir, data_dir, store_file
from ui import capture, draft, sessions, start, tags, transcript
from ui.guard import DeskGuard, page_handlers
from ui.state import (
    MODEL_ENV,
    Desk,
    cache_dir,
    close_desk,
    handler_kwargs,
    session_line,
    user_errors,
    wipe_dir,
)
from ui.wiring import TabView, Wiring

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
DEFAULT_PORT = 7860
#: Largest upload accepted: about two hours of 44.1 kHz stereo WAV.
DEFAULT_MAX_UPLOAD = "1500mb"
#: The notes lock (store closed, plain files wiped) after this long without any action in a tab.
IDLE_LOCK_SECONDS = 4 * 3600
TAB_BUILDERS = (start.build, capture.build, transcript.build, tags.build, draft.build, sessions.build)

#: A quiet look: system fonts (nothing fetched from the web), roomy text, soft colours.
CSS = """
.gradio-container { max-width: 1180px !important; margin: auto; font-size: 16px; }
#status-line { padding: 6px 12px; border-radius: 8px; background: var(--background-fill-secondary); }
.prose p, .prose li { line-height: 1.55; }
.step-title { padding: 10px 12px 0 12px; }
.detail { padding: 8px 12px; }
/* Media and file blocks inside groups otherwise get a thick dark frame. */
#download, #item-audio, #segment-audio, #tag-audio, #dictate-line, #dictate-capture, #mic, #upload {
  border: 1px solid var(--border-color-primary) !important;
}
#tag-panel { position: sticky; top: 0; z-index: 20; box-shadow: 0 2px 6px rgba(0, 0, 0, 0.08); }
footer { display: none !important; }
"""


def theme() -> gr.themes.Base:
    return gr.themes.Soft(
        primary_hue="teal",
        neutral_hue="slate",
        font=["system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"],
        # Tables use the "mono" font: the same calm sans-serif reads better for sentences.
        font_mono=["system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"],
    )


def prepare_cache() -> Path:
    """Point gradio's upload/download cache at the UI's private folder, emptied of leftovers."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    wipe_dir(cache_dir())  # a crashed earlier run may have left plain files
    cache = cache_dir()
    os.environ["GRADIO_TEMP_DIR"] = str(cache)
    return cache


def build_app(model: str | None = None) -> gr.Blocks:
    """The Blocks app (not started). ``model`` defaults to ``$SCRIBE_MODEL`` or the default model."""
    model = model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL
    with gr.Blocks(title="session-scribe", analytics_enabled=False, delete_cache=(3600, 6 * 3600)) as app:
        # Per-browser-tab state; after 4 hours without any action it is dropped, which locks the notes.
        desk = gr.State(Desk(model=model), time_to_live=IDLE_LOCK_SECONDS, delete_callback=close_desk)
        gr.Markdown("## session-scribe — review desk\nEverything stays on this computer.")
        status = gr.Markdown(elem_id="status-line")
        with gr.Tabs(selected="start") as tabs:
            w = Wiring(desk, tabs)
            views: list[TabView] = [build(w) for build in TAB_BUILDERS]
        outputs = [status] + [c for v in views for c in v.views]

        @user_errors
        def render_all(d: Desk) -> list[Any]:
            values: list[Any] = [session_line(d)]
            for v in views:
                values += v.render(d)
            return values

        for dep in w.deps:
            dep.then(render_all, [desk], outputs, show_progress="hidden", **handler_kwargs())
        # A new page starts locked: the worker unlocks it, never the environment.
        app.load(render_all, [desk], outputs, show_progress="hidden", **handler_kwargs())
    return app


#: After Ctrl-C, the server gets this long to close its connections and finish.
STOP_GRACE_SECONDS = 10.0


def stop_promptly_on_ctrl_c(cache: Path, grace: float = STOP_GRACE_SECONDS) -> threading.Event:
    """Make Ctrl-C (and SIGTERM) stop the desk within ``grace`` seconds, plain files wiped.

    The signal only sets the returned event: the desk's main thread waits on it and
    closes the server, so a signal that arrives while the desk is still starting
    stops it just as cleanly. The interpreter would then wait for open browser
    connections and for any transcription still running in a worker thread, which
    can take minutes. The store loses nothing by an early exit (SQLite commits are
    durable), so after the grace period we wipe the plain cache and leave. A second
    Ctrl-C interrupts at once.
    """
    stop = threading.Event()

    def force_exit() -> None:
        time.sleep(grace)
        wipe_dir(cache)
        os._exit(0)

    def on_signal(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        threading.Thread(target=force_exit, name="desk-stop", daemon=True).start()
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    # A logout or `kill` sends SIGTERM, whose default ends the process without running atexit:
    # it must stop the desk the same way, so no uploaded plain audio outlives it.
    signal.signal(signal.SIGTERM, on_signal)
    return stop


def wait_for(stop: threading.Event) -> None:
    """Block the main thread until ``stop`` is set (a timed wait, so signal handlers run promptly)."""
    while not stop.wait(0.5):
        pass


def launch(
    port: int = DEFAULT_PORT,
    *,
    model: str | None = None,
    max_file_size: str | int = DEFAULT_MAX_UPLOAD,
    block: bool = True,
    token: str | None = None,
) -> gr.Blocks:
    """Start the desk on http://127.0.0.1:PORT. With ``block=False`` it returns the running app.

    Only pages opened with ``token`` (the launch key, see ``launch_url``) can use it;
    without one, a new key is made and nobody can open the desk.
    """
    token = token or new_token()
    cache = prepare_cache()
    atexit.register(wipe_dir, cache)  # also after Ctrl-C, which ends the blocking launch below
    # The desk blocks on its own stop event, not in gradio's loop, when it owns the signals.
    stop = (
        stop_promptly_on_ctrl_c(cache)
        if block and threading.current_thread() is threading.main_thread()
        else None
    )
    app = build_app(model)
    home = data_dir()
    app.launch(
        server_name=HOST,
        server_port=port,
        share=False,
        inbrowser=False,
        max_file_size=max_file_size,
        allowed_paths=[],
        blocked_paths=[str(store_file(home)), str(audio_dir(home))],
        show_error=False,
        footer_links=[],
        run_history=False,
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
        pwa=False,
        quiet=True,
        theme=theme(),
        css=CSS,
        prevent_thread_lock=not block or stop is not None,
        app_kwargs={
            "middleware": [Middleware(DeskGuard, port=port, token=token, handlers=lambda: page_handlers(app))]
        },
    )
    if stop is not None:
        wait_for(stop)
        app.close()
    return app


def new_token() -> str:
    """A fresh launch key: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def launch_url(port: int, token: str) -> str:
    """The address that opens the desk (its launch key trades for a cookie at the first visit)."""
    return f"http://{HOST}:{port}/?token={token}"
