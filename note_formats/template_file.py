"""The note template file: its schema, and the checks that turn a TOML file into a ``Template``.

A template names the note, its header, and its sections in order; each section
says which kinds of content it holds (``CONTENT_KINDS``), its heading, the text
shown when nothing was found, and optionally blank fields, ratings stated in the
session and fixed text (a signature attestation)::

    title = "PIE note"
    [[sections]]
    heading = "Problem"
    content = ["client_report", "goals"]
    empty = "No presenting problem was identified; add what brought the client in."

Every problem is one line naming the file, the key and what is wrong. A template
without a risk section gets one at the end, with a warning: risk is never left out.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, TypeAdapter, ValidationError

from note_formats.ratings import RatingRule
from scribe.core.errors import NoteError, ScribeError
from scribe.core.fields import check_line
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
RISK_KEY = "risk"
RISK_HEADING = "Risk assessment"
RISK_EMPTY = "No risk indicators were identified in the transcript."
DEFAULT_EMPTY = "Nothing for this section was identified in the session; add it yourself."
FILL_EMPTY = "To be completed by the worker."
#: Largest template file read.
MAX_TEMPLATE_BYTES = 256 * 1024
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


def read_template(path: Path) -> Template:
    """The template in the file at ``path``."""
    data = read_bounded(path, MAX_TEMPLATE_BYTES, "a note template")
    return parse_template(decode_text(data, path.name), path.name)
