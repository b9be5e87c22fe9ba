"""Property-based hostile input: generated transcript, annotation and draft JSON, bytes and text.

Whatever arrives, the loaders either return records whose checks hold or raise
one ``TranscriptError`` of one line; the CLI either succeeds or prints one
``Error:`` line, writes no output file and leaves the store's files as they were.
Examples are bounded (CI runs them all); hypothesis shrinks any failure to a small case.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from note_fixtures import counselling_annotations, counselling_transcript

from scribe.cli import cli
from scribe.core.errors import ScribeError, TranscriptError
from scribe.core.records import NoteDraft, NoteItem, NoteSection, Transcript, annotations_from_json
from scribe.transcripts.typed import read_text_file, text_to_transcript

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "fuzzing passphrase for the store"
# CI replays the same examples every run (a red CI names a real regression, not a new draw);
# local runs keep exploring new ones.
_CI = bool(os.environ.get("CI"))
_CHECKS = [HealthCheck.function_scoped_fixture]
FAST = settings(max_examples=60, deadline=None, derandomize=_CI, suppress_health_check=_CHECKS)
CLI = settings(max_examples=25, deadline=None, derandomize=_CI, suppress_health_check=_CHECKS)

# --- what an attacker (or a damaged disk) puts in a field -----------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([10**400, -(10**400), 2**63, -1, 0]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", "abc", "12", "1e999", "NaN", "worker", "client", "\x00", "\u202e", "é" * 50]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def deep_nesting(levels: int) -> Any:
    value: Any = []
    for _ in range(levels):
        value = [value]
    return value


hostile = st.one_of(json_values, st.integers(50, 3000).map(deep_nesting))


def dumps(data: Any) -> str:
    """JSON as a careless writer would produce it: NaN / Infinity allowed, no depth limit on writing."""
    try:
        return json.dumps(data, allow_nan=True)
    except RecursionError:
        return "[" * 5000 + "]" * 5000


def replace_somewhere(data: Any, draw: st.DrawFn) -> Any:
    """``data`` with one value (at any depth) replaced by a hostile one, or a key dropped or added."""
    if isinstance(data, dict) and data:
        key = draw(st.sampled_from(sorted(data)))
        action = draw(st.sampled_from(["replace", "descend", "descend", "drop", "add"]))
        if action == "drop":
            return {k: v for k, v in data.items() if k != key}
        if action == "add":
            return {**data, draw(st.text(max_size=10)): draw(hostile)}
        if action == "descend" and isinstance(data[key], dict | list) and data[key]:
            return {**data, key: replace_somewhere(data[key], draw)}
        return {**data, key: draw(hostile)}
    if isinstance(data, list) and data:
        index = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["replace", "descend", "descend", "duplicate"]))
        if action == "duplicate":
            return [*data, data[index]]
        inner = data[index]
        value = replace_somewhere(inner, draw) if action == "descend" else draw(hostile)
        return [*data[:index], value, *data[index + 1 :]]
    return draw(hostile)


@st.composite
def hostile_transcripts(draw: st.DrawFn) -> str:
    data = counselling_transcript().to_dict()
    for _ in range(draw(st.integers(1, 3))):
        data = replace_somewhere(data, draw)
    return dumps(data)


@st.composite
def hostile_annotations(draw: st.DrawFn) -> str:
    transcript = counselling_transcript()
    data: Any = [a.to_dict() for a in counselling_annotations(transcript)]
    for _ in range(draw(st.integers(1, 3))):
        data = replace_somewhere(data, draw)
    if draw(st.booleans()):
        data = {"annotations": data}
    return dumps(data)


def a_draft() -> NoteDraft:
    transcript = counselling_transcript()
    evidence = counselling_annotations(transcript)[0].evidence
    item = NoteItem(id="s1", text="Client reports poor sleep.", evidence=evidence)
    draft = NoteDraft(
        id="d1", format="soap", sections=[NoteSection(key="s", title="Subjective", items=[item])]
    )
    draft.edits = []
    return draft


@st.composite
def hostile_drafts(draw: st.DrawFn) -> str:
    data = a_draft().to_dict()
    data["edits"] = [
        {"at": "2026-01-05T10:00:00+00:00", "action": "edit", "section": "s", "item_id": "s1", "after": "x"}
    ]
    for _ in range(draw(st.integers(1, 3))):
        data = replace_somewhere(data, draw)
    return dumps(data)


def encoded(draw: st.DrawFn, text: str) -> bytes:
    """``text`` as bytes in an encoding someone might save it in, or cut short, or with junk added."""
    how = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "latin-1", "cut", "junk"]))
    if how == "cut":
        data = text.encode()
        return data[: draw(st.integers(0, len(data)))]
    if how == "junk":
        return text.encode() + draw(st.binary(min_size=1, max_size=20))
    return text.encode(how, errors="replace")


def assert_one_line(exc: BaseException) -> None:
    message = str(exc)
    assert message and "\n" not in message and "Traceback" not in message, message


def assert_valid_transcript(transcript: Transcript) -> None:
    """What a loaded transcript promises the stages after it."""
    assert math.isfinite(transcript.duration) and transcript.duration >= 0
    ids = [s.id for s in transcript.segments]
    assert len(ids) == len(set(ids))
    for seg in transcript.segments:
        assert isinstance(seg.text, str) and isinstance(seg.id, int) and not isinstance(seg.id, bool)
        assert math.isfinite(seg.start) and 0 <= seg.start <= seg.end and math.isfinite(seg.end)
        assert seg.role in (None, "worker", "client", "other")
        for word in seg.words:
            assert seg.start - 1.0 <= word.start <= word.end <= seg.end + 1.0
    assert Transcript.from_json(transcript.to_json()) == transcript


# --- the loaders -----------------------------------------------------------------------------


@FAST
@given(text=hostile_transcripts())
def test_transcript_loader_returns_a_valid_transcript_or_one_line(text: str) -> None:
    try:
        transcript = Transcript.from_json(text)
    except TranscriptError as exc:
        assert_one_line(exc)
    else:
        assert_valid_transcript(transcript)


@FAST
@given(text=hostile_annotations())
def test_annotations_loader_returns_valid_annotations_or_one_line(text: str) -> None:
    try:
        annotations = annotations_from_json(text)
    except TranscriptError as exc:
        assert_one_line(exc)
    else:
        assert len({a.id for a in annotations}) == len(annotations)
        for ann in annotations:
            assert 0.0 <= ann.confidence <= 1.0
            for ev in ann.evidence:
                assert 0 <= ev.start <= ev.end and 0 <= ev.char_start <= ev.char_end


@FAST
@given(text=hostile_drafts())
def test_draft_loader_returns_a_valid_draft_or_one_line(text: str) -> None:
    try:
        draft = NoteDraft.from_json(text)
    except TranscriptError as exc:
        assert_one_line(exc)
    else:
        for section in draft.sections:
            assert len({i.id for i in section.items}) == len(section.items)
            assert all(isinstance(i.text, str) for i in section.items)
        assert all(isinstance(e.after, str | None) for e in draft.edits)


@FAST
@given(data=st.data())
def test_record_files_in_any_encoding_load_or_fail_in_one_line(data: st.DataObject, tmp_path: Path) -> None:
    text = data.draw(hostile_transcripts() | st.just(counselling_transcript().to_json()))
    path = tmp_path / "t.json"
    path.write_bytes(encoded(data.draw, text))
    try:
        assert_valid_transcript(Transcript.load(path))
    except TranscriptError as exc:
        assert_one_line(exc)


@FAST
@given(data=st.data())
def test_text_files_become_a_transcript_or_one_line(data: st.DataObject, tmp_path: Path) -> None:
    """Notes, a typed conversation or subtitles, hostile: a transcript whose checks hold, or one line."""
    lines = st.one_of(
        st.text(max_size=80),
        st.sampled_from(
            ["Worker: How are you?", "Client: Tired.", "WEBVTT", "00:00:01.000 --> 00:00:00.500"]
        ),
        st.from_regex(r"\d{1,3}:\d{2}:\d{2}[.,]\d{3} --> \d{1,3}:\d{2}:\d{2}[.,]\d{3}", fullmatch=True),
        st.from_regex(r"\[\d{1,3}:\d{2}\] [A-Za-z]{1,8}: .{0,20}", fullmatch=True),
    )
    text = "\n".join(data.draw(st.lists(lines, max_size=12)))
    path = tmp_path / "notes.txt"
    path.write_bytes(encoded(data.draw, text))
    try:
        transcript = text_to_transcript(read_text_file(path))
    except ScribeError as exc:
        assert_one_line(exc)
    else:
        transcript.check()
        assert_valid_transcript(transcript)


# --- the command line ------------------------------------------------------------------------


def snapshot(home: Path) -> dict[str, str]:
    return {
        str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(home.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def stored_home(scribe_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store holding one session, unlocked by $SCRIBE_PASSPHRASE for the CLI."""
    from scribe.store import Store

    monkeypatch.setenv("SCRIBE_PASSPHRASE", PASSPHRASE)
    with Store.open(passphrase=PASSPHRASE, create=True) as store:
        store.create_session("C-0", False, session_type="individual", session_date="2026-01-05")
    return scribe_home


