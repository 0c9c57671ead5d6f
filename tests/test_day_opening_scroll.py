"""Where the day view opens: the day's first block in view, and "now" on today.

A user's day had blocks at 07:00 and 08:00 and opened scrolled to 09:00 (an hour before
"now" at 10:30), so they started off screen. Now a day opens at the start of the waking
day, or at the hour of its first block when that is earlier; today keeps that view while
"now" sits in its upper two thirds (the next hours below it), and opens an hour before now
later in the day. Berlin, Monday 23 Nov 2026 10:30; the machine's zone must not matter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from textual.pilot import Pilot

from planner.app.service import PlannerService
from planner.ui.layout import opening_row
from planner.ui.screens.day import DayScreen
from planner.ui.view import Item
from planner.ui.widgets.timeline import Timeline
from tests.appdriver import app_test, press, quiet_app, running, settle

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # Monday 10:30 in Berlin
MONDAY = date(2026, 11, 23)
ROWS_PER_HOUR = 4  # 15 minutes a row


@pytest.fixture(autouse=True)
def _machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/Bogota")


def item(hour: int, minute: int = 0, hours: float = 0.5, state: str = "fixed") -> Item:
    start = datetime.combine(MONDAY, time(hour, minute), tzinfo=BERLIN)
    return Item(key=f"k{hour}{minute}", block_id="b", title="x", sphere="work", state=state,
                start=start, end=start + timedelta(hours=hours))


def hour_of(row: int) -> float:
    return row / ROWS_PER_HOUR


def opens_at(items: list[Item], now: datetime | None = None, height: int = 22,
             day_start_hour: int = 7) -> float:
    return hour_of(opening_row(items, day_start_hour=day_start_hour, minutes_per_row=15,
                               height=height, now=now))


def test_a_day_opens_at_the_waking_day_or_its_earlier_first_block() -> None:
    assert opens_at([]) == 7
    assert opens_at([item(13)]) == 7  # the free morning shows above the first block
    assert opens_at([item(6, 30), item(13)]) == 6  # the 06:30 flight, from its hour
    assert opens_at([item(8)], day_start_hour=9) == 8
    # Carried over from the night before (clipped at midnight): not a reason for 00:00.
    assert opens_at([item(0, 0, hours=7), item(9)]) == 7


def test_today_keeps_the_first_block_while_now_has_room_below_it() -> None:
    at = lambda h, m=0: datetime.combine(MONDAY, time(h, m), tzinfo=BERLIN)  # noqa: E731
    blocks = [item(7), item(8), item(14)]
    # 80x24 shows 5½ hours: 10:30 is inside 07:00–10:45, the upper two thirds.
    assert opens_at(blocks, now=at(10, 30)) == 7
    # By 11:00 "now" would sit too low: an hour before now, the hours ahead in view.
    assert opens_at(blocks, now=at(11)) == 10
    assert opens_at(blocks, now=at(15, 45)) == 14
    # A tall window (160x50) keeps the morning in view all the way into the afternoon.
    assert opens_at(blocks, now=at(13), height=46) == 7
    # Before the waking day starts, today opens like any day.
    assert opens_at(blocks, now=at(5)) == 7


def service_with(home: Path, *blocks: tuple[date, int, str]) -> PlannerService:
    service = PlannerService(home, tz="Europe/Berlin", clock=lambda: NOW)
    for day, hour, title in blocks:
        start = service.at(day, time(hour))
        service.add(service.make_fixed(title, start, start + timedelta(minutes=30),
                                       sphere="personal"))
    return service


async def top_hour(pilot: Pilot) -> float:  # type: ignore[type-arg]
    await settle(pilot)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, DayScreen)
    return hour_of(int(screen.query_one(Timeline).scroll_offset.y))


@app_test
async def test_today_opens_with_its_early_blocks_in_view(tmp_path: Path) -> None:
    service = service_with(tmp_path / "home", (MONDAY, 7, "Gym"), (MONDAY, 8, "School run"),
                           (MONDAY, 12, "Lunch"))
    async with running(quiet_app(service), (80, 24)) as pilot:
        assert await top_hour(pilot) == 7  # was 09:00: Gym and School run off screen
        screen = pilot.app.screen
        timeline = screen.query_one(Timeline)
        titles_in_view = [i.title for i in timeline.data.items
                          if timeline.scroll_offset.y <= timeline.box_for(i.key).top  # type: ignore[union-attr]
                          < timeline.scroll_offset.y + timeline.size.height]
        assert titles_in_view == ["Gym", "School run", "Lunch"]


@app_test
async def test_another_day_opens_at_a_block_before_the_waking_day(tmp_path: Path) -> None:
    tuesday = MONDAY + timedelta(days=1)
    service = service_with(tmp_path / "home", (tuesday, 5, "Flight"), (tuesday, 9, "Work"))
    async with running(quiet_app(service), (80, 24)) as pilot:
        await press(pilot, "right")
        assert await top_hour(pilot) == 5
        await press(pilot, "right")  # an empty Wednesday: the waking day's start
        assert await top_hour(pilot) == 7


@app_test
async def test_a_day_opened_on_a_block_shows_that_block(tmp_path: Path) -> None:
    tuesday = MONDAY + timedelta(days=1)
    service = service_with(tmp_path / "home", (tuesday, 8, "School run"),
                           (tuesday, 20, "Choir"))
    choir = next(o.block for o in service.agenda(tuesday) if o.title == "Choir")
    async with running(quiet_app(service), (80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, DayScreen)
        screen.show_block(tuesday, choir.id)  # as search and the task list do
        await top_hour(pilot)
        assert screen.day == tuesday and screen.selected_block_id() == choir.id
        timeline = screen.query_one(Timeline)
        box = timeline.box_for(screen.selected)
        assert box is not None
        top = int(timeline.scroll_offset.y)
        assert top <= box.top and box.bottom <= top + timeline.size.height
