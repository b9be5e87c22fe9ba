"""Nothing leaves the machine: the whole pipeline runs with outbound connections blocked, and attempts none.

transcribe -> who said it -> tag -> draft -> export -> encrypted store, in a fresh
Python process whose socket layer refuses and records every connection, UDP send
and DNS lookup except on Unix sockets (a ``sitecustomize`` loaded before
anything else, so model loading is guarded too). The offline switches
(HF_HUB_OFFLINE, ...) are removed: the program must stay offline by itself.
A guard in Python cannot see a C library opening its own sockets (onnxruntime's
telemetry does, unless switched off): the same path is also run under ``strace``,
which sees every connect and send the process asks of the kernel, and its home
folder is watched for files written outside the data folder and the model cache.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

GUARD = r"""
import os, socket

_LOG = os.environ["NOGUARD_LOG"]


def _record(what):
    with open(_LOG, "a", encoding="utf-8") as fh:
        fh.write(what + "\n")


def _blocked(sock):
    return sock.family != getattr(socket, "AF_UNIX", None)


def _wrap(name):
    real = getattr(socket.socket, name)

    def guarded(self, *args, **kwargs):
        if _blocked(self):
            _record(f"{name} {args!r}")
            raise OSError(101, "network blocked by test_no_network")
        return real(self, *args, **kwargs)

    setattr(socket.socket, name, guarded)


for _name in ("connect", "connect_ex", "sendto", "sendmsg"):
    _wrap(_name)

_getaddrinfo = socket.getaddrinfo


def getaddrinfo(host, *args, **kwargs):
    if host is not None:
        _record(f"getaddrinfo {host!r}")
        raise socket.gaierror(socket.EAI_NONAME, "DNS blocked by test_no_network")
    return _getaddrinfo(host, *args, **kwargs)


def gethostbyname(host):
    _record(f"gethostbyname {host!r}")
    raise socket.gaierror(socket.EAI_NONAME, "DNS blocked by test_no_network")


socket.getaddrinfo = getaddrinfo
socket.gethostbyname = gethostbyname
"""

# The pipeline, stage by stage, exactly as `scribe note` + the store use it.
PIPELINE = r"""
import json, sys
from pathlib import Path

audio, out = Path(sys.argv[1]), Path(sys.argv[2])
done = []

from scribe.asr.transcribe import transcribe_file
transcript = transcribe_file(audio, model="tiny.en")
done.append("transcribe")

from scribe.speakers.diarize import diarize
transcript = diarize(transcript, audio, num_speakers=2)
done.append("diarize")

from pipelines import tag
annotations = tag(transcript)
done.append("tag")

from note_formats import DraftOptions, build_draft, export
draft = build_draft("soap", transcript, annotations, DraftOptions(client_id="NET-TEST-1"))
done.append("draft")
for suffix in ("docx", "pdf", "md", "txt"):
    export(draft, out / f"note.{suffix}")
done.append("export")

from scribe.store import Store
with Store.open(passphrase="correct horse battery", create=True) as store:
    sid = store.create_session("NET-TEST-1", consent=True)
    store.save_audio(sid, audio)
    store.save_transcript(sid, transcript)
    for ann in annotations:  # the worker decides every risk indicator before signing
        if ann.undecided_risk:
            ann.review = "accepted"
    store.save_annotations(sid, annotations)
    store.save_draft(sid, draft)
    store.sign_draft(sid)
    store.export_session(sid, out / "export")
    assert store.verify_audit().ok
    stored = store.get_annotations(sid)
    roles = sorted({s.role or "" for s in store.get_transcript(sid).segments})
