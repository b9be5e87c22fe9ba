"""spaCy components of the tagger: taxonomy rules and goal / plan details (MiniLM: pipelines/minilm.py).

Each is a ``Doc -> Doc`` callable registered with ``@Language.factory``, configured
by keyword-only typed settings, and separates finding (``match``) from writing
(``set_annotations``), as spaCy's own SpanRuler does. Findings live in
``doc.spans[spans_key]`` (default ``"scribe"``): ``span.label_`` is the label
("risk"), ``span.id_`` the taxonomy key ("risk.suicidal_ideation"); per-span
extras sit in the ``span._.scribe_*`` extensions registered below.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipelines.taxonomy import load_taxonomy

SPANS_KEY = "scribe"


def register_extensions() -> None:
    """Register the custom attributes once (guarded, so re-imports and tests are safe)."""
    for name, default in (
        ("scribe_status", "affirmed"),
        ("scribe_confidence", 0.9),
        ("scribe_source", "rules"),
        ("scribe_attrs", None),
    ):
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)
    for name, default in (
        ("scribe_role", None),
        ("scribe_source", "audio"),
        ("scribe_heads", None),
        ("scribe_risk_found", None),
        ("scribe_risk_sents", None),
    ):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)


register_extensions()


def attrs_of(span: Span) -> dict[str, str]:
    """The span's attribute dict, created on first use (extension defaults must not be shared)."""
    attrs = span._.scribe_attrs
    if attrs is None:
        attrs = {}
        span._.scribe_attrs = attrs
    return attrs


def sentence_of(span: Span) -> Span:
    """The sentence holding ``span``, or the whole doc when nothing set sentence boundaries."""
    doc = span.doc
    return span.sent if doc.has_annotation("SENT_START") else doc[:]


def sentences(doc: Doc) -> list[Span]:
    """The sentences of ``doc``, or the whole doc as one when nothing set sentence boundaries."""
    return list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]


#: Times that fall within the session itself: what is done then is no plan for after it.
_IN_SESSION = re.compile(
    r"\b(?:in (?:a|one|just a) (?:minute|min|moment|sec|second|tick|jiffy)|"
    r"before you go|before you leave|while you.re here)\b",
    re.I,
)


def done_in_session(text: str) -> bool:
    """Whether ``text`` puts what it says within the session ("I'll get you one in a minute")."""
    return bool(_IN_SESSION.search(text))


def is_question(sent: Span) -> bool:
    return sent.text.rstrip().endswith("?")


def _needs_annotation(pattern: Iterable[dict]) -> bool:
    return any(k.upper() in ("LEMMA", "POS", "TAG", "DEP", "MORPH") for tok in pattern for k in tok)


def with_contractions(phrases: Iterable[str]) -> list[str]:
    """Each phrase, plus its "'s" form: NORM maps "I'm" to "i am" but leaves "it's" as "'s" (is / has)."""
    out: list[str] = []
    for p in phrases:
        out.append(p)
        short = re.sub(r"(\w) (is|has) ", r"\1's ", p + " ").strip()
        if short != p:
            out.append(short)
    return out


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    key: str
    #: "phrase", "pattern" or "name" (a modality's name: only a mention unless enacted).
    kind: str


@Language.factory(
    "scribe_taxonomy",
    default_config={"taxonomy_path": "", "spans_key": SPANS_KEY},
)
def make_taxonomy_matcher(nlp: Language, name: str, *, taxonomy_path: str, spans_key: str) -> TaxonomyMatcher:
    return TaxonomyMatcher(nlp, name, taxonomy_path=taxonomy_path, spans_key=spans_key)


