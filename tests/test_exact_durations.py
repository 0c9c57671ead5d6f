"""Time arithmetic in instants (RFC 5545): hours and minutes are exact, days nominal.

An occurrence ends at its start instant plus its exact length, shown in the viewing
zone; a local start that does not exist (spring-forward gap) moves forward and the
person is told. Checked through every door a duration comes in by: the CLI, quick add,
the edit dialog, recurrence expansion and the agenda.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.app.service import PlannerService
from planner.core.model import Block, Kind, Recurrence
from planner.core.moments import plus_exact
from planner.core.recurrence import occurrences
from planner.core.when import (
    fold_note,
    gap_note,
    parse_quick_add,
    parse_when_noted,
    wall_time,
)
from planner.ui.blocks import block_from_quick_add

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin


def _agenda_json(cli, day: str) -> list[dict]:  # type: ignore[no-untyped-def]
    result = cli("agenda", day, "--json", check=True)
    return json.loads(result.stdout)


def _length(item: dict) -> timedelta:
    return datetime.fromisoformat(item["end"]) - datetime.fromisoformat(item["start"])


def test_cli_two_hours_across_spring_forward_last_two_hours(cli) -> None:  # type: ignore[no-untyped-def]
    cli("add", "Night shift", "--at", "2027-03-28 01:30", "--for", "2h", check=True)
    [item] = _agenda_json(cli, "2027-03-28")
    assert item["start"] == "2027-03-28T01:30:00+01:00"
    assert item["end"] == "2027-03-28T04:30:00+02:00"
    assert _length(item) == timedelta(hours=2)


def test_cli_half_hour_in_the_repeated_autumn_hour_lasts_half_an_hour(cli) -> None:  # type: ignore[no-untyped-def]
    said = cli("add", "Short", "--at", "2026-10-25 02:30", "--for", "30m", check=True).stdout
    assert ("02:30 happens twice on Sun 25 Oct 2026 in Europe/Berlin (the clocks go back); "
            "using the first (CEST, UTC+02:00).") in " ".join(said.split())
    [item] = _agenda_json(cli, "2026-10-25")
    assert item["start"] == "2026-10-25T02:30:00+02:00"  # the first 02:30
    assert _length(item) == timedelta(minutes=30)


def test_cli_a_start_in_the_gap_moves_forward_and_says_so(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("add", "Gap", "--at", "2027-03-28 02:30", "--for", "1h", check=True)
    assert ("02:30 does not exist on Sun 28 Mar 2027 in Europe/Berlin (the clocks go "
            "forward); using 03:30.") in " ".join(result.stdout.split())
    [item] = _agenda_json(cli, "2027-03-28")
    assert item["start"] == "2027-03-28T03:30:00+02:00"
    assert _length(item) == timedelta(hours=1)


def test_cli_edit_keeps_the_exact_length(cli) -> None:  # type: ignore[no-untyped-def]
    cli("add", "Call", "--at", "2027-03-27 23:00", "--for", "4h", check=True)
    [item] = _agenda_json(cli, "2027-03-27")
    cli("edit", item["id"], "--at", "2027-03-28 01:00", check=True)
    [moved] = _agenda_json(cli, "2027-03-28")
    assert moved["start"] == "2027-03-28T01:00:00+01:00"
    assert _length(moved) == timedelta(hours=4)


ICS_AUTUMN = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:test
BEGIN:VEVENT
UID:autumn
DTSTAMP:20261001T000000Z
DTSTART;TZID=Europe/Berlin:20261025T013000
DURATION:PT2H
SUMMARY:Across autumn
END:VEVENT
BEGIN:VEVENT
UID:ny
DTSTAMP:20261001T000000Z
DTSTART;TZID=America/New_York:20270327T203000
DTEND;TZID=America/New_York:20270327T233000
SUMMARY:New York evening across Berlin's spring night
END:VEVENT
END:VCALENDAR
"""


