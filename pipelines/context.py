"""The ``scribe_context`` component: each finding's status (affirmed, negated, historical,
hypothetical, other_person).

Negation itself comes from negspacy's NegEx (the ``negex`` pipe, run before this one
on the same span group; its verdict is in ``span._.negex``). negspacy knows nothing
else, and medspaCy's ConText, which does, pins spacy<3.8 and numpy<2; so history,
hypotheticals and other people are found here with the ConText algorithm (Harkema
et al. 2009, doi:10.1016/j.jbi.2009.05.002): trigger phrases from
``pipelines/data/context.yaml`` with a direction, whose scope runs to the sentence
end, a termination phrase or ``window`` tokens. "About someone else" also uses the
dependency parse: the grammatical subject of the finding ("my brother tried to hurt
himself").

NegEx's scope is the whole sentence, which in run-on speech reads "I can't take it
anymore, I want to die" as a denial. So a NegEx verdict stands only when its trigger
is within ``window`` tokens of the finding with no clause break (punctuation, "and",
"but", ...) between. Recall comes first for risk (a missed disclosure is the worst error): a risk whose negation is
merely distant stays affirmed, at lower confidence, with a note to check it.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from pipelines.components import SPANS_KEY, attrs_of, is_question, sentence_of, subject_of
from pipelines.taxonomy import ContextRules, load_context, negex_termset
from scribe.core.records import NOTE_SOURCES

_FIRST_SECOND = {"i", "me", "we", "us", "myself", "you", "yourself", "ourselves"}
#: Between a negation and its target these end the negation's reach in speech.
_CLAUSE_BREAK = {",", ";", ":", "—", "–", "-", "...", "and", "or", "but", "because", "cause", "so", "then"}
#: A subject pronoun between a negation and the finding starts a clause the negation may not reach.
_SUBJECTS = {"i", "he", "she", "they", "we", "you"}
#: Verbs whose negation denies their object ("I don't have nightmares", "I don't use drugs").
_LIGHT_VERBS = {
    "have",
    "get",
    "feel",
    "use",
    "take",
    "do",
    "see",
    "hear",
    "notice",
    "experience",
    "drink",
    "smoke",
}
_NOTE_BREAK = {";", "but", "however", "although", "though", "except"}
#: When several modifiers apply, the first in this order wins.
PRIORITY = ("other_person", "negated", "hypothetical", "historical")


@dataclass(frozen=True)
class Verdict:
    span: Span
    status: str
    question: bool
    note: str = ""
    confidence_factor: float = 1.0


@Language.factory(
    "scribe_context",
    default_config={"context_path": "", "spans_key": SPANS_KEY, "window": 0},
)
def make_context(
    nlp: Language, name: str, *, context_path: str, spans_key: str, window: int
) -> ConTextStatus:
    return ConTextStatus(nlp, name, context_path=context_path, spans_key=spans_key, window=window)


class ConTextStatus:
    def __init__(
        self,
        nlp: Language,
        name: str = "scribe_context",
        *,
        context_path: str = "",
        spans_key: str = SPANS_KEY,
        window: int = 0,
    ):
        self.name = name
        self.spans_key = spans_key
        self.rules: ContextRules = load_context(context_path)
        self.window = window or self.rules.window
        self.triggers = PhraseMatcher(nlp.vocab, attr="NORM")
        for status, dirs in self.rules.modifiers.items():
            for direction, phrases in dirs.items():
                if phrases:
                    self.triggers.add(f"{status}|{direction}", list(nlp.tokenizer.pipe(phrases)))
        if self.rules.termination:
            self.triggers.add("terminate|", list(nlp.tokenizer.pipe(self.rules.termination)))
        # The same termset negspacy uses, to locate the trigger of a NegEx verdict.
        terms = negex_termset(self.rules)
        self.negations = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.negations.add("pre", list(nlp.tokenizer.pipe(terms["preceding_negations"])))
        self.negations.add("fol", list(nlp.tokenizer.pipe(terms["following_negations"])))
        self.negations.add("pseudo", list(nlp.tokenizer.pipe(terms["pseudo_negations"])))

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def match(self, doc: Doc) -> list[Verdict]:
        if self.spans_key not in doc.spans or not len(doc.spans[self.spans_key]):
            return []
        strings = doc.vocab.strings
        triggers = [(strings[m].split("|"), s, e) for m, s, e in self.triggers(doc)]
        negs = [(strings[m], s, e) for m, s, e in self.negations(doc)]
        pseudo = [(s, e) for k, s, e in negs if k == "pseudo"]
        negs = [(k, s, e) for k, s, e in negs if k != "pseudo" and not any(ps <= s < pe for ps, pe in pseudo)]
        conversation = doc._.scribe_source not in NOTE_SOURCES
        out: list[Verdict] = []
        for span in doc.spans[self.spans_key]:
            sent = sentence_of(span)
            subtype = span.id_.split(".", 1)[-1]
            found: dict[str, str] = {}
            if span.label_ in self.rules.other_labels or subtype in self.rules.other_subtypes:
                who = self._other_person(span, conversation)
                if who:
                    found["other_person"] = who
            negated = bool(span._.get("negex")) if Span.has_extension("negex") else False
            factor = 1.0
            note = ""
            if negated:
                closeness = self._close_negation(span, sent, negs, conversation)
                if closeness == "separated":  # "I can't take it anymore, I want to die"
                    negated = False
                elif closeness == "far":
                    negated = False
                    if span.label_ == "risk":
                        factor, note = 0.6, "a negation is nearby but not clearly about this; check"
            if negated:
                found["negated"] = "negex"
            for status in ("hypothetical", "historical", "other_person"):
                if status not in found:
                    hit = self._modified(span, sent, triggers, status)
                    if hit:
                        found[status] = hit
            status = next((s for s in PRIORITY if s in found), "affirmed")
            if status != "affirmed" and not note:
                note = f"{status}: {found[status]}"
            out.append(Verdict(span, status, is_question(sent), note, factor))
        return out

    def set_annotations(self, doc: Doc, verdicts: list[Verdict]) -> None:
        for v in verdicts:
            v.span._.scribe_status = v.status
            v.span._.scribe_confidence = v.span._.scribe_confidence * v.confidence_factor
            attrs = attrs_of(v.span)
            if v.question:
                attrs["question"] = "yes"
            if v.note:
                attrs["context"] = v.note

    # --- the three checks ------------------------------------------------------

    def _other_person(self, span: Span, conversation: bool) -> str:
        """Who else the finding is about, or "" if it is about the speaker (or the client)."""
        doc = span.doc
        after = doc[span.end].lower_ if span.end < len(doc) else ""
        for tok in [*span, *([doc[span.end]] if after else [])]:
            # in a worker's notes "she" and "herself" are the client ("denied thoughts of harming herself")
            if tok.lower_ in self.rules.reflexives and conversation:
                return tok.text
        # the act's owner named before it: "my sister's cutting", "my dad's drinking"
        for tok in span:
            for c in tok.children:
                word = c.lower_
                if c.dep_ == "poss" and (
                    word in self.rules.other_nouns or word.removesuffix("s") in self.rules.other_nouns
                ):
                    return c.text
        subj = subject_of(span)
        if subj is None:
            return ""
        root = subj.root
        word = root.lower_
        if word in _FIRST_SECOND or any(t.lower_ in ("my", "i") and t.i == root.i for t in subj):
            return ""
        # No lemmatizer in the pipeline (it was a third of spaCy's time): strip a plural "s".
        if word in self.rules.other_nouns or word.removesuffix("s") in self.rules.other_nouns:
            return subj.text
        if conversation and word in self.rules.other_pronouns:
            return subj.text
        return ""

    def _close_negation(
        self, span: Span, sent: Span, negs: list[tuple[str, int, int]], conversation: bool
    ) -> str:
        """Whether a NegEx verdict stands: "close" if a trigger is within the window with no clause
        break or new subject between, "separated" if the triggers in reach are cut off by a clause
        break, else "far" (a risk then stays affirmed but is flagged for review).

        Typed notes list denials ("Denies SI, HI, AVH"), so there only ";" and "but"-words break.
        An observation is a topic, so in speech its negation must govern it: "I can't afford the
        rent" negates affording, not the rent (the trigger's head is the finding's head, or the
        trigger sits right before it).
        """
        doc = span.doc
        breaks = _CLAUSE_BREAK if conversation else _NOTE_BREAK
        # "far" (a plausible but unclear negation: out of the window, or across a new subject)
        # outranks "separated": "No, I have never thought I'm out killing myself" (ASR for
        # "about") must be reviewed, not read as plainly affirmed.
        far = separated = False
        for kind, s, e in negs:
            if not (sent.start <= s < sent.end):
                continue
            if kind == "pre" and e <= span.start:
                between = doc[e : span.start]
            elif kind == "fol" and s >= span.end:
                between = doc[span.end : s]
            else:
                continue
            if any(t.lower_ in breaks for t in between):
                separated = True
            elif len(between) > self.window or any(t.lower_ in _SUBJECTS for t in between):
                far = True
            elif (
                conversation
                and span.label_ == "observation"
                and len(between) > 1
                and doc.has_annotation("DEP")
                and not any(self._governs(t, span) for t in doc[s:e])
            ):
                separated = True
            else:
                return "close"
        return "separated" if separated and not far else "far"

    @staticmethod
    def _governs(neg, span: Span) -> bool:
        """Does negation token ``neg`` negate ``span`` itself, not just a verb it depends on?"""
        root = span.root
        if neg.head.i == root.i:  # "I don't drink"
            return True
        if neg.head.i != root.head.i:
            return False
        # "I'm not depressed", "I don't have nightmares"; but not "I can't afford the rent".
        return root.dep_ in ("acomp", "attr", "advmod", "oprd") or root.head.lower_ in _LIGHT_VERBS

    def _modified(self, span: Span, sent: Span, triggers: list, status: str) -> str:
        """ConText: a ``status`` trigger whose scope (to a terminator, sentence end or window) covers ``span``."""
        doc = span.doc
        terms = [s for (kind, _), s, _e in triggers if kind == "terminate" and sent.start <= s < sent.end]
        for (kind, direction), s, e in triggers:
            if kind != status or not (sent.start <= s < sent.end):
                continue
            if direction == "forward" and e <= span.start:
                if span.start - e > self.window or any(e <= t < span.start for t in terms):
                    continue
                return doc[s:e].text
            if direction == "backward" and s >= span.end:
                if s - span.end > self.window or any(span.end <= t < s for t in terms):
                    continue
                return doc[s:e].text
        return ""