class TaxonomyMatcher:
    """Finds every taxonomy phrase, modality name and token pattern in a doc."""

    def __init__(
        self,
        nlp: Language,
        name: str = "scribe_taxonomy",
        *,
        taxonomy_path: str = "",
        spans_key: str = SPANS_KEY,
    ):
        self.name = name
        self.spans_key = spans_key
        self.taxonomy = load_taxonomy(taxonomy_path)
        # NORM, not LOWER: "I'm" matches "I am", "can't" matches "cannot".
        self.phrases = PhraseMatcher(nlp.vocab, attr="NORM")
        self.names = PhraseMatcher(nlp.vocab, attr="NORM")
        self.cues = PhraseMatcher(nlp.vocab, attr="NORM")
        self.indirect = PhraseMatcher(nlp.vocab, attr="NORM")
        self.patterns = Matcher(nlp.vocab)
        self.indirect_patterns = Matcher(nlp.vocab)
        # Patterns on LEMMA / POS / TAG / DEP need a trained pipeline; kept apart so the
        # rest still runs on spacy.blank("en").
        self.annotated_patterns = Matcher(nlp.vocab)
        for e in self.taxonomy.entries:
            if e.phrases:
                self.phrases.add(e.key, list(nlp.tokenizer.pipe(with_contractions(e.phrases))))
            if e.names:
                self.names.add(e.key, list(nlp.tokenizer.pipe(with_contractions(e.names))))
            if e.indirect:
                self.indirect.add(e.key, list(nlp.tokenizer.pipe(with_contractions(e.indirect))))
            if e.indirect_patterns:
                self.indirect_patterns.add(e.key, [list(p) for p in e.indirect_patterns])
            plain = [list(p) for p in e.patterns if not _needs_annotation(p)]
            annotated = [list(p) for p in e.patterns if _needs_annotation(p)]
            if plain:
                self.patterns.add(e.key, plain)
            if annotated:
                self.annotated_patterns.add(e.key, annotated)
        if self.taxonomy.enactment_cues:
            self.cues.add("enact", list(nlp.tokenizer.pipe(self.taxonomy.enactment_cues)))
        if self.taxonomy.proposal_cues:
            self.cues.add("propose", list(nlp.tokenizer.pipe(self.taxonomy.proposal_cues)))
        self._entries = {e.key: e for e in self.taxonomy.entries}

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def match(self, doc: Doc) -> list[Match]:
        """All matches, minus excluded contexts; per taxonomy key the longest of overlapping ones."""
        vocab = doc.vocab.strings
        found: list[Match] = []
        matchers = [
            (self.phrases, "phrase"),
            (self.patterns, "pattern"),
            (self.names, "name"),
            (self.indirect, "indirect"),
            (self.indirect_patterns, "indirect"),
        ]
        if len(self.annotated_patterns) and all(doc.has_annotation(a) for a in ("LEMMA", "POS", "DEP")):
            matchers.append((self.annotated_patterns, "pattern"))
        for matcher, kind in matchers:
            for match_id, start, end in matcher(doc):
                key = vocab[match_id]
                entry = self._entries[key]
                # Exclusions guard one-word matches ("cutting" back, "substance abuse"); a longer
                # phrase is specific already ("I cut myself the other day" must never be dropped).
                single = end - start == 1
                if single and entry.not_after and start > 0 and doc[start - 1].lower_ in entry.not_after:
                    continue
                if single and entry.not_before and end < len(doc) and doc[end].lower_ in entry.not_before:
                    continue
                found.append(Match(start, end, key, kind))
        by_key: dict[str, list[Match]] = {}
        for m in found:
            by_key.setdefault(m.key, []).append(m)
        kept: list[Match] = []
        for key, ms in by_key.items():
            spans = filter_spans([Span(doc, m.start, m.end, label=key) for m in ms])
            kinds = {(m.start, m.end): m.kind for m in ms}
            kept.extend(Match(s.start, s.end, key, kinds[(s.start, s.end)]) for s in spans)
        return sorted(kept, key=lambda m: (m.start, m.end, m.key))

    def set_annotations(self, doc: Doc, matches: Iterable[Match]) -> None:
        strings = doc.vocab.strings
        cues = [(strings[m], start) for m, start, _ in self.cues(doc)]
        spans: list[Span] = list(doc.spans[self.spans_key]) if self.spans_key in doc.spans else []
        for m in matches:
            entry = self._entries[m.key]
            span = Span(doc, m.start, m.end, label=entry.label, span_id=m.key)
            spans.append(span)
            attrs = attrs_of(span)
            attrs["match"] = m.kind
            if entry.family:
                attrs["family"] = entry.family
            if entry.activities and span.text.lower() in entry.activities:
                attrs["activity"] = "yes"
            if m.kind == "name":
                sent = sentence_of(span)
                # A statement with a doing-word enacts it; a question only when it offers it.
                wanted = "propose" if is_question(sent) else "enact"
                enacted = any(kind == wanted and sent.start <= s < sent.end for kind, s in cues)
                attrs["enacted"] = "yes" if enacted else "no"
        doc.spans[self.spans_key] = spans


# --- goals and plans ---------------------------------------------------------

