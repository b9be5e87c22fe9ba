"""What every prose builder shares: who said a span, what the note has already said, the
client's answer to a question, and the faithfulness check every sentence passes (``item``)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from note_formats.common import (
    GOAL_TITLES,
    INTERVENTION_TITLES,
    INTERVENTION_USED,
    OBSERVATION_TITLES,
    PLAN_TITLES,
    RISK_TITLES,
    STATUS_WORDS,
    Material,
)
from note_formats.prose.cues import OFFER, REFERS_BACK, SCALING, SCREENING, YES_NO
from note_formats.wording import Pronouns, clean, is_request, parse, report, unfaithful
from pipelines.policy import REPAIR
from scribe.core.records import Annotation, Evidence, NoteItem

#: What opens a spoken sentence without adding to it: hesitations and discourse openers ("Um, so
#: ..."). "No", "yes" and "but" answer or contrast, and stay.
LEADING_FILLER = re.compile(
    r"(?i)^(?:(?:u+m+|u+h+|so|and|well|okay|ok|yeah|like|oh|honestly|actually|i mean|you know)\b[,.!]?\s+)+"
)


def content_lemmas(text: str) -> set[str]:
    """The lemmas of the content words of ``text`` (nouns, verbs, adjectives, numbers; no stop words)."""
    return {
        t.lemma_.lower()
        for t in parse(text)
        if t.pos_ in ("NOUN", "PROPN", "VERB", "ADJ", "NUM") and not t.is_stop and t.is_alpha
    }


@functools.cache
def allowed_words() -> list[str]:
    """The category names a sentence may use besides its evidence: the note's titles, the tagger
    taxonomy's names, and the fixed words of the quoted style's headings."""
    from pipelines.taxonomy import load_taxonomy

    return [
        *(e.display for e in load_taxonomy().entries),
        "from the worker's notes; speaker not identified; as reflected by; as said by; intervention used; "
        "flagged by the tagger only; denied intent to act; denied past attempts; means safety; itself was not denied; who; when; documented; more; for the worker to decide; conditional; concerning; said; noted; change "
        "talk; voiced; confirm; readiness; information giving; crisis resources; validation",
        *OBSERVATION_TITLES.values(),
        *INTERVENTION_TITLES.values(),
        *INTERVENTION_USED.values(),
        *GOAL_TITLES.values(),
        *RISK_TITLES.values(),
        *PLAN_TITLES.values(),
        *STATUS_WORDS.values(),
    ]


class ProseBase:
    """Builds prose items for one draft; remembers which spans were said, so nothing is said twice."""

    def __init__(self, m: Material):
        self.m = m
        self.pronouns = Pronouns.parse(m.options.pronouns)
        self.used: set[tuple[int, int, int]] = set()
        #: The spans the risk lines say (a task among them is still written in the plan).
        self.risk_spans: set[tuple[int, int, int]] = set()
        #: The answers to risk screens the note documents (their words are said there).
        self.screened: list[Evidence] = []
        #: The ids of items that are plain reported speech (merged by turn in the client's report).
        self.plain: set[str] = set()
        #: The report items a short draft still keeps (answers to scaling and strengths
        #: questions, steps the client took: ``length.fit``).
        self.kept: list[NoteItem] = []
        #: The segments of the client's turns that answer a risk screen (``RiskBuilder.screen_turn``).
        self._screen_turns: set[int] | None = None
        #: Spans (segment, start) of a client's "I'll ..." that tells a habit, not a plan.
        self.habits: set[tuple[int, int]] = set()
        #: Spans (segment, start) of the worker's notes that tell a hazard seen: no technique.
        self.hazards: set[tuple[int, int]] = set()
        #: Speaker labels the note may name ("Another participant (Mum)").
        self.labels = [s.label for s in m.transcript.speakers if s.label]

    # --- shared ------------------------------------------------------------------------

    def role(self, ev: Evidence) -> str | None:
        return ev.role or self.m.transcript.segment(ev.segment_id).role

    def said(self, evidence: Iterable[Evidence], *, besides_risk: bool = False) -> bool:
        """Whether every span of ``evidence`` is already inside a span the note has written (outside
        the risk section, when ``besides_risk``: a task a risk line quotes is still the plan's)."""
        spans = list(evidence)
        return bool(spans) and all(self._covered(e, besides_risk) >= 0.8 for e in spans)

    def _covered(self, e: Evidence, besides_risk: bool = False) -> float:
        """The share of ``e``'s characters inside spans already written."""
        written = self.used - self.risk_spans if besides_risk else self.used
        inside = sum(
            max(0, min(b, e.char_end) - max(a, e.char_start)) for s, a, b in written if s == e.segment_id
        )
        return min(1.0, inside / max(1, e.char_end - e.char_start))

    def use(self, evidence: Iterable[Evidence], *, risk: bool = False) -> None:
        spans = {(e.segment_id, e.char_start, e.char_end) for e in evidence}
        self.used |= spans
        if risk:
            self.risk_spans |= spans

    def who(self, role: str | None, speaker: str | None = None) -> str:
        if role == "client" or (role is None and not self.m.notes):
            return "Client"
        if role == "worker" or self.m.notes:
            return "Worker"
        label = next((s.label for s in self.m.transcript.speakers if s.id == speaker and s.label), "")
        return f"Another participant ({label})" if label else "Another participant"

    def named(self, role: str | None, speaker: str | None = None) -> str:
        """``who`` as said inside a sentence ("..., client answered", "..., Another participant (D) answered")."""
        who = self.who(role, speaker)
        return who.lower() if who == "Client" else who

    def pronouns_of(self, role: str | None) -> Pronouns:
        return self.pronouns if role == "client" else Pronouns()

    def addressee(self, ev: Evidence, role: str | None) -> str:
        """Whom a client or another participant means by "you" in ``ev`` when the words do not name
        them (``report`` reads a name): the one they are talking with. A mother speaking between two
        of the client's turns means the client, the client between two of hers means her; "" for
        the worker."""
        at = self.position(ev.segment_id)
        segments = self.m.transcript.segments
        if role not in ("client", "other") or self.m.notes or at is None or not 0 < at < len(segments) - 1:
            return ""
        before, after = segments[at - 1], segments[at + 1]
        if before.speaker != after.speaker or before.role == "worker" or before.role == role == "client":
            return ""
        return "the client" if before.role == "client" else "the other participant"

    def in_third_person(self, ev: Evidence, role: str | None, text: str | None = None) -> str:
        """What ``ev`` says (or ``text``, said in it) reported in the third person (``report``)."""
        return report(
            ev.quote if text is None else text, role, self.pronouns_of(role), you=self.addressee(ev, role)
        )

    def item(
        self,
        anns: Sequence[Annotation],
        text: str,
        fallback: str,
        evidence: Sequence[Evidence] | None = None,
        extra: Sequence[str] = (),
        heading: str = "",
    ) -> NoteItem:
        """An item citing ``evidence`` (default: what its annotations' speakers said), its sentence
        checked against that evidence; an unfaithful one falls back to ``fallback`` (quotes), for review."""
        # a quote that ends its own sentence ends the line: "... my kids." [01:03], never ".".
        text = re.sub(r'([.?!])"\.$', r'\1"', text)
        item = self.m.item(anns, text, extra)
        if evidence is None:
            evidence = [e for a in anns for e in self.m.spoken(a)]
        item.evidence = sorted(
            {(e.segment_id, e.char_start): e for e in evidence}.values(),
            key=lambda e: (e.start, e.segment_id, e.char_start),
        )
        bad = unfaithful(text, [e.quote for e in item.evidence], [*allowed_words(), heading, *self.labels])
        if bad:
            item.text = fallback
            item.needs_review = True
            reason = f"wording not in its evidence ({', '.join(bad)}): quoted instead"
            item.review_reason = "; ".join(r for r in (item.review_reason, reason) if r)
        return item

    @functools.cached_property
    def _positions(self) -> dict[int, int]:
        return {seg.id: n for n, seg in enumerate(self.m.transcript.segments)}

    def position(self, segment_id: int) -> int | None:
        """Where the segment ``segment_id`` is in the transcript's order."""
        return self._positions.get(segment_id)

    def answer_to(self, question: Evidence, sentences: int = 1, yes_no: bool = True) -> Evidence | None:
        """The client's (or another participant's) answer to a worker's question: the first
        ``sentences`` sentences with words of the next turn, if the next turn is not the worker's,
        after the "No." or "Yes." it opens with (unless ``yes_no`` is false)."""
        segs = self.m.transcript.segments
        at = self.position(question.segment_id)
        if at is None or at + 1 >= len(segs) or segs[at + 1].role in ("worker", None):
            return None
        seg = segs[at + 1]
        if REPAIR.fullmatch(seg.text.strip()):
            return None
        said = list(parse(seg.text).sents)
        # "No." or "Never." before the rest of the answer is its first word, not a filler
        opens = 0
        while opens < len(said) and YES_NO.fullmatch(said[opens].text.strip()):
            opens += 1
        words = [x for x in said[opens:] if len(clean(x.text).split()) >= 2][:sentences]
        sents = said[:opens] + words if yes_no else words
        if not sents:
            return None
        start = sents[0].start_char + len(sents[0].text) - len(sents[0].text.lstrip())
        end = sents[-1].end_char - (len(sents[-1].text) - len(sents[-1].text.rstrip()))
        while end > start and seg.text[end - 1] in ".!":
            end -= 1
        return Evidence.of(seg, start, end)

    def worker_questions(
        self, pattern: re.Pattern[str], subtype: str
    ) -> list[tuple[list[Annotation], Evidence]]:
        """Worker questions of one kind: tagged with ``subtype``, or matching ``pattern``; the last
        question sentence of each turn."""
        found: dict[int, list[Annotation]] = {}
        for seg in self.m.transcript.segments:
            if seg.role == "worker" and pattern.search(seg.text):
                found.setdefault(seg.id, [])
        for ann in self.m.select("intervention", subtypes=(subtype,), roles=("worker",)):
            if ann.evidence[0].segment_id in found:  # the tagger's label alone may be an offer, not a screen
                found[ann.evidence[0].segment_id].append(ann)
        out = []
        for seg_id, anns in sorted(found.items()):
            # the question itself asks it: "Does that sound right?" after a safety plan screens nothing
            seg = self.m.transcript.segment(seg_id)
            q = self.question_in(seg, pattern)
            if q is None and pattern is SCALING:  # "One to ten, how heavy was this week." asks without a "?"
                q = next(
                    (
                        Evidence.of(seg, x.start_char, x.end_char)
                        for x in parse(seg.text).sents
                        if SCALING.search(x.text) and re.search(r"(?i)\b(?:how|where|what)\b", x.text)
                    ),
                    None,
                )
            if pattern is SCREENING:
                if q is None:  # "... thoughts of not wanting to go on. Has anything like that come up?"
                    q = self.question_in(seg, REFERS_BACK)
                    # quoted with the sentence that names what "that" is
                    named = [x for x in parse(seg.text).sents if x.end_char <= q.char_start] if q else []
                    if named and SCREENING.search(named[-1].text):
                        q = Evidence.of(seg, named[-1].start_char, q.char_end)
                if q is not None and (is_request(q.quote) or OFFER.search(q.quote)):
                    q = None  # "Would you be willing to have your sister take the pills?" plans, it does not screen
            if q is not None:
                out.append((anns, q))
        return out

    def question_in(self, seg, pattern: re.Pattern[str] | None = None) -> Evidence | None:
        """The last question in ``seg`` (that matches ``pattern``, when given), if it asks one."""
        questions = [
            q
            for q in parse(seg.text).sents
            if q.text.strip().endswith("?") and (pattern is None or pattern.search(q.text))
        ]
        if not questions:
            return None
        text = questions[-1].text.strip()
        start = seg.text.index(text, questions[-1].start_char)
        return Evidence.of(seg, start, start + len(text))

    @staticmethod
    def _is_question(ev: Evidence) -> bool:
        return ev.quote.rstrip().endswith("?")

    def question_before(self, ev: Evidence) -> Evidence | None:
        """The last question the worker asked before ``ev`` (in the worker's turn just before it)."""
        segs = self.m.transcript.segments
        at = self.position(ev.segment_id) or 0
        for seg in reversed(segs[:at]):
            if seg.role == "worker":
                return self.question_in(seg)
        return None

    def trim_openers(self, ev: Evidence) -> Evidence:
        """``ev`` without the openers and fillers it starts with and the full stop it ends with: the
        words a short quote keeps (still the transcript's words, verbatim)."""
        quote = ev.quote
        opener = LEADING_FILLER.match(quote)
        start = len(opener.group(0)) if opener else 0
        end = len(quote.rstrip().rstrip(".,;!").rstrip())
        if end - start < 2:
            return ev
        out = Evidence.of(
            self.m.transcript.segment(ev.segment_id), ev.char_start + start, ev.char_start + end
        )
        out.speaker, out.role = ev.speaker or out.speaker, ev.role or out.role
        return out

    def shared(self) -> bool:
        """Whether the session has several participants besides the worker (a family, a group)."""
        others = {s.speaker for s in self.m.transcript.segments if s.role in ("client", "other")}
        return self.m.options.session_type in ("family", "group", "couple") or len(others) > 1

    def _sentences(self, ev: Evidence, min_words: int = 3) -> list[Evidence]:
        """``ev`` cut into its sentences that carry words (a worker's summary of tasks is one task each)."""
        seg = self.m.transcript.segment(ev.segment_id)
        out = []
        for sent in parse(ev.quote).sents:
            text = sent.text.strip()
            if len(text.split()) < min_words:
                continue
            start = ev.char_start + ev.quote.index(text, sent.start_char)
            piece = Evidence.of(seg, start, start + len(text))
            piece.speaker, piece.role = ev.speaker or piece.speaker, ev.role or piece.role
            out.append(piece)
        return out or [ev]
