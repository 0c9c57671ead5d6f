"""What a hostile imported calendar can do to the app (issue #18.16): 50 events repeating
every second draw a bounded day, week and month, and each screen says how much it hid.

Berlin, Tuesday 24 Nov 2026; the machine's zone must not matter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from textual.widgets import Static

from planner.app.service import PlannerService
from planner.core.recurrence import DAY_LIMIT
from planner.ui.screens.day import DayScreen
from planner.ui.screens.month import MonthScreen
from planner.ui.screens.week import WeekScreen
from planner.ui.widgets.timeline import Timeline
from tests.appdriver import app_test, press, quiet_app, running

TUESDAY = date(2026, 11, 24)
SERIES = 50


@pytest.fixture(autouse=True)
def _machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Pacific/Apia")


def ticking(home: Path, tmp_path: Path) -> PlannerService:
    events = "".join(
        f"BEGIN:VEVENT\r\nUID:s{n}@x\r\nDTSTART;TZID=Europe/Berlin:20261101T000000\r\n"
        f"DURATION:PT1S\r\nRRULE:FREQ=SECONDLY\r\nSUMMARY:Tick {n}\r\nEND:VEVENT\r\n"
        for n in range(SERIES))
    path = tmp_path / "ticks.ics"
    path.write_bytes((f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Hostile//EN\r\n"
                      f"{events}END:VCALENDAR\r\n").encode())
    service = PlannerService(home, tz="Europe/Berlin",
                             clock=lambda: datetime(2026, 11, 24, 8, tzinfo=UTC))
    service.import_calendar(str(path))
    return service


def header(screen: object, widget_id: str) -> str:
    assert hasattr(screen, "query_one")
    return str(screen.query_one(widget_id, Static).render())


@pytest.mark.timeout(120)
@app_test
async def test_fifty_secondly_series_draw_bounded_screens_that_say_what_they_hid(
        tmp_path: Path) -> None:
    service = ticking(tmp_path / "home", tmp_path)
    day_hidden, _ = service.day_plan(TUESDAY).hidden
    # 86,400 ticks a day per series, DAY_LIMIT of them shown in all.
    assert day_hidden == SERIES * 86_400 - DAY_LIMIT
    async with running(quiet_app(service, start_day=TUESDAY), size=(120, 40)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, DayScreen)
        assert f"{day_hidden:,} more hidden" in header(screen, "#day-header")
        assert 0 < len(screen.query_one(Timeline).data.items) <= DAY_LIMIT

        await press(pilot, "w")
        week = pilot.app.screen
        assert isinstance(week, WeekScreen)
        shown = header(week, "#week-header")
        week_hidden = int(shown.split(" more hidden")[0].split()[-1].replace(",", ""))
        assert week_hidden == 7 * day_hidden

        await press(pilot, "escape", "m")
        month = pilot.app.screen
        assert isinstance(month, MonthScreen)
        shown = header(month, "#month-header")
        month_hidden = int(shown.split(" more hidden")[0].split()[-1].replace(",", ""))
        # November 2026 in Berlin: 30 days of 24 hours (DST ended in October).
        assert month_hidden == 30 * day_hidden
