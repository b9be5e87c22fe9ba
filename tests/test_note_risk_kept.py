"""A risk indicator is never dropped from a draft: evidence that fails its check gives a REVIEW line."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from note_fixtures import counselling_annotations, counselling_transcript, self_harm_disclosure

from note_formats import FORMATS, build_draft, check_grounding, render_markdown
from scribe.cli import cli
from scribe.core.records import Annotation, Transcript

NO_RISK = "No risk indicators were identified in the transcript."


def _risk(tr: Transcript) -> Annotation:
    return self_harm_disclosure(tr, "r-bad")


def _set(obj, **values) -> None:
    for k, v in values.items():
        setattr(obj, k, v)


#: Every way an annotation's evidence can fail its check against the transcript.
BREAKS: dict[str, Callable[[Transcript, Annotation], None]] = {
    "negative time": lambda tr, a: _set(a.evidence[0], start=-3.0, end=-1.0),
    "NaN time": lambda tr, a: _set(a.evidence[0], start=math.nan),
    "infinite end": lambda tr, a: _set(a.evidence[0], end=math.inf),
    "time outside its segment": lambda tr, a: _set(a.evidence[0], start=500.0, end=501.0),
    "reversed times": lambda tr, a: _set(a.evidence[0], start=a.evidence[0].end, end=a.evidence[0].start),
    "reversed segment": lambda tr, a: _set(tr.segment(7), start=tr.segment(7).end, end=tr.segment(7).start),
    "NaN segment": lambda tr, a: _set(tr.segment(7), start=math.nan),
    "missing segment id": lambda tr, a: _set(a.evidence[0], segment_id=999),
    "text mismatch": lambda tr, a: _set(a.evidence[0], quote="words nobody said"),
    "offsets past the segment": lambda tr, a: _set(a.evidence[0], char_end=10_000),
    "reversed offsets": lambda tr, a: _set(a.evidence[0], char_start=5, char_end=2),
    "negative offset": lambda tr, a: _set(a.evidence[0], char_start=-1),
    "blank quote": lambda tr, a: _set(a.evidence[0], char_start=0, char_end=0, quote=""),
    "no evidence": lambda tr, a: _set(a, evidence=[]),
}


@pytest.mark.parametrize("fmt", tuple(FORMATS))
@pytest.mark.parametrize("how", tuple(BREAKS))
def test_risk_with_failed_evidence_stays_as_a_review_line(fmt: str, how: str) -> None:
    tr = counselling_transcript()
    bad = _risk(tr)
    BREAKS[how](tr, bad)
    anns = [a for a in counselling_annotations(tr) if a.label != "risk"]
    d = build_draft(fmt, tr, [*anns, bad])
    # (prose also reports the client's answer to the worker's risk screen, from the words alone)
    risk = [i for i in d.section("risk").items if i.annotation_ids]
    assert [i.annotation_ids for i in risk] == [["r-bad"]]
    line = risk[0]
    assert line.needs_review and "document this risk yourself" in line.review_reason
    assert "self-harm" in line.text and line.evidence == [] and line.origin == "unmatched"
    md = render_markdown(d)
    assert NO_RISK not in md and "REVIEW:" in md and "self-harm" in md
    # the line quotes nothing, so it claims nothing the transcript does not hold
    assert '"' not in line.text and "nobody said" not in md
    # (a broken segment also breaks the lines other formats quote from it; the risk line is not one)
    assert [p for p in check_grounding(d, tr) if p.item_id == line.id] == []


def test_rejected_risk_with_failed_evidence_is_still_left_out() -> None:
    tr = counselling_transcript()
    bad = _risk(tr)
    bad.review, bad.evidence[0].quote = "rejected", "words nobody said"
    d = build_draft("soap", tr, [a for a in counselling_annotations(tr) if a.label != "risk"] + [bad])
    assert [i for i in d.section("risk").items if i.annotation_ids or i.origin == "unmatched"] == []


def test_a_good_risk_beside_a_broken_one_keeps_both() -> None:
    tr = counselling_transcript()
    anns = counselling_annotations(tr)
    bad = copy.deepcopy(_risk(tr))
    bad.evidence[0].segment_id = 999
    d = build_draft("dap", tr, [*anns, bad])
    ids = [i.annotation_ids for i in d.section("risk").items]
    assert ["r-bad"] in ids and ["a9"] in ids


@pytest.mark.parametrize("how", ["negative time", "missing segment id", "reversed segment", "text mismatch"])
def test_cli_never_says_no_risk_over_a_broken_annotations_file(tmp_path: Path, how: str) -> None:
    """End to end: the annotations file is the one a worker passes; the note must show the risk or stop."""
    tr = counselling_transcript()
    bad = _risk(tr)
    BREAKS[how](tr, bad)
    tr_path, ann_path = tmp_path / "t.json", tmp_path / "a.json"
    tr.save(tr_path)
    ann_path.write_text(json.dumps([bad.to_dict()]), encoding="utf-8")
    out = tmp_path / "note.md"
    result = CliRunner().invoke(
        cli, ["note", str(tr_path), "--annotations", str(ann_path), "--no-store", "-o", str(out)]
    )
    if result.exit_code == 0:  # drafted: the risk is there, for review
        md = out.read_text(encoding="utf-8")
        assert NO_RISK not in md
        assert "REVIEW" in md and "self-harm" in md
    else:  # refused at the file boundary: one line, nothing written
        assert result.output.startswith("Error:") and result.output.count("\n") == 1, result.output
        assert not out.exists()
