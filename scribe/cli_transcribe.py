"""``scribe transcribe``: a recording to a timestamped transcript."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scribe.writers import WRITERS


def register(group: click.Group) -> None:
    group.add_command(transcribe_cmd)


@click.command("transcribe")
@click.argument("audio", type=click.Path(path_type=Path))
@click.option(
    "--model", "-m", default=None, help="tiny.en, base (default) or a model folder. Env: SCRIBE_MODEL."
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(sorted(WRITERS)),
    default=None,
    help="Output format (default: from the -o suffix, else txt).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write to FILE instead of the screen.",
)
@click.option(
    "--language", default="en", show_default=True, help="Spoken language (tiny.en is English only)."
)
@click.option(
    "--allow-download", is_flag=True, help="Allow fetching a model from the internet (off by default)."
)
def transcribe_cmd(
    audio: Path, model: str | None, fmt: str | None, output: Path | None, language: str, allow_download: bool
) -> None:
    """Transcribe AUDIO (wav, flac, mp3, m4a, ogg, opus, webm) on this computer.

    Lines the model was unsure of end in [check].
    """
    from scribe.records import TranscriptionSettings
    from scribe.transcribe import Transcriber

    if fmt is None:
        suffix = output.suffix.lstrip(".").lower() if output else ""
        fmt = suffix if suffix in WRITERS else "txt"
    transcriber = Transcriber(model, TranscriptionSettings(language=language), allow_download=allow_download)
    transcript = transcriber.transcribe_file(audio, progress=sys.stderr.isatty())
    for warning in transcript.warnings:
        click.echo(f"Warning: {warning}", err=True)
    text = WRITERS[fmt](transcript)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output} ({len(transcript.segments)} segments).", err=True)
    else:
        click.echo(text, nl=False)
