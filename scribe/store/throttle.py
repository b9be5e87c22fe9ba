"""Slowing down passphrase guesses: after a few failed unlocks each try waits longer.

Argon2id already makes every guess cost about a second of work; this makes a
run of wrong guesses through the program (a script driving the CLI, a page
driving the desk) cost exponentially more wall time. The count of failures is
kept per store, beside it (``unlock-failures.json``, 0600), so starting a new
process does not reset it; a correct passphrase does. Someone who can copy the
store file can guess offline without this delay: there only the passphrase's
strength and Argon2id protect it (see the README's threat model).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

FILE_NAME = "unlock-failures.json"
#: Failed tries that cost nothing extra (typos happen).
FREE_FAILURES = 2
BASE_DELAY_S = 2.0
MAX_DELAY_S = 300.0


def delay_after(failures: int) -> float:
    """Seconds the next try waits after ``failures`` failed ones in a row: 0, 0, 2, 4, 8, ... 300."""
    if failures <= FREE_FAILURES:
        return 0.0
    return min(BASE_DELAY_S * 2 ** (failures - FREE_FAILURES - 1), MAX_DELAY_S)


class UnlockThrottle:
    """The failure count of the store in ``home``; ``sleep`` and ``clock`` are injectable for tests."""

    def __init__(
        self,
        home: Path,
        *,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = home / FILE_NAME
        self._sleep, self._clock = sleep, clock

    def _read(self) -> tuple[int, float]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return max(0, int(data["failures"])), float(data["last"])
        except FileNotFoundError:
            return 0, 0.0
        except (OSError, ValueError, KeyError, TypeError):
            # Unreadable: count it as a run of failures rather than as none (it costs one wait).
            return FREE_FAILURES + 1, self._clock()

    def wait(self) -> None:
        """Sleep for what is left of the delay the failures so far impose."""
        failures, last = self._read()
        remaining = delay_after(failures) - max(0.0, self._clock() - last)
        if remaining > 0:
            self._sleep(remaining)

    def failed(self) -> float:
        """Count one more failure; returns the delay the next try will wait."""
        failures = self._read()[0] + 1
        text = json.dumps({"failures": failures, "last": self._clock()})
        with contextlib.suppress(OSError):  # a read-only folder: the store still refuses the guess
            fd, tmp = tempfile.mkstemp(prefix=f".{FILE_NAME}.", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, self.path)
        return delay_after(failures)

    def succeeded(self) -> None:
        """A correct passphrase: the count starts again."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