def test_imported_durations_and_other_zones_are_exact_in_the_agenda(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "dur.ics"
    path.write_text(ICS_AUTUMN, encoding="utf-8")
    cli("import", str(path), check=True)
    [autumn] = _agenda_json(cli, "2026-10-25")
    assert autumn["start"] == "2026-10-25T01:30:00+02:00"
    assert autumn["end"] == "2026-10-25T02:30:00+01:00"
    assert _length(autumn) == timedelta(hours=2)
    items = _agenda_json(cli, "2027-03-28")
    [ny] = [i for i in items if i["title"].startswith("New York")]
    # 20:30-23:30 in New York (EDT) is 00:30-03:30 UTC: 01:30+01:00 to 05:30+02:00 in Berlin.
    assert ny["start"] == "2027-03-28T01:30:00+01:00"
    assert ny["end"] == "2027-03-28T05:30:00+02:00"
    text = cli("agenda", "2027-03-28", check=True).stdout
    assert "01:30–05:30" in text and "02:30" not in text  # 02:30 does not exist that night


def test_quick_add_fixed_across_dst_is_exact(home: Path) -> None:
    service = PlannerService(home, tz="Europe/Berlin", clock=lambda: NOW)
    parsed = parse_quick_add("night shift 2027-03-28 01:30 2h fixed", now=service.now())
    block = service.add(block_from_quick_add(service, parsed, service.today()))
    assert block.end - block.start == timedelta(hours=2)  # type: ignore[operator]
    gap = parse_quick_add("call 2027-03-28 02:30 fixed", now=service.now())
    assert gap.start is not None and gap.start.hour == 3
    assert "02:30 does not exist" in gap.describe()


def test_edit_dialog_keeps_exact_lengths_and_says_when_a_start_moves(home: Path) -> None:
    from textual.widgets import Input, Static

    from planner.ui.app import PlannerApp
    from planner.ui.screens.edit import EditScreen

    service = PlannerService(home, tz="Europe/Berlin", clock=lambda: NOW)
    block = service.add(service.make_fixed("Shift", service.at(date(2026, 11, 30), time(10)),
                                           service.at(date(2026, 11, 30), time(11)),
                                           sphere="work"))

    async def run() -> None:
        app = PlannerApp(service, user_themes=False)
        async with app.run_test(size=(100, 40)) as pilot:
            form = EditScreen(service.block(block.id), service.zone,
                              service.settings.sphere_names, service.now())
            result: list[object] = []
            app.push_screen(form, result.append)
            await pilot.pause()
            form.query_one("#start", Input).value = "2027-03-28 02:30"
            await pilot.pause()
            note = str(form.query_one("#start-note", Static).render())
            assert "02:30 does not exist" in note and "03:30" in note
            form.query_one("#start", Input).value = "2027-03-28 01:30"
            form.query_one("#fixed-duration", Input).value = "2h"
            await pilot.press("ctrl+s")
            await pilot.pause()
            [changes] = result
            assert isinstance(changes, dict)
            assert changes["end"] - changes["start"] == timedelta(hours=2)
            assert changes["end"].astimezone(BERLIN).time() == time(4, 30)

    asyncio.run(run())


def test_a_weekly_series_keeps_its_exact_length_on_the_dst_night() -> None:
    start = datetime(2027, 3, 14, 0, 30, tzinfo=UTC)  # Sundays 01:30 in Berlin
    block = Block("s", "Series", kind=Kind.FIXED, start=start, end=start + timedelta(hours=2),
                  tzid="Europe/Berlin", recurrence=Recurrence(rrule="FREQ=WEEKLY"))
    window = (datetime(2027, 3, 27, tzinfo=UTC), datetime(2027, 3, 30, tzinfo=UTC))
    [occ] = occurrences([block], *window, BERLIN)
    assert occ.start.isoformat() == "2027-03-28T01:30:00+01:00"  # type: ignore[union-attr]
    assert occ.end.isoformat() == "2027-03-28T04:30:00+02:00"  # type: ignore[union-attr]


# --- properties: both DST changes, several zones -----------------------------------------

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "America/Santiago",
         "Europe/London", "Asia/Kolkata"]
