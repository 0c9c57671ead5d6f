"""Pilot tests of the app around the day view: palette, help, import/export, themes, demo."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from planner.app.demo import load_demo
from planner.app.service import PlannerService
from planner.ui.app import PlannerApp
from planner.ui.screens.day import DayScreen
from planner.ui.screens.help import HelpScreen
from planner.ui.screens.transfer import PathSuggester
from planner.ui.widgets.timeline import Timeline

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # Monday 10:30 in Berlin
MONDAY = date(2026, 11, 23)

ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:retro-1@test\r
DTSTAMP:20261101T000000Z\r
DTSTART:20261124T130000Z\r
DTEND:20261124T140000Z\r
SUMMARY:Retro\r
END:VEVENT\r
END:VCALENDAR\r
"""


def app_test(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test without an async pytest plugin."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return run


@pytest.fixture(autouse=True)
def _quiet_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PlannerApp, "animation_level", "none", raising=False)
    monkeypatch.setenv("TZ", "America/Bogota")


def make_service(home: Path) -> PlannerService:
    service = PlannerService(home, tz="Europe/Berlin", clock=lambda: NOW)
    start = datetime(2026, 11, 23, 11, 0, tzinfo=service.zone)
    service.add(service.make_fixed("Lunch with Sam", start, start + timedelta(hours=1),
                                   sphere="personal"))
    return service


def messages(app: PlannerApp) -> list[str]:
    return [n.message for n in app._notifications]


@app_test
async def test_import_runs_in_a_worker_and_reports(tmp_path: Path) -> None:
    service = make_service(tmp_path / "home")
    source = tmp_path / "team.ics"
    source.write_text(ICS, encoding="utf-8")
    app = PlannerApp(service, user_themes=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        app.screen.query_one("#location", Input).value = str(tmp_path / "nope.ics")
        await pilot.press("enter")
        assert "No file" in str(app.screen.query_one("#err-location").render())
        app.screen.query_one("#location", Input).value = str(source)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DayScreen)
        assert any("1 new" in m for m in messages(app))
        assert any(b.title == "Retro" for b in service.store.all_blocks())
        await pilot.press("right")
        titles = {i.title for i in app.screen.query_one(Timeline).data.items}
        assert "Retro" in titles


@app_test
async def test_export_writes_the_range(tmp_path: Path) -> None:
    service = make_service(tmp_path / "home")
    out = tmp_path / "week.ics"
    app = PlannerApp(service, user_themes=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        app.screen.query_one("#path", Input).value = str(out)
        app.screen.query_one("#last", Input).value = "2026-11-01"
        await pilot.press("enter")
        assert "before it starts" in str(app.screen.query_one("#err-last").render())
        app.screen.query_one("#last", Input).value = "2026-11-29"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = out.read_text(encoding="utf-8")
        assert "Lunch with Sam" in text and "BEGIN:VCALENDAR" in text
        assert any(m.startswith("Exported 1 events") for m in messages(app))


@app_test
async def test_path_suggester_completes_files(tmp_path: Path) -> None:
    (tmp_path / "work-calendar.ics").write_text("", encoding="utf-8")
    (tmp_path / "work-notes.txt").write_text("", encoding="utf-8")
    (tmp_path / "workshop").mkdir()
    suggester = PathSuggester()
    assert await suggester.get_suggestion(str(tmp_path / "work-")) == str(
        tmp_path / "work-calendar.ics")
    assert await suggester.get_suggestion(str(tmp_path / "works")) == str(
        tmp_path / "workshop") + "/"
    assert await suggester.get_suggestion("https://example.com/cal") is None


@app_test
async def test_command_palette_jumps_and_runs_actions(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = PlannerApp(service, user_themes=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("ctrl+p")
        await pilot.press(*"Go to Friday")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(screen, DayScreen) and screen.day == date(2026, 11, 27)
        await pilot.press("ctrl+p", *"2027-01-04")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.day == date(2027, 1, 4)
        await pilot.press("ctrl+p", *"week view")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "WeekScreen"


@app_test
async def test_help_lists_every_key_with_remaps(tmp_path: Path) -> None:
    app = PlannerApp(make_service(tmp_path), user_themes=False)
    app.set_keymap({"quick-add": "n"})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = [row for _, section in app.key_sections() for row in section]
        assert ("n", "Add") in rows
        for description in ("Prev day", "Go to", "Week", "Edit", "Done", "Fixed/flex", "Pin",
                            "Earlier", "Delete", "Re-plan", "Undo", "Redo", "Import",
                            "Export", "Side panel", "Help", "Open day"):
            assert description in {d for _, d in rows}, description
        await pilot.press("escape")
        await pilot.press("n")
        assert app.screen.query_one("#quick-add").display is True


@app_test
async def test_every_binding_has_an_id() -> None:
    from planner.ui.screens.week import WeekScreen

    for cls in (PlannerApp, DayScreen, WeekScreen, HelpScreen, Timeline):
        for binding in cls.BINDINGS:
            assert getattr(binding, "id", None), (cls.__name__, binding)


@app_test
async def test_theme_from_settings_fallback_and_saving(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    (service.paths.config).mkdir(parents=True, exist_ok=True)
    service.save_theme("no-such-theme")
    app = PlannerApp(service, user_themes=False)
    async with app.run_test(size=(80, 24)) as pilot:
        assert any("no-such-theme" in m for m in messages(app))
        assert app.theme in ("planner-dark", "textual-dark")
        assert "sphere-work" in app.theme_variables
        app.theme = "textual-light"
        await pilot.pause()
        assert service.settings.theme == "textual-light"
    reopened = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
    assert reopened.settings.theme == "textual-light"


@app_test
async def test_changes_from_another_process_show_up(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = PlannerApp(service, user_themes=False)
    async with app.run_test(size=(80, 24)) as pilot:
        other = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
        start = datetime(2026, 11, 23, 16, 0, tzinfo=other.zone)
        other.add(other.make_fixed("Call from CLI", start, start + timedelta(minutes=30),
                                   sphere="work"))
        app.poll_changes()
        await pilot.pause()
        titles = {i.title for i in app.screen.query_one(Timeline).data.items}
        assert "Call from CLI" in titles


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
@app_test
async def test_demo_week_opens_and_reads(tmp_path: Path, size: tuple[int, int]) -> None:
    service = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
    load_demo(service)
    app = PlannerApp(service, user_themes=False)
    async with app.run_test(size=size) as pilot:
        timeline = app.screen.query_one(Timeline)
        assert {i.sphere for i in timeline.data.items} >= {"work", "personal"}
        for y in range(timeline.size.height):
            line = timeline.render_line(y)
            assert line.cell_length == timeline.scrollable_content_region.width
        await pilot.press("w")
        await pilot.pause()
        chart = str(app.screen.query_one("#week-chart").render())
        assert "Mon 23" in chart and "Sun 29" in chart