done.append("store")
labels = sorted({a.label for a in stored})
print(json.dumps({"done": done, "segments": len(transcript.segments), "labels": labels, "roles": roles}))
"""


def run_guarded(code: str, args: list[str], tmp_path: Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir(exist_ok=True)
    (guard_dir / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "attempts.log"
    env = dict(os.environ, PYTHONPATH=str(guard_dir), NOGUARD_LOG=str(log))
    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        env.pop(key, None)
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=900
    )
    attempts = log.read_text().splitlines() if log.exists() else []
    return proc, attempts


@pytest.mark.parametrize(
    "code",
    [
        "import socket\ntry:\n    socket.create_connection(('example.org', 80), timeout=1)\nexcept OSError:\n    pass",
        "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "try:\n    s.sendto(b'x', ('192.0.2.1', 53))\nexcept OSError:\n    pass",
        "import socket\ns = socket.socket()\ntry:\n    s.connect(('127.0.0.1', 9))\nexcept OSError:\n    pass",
    ],
    ids=["tcp-with-dns", "udp", "loopback"],
)
def test_the_guard_sees_and_refuses_connections(tmp_path: Path, code: str) -> None:
    """Without this the pipeline test could not fail."""
    proc, attempts = run_guarded(code, [], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert attempts


@pytest.mark.slow
def test_whole_pipeline_attempts_no_connection(
    tmp_path: Path, counselling_dialogue, scribe_home: Path
) -> None:
    audio, _ = counselling_dialogue
    proc, attempts = run_guarded(PIPELINE, [str(audio), str(tmp_path)], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert attempts == []
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["done"] == ["transcribe", "diarize", "tag", "draft", "export", "store"]
    assert result["segments"] > 3
    assert {"goal", "risk", "plan"} <= set(result["labels"])  # the tagger really ran on the words
    assert {"worker", "client"} <= set(result["roles"])  # and diarization on the voices
    for suffix in ("docx", "pdf", "md", "txt"):
        assert (tmp_path / f"note.{suffix}").stat().st_size > 0
    assert "Subjective" in (tmp_path / "note.md").read_text()
    assert list((tmp_path / "export").glob("session-*.json"))
    assert list((scribe_home / "audio").iterdir())


# --- the system-call level: what the process asks the kernel, C libraries included ----------------

STRACE = shutil.which("strace")
#: A socket address strace prints for an IPv4 / IPv6 connect or send.
_INET = re.compile(r'sin_addr=inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"')


def network_calls(trace: Path) -> list[str]:
    """The connect / send system calls of a ``strace -f`` log that leave the machine (loopback is local)."""
    found = []
    for line in trace.read_text(errors="replace").splitlines():
        for v4, v6 in _INET.findall(line):
            host = v4 or v6
            if not (host.startswith("127.") or host in ("::1", "::ffff:127.0.0.1")):
                found.append(line.strip())
    return found


def traced(cmd: list[str], env: dict[str, str], trace: Path, **popen) -> subprocess.Popen:
    """``cmd`` under strace, every thread and child followed, network calls logged to ``trace``."""
    return subprocess.Popen(
        [STRACE, "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,sendmmsg", "-o", str(trace), *cmd],
        env=env,
        **popen,
    )


def traced_pid(tracer: subprocess.Popen) -> int:
    """The pid of the program strace started (its only child)."""
    children = Path(f"/proc/{tracer.pid}/task/{tracer.pid}/children").read_text().split()
    return int(children[0])


def user_env(home: Path) -> dict[str, str]:
    """A user whose home folder is ``home`` (empty), the data folder inside it, no offline switches.

    ORT_DISABLE_TELEMETRY and CI are removed too: the program must set the first itself.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "ORT_", "XDG_"))}
    env.pop("SCRIBE_CACHE", None)
    # onnxruntime keeps quiet by itself on CI machines (CI is set); a worker's laptop has no CI.
    env.pop("CI", None)
    env.update(
        HOME=str(home), SCRIBE_HOME=str(home / "scribe-data"), SCRIBE_PASSPHRASE="correct horse battery"
    )
    # As in a desktop session (systemd-logind sets it): without it the sound library (PulseAudio's
    # client, when the desk looks for microphones) links its runtime folder under ~/.config.
    run = home.parent / f"{home.name}-run"
    run.mkdir(mode=0o700, exist_ok=True)
    env["XDG_RUNTIME_DIR"] = str(run)
    return env


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.skipif(STRACE is None, reason="strace is not installed")
def test_strace_check_sees_a_c_level_send_and_ignores_loopback(tmp_path: Path) -> None:
    """Without this the system-call test could not fail: a UDP send out is seen, loopback is not."""
    code = (
        "import socket\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "for host in ('192.0.2.1', '127.0.0.1'):\n"
        "    try:\n        s.sendto(b'x', (host, 9))\n    except OSError:\n        pass\n"
    )
    trace = tmp_path / "trace.txt"
    proc = traced([sys.executable, "-c", code], dict(os.environ), trace)
    assert proc.wait(timeout=60) == 0
    calls = network_calls(trace)
    assert len(calls) == 1 and "192.0.2.1" in calls[0]


