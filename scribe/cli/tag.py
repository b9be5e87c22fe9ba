"""``scribe tag``: annotations (interventions, goals, observations, risk, plans) with their evidence."""

from __future__ import annotations

import json
from pathlib import Path

import click

from scribe import workflow
from scribe.core.errors import TranscriptError
from scribe.core.records import Annotation, Transcript
from scribe.core.timefmt import clock
from scribe.transcripts.typed import read_text_file

#: The order labels are printed in: risk first, it must never be missed.
LABEL_ORDER = ("risk", "goal", "intervention", "observation", "plan")
LABEL_TITLES = {
    "risk": "Risk indicators",
    "goal": "Client-stated goals",
    "intervention": "Interventions used",
    "observation": "Observations",
    "plan": "Plans and next steps",
}


def register(group: click.Group) -> None:
    group.add_command(tag_cmd)


def format_annotations(annotations: list[Annotation], timed: bool = True) -> str:
    """Annotations grouped by label, each with its status, confidence, quotes and timestamps."""
    if not annotations:
        return "No annotations found."
    lines: list[str] = []
    labels = [*LABEL_ORDER, *sorted({a.label for a in annotations} - set(LABEL_ORDER))]
    for label in labels:
        group = [a for a in annotations if a.label == label]
        if not group:
            continue
        lines.append(f"{LABEL_TITLES.get(label, label.capitalize())} ({len(group)})")
        for a in group:
            flags = [] if a.status == "affirmed" else [a.status]
            if a.role:
                flags.append(a.role)
            flags.append(f"{a.confidence:.2f}")
            extra = "".join(f" {k}={v}" for k, v in a.attributes.items() if k in ("who", "when"))
            lines.append(f"  {a.id} {a.subtype}: {a.text} [{', '.join(flags)}]{extra}")
            for ev in a.evidence:
                where = f"{clock(ev.start)}-{clock(ev.end)}" if timed else f"segment {ev.segment_id}"
                lines.append(f'      {where}  "{ev.quote.strip()}"')
        lines.append("")
    return "\n".join(lines).rstrip()


@click.command("tag")
@click.argument("transcript", required=False, type=click.Path(path_type=Path))
@click.option(
    "--text",
    "text_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Tag typed notes or a typed conversation (Worker: / Client: lines) from this file instead.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the annotations as a JSON list.")
def tag_cmd(transcript: Path | None, text_file: Path | None, as_json: bool) -> None:
    """Tag TRANSCRIPT.json (from `scribe transcribe`), or notes with --text FILE.

    Prints what the tagger found, grouped by label, each with the quote it rests on
    and its time in the recording.
    """
    if (transcript is None) == (text_file is None):
        raise click.UsageError("Give either a TRANSCRIPT.json or --text FILE (not both).")
    if text_file is not None:
        record, annotations = workflow.tag_text(read_text_file(text_file))
        timed = record.timed  # subtitles keep their times
    else:
        assert transcript is not None
        record = Transcript.load(transcript)
        if not record.segments:
            raise TranscriptError(f"{transcript} has no segments: there is nothing to tag.")
        annotations = workflow.tag(record)
        timed = record.timed
    if as_json:
        click.echo(json.dumps([a.to_dict() for a in annotations], indent=2, ensure_ascii=False))
    else:
        click.echo(format_annotations(annotations, timed=timed))
