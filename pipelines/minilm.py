"""The ``scribe_minilm`` spaCy component: MiniLM heads per utterance and the risk similarity net.

The encoder is the costly part of tagging, so the component works in batches (``pipe``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from pipelines.components import SPANS_KEY
from pipelines.taxonomy import load_taxonomy
from scribe.core.records import NOTE_SOURCES


@Language.factory(
    "scribe_minilm",
    default_config={"heads_path": "", "taxonomy_path": "", "batch_size": 32, "risk_gate": 0.45},
)
def make_minilm(
    nlp: Language, name: str, *, heads_path: str, taxonomy_path: str, batch_size: int, risk_gate: float
) -> MiniLMHeads:
    return MiniLMHeads(
        nlp,
        name,
        heads_path=heads_path,
        taxonomy_path=taxonomy_path,
        batch_size=batch_size,
        risk_gate=risk_gate,
    )


@dataclass(frozen=True)
class RiskLike:
    """The sentence of a doc nearest in meaning to a risk example (the similarity safety net)."""

    subtype: str
    similarity: float
    #: similarity minus the best similarity to the everyday contrast sentences
    margin: float
    start_char: int
    end_char: int
    example: str


class MiniLMHeads:
    """Classifies each doc (one utterance) with the AnnoMI-trained heads, and finds risk in other words.

    Writes ``doc._.scribe_heads = {"skill": {...}, "talk": {...}, "speaker": {...}}``
    (class probabilities; ``None`` for an empty doc) and ``doc._.scribe_risk_like``, a
    ``RiskLike`` when the utterance is within ``risk_gate`` cosine of a risk example in the
    taxonomy (its sentences are then embedded one by one to find which one). Batched in
    ``pipe``: the encoder is the costly part of tagging.
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "scribe_minilm",
        *,
        heads_path: str = "",
        taxonomy_path: str = "",
        batch_size: int = 32,
        risk_gate: float = 0.45,
    ):
        from pipelines.embed import load_encoder
        from pipelines.heads import load_heads

        self.name = name
        self.batch_size = batch_size
        self.risk_gate = risk_gate
        self.heads = load_heads(heads_path)
        self.encoder = load_encoder()
        tax = load_taxonomy(taxonomy_path)
        self.examples = [(e.subtype, x) for e in tax.entries if e.label == "risk" for x in e.examples]
        self.example_vecs = self.encoder.encode([x for _, x in self.examples])
        self.contrast_vecs = self.encoder.encode(list(tax.contrast_examples))

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):
            probs, risk = self.predict(batch)
            self.set_annotations(batch, probs, risk)
            yield from batch

    def predict(
        self, docs: list[Doc]
    ) -> tuple[list[dict[str, dict[str, float]] | None], list[RiskLike | None]]:
        from pipelines.heads import features

        texts = [d.text.strip() for d in docs]
        live = [i for i, t in enumerate(texts) if t]
        probs: list[dict[str, dict[str, float]] | None] = [None] * len(docs)
        risk: list[RiskLike | None] = [None] * len(docs)
        if not live:
            return probs, risk
        emb = self.encoder.encode([texts[i] for i in live], batch_size=self.batch_size)
        X = features(emb, [texts[i] for i in live])
        per_head = {name: head.predict_proba(X) for name, head in self.heads.items()}
        for row, i in enumerate(live):
            probs[i] = {
                name: {c: float(p[row, k]) for k, c in enumerate(self.heads[name].classes)}
                for name, p in per_head.items()
            }
        if self.examples:
            best = (emb @ self.example_vecs.T).max(axis=1)
            for row, i in enumerate(live):
                if docs[i]._.scribe_role == "worker" or docs[i]._.scribe_source in NOTE_SOURCES:
                    continue  # the safety net listens to the client only
                if any(s.label_ == "risk" for s in docs[i].spans.get(SPANS_KEY, [])):
                    continue  # the rules found this utterance's risk, with its context
                if best[row] >= self.risk_gate:
                    risk[i] = self._risk_sentence(docs[i], emb[row])
        return probs, risk

    def _risk_sentence(self, doc: Doc, doc_vec) -> RiskLike:
        sents = [s for s in doc.sents if s.text.strip()] if doc.has_annotation("SENT_START") else [doc[:]]
        vecs = doc_vec[None, :] if len(sents) <= 1 else self.encoder.encode([s.text for s in sents])
        sims = vecs @ self.example_vecs.T
        row, col = divmod(int(sims.argmax()), sims.shape[1])
        contrast = float((vecs[row] @ self.contrast_vecs.T).max()) if len(self.contrast_vecs) else -1.0
        sent = sents[row] if sents else doc[:]
        sim = float(sims[row, col])
        subtype, example = self.examples[col]
        return RiskLike(subtype, sim, sim - contrast, sent.start_char, sent.end_char, example)

    @staticmethod
    def set_annotations(
        docs: list[Doc], probs: list[dict[str, dict[str, float]] | None], risk: list[RiskLike | None]
    ) -> None:
        for doc, p, r in zip(docs, probs, risk, strict=True):
            doc._.scribe_heads = p
            doc._.scribe_risk_like = r
