"""Train the MiniLM classifier heads on AnnoMI and write ``pipelines/data/heads.npz``.

    python -m pipelines.train_heads [--data ../shared/data/annomi] [--folds 5]

Reproducible: fixed seed, deterministic solver, data read in file order. Reports
transcript-grouped cross-validation first (GroupKFold by ``transcript_id``: an
utterance is never scored by a model that saw its own session), then fits on all
of the development split and saves plain arrays (no pickle). The figures go to
``pipelines/data/heads_metrics.json`` and into the model card by hand.

Data: AnnoMI (uccollab/AnnoMI on GitHub), development split only; transcripts of
public MI demonstration videos released for research, no licence file stated.
See pipelines/data/MODEL_CARD.md. The data are never copied into the repository.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.embed import MODEL_ID, ONNX_SHA256, load_encoder
from pipelines.heads import HEAD_CLASSES, HEADS_PATH, Head, features, save_heads

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "annomi"
CACHE_DIR = REPO / "bench" / "results"
SEED = 0
#: Inverse regularisation strength per head, picked from {0.5, 0.05, 0.01, 0.003, 0.001} by the same
#: grouped CV (so the reported scores are slightly optimistic; see the model card).
HEAD_C = {"skill": 0.003, "talk": 0.01, "speaker": 0.01}
#: Coarse AnnoMI therapist behaviour for each fine skill class.
SKILL_TO_BEHAVIOUR = {
    "open_question": "question",
    "closed_question": "question",
    "simple_reflection": "reflection",
    "complex_reflection": "reflection",
    "therapist_input": "therapist_input",
    "other": "other",
}


@dataclass(frozen=True)
class Utterance:
    transcript_id: int
    utterance_id: int
    speaker: str  # "therapist" | "client"
    text: str
    skill: str  # one of HEAD_CLASSES["skill"], or "" for the client
    talk: str  # change | neutral | sustain, or "" for the therapist


def load_annomi(data_dir: Path = DEFAULT_DATA) -> list[Utterance]:
    """AnnoMI dev utterances with the fine therapist skill (question/reflection subtype by majority vote)."""
    simple_path, full_path = data_dir / "AnnoMI-simple-dev.csv", data_dir / "AnnoMI-full-dev.csv"
    if not simple_path.is_file() or not full_path.is_file():
        raise FileNotFoundError(
            f"AnnoMI not found in {data_dir} (expected AnnoMI-simple-dev.csv, -full-dev.csv)"
        )
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    with full_path.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = (r["transcript_id"], r["utterance_id"])
            for col in ("question_subtype", "reflection_subtype"):
                if r[col] in ("open", "closed", "simple", "complex"):
                    votes[key][r[col]] += 1
    rows: list[Utterance] = []
    with simple_path.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = (r["transcript_id"], r["utterance_id"])
            skill = talk = ""
            if r["interlocutor"] == "therapist":
                b = r["main_therapist_behaviour"]
                if b == "question":
                    v = votes[key]
                    skill = "open_question" if v["open"] >= v["closed"] else "closed_question"
                elif b == "reflection":
                    v = votes[key]
                    skill = "complex_reflection" if v["complex"] > v["simple"] else "simple_reflection"
                else:
                    skill = b
            else:
                talk = r["client_talk_type"]
            rows.append(
                Utterance(
                    int(r["transcript_id"]),
                    int(r["utterance_id"]),
                    r["interlocutor"],
                    r["utterance_text"],
                    skill,
                    talk,
                )
            )
    rows.sort(key=lambda u: (u.transcript_id, u.utterance_id))
    return rows


def data_fingerprint(data_dir: Path) -> str:
    h = hashlib.sha256()
    for name in ("AnnoMI-simple-dev.csv", "AnnoMI-full-dev.csv"):
        h.update((data_dir / name).read_bytes())
    return h.hexdigest()


def embed_utterances(rows: list[Utterance], data_dir: Path, cache: bool = True) -> np.ndarray:
    """Utterance vectors, cached under bench/results/ (git-ignored) by data + model hash."""
    key = hashlib.sha256((data_fingerprint(data_dir) + ONNX_SHA256).encode()).hexdigest()[:16]
    path = CACHE_DIR / f"annomi_minilm_{key}.npy"
    if cache and path.is_file():
        emb = np.load(path, allow_pickle=False)
    else:
        emb = load_encoder().encode([u.text for u in rows])
        if cache:
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            np.save(path, emb)
    return emb


def fit_head(name: str, X: np.ndarray, y: list[str], c: float | None = None) -> Head:
    """Standardise, then a multinomial logistic regression (lbfgs, deterministic)."""
    from sklearn.linear_model import LogisticRegression

    classes = HEAD_CLASSES[name]
    mean = X.mean(axis=0)
    scale = X.std(axis=0) + 1e-6
    yi = np.array([classes.index(v) for v in y])
    clf = LogisticRegression(C=c or HEAD_C[name], max_iter=3000, random_state=SEED)
    clf.fit((X - mean) / scale, yi)
    W = np.zeros((X.shape[1], len(classes)), np.float32)
    b = np.full(len(classes), -1e4, np.float32)  # a class absent from training is never predicted
    if len(clf.classes_) == 2:  # sklearn stores one row for binary problems
        W[:, clf.classes_[1]], b[clf.classes_[1]] = clf.coef_[0], clf.intercept_[0]
        W[:, clf.classes_[0]], b[clf.classes_[0]] = 0.0, 0.0
    else:
        for row, k in enumerate(clf.classes_):
            W[:, k], b[k] = clf.coef_[row], clf.intercept_[row]
    return Head(name, classes, W, b, mean.astype(np.float32), scale.astype(np.float32))


def head_data(name: str, rows: list[Utterance], X: np.ndarray) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Rows, labels and transcript groups a head trains on."""
    if name == "skill":
        idx = [i for i, u in enumerate(rows) if u.speaker == "therapist"]
        y = [rows[i].skill for i in idx]
    elif name == "talk":
        idx = [i for i, u in enumerate(rows) if u.speaker == "client"]
        y = [rows[i].talk for i in idx]
    else:
        idx = list(range(len(rows)))
        y = [rows[i].speaker for i in idx]
    groups = np.array([rows[i].transcript_id for i in idx])
    return X[idx], y, groups