_SUBJECTS = ("nsubj", "nsubjpass", "csubj", "expl")
_CLIMB = (
    "xcomp",
    "ccomp",
    "pcomp",
    "prep",
    "pobj",
    "dobj",
    "acomp",
    "advcl",
    "amod",
    "compound",
    "attr",
    "aux",
    "neg",
)
_CLAUSE_END = {"but", ";", "however", "although", "though"}
#: "I'd like you to bring ...": the speaker asks the listener to do it.
_LISTENER_DOES = re.compile(r"i\s*(?:would|'d|’d)\s+like\s+you\s+to\b", re.IGNORECASE)
_PRONOUN_MAP = {"my": "their", "me": "them", "myself": "themselves", "i": "they", "mine": "theirs"}
_VERB_3RD = {
    "want": "wants",
    "need": "needs",
    "have": "has",
    "'ve": "has",
    "am": "is",
    "'m": "is",
    "do": "does",
    "wanna": "wants to",
    "hope": "hopes",
    "wish": "wishes",
    "plan": "plans",
    "promise": "promises",
    "gotta": "has to",
}


#: Modals (and the stems spaCy leaves of "won't", "can't") as they should read in a normalised goal.
_MODALS = {
    "can": "can", "ca": "can", "could": "could", "will": "will", "wo": "will", "'ll": "will",
    "would": "would", "'d": "would", "should": "should", "must": "must", "might": "might", "may": "may",
    "shall": "shall", "sha": "shall",
}  # fmt: skip


def subject_of(span: Span) -> Span | None:
    """The grammatical subject governing ``span`` (climbing xcomp / prep chains), if parsed."""
    if not span.doc.has_annotation("DEP"):
        return None
    tok = span.root
    for _ in range(6):
        subj = [c for c in tok.children if c.dep_ in _SUBJECTS]
        if subj:
            return span.doc[subj[0].left_edge.i : subj[0].i + 1]
        if tok.dep_ in _CLIMB and tok.head is not tok:
            tok = tok.head
        else:
            return None
    return None


#: After "I want to" / "I have to": talk about the conversation itself, not a change.
# fmt: off
_TALK_VERBS = frozenset((
    "say", "tell", "ask", "mention", "add", "admit", "clarify", "thank", "apologize", "apologise",
    "know", "hear", "explain",
))
# fmt: on


def not_a_goal(cue: Span) -> str:
    """Why a matched goal cue names no goal, or "" when it may name one.

    Needs the tagger's fine-grained tags (without them every cue may be a goal):
    "I'm going to the store" has a preposition where an intention has an
    infinitive "to" ("going" only: after "have to" a preposition is a mis-tagged
    stammer); "I want to know what you think" is about the conversation.
    """
    last = cue[-1]
    if last.lower_ != "to":
        return ""
    if last.tag_ == "IN" and any(t.lower_ == "going" for t in cue):
        return "place"
    after = (t for t in cue.doc[cue.end : sentence_of(cue).end] if t.tag_ not in ("RB", "RBR"))
    verb = next(after, None)
    if verb is not None and verb.tag_ == "VB" and verb.lower_ in _TALK_VERBS:
        return "conversation"
    return ""


def goal_clause(span: Span, max_tokens: int = 25) -> Span:
    """From the goal cue to the end of its clause (sentence end, "but", ";"), at most ``max_tokens``."""
    sent = sentence_of(span)
    end = span.end
    while end < sent.end and end - span.start < max_tokens and span.doc[end].lower_ not in _CLAUSE_END:
        end += 1
    while end > span.end and span.doc[end - 1].is_punct:
        end -= 1
    return span.doc[span.start : end]


def normalise_goal(clause: Span) -> str:
    """A short third-person form of a first-person goal: "I want to see my kids" -> "wants to see their kids"."""
    toks = list(clause)
    if toks and toks[0].lower_ in ("i", "client", "she", "he", "they", "pt", "patient"):
        toks = toks[1:]
    if len(toks) >= 2 and toks[0].lower_ in ("my", "the") and toks[1].lower_ == "goal":
        rest = toks[2:]
        while rest and rest[0].lower_ in ("is", "would", "be", "'s", "main", "to", ":"):
            rest = rest[1:]
        return "goal: " + "".join(t.text_with_ws for t in rest).strip()
    words: list[str] = []
    conjugated = False
    for i, t in enumerate(toks):
        low = t.lower_
        if not conjugated and i < 3 and low in _VERB_3RD:
            # The first verb agrees with the dropped "I" ("I really want" -> "really wants").
            words.append(_VERB_3RD[low] + t.whitespace_)
            conjugated = True
        elif low in _MODALS:
            # "I can do it", "I shouldn't have": nothing after a modal agrees with the subject.
            words.append(_MODALS[low] + t.whitespace_)
            conjugated = True
        elif low == "n't":
            words.append(" not" + t.whitespace_)
        elif low in ("'m", "am") and i > 0 and toks[i - 1].lower_ == "i":
            words.append(("'re" if low == "'m" else " are") + t.whitespace_)  # "when I'm" -> "when they're"
        elif low in _PRONOUN_MAP:
            words.append(_PRONOUN_MAP[low] + t.whitespace_)
        else:
            words.append(t.text_with_ws)
    return " ".join("".join(words).split())


