"""The scripted sessions' gold is consistent with the way bench/notes.py scores it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def notes_bench():
    spec = importlib.util.spec_from_file_location("notes_bench", REPO / "bench" / "notes.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["notes_bench"] = module
    spec.loader.exec_module(module)
    return module


def test_a_forbidden_claim_a_correct_line_would_make_is_left_out_with_a_warning(notes_bench, capsys):
    facts = [{"kind": "risk", "turn": 4, "words": ["neck"], "says": "Partner strangled her."}]
    forbidden = [
        {"turn": 4, "kind": "risk", "says": "Do not state she lost consciousness."},
        {"turn": 6, "kind": "risk", "says": "'This job is killing me' is a figure of speech."},
        {"text": "(?i)lost consciousness", "says": "She did not lose consciousness."},
    ]
    kept = notes_bench.scoreable("s1", facts, forbidden)
    assert [b["says"] for b in kept] == [forbidden[1]["says"], forbidden[2]["says"]]
    assert "s1: forbidden risk at turn 4 not scored" in capsys.readouterr().err


@pytest.mark.parametrize("split", ["dev", "holdout"])
def test_every_forbidden_claim_of_the_sessions_is_scored(notes_bench, capsys, split):
    sessions = notes_bench.load_sessions(REPO / "bench" / "data" / "notes" / split)
    assert sessions and all(s.facts for s in sessions)
    assert "not scored" not in capsys.readouterr().err


def test_a_forbidden_pattern_is_matched_on_the_lines_citing_its_turn(notes_bench):
    lines = [
        ("O", "intervention", {3}, "Worker screened for risk (hurting them; home)."),
        ("S", "observation", {5}, "Client reported that their dad will be angry if he finds out."),
    ]
    claim = {"turn": 5, "kind": "risk", "text": "hurt|kill", "says": "A figure of speech."}
    assert not notes_bench.claim_made(claim, lines, "\n".join(t for *_, t in lines))
    lines.append(("A", "risk", {5}, "Possible abuse: their dad is gonna kill them."))
    assert notes_bench.claim_made(claim, lines, "")
    # without a turn, the pattern is looked for in the whole note
    assert notes_bench.claim_made({"text": "hurting", "says": "x"}, lines[:1], "Worker ... hurting them")
