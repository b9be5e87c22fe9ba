"""Ctrl-C stops the desk promptly even while work is still running, and wipes plain files."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import sys, threading, time
from pathlib import Path
from ui.app import stop_promptly_on_ctrl_c, wait_for
cache = Path(sys.argv[1])
stop = stop_promptly_on_ctrl_c(cache, grace=1.0)
# A non-daemon worker that would keep a normal interpreter exit waiting for a minute.
threading.Thread(target=time.sleep, args=(60,)).start()
print("ready", flush=True)
if sys.argv[2] == "starting":
    time.sleep(2)  # the server still starting when the signal comes
wait_for(stop)  # what the desk's launch does before closing the server
"""


@pytest.mark.parametrize("when", ["running", "starting"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_exits_within_grace_and_wipes_cache(tmp_path: Path, signum: int, when: str) -> None:
    cache = tmp_path / "ui-cache"
    cache.mkdir()
    (cache / "upload.wav").write_bytes(b"plain audio")
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(cache), when], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    proc.send_signal(signum)
    # A hang guard, not a speed check: without the watchdog the exit waits for the 60 s worker.
    proc.wait(timeout=30)
    assert proc.returncode == 0
    assert not any(p.is_file() for p in cache.rglob("*"))
