"""A private block shows its 🔒 in the week and month views, as in the day view.

Narrow columns (80x24: nine cells a day) put the lock where the title's indent was;
wide ones write it as the day view does ("09:00 🔒 Therapy"). Nothing spills out of its
column. Berlin, Monday 23 Nov 2026 10:30; the machine's zone must not matter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len

from planner.app.service import PlannerService
from planner.core.model import Classification
from planner.ui.screens.month import MonthScreen
from planner.ui.screens.week import WeekScreen
from planner.ui.widgets.month import MonthGrid
from planner.ui.widgets.week import DayColumn
from tests.appdriver import app_test, press, quiet_app, running

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # Monday 10:30 in Berlin
MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture(autouse=True)
def _machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Pacific/Apia")


def week_with_private_blocks(home: Path) -> PlannerService:
    service = PlannerService(home, tz="Europe/Berlin", clock=lambda: NOW)

    def add(title: str, hour: int, private: bool) -> None:
        start = service.at(TUESDAY, time(hour))
        service.add(service.make_fixed(
            title, start, start + timedelta(hours=1), sphere="personal",
            classification=Classification.PRIVATE if private else None))

    add("Therapy", 9, True)
    add("Lunch", 12, False)
    service.add(service.make_all_day("Clinic day", TUESDAY + timedelta(days=1),
                                     sphere="personal", classification=Classification.PRIVATE))
    return service


def column_lines(screen: WeekScreen, day: date) -> list[str]:
    column = next(c for c in screen.query(DayColumn) if c.data and c.data.day == day)
    lines = column.render().plain.splitlines()
    for line in lines:  # what is drawn fits the column (it is cut, not wrapped)
        assert cell_len(line) <= column.size.width, (line, column.size.width)
    return lines


@app_test
async def test_week_columns_show_the_lock_narrow_and_wide(tmp_path: Path) -> None:
    service = week_with_private_blocks(tmp_path / "home")
    async with running(quiet_app(service), (80, 24)) as pilot:
        await press(pilot, "w")
        screen = pilot.app.screen
        assert isinstance(screen, WeekScreen)
        tuesday = column_lines(screen, TUESDAY)
        # Narrow: the time beside the chip, the title below it, the lock leading it.
        assert tuesday[2:] == [" ■P 09:00", "🔒Therapy", " ■P 12:00", " Lunch"]
        assert column_lines(screen, TUESDAY + timedelta(days=1))[2] == " ▬ 🔒Clin…"
    async with running(quiet_app(service), (160, 50)) as pilot:
        await press(pilot, "w")
        screen = pilot.app.screen
        assert isinstance(screen, WeekScreen)
        tuesday = column_lines(screen, TUESDAY)
        assert tuesday[2:] == [" ■P 09:00 🔒 Therapy", " ■P 12:00 Lunch"]
        assert column_lines(screen, TUESDAY + timedelta(days=1))[2] == " ▬ 🔒Clinic day"


@app_test
async def test_month_cells_show_the_lock(tmp_path: Path) -> None:
    service = week_with_private_blocks(tmp_path / "home")
    async with running(quiet_app(service), (160, 50)) as pilot:
        await press(pilot, "m")
        screen = pilot.app.screen
        assert isinstance(screen, MonthScreen)
        grid = screen.query_one(MonthGrid)
        data = grid.data
        assert data is not None
        tuesday = next(d for d in data.days if d.day == TUESDAY)
        assert tuesday.titles == (("Therapy", "personal", True),
                                  ("Lunch", "personal", False))
        text = grid.render().plain
        assert "▏🔒Therapy" in text and "▏Lunch" in text and "▏🔒Clinic day" in text
        width = grid.size.width
        assert all(cell_len(line) <= width for line in text.splitlines())
