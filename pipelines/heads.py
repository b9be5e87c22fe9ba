"""Linear classifier heads on MiniLM sentence vectors: micro-skills, change talk, speaker.

The weights are plain arrays in ``pipelines/data/heads.npz`` (no pickle), written by
``pipelines/train_heads.py`` from AnnoMI; see ``pipelines/data/MODEL_CARD.md``.
``features`` is the single definition of the input vector, shared by training and
inference so the two cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from scribe.core.errors import ModelError

HEADS_PATH = Path(__file__).parent / "data" / "heads.npz"

#: The heads and their classes, in the order the weights use.
HEAD_CLASSES: dict[str, tuple[str, ...]] = {
    # AnnoMI main therapist behaviour, with question and reflection split by subtype.
    "skill": (
        "open_question",
        "closed_question",
        "simple_reflection",
        "complex_reflection",
        "therapist_input",
        "other",
    ),
    # AnnoMI client talk type.
    "talk": ("change", "neutral", "sustain"),
    # Who is speaking (AnnoMI interlocutor), for transcripts without roles.
    "speaker": ("therapist", "client"),
}

_WH = {"what", "how", "why", "when", "where", "who", "which", "tell", "describe"}
_AUX = {
    "do",
    "does",
    "did",
    "is",
    "are",
    "was",
    "were",
    "can",
    "could",
    "would",
    "will",
    "have",
    "has",
    "should",
}
_REFLECT = re.compile(
    r"^(so\b|it sounds|sounds like|it seems|seems like|you feel|you're|you are|you've|you)", re.I
)
_FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|i'll|me|my|myself)\b", re.I)
_SECOND_PERSON = re.compile(r"\b(you|you're|you've|your|yourself)\b", re.I)
N_CUES = 8


def cue_features(text: str) -> np.ndarray:
    """A few surface cues the sentence vector blurs: question marks, wh-/aux-openers, length, person."""
    t = text.strip()
    words = t.lower().split()
    first = words[0].strip(",.?!") if words else ""
    n = max(len(words), 1)
    return np.array(
        [
            float(t.endswith("?")),
            float("?" in t),
            float(first in _WH),
            float(first in _AUX),
            float(bool(_REFLECT.match(t))),
            np.log1p(len(words)),
            len(_FIRST_PERSON.findall(t)) / n,
            len(_SECOND_PERSON.findall(t)) / n,
        ],
        dtype=np.float32,
    )


def features(emb: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    """The head input: the utterance's sentence vector and its surface cues.

    (The previous utterance's vector was tried too; in grouped cross-validation it
    helped only the speaker head and cost the skill and talk heads, see the card.)
    """
    cues = np.stack([cue_features(t) for t in texts]) if len(texts) else np.zeros((0, N_CUES), np.float32)
    return np.hstack([emb, cues]).astype(np.float32)


@dataclass(frozen=True)
class Head:
    """A standardised multinomial logistic regression: softmax(((x - mean) / scale) @ W + b)."""

    name: str
    classes: tuple[str, ...]
    W: np.ndarray
    b: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        z = ((X - self.mean) / self.scale) @ self.W + self.b
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


def save_heads(path: Path, heads: dict[str, Head], meta: dict[str, str]) -> None:
    """Write heads as plain arrays (``allow_pickle=False`` loads them)."""
    arrays: dict[str, np.ndarray] = {}
    for name, h in heads.items():
        arrays[f"{name}__W"] = h.W.astype(np.float32)
        arrays[f"{name}__b"] = h.b.astype(np.float32)
        arrays[f"{name}__mean"] = h.mean.astype(np.float32)
        arrays[f"{name}__scale"] = h.scale.astype(np.float32)
        arrays[f"{name}__classes"] = np.array(h.classes)
    for k, v in meta.items():
        arrays[f"meta__{k}"] = np.array(v)
    np.savez_compressed(path, **arrays)


@lru_cache(maxsize=4)
def load_heads(path: str = "") -> dict[str, Head]:
    """The trained heads, checked against ``HEAD_CLASSES``."""
    p = Path(path) if path else HEADS_PATH
    if not p.is_file():
        raise ModelError(f"Classifier weights not found: {p}. Run: python -m pipelines.train_heads")
    try:
        data = np.load(p, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ModelError(f"Could not read classifier weights {p}: {exc}") from exc
    heads: dict[str, Head] = {}
    for name, classes in HEAD_CLASSES.items():
        try:
            stored = tuple(str(c) for c in data[f"{name}__classes"])
            head = Head(
                name,
                stored,
                data[f"{name}__W"],
                data[f"{name}__b"],
                data[f"{name}__mean"],
                data[f"{name}__scale"],
            )
        except KeyError as exc:
            raise ModelError(
                f"{p} has no '{name}' head; retrain with python -m pipelines.train_heads"
            ) from exc
        if stored != classes or head.W.shape != (head.mean.shape[0], len(classes)):
            raise ModelError(f"{p}: the '{name}' head does not match this version; retrain it.")
        heads[name] = head
    return heads
