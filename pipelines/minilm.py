"""The ``scribe_minilm`` spaCy component: MiniLM heads per utterance and the risk clause classifier.

The encoder is the costly part of tagging, so the component works in batches (``pipe``):
one encoder call per batch for the utterances and one for the sentences and clauses of the
client's talk (a one-sentence utterance reuses its utterance vector). A batch's models run on
worker threads while spaCy parses the next batch (onnxruntime releases the GIL), and each
distinct utterance of a stream is encoded once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from pipelines.embed import DIM, MiniLMEncoder, load_encoder
from pipelines.heads import features, load_heads
from pipelines.risk import (
    CONTRAST,
    TYPES,
    Scope,
    clause_status,
    load_field,
    load_model,
    read_away,
    units_of,
)
from scribe.core.records import NOTE_SOURCES

#: Clause-classifier probability of a risk type at which a finding is emitted as *possible* risk
#: for the worker to decide, and at which it is documented as affirmed (if its scope is certain).
#: Chosen on the Counsel-Chat development set and AnnoMI client talk (bench/risk.py).
RISK_LOW = 0.75
RISK_HIGH = 0.99
#: Risk to the client's own life is kept for review from a lower probability: a missed wish to die
#: costs most, and suicide screens count any positive answer.
RISK_LOW_SELF = {"suicidal_ideation": 0.55, "self_harm": 0.55}


def low_for(kind: str) -> float:
    """The probability from which a finding of ``kind`` is kept as possible risk."""
    return min(RISK_LOW, RISK_LOW_SELF.get(kind, RISK_LOW))


#: A clause's own probability at which, beside a denied clause of a risky sentence, it is read as
#: the disclosure.
RISK_BESIDE = 0.15


#: The classifier's probability of a type below which a sentence is not read a second way (near
#: the bank): the second reading recovers what the classifier weighs too low, not what it rules out.
NEAR_FLOOR = 0.01
#: A type's probability from which a risky sentence the classifier typed otherwise, outside that
#: other type's field, is kept as possible risk of this type when it is in this type's field.
RETYPE_FLOOR = 0.1


def _turns_from(clause, denied_at: int) -> bool:
    """Whether ``clause`` comes after the denial at token ``denied_at`` and opens with "but"."""
    head = [t for t in clause if not t.is_punct][:2]
    return clause.start > denied_at and any(t.lower_ in CONTRAST for t in head)


@Language.factory(
    "scribe_minilm",
    default_config={"heads_path": "", "batch_size": 32, "risk": True},
)
def make_minilm(nlp: Language, name: str, *, heads_path: str, batch_size: int, risk: bool) -> MiniLMHeads:
    return MiniLMHeads(nlp, name, heads_path=heads_path, batch_size=batch_size, risk=risk)


#: A worker's own third-person line ("Client reported sleeping four hours a night") names risk in
#: plain words when there is risk to name; the classifier, trained on what clients say, reads such
#: lines as risk too easily, so in notes they need this probability to be kept even as possible.
RISK_REPORTED = 0.9
#: Only the worker calls the client "client": "He has been hitting me" is the client's own words.
_REPORTED = re.compile(
    r"^\W*(?:(?:the )?(?:client|patient|pt|cl|consumer|service user|resident|youth)\s+)"
    r"(?:also\s+|then\s+)?(?:reported|reports|stated|states|said|says|discussed|described|shared|noted|"
    r"indicated|expressed|presented|presents|arrived|appeared|appears|was|is|has|had|attended|explained|"
    r"mentioned|talked|spoke|identified|agreed|completed)\b",
    re.I,
)


def _reports(sent) -> bool:
    """Whether a sentence of notes is the worker's third-person account of the client."""
    return bool(_REPORTED.match(sent.text))


#: A turn of at most this many words, in two or more sentences, is also read as a whole.
WHOLE_TURN_WORDS = 60


def _several_short_sentences(doc: Doc) -> bool:
    words = sum(t.is_alpha for t in doc)
    return words <= WHOLE_TURN_WORDS and doc.has_annotation("SENT_START") and len(list(doc.sents)) > 1


@dataclass(frozen=True)
class RiskFinding:
    """A sentence (or the clause of it that says so) the classifier reads as about a risk type."""

    subtype: str
    probability: float
    status: str
    #: False: a judgement the worker must make (below the high threshold, or unclear timing).
    certain: bool
    note: str
    start_char: int
    end_char: int