def cross_validate(name: str, X: np.ndarray, y: list[str], groups: np.ndarray, folds: int = 5) -> list[str]:
    """Out-of-fold predictions with transcripts kept whole (GroupKFold)."""
    from sklearn.model_selection import GroupKFold

    pred = [""] * len(y)
    for train, test in GroupKFold(n_splits=folds).split(X, y, groups):
        head = fit_head(name, X[train], [y[i] for i in train])
        p = head.predict_proba(X[test]).argmax(axis=1)
        for i, k in zip(test, p, strict=True):
            pred[i] = head.classes[k]
    return pred


def scores(y: list[str], pred: list[str], classes: tuple[str, ...]) -> dict[str, object]:
    """Accuracy, macro-F1 and per-class precision / recall / F1 / support."""
    out: dict[str, object] = {"accuracy": float(np.mean([a == b for a, b in zip(y, pred, strict=True)]))}
    per: dict[str, dict[str, float]] = {}
    for c in classes:
        tp = sum(a == c and b == c for a, b in zip(y, pred, strict=True))
        fp = sum(a != c and b == c for a, b in zip(y, pred, strict=True))
        fn = sum(a == c and b != c for a, b in zip(y, pred, strict=True))
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per[c] = {"precision": p, "recall": r, "f1": f, "support": float(tp + fn)}
    out["per_class"] = per
    out["macro_f1"] = float(np.mean([v["f1"] for v in per.values()]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--out", type=Path, default=HEADS_PATH)
    args = ap.parse_args(argv)
    np.random.seed(SEED)
    try:
        rows = load_annomi(args.data)
    except FileNotFoundError as exc:
        print(f"Cannot train: {exc}. See ../shared/data/README.md.")
        return 2
    X = features(embed_utterances(rows, args.data), [u.text for u in rows])
    heads: dict[str, Head] = {}
    metrics: dict[str, object] = {"folds": args.folds, "C": HEAD_C, "seed": SEED, "n_utterances": len(rows)}
    for name in HEAD_CLASSES:
        Xh, y, groups = head_data(name, rows, X)
        pred = cross_validate(name, Xh, y, groups, args.folds)
        metrics[name] = scores(y, pred, HEAD_CLASSES[name])
        if name == "skill":
            coarse = tuple(dict.fromkeys(SKILL_TO_BEHAVIOUR.values()))
            metrics["behaviour"] = scores(
                [SKILL_TO_BEHAVIOUR[v] for v in y], [SKILL_TO_BEHAVIOUR[v] for v in pred], coarse
            )
        print(f"{name}: accuracy {metrics[name]['accuracy']:.3f}  macro-F1 {metrics[name]['macro_f1']:.3f}")  # type: ignore[index]
        heads[name] = fit_head(name, Xh, y)
    save_heads(
        args.out,
        heads,
        {"embedding_model": MODEL_ID, "onnx_sha256": ONNX_SHA256, "data_sha256": data_fingerprint(args.data)},
    )
    (args.out.parent / "heads_metrics.json").write_text(
        json.dumps(metrics, indent=2) + "\n", encoding="utf-8"
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
