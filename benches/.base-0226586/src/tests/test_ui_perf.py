"""The day view's speed-ups keep it correct: cached days, quiet text updates, row cache."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from planner.app.service import PlannerService
from planner.ui.app import PlannerApp
from planner.ui.daydata import DayCache, Warmer, load_day
from planner.ui.screens.day import DayScreen
from planner.ui.widgets.text import set_text
from planner.ui.widgets.timeline import SELECTED_MARK, Timeline

MONDAY = date(2026, 11, 23)


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def make_service(home: Path, clock: Clock) -> PlannerService:
    service = PlannerService(home, tz="Europe/Berlin", clock=clock)
    at = lambda d, h, m=0: datetime.combine(  # noqa: E731
        d, datetime.min.time(), tzinfo=service.zone).replace(hour=h, minute=m)
    for k in range(3):
        day = MONDAY + timedelta(days=k)
        service.add(service.make_fixed(f"Standup {k}", at(day, 9, 30), at(day, 9, 45),
                                       sphere="work"))
        service.add(service.make_fixed(f"Late call {k}", at(day, 20), at(day, 21, 30),
                                       sphere="work"))
        service.add(service.make_fixed(f"Run {k}", at(day, 18), at(day, 19),
                                       sphere="personal"))
    service.add(service.make_flexible("Deep work", timedelta(hours=2), sphere="work",
                                      day=MONDAY))
    return service


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))


def count_day_plans(service: PlannerService, monkeypatch: pytest.MonkeyPatch) -> list[date]:
    calls: list[date] = []
    original = service.day_plan

    def counted(day: date):  # type: ignore[no-untyped-def]
        calls.append(day)
        return original(day)

    monkeypatch.setattr(service, "day_plan", counted)
    return calls


def test_load_day_matches_the_service(tmp_path: Path, clock: Clock) -> None:
    service = make_service(tmp_path, clock)
    for day in (MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=5)):
        data = load_day(service, day)
        assert data.insights == service.insights(day)
        assert list(data.nudges) == service.nudges(day)
        assert data.plan == service.day_plan(day)
    assert load_day(service, MONDAY).insights.bleed_minutes > 0  # type: ignore[union-attr]


def test_day_cache_reads_each_day_once_until_cleared_or_a_new_today(
        tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    service = make_service(tmp_path, clock)
    calls = count_day_plans(service, monkeypatch)
    cache = DayCache(size=2)
    tuesday = MONDAY + timedelta(days=1)
    first = cache.get(service, MONDAY)
    assert cache.get(service, MONDAY) is first
    cache.get(service, tuesday)
    assert calls == [MONDAY, tuesday]
    cache.get(service, MONDAY + timedelta(days=2))  # size 2: Monday (least recent) goes
    cache.get(service, tuesday)
    cache.get(service, MONDAY)
    assert calls[2:] == [MONDAY + timedelta(days=2), MONDAY]
    cache.clear()
    assert cache.get(service, MONDAY) is not first
    clock.moment += timedelta(days=1)  # "today" moved: overdue blocks show elsewhere
    cache.get(service, MONDAY)
    assert calls[-2:] == [MONDAY, MONDAY]


def test_warmer_lets_the_ui_wait_for_a_day_in_progress() -> None:
    started, release = threading.Event(), threading.Event()
    warmed: list[date] = []

    class SlowService:
        def prefetch(self, days: list[date]) -> None:
            started.set()
            release.wait(5)
            warmed.extend(days)

    warmer = Warmer()
    worker = threading.Thread(target=warmer.warm, args=(SlowService(), [MONDAY], lambda: False))
    worker.start()
    assert started.wait(5)
    threading.Timer(0.05, release.set).start()
    warmer.wait_for(MONDAY)
    assert warmed == [MONDAY]  # waited for the worker instead of returning at once
    worker.join(5)
    warmer.warm(SlowService(), [MONDAY], lambda: True)  # superseded: does nothing
    assert warmed == [MONDAY]


class Texts(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("one line", id="text")


def test_set_text_asks_for_a_layout_only_when_the_height_changes() -> None:
    async def run() -> None:
        app = Texts()
        async with app.run_test(size=(40, 10)) as pilot:
            static = app.query_one("#text", Static)
            await pilot.pause()
            set_text(static, "another line")
            assert not static._layout_required
            assert "another line" in str(static.render())
            set_text(static, "two\nlines")
            assert static._layout_required
            await pilot.pause()
            assert static.size.height == 2

    asyncio.run(run())


def test_day_change_reads_the_service_once_per_new_day_and_edits_show(
        tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    service = make_service(tmp_path, clock)
    monkeypatch.setattr(PlannerApp, "animation_level", "none", raising=False)

    async def run() -> None:
        app = PlannerApp(service, start_day=MONDAY, user_themes=False)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, DayScreen)
            calls = count_day_plans(service, monkeypatch)
            await pilot.press("right", "left", "right")
            await pilot.pause()
            assert calls == [MONDAY + timedelta(days=1)]
            timeline = screen.query_one(Timeline)
            assert {i.title for i in timeline.data.items} >= {"Standup 1", "Run 1"}
            header = str(screen.query_one("#day-header", Static).render())
            assert "Tue 24 Nov 2026" in header
            at = service.at(MONDAY + timedelta(days=1), datetime.min.time())
            service.add(service.make_fixed("Added", at.replace(hour=11),
                                           at.replace(hour=12), sphere="work"))
            screen.refresh_data()  # what every editing key does after the service call
            await pilot.pause()
            assert "Added" in {i.title for i in timeline.data.items}
            await pilot.press("left")  # Monday was cached before the edit: read again
            assert calls[-1] == MONDAY

    asyncio.run(run())


def test_selection_repaints_only_what_it_must_and_shows_the_pointer(
        tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    service = make_service(tmp_path, clock)
    monkeypatch.setattr(PlannerApp, "animation_level", "none", raising=False)

    def row_text(timeline: Timeline, row: int) -> str:
        width = timeline.scrollable_content_region.width
        return "".join(s.text for s in timeline._paint_row(row, width))

    async def run() -> None:
        app = PlannerApp(service, start_day=MONDAY, user_themes=False)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            timeline = screen.query_one(Timeline)
            await pilot.press("j")
            first = timeline.box_for(timeline.selected)
            assert first is not None
            top = first.top - int(timeline.scroll_offset.y)
            assert SELECTED_MARK in timeline.render_line(top).text
            await pilot.press("j")
            second = timeline.box_for(timeline.selected)
            assert second is not None and second.item.key != first.item.key
            # The cached rows agree with a fresh paint, for both boxes.
            for box in (first, second):
                y = box.top - int(timeline.scroll_offset.y)
                assert timeline.render_line(y).text == row_text(timeline, box.top)
            assert SELECTED_MARK not in timeline.render_line(
                first.top - int(timeline.scroll_offset.y)).text

    asyncio.run(run())