def check_cli_run(args: list[str], out: Path, home: Path) -> None:
    before = snapshot(home)
    result = CliRunner().invoke(cli, args)
    if result.exit_code == 0:
        return
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        f"crashed: {result.exception!r}\n{result.output}"
    )
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert not out.exists(), "a failed run left an output file"
    assert snapshot(home) == before, "a failed run changed the store"


@CLI
@given(text=hostile_transcripts())
def test_cli_note_on_a_hostile_transcript(text: str, tmp_path: Path, stored_home: Path) -> None:
    bad, out = tmp_path / "session.json", tmp_path / "note.md"
    bad.write_text(text, encoding="utf-8")
    out.unlink(missing_ok=True)
    args = ["note", str(bad), "--client", "C-1", "--consent", "--date", "2026-01-05", "-o", str(out)]
    check_cli_run(args, out, stored_home)


@CLI
@given(text=hostile_annotations())
def test_cli_note_on_hostile_annotations(text: str, tmp_path: Path, stored_home: Path) -> None:
    transcript = counselling_transcript()
    transcript.source = "text"  # no recording: the store needs no consent for it
    source = transcript.save(tmp_path / "session.json")
    bad, out = tmp_path / "annotations.json", tmp_path / "note.md"
    bad.write_text(text, encoding="utf-8")
    out.unlink(missing_ok=True)
    args = ["note", str(source), "--annotations", str(bad), "--client", "C-1", "-o", str(out)]
    check_cli_run(args, out, stored_home)


