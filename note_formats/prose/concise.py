"""Reported speech as a note words it: the client's words without the talk that carries no content.

Spoken accounts are full of words a written note leaves out: hedging adverbs ("I just
don't get up", "it was really hard"), a filler "like" ("I was, like, up all night") and
restarts ("she's, she's a saint", "he does not, he does not know"). A worker writing the
note keeps what was said and drops how it was said. Only words are left out, never added,
so a sentence stays inside its evidence; negations and anything they govern stay ("not
really" qualifies, "really" alone only stresses), and so do amounts ("like a six" is the
client's estimate).
"""

from __future__ import annotations

import re

from note_formats.wording import NEGATIONS, parse, without_restarts

#: Adverbs that stress or soften without saying anything a note keeps.
HEDGES = frozenset(("just", "really", "even"))


def _filler(tok) -> bool:
    """Whether ``tok`` is a hedge or a filler a note leaves out."""
    before = tok.doc[tok.i - 1] if tok.i else None
    negated = before is not None and (before.lower_ in NEGATIONS or before.lower_ == "n't")
    # stress on an act ("I just sat there", "I really want it"); "just us", "just two" restrict
    # ("only"), and stay
    if tok.lower_ in HEDGES and tok.dep_ == "advmod" and tok.head.pos_ == "VERB" and not negated:
        after = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
        return after is None or not (after.like_num or after.pos_ in ("NUM", "DET", "NOUN", "PROPN", "PRON"))
    if tok.lower_ in HEDGES:
        return False
    # "like" as a pause ("he was, like, gone"); before an amount or a thing it estimates or
    # compares ("like noon", "like a six"), and stays
    after = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
    estimates = after is not None and (after.like_num or after.pos_ in ("NUM", "DET", "NOUN", "PROPN"))
    return tok.lower_ == "like" and tok.pos_ == "INTJ" and not estimates


def tighten(clause: str) -> str:
    """``clause`` (reported speech, already in the third person) without hedges, fillers and
    restarts: "he just, he does not get up" -> "he does not get up"."""
    doc = parse(clause)
    kept = "".join(t.text_with_ws for t in doc if not _filler(t))
    kept = re.sub(r"\s+,", ",", kept)
    kept = re.sub(r"(^|[;,]\s*),\s*", r"\1", kept)  # a comma the left-out word leaves behind
    kept = re.sub(r"([.!?])\s*,\s*", r"\1 ", kept)  # "... wake up. Like, if ..." -> "... wake up. If ..."
    # a hedge left out can leave a restart behind ("he just, he does not" -> "he, he does not")
    kept = substance(re.sub(r"\s{2,}", " ", without_restarts(kept)).strip(" ,").lstrip(". \u2026"))
    # a sentence whose first word was left out starts with a capital again
    return re.sub(r"([.!?]\s+)([a-z])", lambda x: x.group(1) + x.group(2).upper(), kept)


#: Words a spoken clause can be made of and still say nothing: a greeting or an apology on the
#: way in, a joining word left hanging, a clause started and dropped ("it's, there's these kids",
#: "and that's it").
EMPTY_WORDS = frozenset(
    (
        "it", "that", "there", "this", "'s", "is", "are", "was", "were", "be",
        "so", "or", "and", "but", "okay", "ok", "well", "sorry", "hi", "hey", "anyway",
    )
)  # fmt: skip
#: Words that answer a question: yes or no.
ANSWERS = NEGATIONS | frozenset(("yes", "yeah", "yep", "yup", "nope", "nah", "uh-huh", "mhm"))
#: Words that open a clause leaning on the next one ("if they take the car, that's everything").
LEANS_FORWARD = frozenset(
    ("if", "when", "because", "since", "so", "though", "although", "unless", "while", "cause")
)
#: Words that join a clause to the one before it, left out when that one is.
JOINERS = frozenset(("and", "but", "so", "then", "or"))


def says_nothing(piece: str) -> bool:
    """Whether a comma-separated part of reported speech is only talk: interjections, joining
    words and a dummy clause ("it's", "that's it", "there are"). A part with any other word
    (a pronoun that names someone, an adverb of time or doubt, "if that") says something."""
    words = [t for t in parse(piece) if not t.is_punct]
    # "no", "yeah", "nope" answer; they are never empty
    return bool(words) and all(
        (t.pos_ == "INTJ" and t.lower_ not in ANSWERS) or t.lower_ in EMPTY_WORDS for t in words
    )


def substance(clause: str) -> str:
    """``clause`` without the comma-separated parts that are only talk ("sorry, she got up, she
    works nights" -> "she got up, she works nights"; "we fight in the morning, and that's it").
    A part a conditional or a reason leans on stays ("if they take the car, that's it"), and so
    does a clause that is all there is."""
    pieces = re.split(r",\s+", clause)
    if len(pieces) < 2:
        return clause
    kept: list[str] = []
    for n, piece in enumerate(pieces):
        first = piece.split(" ", 1)[0].lower()
        leaned_on = n > 0 and pieces[n - 1].split(" ", 1)[0].lower() in LEANS_FORWARD
        leans = first in LEANS_FORWARD and n + 1 < len(pieces)
        if not says_nothing(piece) or leaned_on or leans:
            kept.append(piece)
    if not kept:
        return clause
    if kept[0].split(" ", 1)[0].lower() in JOINERS and kept[0] != pieces[0]:
        kept[0] = kept[0].split(" ", 1)[1] if " " in kept[0] else kept[0]
    return ", ".join(kept)


#: A dictated quotation: "quote, ... unquote" (or "end quote") is how a worker dictates quotation
#: marks; written out, they are the marks.
DICTATED_QUOTE = re.compile(r"(?i)\bquote[,:]?\s+(?P<said>[^\"]+?)[,.]?\s+(?:unquote|end quote)\b")


def dictated_quotes(text: str, said: str) -> str:
    """``text`` of a worker's dictated notes with each "quote ... unquote" written as quotation
    marks: 'She said, quote, I eat when my neighbour cooks, unquote' -> 'She said, "I eat when
    my neighbour cooks"'. The words inside stay exactly as dictated; a "quote" left open (or an
    "unquote" whose "quote" is in another sentence) stays as it is, and so does a quotation
    whose words are not exactly ``said`` (the dictation they come from)."""
    source = re.sub(r"\s+", " ", said)

    def marks(x: re.Match[str]) -> str:
        words = x.group("said")
        return f'"{words}"' if re.sub(r"\s+", " ", words) in source else x.group(0)

    return DICTATED_QUOTE.sub(marks, text)
