"""The app's first day: no "reading…" placeholder up front. Like a day change, a first
read that arrives within LOADING_AFTER paints the day as the first content; a slower
one shows "reading…" until the day arrives (issue #16).

The day's read is held on an event, so what shows meanwhile is deterministic.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from planner.app.service import PlannerService
from planner.ui.daydata import DayLoaded
from planner.ui.memory import resume_collector
from planner.ui.screens import day as day_screen_module
from planner.ui.screens.day import DayScreen
from planner.ui.widgets.timeline import Timeline
from tests.appdriver import SETTLE_TIMEOUT, app_test, quiet_app

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # Monday 10:30 in Berlin
MONDAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Pacific/Apia")


def a_service(home: Path) -> PlannerService:
    service = PlannerService(home, tz="Europe/Berlin", clock=lambda: NOW)
    start = service.at(MONDAY, time(11))
    service.add(service.make_fixed("Review", start, service.at(MONDAY, time(12)),
                                   sphere="work"))
    return service


def held_reads(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Every day read waits for the returned event (set it to let them through)."""
    release = threading.Event()
    real: Callable[[PlannerService, Iterable[date]], DayLoaded] = day_screen_module.load_days

    def held(service: PlannerService, days: Iterable[date]) -> DayLoaded:
        release.wait(SETTLE_TIMEOUT)
        return real(service, days)

    monkeypatch.setattr(day_screen_module, "load_days", held)
    return release


def header(app: Any) -> str:
    assert isinstance(app.screen, DayScreen)
    return str(app.screen.query_one("#day-header").render())


async def until(check: Callable[[], bool]) -> None:
    """Wait for a condition (generous timeout; never a fixed sleep)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_TIMEOUT
    while not check():
        assert loop.time() < deadline, "timed out waiting for the app"
        await asyncio.sleep(0.01)


def items_shown(app: Any) -> int:
    return len(app.screen.query_one(Timeline).data.items)


@app_test
async def test_the_first_day_paints_without_a_reading_placeholder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(day_screen_module, "LOADING_AFTER", 3600.0)  # "in time", always
    release = held_reads(monkeypatch)
    app = quiet_app(a_service(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(lambda: isinstance(app.screen, DayScreen))
        await pilot.pause()
        shown = header(app)
        assert shown.startswith("Mon 23 Nov 2026"), shown  # the day asked for, at once
        assert "reading" not in shown  # the read is still held: no placeholder meanwhile
        release.set()
        await until(lambda: items_shown(app) == 1)
        assert "reading" not in header(app)


@app_test
async def test_a_slow_first_read_says_reading_until_the_day_arrives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(day_screen_module, "LOADING_AFTER", 0.01)  # the read is held: too slow
    release = held_reads(monkeypatch)
    app = quiet_app(a_service(tmp_path))
    async with app.run_test(size=(100, 30)):
        await until(lambda: isinstance(app.screen, DayScreen) and "reading…" in header(app))
        assert items_shown(app) == 0
        release.set()
        await until(lambda: items_shown(app) == 1)
        assert "reading" not in header(app)


@app_test
async def test_the_collector_rests_while_starting_and_runs_once_the_day_is_shown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Start-up makes objects that live as long as the app: no cyclic collections until
    the first day is painted, then they are frozen and the collector runs again."""
    monkeypatch.setattr(day_screen_module, "LOADING_AFTER", 3600.0)
    release = held_reads(monkeypatch)
    assert gc.isenabled()
    frozen_before = gc.get_freeze_count()
    app = quiet_app(a_service(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(lambda: isinstance(app.screen, DayScreen))
        await pilot.pause()
        assert not gc.isenabled(), "the day is still being read"
        release.set()
        await until(lambda: items_shown(app) == 1)
        await until(gc.isenabled)
        assert gc.get_freeze_count() > frozen_before
    assert gc.isenabled()


@app_test
async def test_an_app_closed_before_its_first_day_leaves_the_collector_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = held_reads(monkeypatch)
    app = quiet_app(a_service(tmp_path))
    async with app.run_test(size=(100, 30)):
        await until(lambda: isinstance(app.screen, DayScreen))
        assert not gc.isenabled()
        app.exit()
    release.set()
    assert gc.isenabled()


@app_test
async def test_a_collector_switched_off_by_someone_else_stays_off(
        tmp_path: Path) -> None:
    gc.disable()
    try:
        app = quiet_app(a_service(tmp_path))
        async with app.run_test(size=(100, 30)):
            await until(lambda: items_shown(app) == 1)
            resume_collector()
            assert not gc.isenabled(), "the app only undoes its own pause"
        assert not gc.isenabled()
    finally:
        gc.enable()
