"""Imported calendars in the app: 50 events repeating every second draw a bounded day,
week and month, and each screen says how much it hid (issue #18.16); what an import
skipped or repaired can be read on the calendars screen, as `import -v` lists it (#13.3).

Berlin, Tuesday 24 Nov 2026; the machine's zone must not matter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from textual.widgets import OptionList, Static

from planner.app.service import PlannerService
from planner.core.recurrence import DAY_LIMIT
from planner.ui.screens.calendars import CalendarsScreen
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


@app_test
async def test_the_calendars_screen_lists_what_an_import_skipped_and_repaired(
        tmp_path: Path) -> None:
    fixtures = Path(__file__).parent / "fixtures" / "ics"
    service = PlannerService(tmp_path / "home", tz="Europe/Berlin",
                             clock=lambda: datetime(2026, 11, 24, 8, tzinfo=UTC))
    for name in ("impossible_date.ics", "undefined_tzid_exchange.ics", "rdate.ics"):
        service.import_calendar(str(fixtures / name))
    async with running(quiet_app(service, start_day=TUESDAY), size=(120, 40)) as pilot:
        await press(pilot, "c")
        screen = pilot.app.screen
        assert isinstance(screen, CalendarsScreen)
        listing = screen.query_one(OptionList)

        def row(index: int) -> str:
            return str(listing.get_option_at_index(index).prompt)

        assert [listing.get_option_at_index(n).id for n in range(3)] == [
            "impossible_date", "rdate", "undefined_tzid_exchange"]
        assert "enter: what was skipped or repaired" in row(0)
        assert "enter:" not in row(1)  # nothing to tell
        assert "Thirteenth month" not in row(0)
        await press(pilot, "enter")
        assert "skipped VEVENT 'Thirteenth month' (UID impossible@example.com, line 5): " \
               "has an impossible date" in row(0)
        await press(pilot, "down", "down", "enter")
        assert row(2).count("repaired VEVENT") == 3 and "Western/Central Europe" in row(2)
        await press(pilot, "up", "up", "enter")  # enter again folds the notes away
        assert "Thirteenth month" not in row(0)


@app_test
async def test_enter_on_a_calendar_whose_import_skipped_nothing_says_so(tmp_path: Path) -> None:
    from tests.appdriver import Said

    service = PlannerService(tmp_path / "home", tz="Europe/Berlin",
                             clock=lambda: datetime(2026, 11, 24, 8, tzinfo=UTC))
    service.import_calendar(str(Path(__file__).parent / "fixtures" / "ics" / "rdate.ics"))
    said = Said()
    async with running(quiet_app(service, start_day=TUESDAY), (100, 30), said) as pilot:
        await press(pilot, "c", "enter")
        assert said.any("'rdate': its last import skipped and repaired nothing.")


@app_test
async def test_an_import_in_the_app_says_where_its_notes_can_be_read(tmp_path: Path) -> None:
    from textual.widgets import Input

    from tests.appdriver import Said

    service = PlannerService(tmp_path / "home", tz="Europe/Berlin",
                             clock=lambda: datetime(2026, 11, 24, 8, tzinfo=UTC))
    source = Path(__file__).parent / "fixtures" / "ics" / "undefined_tzid_exchange.ics"
    said = Said()
    async with running(quiet_app(service, start_day=TUESDAY), (100, 30), said) as pilot:
        await press(pilot, "i")
        pilot.app.screen.query_one("#location", Input).value = str(source)
        await press(pilot, "enter")
        (message,) = [m for m in said.messages if "3 new" in m]
        assert "3 repaired" in message and "c, then enter on the calendar" in message
        await press(pilot, "c", "enter")
        listing = pilot.app.screen.query_one(OptionList)
        assert "Western/Central Europe" in str(listing.get_option_at_index(0).prompt)