@Language.factory(
    "scribe_details",
    default_config={"taxonomy_path": "", "spans_key": SPANS_KEY, "max_goal_tokens": 25},
)
def make_details(
    nlp: Language, name: str, *, taxonomy_path: str, spans_key: str, max_goal_tokens: int
) -> GoalPlanDetails:
    return GoalPlanDetails(
        nlp, name, taxonomy_path=taxonomy_path, spans_key=spans_key, max_goal_tokens=max_goal_tokens
    )


class GoalPlanDetails:
    """Goals become their whole clause plus a normalised text; plans get who and when."""

    def __init__(
        self,
        nlp: Language,
        name: str = "scribe_details",
        *,
        taxonomy_path: str = "",
        spans_key: str = SPANS_KEY,
        max_goal_tokens: int = 25,
    ):
        self.name = name
        self.spans_key = spans_key
        self.max_goal_tokens = max_goal_tokens
        self.when = Matcher(nlp.vocab)
        patterns = load_taxonomy(taxonomy_path).when_patterns
        if patterns:
            self.when.add("when", [list(p) for p in patterns])

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def match(self, doc: Doc) -> list[tuple[Span, Span, dict[str, str]]]:
        """For each goal / plan span: (old span, new span, attributes to add)."""
        if self.spans_key not in doc.spans:
            return []
        whens = filter_spans([doc[s:e] for _, s, e in self.when(doc)])
        out: list[tuple[Span, Span, dict[str, str]]] = []
        for span in doc.spans[self.spans_key]:
            if span.label_ == "goal":
                clause = goal_clause(span, self.max_goal_tokens)
                extra = {"normalised": normalise_goal(clause)}
                if why := not_a_goal(span):
                    extra["not_a_goal"] = why
                out.append((span, clause, extra))
            elif span.label_ == "plan":
                extra: dict[str, str] = {}
                sent = sentence_of(span)
                when = [w for w in whens if sent.start <= w.start < sent.end]
                if when:  # the time phrase nearest the plan's words
                    extra["when"] = min(
                        when, key=lambda w: min(abs(w.start - span.end), abs(span.start - w.end))
                    ).text
                who = self._who(doc, span)
                if span.id_ == "plan.homework" and who in ("", "worker", "speaker", "worker and client"):
                    # "I'd like you to keep a journal": homework is the client's unless said otherwise.
                    who = "client"
                if who:
                    extra["who"] = who
                out.append((span, span, extra))
        return out

    @staticmethod
    def _who(doc: Doc, span: Span) -> str:
        if _LISTENER_DOES.match(span.text):  # "I'd like you to call ...": the listener does it
            subj = next(doc[t.i : t.i + 1] for t in span if t.lower_ == "you")
        else:
            subj = subject_of(span)
        if subj is None:
            # Unparsed doc: the nearest person pronoun before the match in its sentence.
            sent = sentence_of(span)
            prior = [t for t in doc[sent.start : span.end] if t.lower_ in ("i", "you", "we")]
            if not prior:
                return ""
            subj = doc[prior[-1].i : prior[-1].i + 1]
        word = subj.root.lower_
        role = doc._.scribe_role
        if word == "i":
            return role or "speaker"
        if word == "you":
            return {"worker": "client", "client": "worker"}.get(role or "", "listener")
        if word == "we":
            return "worker and client"
        return subj.text

    def set_annotations(self, doc: Doc, details: list[tuple[Span, Span, dict[str, str]]]) -> None:
        if not details:
            return
        replaced = {(old.start, old.end, old.id_): (new, extra) for old, new, extra in details}
        spans: list[Span] = []
        for span in doc.spans[self.spans_key]:
            hit = replaced.get((span.start, span.end, span.id_))
            if hit is None:
                spans.append(span)
                continue
            new, extra = hit
            new_span = Span(doc, new.start, new.end, label=span.label_, span_id=span.id_)
            attrs = dict(attrs_of(span))
            attrs.update(extra)
            new_span._.scribe_attrs = attrs
            new_span._.scribe_confidence = span._.scribe_confidence
            new_span._.scribe_source = span._.scribe_source
            new_span._.scribe_status = span._.scribe_status
            spans.append(new_span)
        doc.spans[self.spans_key] = spans
