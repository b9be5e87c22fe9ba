"""``scribe tag``: a transcript file or typed notes in, annotations grouped by label out."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scribe.cli import cli
from scribe.core.records import Segment, Transcript, Word


@pytest.fixture()
def transcript_file(tmp_path):
    lines = [
        ("worker", "Have you had any thoughts of suicide?"),
        ("client", "Yeah, sometimes. I haven't been sleeping and I want to get my kids back."),
        ("worker", "Let's make a safety plan. I'll call you on Friday."),
    ]
    segs, t = [], 62.0
    for i, (role, text) in enumerate(lines):
        words = [Word(t + k * 0.5, t + (k + 1) * 0.5, " " + w) for k, w in enumerate(text.split())]
        segs.append(Segment(id=i, start=t, end=words[-1].end, text=text, words=words, role=role,
                            speaker="S1" if role == "worker" else "S2"))  # fmt: skip
        t = words[-1].end + 1.0
    return Transcript(segments=segs, duration=t).save(tmp_path / "session.json")


def test_tag_transcript_prints_groups_quotes_and_times(transcript_file) -> None:
    result = CliRunner().invoke(cli, ["tag", str(transcript_file)])
    assert result.exit_code == 0, result.output
    out = result.output
    for title in ("Risk indicators", "Client-stated goals", "Interventions used", "Observations", "Plans"):
        assert title in out
    assert out.index("Risk indicators") < out.index("Client-stated goals")
    assert '"I want to get my kids back"' in out
    assert "01:" in out  # timestamps past the first minute
    assert "when=on Friday" in out


def test_tag_json_is_the_annotation_list(transcript_file) -> None:
    result = CliRunner().invoke(cli, ["tag", str(transcript_file), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert isinstance(data, list) and data
    assert {"id", "label", "subtype", "status", "evidence", "confidence"} <= set(data[0])
    assert all(d["evidence"] and d["evidence"][0]["quote"] for d in data)


def test_tag_text_file(tmp_path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Client denies SI/HI.\n\nProvided psychoeducation on sleep hygiene.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["tag", "--text", str(notes)])
    assert result.exit_code == 0, result.output
    assert "negated" in result.output and "psychoeducation" in result.output
    assert "segment 0" in result.output  # typed notes have no times


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (None, ["tag", "missing.json"], "No such file"),
        ("broken.json", ["tag", "broken.json"], "Not valid JSON"),
        ("empty.json", ["tag", "empty.json"], "no segments"),
        ("list.json", ["tag", "list.json"], "Expected an object"),
        ("empty.txt", ["tag", "--text", "empty.txt"], "empty"),
        ("binary.txt", ["tag", "--text", "binary.txt"], "not a text file"),
        (None, ["tag", "--text", "nope.txt"], "No such file"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(tmp_path, monkeypatch, setup, args, message) -> None:
    monkeypatch.chdir(tmp_path)
    contents = {
        "broken.json": b"{not json",
        "empty.json": Transcript().to_json().encode(),
        "list.json": b"[1, 2]",
        "empty.txt": b"  \n\n ",
        "binary.txt": b"PK\x03\x04\x00\x00 a zip archive",
    }
    if setup:
        (tmp_path / setup).write_bytes(contents[setup])
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [["tag"], ["tag", "a.json", "--text", "b.txt"]])
def test_transcript_or_text_but_not_both(args) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "either a TRANSCRIPT.json or --text FILE" in result.output