@CLI
@given(data=st.binary(max_size=400) | hostile_transcripts().map(str.encode))
def test_cli_note_on_hostile_bytes(data: bytes, tmp_path: Path, stored_home: Path) -> None:
    bad, out = tmp_path / "session.json", tmp_path / "note.json"
    bad.write_bytes(data)
    out.unlink(missing_ok=True)
    result = CliRunner().invoke(cli, ["note", str(bad), "--no-store", "-o", str(out)])
    if result.exit_code != 0:
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
        assert not out.exists()


# --- a real process: what the worker sees in the terminal ---------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("deep.json", b'{"segments": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
        (
            "latin1.json",
            '{"segments": [], "language": "fran\xe7ais"}'.encode("latin-1"),
            "not UTF-8 or UTF-16",
        ),
        ("huge.json", b'{"duration": 1' + b"0" * 5000 + b"}", "number out of range"),
    ],
)
def test_a_real_scribe_process_prints_one_line_and_no_traceback(
    name: str, content: bytes, expected: str, tmp_path: Path
) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "SCRIBE_HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        [sys.executable, "-m", "scribe.cli", "note", str(bad), "--no-store", "-o", str(tmp_path / "n.md")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expected in lines[0], proc.stderr
    assert proc.stdout == "" and not (tmp_path / "n.md").exists()
    assert not (tmp_path / "home" / "store.sqlite3").exists()
