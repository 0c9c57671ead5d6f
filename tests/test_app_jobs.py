"""Background work in the app: writes one at a time, a UI that never waits, a quit that
never hangs and a crash that never looks like success."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import Static
from textual.worker import WorkerFailed

from planner.app.service import PlannerService
from planner.ui.messages import Edited
from planner.ui.screens.day import DayScreen
from planner.ui.screens.week import WeekScreen
from planner.ui.widgets.busy import BusyBar
from planner.ui.widgets.timeline import Timeline
from tests.appdriver import Said, app_test, press, quiet_app, running, settle, wait_until

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # Monday 10:30 in Berlin
MONDAY = date(2026, 11, 23)


def make_service(home: Path) -> PlannerService:
    service = PlannerService(home, tz="Europe/Berlin", clock=lambda: NOW)
    for day, title in ((MONDAY, "Standup"), (MONDAY + timedelta(days=1), "Retro")):
        start = datetime.combine(day, datetime.min.time(), tzinfo=service.zone)
        service.add(service.make_fixed(title, start.replace(hour=9), start.replace(hour=10),
                                       sphere="work"))
    return service


def titles(app: object) -> set[str]:
    screen = app.screen  # type: ignore[attr-defined]
    return {i.title for i in screen.query_one(Timeline).data.items}


class HeldWrite:
    """A write job that holds the store (lock and transaction) until released."""

    def __init__(self, service: PlannerService) -> None:
        self.service = service
        self.started, self.release = threading.Event(), threading.Event()

    def __call__(self, progress: object) -> Edited:
        with self.service.session.write():
            self.started.set()
            if not self.release.wait(60):
                raise AssertionError("the test never released the write")
        return Edited("Held write done.")


@app_test
async def test_while_a_write_runs_edits_wait_and_the_day_still_moves(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    said = Said()
    async with running(app, (80, 24), said) as pilot:
        screen = app.screen
        assert isinstance(screen, DayScreen)
        await press(pilot, "j")
        assert screen.selection() is not None
        held = HeldWrite(service)
        app.jobs.write("Importing work.ics", held, reply_to=screen)
        await wait_until(pilot, held.started.is_set, "the write starting")

        # Write keys are refused, shown disabled in the footer, and the busy line says why.
        assert not screen.check_action("delete", ())
        assert not screen.active_bindings["d"].enabled
        await pilot.press("d")
        assert any(b.title == "Standup" for b in service.session.store.user_blocks())
        busy = screen.query_one(BusyBar)
        await wait_until(pilot, lambda: busy.display, "the busy line showing")
        assert "Importing work.ics" in str(busy.query_one(Static).render())

        # Reading never waits for the write: the next day paints while it holds the store.
        await pilot.press("right")
        await wait_until(pilot, lambda: "Retro" in titles(app), "Tuesday being read")
        assert held.started.is_set() and not held.release.is_set()

        held.release.set()
        await settle(pilot)
        assert said.any("Held write done.")
        assert busy.display is False and screen.check_action("delete", ())
        await press(pilot, "j", "d")
        assert not any(b.title == "Retro" for b in service.session.store.user_blocks())


@app_test
async def test_a_double_click_while_writing_says_why_nothing_opens(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    said = Said()
    async with running(app, (80, 24), said) as pilot:
        screen = app.screen
        held = HeldWrite(service)
        app.jobs.write("Planning", held, reply_to=screen)
        await wait_until(pilot, held.started.is_set, "the write starting")
        timeline = screen.query_one(Timeline)
        item = next(i for i in timeline.data.items if i.title == "Standup")
        box = timeline.box_for(item.key)
        assert box is not None
        timeline.scroll_to(y=box.top, animate=False)
        await pilot.pause()
        assert await pilot.click(Timeline, offset=(10, box.top - int(timeline.scroll_offset.y)),
                                 times=2)
        await wait_until(pilot, lambda: said.any("Not now"), "the refusal")
        assert app.screen is screen  # no edit form over a store that is being written
        held.release.set()
        await settle(pilot)


@app_test
async def test_writes_queue_in_order_and_every_screen_hears_of_them(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    said = Said()
    async with running(app, (80, 24), said) as pilot:
        day = app.screen
        held = HeldWrite(service)
        app.jobs.write("First", held, reply_to=day)
        await wait_until(pilot, held.started.is_set, "the first write starting")
        start = datetime.combine(MONDAY + timedelta(days=2), datetime.min.time(),
                                 tzinfo=service.zone).replace(hour=11)
        block = service.make_fixed("Queued", start, start + timedelta(hours=1), sphere="work")
        app.jobs.write("Second", lambda progress: Edited(f"Added {service.add(block).title}."),
                       reply_to=day)
        await pilot.press("w")  # the week view opens while both wait
        await wait_until(pilot, lambda: isinstance(app.screen, WeekScreen), "the week view")
        assert not any(b.title == "Queued" for b in service.session.store.user_blocks())
        held.release.set()
        await settle(pilot)
        assert said.messages[-2:] == ["Held write done.", "Added Queued."]
        wednesday = str(app.screen.query_one("#week-day-2").render())
        assert "Queued" in wednesday  # the week view read again after the save


@app_test
async def test_a_bug_in_a_job_ends_the_app_with_a_failure_status(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    original = service.day_plan

    def broken(day: date):  # type: ignore[no-untyped-def]
        if day == MONDAY + timedelta(days=5):
            raise RuntimeError("a bug")
        return original(day)

    monkeypatch.setattr(service, "day_plan", broken)
    with pytest.raises(WorkerFailed, match="a bug"):
        async with running(app, (80, 24)) as pilot:
            await pilot.press("g", *"sat", "enter")
            await wait_until(pilot, lambda: not app.is_running, "the app stopping")
    assert app.return_code == 1
