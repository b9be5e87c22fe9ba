"""Ratings stated in the session (an EMDR session's SUD and VOC): the number as it was said, or a blank.

A rating is written down only when someone said it: a number, in the rating's
range, in a sentence that names the rating ("the SUD is at a four now") or in the
first sentence of the answer to a question that names it ("How disturbing does it
feel now, from 0 to 10?" -- "Maybe a six."). The numbers that describe the scale
("from 0 to 10", "10 is the worst", "out of 7") are never ratings. The line cites
the sentences it rests on; a rating nobody stated is left blank for the worker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from note_formats.common import BLANK, Material, role_word
from scribe.core.records import Evidence, NoteItem, Segment

NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_NUM = r"(?:\d{1,3}|" + "|".join(NUMBER_WORDS) + r")"
NUMBER = re.compile(rf"(?i)\b{_NUM}\b")
#: How a scale is described rather than a rating given: "from 0 to 10", "1 (completely false) to 7",
#: "out of 10", "10 is the worst", "with 0 being none".
SCALE = re.compile(
    rf"(?i)\b(?:from\s+|between\s+)?{_NUM}(?:\s+\(?[a-z]+\)?){{0,3}}?\s*(?:to|-|–|through|and)\s*{_NUM}\b"
    rf"|\bout\s+of\s+{_NUM}\b"
    rf"|\b{_NUM}\s+(?:is|being|means|=|would\s+be)\b"
    rf"|\b(?:with|where)\s+{_NUM}\b"
)
SENTENCE = re.compile(r"[^.!?]+[.!?]*")


@dataclass(frozen=True)
class RatingRule:
    """A rating a template asks for: its label, the words that name it, its range."""

    label: str
    words: tuple[str, ...]
    min: int = 0
    max: int = 10


def number_value(token: str) -> int:
    return NUMBER_WORDS[token.lower()] if token.lower() in NUMBER_WORDS else int(token)


def numbers_said(text: str) -> set[int]:
    """Every number said in ``text``, in digits or as a word ("seven" and "7" are both 7)."""
    return {number_value(m.group()) for m in NUMBER.finditer(text)}


#: Endings a rating's word may take ("disturb": disturbing, disturbance); never any others ("sud" is
#: not "sudden").
INFLECTIONS = r"(?:s|es|ed|ing|ance|ances|ness)?"


def _names(rule: RatingRule, text: str) -> bool:
    low = text.lower()
    return any(re.search(rf"(?<![a-z]){re.escape(w)}{INFLECTIONS}(?![a-z])", low) for w in rule.words)


def _ratings_in(rule: RatingRule, text: str, start: int, end: int) -> list[re.Match[str]]:
    """Numbers in ``text[start:end]`` that can be a rating: in range, not part of the scale's description."""
    masked = SCALE.sub(lambda m: " " * len(m.group()), text)
    return [m for m in NUMBER.finditer(masked, start, end) if rule.min <= number_value(m.group()) <= rule.max]


def _sentence(text: str, pos: int) -> tuple[int, int]:
    """The sentence of ``text`` around ``pos`` (stripped of surrounding spaces)."""
    for m in SENTENCE.finditer(text):
        if m.start() <= pos < m.end():
            start = m.start() + len(m.group()) - len(m.group().lstrip())
            return start, m.start() + len(m.group().rstrip())
    return 0, len(text)


def find_ratings(
    rule: RatingRule, segments: Sequence[Segment]
) -> list[tuple[int, list[Evidence], Evidence, bool]]:
    """Each rating stated: (value, the evidence it rests on, the evidence quoting the number, whether
    it is an answer to a question naming the rating: the worker confirms that reading)."""
    found = []
    for n, seg in enumerate(segments):
        for sent in SENTENCE.finditer(seg.text):
            if not _names(rule, sent.group()):
                continue
            here = _ratings_in(rule, seg.text, sent.start(), sent.end())
            if here:
                span = Evidence.of(seg, *_sentence(seg.text, here[0].start()))
                found.append((number_value(here[0].group()), [span], span, False))
                continue
            answer = next(
                (s for s in segments[n + 1 : n + 2] if s.speaker != seg.speaker or not s.speaker), None
            )
            if answer is None:
                continue
            first = SENTENCE.search(answer.text)
            nums = _ratings_in(rule, answer.text, first.start(), first.end()) if first else []
            if nums:
                asked = Evidence.of(seg, *_sentence(seg.text, sent.start() + len(sent.group()) - 1))
                said = Evidence.of(answer, *_sentence(answer.text, nums[0].start()))
                found.append((number_value(nums[0].group()), [asked, said], said, True))
    unique: dict[tuple[int, int], tuple[int, list[Evidence], Evidence, bool]] = {}
    for value, evidence, said, answer in found:  # a number is one rating, however many sentences name it
        unique.setdefault((said.segment_id, said.char_start), (value, evidence, said, answer))
    return sorted(unique.values(), key=lambda r: (r[2].start, r[2].segment_id))


def rating_items(m: Material, key: str, rules: Sequence[RatingRule]) -> list[NoteItem]:
    """A line per rating stated, "SUD: 6 — client said: "Maybe a six."", or the rating left blank."""
    items = []
    for rule in rules:
        ratings = find_ratings(rule, m.transcript.segments)
        for value, evidence, said, answer in ratings:
            role = said.role or m.segment(said.segment_id).role
            who = f" — {role_word(role)} said" if role else " —"
            items.append(
                NoteItem(
                    id=f"{key}-rating-{len(items) + 1}",
                    text=f'{rule.label}: {value}{who}: "{said.quote.strip()}"',
                    evidence=sorted(evidence, key=lambda e: (e.start, e.segment_id)),
                    fields={"rating": rule.label, "value": str(value)},
                    needs_review=answer,
                    review_reason=f"read as the answer to the {rule.label} question: confirm"
                    if answer
                    else "",
                )
            )
        if not ratings:
            items.append(
                NoteItem(
                    id=f"{key}-rating-{len(items) + 1}",
                    text=f"{rule.label}: {BLANK} (not stated in the session)",
                    origin="template",
                )
            )
    return items