class StreamVectors:
    """Encoder vectors of one stream's utterances: each distinct text is encoded once, in the
    background when given an executor (a vector does not depend on the texts encoded with it)."""

    def __init__(self, encoder: MiniLMEncoder, pool: Executor | None = None) -> None:
        self.encoder = encoder
        self.pool = pool
        self._where: dict[str, tuple[Future[np.ndarray] | np.ndarray, int]] = {}

    def request(self, texts: Sequence[str]) -> None:
        """Start encoding the texts not asked for before."""
        new = [t for t in dict.fromkeys(texts) if t and t not in self._where]
        if not new:
            return
        # In the background one thread encodes: the risk model and spaCy use the other cores.
        job = self.pool.submit(self.encoder.encode, new, workers=1) if self.pool else self.encoder.encode(new)
        for row, t in enumerate(new):
            self._where[t] = (job, row)

    def get(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), 384)`` vectors of texts already requested."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for k, t in enumerate(texts):
            job, row = self._where[t]
            out[k] = (job.result() if isinstance(job, Future) else job)[row]
        return out


class MiniLMHeads:
    """Classifies each doc (one utterance) with the AnnoMI-trained heads, and finds risk per clause.

    Writes ``doc._.scribe_heads = {"skill": {...}, "talk": {...}, "speaker": {...}}``
    (class probabilities; ``None`` for an empty doc) and ``doc._.scribe_risk_found``, the
    ``RiskFinding`` list of a client utterance (or of typed notes), and ``doc._.scribe_risk_sents``,
    each scored sentence's (start, end, probability per risk type).
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "scribe_minilm",
        *,
        heads_path: str = "",
        batch_size: int = 32,
        risk: bool = True,
    ):
        self.name = name
        self.batch_size = batch_size
        self.heads = load_heads(heads_path)
        self.encoder = load_encoder()
        self.risk_model = load_model() if risk else None
        self._col = {c: k for k, c in enumerate(self.risk_model.classes)} if self.risk_model else {}

    def __call__(self, doc: Doc) -> Doc:
        (out,) = self.pipe([doc])
        return out

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128, texts: Sequence[str] = ()) -> Iterator[Doc]:
        """``texts``: the stream's utterances when known before it is parsed; their encoding then
        starts at once, beside spaCy's work on the first batch, in chunks of ``batch_size``."""
        # Batch n's models run on the workers while spaCy makes batch n + 1 (pulled from ``docs``).
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="scribe-minilm") as pool:
            vectors = StreamVectors(self.encoder, pool)
            ahead = [t.strip() for t in texts]
            for n in range(0, len(ahead), batch_size):
                vectors.request(ahead[n : n + batch_size])
            waiting: tuple[list[Doc], Future] | None = None
            for batch in minibatch(docs, size=batch_size):
                vectors.request([d.text.strip() for d in batch])
                job = (batch, pool.submit(self.predict, batch, vectors))
                if waiting is not None:
                    yield from self._finish(*waiting)
                waiting = job
            if waiting is not None:
                yield from self._finish(*waiting)

    def _finish(self, batch: list[Doc], job: Future) -> list[Doc]:
        self.set_annotations(batch, *job.result())
        return batch

    def predict(
        self, docs: list[Doc], vectors: StreamVectors | None = None
    ) -> tuple[list[dict[str, dict[str, float]] | None], list[list[RiskFinding]]]:
        """Head probabilities and risk findings per doc; ``vectors``: the stream's utterance vectors
        (requested for these docs), else they are encoded here."""
        texts = [d.text.strip() for d in docs]
        live = [i for i, t in enumerate(texts) if t]
        probs: list[dict[str, dict[str, float]] | None] = [None] * len(docs)
        risk: list[list[RiskFinding]] = [[] for _ in docs]
        for d in docs:
            d._.scribe_risk_sents = []
        if not live:
            return probs, risk
        if vectors is None:
            vectors = StreamVectors(self.encoder)
            vectors.request([texts[i] for i in live])
        if self.risk_model is not None:
            # The worker's questions are screening and their reflections echo the client: only the
            # client's words (or the worker's notes) can disclose.
            listen = [i for i in live if docs[i]._.scribe_role != "worker"]
            units = [(i, sent, parts) for i in listen for sent, parts in units_of(docs[i])]
            p_sents = self.risk_model.predict([sent.text.strip() for _, sent, _ in units])
            risky = (p_sents[:, [self._col[k] for k in TYPES]] >= [low_for(k) for k in TYPES]).any(axis=1)
            # Clauses are read only where the sentence holds a risk: they place it and scope it.
            split = [u for u, hit in zip(units, risky, strict=True) if hit and len(u[2]) > 1]
            clause_texts = [c.text.strip() for _, _, parts in split for c in parts]
            p_clauses = iter(self.risk_model.predict(clause_texts))
            by_sent = {id(sent): [next(p_clauses) for _ in parts] for _, sent, parts in split}
            # A turn of short sentences can say it only as a whole ("I wrote letters. To the kids.
            # One each."): such a turn is read once more in one piece.
            whole = [i for i in listen if _several_short_sentences(docs[i])]
            p_whole = self.risk_model.predict([texts[i] for i in whole])
        emb = vectors.get([texts[i] for i in live])
        X = features(emb, [texts[i] for i in live])
        per_head = {name: head.predict_proba(X) for name, head in self.heads.items()}
        for row, i in enumerate(live):
            probs[i] = {
                name: {c: float(p[row, k]) for k, c in enumerate(self.heads[name].classes)}
                for name, p in per_head.items()
            }
        if self.risk_model is not None:
            unread = []
            for (i, sent, parts), p_sent in zip(units, p_sents, strict=True):
                p_parts = by_sent.get(id(sent), [p_sent] * len(parts))
                found = self._risk(docs[i], sent, parts, p_sent, p_parts)
                risk[i].extend(found)
                unread.append((p_sent, {f.subtype for f in found}))
            # a one-sentence utterance's vector is the one the heads were given
            known = {texts[i]: emb[row] for row, i in enumerate(live)}
            for i, finding in self._near_the_bank(docs, units, unread, known):
                risk[i].append(finding)
            for i, p_doc in zip(whole, p_whole, strict=True):
                risk[i].extend(self._whole_turn(docs[i], p_doc, {f.subtype for f in risk[i]}))
        return probs, risk

    def _near_the_bank(
        self, docs: list[Doc], units, read: list[tuple[np.ndarray, set[str]]], known: dict[str, np.ndarray]
    ) -> list[tuple[int, RiskFinding]]:
        """Possible risk the classifier passed over, read a second way: sentences whose nearest bank
        sentences are mostly of one type they touch the field of (``pipelines/neighbours.py``)."""
        fields = load_field()
        asks = []
        for (i, sent, _parts), (p_sent, seen) in zip(units, read, strict=True):
            if docs[i]._.scribe_source in NOTE_SOURCES and _reports(sent):
                continue  # a worker's plain report names risk in plain words when there is risk
            kinds = [
                k
                for k in TYPES
                if k not in seen and p_sent[self._col[k]] >= NEAR_FLOOR and fields[k].touches(sent)
            ]
            if kinds:
                asks.append((i, sent, kinds))
        if not asks:
            return []
        from pipelines.neighbours import VOTE, load_neighbours

        out = []
        votes = load_neighbours().votes([sent.text.strip() for _, sent, _ in asks], known)
        for (i, sent, kinds), row in zip(asks, votes, strict=True):
            conversation = docs[i]._.scribe_source not in NOTE_SOURCES
            for kind in kinds:
                share = float(row[TYPES.index(kind)])
                if share < VOTE or read_away(kind, sent):
                    continue
                scope = clause_status(sent, sent, kind, conversation)
                if scope.status == "affirmed":
                    note = "close to the risk bank's examples of it; check"
                    out.append(
                        (i, RiskFinding(kind, share, "affirmed", False, note, sent.start_char, sent.end_char))
                    )
        return out

    def _whole_turn(self, doc: Doc, p_doc: np.ndarray, found: set[str]) -> list[RiskFinding]:
        """Possible risk that only the whole turn says, for the types no sentence of it showed."""
        out = []
        span = doc[:]
        conversation = doc._.scribe_source not in NOTE_SOURCES
        reported = not conversation and any(_reports(s) for s in doc.sents)
        for kind in TYPES:
            score = float(p_doc[self._col[kind]])
            if kind in found or score < (RISK_REPORTED if reported else low_for(kind)):
                continue
            if read_away(kind, span):
                continue
            scope = clause_status(span, span, kind, conversation)
            if scope.status == "affirmed" and load_field()[kind].touches(span):
                note = "the turn as a whole; check"
                out.append(RiskFinding(kind, score, "affirmed", False, note, 0, len(doc.text)))
        return out

    def _risk(self, doc: Doc, sent, parts, p_sent: np.ndarray, p_parts) -> list[RiskFinding]:
        """The findings of one sentence, given its probabilities and its clauses'."""
        conversation = doc._.scribe_source not in NOTE_SOURCES
        doc._.scribe_risk_sents.append(
            (sent.start_char, sent.end_char, {kind: float(p_sent[self._col[kind]]) for kind in TYPES})
        )
        out: list[RiskFinding] = []
        leaning: list[float] = []
        for kind in TYPES:
            k = self._col[kind]
            # The sentence decides whether the type is there (a clause alone reads out of
            # context: "I just want to walk away"); its clauses decide where and with what status.
            score = float(p_sent[k])
            if score < (RISK_REPORTED if not conversation and _reports(sent) else low_for(kind)):
                continue
            ranked = sorted(zip(parts, p_parts, strict=True), key=lambda cq: -float(cq[1][k]))
            carried = [c for c, q in ranked if q[k] >= low_for(kind)]
            carrying = carried or [ranked[0][0]]
            scopes = [(c, clause_status(c, sent, kind, conversation)) for c in carrying]
            best = next((cs for cs in scopes if cs[1].status == "affirmed" and cs[1].certain), None)
            best = best or next((cs for cs in scopes if cs[1].status == "affirmed"), None)
            if best is None and len(parts) > 1:
                # A denial beside a disclosure: the disclosure wins ("I'd never do it, but I think
                # about not being here every day"), even when its clause alone reads weaker. A
                # clause that turns from a denial with "but" is read whatever it scores alone:
                # "I'm not suicidal, but ..." is how a disclosure is most often introduced, and
                # the clause on its own has lost what "it" refers to.
                denied_at = min((c.start for c, sc in scopes if sc.status == "negated"), default=None)
                beside = [
                    (c, clause_status(c, sent, kind, conversation))
                    for c, q in ranked
                    if c not in carrying
                    and (q[k] >= RISK_BESIDE or (denied_at is not None and _turns_from(c, denied_at)))
                ]
                best = next(
                    (
                        (c, Scope("affirmed", False, "said beside a denial; check"))
                        for c, sc in beside
                        if sc.status == "affirmed"
                    ),
                    None,
                )
            clause, scope = best or scopes[0]
            if read_away(kind, clause):
                continue
            # an unsure finding is kept only when its sentence touches the type's subject matter
            # (pipelines/data/risk_field*.yaml): distress in general is no disclosure
            if not (scope.certain and score >= RISK_HIGH) and not load_field()[kind].touches(sent):
                leaning.append(score)
                continue
            # When no clause alone carries the type, the sentence says it only as a whole ("I got
            # a piece and I got his address"): its likeliest clause scopes it, the whole is cited.
            whole = not carried and clause is ranked[0][0]
            quote = clause if scope.status == "affirmed" and len(parts) > 1 and not whole else sent
            if quote is clause:
                # The evidence spans every clause that carries the risk as current, so that "He
                # slapped me, and ever since, he hurts me when we fight" cites both.
                also = [c for c, sc in scopes if sc.status == "affirmed"] + [clause]
                quote = sent.doc[min(c.start for c in also) : max(c.end for c in also)]
            out.append(
                RiskFinding(
                    kind,
                    score,
                    scope.status,
                    scope.certain and score >= RISK_HIGH,
                    scope.note,
                    quote.start_char,
                    quote.end_char,
                )
            )
        if leaning:
            out.extend(self._retyped(sent, p_sent, max(leaning), {f.subtype for f in out}, conversation))
        return out

    def _retyped(self, sent, p_sent: np.ndarray, score: float, found: set[str], conversation: bool):
        """Risk the classifier saw but gave a type whose words the sentence lacks ("trying to throw up
        so I'm not fat" read as substance use): kept for review as the type whose words it has, when
        the classifier gave that type some weight too."""
        out = []
        for kind in TYPES:
            if kind in found or float(p_sent[self._col[kind]]) < RETYPE_FLOOR:
                continue
            if not load_field()[kind].touches(sent) or read_away(kind, sent):
                continue
            scope = clause_status(sent, sent, kind, conversation)
            if scope.status == "affirmed":
                note = "risk of another type by the classifier, in this type's words; check"
                out.append(RiskFinding(kind, score, "affirmed", False, note, sent.start_char, sent.end_char))
        return out

    @staticmethod
    def set_annotations(
        docs: list[Doc], probs: list[dict[str, dict[str, float]] | None], risk: list[list[RiskFinding]]
    ) -> None:
        for doc, p, r in zip(docs, probs, risk, strict=True):
            doc._.scribe_heads = p
            doc._.scribe_risk_found = r
