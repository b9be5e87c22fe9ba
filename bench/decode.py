"""How many times one `scribe note` run decodes its recording, next to the stages run one by one.

    python bench/decode.py [--audio samples/session.ogg] [--model tiny.en]

- `scribe note AUDIO --no-store`: the whole run (transcribe, speakers, tag, draft) in
  this process, with every decoding pass counted (a counter around the real decoder)
  and the file reads for the fingerprint counted too;
- baseline: the same stages called one by one on the file, as each stage can be
  (``Transcriber.transcribe_file`` then ``diarize`` reading the file itself), in the same run.

Prints a table: decoding passes, fingerprint reads and wall time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402

from scribe.asr.transcribe import Transcriber  # noqa: E402
from scribe.audio import decode  # noqa: E402
from scribe.cli import cli  # noqa: E402
from scribe.speakers import diarize as diarize_module  # noqa: E402
from scribe.speakers.diarize import diarize  # noqa: E402


class Counter:
    """Counts calls to the real decoder and to the file hash while installed (it calls both through)."""

    #: The modules that hash a whole file (the decoder's fallback, diarization's same-file check).
    HASHERS = (decode, diarize_module)

    def __init__(self) -> None:
        self.decodes = self.hashes = 0
        self._stream, self._sha = decode.stream, decode.sha256_file

    def __enter__(self) -> Counter:
        def stream(*args, **kwargs):
            self.decodes += 1
            return self._stream(*args, **kwargs)

        def sha(*args, **kwargs):
            self.hashes += 1
            return self._sha(*args, **kwargs)

        decode.stream = stream
        for module in self.HASHERS:
            module.sha256_file = sha
        return self

    def __exit__(self, *exc: object) -> None:
        decode.stream = self._stream
        for module in self.HASHERS:
            module.sha256_file = self._sha


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--audio", type=Path, default=ROOT / "samples" / "session.ogg")
    ap.add_argument("--model", default="tiny.en")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as home:
        os.environ["SCRIBE_HOME"] = home
        with Counter() as count:
            start = time.perf_counter()
            result = CliRunner().invoke(cli, ["note", str(args.audio), "--model", args.model, "--no-store"])
            seconds = time.perf_counter() - start
        if result.exit_code != 0:
            raise SystemExit(result.output)
        rows.append(("scribe note (with tagging and drafting)", count.decodes, count.hashes, seconds))
        transcriber = Transcriber(args.model)
        with Counter() as count:
            start = time.perf_counter()
            diarize(transcriber.transcribe_file(args.audio), args.audio)
            seconds = time.perf_counter() - start
        rows.append(("baseline: transcribe_file, then diarize(file)", count.decodes, count.hashes, seconds))
    print(f"{args.audio.name}, model {args.model}")
    print(f"{'run':<48} {'decodes':>8} {'hash reads':>11} {'seconds':>8}")
    for name, decodes, hashes, seconds in rows:
        print(f"{name:<48} {decodes:>8} {hashes:>11} {seconds:>8.1f}")


if __name__ == "__main__":
    main()
