"""``scribe ui``: the review desk in the browser, on this computer only (http://127.0.0.1:PORT)."""

from __future__ import annotations

import os
import re
import socket

import click

from scribe.core.errors import ScribeError


def register(group: click.Group) -> None:
    group.add_command(ui_cmd)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@click.command("ui")
@click.option(
    "--port", "-p", type=click.IntRange(1024, 65535), default=7860, show_default=True, help="Local port."
)
@click.option(
    "--model", "-m", default=None, help="Whisper model: tiny.en, base (default) or a folder ($SCRIBE_MODEL)."
)
@click.option(
    "--max-upload",
    default="1500mb",
    show_default=True,
    help="Largest recording that can be uploaded (e.g. 500mb, 2gb).",
)
def ui_cmd(port: int, model: str | None, max_upload: str) -> None:
    """Open the review desk: record or upload, review, edit, export and sign notes.

    It listens on 127.0.0.1 only: nothing is reachable from other computers and
    nothing is sent anywhere. Open the address it prints in your browser: it
    carries a key made for this launch, and other pages (or programs without
    the key) are refused. Each new page asks for the passphrase.
    """
    if not re.fullmatch(r"\d+\s*(b|kb|mb|gb|tb)", max_upload.strip().lower()):
        raise click.BadParameter("write a size like 500mb or 2gb.", param_hint="--max-upload")
    if not _port_free(port):
        raise ScribeError(
            f"Port {port} is already in use (is the desk already open?). Try --port {port + 1}."
        )
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from ui.app import launch, launch_url, new_token

    token = new_token()
    click.echo(
        f"session-scribe desk: {launch_url(port, token)}\n"
        "  Open this address in your browser (it holds this launch's key; keep it to yourself).\n"
        "  Ctrl-C to stop; the notes lock when it stops.",
        err=True,
    )
    launch(port, model=model, max_file_size=max_upload.strip().lower().replace(" ", ""), token=token)
