"""Shared fixtures: temporary user directories, generated speech, the tiny model."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(Path(__file__).parent))

import synth  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture(autouse=True)
def scribe_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty user data directory (never the real one)."""
    home = tmp_path / "scribe-home"
    monkeypatch.setenv("SCRIBE_HOME", str(home))
    # Session stores created by tests use cheap Argon2id settings (test_store.py checks the default once).
    monkeypatch.setenv("SCRIBE_INSECURE_FAST_KDF", "1")
    return home


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"evaluation data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sample_session(repo_root: Path) -> Path:
    """The bundled fictional counselling session (scripts/make_sample.py)."""
    return repo_root / "samples" / "session.ogg"


@pytest.fixture(scope="session")
def counselling_dialogue(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[synth.Turn]]:
    """A ~58 s two-voice counselling dialogue with known words and turn times."""
    if not synth.have_espeak():
        pytest.skip("espeak-ng is not installed (scripts/setup.sh --test installs it)")
    samples, turns = synth.dialogue(synth.COUNSELLING_TURNS)
    path = synth.write_wav(tmp_path_factory.mktemp("speech") / "dialogue.wav", samples)
    return path, turns


@pytest.fixture(scope="session")
def tiny():
    """The packaged tiny.en model, loaded once for the whole run."""
    from scribe.asr.transcribe import Transcriber

    return Transcriber("tiny.en")


# --- a private PulseAudio server: real PortAudio streams without a sound card --------


class PulseServer:
    """A private PulseAudio daemon with one null sink; record its monitor through PortAudio's ``pulse``."""

    def __init__(self, root: Path, sink: str = "scribe_test") -> None:
        import subprocess
        import time

        self.root, self.sink = root, sink
        runtime = root / "pulse-runtime"
        runtime.mkdir(parents=True, mode=0o700)
        (root / "pulse-home").mkdir()
        self.log = root / "pulse.log"
        self.server = f"unix:{runtime}/native"
        # Root without a desktop session: no default.pa (-n), no D-Bus, no shm, no exit when idle.
        self.env = {
            **os.environ,
            "HOME": str(root / "pulse-home"),
            "PULSE_RUNTIME_PATH": str(runtime),
            "XDG_RUNTIME_DIR": str(runtime),
            "PULSE_SERVER": self.server,
        }
        self.proc = subprocess.Popen(
            [
                "pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit",
                "--disable-shm=yes", "--realtime=no", "--high-priority=no", "--use-pid-file=no",
                f"--log-target=file:{self.log}",
                "-L", f"module-native-protocol-unix auth-anonymous=1 socket={runtime}/native",
                "-L", f"module-null-sink sink_name={sink}",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if self.pactl("info", check=False).returncode == 0:
                return
            time.sleep(0.1)
        self.stop()
        log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        raise RuntimeError(f"pulseaudio did not start:\n{log}")

    def pactl(self, *args: str, check: bool = True):
        import subprocess

        return subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True, check=check)

    def play(self, audio: Path):
        """Start playing a WAV into the null sink (returns the paplay process)."""
        import subprocess

        return subprocess.Popen(["paplay", f"--device={self.sink}", str(audio)], env=self.env)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except Exception:
                self.proc.kill()
                self.proc.wait()


def _pulse_missing() -> str | None:
    import glob
    import shutil

    for tool, package in (
        ("pulseaudio", "pulseaudio"),
        ("paplay", "pulseaudio-utils"),
        ("pactl", "pulseaudio-utils"),
    ):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt install {package}; scripts/setup.sh --test does it)"
    if not glob.glob("/usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so"):
        return "the ALSA pulse plugin is not installed (apt install libasound2-plugins)"
    return None


@pytest.fixture(scope="session")
def pulse_server(tmp_path_factory: pytest.TempPathFactory):
    """A PulseAudio server for the whole run; PortAudio's ``pulse`` device records its null-sink monitor.

    Sets PULSE_SERVER for this process (and the subprocesses it starts) while the session runs.
    """
    missing = _pulse_missing()
    if missing:
        pytest.skip(missing)
    server = PulseServer(tmp_path_factory.mktemp("pulse"))
    before = os.environ.get("PULSE_SERVER")
    os.environ["PULSE_SERVER"] = server.server
    try:
        yield server
    finally:
        server.stop()
        if before is None:
            os.environ.pop("PULSE_SERVER", None)
        else:
            os.environ["PULSE_SERVER"] = before


@pytest.fixture
def make_pulse_server(tmp_path: Path):
    """Start extra, short-lived PulseAudio servers (e.g. one a test kills); all stopped afterwards."""
    missing = _pulse_missing()
    if missing:
        pytest.skip(missing)
    servers: list[PulseServer] = []

    def make(name: str = "extra") -> PulseServer:
        servers.append(PulseServer(tmp_path / f"pulse-{name}-{len(servers)}"))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()
