"""The shipped example week: both .ics files are RFC-clean and say what the README says,
and every task in tasks.toml has fields the demo loader can map to `planner add`."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import vobject

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ICS_FILES = ("work.ics", "personal.ics")
BERLIN = ZoneInfo("Europe/Berlin")
# A fixed week (Thanksgiving week 2026), so nothing depends on today's date.
WEEK = (date(2026, 11, 23), date(2026, 11, 30))


def _raw(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def _calendar(name: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(_raw(name))


def _unfolded_lines(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def _week_in_berlin(name: str) -> list[tuple[datetime | date, str, str]]:
    """(start in Berlin or date, summary, status) for each occurrence in WEEK."""
    out = []
    for event in recurring_ical_events.of(_calendar(name)).between(*WEEK):
        start = event["DTSTART"].dt
        if isinstance(start, datetime):
            start = start.astimezone(BERLIN)
        out.append((start, str(event["SUMMARY"]), str(event.get("STATUS", ""))))
    return sorted(out, key=lambda o: (str(o[0]), o[1]))


# --- RFC 5545 shape ------------------------------------------------------------------


@pytest.mark.parametrize("name", ICS_FILES)
def test_lines_end_in_crlf_and_fold_within_75_octets(name: str) -> None:
    data = _raw(name)
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines), "bare CR or LF"
    too_long = [line[:40] for line in lines if len(line) > 75]
    assert not too_long, f"lines over 75 octets: {too_long}"
    # Folding must never cut a UTF-8 sequence, so every physical line decodes alone.
    for line in lines:
        line.decode("utf-8")


@pytest.mark.parametrize("name", ICS_FILES)
def test_required_properties(name: str) -> None:
    cal = _calendar(name)
    assert cal.get("VERSION") == "2.0"
    assert cal.get("PRODID")
    events = list(cal.walk("VEVENT"))
    assert events
    identities = set()
    for event in events:
        for prop in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
            assert event.get(prop) is not None, f"{event.get('SUMMARY')} lacks {prop}"
        assert not ("DTEND" in event and "DURATION" in event)
        rid = event.get("RECURRENCE-ID")
        identity = (str(event["UID"]), rid.dt if rid else None)
        assert identity not in identities, f"duplicate {identity}"
        identities.add(identity)
        start = event["DTSTART"].dt
        if "DTEND" in event:
            assert event["DTEND"].dt > start
            assert type(event["DTEND"].dt) is type(start)


@pytest.mark.parametrize("name", ICS_FILES)
def test_every_tzid_used_has_a_vtimezone(name: str) -> None:
    text = "\n".join(_unfolded_lines(_raw(name)))
    used = set(re.findall(r";TZID=([^:;]+)[:;]", text))
    defined = {str(tz["TZID"]) for tz in _calendar(name).walk("VTIMEZONE")}
    assert used
    assert used <= defined, f"TZIDs without VTIMEZONE: {used - defined}"


@pytest.mark.parametrize("name", ICS_FILES)
def test_independent_parser_reads_every_event(name: str) -> None:
    parsed = vobject.readOne(_raw(name).decode("utf-8"))
    assert len(parsed.vevent_list) == len(list(_calendar(name).walk("VEVENT")))


@pytest.mark.parametrize("name", ICS_FILES)
def test_series_start_in_the_past_and_do_not_end_soon(name: str) -> None:
    for event in _calendar(name).walk("VEVENT"):
        rrule = event.get("RRULE")
        if rrule is None:
            continue
        assert "COUNT" not in rrule
        for until in rrule.get("UNTIL", []):
            assert until.year >= 2028, event["SUMMARY"]
        start = event["DTSTART"].dt
        assert (start.date() if isinstance(start, datetime) else start) <= date(2026, 11, 28)


# --- what the week contains ----------------------------------------------------------


def test_work_calendar_is_an_exchange_export_from_new_york() -> None:
    cal = _calendar("work.ics")
    assert "Microsoft Exchange" in str(cal["PRODID"])
    zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    assert "Eastern Standard Time" in zones
    events = list(cal.walk("VEVENT"))
    assert 15 <= len(events) + len(zones) <= 25
    assert sum("DURATION" in e for e in events) >= 1
    assert sum("EXDATE" in e for e in events) >= 1
    assert sum("RECURRENCE-ID" in e for e in events) >= 2  # one moved, one cancelled
    rules = {str(e["SUMMARY"]): e["RRULE"] for e in events if "RRULE" in e}
    assert rules["Sprint planning"]["INTERVAL"] == [2]
    assert rules["All-hands"]["BYDAY"] == ["1TH"]


def test_work_week_lands_at_new_york_hours_in_berlin() -> None:
    week = _week_in_berlin("work.ics")
    standups = [s for s, title, _ in week if title == "Daily stand-up"]
    # Weekdays minus the Thanksgiving Thursday and Friday (EXDATE).
    assert [s.day for s in standups] == [23, 24, 25]
    assert all(s.time() == time(15, 30) for s in standups)
    one_on_ones = [s for s, title, _ in week if title.startswith("1:1")]
    assert one_on_ones == [datetime(2026, 11, 24, 14, 30, tzinfo=BERLIN)]  # moved from Wed
    holiday = [(s, st) for s, title, st in week if title.startswith("Company holiday")]
    assert holiday == [(date(2026, 11, 26), "CONFIRMED")]
    coffee = next(e for e in _calendar("work.ics").walk("VEVENT") if "DURATION" in e)
    assert coffee["DTSTART"].dt.astimezone(BERLIN).hour == 15


def test_work_cancelled_instance_and_transparent_holiday() -> None:
    occurrences = recurring_ical_events.of(_calendar("work.ics")).between(
        date(2026, 12, 4), date(2026, 12, 5)
    )
    retro = [e for e in occurrences if "retro" in str(e["SUMMARY"])]
    assert [str(e["STATUS"]) for e in retro] == ["CANCELLED"]
    holiday = next(
        e for e in _calendar("work.ics").walk("VEVENT") if "holiday" in str(e["SUMMARY"])
    )
    assert holiday["TRANSP"] == "TRANSPARENT"
    assert not isinstance(holiday["DTSTART"].dt, datetime)


def test_personal_calendar_is_an_apple_export_in_berlin() -> None:
    cal = _calendar("personal.ics")
    assert "Apple" in str(cal["PRODID"])
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {"Europe/Berlin"}
    week = _week_in_berlin("personal.ics")
    by_title: dict[str, list[datetime | date]] = {}
    for start, title, _ in week:
        by_title.setdefault(title, []).append(start)
    assert len(by_title["School run"]) == 5
    assert all(s.time() == time(8, 0) for s in by_title["School run"])
    assert [s.time() for s in by_title["Daycare pickup"]] == [time(17, 0)] * 5
    assert [s.weekday() for s in by_title["Gym"]] == [1, 3]
    assert len(by_title["Family dinner"]) == 7
    assert [s.weekday() for s in by_title["Swimming lessons (kids)"]] == [5]
    assert [s.weekday() for s in by_title["Video call with Mum & Dad"]] == [6]
    assert by_title["Dentist"] == [datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)]
    assert by_title["Mia's birthday"] == [date(2026, 11, 28)]


# --- tasks.toml ----------------------------------------------------------------------

DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m?)?$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
REQUIRED = {"title", "sphere", "duration", "day_offset"}
OPTIONAL = {
    "earliest", "deadline_offset_days", "deadline_time", "part", "priority", "min_chunk",
    "energy",
}


def _minutes(text: str) -> int:
    match = DURATION.match(text)
    assert match and text, f"bad duration {text!r}"
    hours, minutes = match.groups()
    if hours and minutes and not text.endswith("m"):
        assert int(minutes) < 60, text  # "1h30" means 1 h 30 min
    total = int(hours or 0) * 60 + int(minutes or 0)
    assert total > 0, text
    return total


def test_duration_format_helper() -> None:
    assert [_minutes(t) for t in ("2h", "45m", "1h30", "1h30m")] == [120, 45, 90, 90]
    with pytest.raises(AssertionError):
        _minutes("90 minutes")


def _tasks() -> list[dict[str, object]]:
    return tomllib.loads((EXAMPLES / "tasks.toml").read_text("utf-8"))["task"]


def test_tasks_toml_fields_are_valid() -> None:
    tasks = _tasks()
    assert 10 <= len(tasks) <= 15
    assert {t["sphere"] for t in tasks} == {"work", "personal"}
    assert len({t["title"] for t in tasks}) == len(tasks)
    for task in tasks:
        keys = set(task)
        assert keys >= REQUIRED, task
        assert keys <= REQUIRED | OPTIONAL, f"unknown keys {keys - REQUIRED - OPTIONAL}"
        assert isinstance(task["title"], str) and task["title"].strip()
        length = _minutes(str(task["duration"]))
        assert isinstance(task["day_offset"], int) and 0 <= task["day_offset"] <= 4
        if "earliest" in task:
            assert HHMM.match(str(task["earliest"]))
        # Deadline comes as a pair, on or after the task's day.
        assert ("deadline_offset_days" in task) == ("deadline_time" in task), task["title"]
        if "deadline_time" in task:
            assert HHMM.match(str(task["deadline_time"]))
            assert isinstance(task["deadline_offset_days"], int)
            assert task["deadline_offset_days"] >= task["day_offset"]
        assert task.get("part", "morning") in {"morning", "afternoon", "evening"}
        assert task.get("priority", 0) in {0, 1, 2}
        if "min_chunk" in task:
            assert 0 < _minutes(str(task["min_chunk"])) < length
        assert task.get("energy", "neutral") in {"energizing", "neutral", "draining"}


def test_tasks_include_the_ones_the_readme_promises() -> None:
    by_title = {t["title"]: t for t in _tasks()}
    deep = by_title["Deep work: Q4 roadmap"]
    assert (deep["duration"], deep["sphere"], deep["part"]) == ("2h", "work", "morning")
    assert "min_chunk" in deep
    assert by_title["Run"]["energy"] == "energizing"
    assert by_title["Call a friend"]["part"] == "evening"
    assert by_title["Write performance review"]["duration"] == "1h30"
    assert by_title["Write performance review"]["deadline_offset_days"] == 4