def test_onnxruntime_alone_writes_under_home_and_scribe_stops_it(tmp_path: Path) -> None:
    """The home-folder check can fail: bare onnxruntime leaves ~/.cache/Microsoft; imported after scribe, nothing."""
    code = (
        "import os, sys\n"
        "if sys.argv[1] == 'scribe':\n    import scribe\n"
        "import onnxruntime as ort\n"
        "model = os.path.join(os.path.dirname(ort.__file__), 'datasets', 'mul_1.onnx')\n"
        "ort.InferenceSession(model, providers=['CPUExecutionProvider'])\n"
    )
    for first in ("onnxruntime", "scribe"):
        home = tmp_path / first
        home.mkdir()
        proc = subprocess.run(
            [sys.executable, "-c", code, first],
            env=user_env(home),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        if first == "onnxruntime":
            assert (home / ".cache" / "Microsoft").is_dir()
        else:
            assert files_under(home) == []


@pytest.mark.slow
@pytest.mark.skipif(STRACE is None, reason="strace is not installed")
def test_cli_and_desk_make_no_network_system_call_and_write_only_data_and_cache(
    tmp_path: Path, sample_session: Path, repo_root: Path
) -> None:
    """transcribe -> note (saved in the store) -> desk start and SIGTERM, each traced by strace.

    The home folder starts empty; afterwards it holds only the data folder and the model cache.
    """
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    env = user_env(home)
    env["PYTHONPATH"] = str(repo_root)
    scribe = [sys.executable, "-m", "scribe.cli"]
    transcript = work / "session.json"
    steps = {
        "transcribe": [
            *scribe,
            "transcribe",
            str(sample_session),
            "-m",
            "tiny.en",
            "-s",
            "2",
            "-o",
            str(transcript),
        ],
        "note": [
            *scribe,
            "note",
            str(transcript),
            "--client",
            "NET-1",
            "--consent",
            "-o",
            str(work / "note.md"),
        ],
    }
    for name, cmd in steps.items():
        trace = tmp_path / f"{name}.trace"
        proc = traced(cmd, env, trace, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, f"{name}: {err[-2000:]}"
        assert network_calls(trace) == [], name
    assert "Subjective" in (work / "note.md").read_text(encoding="utf-8")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    trace = tmp_path / "desk.trace"
    desk = traced(
        [*scribe, "ui", "--port", str(port)], env, trace, cwd=work, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 300  # a hang guard: gradio and the models load first
        while time.monotonic() < deadline and desk.poll() is None:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(1)
        assert desk.poll() is None, desk.stderr.read()[-2000:] if desk.stderr else ""
        # The page opens only with the launch key the desk printed (its first line names it).
        address = next(line for line in desk.stderr if "session-scribe desk:" in line).split(": ", 1)[1]
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())  # keeps the key's cookie
        with browser.open(address.strip(), timeout=30) as page:
            assert page.status == 200
        # What an upload leaves in the desk's private cache: plain audio, to be wiped on SIGTERM.
        caches = [p for p in (home / "scribe-data").iterdir() if p.is_dir() and p.name != "audio"]
        assert len(caches) == 1
        upload = caches[0] / "upload-from-browser" / "session.ogg"
        upload.parent.mkdir()
        upload.write_bytes(sample_session.read_bytes())
        os.kill(traced_pid(desk), signal.SIGTERM)  # the desk itself, not strace
        desk.wait(timeout=60)  # a hang guard, not a speed check
    finally:
        if desk.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                os.kill(traced_pid(desk), signal.SIGKILL)
            desk.kill()
            desk.wait()
    assert desk.returncode == 0  # strace exits with its tracee's status: the desk stopped cleanly
    assert not upload.exists() and not any(p.is_file() for p in caches[0].rglob("*"))
    assert network_calls(trace) == []

    allowed = ("scribe-data", ".cache/session-scribe")  # the data folder and the model cache
    # Where a sound server runs, its client library (PulseAudio's, as the desk lists microphones)
    # keeps its login cookie in ~/.config/pulse, as for every program that plays or records sound;
    # a desktop user already has it. Nothing else may appear.
    sound = (".config", ".config/pulse", ".config/pulse/cookie")
    outside = [f for f in files_under(home) if not f.startswith(allowed) and f not in (".cache", *sound)]
    assert outside == [], outside
    assert not (home / ".cache" / "Microsoft").exists()  # onnxruntime's device id and event queue
    assert (home / "scribe-data" / "store.sqlite3").is_file()
