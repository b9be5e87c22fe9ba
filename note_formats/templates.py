"""Note formats written as files: an agency's layout in TOML, drafted by the same item builders.

A template names the note, its header, and its sections in order; each section
says which kinds of content it holds (``CONTENT_KINDS``), its heading, the text
shown when nothing was found, and optionally blank fields, ratings stated in the
session and fixed text (a signature attestation)::

    title = "PIE note"
    [[sections]]
    heading = "Problem"
    content = ["client_report", "goals"]
    empty = "No presenting problem was identified; add what brought the client in."

Every line still comes from ``items.py`` (quotes) or ``prose.py`` (sentences), so
grounding, the faithfulness check and the worker's edits work the same in every
template. Risk is never left out: a template without a risk section gets one,
with a warning. Templates live in the package (``builtin_templates/``), in the
user's folder (``user_template_dir``) and in any file given for one run; a broken
user template is listed with its one-line error and never hides the built-ins.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, TypeAdapter, ValidationError

from note_formats.common import Material
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
from note_formats.ratings import RatingRule, rating_items
from note_formats.registry import FORMATS, ON_UNKNOWN_FORMAT, NoteFormat, add_format
from scribe.core.errors import NoteError, ScribeError
from scribe.core.fields import check_line
from scribe.core.paths import data_dir
from scribe.core.records import NoteItem, NoteSection
from scribe.core.textfile import decode_text, read_bounded

#: What a section can hold, and what each kind is.
CONTENT_KINDS: dict[str, str] = {
    "goals": "the client's goals and change talk, in the client's words",
    "client_report": "what the client reported: problems, symptoms, circumstances, answers",
    "observations": "the worker's observations of the client's presentation (affect, behaviour)",
    "context": "strengths, stressors and barriers in the client's situation",
    "interventions": "what the worker did: techniques used, with examples",
    "change_talk": "the client's change talk counted, for the worker's assessment",
    "goal_progress": "each goal on file and this session's evidence about it",
    "risk": "risk indicators disclosed or denied (every note has this, once)",
    "plans": "homework, referrals, next appointment, tasks",
}
Kind = Literal[
    "goals",
    "client_report",
    "observations",
    "context",
    "interventions",
    "change_talk",
    "goal_progress",
    "risk",
    "plans",
]
HeaderFact = Literal["client", "date", "duration", "session_type", "participants", "worker"]
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
RISK_KEY = "risk"
RISK_HEADING = "Risk assessment"
RISK_EMPTY = "No risk indicators were identified in the transcript."
DEFAULT_EMPTY = "Nothing for this section was identified in the session; add it yourself."
FILL_EMPTY = "To be completed by the worker."
#: A blank the worker fills in on the draft.
BLANK = "________"
#: Largest template file read.
MAX_TEMPLATE_BYTES = 256 * 1024
SUFFIX = ".toml"
BUILTIN_DIR = Path(__file__).with_name("builtin_templates")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_FORBID = ConfigDict(extra="forbid")


# --- the file's schema --------------------------------------------------------------------


@dataclass
class RatingSpec:
    """A rating stated in the session (SUD, VOC): the number said near one of ``words``."""

    __pydantic_config__ = _FORBID
    label: str
    words: list[str]
    min: int = 0
    max: int = 10


@dataclass
class QuotesLayout:
    """What a section holds in the quoted wording, where that differs from the sentences."""

    __pydantic_config__ = _FORBID
    content: list[Kind] | None = None
    empty: str | None = None


@dataclass
class SectionSpec:
    __pydantic_config__ = _FORBID
    heading: str
    key: str = ""
    content: list[Kind] = field(default_factory=list)
    empty: str = ""
    fields: list[str] = field(default_factory=list)
    ratings: list[RatingSpec] = field(default_factory=list)
    fixed: str = ""
    quotes: QuotesLayout | None = None


@dataclass
class TemplateSpec:
    __pydantic_config__ = _FORBID
    title: str
    sections: list[SectionSpec]
    name: str = ""
    description: str = ""
    header: list[HeaderFact] | None = None
    header_blanks: list[str] = field(default_factory=list)


_SPEC = TypeAdapter(TemplateSpec)


class TemplateError(NoteError):
    """A template file that cannot be used; the message names the file, the key and the problem."""


def _where(loc: tuple, data: object) -> str:
    """A pydantic location as the file spells it: ``sections[3] (Plan).content[2]``."""
    out, node = "", data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("heading"), str):
                out += f" ({node['heading']})"
        elif isinstance(part, str) and not part.startswith(("function-", "list[", "nullable")):
            out += f".{part}" if out else part
            node = node.get(part) if isinstance(node, dict) else None
    return out or "the file"


def _message(err: dict) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "literal_error":
        return f"{value!r} is not one of: {err['ctx']['expected']}"
    if kind in ("missing", "missing_argument"):
        return "is required"
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        return "is not a template key (check its spelling)"
    return f"{err['msg'][:1].lower()}{err['msg'][1:]} (got {value!r})"


# --- a validated template ------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    content: tuple[str, ...]
    empty: str
    quotes_content: tuple[str, ...]
    quotes_empty: str
    fields: tuple[str, ...] = ()
    ratings: tuple[RatingRule, ...] = ()
    fixed: str = ""


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    description: str
    sections: tuple[Section, ...]
    header: tuple[str, ...]
    header_blanks: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40]


def _line(file: str, where: str, what: str, value: str, max_chars: int = 200) -> str:
    try:
        return check_line(what, value, max_chars=max_chars).strip()
    except ScribeError as exc:
        raise TemplateError(f"{file}: {where}: {exc}") from None


def parse_template(text: str, file: str = "template") -> Template:
    """The template in TOML ``text``, checked; a TemplateError names ``file``, the key and the problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{file}: not valid TOML: {exc}") from None
    try:
        spec = _SPEC.validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise TemplateError(f"{file}: {_where(err['loc'], data)}: {_message(err)}") from None
    return _checked(spec, file)


