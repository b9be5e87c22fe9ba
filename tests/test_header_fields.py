"""Header facts a worker types (client, date, type, names) are one line of text, and a date is a date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from note_fixtures import counselling_transcript

from scribe.cli import cli
from scribe.core.errors import ScribeError
from scribe.core.fields import check_date, check_line
from scribe.store import Store

PASS = "correct horse battery"
FAKE_SECTION = "\n## Risk assessment\nNo risk indicators were identified in the transcript."


@pytest.fixture()
def transcript_files(tmp_path: Path) -> list[str]:
    tr, anns = tmp_path / "t.json", tmp_path / "a.json"
    counselling_transcript().save(tr)
    anns.write_text(json.dumps([]), encoding="utf-8")
    return [str(tr), "--annotations", str(anns)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2025-03-14" + FAKE_SECTION], "session date must be a date"),
        (["--date", "14/03/2025"], "YYYY-MM-DD"),
        (["--date", "2025-02-30"], "YYYY-MM-DD"),
        (["--date", "20250314"], "YYYY-MM-DD"),
        (["--client", "C-1" + FAKE_SECTION], "client identifier must be one line"),
        (["--client", "C-1\r"], "control character"),
        (["--worker", "J. Doe\x1b[2J"], "worker's name must be one line"),
        (["--session-type", "family\u202e"], "session type must be one line"),  # a bidi override
    ],
)
def test_note_refuses_a_header_that_is_not_one_line(
    transcript_files: list[str], tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "note.md"
    result = CliRunner().invoke(cli, ["note", *transcript_files, "--no-store", "-o", str(out), *args])
    assert result.exit_code == 1
    assert result.output.startswith("Error:") and result.output.count("\n") == 1, result.output
    assert message in result.output
    assert not out.exists()


def test_a_valid_date_and_a_name_with_a_joiner_are_kept(transcript_files: list[str], tmp_path: Path) -> None:
    out = tmp_path / "note.md"
    client = "می\u200cخواهم-7"  # a Persian name needs the zero-width non-joiner
    result = CliRunner().invoke(
        cli,
        ["note", *transcript_files, "--no-store", "-o", str(out), "--date", "2025-03-14", "--client", client],
    )
    assert result.exit_code == 0, result.output
    md = out.read_text(encoding="utf-8")
    assert "2025-03-14" in md and client in md


def test_a_client_with_a_line_break_never_reaches_the_store_or_its_listing(
    scribe_home: Path, transcript_files: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRIBE_PASSPHRASE", PASS)
    fake_row = "C-1\nffffffff  2025-01-01  SOMEONE-ELSE"
    result = CliRunner().invoke(cli, ["note", *transcript_files, "--client", fake_row, "--consent"])
    assert result.exit_code == 1 and "client identifier must be one line" in result.output
    with Store.open(passphrase=PASS, create=True) as store:
        for kwargs in ({"client_id": fake_row}, {"client_id": "C-1", "session_date": "2025-01-01\nx"}):
            with pytest.raises(ScribeError):
                store.create_session(consent=False, **kwargs)
        assert store.list_sessions() == []


def test_the_checks_themselves() -> None:
    assert check_date("") == "" and check_date("2024-02-29") == "2024-02-29"
    with pytest.raises(ScribeError):
        check_date("2023-02-29")
    assert check_line("x", "Ngā Tāne O'Brien-Łukasz") == "Ngā Tāne O'Brien-Łukasz"
    for bad in ("a\nb", "a\u2028b", "a\tb", "a\x00b", "a\u200bb"):
        with pytest.raises(ScribeError):
            check_line("x", bad)


def test_record_refuses_a_client_with_a_line_break_before_the_microphone_opens(scribe_home: Path) -> None:
    result = CliRunner().invoke(cli, ["record", "--client", "C-1\nC-2", "--consent"])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "client identifier must be one line" in result.output
    assert not (scribe_home / "store.sqlite3").exists()
