"""Note formats written as files: drafted by the same item builders, found where templates live.

Every line of a template's draft still comes from ``items.py`` (quotes) or
``prose/`` (sentences), so grounding, the faithfulness check and the worker's
edits work the same in every template. Templates live in the package
(``builtin_templates/``), in the user's folder (``user_template_dir``) and in any
file given for one run; a broken user template is listed with its one-line error
and never hides the built-ins. The file format is ``template_file.py``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from note_formats.common import BLANK, Material
from note_formats.goal_progress import progress_items
from note_formats.items import (
    change_talk_summary,
    goal_items,
    intervention_items,
    observation_items,
    plan_items,
    risk_items,
    section,
)
from note_formats.prose import prose_parts
from note_formats.ratings import rating_items
from note_formats.registry import FORMATS, ON_UNKNOWN_FORMAT, NoteFormat, add_format
from note_formats.template_file import Template, TemplateError, read_template
from scribe.core.errors import ScribeError
from scribe.core.paths import data_dir
from scribe.core.records import NoteItem, NoteSection

#: The prose builder's name for each kind.
PROSE_PARTS = {
    "goals": "goals",
    "client_report": "reports",
    "observations": "observed",
    "context": "context",
    "interventions": "interventions",
    "change_talk": "change_talk",
    "risk": "risks",
    "plans": "plans",
}
#: In the quoted wording a line says what it is when its section holds other kinds too
#: ("Observed — Mood / affect: ..." beside the client's own report).
QUOTE_PREFIXES = {"observations": "Observed — ", "interventions": "Intervention used — "}
SUFFIX = ".toml"
BUILTIN_DIR = Path(__file__).with_name("builtin_templates")


# --- drafting ---------------------------------------------------------------------------------


def _quote_items(m: Material, kind: str, several: bool, plans: list[NoteItem]) -> list[NoteItem]:
    """The quoted-wording items of one kind; ``plans`` are the section's own plan items."""
    prefix = QUOTE_PREFIXES.get(kind, "") if several else ""
    if kind == "goals":
        return goal_items(m)
    if kind == "client_report":
        return observation_items(m, "reported")
    if kind == "observations":
        return observation_items(m, "observed", prefix=prefix)
    if kind == "context":
        return observation_items(m, "context")
    if kind == "interventions":  # a referral already in this section's plan is not listed twice
        return intervention_items(m, prefix=prefix, covered=plans)
    if kind == "change_talk":
        return change_talk_summary(m)
    if kind == "risk":
        return risk_items(m)
    if kind == "plans":
        return plans
    raise AssertionError(kind)


def _blank(key: str, n: str, text: str) -> NoteItem:
    """A line the template writes (a blank field, fixed text): the worker edits it like any other."""
    return NoteItem(id=f"{key}-{n}", text=text, origin="template")


def build_sections(t: Template, m: Material) -> list[NoteSection]:
    """The template's sections for one draft, in its order."""
    prose = m.options.style == "prose"
    parts = prose_parts(m) if prose else None
    out = []
    for s in t.sections:
        kinds = s.content if prose else s.quotes_content
        plans = plan_items(m) if not prose and "plans" in kinds else []
        several = len([k for k in kinds if k != "goal_progress"]) > 1
        items: list[NoteItem] = []
        progress: list[NoteItem] = []
        for kind in kinds:
            if kind == "goal_progress":
                progress = progress_items(m)
                items.extend(progress)
            elif parts is not None:
                items.extend(parts[PROSE_PARTS[kind]])
            else:
                items.extend(_quote_items(m, kind, several, plans))
        # generated lines are numbered key-1, key-2 ...; progress on goals key-goal-1 ... (edits address ids)
        section(s.key, s.heading, [i for i in items if not any(i is p for p in progress)], "")
        for n, item in enumerate(progress, 1):
            item.id = f"{s.key}-goal-{n}"
        items += rating_items(m, s.key, s.ratings)
        if s.fixed:  # an attestation reads before the blanks that sign it
            items.append(_blank(s.key, "fixed", s.fixed))
        items += [_blank(s.key, f"field-{n}", f"{f}: {BLANK}") for n, f in enumerate(s.fields, 1)]
        out.append(NoteSection(s.key, s.heading, items, s.empty if prose else s.quotes_empty))
    return out