def _checked(spec: TemplateSpec, file: str) -> Template:
    name = spec.name or _slug(Path(file).stem).replace("_", "-")
    if not _NAME.fullmatch(name):
        raise TemplateError(
            f"{file}: name: {name!r} must be lower-case letters, digits, - or _ (at most 40), e.g. 'agency-pie'"
        )
    title = _line(file, "title", "title", spec.title)
    if not title:
        raise TemplateError(f"{file}: title: is empty; name the note, e.g. 'PIE note'")
    if not spec.sections:
        raise TemplateError(f"{file}: sections: the template has no sections; add at least one [[sections]]")
    sections: list[Section] = []
    placed: dict[str, dict[str, str]] = {"sentences": {}, "quotes": {}}
    for n, s in enumerate(spec.sections, 1):
        where = f"sections[{n}]"
        heading = _line(file, f"{where}.heading", "heading", s.heading)
        if not heading:
            raise TemplateError(f"{file}: {where}.heading: is empty")
        where = f"{where} ({heading})"
        quotes = s.quotes.content if s.quotes and s.quotes.content is not None else s.content
        for layout, kinds in (("sentences", s.content), ("quotes", quotes)):
            for kind in kinds:
                if kind in placed[layout]:
                    raise TemplateError(
                        f"{file}: {where}.content: {kind!r} is already in section "
                        f"{placed[layout][kind]!r}; a kind of content goes in one section"
                    )
                placed[layout][kind] = heading
        if ("risk" in s.content) != ("risk" in quotes):
            raise TemplateError(f"{file}: {where}.quotes.content: risk must stay in the same section")
        key = s.key or (RISK_KEY if "risk" in s.content else _slug(heading))
        if not _NAME.fullmatch(key):
            raise TemplateError(f"{file}: {where}.key: {key!r} must be lower-case letters, digits, - or _")
        if "risk" in s.content and key != RISK_KEY:
            raise TemplateError(
                f"{file}: {where}.key: the section holding risk has the key 'risk', not {key!r}"
            )
        if key in {x.key for x in sections}:
            raise TemplateError(
                f"{file}: {where}.key: {key!r} is used by another section; give it its own key"
            )
        rules = []
        for r, rating in enumerate(s.ratings, 1):
            at = f"{where}.ratings[{r}]"
            label = _line(file, f"{at}.label", "label", rating.label, 60)
            words = [w.strip().lower() for w in rating.words if w.strip()]
            if not label or not words:
                raise TemplateError(
                    f"{file}: {at}: a rating needs a label and at least one word to find it by"
                )
            if not 0 <= rating.min < rating.max <= 100:
                raise TemplateError(f"{file}: {at}: min must be below max, both from 0 to 100")
            rules.append(RatingRule(label, tuple(words), rating.min, rating.max))
        fields = tuple(_line(file, f"{where}.fields", "field", f, 60) for f in s.fields)
        if any(not f for f in fields):
            raise TemplateError(f"{file}: {where}.fields: a field name is empty")
        fixed = s.fixed.strip()
        if len(fixed) > 5000:
            raise TemplateError(f"{file}: {where}.fixed: longer than 5000 characters")
        content_given = bool(s.content or quotes)
        empty = s.empty.strip() or (DEFAULT_EMPTY if content_given else FILL_EMPTY)
        if "risk" in s.content and not s.empty.strip():
            empty = RISK_EMPTY
        quotes_empty = (s.quotes.empty if s.quotes and s.quotes.empty else "") or empty
        sections.append(
            Section(
                key,
                heading,
                tuple(s.content),
                empty,
                tuple(quotes),
                quotes_empty,
                fields,
                tuple(rules),
                fixed,
            )
        )
    warnings = []
    if not any("risk" in s.content for s in sections):
        sections.append(Section(RISK_KEY, RISK_HEADING, ("risk",), RISK_EMPTY, ("risk",), RISK_EMPTY))
        warnings.append(
            f"{file}: has no section with risk content; a '{RISK_HEADING}' section was added at the end "
            "(risk is never left out of a note)"
        )
    blanks = tuple(_line(file, "header_blanks", "header field", b, 60) for b in spec.header_blanks)
    header = tuple(dict.fromkeys(spec.header)) if spec.header is not None else ()
    return Template(name, title, spec.description.strip(), tuple(sections), header, blanks, tuple(warnings))


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


def read_template(path: Path) -> Template:
    """The template in the file at ``path``."""
    data = read_bounded(path, MAX_TEMPLATE_BYTES, "a note template")
    return parse_template(decode_text(data, path.name), path.name)


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
    ones. A file whose name a built-in format already has is refused, so a built-in always works."""
    folder = user_template_dir() if folder is None else folder
    for name in [n for n, f in FORMATS.items() if f.origin == "user"]:
        del FORMATS[name]
    broken = []
    for path in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []:
        try:
            t = read_template(path)
            if t.name in FORMATS:
                raise TemplateError(
                    f"{path.name}: name: {t.name!r} is already a {FORMATS[t.name].origin} format; "
                    "give the template another name"
                )
        except ScribeError as exc:
            broken.append(Broken(path, str(exc)))
            continue
        add_format(template_format(t, "user", str(path)))
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
