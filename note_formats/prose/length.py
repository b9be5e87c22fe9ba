"""How long a prose draft may be: about one page for a 50-minute session (500 words, more in
proportion for a longer one). The full detail stays in the process recording and the tags.

Risk, goals, plans, interventions, strengths and stressors, what the worker saw, the steps the
client took and the answers to scaling and strengths questions are always written. What gives way
when a draft runs long is a line of the client's report that says nothing of its own ("It was
like that, you know."): a line with any content word (a feeling, a number, a name, a place) is
what a worker documents, however short ("Client reported: lonely."), and stays.
"""

from __future__ import annotations

from note_formats.common import Material
from note_formats.render import marks, stamp
from note_formats.wording import parse
from scribe.core.records import NoteItem

#: Words of a one-page draft for a session of up to 50 minutes; a longer one gets more in proportion.
WORDS_PER_50_MIN = 500
#: A line saying more content words than this is never left out for length.
MAX_SPECIFICS = 0
#: Room left for section headings and the lines a template writes itself.
HEADINGS = 20


def budget(m: Material) -> int:
    """The words the draft's lines may take for this session's length."""
    minutes = max(m.transcript.duration, max((s.end for s in m.transcript.segments), default=0.0)) / 60
    return round(WORDS_PER_50_MIN * max(50.0, minutes) / 50) - HEADINGS


def words(item: NoteItem) -> int:
    """The words a line takes as rendered: its sentence, its times and its review marks."""
    return len(" ".join([item.text, stamp(item), *marks(item)]).split())


#: Verbs that carry no content of their own ("I said something", "it got like that").
LIGHT_VERBS = frozenset(
    ("be", "have", "do", "say", "tell", "get", "go", "come", "know", "think", "mean", "guess")
)


def specifics(item: NoteItem) -> int:
    """How many different things a line says: the content words (names, nouns, numbers, verbs
    and adjectives that say more than "be", "have" or "say") of what was said."""
    found = {
        t.lemma_.lower()
        for e in item.evidence
        for t in parse(e.quote)
        if t.pos_ in ("NOUN", "PROPN", "NUM", "VERB", "ADJ")
        and not t.is_stop
        and (t.is_alpha or t.like_num)
        and t.lemma_.lower() not in LIGHT_VERBS
    }
    return len(found)


def fit(lines: list[NoteItem], keep: list[NoteItem], others: int, limit: int) -> list[NoteItem]:
    """``lines`` (the client's report) without lines that say nothing of their own until the draft
    fits ``limit`` words; ``others`` is what the rest of the draft takes, ``keep`` the lines never
    left out. Lines go in the order they say least, the longer first."""
    total = others + sum(words(i) for i in lines)
    if total <= limit:
        return lines
    order = sorted(
        (i for i in lines if not any(i is k for k in keep) and specifics(i) <= MAX_SPECIFICS),
        key=lambda i: (specifics(i), -words(i)),
    )
    dropped: list[NoteItem] = []
    for item in order:
        if total <= limit:
            break
        dropped.append(item)
        total -= words(item)
    return [i for i in lines if not any(i is d for d in dropped)]
