"""Nothing leaves the machine: the whole pipeline runs with outbound connections blocked, and attempts none.

transcribe -> who said it -> tag -> draft -> export -> encrypted store, in a fresh
Python process whose socket layer refuses and records every connection, UDP send
and DNS lookup except on Unix sockets (a ``sitecustomize`` loaded before
anything else, so model loading is guarded too). The offline switches
(HF_HUB_OFFLINE, ...) are removed: the program must stay offline by itself.
A guard in Python cannot see a C library opening its own sockets; none of our
dependencies does on these paths, and the recorded list would catch any Python one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
