"""The tagging taxonomy and context triggers, read from data files an agency can extend.

``pipelines/data/taxonomy.yaml`` lists, per label, the subtypes with a definition,
phrases, modality names and spaCy Matcher patterns; ``pipelines/data/context.yaml``
holds the negation termset and the ConText-style triggers. Both are validated here
once, so a typo in an agency's file is reported with its place, not as a traceback
deep inside spaCy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from scribe.core.errors import ModelError

DATA_DIR = Path(__file__).parent / "data"
TAXONOMY_PATH = DATA_DIR / "taxonomy.yaml"
CONTEXT_PATH = DATA_DIR / "context.yaml"

#: The five labels of the shared annotation vocabulary (TEAM.md).
LABELS: tuple[str, ...] = ("intervention", "goal", "observation", "risk", "plan")
#: Change-talk types (Miller & Rollnick's DARN-CAT) used as goal subtypes.
CHANGE_TALK: tuple[str, ...] = ("desire", "ability", "reason", "need", "commitment", "taking_steps")


@dataclass(frozen=True)
class Entry:
    """One subtype of one label, with the ways it is recognised."""

    label: str
    subtype: str
    definition: str
    display: str
    phrases: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    patterns: tuple[tuple[dict[str, Any], ...], ...] = ()
    family: str = ""
    #: Matches directly preceded / followed by one of these lower-case words are dropped.
    not_after: frozenset[str] = frozenset()
    not_before: frozenset[str] = frozenset()
    #: Observation phrases naming an ordinary activity ("sleeping"): negated, they report a problem.
    activities: frozenset[str] = frozenset()
    #: Phrases that only point to the subtype ("I'm tired of life"): a match is possible, never affirmed.
    indirect: tuple[str, ...] = ()
    #: Token patterns that only point to the subtype, read like ``indirect`` phrases.
    indirect_patterns: tuple[tuple[dict[str, Any], ...], ...] = ()

    @property
    def key(self) -> str:
        """``label.subtype``: the span id the matcher writes."""
        return f"{self.label}.{self.subtype}"


@dataclass(frozen=True)
class Taxonomy:
    entries: tuple[Entry, ...]
    enactment_cues: tuple[str, ...]
    when_patterns: tuple[tuple[dict[str, Any], ...], ...]
    source: str = ""
    proposal_cues: tuple[str, ...] = ()

    def entry(self, key: str) -> Entry:
        for e in self.entries:
            if e.key == key:
                return e
        raise KeyError(key)

    def display(self, label: str, subtype: str) -> str:
        """A human name for ``label``/``subtype``, also for subtypes not in the file (model heads)."""
        for e in self.entries:
            if e.label == label and e.subtype == subtype:
                return e.display
        return subtype.replace("_", " ").capitalize()


@dataclass(frozen=True)
class ContextRules:
    """Negation termset (for negspacy) and ConText-style modifier triggers."""

    window: int
    negation: dict[str, list[str]]
    modifiers: dict[str, dict[str, tuple[str, ...]]]
    termination: tuple[str, ...]
    other_nouns: frozenset[str]
    other_pronouns: frozenset[str]
    reflexives: frozenset[str]
    other_subtypes: frozenset[str]
    other_labels: frozenset[str]
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ModelError(f"Taxonomy file not found: {path}. Reinstall session-scribe or fix the path.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ModelError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelError(f"{path} must hold a mapping at the top level.")
    return data


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ModelError(f"{where} must be a list of non-empty strings.")
    return tuple(v.strip() for v in value)


def _patterns(value: Any, where: str) -> tuple[tuple[dict[str, Any], ...], ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
        isinstance(p, list) and p and all(isinstance(t, dict) for t in p) for p in value
    ):
        raise ModelError(f"{where} must be a list of spaCy token patterns (lists of objects).")
    return tuple(tuple(p) for p in value)


def parse_taxonomy(data: dict[str, Any], source: str = "") -> Taxonomy:
    """Validate the parsed YAML of a taxonomy file."""
    entries: list[Entry] = []
    seen: set[str] = set()
    for label in LABELS:
        items = data.get(label) or []
        if not isinstance(items, list):
            raise ModelError(f"{source}: '{label}' must be a list of entries.")
        for i, item in enumerate(items):
            where = f"{source}: {label}[{i}]"
            if not isinstance(item, dict) or not isinstance(item.get("subtype"), str):
                raise ModelError(f"{where} needs a 'subtype'.")
            subtype = item["subtype"]
            if not subtype.replace("_", "").isalnum() or subtype.lower() != subtype:
                raise ModelError(f"{where}: subtype '{subtype}' must be snake_case.")
            if not isinstance(item.get("definition"), str) or not item["definition"].strip():
                raise ModelError(f"{where} ({subtype}) needs a 'definition'.")
            if label == "goal" and subtype not in ("goal", *CHANGE_TALK):
                raise ModelError(f"{where}: goal subtypes are 'goal' or one of {', '.join(CHANGE_TALK)}.")
            entry = Entry(
                label=label,
                subtype=subtype,
                definition=item["definition"].strip(),
                display=str(item.get("display") or subtype.replace("_", " ").capitalize()),
                phrases=_strings(item.get("phrases"), f"{where}.phrases"),
                names=_strings(item.get("names"), f"{where}.names"),
                patterns=_patterns(item.get("patterns"), f"{where}.patterns"),
                family=str(item.get("family") or ""),
                not_after=frozenset(s.lower() for s in _strings(item.get("not_after"), f"{where}.not_after")),
                not_before=frozenset(
                    s.lower() for s in _strings(item.get("not_before"), f"{where}.not_before")
                ),
                activities=frozenset(
                    s.lower() for s in _strings(item.get("activities"), f"{where}.activities")
                ),
                indirect=_strings(item.get("indirect"), f"{where}.indirect"),
                indirect_patterns=_patterns(item.get("indirect_patterns"), f"{where}.indirect_patterns"),
            )
            if entry.key in seen:
                raise ModelError(f"{where}: '{entry.key}' is defined twice; merge the two entries.")
            seen.add(entry.key)
            entries.append(entry)
    return Taxonomy(
        entries=tuple(entries),
        enactment_cues=_strings(data.get("enactment_cues"), f"{source}: enactment_cues"),
        when_patterns=_patterns(data.get("when_patterns"), f"{source}: when_patterns"),
        source=source,
        proposal_cues=_strings(data.get("proposal_cues"), f"{source}: proposal_cues"),
    )


def parse_context(data: dict[str, Any], source: str = "") -> ContextRules:
    """Validate the parsed YAML of a context-trigger file."""
    neg = data.get("negation") or {}
    negation = {
        key: list(_strings(neg.get(key), f"{source}: negation.{key}"))
        for key in ("pseudo_negations", "preceding_negations", "following_negations", "termination")
    }
    mods = data.get("modifiers") or {}
    modifiers: dict[str, dict[str, tuple[str, ...]]] = {}
    for status in ("historical", "hypothetical", "other_person"):
        m = mods.get(status) or {}
        modifiers[status] = {
            d: _strings(m.get(d), f"{source}: modifiers.{status}.{d}") for d in ("forward", "backward")
        }
    other = data.get("other_person") or {}
    window = data.get("window", 8)
    if not isinstance(window, int) or window < 1:
        raise ModelError(f"{source}: 'window' must be a positive whole number of tokens.")
    return ContextRules(
        window=window,
        negation=negation,
        modifiers=modifiers,
        termination=_strings(mods.get("termination"), f"{source}: modifiers.termination"),
        other_nouns=frozenset(_strings(other.get("nouns"), f"{source}: other_person.nouns")),
        other_pronouns=frozenset(_strings(other.get("pronouns"), f"{source}: other_person.pronouns")),
        reflexives=frozenset(_strings(other.get("reflexives"), f"{source}: other_person.reflexives")),
        other_subtypes=frozenset(_strings(other.get("subtypes"), f"{source}: other_person.subtypes")),
        other_labels=frozenset(_strings(other.get("labels"), f"{source}: other_person.labels")),
        source=source,
    )


@lru_cache(maxsize=8)
def load_taxonomy(path: str = "") -> Taxonomy:
    """The taxonomy at ``path`` (default: the packaged one), validated and cached."""
    p = Path(path) if path else TAXONOMY_PATH
    return parse_taxonomy(_read_yaml(p), source=str(p))


@lru_cache(maxsize=8)
def load_context(path: str = "") -> ContextRules:
    """The context triggers at ``path`` (default: the packaged ones), validated and cached."""
    p = Path(path) if path else CONTEXT_PATH
    return parse_context(_read_yaml(p), source=str(p))


def negex_termset(rules: ContextRules) -> dict[str, list[str]]:
    """negspacy's ``en_clinical`` termset extended with our conversational triggers."""
    from negspacy.termsets import termset

    # termset.add_patterns would mutate negspacy's module-level defaults: merge into a copy,
    # sorted so the pipeline config is reproducible.
    base = termset("en_clinical").get_patterns()
    return {k: sorted(set(base[k]) | set(rules.negation.get(k, []))) for k in base}
