"""Cutting a segment where its speaker changes, without losing or rewriting a word.

Diarization cuts a segment where the word-level speaker changes; transcription
by channel cuts the same way to drop crosstalk and to split at pauses.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

from scribe.core.records import Segment, Word


def _word_offsets(seg: Segment) -> list[int] | None:
    """Character offset in ``seg.text`` where each word starts, or None if the words don't match it."""
    offsets, pos = [], 0
    for w in seg.words:
        token = w.text.strip()
        found = seg.text.find(token, pos) if token else pos
        if found < 0:
            return None
        offsets.append(found)
        pos = found + len(token)
    return offsets


def split_segment(seg: Segment, speakers: list[str]) -> list[Segment]:
    """``seg`` cut where the speaker of its words changes; one speaker per piece.

    An edited segment, or one whose words no longer match its text, is not cut
    (its text could not be divided faithfully): it goes to its majority speaker.
    """
    base = dict(needs_review=seg.needs_review, review_reasons=list(seg.review_reasons))
    if not seg.words or len(set(speakers)) == 1:
        return [replace(seg, words=list(seg.words), speaker=speakers[0], **base)]
    offsets = None if seg.edited else _word_offsets(seg)
    if offsets is None:
        majority = max(set(speakers), key=lambda s: (speakers.count(s), -speakers.index(s)))
        return [replace(seg, words=list(seg.words), speaker=majority, **base)]
    cuts = [0] + [i for i in range(1, len(speakers)) if speakers[i] != speakers[i - 1]] + [len(speakers)]
    # The pieces share the segment's time: each cut falls midway through the pause between
    # the two words (Whisper's word ends are early, so tight word times would leave holes).
    times = [seg.start] + [_cut_time(seg.words[i - 1], seg.words[i]) for i in cuts[1:-1]] + [seg.end]
    pieces = []
    for n, (a, b) in enumerate(itertools.pairwise(cuts)):
        words: list[Word] = list(seg.words[a:b])
        char_end = offsets[b] if b < len(offsets) else len(seg.text)
        pieces.append(
            replace(
                seg,
                text=seg.text[offsets[a] if a else 0 : char_end].strip(),
                words=words,
                start=min(times[n], words[0].start),
                end=max(times[n + 1], words[-1].end),
                speaker=speakers[a],
                **base,
            )
        )
    return pieces


def _cut_time(before: Word, after: Word) -> float:
    """Where one speaker's piece ends and the next begins: midway between the two words."""
    return round((before.end + after.start) / 2, 3) if before.end <= after.start else after.start
