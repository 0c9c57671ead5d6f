"""Pilot tests of the day view: every key changes the service's state as it should."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from planner.app.service import PlannerService
from planner.ui.screens.day import DayScreen
from planner.ui.screens.edit import EditScreen
from planner.ui.screens.week import WeekScreen
from planner.ui.widgets.side import SidePanel
from planner.ui.widgets.timeline import Timeline
from tests.appdriver import Said, app_test, press, quiet_app, running, settle, wait_until

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # Monday 10:30 in Berlin
MONDAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Pacific/Apia")  # the machine's zone must not matter


def make_service(home: Path) -> PlannerService:
    service = PlannerService(home, tz="Europe/Berlin", clock=lambda: NOW)
    at = lambda h, m=0: datetime(2026, 11, 23, h, m, tzinfo=service.zone)  # noqa: E731
    service.add(service.make_fixed("Standup", at(9, 30), at(9, 45), sphere="work"))
    service.add(service.make_fixed("Dentist", at(14), at(15), sphere="personal"))
    service.add(service.make_fixed("Design review", at(14, 30), at(15, 30), sphere="work"))
    service.add(service.make_flexible("Deep work", timedelta(hours=2), sphere="work",
                                      day=MONDAY))
    service.add(service.make_flexible("Gym", timedelta(hours=1), sphere="personal",
                                      day=MONDAY, part="evening"))
    return service


def by_title(service: PlannerService, title: str):  # type: ignore[no-untyped-def]
    return next(b for b in service.session.store.user_blocks() if b.title == title)


def day_screen(pilot: Pilot) -> DayScreen:
    screen = pilot.app.screen
    assert isinstance(screen, DayScreen)
    return screen


async def select_title(pilot: Pilot, title: str) -> None:
    screen = day_screen(pilot)
    for key in ["j"] * 12 + ["k"] * 12:  # the selection may be anywhere on the day
        sel = screen.selection()
        if sel is not None and sel.block.title == title:
            return
        await press(pilot, key)
    raise AssertionError(f"could not select {title!r}")


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
@app_test
async def test_day_view_shows_both_spheres_on_one_timeline(tmp_path: Path,
                                                           size: tuple[int, int]) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    async with running(app, size) as pilot:
        screen = day_screen(pilot)
        timeline = screen.query_one(Timeline)
        spheres = {i.sphere for i in timeline.data.items}
        assert spheres == {"work", "personal"}
        assert timeline.data.now is not None and timeline.data.now.hour == 10
        # Dentist and Design review overlap: side by side, not on top of each other.
        boxes = {i.title: timeline.box_for(i.key) for i in timeline.data.items}
        assert boxes["Dentist"].columns == 2 and boxes["Design review"].columns == 2
        assert boxes["Dentist"].column != boxes["Design review"].column
        assert screen.query_one(SidePanel).display is (size[0] >= 100)
        text = "\n".join(timeline.render_line(y).text for y in range(timeline.size.height))
        assert "10:30▶" in text  # the now line, from the service clock
        assert "Standup" in text or "Deep work" in text
        header = str(screen.query_one("#day-header").render())
        assert "Mon 23 Nov 2026" in header and "today" in header


@app_test
async def test_moving_through_days(tmp_path: Path) -> None:
    app = quiet_app(make_service(tmp_path))
    async with running(app, (80, 24)) as pilot:
        screen = day_screen(pilot)
        await press(pilot, "right")
        assert screen.day == MONDAY + timedelta(days=1)
        await press(pilot, "l", "l")
        assert screen.day == MONDAY + timedelta(days=3)
        await press(pilot, "h", "left")
        assert screen.day == MONDAY + timedelta(days=1)
        await press(pilot, "t")
        assert screen.day == MONDAY
        await press(pilot, "g")
        await press(pilot, *"fri")
        await press(pilot, "enter")
        await pilot.pause()
        assert screen.day == date(2026, 11, 27)
        await press(pilot, "g", *"2027-01-04", "enter")
        await pilot.pause()
        assert screen.day == date(2027, 1, 4)
        await press(pilot, "g", *"blursday", "enter")  # stays open with the error shown
        await pilot.pause()
        assert "Don't" in str(app.screen.query_one("#date-preview").render()) or \
            "blursday" in str(app.screen.query_one("#date-preview").render())
        await press(pilot, "escape")
        assert app.screen is screen


@app_test
async def test_select_keys_and_side_panel(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    async with running(app, (160, 50)) as pilot:
        screen = day_screen(pilot)
        await press(pilot, "j")
        first = screen.selection()
        assert first is not None
        await press(pilot, "j")
        second = screen.selection()
        assert second is not None and second.block.id != first.block.id
        await press(pilot, "k")
        assert screen.selection().block.id == first.block.id  # type: ignore[union-attr]
        details = str(screen.query_one("#side-details").render())
        assert first.block.title in details
        await press(pilot, "s")
        assert screen.query_one(SidePanel).display is False
        await press(pilot, "s")
        assert screen.query_one(SidePanel).display is True
        await press(pilot, "end")
        await press(pilot, "home")
        await pilot.pause()
        assert screen.query_one(Timeline).scroll_offset.y == 7 * 4


@app_test
async def test_click_selects_and_double_click_opens(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    async with running(app, (80, 24)) as pilot:
        screen = day_screen(pilot)
        timeline = screen.query_one(Timeline)
        item = next(i for i in timeline.data.items if i.title == "Standup")
        box = timeline.box_for(item.key)
        assert box is not None
        timeline.scroll_to(y=box.top, animate=False)
        await pilot.pause()
        y = box.top - int(timeline.scroll_offset.y)
        assert await pilot.click(Timeline, offset=(10, y))
        assert screen.selection().block.title == "Standup"  # type: ignore[union-attr]
        assert await pilot.click(Timeline, offset=(10, y), times=2)
        await pilot.pause()
        assert isinstance(app.screen, EditScreen)


@app_test
async def test_quick_add_with_live_preview(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    async with running(app, (80, 24)) as pilot:
        await press(pilot, "a")
        await press(pilot, *"walk 45m this afternoon personal")
        preview = app.screen.query_one("#quick-preview")
        await wait_until(pilot, lambda: "Flexible personal · 45 min · this afternoon" in str(
            preview.render()), "the preview after a pause in typing")
        await press(pilot, "enter")
        await pilot.pause()
        walk = by_title(service, "walk")
        assert walk.is_flexible and walk.duration == timedelta(minutes=45)
        assert walk.part_of_day == "afternoon" and walk.sphere == "personal"
        assert day_screen(pilot).selection().block.id == walk.id  # type: ignore[union-attr]

        await press(pilot, "a", *"sync 16:00 15m work fixed", "enter")
        await pilot.pause()
        sync = by_title(service, "sync")
        assert sync.is_fixed and sync.sphere == "work"
        assert service.local(sync.start).hour == 16  # type: ignore[arg-type]
        assert sync.length == timedelta(minutes=15)

        await press(pilot, "a", *"2h deep prep by fri", "enter")
        await pilot.pause()
        prep = by_title(service, "deep prep")
        assert prep.duration == timedelta(hours=2) and prep.deadline is not None

        await press(pilot, "a", *"nothing", "escape")
        assert not any(b.title == "nothing" for b in service.session.store.user_blocks())
        assert app.screen.query_one("#quick-add").display is False


@app_test
async def test_quick_add_on_another_day_lands_there(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    async with running(app, (80, 24)) as pilot:
        await press(pilot, "right", "a", *"call bank 20m", "enter")
        await pilot.pause()
        assert by_title(service, "call bank").day == MONDAY + timedelta(days=1)


@app_test
async def test_planning_keys(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    said = Said()
    async with running(app, (160, 50), said) as pilot:
        await select_title(pilot, "Deep work")
        deep = by_title(service, "Deep work")
        start = deep.planned[0][0]
        await press(pilot, "shift+down")
        moved = by_title(service, "Deep work")
        assert moved.pinned_start == start + timedelta(minutes=15)
        await press(pilot, "p")
        assert by_title(service, "Deep work").pinned_start is None
        await press(pilot, "space")
        assert by_title(service, "Deep work").done is True
        await press(pilot, "space")
        assert by_title(service, "Deep work").done is False
        await select_title(pilot, "Deep work")
        await press(pilot, "f")
        assert by_title(service, "Deep work").is_fixed
        await press(pilot, "u")
        assert by_title(service, "Deep work").is_flexible
        await press(pilot, "ctrl+y")
        assert by_title(service, "Deep work").is_fixed
        await select_title(pilot, "Standup")
        await press(pilot, "shift+up")  # a fixed block moves too
        standup = by_title(service, "Standup")
        assert service.local(standup.start).minute == 15  # type: ignore[arg-type]
        await press(pilot, "d")
        assert not any(b.title == "Standup" for b in service.session.store.user_blocks())
        assert said.any("u to undo")
        await press(pilot, "ctrl+z")
        assert any(b.title == "Standup" for b in service.session.store.user_blocks())


@app_test
async def test_errors_become_notifications(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    said = Said()
    async with running(app, (80, 24), said) as pilot:
        await press(pilot, "p")  # nothing selected
        await select_title(pilot, "Standup")
        await press(pilot, "p")  # fixed blocks can't be pinned
        messages = said.messages
        assert any("Select a block" in m for m in messages)
        assert any("only flexible blocks can be pinned" in m for m in messages)
        assert app.is_running


@app_test
async def test_replan_runs_in_a_worker(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    said = Said()
    async with running(app, (80, 24), said) as pilot:
        service.update(by_title(service, "Gym").id, "edit", part_of_day=None)
        await press(pilot, "r")
        assert any(m.startswith("Planned Mon 23 Nov") for m in said.messages)
        # The bar is hidden by the job runner's "no write running" message, which can
        # arrive a moment after the plan's own on a loaded machine: wait for it.
        await wait_until(pilot, lambda: app.screen.query_one("#busy").display is False,
                         "the busy bar to hide")
        assert by_title(service, "Gym").planned


@app_test
async def test_edit_form_saves_every_change_and_validates(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    async with running(app, (80, 24)) as pilot:
        await select_title(pilot, "Gym")
        await press(pilot, "enter")
        form = app.screen
        assert isinstance(form, EditScreen)
        from textual.widgets import Input
        form.query_one("#duration", Input).value = "ninety"
        await press(pilot, "ctrl+s")
        assert app.screen is form
        assert "duration" in str(form.query_one("#err-duration").render()).lower()
        form.query_one("#duration", Input).value = "1h30"
        form.query_one("#title", Input).value = "Climbing"
        form.query_one("#location", Input).value = "Boulderhalle"
        form.query_one("#priority", Input).value = "2"
        form.query_one("#deadline", Input).value = "tue"
        await press(pilot, "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DayScreen)
        gym = by_title(service, "Climbing")
        assert gym.duration == timedelta(minutes=90)
        assert gym.location == "Boulderhalle" and gym.priority == 2
        assert service.local(gym.deadline).date() == date(2026, 11, 25)  # type: ignore[arg-type]


@app_test
async def test_edit_form_turns_flexible_into_fixed(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    async with running(app, (160, 50)) as pilot:
        await select_title(pilot, "Gym")
        await press(pilot, "enter")
        form = app.screen
        assert isinstance(form, EditScreen)
        from textual.widgets import Input, Select
        form.query_one("#kind", Select).value = "fixed"
        await pilot.pause()
        form.query_one("#start", Input).value = "2026-11-23 18:00"
        form.query_one("#fixed-duration", Input).value = "45m"
        await press(pilot, "ctrl+s")
        await pilot.pause()
        gym = by_title(service, "Gym")
        assert gym.is_fixed and service.local(gym.start).hour == 18  # type: ignore[arg-type]
        assert gym.length == timedelta(minutes=45)


@app_test
async def test_week_view(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    tuesday = lambda h, m=0: datetime(2026, 11, 24, h, m, tzinfo=service.zone)  # noqa: E731
    service.add(service.make_fixed("Offsite", tuesday(9), tuesday(14, 45), sphere="work"))
    service.add(service.make_fixed("Hike", tuesday(15), tuesday(19, 15), sphere="personal"))
    app = quiet_app(service)
    async with running(app, (80, 24)) as pilot:
        await press(pilot, "w")
        week = app.screen
        assert isinstance(week, WeekScreen)
        monday = str(week.query_one("#week-day-0").render())
        # 80 columns leave 10 per day: the totals round to hours rather than wrap, so
        # every day's blocks start on the same row (the chart below stays exact).
        assert monday.startswith("Mon 23\nW3h15 P2h\n")
        for n in range(7):
            column = week.query_one(f"#week-day-{n}")
            assert len(str(column.render()).split("\n")[1]) < column.size.width
        assert str(week.query_one("#week-day-1").render()).startswith("Tue 24\nW6h P4h\n")
        assert "Standup" in monday
        chart = str(week.query_one("#week-chart").render())
        assert "sw" in chart
        await press(pilot, "right", "right", "enter")
        await pilot.pause()
        assert day_screen(pilot).day == date(2026, 11, 25)
        await press(pilot, "w", "pagedown", "escape")
        await pilot.pause()
        assert day_screen(pilot).day == date(2026, 12, 2)


@app_test
async def test_quick_add_stays_bounded_however_much_is_typed_or_pasted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from textual import events
    from textual.widgets import Input

    from planner.ui.widgets.quickadd import MAX_LENGTH, QuickAddBar

    parses: list[int] = []
    parse = QuickAddBar.parse

    def counted(self: QuickAddBar, text: str):  # type: ignore[no-untyped-def]
        parses.append(len(text))
        return parse(self, text)

    monkeypatch.setattr(QuickAddBar, "parse", counted)
    service = make_service(tmp_path)
    app = quiet_app(service)
    async with running(app, (80, 24)) as pilot:
        await press(pilot, "a")
        box = app.screen.query_one("#quick-input", Input)
        # A fast typist, or a held key: 2,000 keys arrive before the app handles one.
        for char in ("every " * 400)[:2000]:
            app.post_message(events.Key("space" if char == " " else char, char))
        await settle(pilot)
        assert len(box.value) == MAX_LENGTH  # keys past the bound are refused
        preview = app.screen.query_one("#quick-preview")
        await wait_until(pilot, lambda: str(preview.render()).startswith(("→", "✗")),
                         "the preview of what was typed")
        # The parse waits for a pause in typing: a few parses, not one per key (a loaded
        # machine may pause now and then, hence the margin), and none longer than the bound.
        assert len(parses) <= MAX_LENGTH // 4 and max(parses) <= MAX_LENGTH, parses
        box.post_message(events.Paste("x" * 20_000))  # a 20 KB paste is refused whole
        await settle(pilot)
        assert len(box.value) == MAX_LENGTH
        await press(pilot, "escape")
        assert app.screen.query_one("#quick-add").display is False
