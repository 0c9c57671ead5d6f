"""Numbers an older home may hold (issue #18.13): stored before the reader bounded them,
they cannot break a command. Written into the calendar file as such a home wrote it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from icalendar import Calendar

HUGE = 99999999999999999999


def _event(uid: str, rule: str = "FREQ=WEEKLY") -> str:
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
            "DTSTART:20261123T090000Z\r\nDTEND:20261123T100000Z\r\n"
            f"SUMMARY:{uid}\r\nRRULE:{rule}\r\n"
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nREPEAT:2\r\n"
            "DURATION:PT5M\r\nDESCRIPTION:soon\r\nEND:VALARM\r\nEND:VEVENT\r\n")


def _home_with(cli: Callable[..., Any], home: Path, tmp_path: Path,
               change: dict[str, Callable[[dict[str, Any]], None]]) -> None:
    """Import one weekly event per key of ``change``, then edit each stored block."""
    source = tmp_path / "old.ics"
    source.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//old//EN\r\n"
                      + "".join(_event(uid) for uid in change) + "END:VCALENDAR\r\n",
                      newline="")
    cli("import", str(source), "--calendar", "Old", check=True)
    (stored,) = (home / "calendars").glob("*.json")
    data = json.loads(stored.read_text())
    seen = set()
    for table in data.values():
        if not isinstance(table, dict):
            continue
        for doc in table.values():
            if isinstance(doc, dict) and doc.get("title") in change:
                change[doc["title"]](doc)
                seen.add(doc["title"])
    assert seen == set(change)
    stored.write_text(json.dumps(data))
    for derived in (home / "calendars").glob("*.days"):
        derived.unlink()  # an older home had no day index


def _rule(text: str) -> Callable[[dict[str, Any]], None]:
    return lambda doc: doc["recurrence"].update(rrule=text)


def test_numbers_past_the_bounds_in_an_old_home_break_no_command(
        cli: Callable[..., Any], home: Path, tmp_path: Path) -> None:
    def big_alarm(doc: dict[str, Any]) -> None:
        doc["alarms"][0]["repeat"] = HUGE

    _home_with(cli, home, tmp_path, {
        "interval-weekly": _rule("FREQ=WEEKLY;INTERVAL=2147483648"),
        "interval-daily": _rule(f"FREQ=DAILY;INTERVAL={HUGE}"),
        "interval-secondly": _rule("FREQ=SECONDLY;INTERVAL=2147483648"),
        "count": _rule(f"FREQ=WEEKLY;COUNT={HUGE}"),
        "sequence": lambda doc: doc["source"].update(sequence=2**40),
        "revision": lambda doc: doc.update(revision=HUGE),
        "alarm": big_alarm,
    })
    for command in (["agenda", "--json"], ["agenda", "2026-11-30"], ["plan"],
                    ["insights", "--week"], ["review"], ["remind", "--within", "30d"],
                    ["calendars", "-v"], ["search", "interval"]):
        result = cli(*command)
        assert result.returncode == 0, (command, result.stderr)
    shown = {item["title"] for item in json.loads(cli("agenda", "--json").stdout)}
    assert {"interval-weekly", "interval-daily", "interval-secondly", "count"} <= shown
    exported = cli("export", "-")
    assert exported.returncode == 0, exported.stderr
    events = {str(e["SUMMARY"]): e for e in Calendar.from_ical(exported.stdout).walk("VEVENT")}
    for title in ("interval-weekly", "interval-daily", "interval-secondly"):
        assert events[title]["RRULE"]["INTERVAL"] == [2**31 - 1], title
    assert events["count"]["RRULE"]["COUNT"] == [2**31 - 1]
    assert events["sequence"]["SEQUENCE"] == 2**31 - 1
    assert events["revision"]["SEQUENCE"] == 2**31 - 1
    assert int(events["alarm"].walk("VALARM")[0]["REPEAT"]) == 10_000


def test_a_stored_rule_planner_cannot_expand_shows_its_first_instance(
        cli: Callable[..., Any], home: Path, tmp_path: Path) -> None:
    _home_with(cli, home, tmp_path, {
        "byday": _rule(f"FREQ=MONTHLY;BYDAY={HUGE}MO"),
        "until": _rule("FREQ=DAILY;UNTIL=99999999T000000Z"),
    })
    for command in (["agenda", "--json"], ["plan"], ["insights", "--week"], ["review"],
                    ["remind", "--within", "30d"], ["search", "b"]):
        result = cli(*command)
        assert result.returncode == 0, (command, result.stderr)
    first = json.loads(cli("agenda", "2026-11-23", "--json").stdout)
    assert sorted(item["title"] for item in first) == ["byday", "until"]
    assert json.loads(cli("agenda", "2026-11-24", "--json").stdout) == []
    # What no calendar file can hold is left out and named, one sentence per block; the
    # rest is written (a valid file), exit 0.
    exported = cli("export", "-")
    assert exported.returncode == 0, exported.stderr
    said = [line for line in exported.stderr.splitlines() if line.startswith("Left out")]
    assert said and all("RRULE" in line for line in said), exported.stderr
    written = {str(e["SUMMARY"]) for e in Calendar.from_ical(exported.stdout).walk("VEVENT")}
    assert written == {"byday", "until"} - {line.split("'")[1] for line in said}


def test_export_leaves_out_a_stored_rule_no_file_can_hold_and_says_so(
        cli: Callable[..., Any], home: Path, tmp_path: Path) -> None:
    _home_with(cli, home, tmp_path, {
        "setpos": _rule(f"FREQ=DAILY;BYSETPOS={HUGE}"),
        "weekly": _rule("FREQ=WEEKLY"),
    })
    out = tmp_path / "out.ics"
    result = cli("export", str(out))
    assert result.returncode == 0, result.stderr
    (sentence,) = result.stderr.splitlines()
    assert sentence.startswith("Left out 'setpos' (block ") and "no calendar file can hold" \
        in sentence and str(HUGE) in sentence, sentence
    assert "Exported 1 event" in result.stdout
    written = Calendar.from_ical(out.read_bytes())
    assert [str(e["SUMMARY"]) for e in written.walk("VEVENT")] == ["weekly"]
    preview = cli("export", "--preview", "--from", "2026-11-23", "--to", "2026-11-29")
    assert preview.returncode == 0, preview.stderr
    assert preview.stderr.splitlines() == [sentence]


def test_a_stored_length_no_planner_could_write_is_a_damaged_file(
        cli: Callable[..., Any], home: Path, tmp_path: Path) -> None:
    _home_with(cli, home, tmp_path, {"travel": lambda doc: doc.update(travel=10**14)})
    result = cli("agenda")
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert "calendars/" in result.stderr and "planner restore" in result.stderr
