"""What the encrypted store costs, next to the plain-file baseline, in one run.

    python bench/store.py [--audio-mb 200] [--segments 1500]

- unlocking: Argon2id with the default settings (what every `scribe` command pays once);
- audio: save_audio (encrypt, fsync) and audio_chunks (decrypt) vs copying / reading the
  same file unencrypted, plus the peak Python memory while saving (it should not grow
  with the file: the audio is streamed 1 MiB at a time);
- transcript: save / get of a two-hour-sized transcript vs Transcript.save / load as JSON.

Runs in a temporary SCRIBE_HOME; nothing is kept.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scribe.core.records import Segment, Transcript, Word
from scribe.store import Store
from scribe.store.crypto import KdfParams

PASS = "benchmark passphrase"


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def big_transcript(n: int) -> Transcript:
    segs = []
    for i in range(n):
        words = [Word(i * 5 + k * 0.4, i * 5 + k * 0.4 + 0.3, f" word{k}", 0.9) for k in range(12)]
        segs.append(
            Segment(id=i, start=i * 5.0, end=i * 5 + 4.8, text="".join(w.text for w in words), words=words)
        )
    return Transcript(segments=segs, duration=n * 5.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--audio-mb", type=int, default=200)
    ap.add_argument("--segments", type=int, default=1500, help="1500 x 5 s = about two hours")
    args = ap.parse_args()
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        home = tmpdir / "home"
        os.environ.pop("SCRIBE_INSECURE_FAST_KDF", None)
        t_create, store = timed(
            lambda: Store.open(home, passphrase=PASS, create=True, kdf=KdfParams.strong())
        )
        store.close()
        t_open, store = timed(lambda: Store.open(home, passphrase=PASS))
        rows.append(("unlock (Argon2id t=3, 64 MiB, p=4)", f"{t_open * 1000:.0f} ms", "-", "-"))
        del t_create

        src = tmpdir / "audio.wav"
        with open(src, "wb") as f:
            for _ in range(args.audio_mb):
                f.write(os.urandom(1 << 20))
        size_mb = src.stat().st_size / (1 << 20)

        def plain_copy() -> None:
            dest = tmpdir / "copy.wav"
            dest.unlink(missing_ok=True)
            shutil.copyfile(src, dest)
            with open(dest, "rb+") as fh:
                os.fsync(fh.fileno())

        t_copy, _ = timed(plain_copy)
        sid = store.create_session("BENCH-1", consent=True)
        tracemalloc.start()
        t_save, _ = timed(lambda: store.save_audio(sid, src))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append(
            (
                f"save audio ({size_mb:.0f} MiB)",
                f"{size_mb / t_save:.0f} MiB/s",
                f"{size_mb / t_copy:.0f} MiB/s (copy+fsync)",
                f"{t_save / t_copy:.2f}x",
            )
        )
        rows.append(("peak Python memory while saving", f"{peak / (1 << 20):.1f} MiB", "-", "-"))

        def plain_read() -> int:
            n = 0
            with open(tmpdir / "copy.wav", "rb") as fh:
                while chunk := fh.read(1 << 20):
                    n += len(chunk)
            return n

        t_read, _ = timed(plain_read, 3)
        t_dec, n = timed(lambda: sum(len(c) for c in store.audio_chunks(sid)), 3)
        assert n == src.stat().st_size
        rows.append(
            (
                "read audio",
                f"{size_mb / t_dec:.0f} MiB/s",
                f"{size_mb / t_read:.0f} MiB/s (plain read)",
                f"{t_dec / t_read:.2f}x",
            )
        )

        transcript = big_transcript(args.segments)
        json_path = tmpdir / "t.json"
        t_jsave, _ = timed(lambda: transcript.save(json_path), 3)
        t_jload, _ = timed(lambda: Transcript.load(json_path), 3)
        t_ssave, _ = timed(lambda: store.save_transcript(sid, transcript), 3)
        t_sload, _ = timed(lambda: store.get_transcript(sid), 3)
        kib = json_path.stat().st_size / 1024
        rows.append(
            (
                f"save transcript ({args.segments} segments, {kib:.0f} KiB)",
                f"{t_ssave * 1000:.0f} ms",
                f"{t_jsave * 1000:.0f} ms (JSON file)",
                f"{t_ssave / t_jsave:.2f}x",
            )
        )
        rows.append(
            (
                "load transcript",
                f"{t_sload * 1000:.0f} ms",
                f"{t_jload * 1000:.0f} ms (JSON file)",
                f"{t_sload / t_jload:.2f}x",
            )
        )
        store.close()

    widths = [max(len(r[i]) for r in [*rows, ("what", "store", "baseline", "ratio")]) for i in range(4)]
    header = ("what", "store", "baseline", "ratio")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    main()
