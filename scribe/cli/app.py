"""The ``scribe`` command line. Errors become a one-line message and exit status 1 here, and only here."""

from __future__ import annotations

import click

from scribe import __version__
from scribe.cli import desk, formats, goals, note, record, sessions, tag, transcribe
from scribe.core.errors import ScribeError


class ScribeGroup(click.Group):
    """A click group that turns a ScribeError or a failed file operation into ``Error: message``, exit 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except ScribeError as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:  # full disk, permission denied, ...: say which file and why
            where = f" ({exc.filename})" if exc.filename else ""
            raise click.ClickException(
                f"{exc.strerror or exc}{where}. Nothing was lost from the input."
            ) from exc


@click.group(cls=ScribeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="scribe")
def cli() -> None:
    """session-scribe: turn a counselling session into a draft note, on this computer.

    Nothing leaves the machine: models load from installed packages or a local path.
    """


# One module per command family; each adds its commands with ``register(group)``.
for _family in (transcribe, sessions, note, record, tag, desk, goals, formats):
    _family.register(cli)


def main() -> None:
    cli(prog_name="scribe")
