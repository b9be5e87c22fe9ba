"""``scribe transcribe``: a recording to a timestamped transcript."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from scribe.asr.transcribe import Transcriber
from scribe.core.records import TranscriptionSettings
from scribe.speakers.diarize import MAX_COUNT
from scribe.speakers.roles import parse_roles
from scribe.transcripts.writers import WRITERS
from scribe.workflow import transcribe_recording

if TYPE_CHECKING:
    from scribe.core.records import Transcript


def register(group: click.Group) -> None:
    group.add_command(transcribe_cmd)


def _speakers_option(ctx: click.Context, param: click.Parameter, value: str | None) -> int | str | None:
    """``--speakers``: a count from 1 to MAX_COUNT, or "auto"."""
    if value is None:
        return None
    if value.strip().lower() == "auto":
        return "auto"
    try:
        count = int(value)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_COUNT:
        raise click.BadParameter(
            f"give a number of speakers from 1 to {MAX_COUNT}, or 'auto' (got {value!r})."
        )
    return count


def _speaker_summary(transcript: Transcript) -> str:
    """``Speakers: S1 worker (guessed), S2 client (guessed)`` for the terminal, not the output file."""
    parts = []
    for spk in transcript.speakers:
        how = {"guess": " (guessed)", "user": ""}.get(spk.role_source, "")
        where = f", {spk.label}" if spk.label else ""
        parts.append(f"{spk.id} {spk.role or 'unknown'}{how}{where}")
    hint = (
        " Change with --roles S1=ROLE,..."
        if any(s.role_source == "guess" for s in transcript.speakers)
        else ""
    )
    return f"Speakers: {', '.join(parts) or 'none'}.{hint}"


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
@click.option(
    "--speakers",
    "-s",
    default=None,
    metavar="N|auto",
    callback=_speakers_option,
    help="Tell speakers apart: N voices (1 = dictation, 2 = worker and client), or 'auto' to "
    "estimate (1 to 6). --roles or --stereo-channels alone imply 2.",
)
@click.option(
    "--roles",
    default=None,
    metavar="S1=ROLE,...",
    help="Set speaker roles instead of guessing them: worker, client or other, e.g. S1=client,S2=worker.",
)
@click.option(
    "--stereo-channels/--no-stereo-channels",
    "stereo",
    default=None,
    help="One voice per channel (two mics, telehealth): transcribe each channel on its own, "
    "speaker = channel (default: detected when telling speakers apart).",
)
def transcribe_cmd(
    audio: Path,
    model: str | None,
    fmt: str | None,
    output: Path | None,
    language: str,
    allow_download: bool,
    speakers: int | str | None,
    roles: str | None,
    stereo: bool | None,
) -> None:
    """Transcribe AUDIO (wav, flac, mp3, m4a, ogg, opus, webm) on this computer.

    Lines the model was unsure of end in [check]. With --speakers (or --roles,
    --stereo-channels) each line says who spoke, e.g. "Worker (S1): ...".
    """
    if fmt is None:
        suffix = output.suffix.lstrip(".").lower() if output else ""
        fmt = suffix if suffix in WRITERS else "txt"
    overrides = None
    if roles is not None:
        overrides = parse_roles(roles)
    transcriber = Transcriber(model, TranscriptionSettings(language=language), allow_download=allow_download)
    progress = sys.stderr.isatty()
    if speakers is None and overrides is None and not stereo:
        transcript = transcriber.transcribe_file(audio, progress=progress)
    else:
        count = 2 if speakers is None else (None if speakers == "auto" else int(speakers))
        transcript = transcribe_recording(
            transcriber, audio, count, overrides, stereo=stereo, progress=progress
        )
        click.echo(_speaker_summary(transcript), err=True)
    for warning in transcript.warnings:
        click.echo(f"Warning: {warning}", err=True)
    text = WRITERS[fmt](transcript)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output} ({len(transcript.segments)} segments).", err=True)
    else:
        click.echo(text, nl=False)