def template_format(t: Template, origin: str, path: str = "") -> NoteFormat:
    """The template as a registered format."""
    first_lines = "; ".join(s.heading for s in t.sections)
    vocabulary = (
        t.title,
        *(s.heading for s in t.sections),
        *(r.label for s in t.sections for r in s.ratings),
    )
    return NoteFormat(
        name=t.name,
        title=t.title,
        build=lambda m: build_sections(t, m),
        description=t.description or first_lines,
        header=t.header,
        header_blanks=t.header_blanks,
        vocabulary=vocabulary,
        origin=origin,
        path=path,
        warnings=t.warnings,
        places_goal_progress=True,
    )


# --- where templates live -----------------------------------------------------------------------


#: Built-in templates listed first, in this order; the others follow by name.
FIRST = ("soap", "dap", "birp", "girp")


def load_builtin_templates() -> None:
    """Register the package's templates (a broken one is a bug: it raises)."""
    paths = sorted(
        BUILTIN_DIR.glob(f"*{SUFFIX}"),
        key=lambda p: (p.stem not in FIRST, FIRST.index(p.stem) if p.stem in FIRST else 0, p.stem),
    )
    for path in paths:
        add_format(template_format(read_template(path), "built-in", str(path)))


def user_template_dir() -> Path:
    """The user's template folder: ``templates/`` in the data directory (not created)."""
    return data_dir(create=False) / "templates"


@dataclass(frozen=True)
class Broken:
    """A template file that could not be used, and why (one line)."""

    path: Path
    error: str


def load_user_templates(folder: Path | None = None) -> list[Broken]:
    """Register the templates in the user's folder (again: the folder is the truth); return the broken
    ones. A file whose name a built-in format already has is refused, so a built-in always works.

    The registry is shared by the desk's requests: the new templates are read first, then swapped
    in, so a format that stays in the folder is never missing while the folder is read.
    """
    folder = user_template_dir() if folder is None else folder
    found: dict[str, NoteFormat] = {}
    broken = []
    for path in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []:
        try:
            t = read_template(path)
            taken = FORMATS.get(t.name)
            if (taken is not None and taken.origin not in ("user", "file")) or t.name in found:
                origin = "user" if t.name in found else taken.origin
                raise TemplateError(
                    f"{path.name}: name: {t.name!r} is already a {origin} format; give the template another name"
                )
        except ScribeError as exc:
            broken.append(Broken(path, str(exc)))
            continue
        found[t.name] = template_format(t, "user", str(path))
    for name in [n for n, f in list(FORMATS.items()) if f.origin == "user" and n not in found]:
        FORMATS.pop(name, None)
    for fmt in found.values():
        add_format(fmt)
    return broken


def use_template_file(path: Path) -> NoteFormat:
    """Register the template in ``path`` for this run (``--template FILE``, the desk's upload); its
    name may not be a built-in's. Returns the format."""
    t = read_template(path)
    known = FORMATS.get(t.name)
    if known is not None and known.origin not in ("file", "user"):
        raise TemplateError(
            f"{path.name}: name: {t.name!r} is a {known.origin} format; give the template another name"
        )
    return add_format(template_format(t, "file", str(path)))


def install_template(path: Path) -> NoteFormat:
    """Check the template in ``path`` and copy it into the user's folder (as ``<name>.toml``, replacing
    an earlier version of the same template), so it stays listed. Returns the format."""
    t = read_template(path)
    known = FORMATS.get(t.name)
    if known is not None and known.origin not in ("file", "user"):
        raise TemplateError(
            f"{path.name}: name: {t.name!r} is a {known.origin} format; give the template another name"
        )
    folder = user_template_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{t.name}{SUFFIX}").write_bytes(path.read_bytes())
    except OSError as exc:
        raise TemplateError(f"Could not save the template in {folder}: {exc.strerror or exc}.") from None
    load_user_templates(folder)
    return FORMATS[t.name]


def _rescan() -> None:
    with contextlib.suppress(OSError):  # an unreadable folder never blocks the built-ins
        load_user_templates()


ON_UNKNOWN_FORMAT.append(_rescan)
load_builtin_templates()
