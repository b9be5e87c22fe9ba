"""``scribe formats ...``: the note formats and templates there are, and checking or proposing one.

scribe formats list                    built-in, your folder's, and broken ones with why
scribe formats show soap               a template's TOML (copy it to start your own)
scribe formats check agency.toml       one-line errors, or what the template holds
scribe formats from-example note.docx  a template proposed from an agency's existing note
"""

from __future__ import annotations

from pathlib import Path

import click

from note_formats import FORMATS, get_format
from note_formats.from_example import propose_template
from note_formats.template_file import CONTENT_KINDS, read_template
from note_formats.templates import install_template, load_user_templates, user_template_dir


def register(group: click.Group) -> None:
    group.add_command(formats)


@click.group("formats")
def formats() -> None:
    """Note formats and templates: list, show, check, or propose one from an example note.

    A template is a TOML file: put it in your template folder (scribe formats list
    shows where) or pass it to scribe note --template FILE.
    """


@formats.command("list")
def list_cmd() -> None:
    """Every format you can draft in; templates in your folder that cannot be used, with why."""
    broken = load_user_templates()
    width = max(len(name) for name in FORMATS)
    for name, fmt in FORMATS.items():
        click.echo(f"{name:<{width}}  {fmt.origin:<8}  {fmt.title}: {fmt.description}")
        for warning in fmt.warnings:
            click.echo(f"{'':<{width}}  warning: {warning}")
    for b in broken:
        click.echo(f"{b.path.stem:<{width}}  broken    {b.error}")
    click.echo(f"\nYour template folder: {user_template_dir()}", err=True)


@formats.command("show")
@click.argument("name")
def show_cmd(name: str) -> None:
    """The template file of format NAME (the process recording is written in code)."""
    fmt = get_format(name)
    if not fmt.path:
        click.echo(f"# {fmt.title} ({fmt.name}) is built in code, not a template: {fmt.description}")
        return
    click.echo(Path(fmt.path).read_text(encoding="utf-8"), nl=False)


@formats.command("check")
@click.argument("file", type=click.Path(path_type=Path))
def check_cmd(file: Path) -> None:
    """Check a template FILE: a one-line error naming the key, or what each section will hold."""
    t = read_template(file)
    click.echo(f"{file.name}: OK, format {t.name!r}: {t.title}")
    for warning in t.warnings:
        click.echo(f"Warning: {warning}", err=True)
    for s in t.sections:
        held = [*s.content, *(f"rating {r.label}" for r in s.ratings), *(f"field {f!r}" for f in s.fields)]
        held += ["fixed text"] * bool(s.fixed)
        click.echo(f"  {s.heading} [{s.key}]: {', '.join(held) or 'free text for the worker'}")
    if t.name in FORMATS and FORMATS[t.name].path != str(file.resolve()) and FORMATS[t.name].origin != "user":
        click.echo(f"Note: {t.name!r} is already a {FORMATS[t.name].origin} format; rename it to use it.")


@formats.command("add")
@click.argument("file", type=click.Path(path_type=Path))
def add_cmd(file: Path) -> None:
    """Check a template FILE and keep a copy in your template folder, so scribe note -f NAME uses it."""
    fmt = install_template(file)
    for warning in fmt.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(f"Added {fmt.name!r} ({fmt.title}) to {user_template_dir()}.")


@formats.command("from-example")
@click.argument("example", type=click.Path(path_type=Path))
@click.option("--out", "-o", type=click.Path(path_type=Path), help="Write the template to FILE (.toml).")
def from_example_cmd(example: Path, out: Path | None) -> None:
    """Propose a template from an agency's existing note (.docx, .txt or .md): its headings become
    sections, mapped to content by their names; check it, then scribe formats check FILE."""
    text = propose_template(example)
    if out is None:
        click.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {out}. Content kinds: {', '.join(CONTENT_KINDS)}.", err=True)
