"""Issue #12's scenarios, as a new user meets them: PLANNER_NOW is Monday 30 November 2026,
08:00 in Berlin, the config is the default one, and every command is the installed CLI.

Each test is one observation from the issue turned around: what must happen instead.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import planner_command

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = "2026-11-30T08:00:00+01:00"
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def at(home: Path) -> Callable[[str], Run]:
    """``at(now)("add", ...)`` runs the installed planner with that PLANNER_NOW."""

    def clock(now: str) -> Run:
        def run(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
            env = {**os.environ, "PLANNER_HOME": str(home), "PLANNER_NOW": now, "TZ": "UTC"}
            result = subprocess.run([*planner_command(), "--tz", "Europe/Berlin", *args],
                                    env=env, capture_output=True, text=True, timeout=60)
            if check and result.returncode != 0:
                raise AssertionError(f"planner {' '.join(args)}: {result.stdout}{result.stderr}")
            return result

        return run

    return clock


@pytest.fixture
def cli(at: Callable[[str], Run]) -> Run:
    return at(MONDAY)


def agenda(cli: Run, day: str = "today", days: int = 1) -> list[dict]:
    return json.loads(cli("agenda", day, "--days", str(days), "--json", check=True).stdout)


def flexible(items: list[dict]) -> dict[str, list[tuple[str, str]]]:
    """Title -> [(start, end)] of the flexible blocks, local ISO text."""
    found: dict[str, list[tuple[str, str]]] = {}
    for item in items:
        if item["kind"] == "flexible":
            found.setdefault(item["title"], []).append((item["start"], item["end"]))
    return found


def block_id(text: str) -> str:
    return text.rsplit("(", 1)[1].split(")")[0]


# --- deadlines: the README's own example is placed, with slack -----------------------------


@pytest.mark.parametrize("by", ["fri", "thu", "tomorrow", "fri 17:00"])
def test_a_deadline_means_the_whole_window_and_the_task_goes_early(cli: Run, by: str) -> None:
    added = cli("add", "Deep work", "--flexible", "--for", "2h", "--by", by, "--sphere", "work")
    assert added.returncode == 0, added.stdout + added.stderr
    assert "planned Mon 30 Nov 09:00–11:00" in added.stdout
    assert flexible(agenda(cli)) == {"Deep work": [("2026-11-30T09:00:00+01:00",
                                                    "2026-11-30T11:00:00+01:00")]}


def test_the_readme_example_as_typed_is_placed_and_visible_everywhere(cli: Run) -> None:
    added = cli("add", "Deep work", "--flexible", "--for", "2h", "--by", "fri", check=True)
    assert "not placed" not in added.stdout
    week = agenda(cli, "mon", 7)
    assert [i["title"] for i in week] == ["Deep work"]
    plan = cli("plan", "sat", check=True)  # nothing left over anywhere in the week
    assert "Not placed" not in plan.stdout


def test_an_unrelated_block_does_not_move_a_task(cli: Run) -> None:
    cli("add", "Report", "--for", "2h", "--by", "fri 17:00", "--sphere", "work", check=True)
    before = flexible(agenda(cli, "mon", 5))["Report"]
    added = cli("add", "Groceries", "--for", "45m", check=True)
    assert "Moved" not in added.stdout
    assert flexible(agenda(cli, "mon", 5))["Report"] == before


# --- placements stay put ----------------------------------------------------------------------


def test_what_an_add_confirms_is_still_true_after_more_adds(cli: Run) -> None:
    said = {}
    for title, length in (("Email", "30m"), ("Taxes", "1h"), ("Call mum", "20m"),
                          ("Read paper", "45m"), ("Plan trip", "1h")):
        out = cli("add", title, "--for", length, check=True).stdout
        said[title] = out.split("planned ", 1)[1].split("  (", 1)[0]
        assert "Moved" not in out
    for title, when in said.items():
        start = datetime.strptime(f"2026 {when.split('–')[0]}", "%Y %a %d %b %H:%M")
        item = next(i for i in agenda(cli, start.date().isoformat()) if i["title"] == title)
        assert datetime.fromisoformat(item["start"]).replace(tzinfo=None) == start


def test_when_only_moving_another_block_makes_room_the_notice_says_where(cli: Run) -> None:
    cli("add", "Busy", "--at", "mon 10:00", "--for", "12h", "--sphere", "work", check=True)
    cli("add", "Tidy up", "--for", "1h", check=True)  # goes 08:00-09:00, could go any day
    added = cli("add", "Prepare talk", "--for", "2h", "--by", "mon 10:00", check=True)
    assert "planned Mon 30 Nov 08:00–10:00" in added.stdout
    assert ("Moved 'Tidy up' from Mon 30 Nov 08:00–09:00 to Tue 1 Dec 07:00–08:00 to make "
            "room.") in " ".join(added.stdout.split())
    undone = cli("undo", check=True)
    assert "Undid" in undone.stdout
    assert flexible(agenda(cli))["Tidy up"] == [("2026-11-30T08:00:00+01:00",
                                                 "2026-11-30T09:00:00+01:00")]


# --- one truth per block ----------------------------------------------------------------------


def test_a_block_that_stops_fitting_has_no_time_anywhere(cli: Run, tmp_path: Path) -> None:
    out = cli("add", "Write report", "--for", "2h", "--by", "mon 12:00", "--sphere", "work",
              check=True).stdout
    assert "planned Mon 30 Nov 09:00–11:00" in out
    meeting = cli("add", "Offsite", "--at", "mon 09:00", "--for", "3h", "--sphere", "work",
                  check=True)
    assert "'Write report' no longer fits" in meeting.stdout
    items = agenda(cli)
    assert [i["title"] for i in items] == ["Offsite"]
    plan = cli("plan")
    assert plan.returncode == 3
    text = " ".join(plan.stdout.split())
    assert "Write report" in text and "Today's work hours are full" in text
    exported = cli("export", "-", check=True).stdout
    assert "Write report" not in exported and "Offsite" in exported
    insights = json.loads(cli("insights", "--json", check=True).stdout)[0]
    assert insights["minutes_by_sphere"] == {"work": 180}
    assert insights["unplaced_work"] == 1


# --- nothing open is ever out of sight ----------------------------------------------------------


def test_a_task_that_does_not_fit_today_goes_to_tomorrow(cli: Run) -> None:
    cli("add", "All day", "--at", "mon 07:00", "--for", "15h", check=True)
    out = cli("add", "Call the bank", "--for", "30m", check=True).stdout
    assert "planned Tue 1 Dec 07:00–07:30" in out
    assert flexible(agenda(cli, "tue"))["Call the bank"]
    plan = cli("plan", "tue", check=True)
    assert "Not placed" not in plan.stdout


def test_an_open_task_rolls_forward_each_day_until_done(at: Callable[[str], Run]) -> None:
    monday = at(MONDAY)
    monday("add", "Water plants", "--for", "15m", check=True)
    assert flexible(agenda(monday))["Water plants"][0][0] == "2026-11-30T08:00:00+01:00"
    tuesday = at("2026-12-01T09:02:00+01:00")
    # Not ticked off on Monday: on Tuesday it is on Tuesday, from now on.
    assert flexible(agenda(tuesday, "tue"))["Water plants"] == [
        ("2026-12-01T09:05:00+01:00", "2026-12-01T09:20:00+01:00")]
    assert "Water plants" not in flexible(agenda(tuesday, "2026-11-30"))
    later = at("2026-12-01T15:00:00+01:00")  # placed earlier today stays: maybe it is done
    assert flexible(agenda(later, "tue"))["Water plants"][0][0] == "2026-12-01T09:05:00+01:00"


def test_an_unplaced_block_shows_today_with_a_reason_true_now(at: Callable[[str], Run]) -> None:
    evening = at("2026-11-30T18:00:00+01:00")
    out = evening("add", "Gym", "--for", "1h", "--part", "afternoon", "--by", "today")
    assert out.returncode == 3
    assert "today's afternoon is over, and it is due end of today" in " ".join(out.stdout.split())
    plan = evening("plan")
    assert "Gym" in plan.stdout and "not allowed" not in plan.stdout
    # Past its deadline it is still in sight, today, saying so.
    tuesday = at("2026-12-01T09:00:00+01:00")
    overdue = tuesday("plan")
    assert "Gym" in overdue.stdout
    assert "the deadline (end of yesterday) has passed" in " ".join(overdue.stdout.split())


def test_a_reason_is_about_the_task_not_the_day_being_viewed(cli: Run) -> None:
    cli("add", "Fri fixed", "--at", "fri 09:00", "--for", "8h30", "--sphere", "work", check=True)
    for day in ("mon", "tue", "wed", "thu"):
        cli("add", f"{day} fixed", "--at", f"{day} 09:00", "--for", "8h30", "--sphere", "work",
            check=True)
    out = cli("add", "Review", "--for", "1h", "--by", "fri", "--sphere", "work")
    assert out.returncode == 3
    # Shown today and on each day it could have gone, with the same reason: the task's.
    for day in ("mon", "wed", "fri"):
        reason = " ".join(cli("plan", day).stdout.split())
        assert "Review" in reason and "Sunday" not in reason
        assert ("Work hours until Friday are full; needs 1 h and nothing is free before the "
                "deadline") in reason
    assert "Review" not in cli("plan", "sat").stdout  # after its window: only today


# --- bad input ------------------------------------------------------------------------------------


def test_a_past_deadline_is_refused_in_one_sentence(cli: Run, home: Path) -> None:
    result = cli("add", "Late", "--by", "yesterday")
    assert result.returncode == 1
    assert result.stderr.strip() == ("planner: The deadline (end of Sun 29 Nov 2026) has "
                                     "already passed; give one that is still to come.")
    assert agenda(cli, "mon", 7) == []


def test_demo_refuses_a_home_with_the_users_own_blocks(cli: Run) -> None:
    cli("add", "Mine", "--at", "mon 12:00", check=True)
    result = cli("demo")
    assert result.returncode == 1
    assert "already holds your own blocks" in result.stderr
    assert "--home" in result.stderr
    assert [i["title"] for i in agenda(cli)] == ["Mine"]


# --- the plan a read sees is current -------------------------------------------------------


def test_reading_catches_the_plan_up_with_the_clock_once(home: Path) -> None:
    from planner.app.service import PlannerService

    moment = [datetime(2026, 11, 30, 7, 0, tzinfo=UTC)]
    service = PlannerService(home, tz="Europe/Berlin", clock=lambda: moment[0])
    task = service.add(service.make_flexible("Stretch", timedelta(minutes=20),
                                             sphere="personal"))
    assert service.local(task.planned[0][0]).time() == time(8, 0)
    moment[0] += timedelta(days=1, hours=2)  # Tuesday 10:00, not ticked off
    revision = service.revision
    [item] = [o for o in service.agenda(date(2026, 12, 1)) if o.block.id == task.id]
    assert service.local(item.start).time() == time(10, 0)
    assert service.revision == revision + 1  # caught up in one write
    service.agenda(date(2026, 12, 1))
    service.day_plan(date(2026, 12, 1))
    assert service.revision == revision + 1  # and not again while nothing changed


def test_a_read_only_linked_calendar_takes_a_new_placement(home: Path) -> None:
    from planner.adapters.store import Store
    from planner.core.model import Block, Kind, Source

    store = Store(home)
    task = Block("t1", "Task from the team", sphere="work", kind=Kind.FLEXIBLE,
                 duration=timedelta(hours=1), source=Source("Team", "uid-1", content_hash="x"))
    with store.transaction():
        store.write_calendar("Team", upsert=[task],
                             meta={"sphere": "work", "link": {"read_only": True,
                                                              "url": "http://127.0.0.1/"}})
    start = datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN).astimezone(UTC)
    with store.transaction():
        store.put(task.evolve(planned=((start, start + timedelta(hours=1)),)))
    assert store.get("t1").planned  # type: ignore[union-attr]


# --- time counts once; a double booking is named ----------------------------------------------


def test_overlapping_meetings_count_once_and_are_marked_as_a_conflict(cli: Run) -> None:
    cli("add", "Standup", "--at", "mon 10:00", "--for", "1h", "--sphere", "work", check=True)
    cli("add", "Design review", "--at", "mon 10:30", "--for", "1h", "--sphere", "work",
        check=True)
    cli("add", "Lunch", "--at", "mon 12:00", "--for", "1h", check=True)
    text = cli("agenda", check=True).stdout.splitlines()
    marked = [line for line in text if line.startswith(" !")]
    assert [line.split()[2] for line in marked] == ["Standup", "Design"]
    assert any(line.startswith("  12:00") for line in text)  # lunch is not in it
    assert "! double-booked" in text[-1]
    items = {i["title"]: i["conflict"] for i in agenda(cli)}
    assert items == {"Standup": True, "Design review": True, "Lunch": False}
    [day] = json.loads(cli("insights", "--json", check=True).stdout)
    assert day["minutes_by_sphere"] == {"personal": 60, "work": 90}
    assert day["conflicts"] == [{"start": "2026-11-30T10:30:00+01:00",
                                 "end": "2026-11-30T11:00:00+01:00", "minutes": 30,
                                 "block_ids": [i["id"] for i in agenda(cli)][:2],
                                 "titles": ["Standup", "Design review"]}]


# --- what an import, a sync or a calendar shown again moves is said -----------------------


MEETING_ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:offsite-1
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Berlin:20261130T100000
DURATION:PT1H
SUMMARY:Imported meeting
END:VEVENT
END:VCALENDAR
"""


