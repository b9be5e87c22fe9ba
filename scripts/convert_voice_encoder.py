"""Convert resemblyzer's voice encoder weights to the plain arrays scribe runs in numpy.

A developer tool, run once (needs torch and resemblyzer, which the runtime does not):

    pip install torch==2.13.0 && pip install --no-deps resemblyzer==0.1.4
    python scripts/convert_voice_encoder.py            # writes scribe/speakers/data/voice_encoder.npz

Only the network's tensors are kept (the checkpoint's optimiser state is not), as
float32 (float16 moves embeddings by more than 1e-4). It prints the new file's
sha256: pin it as ``WEIGHTS_SHA256`` in ``scribe/speakers/encoder.py``. With
``--check`` it also compares the numpy encoder with resemblyzer's on random mels.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "scribe" / "speakers" / "data" / "voice_encoder.npz"
#: sha256 of resemblyzer 0.1.4's ``pretrained.pt``, the file converted.
SOURCE_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz (what ``np.load`` reads) whose bytes depend only on the arrays.

    ``np.savez`` stamps each zip member with the current time, so the same
    conversion would change the pinned sha256: members here carry a fixed date.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            zf.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), member.getvalue())
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="compare with resemblyzer on random input")
    parser.add_argument("--reference", type=Path, help="write resemblyzer's outputs for the tests here")
    args = parser.parse_args()
    if args.reference:
        write_reference(args.reference)
        return

    import resemblyzer
    import torch

    source = Path(resemblyzer.__file__).with_name("pretrained.pt")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    if digest != SOURCE_SHA256:
        sys.exit(f"{source} has sha256 {digest}, not resemblyzer 0.1.4's {SOURCE_SHA256}")
    state = torch.load(source, map_location="cpu")["model_state"]
    keep = [k for k in state if k.startswith(("lstm.", "linear."))]
    arrays = {k: state[k].numpy().astype(np.float32) for k in sorted(keep)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(npz_bytes(arrays))
    n = sum(a.size for a in arrays.values())
    print(f"{args.out}: {len(arrays)} arrays, {n:,} parameters, {args.out.stat().st_size:,} bytes")
    print(f"sha256 {hashlib.sha256(args.out.read_bytes()).hexdigest()}")

    if args.check:
        sys.path.insert(0, str(ROOT))
        from scribe.speakers.encoder import VoiceEncoder

        ref = resemblyzer.VoiceEncoder("cpu", verbose=False).eval()
        mels = np.random.default_rng(0).gamma(0.5, 0.02, (8, 160, 40)).astype(np.float32)
        with torch.inference_mode():
            want = ref(torch.from_numpy(mels)).numpy()
        for name, dtype in (("float32", np.float32), ("float16", np.float16)):
            got = VoiceEncoder({k: v.astype(dtype).astype(np.float32) for k, v in arrays.items()})(mels)
            print(f"{name} weights: max |embedding difference| {np.abs(got - want).max():.2e}")


def write_reference(path: Path) -> None:
    """resemblyzer's mel frames and embeddings of a generated two-voice clip, for tests without torch."""
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    import librosa.filters
    import torch
    from resemblyzer import VoiceEncoder, wav_to_mel_spectrogram

    import synth
    from scribe.speakers.voices import WINDOW_FRAMES

    audio, _ = synth.dialogue(
        [
            ("worker", "How have you been sleeping since we last met?"),
            ("client", "Not well. I wake up at four and cannot get back to sleep."),
        ]
    )
    wave = np.clip(np.round(audio * 32767), -32768, 32767).astype(np.int16)
    mel = wav_to_mel_spectrogram(wave.astype(np.float32) / 32768)
    # Full windows, overlapping ones, the last one, and short ones the encoder sees repeated.
    spans = [(0, 160), (100, 260), (len(mel) - 160, len(mel)), (200, 260), (300, 301)]
    gain = np.float32(50.0)  # diarization scales mel power to a set loudness before embedding
    windows = np.zeros((len(spans), WINDOW_FRAMES, 40), np.float32)
    for j, (lo, hi) in enumerate(spans):
        reps = -(-WINDOW_FRAMES // (hi - lo))
        windows[j] = np.tile(mel[lo:hi] * gain, (reps, 1))[-WINDOW_FRAMES:]
    with torch.inference_mode():
        emb = VoiceEncoder("cpu", verbose=False).eval()(torch.from_numpy(windows)).numpy()
    filterbank = librosa.filters.mel(sr=16000, n_fft=400, n_mels=40)
    np.savez_compressed(
        path, wave=wave, mel=mel, spans=np.array(spans), gain=gain, embeddings=emb, filterbank=filterbank
    )
    print(f"{path}: {len(wave) / 16000:.1f} s, {len(spans)} windows, {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
