"""Wrong passphrases in a row make each next unlock wait longer, counted per store across processes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from scribe.cli import cli
from scribe.core.errors import StoreError
from scribe.store import Store, throttle
from scribe.store.throttle import UnlockThrottle, delay_after

PASS = "correct horse battery"


class FakeTime:
    """A clock that moves only when told to, and a sleep that records instead of sleeping."""

    def __init__(self) -> None:
        self.now, self.slept = 1_000_000.0, []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture()
def store_home(scribe_home: Path) -> Path:
    Store.open(passphrase=PASS, create=True).close()
    return scribe_home


def try_open(home: Path, passphrase: str, t: FakeTime) -> str:
    gate = UnlockThrottle(home, sleep=t.sleep, clock=t.clock)
    try:
        Store.open(home, passphrase=passphrase, throttle=gate).close()
    except StoreError as exc:
        return str(exc)
    return "opened"


def test_the_delay_doubles_after_two_free_failures_up_to_five_minutes() -> None:
    assert [delay_after(n) for n in range(7)] == [0, 0, 0, 2, 4, 8, 16]
    assert delay_after(50) == 300


def test_wrong_guesses_wait_longer_each_time_and_a_right_one_resets(store_home: Path) -> None:
    t = FakeTime()
    messages = [try_open(store_home, f"wrong guess {n}", t) for n in range(6)]
    assert all(m.startswith("Wrong passphrase") for m in messages)
    assert t.slept == [2, 4, 8]  # before the 4th, 5th and 6th tries
    assert "next try waits 2 s" in messages[2] and "next try waits 16 s" in messages[5]
    counter = store_home / throttle.FILE_NAME
    assert stat.S_IMODE(counter.stat().st_mode) == 0o600
    assert try_open(store_home, PASS, t) == "opened" and t.slept[-1] == 16  # the right one waits too
    assert not counter.exists()
    t.slept.clear()
    assert try_open(store_home, "wrong again", t).startswith("Wrong passphrase") and t.slept == []


def test_time_already_waited_counts(store_home: Path) -> None:
    t = FakeTime()
    for n in range(4):
        try_open(store_home, f"wrong guess {n}", t)
    t.now += 60  # the worker went for a coffee: the 4 s delay is long over
    t.slept.clear()
    assert try_open(store_home, PASS, t) == "opened" and t.slept == []


def test_the_count_survives_new_processes_and_covers_the_cli(
    store_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each CLI run is a fresh Store.open that reads the count beside the store (three: none waits)."""
    monkeypatch.setenv("SCRIBE_PASSPHRASE", "not the passphrase")
    runs = [CliRunner().invoke(cli, ["sessions", "list"]) for _ in range(3)]
    assert [r.exit_code for r in runs] == [1, 1, 1]
    assert all(r.output.startswith("Error: Wrong passphrase") and r.output.count("\n") == 1 for r in runs)
    assert "next try waits 2 s" in runs[2].output and "waits" not in runs[1].output
    assert '"failures": 3' in (store_home / throttle.FILE_NAME).read_text()