def test_an_import_says_what_it_moved_and_undo_puts_it_back(cli: Run, tmp_path: Path) -> None:
    cli("add", "Report", "--for", "2h", "--by", "fri", "--sphere", "work", check=True)
    ics = tmp_path / "team.ics"
    ics.write_text(MEETING_ICS)
    imported = cli("import", str(ics), check=True).stdout
    assert ("Moved 'Report' from Mon 30 Nov 09:00–11:00 to Mon 30 Nov 11:00–13:00 to make "
            "room.") in " ".join(imported.split())
    assert flexible(agenda(cli))["Report"] == [("2026-11-30T11:00:00+01:00",
                                                 "2026-11-30T13:00:00+01:00")]
    cli("undo", check=True)
    assert flexible(agenda(cli))["Report"] == [("2026-11-30T09:00:00+01:00",
                                                 "2026-11-30T11:00:00+01:00")]
    # A calendar shown again takes its time back, and says what that moved.
    cli("import", str(ics), check=True)
    cli("calendars", "hide", "team", check=True)
    cli("add", "Sketch", "--for", "1h", "--by", "fri", "--sphere", "work", check=True)
    assert flexible(agenda(cli))["Sketch"] == [("2026-11-30T10:00:00+01:00",
                                                 "2026-11-30T11:00:00+01:00")]
    shown = " ".join(cli("calendars", "show", "team", check=True).stdout.split())
    assert shown.startswith("team is shown again.")
    assert "Moved 'Sketch' from Mon 30 Nov 10:00–11:00 to Mon 30 Nov 09:00–10:00" in shown


