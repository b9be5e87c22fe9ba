"""Speaker roles: who is the worker, who is the client, who is someone else.

Diarization only knows voices (``S1``, ``S2``, …). The role of each voice is
guessed from what it said, the way a supervisor reading a transcript would:
the worker asks most of the questions, says "you" more than "I", uses
counselling phrases ("it sounds like", "on a scale from"), and usually opens
the session; the client talks about themselves and, in a counselling session,
talks the most. Every guess can be overridden (``--roles S1=client``), and the
record says which roles were guessed (``Speaker.role_source``).
"""

from __future__ import annotations

import re
from copy import deepcopy
from dataclasses import dataclass

from scribe.core.errors import TranscriptError
from scribe.core.records import ROLES, Role, Speaker, Transcript

_WORD = re.compile(r"[a-z']+")
SECOND_PERSON = frozenset({"you", "your", "yours", "yourself", "you're", "you've", "you'd", "you'll"})
FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i'll"})
QUESTION_OPENERS = frozenset(
    [
        "how",
        "what",
        "why",
        "when",
        "where",
        "who",
        "which",
        "can",
        "could",
        "would",
        "do",
        "does",
        "did",
        "have",
        "has",
        "is",
        "are",
        "will",
        "tell",
    ]
)
#: Phrases counsellors use and clients rarely do (reflections, scaling, agenda, closing).
WORKER_PHRASES = (
    "sounds like",
    "it seems",
    "what i'm hearing",
    "on a scale",
    "tell me",
    "how have",
    "how are you",
    "how do you feel",
    "what brings you",
    "thanks for coming",
    "thank you for coming",
    "see you next",
    "for next week",
    "i will refer",
    "i'll refer",
)


@dataclass
class SpeakerStats:
    """What one voice said, summarised for the role guess."""

    speaker: str
    words: int = 0
    seconds: float = 0.0
    turns: int = 0
    questions: int = 0
    second_person: int = 0
    first_person: int = 0
    phrases: int = 0
    first_start: float = float("inf")

    def worker_score(self, opener: bool) -> float:
        """Higher for a voice that sounds like the one leading the session."""
        words = max(self.words, 1)
        return (
            2.0 * self.questions / max(self.turns, 1)
            + 8.0 * (self.second_person - self.first_person) / words
            + 1.0 * min(self.phrases / max(self.turns, 1), 1.0)
            + (0.5 if opener else 0.0)
        )


def speaker_stats(transcript: Transcript) -> dict[str, SpeakerStats]:
    """Per-speaker counts over the transcript's segments (segments without a speaker are skipped)."""
    stats: dict[str, SpeakerStats] = {}
    for seg in transcript.segments:
        if seg.speaker is None:
            continue
        st = stats.setdefault(seg.speaker, SpeakerStats(seg.speaker))
        text = seg.text.lower().replace("’", "'")
        words = _WORD.findall(text)
        st.words += len(words)
        st.seconds += max(0.0, seg.end - seg.start)
        st.turns += 1
        st.first_start = min(st.first_start, seg.start)
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
        st.questions += sum(
            1 for s in sentences if s.endswith("?") or (_WORD.findall(s)[:1] or [""])[0] in QUESTION_OPENERS
        )
        st.second_person += sum(w in SECOND_PERSON for w in words)
        st.first_person += sum(w in FIRST_PERSON for w in words)
        st.phrases += sum(text.count(p) for p in WORKER_PHRASES)
    return stats


def guess_roles(transcript: Transcript, fixed: dict[str, Role | None] | None = None) -> dict[str, Role]:
    """A role for every speaker of ``transcript``, keeping the ones in ``fixed``.

    One speaker: the worker (dictation). Otherwise the most worker-like voice
    that is not fixed becomes the worker (unless a worker is fixed), the one
    that talks most of the rest becomes the client (unless a client is fixed),
    and everyone else is "other".
    """
    fixed = dict(fixed or {})
    ids = [s.id for s in transcript.speakers] or sorted({s.speaker for s in transcript.segments if s.speaker})
    stats = speaker_stats(transcript)
    roles: dict[str, Role] = {sid: r for sid, r in fixed.items() if r is not None}
    free = [sid for sid in ids if sid not in fixed]
    if not free:
        return roles
    opener = min(ids, key=lambda sid: stats[sid].first_start if sid in stats else float("inf"))
    if "worker" not in roles.values():
        worker = max(free, key=lambda sid: _score(stats, sid, opener))
        roles[worker] = "worker"
        free.remove(worker)
    if free and "client" not in roles.values():
        # who talks most: by time, or by words where there are no times (typed conversations)
        client = max(
            free,
            key=lambda sid: (
                (stats[sid].seconds, stats[sid].words, -ids.index(sid))
                if sid in stats
                else (0.0, 0, -ids.index(sid))
            ),
        )
        roles[client] = "client"
        free.remove(client)
    for sid in free:
        roles[sid] = "other"
    return roles


def _score(stats: dict[str, SpeakerStats], sid: str, opener: str) -> float:
    return stats[sid].worker_score(sid == opener) if sid in stats else float("-inf")


def parse_roles(text: str) -> dict[str, Role | None]:
    """``"S1=client,S2=worker"`` -> ``{"S1": "client", "S2": "worker"}`` ("none" clears a role)."""
    out: dict[str, Role | None] = {}
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        sid, sep, role = part.partition("=") if "=" in part else part.partition(":")
        sid, role = sid.strip().upper(), role.strip().lower()
        if not sep or not sid or not role:
            raise TranscriptError(f"Cannot read the role {part!r}: write it as SPEAKER=ROLE, e.g. S1=client.")
        out[sid] = _check_role(role)
    return out


def _check_role(role: str | None) -> Role | None:
    if role is None or role in ("none", "unknown", ""):
        return None
    if role not in ROLES:
        raise TranscriptError(f"Unknown role {role!r}: use one of {', '.join(ROLES)} (or none).")
    return role  # type: ignore[return-value]


def apply_roles(transcript: Transcript, overrides: dict[str, str | None] | None = None) -> Transcript:
    """Set roles in place (guessed, then ``overrides``) on speakers and segments; returns ``transcript``."""
    known = {s.id for s in transcript.speakers} | {s.speaker for s in transcript.segments if s.speaker}
    fixed: dict[str, Role | None] = {}
    for sid, role in (overrides or {}).items():
        if sid not in known:
            names = ", ".join(sorted(known)) or "none (run diarization first)"
            raise TranscriptError(f"The transcript has no speaker {sid}; its speakers are: {names}.")
        fixed[sid] = _check_role(role)
    for sid in sorted(known - {s.id for s in transcript.speakers}):
        transcript.speakers.append(Speaker(id=sid))
    guessed = guess_roles(transcript, fixed)
    for spk in transcript.speakers:
        spk.role = guessed.get(spk.id)
        spk.role_source = "user" if spk.id in fixed else ("guess" if spk.role else "")
    for seg in transcript.segments:
        seg.role = transcript.role_of(seg.speaker)
    return transcript


def assign_roles(transcript: Transcript, overrides: dict[str, str | None] | None = None) -> Transcript:
    """A copy of ``transcript`` with each speaker's role guessed, or taken from ``overrides``.

    ``overrides`` maps speaker ids to "worker", "client", "other" or None, e.g.
    ``{"S1": "client"}``; speakers it leaves out are guessed around it.
    The input transcript is not changed.
    """
    return apply_roles(deepcopy(transcript), overrides)
