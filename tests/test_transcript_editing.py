"""The worker's corrections to a transcript (scribe.transcripts.editing), without the desk."""

from __future__ import annotations

import pytest

from scribe.core.errors import TranscriptError
from scribe.core.records import Segment, Speaker, Transcript
from scribe.transcripts import editing


def two_voices() -> Transcript:
    return Transcript(
        segments=[
            Segment(id=0, start=0.0, end=2.0, text="How was your week?", speaker="S1", role="worker"),
            Segment(
                id=1, start=2.0, end=5.0, text="I slept badly", speaker="S2", role="client", needs_review=True
            ),
        ],
        speakers=[Speaker(id="S1", role="worker"), Speaker(id="S2", role="client")],
        duration=5.0,
        source="audio",
    )


def test_a_correction_keeps_the_first_wording_and_clears_the_check_mark() -> None:
    t = two_voices()
    assert editing.correct_segment(t, 1, "  I slept very badly ")
    seg = t.segment(1)
    assert (seg.text, seg.original_text, seg.edited, seg.needs_review) == (
        "I slept very badly", "I slept badly", True, False,
    )  # fmt: skip
    assert editing.correct_segment(t, 1, "I slept badly all week")
    assert t.segment(1).original_text == "I slept badly"  # the recogniser's words, not the last edit
    assert not editing.correct_segment(t, 1, "I slept badly all week")


def test_a_new_speaker_joins_the_speaker_list() -> None:
    t = two_voices()
    assert editing.correct_segment(t, 0, t.segment(0).text, "S3")
    assert "S3" in {s.id for s in t.speakers} and t.segment(0).speaker == "S3"


def test_empty_text_is_refused() -> None:
    with pytest.raises(TranscriptError, match="empty"):
        editing.correct_segment(two_voices(), 0, "   ")


def test_mark_checked_says_whether_there_was_a_mark() -> None:
    t = two_voices()
    assert editing.mark_checked(t, 1) and not t.segment(1).needs_review
    assert not editing.mark_checked(t, 1)


def test_swapping_roles_needs_one_worker_and_one_client() -> None:
    t = two_voices()
    assert editing.swap_roles(t) == ("S2", "S1")
    assert [s.role for s in t.segments] == ["client", "worker"]
    editing.name_speaker(t, "S1", " Dana ", "other")
    assert t.speakers[0].label == "Dana"
    with pytest.raises(TranscriptError, match="exactly one worker"):
        editing.swap_roles(t)
