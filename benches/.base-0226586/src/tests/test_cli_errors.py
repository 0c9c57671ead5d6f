"""The installed CLI on damaged, locked or missing data: one sentence, exit 1 (or 75), no harm."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from planner import cli as cli_module
from planner.adapters.store import Store

Run = Callable[..., subprocess.CompletedProcess[str]]

ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//planner//EN\r
X-WR-CALNAME:Work\r
BEGIN:VEVENT\r
UID:standup@example.com\r
DTSTAMP:20261101T000000Z\r
DTSTART;TZID=Europe/Berlin:20261124T100000\r
DTEND;TZID=Europe/Berlin:20261124T103000\r
SUMMARY:Standup\r
END:VEVENT\r
END:VCALENDAR\r
"""


def one_clear_sentence(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    err = result.stderr.strip()
    assert err.count("\n") == 0, err
    assert "Traceback" not in err
    assert err.startswith("planner: ")
    for needle in needles:
        assert needle in err, err
    return err


def titles(cli: Run, day: str = "2026-11-24") -> list[str]:
    result = cli("agenda", day, "--json", check=True)
    return [item["title"] for item in json.loads(result.stdout)]


@pytest.fixture
def filled(cli: Run, home: Path) -> Path:
    """A home with one imported calendar and two personal blocks, saved one by one."""
    ics = home.parent / "work.ics"
    ics.write_text(ICS, newline="")
    cli("import", str(ics), check=True)
    cli("add", "Dentist", "--at", "2026-11-24 08:00", "--for", "30m", check=True)
    cli("add", "Pickup", "--at", "2026-11-24 17:00", "--for", "30m", check=True)
    assert titles(cli) == ["Dentist", "Standup", "Pickup"]
    return home


@pytest.mark.parametrize("damage", ["truncate", "mangle", "empty", "bad block"])
def test_a_damaged_main_file_is_named_kept_and_restorable(cli: Run, filled: Path,
                                                          damage: str) -> None:
    main = filled / "planner.json"
    good = main.read_bytes()
    if damage == "truncate":
        main.write_bytes(good[: len(good) // 2])
    elif damage == "mangle":
        main.write_bytes(good.replace(b'"blocks"', b'"blocks" oops', 1))
    elif damage == "empty":
        main.write_bytes(b"")
    else:
        data = orjson.loads(good)
        next(iter(data["blocks"].values()))["start"] = "not a time"
        main.write_bytes(orjson.dumps(data))
    broken = main.read_bytes()

    commands = [["agenda", "2026-11-24", "--json"], ["add", "More", "--at", "2026-11-24 12:00"],
                ["rm", "anything"]]
    if damage != "bad block":  # an unchanged re-import never decodes personal blocks
        commands.append(["import", str(filled.parent / "work.ics")])
    for args in commands:
        result = cli(*args)
        assert result.returncode == 1, (args, result.stderr)
        one_clear_sentence(result, str(main), "planner restore")
        assert main.read_bytes() == broken  # never overwritten

    restored = cli("restore")
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout and "planner.json" in restored.stdout
    assert (filled / "planner.json.broken").read_bytes() == broken
    # The newest backup is the state before the last save: Dentist is back, and the
    # store works again; Pickup (the very last save) is what a damaged file costs.
    assert titles(cli) == ["Dentist", "Standup"]
    cli("add", "Again", "--at", "2026-11-24 19:00", check=True)
    assert "Again" in titles(cli)


def test_a_damaged_calendar_file_is_named_and_restorable(cli: Run, filled: Path) -> None:
    cal = filled / "calendars" / "work.json"
    good = cal.read_bytes()
    cli("import", str(filled.parent / "work.ics"), "--sphere", "personal", check=True)
    cal.write_bytes(good[:-7])
    broken = cal.read_bytes()

    result = cli("agenda", "2026-11-24", "--json")
    assert result.returncode == 1
    one_clear_sentence(result, str(cal), "planner restore")
    assert cli("add", "x", "--at", "2026-11-24 12:00").returncode == 1
    assert cal.read_bytes() == broken

    assert cli("restore").returncode == 0
    assert titles(cli) == ["Dentist", "Standup", "Pickup"]


def test_restore_with_nothing_broken_changes_nothing(cli: Run, filled: Path) -> None:
    before = {p: p.read_bytes() for p in filled.rglob("*.json")}
    result = cli("restore")
    assert result.returncode == 0 and "Nothing to restore" in result.stdout
    assert {p: p.read_bytes() for p in filled.rglob("*.json")} == before
    listing = cli("restore", "--list", check=True).stdout
    assert "planner.json: 1 kept" in listing


def test_a_newer_schema_is_refused_without_damage(cli: Run, filled: Path) -> None:
    main = filled / "planner.json"
    data = orjson.loads(main.read_bytes())
    for doc in data["meta"].values():
        doc["schema"] = 99
    main.write_bytes(orjson.dumps(data))
    before = main.read_bytes()
    result = cli("add", "x", "--at", "2026-11-24 12:00")
    assert result.returncode == 1
    one_clear_sentence(result, "newer planner", "upgrade")
    assert main.read_bytes() == before


def test_a_busy_store_exits_75_with_a_clear_message(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # In process, with a short lock timeout, so the test need not wait the CLI's 10 s.
    real_store = Store

    def quick_store(root: Path, **_kw: Any) -> Store:
        return real_store(root, lock_timeout=0.2)

    monkeypatch.setattr("planner.app.service.Store", quick_store)
    monkeypatch.setenv("PLANNER_HOME", str(home))
    holder = Store(home)
    with holder.transaction():
        status = cli_module.main(["--tz", "Europe/Berlin", "add", "x", "--at",
                                  "2026-11-24 12:00"])
    err = capsys.readouterr().err.strip()
    assert status == 75
    assert err.startswith("planner: Another planner is saving to") and "\n" not in err
    assert "Try again" in err
    assert Store(home).user_blocks() == []


@pytest.mark.parametrize("args, needle", [
    (["add", "x", "--at", "the 32nd of Smarch"], "Smarch"),
    (["add", "x", "--at", "2026-11-24 10:00", "--for=-1h"], "-1h"),
    (["add", "x", "--at", "2026-11-24 10:00", "--repeat", "FREQ=NEVER"], "RRULE"),
    (["add", "", "--at", "2026-11-24 10:00"], "title"),
    (["add", "x", "--at", "2026-11-24 10:00", "--sphere", "moon"], "moon"),
    (["rm", "nope"], "nope"),
    (["edit", "nope", "--title", "y"], "nope"),
    (["done", "nope"], "nope"),
    (["agenda", "not-a-date"], "not-a-date"),
    (["agenda", "--days", "0"], "--days"),
    (["import", "/does/not/exist.ics"], "/does/not/exist.ics"),
    (["export", "/does/not/exist/out.ics"], "/does/not/exist"),
    (["export", "-", "--busy-only", "moon"], "moon"),
    # Regressions: dates at the calendar's edge crashed with OverflowError (exit 70).
    (["add", "x", "--at", "9999-12-31 23:00"], "outside the years"),
    (["add", "x", "--at", "0001-01-01 00:30"], "outside the years"),
    (["add", "x", "--flexible", "--by", "9999-12-31"], "outside the years"),
    (["agenda", "9999-12-31"], "outside the years"),
    (["insights", "9999-12-31", "--week"], "outside the years"),
    (["undo"], "undo"),
    (["redo"], "redo"),
])
def test_bad_requests_are_one_sentence(cli: Run, args: list[str], needle: str) -> None:
    result = cli(*args)
    assert result.returncode == 1, (args, result.returncode, result.stderr)
    one_clear_sentence(result, needle)


def test_control_characters_in_input_cannot_split_or_repaint_the_message(cli: Run) -> None:
    # Regression: a date typed with a stray CR printed a two-line error.
    for args, shown in ((["agenda", "fri\r\x1b[2J"], "\\r\\x1b[2J"),
                        (["agenda", "--days", "1\n2"], "1\\n2")):
        result = cli(*args)
        assert result.returncode in (1, 2)
        err = one_clear_sentence(result, shown)
        assert "\x1b" not in err and "\r" not in err


def test_an_unknown_time_zone_is_one_sentence(cli: Run) -> None:
    result = cli("--tz", "Mars/Olympus", "agenda")
    assert result.returncode == 1
    one_clear_sentence(result, "Mars/Olympus")


def test_a_usage_error_is_exit_2_without_the_usage_block(cli: Run) -> None:
    result = cli("agenda", "--frobnicate")
    assert result.returncode == 2
    one_clear_sentence(result, "--frobnicate")