def test_a_double_booking_is_said_when_made_and_a_pin_can_make_one(cli: Run) -> None:
    cli("add", "Team meeting", "--at", "mon 9:30", "--for", "1h", "--sphere", "work",
        check=True)
    standup = cli("add", "Standup", "--at", "mon 10:15", "--for", "15m", "--sphere", "work",
                  check=True).stdout
    assert ("Double-booked with 'Team meeting' 10:15–10:30 on Mon 30 Nov: which one gives "
            "way?") in " ".join(standup.split())
    lunch = cli("add", "Lunch", "--at", "mon 12:00", "--for", "1h", check=True).stdout
    assert "Double-booked" not in lunch
    # The planner never places a free block over a meeting; a person may pin one there.
    email = block_id(cli("add", "Email", "--for", "30m", "--sphere", "work", check=True).stdout)
    assert cli("agenda", "--json", check=True).stdout.count('"conflict": true') == 2
    pinned = cli("edit", email, "--pin", "mon 9:00", check=True).stdout
    assert "Double-booked" not in pinned  # 09:00–09:30 touches the meeting, no overlap
    pinned = cli("edit", email, "--pin", "mon 10:00", check=True).stdout
    assert ("Double-booked with 'Team meeting' and 'Standup' 10:00–10:30 on Mon 30 Nov: "
            "which one gives way?") in " ".join(pinned.split())
    items = {i["title"]: i["conflict"] for i in agenda(cli)}
    assert items == {"Team meeting": True, "Email": True, "Standup": True, "Lunch": False}
    [day] = json.loads(cli("insights", "--json", check=True).stdout)
    assert [c["titles"] for c in day["conflicts"]] == [["Team meeting", "Email", "Standup"]]
    assert day["minutes_by_sphere"] == {"personal": 60, "work": 60}