# Days around both changes of each zone in 2027 (and a few plain ones).
CHANGE_DAYS = [date(2027, 3, 28), date(2027, 10, 31), date(2027, 3, 14), date(2027, 11, 7),
               date(2027, 4, 4), date(2027, 10, 3), date(2027, 9, 5), date(2027, 6, 15)]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(ZONES), st.sampled_from(ZONES), st.sampled_from(CHANGE_DAYS),
       st.integers(0, 24 * 60 - 1), st.integers(1, 10 * 60))
def test_durations_are_exact_across_dst_in_every_zone(block_zone: str, view_zone: str,
                                                      day: date, minute: int,
                                                      minutes: int) -> None:
    home, viewer = ZoneInfo(block_zone), ZoneInfo(view_zone)
    length = timedelta(minutes=minutes)
    clock = time(minute // 60, minute % 60)
    start = wall_time(day, clock, home)
    # The CLI and quick add: a start plus an exact length.
    end = plus_exact(start, length)
    assert end.timestamp() - start.timestamp() == length.total_seconds()
    assert end.tzinfo is home
    # A start in the gap moves forward, and only then is there a note; a start that
    # happens twice is the first one, and that is said too.
    moved = start.replace(tzinfo=None) != datetime.combine(day, clock)
    assert bool(gap_note(day, clock, home)) == moved
    twice = not moved and (datetime.combine(day, clock, tzinfo=home).utcoffset()
                           != datetime.combine(day, clock, tzinfo=home).replace(fold=1).utcoffset())
    assert bool(fold_note(day, clock, home)) == twice
    if twice:
        assert start.utcoffset() == start.replace(fold=0).utcoffset()  # the first one
    parsed, note = parse_when_noted(f"{day.isoformat()} {clock:%H:%M}",
                                    now=datetime(2027, 1, 1, tzinfo=home))
    assert parsed == start and bool(note) == (moved or twice)
    # Stored as instants, expanded for a viewer in another zone: the same exact length,
    # once and as a daily series (expanded in the block's own zone).
    utc_start = start.astimezone(UTC)
    single = Block("b", "x", kind=Kind.FIXED, start=utc_start, end=utc_start + length,
                   tzid=block_zone)
    series = Block("r", "x", kind=Kind.FIXED, start=utc_start - timedelta(days=3),
                   end=utc_start - timedelta(days=3) + length, tzid=block_zone,
                   recurrence=Recurrence(rrule="FREQ=DAILY;COUNT=7"))
    window = (utc_start - timedelta(days=4), utc_start + timedelta(days=4))
    found = occurrences([single, series], *window, viewer)
    assert found
    for occ in found:
        assert isinstance(occ.start, datetime) and isinstance(occ.end, datetime)
        assert occ.end.timestamp() - occ.start.timestamp() == length.total_seconds()
        assert occ.start.tzinfo is viewer and occ.end.tzinfo is viewer


@pytest.mark.parametrize("zone", ZONES)
def test_days_stay_nominal(zone: str) -> None:
    """A series keeps its wall-clock start across the change: days are nominal."""
    tz = ZoneInfo(zone)
    start = datetime(2027, 3, 1, 9, 0, tzinfo=tz).astimezone(UTC)
    block = Block("r", "x", kind=Kind.FIXED, start=start, end=start + timedelta(hours=1),
                  tzid=zone, recurrence=Recurrence(rrule="FREQ=DAILY;COUNT=70"))
    found = occurrences([block], start, start + timedelta(days=70), tz)
    assert len(found) == 70
    assert {o.start.astimezone(tz).time() for o in found} == {time(9)}  # type: ignore[union-attr]
