"""From tagged spaCy docs to ``Annotation`` records: who may be credited with what.

The components find things; this module decides which findings become annotations,
in one place, because these are practice rules rather than language rules:

* Interventions are credited only to the worker: a worker's utterance (or the
  worker's own typed / dictated notes), affirmed, and for a modality's bare name
  only when the worker is doing it ("let's try some CBT"), never when it is just
  mentioned ("my last therapist did CBT"). Without speaker roles, an utterance that
  looks like the worker's (MiniLM speaker head, questions, reflections) counts at
  lower confidence.
* Goals are the client's own words, never the worker's; what someone else wants for
  the client is not the client's goal.
* Risk is never dropped. Denials are kept as ``negated`` (a documented denial);
  a worker's screening question is paired with the client's answer.
* Every annotation carries evidence quoting the transcript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from spacy.tokens import Doc, Span

from pipelines.components import SPANS_KEY, attrs_of, done_in_session, is_question, sentence_of, sentences
from pipelines.risk import Scope, anger_said, clause_status, clauses, goes_on, load_field, read_away
from pipelines.taxonomy import CHANGE_TALK, Taxonomy, load_context
from scribe.core.records import NOTE_SOURCES, Annotation, Evidence, Segment, Transcript

#: Head class -> intervention subtype (AnnoMI "therapist input" covers information, advice, options).
SKILL_SUBTYPES = {
    "open_question": "open_question",
    "closed_question": "closed_question",
    "simple_reflection": "simple_reflection",
    "complex_reflection": "complex_reflection",
    "therapist_input": "information_giving",
}
SKILL_MIN_P = 0.4
#: A client utterance with no goal rule becomes model-only change talk at this p(change).
#: Out-of-fold on AnnoMI: 0.6 -> precision 0.46, 0.7 -> 0.50 (see pipelines/data/MODEL_CARD.md).
CHANGE_MIN_P = 0.7
#: A lexicon risk word in a sentence the clause classifier gives less than this for its type is
#: kept as possible risk, not documented as fact (a figure of speech or another sense of the word).
RISK_CONFIRM = 0.05
#: A risk word that goes on into one of these is a figure of speech: "my boss pushed me to the
#: point of tears", "it drove me over the edge", "she hit me with the news".
_FIGURATIVE_AFTER = re.compile(
    r"^\W*(?:to the (?:point|edge|brink|limit)|to (?:my|the|breaking) (?:limit|point)|over the edge|"
    r"to tears|into a corner|too far|with (?:the|a|some|this) (?:news|question|bill|idea|request))\b",
    re.I,
)
#: Questions the rules name by technique; the head's open / closed label on the same utterance is dropped.
NAMED_QUESTIONS = ("scaling_question", "miracle_question", "exception_question", "risk_screening")
#: Goal cues that are common in any talk ("I will", "I have to", "I can", "I started") stand
#: only when the change-talk head agrees; "I want to" and "my goal is" always stand.
WEAK_GOAL_CUES = ("need", "commitment", "ability", "taking_steps", "reason")
WEAK_GOAL_MIN_P = 0.3
_AFFIRM = re.compile(
    r"\b(yes|yeah|yep|yup|uh-huh|mm-hmm|sometimes|a little|a bit|kind of|sort of|maybe|occasionally|"
    r"i have|i do|i did|lately|often|every day|at times|i guess)\b",
    re.I,
)
_DENY = re.compile(
    r"^\W*(no|nope|never|not really|not at all|i haven't|i have not|i don't|i do not|nah)\b", re.I
)
#: A reply that asks for the question again ("What's that?", "Sorry?"): the worker's repeat of the
#: question is what gets answered.
REPAIR = re.compile(
    r"\W*(?:what(?:'s| is| was)? (?:that|you said)|what|pardon(?: me)?|sorry|eh|huh|come again|say (?:that )?again|"
    r"you what|i didn't (?:hear|catch) (?:that|you))\W*",
    re.I,
)
#: "Did you hurt yourself?" asked of a fall or an accident the turn or the one before tells: a
#: question about an injury, not a self-harm screen.
_INJURY_ASKED = re.compile(r"\b(?:did you (?:hurt|injure) yourself|did you get hurt|were you hurt)\b", re.I)
_MISHAP = re.compile(
    r"\b(?:fell|falls?|fallen|floor|tripped|slipped|accident|crash\w*|collision|knocked (?:over|down))\b",
    re.I,
)


def _injury_questions(segments: list[Segment]) -> set[int]:
    """The worker's turns asking about an injury from a mishap that turn or the one before tells
    ("I went over in the kitchen." - "Did you hurt yourself?"): ids of the segments."""
    return {
        seg.id
        for i, seg in enumerate(segments)
        if seg.role == "worker"
        and _INJURY_ASKED.search(seg.text)
        and _MISHAP.search(f"{segments[i - 1].text if i else ''} {seg.text}")
    }


#: An answer's opening that gives the question back ("Doing myself in, you mean."): its yes or
#: no comes in a later sentence.
_ECHO_OPENING = re.compile(r"(?:\byou mean|\?)\W*$", re.I)
#: A yes or no that opens a later sentence of the answer ("But no.", "And yes, sometimes.").
_LATER_YES_NO = re.compile(
    r"^\W*(?:(?:but|and|well|so|honestly),?\s+)?(no|nope|nah|never|yes|yeah|yep)\b", re.I
)


@lru_cache(maxsize=1)
def _past_answer() -> re.Pattern[str]:
    """The context component's triggers of a history ("when I was", "years ago", "back in"), as one
    pattern: an answer to a screen holding one tells of the past."""
    historical = load_context().modifiers["historical"]
    phrases = sorted({p for found in historical.values() for p in found}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b", re.I)


#: What brings a told past up to now ("and then again last week").
_NOW_ANSWER = re.compile(
    r"\b(?:now|again|still|lately|recently|these days|this (?:week|month|year)|currently|last (?:night|week)|"
    r"(?:a|one|two|few|couple (?:of )?)\s*(?:days?|weeks?) ago)\b",
    re.I,
)
#: Screening questions that ASR split or left without "?": "can you have any thoughts on harming yourself".
_QUESTION_CUE = re.compile(
    r"\b(have|do|did|are|were|can|could|would|will) you\b|\bany thoughts\b|\bask(ing)? you\b", re.I
)
_REFLECTION_CUE = re.compile(
    r"^\W*(so\b|it sounds|sounds like|it seems|you feel|you're feeling|what i'm hearing)", re.I
)


@dataclass
class _Draft:
    """An annotation before ids are assigned and duplicates merged."""

    label: str
    subtype: str
    text: str
    evidence: list[Evidence]
    segment: Segment
    confidence: float
    status: str = "affirmed"
    source: str = "rules"
    attributes: dict[str, str] = field(default_factory=dict)
    role: str | None = None

    @property
    def key(self) -> tuple:
        ev = self.evidence[0]
        return (ev.segment_id, ev.char_start, ev.char_end, self.label, self.subtype)


def _evidence(segment: Segment, span: Span | None = None, *, max_tokens: int = 40) -> Evidence:
    """Evidence quoting ``span`` (whole tokens), or the whole segment text without its outer spaces."""
    if span is None:
        text = segment.text
        start = len(text) - len(text.lstrip())
        end = len(text.rstrip())
        return Evidence.of(segment, start, max(end, start))
    if len(span) > max_tokens:
        span = span.doc[span.start : span.start + max_tokens]
    return Evidence.of(segment, span.start_char, span.end_char)


def _rule_draft(
    label: str, subtype: str, text: str, segment: Segment, quoted: Span, conf: float, status: str, extra: dict
) -> _Draft:
    """A finding of the rule components, quoting ``quoted`` as its evidence."""
    return _Draft(label, subtype, text, [_evidence(segment, quoted)], segment, conf, status, "rules", extra)


def _quote_span(span: Span) -> Span:
    """What to quote for a finding: its sentence, or a window of it when the sentence is long."""
    sent = sentence_of(span)
    if len(sent) <= 40:
        return sent
    start = max(sent.start, span.start - 15)
    return span.doc[start : min(sent.end, span.end + 15)]


#: An answer that says no, at the start of a sentence ("I don't know" is no denial).
_NO = frozenset(("no", "nope", "nah", "never"))


def _echoed(span: Span) -> str:
    """For a client's question with no subject of its own ("But kill myself?", "Hurt him?"), an
    echo of the worker's word: "negated" when the next sentence starts with a no, "possible" when
    none follows; "" for a question that says something of its own ("Is it normal I want to die?")."""
    sent = sentence_of(span)
    # "Killing myself, you mean?": the "you" of "you mean" is the asking, not a subject of its own
    if any(
        t.dep_ in ("nsubj", "nsubjpass", "expl", "csubj")
        and not (t.lower_ == "you" and t.head.lower_ == "mean")
        for t in sent
    ):
        return ""
    after = [t for t in span.doc[sent.end :] if t.is_alpha][:1]
    return "negated" if after and after[0].lower_ in _NO else "possible"


def _asks(span: Span) -> bool:
    """Is ``span`` inside a question (by "?" or, for risk screening, by question wording)?"""
    sent = sentence_of(span)
    return is_question(sent) or bool(_QUESTION_CUE.search(sent.text))


def _is_worker(role: str | None, heads: dict | None, doc: Doc, notes: bool) -> tuple[bool, float]:
    """(counts as the worker's utterance, confidence factor)."""
    if notes or role == "worker":
        return True, 1.0
    if role is not None:
        return False, 1.0
    p = heads["speaker"]["therapist"] if heads else 0.5
    cue = doc.text.rstrip().endswith("?") or bool(_REFLECTION_CUE.match(doc.text))
    if p >= 0.5 or cue:
        return True, 0.6
    return False, 1.0


def annotate_doc(segment: Segment, doc: Doc, taxonomy: Taxonomy, notes: bool) -> list[_Draft]:
    """Annotations for one segment's doc (risk questions are paired later, in ``annotate``)."""
    role = doc._.scribe_role
    heads = doc._.scribe_heads
    worker, worker_factor = _is_worker(role, heads, doc, notes)
    drafts: list[_Draft] = []
    spans = list(doc.spans[SPANS_KEY]) if SPANS_KEY in doc.spans else []
    has_goal_rule = False
    risk_spans = [(s.start, s.end) for s in spans if s.label_ == "risk"]
    goal_spans = [(s.start, s.end) for s in spans if s.label_ == "goal"]
    for span in spans:
        label = span.label_
        subtype = span.id_.split(".", 1)[1]
        status = span._.scribe_status
        conf = float(span._.scribe_confidence)
        attrs = dict(attrs_of(span))
        question = attrs.pop("question", "") == "yes"
        display = taxonomy.display(label, subtype)
        extra = {k: v for k, v in attrs.items() if k in ("family", "who", "when", "context")}
        if label == "intervention":
            # Only what the worker did, never a mention or someone else's; a conditional
            # instruction ("if you feel unsafe, call 988") is still the intervention given.
            if not worker or status not in ("affirmed", "hypothetical"):
                continue
            status = "affirmed"
            if attrs.get("match") == "name" and attrs.get("enacted") != "yes":
                continue
            conf *= worker_factor * (0.9 if attrs.get("match") == "name" else 1.0)
            drafts.append(
                _rule_draft(label, subtype, display, segment, _quote_span(span), conf, status, extra)
            )
        elif label == "goal":
            if role == "worker" or status == "other_person":
                continue
            if any(s < span.end and span.start < e for s, e in risk_spans):
                continue  # "I just want to end it all" is a risk disclosure, not a goal
            if role is None and not notes and worker:
                conf *= 0.7
            talk = heads["talk"] if heads else None
            negated = status == "negated"
            if not keep_goal(subtype, negated, talk) or not names_a_goal(span, attrs):
                continue
            if talk:
                conf *= 0.7 + 0.3 * (talk["change"] + talk["neutral"] * 0.5)
                extra["change_talk_p"] = f"{talk['change']:.2f}"
            if subtype in CHANGE_TALK:
                extra["change_talk"] = subtype
            # For a goal the negation is part of the client's words ("I don't want to drink anymore").
            status = "affirmed" if negated else status
            text = attrs.get("normalised") or span.text
            drafts.append(_rule_draft(label, subtype, text, segment, span, conf, status, extra))
            has_goal_rule = True
        elif label == "observation":
            if question and (worker or role == "worker"):
                continue  # "How is your sleep?" is not an observation
            if role == "worker":
                conf *= 0.8
            if status == "negated" and (
                attrs.get("activity") == "yes" or any(s <= span.start < e for s, e in goal_spans)
            ):
                # "I haven't been sleeping" is a sleep problem; "I don't want to drink anymore" is
                # about drinking: the negation belongs to the words, not to the finding.
                status = "affirmed"
                extra["negated_wording"] = "yes"
            drafts.append(
                _rule_draft(
                    label, subtype, f"{display}: {span.text}", segment, _quote_span(span), conf, status, extra
                )
            )
        elif label == "risk":
            if (question or _asks(span)) and worker and not notes:
                # a screening question: the worker's intervention here; the answer is paired in annotate()
                drafts.append(
                    _rule_draft(
                        "intervention",
                        "risk_screening",
                        taxonomy.display("intervention", "risk_screening"),
                        segment,
                        sentence_of(span),
                        conf * worker_factor,
                        "affirmed",
                        {},
                    )
                )
                continue
            if role == "worker":
                conf *= 0.6  # usually a reflection of the client's words or information: review it
            elif status == "hypothetical" and not notes and not worker:
                # A client's conditional ("it'd be easier if I wasn't alive", "if he leaves I'll kill
                # myself") is a disclosure: recall first, possible risk for the worker to decide;
                # a figure of speech ("my mum will kill me if I fail") is none.
                if read_away(subtype, sentence_of(span)):
                    continue
                status, conf = "affirmed", conf * 0.7
                extra["certainty"] = "possible"
                extra["context"] = f"conditional wording ({attrs.get('context', '')}); check"
            elif (
                (question or _ECHO_OPENING.search(sentence_of(span).text))
                and not notes
                and (echo := _echoed(span))
            ):
                # "But kill myself? No." repeats the worker's word to answer it: the answer says
                # whether it is a denial; with no answer after it, the worker decides
                if echo == "negated":
                    status = "negated"
                else:
                    extra["certainty"] = "possible"
                    extra["context"] = "the client repeats the word as a question; check"
            else:
                scope = _rescope_risk(span, status, not notes)
                if scope is None:
                    continue
                status = scope.status
                if not scope.certain:
                    extra["certainty"] = "possible"
                if scope.note:
                    extra["context"] = scope.note
            if attrs.get("match") == "indirect":
                # A warning sign said in other words ("I've had enough of life") is for the worker
                # to ask about, never documented as ideation on its own; denied or someone else's,
                # it says nothing about ideation either way. In a veiled threat the person named is
                # its target ("he'll regret it", "he needs to get got"), not the one at risk.
                if subtype == "harm_to_others" and status == "other_person" and not notes:
                    status = "affirmed"
                if status != "affirmed":
                    continue
                extra["certainty"] = "possible"
                extra["context"] = INDIRECT_NOTE
            drafts.append(
                _rule_draft(
                    label, subtype, f"{display}: {span.text}", segment, _quote_span(span), conf, status, extra
                )
            )
        elif label == "plan":
            if status not in ("affirmed", "hypothetical"):
                continue
            if subtype == "task" and any(
                o.label_ == "plan" and o.id_ != span.id_ and sentence_of(o).start == sentence_of(span).start
                for o in spans
            ):
                continue  # "task" is the fallback when no more specific plan was said
            if subtype == "task" and question and "when" not in extra:
                continue  # "Would you call that anxiety?", "Can you keep that in mind?": no errand yet
            if "when" not in extra and done_in_session(sentence_of(span).text):
                continue  # "I'll get you one in a minute": done in the session, not a plan for after it
            if status == "hypothetical" or question:
                conf *= 0.6
            clause = _quote_span(span)
            drafts.append(
                _rule_draft(
                    label, subtype, f"{display}: {clause.text.strip()}", segment, clause, conf, status, extra
                )
            )
    screening = [d for d in drafts if d.subtype == "risk_screening"]
    if len(screening) > 1:  # once per turn, quoting the question itself where there is one
        keep = next((d for d in screening if d.evidence[0].quote.rstrip().endswith("?")), screening[0])
        drafts = [d for d in drafts if d.subtype != "risk_screening" or d is keep]
    if heads and not notes:
        # "On a scale from 1 to 10, ...?" is a scaling question: the head's "closed question" adds nothing
        named = any(d.label == "intervention" and d.subtype in NAMED_QUESTIONS for d in drafts)
        drafts.extend(
            d
            for d in _head_drafts(segment, doc, heads, worker, worker_factor, role, has_goal_rule, taxonomy)
            if not (named and d.subtype in ("open_question", "closed_question"))
        )
    found = doc._.scribe_risk_found
    if found and not (role == "worker" or (not notes and worker and worker_factor == 1.0)):
        model, denied = _model_risk(segment, doc, found, spans, taxonomy)
        if denied:
            drafts = [
                d
                for d in drafts
                if not (
                    d.label == "risk"
                    and d.status == "negated"
                    and any(d.evidence[0].char_start < e and s < d.evidence[0].char_end for s, e in denied)
                )
            ]
        sure = [m for m in model if m.status == "affirmed" and "certainty" not in m.attributes]
        # A warning sign the classifier reads as current risk in the same words is its finding.
        drafts = [
            d
            for d in drafts
            if not (
                d.attributes.get("context") == INDIRECT_NOTE
                and any(
                    m.subtype == d.subtype
                    and m.evidence[0].char_start < d.evidence[0].char_end
                    and d.evidence[0].char_start < m.evidence[0].char_end
                    for m in sure
                )
            )
        ]
        drafts.extend(model)
    for d in drafts:
        d.role = role
    return drafts


def _head_drafts(
    segment: Segment,
    doc: Doc,
    heads: dict,
    worker: bool,
    worker_factor: float,
    role: str | None,
    has_goal_rule: bool,
    taxonomy: Taxonomy,
) -> list[_Draft]:
    out: list[_Draft] = []
    if worker:
        skill = max(heads["skill"], key=heads["skill"].get)
        p = heads["skill"][skill]
        if skill in SKILL_SUBTYPES and p >= SKILL_MIN_P:
            sub = SKILL_SUBTYPES[skill]
            out.append(
                _Draft(
                    "intervention",
                    sub,
                    taxonomy.display("intervention", sub),
                    [_evidence(segment)],
                    segment,
                    p * worker_factor,
                    "affirmed",
                    "minilm-head",
                    {"annomi_class": skill},
                )
            )
    elif role in (None, "client") and not has_goal_rule and not _has_risk(doc):
        p = heads["talk"]["change"]
        if p >= CHANGE_MIN_P and names_what_changes(doc):
            words = doc.text.split()
            text = "change talk: " + " ".join(words[:14]) + (" …" if len(words) > 14 else "")
            out.append(
                _Draft(
                    "goal",
                    "goal",
                    text,
                    [_evidence(segment)],
                    segment,
                    p * 0.8,
                    "affirmed",
                    "minilm-head",
                    {"change_talk": "change", "change_talk_p": f"{p:.2f}"},
                )
            )
    return out


#: Verbs too light to say on their own what would change ("I could try that", "I'll do it").
# fmt: off
_LIGHT_VERBS = frozenset((
    "be", "am", "is", "are", "was", "were", "been", "being", "do", "does",
    "did", "doing", "done", "have", "has", "had", "having", "try", "tries", "tried",
    "trying", "get", "gets", "got", "getting", "go", "goes", "went", "going", "gone",
    "make", "makes", "made", "think", "thinks", "thought", "guess", "mean", "say", "says",
    "said", "sound", "sounds", "see", "know",
))
# fmt: on


def names_what_changes(doc: Doc) -> bool:
    """Whether an utterance says what would change, so it can stand in a note as change talk.

    "I could try that." is change talk in the conversation, but quoted alone it
    leans on the worker's words; a noun, an adjective or a full verb says what.
    Without the tagger's tags nothing can be told, and the utterance stands.
    """
    if not any(t.tag_ for t in doc):
        return True
    return any(
        t.tag_.startswith(("NN", "JJ")) or (t.tag_.startswith("VB") and t.lower_ not in _LIGHT_VERBS)
        for t in doc
    )


def keep_goal(subtype: str, negated: bool, talk: dict[str, float] | None) -> bool:
    """Whether a rule-found goal cue stands, given the change-talk head's view of the utterance.

    Without the head (typed notes, a pipeline built without it) every cue stands.
    """
    if talk is None:
        return True
    if negated and talk["sustain"] > talk["change"]:
        return False  # "I don't want to stop": sustain talk, not a goal
    if subtype in WEAK_GOAL_CUES:
        return talk["change"] >= WEAK_GOAL_MIN_P and talk["change"] >= talk["sustain"]
    return True


def names_a_goal(span: Span, attrs: dict[str, str]) -> bool:
    """The words after a goal cue name something to achieve (not "I'm going to the store")."""
    return not attrs.get("not_a_goal") and _has_content(span, attrs.get("normalised", ""))


def _has_content(span: Span, normalised: str) -> bool:
    # "I should, uh-" names no goal: want at least two words after the cue.
    words = [
        w for w in normalised.split() if w.isalpha() and w not in ("uh", "um", "like", "just", "you", "know")
    ]
    return len(words) >= 3 or (normalised.startswith("goal:") and len(words) >= 2)


#: The verb a worker's notes document a denial with ("Client denies SI", "She denied any thoughts").
DOCUMENTED_DENIAL = re.compile(r"(?i)\bden(?:y|ies|ied|ying)\b")


def _model_risk(
    segment: Segment, doc: Doc, found, spans: list[Span], taxonomy: Taxonomy
) -> tuple[list[_Draft], set[tuple[int, int]]]:
    """Risk the clause classifier read in the client's words that the lexicon did not name.

    Recall first: a finding below the high threshold, or whose timing or wording is unclear,
    is kept as *possible* risk (``certainty=possible``) for the worker to decide, never dropped
    and never documented as fact. Where the lexicon found the same type in the same words,
    its finding stands (it also knows the negation around the words), unless it is a denial and
    the classifier reads the same type affirmed there: the affirmation wins, and the character
    spans of the denials it overrides are returned beside the findings.
    """
    out: list[_Draft] = []
    denied: set[tuple[int, int]] = set()
    rule = [s for s in spans if s.label_ == "risk"]
    for f in found:
        same = [
            s
            for s in rule
            if s.id_ == f"risk.{f.subtype}"
            and s.start_char < f.end_char
            and f.start_char < s.end_char
            # words that only point to the type leave the reading to the classifier
            and attrs_of(s).get("match") != "indirect"
        ]
        # A denial beside a disclosure does not hide it: the affirmation wins. A worker's notes that
        # say "denied" have documented the denial: only a certain reading overrides it.
        documented = (
            doc._.scribe_source in NOTE_SOURCES
            and not f.certain
            and DOCUMENTED_DENIAL.search(doc.text[f.start_char : f.end_char]) is not None
        )
        if same and (
            documented or not (f.status == "affirmed" and all(s._.scribe_status == "negated" for s in same))
        ):
            continue
        denied.update((s.start_char, s.end_char) for s in same)
        if f.status != "affirmed" and not f.certain:
            continue  # a weak reading that is not the client's current risk documents nothing
        quote = doc.char_span(f.start_char, f.end_char, alignment_mode="expand")
        display = taxonomy.display("risk", f.subtype)
        attrs = {"risk_p": f"{f.probability:.2f}", "context": f.note or "clause classifier"}
        certain = f.certain
        if f.subtype == "substance_crisis" and any(
            s.label_ == "goal" and s.start_char < f.end_char and f.start_char < s.end_char for s in spans
        ):
            # Wanting to cut down is one CAGE item: worth a question, not a crisis on its own.
            certain, attrs["context"] = False, "a wish to cut down on use; check"
        if f.status == "affirmed" and not certain:
            attrs["certainty"] = "possible"
            text = f"Possible {display[0].lower()}{display[1:]} (in other words; check)"
        else:
            text = f"{display} (in other words)"
        conf = f.probability * (1.0 if certain else 0.6)
        evidence = _evidence(segment, quote) if quote is not None else _evidence(segment)
        out.append(_Draft("risk", f.subtype, text, [evidence], segment, conf, f.status, "minilm-risk", attrs))
    return out, denied


def _rescope_risk(span: Span, status: str, conversation: bool) -> Scope | None:
    """A lexicon finding's status read again in its own clause; ``certain=False`` marks an affirmed
    finding whose timing or wording the worker should check (kept as possible risk), None a figure
    of speech (no finding).

    ConText's triggers see "used to"; the clause also knows "as a little girl", "my ex" and who
    the subject is ("my father died by suicide").
    """
    kind = span.id_.split(".", 1)[1]
    if status == "historical" and goes_on(sentence_of(span)):
        # "I used to cut myself, and I really want to again": past, and not over
        return Scope("affirmed", False, "began in the past and goes on; check")
    if status != "affirmed":
        return Scope(status, True)
    if _FIGURATIVE_AFTER.match(span.doc.text[span.end_char :]):
        return None
    sent = sentence_of(span)
    if read_away(kind, sent):
        return None
    scored = span.doc._.scribe_risk_sents or []
    p = next((q.get(kind) for s, e, q in scored if s <= span.start_char < e), None)
    if p is not None and p < RISK_CONFIRM:
        # "I abuse the snooze button", "I neglected the garden": the word, not the risk.
        return Scope("affirmed", False, "the sentence may use the word in another sense; check")
    if kind == "harm_to_others" and anger_said(sent.text, span.doc.text):
        return Scope("affirmed", False, "said as what the client could do, in anger; ask about intent")
    clause = next((c for c in clauses(sent) if c.start <= span.start < c.end), sent)
    # Whose it is is read in the matched verb's own clause: in "I'm struggling because she said
    # she was raped", the speaker's "I" belongs to another clause than the act.
    verb = span.root
    if verb.dep_ in ("ccomp", "advcl", "relcl", "conj") and any(
        c.dep_ in ("nsubj", "nsubjpass") for c in verb.children
    ):
        inner = span.doc[verb.left_edge.i : verb.right_edge.i + 1]
        if len(inner) < len(clause):
            own = clause_status(inner, sent, kind, conversation)
            if own.status == "other_person":
                return own
    scope = clause_status(clause, sent, kind, conversation)
    if scope.status in ("historical", "other_person") or (scope.status == "affirmed" and not scope.certain):
        return scope
    return Scope(status, True)


def _has_risk(doc: Doc) -> bool:
    # A model-only goal would quote a risk disclosure as "change talk": leave those to the risk label.
    return SPANS_KEY in doc.spans and any(s.label_ == "risk" for s in doc.spans[SPANS_KEY])


def _asked_later(span: Span, between: list[Doc]) -> bool:
    """Whether a question ("?") follows ``span``'s sentence, in its turn or in the turns before the reply."""
    start = sentence_of(span).end
    return any(is_question(x) for x in sentences(span.doc) if x.start >= start) or any(
        is_question(x) for d in between for x in sentences(d)
    )


#: The command-hallucination screen (violence and suicide risk guidance asks it of anyone who hears
#: voices): "Do the voices ever tell you to do things?", "Does the voice tell you to hurt anyone?"
_COMMANDS_ASKED = re.compile(
    r"\bvoices?\b[^?]{0,60}\b(?:tells?|telling|told|orders?|ordering|commands?|asks?|asking|makes?|"
    r"wants?|say(?:s|ing)?)\s+(?:you\b|to you\b)",
    re.I,
)
#: What voices tell a client to do is risk of that type (self-harm, suicide, harming someone).
_COMMANDED = ("harm_to_others", "self_harm", "suicidal_ideation")
#: The classifier's probability of the act's type the answer's sentence needs as well as its words.
_COMMANDED_MIN_P = 0.1


def _commands_answered(question: Doc, q_seg: Segment, answer: Doc, a_seg: Segment) -> list[_Draft]:
    """A yes to the command-hallucination screen, naming an act: possible risk of that act's type."""
    head = " ".join(answer.text.split()[:12])
    if not _COMMANDS_ASKED.search(question.text) or not _AFFIRM.search(head) or _DENY.match(head):
        return []
    fields = load_field()
    found = {f.subtype for f in answer._.scribe_risk_found or [] if f.status == "affirmed"}
    scored = answer._.scribe_risk_sents or []
    asked = next((x for x in sentences(question) if _COMMANDS_ASKED.search(x.text)), question[:])
    out = []
    for kind in _COMMANDED:
        if kind in found:
            continue  # the classifier found it in the answer's own words
        # in the act's words, and weighed as that act by the classifier at least a little
        said = [
            x
            for x in sentences(answer)
            if fields[kind].touches(x)
            and any(s <= x.start_char < e and q.get(kind, 0.0) >= _COMMANDED_MIN_P for s, e, q in scored)
        ]
        if not said:
            continue
        ev = [_evidence(q_seg, asked), _evidence(a_seg, said[0])]
        note = "voices tell the client to do it (command hallucinations); check"
        out.append(
            _Draft(
                "risk",
                kind,
                f"{asked.text} — asked; answer: {said[0].text.strip()}",
                ev,
                a_seg,
                0.5,
                "affirmed",
                "rules+qa",
                {"context": note, "certainty": "possible"},
                answer._.scribe_role,
            )
        )
    return out


def _pair_risk_questions(
    segments: list[Segment], docs: list[Doc], notes: bool, injury: set[int] = frozenset()
) -> list[_Draft]:
    """A worker's risk screening question + the next speaker's answer -> one risk annotation;
    ``injury``: the turns asking about an injury (``_injury_questions``), which screen nothing."""
    out: list[_Draft] = []
    for i, (seg, doc) in enumerate(zip(segments, docs, strict=True)):
        if notes or SPANS_KEY not in doc.spans:
            continue
        worker, _ = _is_worker(doc._.scribe_role, doc._.scribe_heads, doc, notes)
        if not worker:
            continue
        asked = [
            s
            for s in doc.spans[SPANS_KEY]
            if s.label_ == "risk"
            and _asks(s)
            and not (seg.id in injury and _INJURY_ASKED.search(sentence_of(s).text))
        ]
        commands = bool(_COMMANDS_ASKED.search(doc.text))
        if not asked and not commands:
            continue
        answer = next(
            (
                j
                for j in range(i + 1, len(segments))
                if segments[j].text.strip()
                and (segments[j].speaker != seg.speaker or seg.speaker is None)
                and docs[j]._.scribe_role != "worker"
            ),
            None,
        )
        if answer is None:
            continue
        if commands and not _has_risk(docs[answer]):
            out += _commands_answered(doc, seg, docs[answer], segments[answer])
        # A reply answers the last question put. Words that only announce a screen ("I ask everyone
        # who tells me about self-harm") or ask without "?" are not what "No" answers when a real
        # question follows them before the reply; a question is (several are: "Or of ending your life?").
        asked = [s for s in asked if is_question(sentence_of(s)) or not _asked_later(s, docs[i + 1 : answer])]
        if not asked:
            continue
        a_seg, a_doc = segments[answer], docs[answer]
        if REPAIR.fullmatch(a_doc.text.strip()):
            continue
        named = [s for s in a_doc.spans.get(SPANS_KEY, []) if s.label_ == "risk"]
        if any(s._.scribe_status != "other_person" for s in named):
            continue  # the answer names the risk itself and is annotated on its own
        said = list(sentences(a_doc)) if a_doc.has_annotation("SENT_START") else [a_doc[:]]
        # a stage direction ("(long pause)") is not what was said
        said = [x for x in said if not re.fullmatch(r"\(.*\)", x.text.strip())] or said
        first = said[0]
        head = " ".join(a_doc.text.split()[:12])
        affirm, deny = bool(_AFFIRM.search(head)), bool(_DENY.match(head))
        later = next(
            (k for k, x in enumerate(said[1:6], 1) if _LATER_YES_NO.match(x.text)),
            None,
        )
        if _ECHO_OPENING.search(first.text) and later is not None:
            # "Doing myself in, you mean. ... You think things. But no. Not seriously.": the answer
            # is quoted to its yes or no (and a short word after it); what is said between the echo
            # and a no is not denied with it
            end = later + 1 if later + 1 < len(said) and len(said[later + 1]) <= 4 else later
            first = a_doc[first.start : said[end].end]
            yes_no = _LATER_YES_NO.match(said[later].text).group(1).lower()
            said_between = any(any(t.is_alpha for t in x) for x in said[1:later])
            deny = yes_no in _NO
            affirm = not deny or said_between
        if affirm:
            status, conf, note = "affirmed", (0.5 if deny else 0.8), "answer to a screening question"
        elif deny:
            status, conf, note = "negated", 0.8, "denied when asked"
        else:
            status, conf, note = "affirmed", 0.4, "answer to a screening question is unclear; check"
        told = " ".join(x.text for x in list(sentences(a_doc))[:3])
        if status == "affirmed" and _past_answer().search(told) and not _NOW_ANSWER.search(told):
            status, note = "historical", "the answer tells of the past; check"
        if named and status != "negated":
            continue  # "My brother did, in 1979": someone else's risk, annotated on its own; only a no is the client's
        seen: set[str] = set()
        for span in asked:
            subtype = span.id_.split(".", 1)[1]
            if subtype in seen:
                continue
            seen.add(subtype)
            ev = [_evidence(seg, _quote_span(span)), _evidence(a_seg, first)]
            out.append(
                _Draft(
                    "risk",
                    subtype,
                    f"{span.text} — asked; answer: {first.text.strip()}",
                    ev,
                    a_seg,
                    conf,
                    status,
                    "rules+qa",
                    {"context": note},
                    a_doc._.scribe_role,
                )
            )
    return out


#: How a lexicon match on words that only point to a risk type is marked for the worker.
INDIRECT_NOTE = "said in other words, as warning-sign lists give it; check"


def annotate(transcript: Transcript, docs: list[Doc], taxonomy: Taxonomy) -> list[Annotation]:
    """All annotations for a transcript whose segments were tagged into ``docs`` (same order)."""
    notes = transcript.source in NOTE_SOURCES
    drafts: list[_Draft] = []
    for seg, doc in zip(transcript.segments, docs, strict=True):
        drafts.extend(annotate_doc(seg, doc, taxonomy, notes))
    segs = transcript.segments
    injury = _injury_questions(segs)
    paired = _pair_risk_questions(segs, docs, notes, injury)
    # An answer to a screening question is documented with its question, not again on its own;
    # "Did you hurt yourself?" of a fall screens nothing, and "Bruised my hip" tells the injury asked about
    answered = {(d.segment.id, d.subtype) for d in paired}
    answered |= {(segs[i + 1].id, "self_harm") for i, seg in enumerate(segs[:-1]) if seg.id in injury}
    drafts = [d for d in drafts if not (d.subtype == "risk_screening" and d.segment.id in injury)]
    drafts = [d for d in drafts if d.source != "minilm-risk" or (d.segment.id, d.subtype) not in answered]
    drafts.extend(paired)
    merged: dict[tuple, _Draft] = {}
    for d in drafts:
        old = merged.get(d.key)
        if old is None:
            merged[d.key] = d
        elif d.label in ("observation", "risk") and d.text != old.text:
            # Several phrases of one subtype in one sentence: one annotation naming them all.
            old.text = f"{old.text}, {d.text.split(': ', 1)[-1]}"
            old.confidence = max(old.confidence, d.confidence)
            if old.label == "risk" and d.status == "affirmed":
                old.status = "affirmed"  # recall first: any affirmed mention wins
                if "certainty" not in d.attributes:
                    old.attributes.pop("certainty", None)
        elif d.confidence > old.confidence:
            merged[d.key] = d
    order = {s.id: i for i, s in enumerate(transcript.segments)}
    ordered = sorted(
        merged.values(),
        key=lambda d: (order.get(d.evidence[0].segment_id, 0), d.evidence[0].char_start, d.label, d.subtype),
    )
    return [
        Annotation(
            id=f"a{i}",
            label=d.label,
            subtype=d.subtype,
            text=d.text,
            evidence=d.evidence,
            speaker=d.segment.speaker,
            role=d.role,  # type: ignore[arg-type]
            confidence=round(min(max(d.confidence, 0.0), 1.0), 3),
            status=d.status,  # type: ignore[arg-type]
            source=d.source,
            attributes=d.attributes,
        )
        for i, d in enumerate(ordered, start=1)
    ]
