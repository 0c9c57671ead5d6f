"""When an import made work looks personal: names, and hours each in their own zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from planner.core.model import Block
from planner.core.settings import Settings
from planner.core.sphere_hint import personal_reason

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
WORK_HOURS = Settings().working_hours["work"]  # weekdays 09:00-17:30


def _at(zone: ZoneInfo, day: int, hour: int, n: int) -> Block:
    start = datetime(2026, 11, day, hour, tzinfo=zone)
    return Block(id=f"b{n}", title="x", sphere="work", start=start,
                 end=start + timedelta(hours=1), tzid=zone.key)


def test_a_new_york_day_is_work_time_seen_from_berlin() -> None:
    # 10:00-15:00 in New York is 16:00-21:00 in Berlin: still the employer's work day.
    meetings = [_at(NEW_YORK, 23 + n % 5, 10 + n % 6, n) for n in range(10)]
    assert personal_reason(["Northwind"], meetings, WORK_HOURS, BERLIN) is None


def test_evenings_and_weekends_look_personal() -> None:
    evenings = [_at(BERLIN, 23 + n % 7, 19, n) for n in range(6)]
    assert personal_reason(["cal"], evenings, WORK_HOURS, BERLIN) == \
        "6 of its 6 timed events are outside work hours"
    # Too few to tell, or mostly in work hours: nothing said.
    assert personal_reason(["cal"], evenings[:3], WORK_HOURS, BERLIN) is None
    days = [_at(BERLIN, 23 + n % 5, 10, n + 10) for n in range(4)]
    assert personal_reason(["cal"], evenings[:3] + days, WORK_HOURS, BERLIN) is None
    assert personal_reason(["cal"], evenings, {}, BERLIN) is None  # no work hours set


def test_a_name_that_says_personal() -> None:
    assert personal_reason(["Familie Weber"], [], WORK_HOURS, BERLIN) == \
        "its name says 'familie'"
    assert personal_reason(["x", "My HOME"], [], WORK_HOURS, BERLIN) == "its name says 'home'"
    assert personal_reason(["homework", "Team"], [], WORK_HOURS, BERLIN) is None
