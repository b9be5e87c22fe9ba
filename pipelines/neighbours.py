"""A second reading of risk: which bank sentences a client sentence sits nearest to.

The clause classifier is fine-tuned on the bank and can be sure of "no risk" where a sentence
says risk in words it has not learned to weigh ("I don't know how much longer I can try"). The
general-purpose MiniLM encoder, not tuned on the bank, reads meaning differently: a sentence
whose nearest bank sentences are mostly of one risk type, and which touches that type's field
of words (``pipelines/data/risk_field*.yaml``), is kept as *possible* risk for the worker.

The bank's vectors are computed once per bank and encoder and shipped in
``pipelines/data/risk_neighbours.npz`` (float16); when an agency changes the bank they are
computed again (about a minute on two cores) and kept in the user's data directory.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipelines.embed import ONNX_SHA256, MiniLMEncoder, load_encoder
from pipelines.risk import TYPES, bank_digest, load_bank

log = logging.getLogger(__name__)

SHIPPED = Path(__file__).parent / "data" / "risk_neighbours.npz"
#: Bank sentences a sentence is compared with.
K = 10
#: Share of the ``K`` nearest that must be of one risk type for a possible finding.
VOTE = 0.7


class BankNeighbours:
    """Unit vectors of the bank's sentences and their labels, for nearest-neighbour votes."""

    def __init__(self, vectors: np.ndarray, labels: list[str], encoder: MiniLMEncoder) -> None:
        self.vectors = vectors.astype(np.float32)
        self.labels = np.asarray(labels)
        self.encoder = encoder
        self._is = {kind: self.labels == kind for kind in TYPES}

    def votes(self, texts: list[str], known: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """``(len(texts), len(TYPES))``: the share of each text's ``K`` nearest bank sentences per type.

        ``known`` gives vectors already encoded (by text); the rest are encoded here.
        """
        out = np.zeros((len(texts), len(TYPES)), dtype=np.float32)
        if not texts:
            return out
        known = known or {}
        todo = [t for t in dict.fromkeys(texts) if t not in known]
        fresh = dict(zip(todo, self.encoder.encode(todo), strict=True)) if todo else {}
        sims = np.stack([known[t] if t in known else fresh[t] for t in texts]) @ self.vectors.T
        n = min(K, sims.shape[1])
        nearest = np.argpartition(-sims, n - 1, axis=1)[:, :n]
        for col, kind in enumerate(TYPES):
            out[:, col] = self._is[kind][nearest].mean(axis=1)
        return out


def _key(digest: str) -> str:
    return f"{digest}:{ONNX_SHA256}"


def build(path: Path) -> None:
    """Encode the bank with the shared encoder and write its vectors to ``path``."""
    bank = load_bank()
    vectors = load_encoder().encode(bank.texts, batch_size=64)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(
        tmp,
        vectors=vectors.astype(np.float16),
        labels=np.asarray(bank.labels),
        key=np.asarray(_key(bank.digest)),
    )
    tmp.replace(path)


@lru_cache(maxsize=1)
def load_neighbours() -> BankNeighbours:
    """The bank's vectors for the current bank and encoder: shipped, cached, or computed now."""
    from scribe.core.paths import data_dir

    key = _key(bank_digest())
    cached = data_dir() / "cache" / "risk_neighbours.npz"
    found = next((p for p in (SHIPPED, cached) if p.exists() and _stored_key(p) == key), None)
    if found is None:
        log.warning("the risk bank changed: encoding its sentences once (about a minute)")
        build(cached)
        found = cached
    with np.load(found) as f:
        return BankNeighbours(f["vectors"], list(f["labels"]), load_encoder())


def _stored_key(path: Path) -> str:
    with np.load(path) as f:
        return str(f["key"])


if __name__ == "__main__":
    build(SHIPPED)
    print(f"wrote {SHIPPED}")
