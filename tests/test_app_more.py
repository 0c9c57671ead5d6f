"""Pilot tests of the app around the day view: palette, help, import/export, themes, demo."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import Input

from planner.app.service import PlannerService
from planner.ui.app import PlannerApp
from planner.ui.screens.day import DayScreen
from planner.ui.screens.help import HelpScreen
from planner.ui.screens.transfer import PathSuggester
from planner.ui.widgets.timeline import Timeline
from tests.appdriver import Said, app_test, press, quiet_app, running, settle

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


@pytest.fixture(autouse=True)
def _machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/Bogota")  # the machine's zone must not matter


def make_service(home: Path) -> PlannerService:
    service = PlannerService(home, tz="Europe/Berlin", clock=lambda: NOW)
    start = datetime(2026, 11, 23, 11, 0, tzinfo=service.zone)
    service.add(service.make_fixed("Lunch with Sam", start, start + timedelta(hours=1),
                                   sphere="personal"))
    return service


@app_test
async def test_import_runs_in_a_worker_and_reports(tmp_path: Path) -> None:
    service = make_service(tmp_path / "home")
    source = tmp_path / "team.ics"
    source.write_text(ICS, encoding="utf-8")
    app = quiet_app(service)
    said = Said()
    async with running(app, (80, 24), said) as pilot:
        await press(pilot, "i")
        app.screen.query_one("#location", Input).value = str(tmp_path / "nope.ics")
        await press(pilot, "enter")
        assert "No file" in str(app.screen.query_one("#err-location").render())
        app.screen.query_one("#location", Input).value = str(source)
        await press(pilot, "enter")
        assert isinstance(app.screen, DayScreen)
        assert any("1 new" in m for m in said.messages)
        assert any(b.title == "Retro" for b in service.session.store.all_blocks())
        await press(pilot, "right")
        titles = {i.title for i in app.screen.query_one(Timeline).data.items}
        assert "Retro" in titles


@app_test
async def test_export_writes_the_range(tmp_path: Path) -> None:
    service = make_service(tmp_path / "home")
    out = tmp_path / "week.ics"
    app = quiet_app(service)
    said = Said()
    async with running(app, (80, 24), said) as pilot:
        await press(pilot, "e")
        app.screen.query_one("#path", Input).value = str(out)
        app.screen.query_one("#last", Input).value = "2026-11-01"
        await press(pilot, "enter")
        assert "before it starts" in str(app.screen.query_one("#err-last").render())
        app.screen.query_one("#last", Input).value = "2026-11-29"
        await press(pilot, "enter")
        text = out.read_text(encoding="utf-8")
        assert "Lunch with Sam" in text and "BEGIN:VCALENDAR" in text
        assert any(m.startswith("Exported 1 event to") for m in said.messages)


@app_test
async def test_export_to_a_bare_file_name_says_the_folder_it_went_to(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = make_service(tmp_path / "home")
    here = tmp_path / "started-here"
    here.mkdir()
    monkeypatch.chdir(here)
    app = quiet_app(service)
    said = Said()
    async with running(app, (80, 24), said) as pilot:
        await press(pilot, "e")
        assert app.screen.query_one("#path", Input).value == "planner.ics"  # the default
        await press(pilot, "enter")
        assert (here / "planner.ics").is_file()
        (exported,) = [m for m in said.messages if m.startswith("Exported ")]
        assert f" to {here / 'planner.ics'}." in exported
        await press(pilot, "e")
        app.screen.query_one("#path", Input).value = "no-such-folder/week.ics"
        await press(pilot, "enter")
        assert f"There is no folder {here / 'no-such-folder'}." in \
            str(app.screen.query_one("#err-path").render())


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
    app = quiet_app(service)
    async with running(app, (80, 24)) as pilot:
        screen = app.screen
        await press(pilot, "ctrl+p")
        await press(pilot, *"Go to Friday")
        await press(pilot, "enter")
        await pilot.pause()
        assert isinstance(screen, DayScreen) and screen.day == date(2026, 11, 27)
        await press(pilot, "ctrl+p", *"2027-01-04")
        await press(pilot, "enter")
        await pilot.pause()
        assert screen.day == date(2027, 1, 4)
        await press(pilot, "ctrl+p", *"week view")
        await press(pilot, "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "WeekScreen"


@app_test
async def test_help_lists_every_key_with_remaps(tmp_path: Path) -> None:
    app = quiet_app(make_service(tmp_path))
    app.set_keymap({"quick-add": "n"})
    async with running(app, (80, 24)) as pilot:
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = [row for _, section in app.key_sections() for row in section]
        assert ("n", "Add") in rows
        for description in ("Prev day", "Go to", "Week", "Edit", "Done", "Fixed/flex", "Pin",
                            "Earlier", "Delete", "Re-plan", "Undo", "Redo", "Import",
                            "Export", "Side panel", "Help", "Open day"):
            assert description in {d for _, d in rows}, description
        await press(pilot, "escape")
        await press(pilot, "n")
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
    app = quiet_app(service)
    said = Said()
    async with running(app, (80, 24), said) as pilot:
        assert any("no-such-theme" in m for m in said.messages)
        assert app.theme in ("planner-dark", "textual-dark")
        assert "sphere-work" in app.theme_variables
        app.theme = "textual-light"
        await settle(pilot)
        assert service.settings.theme == "textual-light"
    reopened = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
    assert reopened.settings.theme == "textual-light"


@app_test
async def test_changes_from_another_process_show_up(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    app = quiet_app(service)
    async with running(app, (80, 24)) as pilot:
        other = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
        start = datetime(2026, 11, 23, 16, 0, tzinfo=other.zone)
        other.add(other.make_fixed("Call from CLI", start, start + timedelta(minutes=30),
                                   sphere="work"))
        app.jobs.poll()
        await settle(pilot)
        titles = {i.title for i in app.screen.query_one(Timeline).data.items}
        assert "Call from CLI" in titles


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
@app_test
async def test_demo_week_opens_and_reads(tmp_path: Path, size: tuple[int, int]) -> None:
    service = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
    service.load_demo()
    app = quiet_app(service)
    async with running(app, size) as pilot:
        timeline = app.screen.query_one(Timeline)
        assert {i.sphere for i in timeline.data.items} >= {"work", "personal"}
        for y in range(timeline.size.height):
            line = timeline.render_line(y)
            assert line.cell_length == timeline.scrollable_content_region.width
        await press(pilot, "w")
        await pilot.pause()
        chart = str(app.screen.query_one("#week-chart").render())
        assert "Mon 23" in chart and "Sun 29" in chart


@app_test
async def test_a_crafted_theme_name_round_trips_and_planner_still_starts(
        tmp_path: Path) -> None:
    """Issue #18 item 5: a theme name is data; written into config.toml by a TOML writer
    it comes back exactly, injects no keys, and the next start falls back politely."""
    from textual.theme import Theme

    from tests.conftest import planner_command

    crafted = 'evil" \\ ]\nnudges = false\n[day]\nstart = "bogus" [/] \x1b[2J'
    service = make_service(tmp_path)
    app = quiet_app(service)
    async with running(app, (80, 24)) as pilot:
        app.register_theme(Theme(name=crafted, primary="#4f8fd8", dark=True))
        app.theme = crafted  # as picked in the palette: saved by a job
        await settle(pilot)
    reopened = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: NOW)
    assert reopened.settings.theme == crafted
    assert reopened.settings.nudges is service.settings.nudges
    assert reopened.settings.day_start == service.settings.day_start

    said = Said()
    again = quiet_app(reopened)
    async with running(again, (80, 24), said) as pilot:
        assert again.is_running and isinstance(again.screen, DayScreen)
        assert again.theme in ("planner-dark", "textual-dark")
        assert said.any("is unknown; using")
        assert all("\x1b" not in m for m in said.messages)
    env = {**os.environ, "PLANNER_HOME": str(tmp_path), "PLANNER_NOW": NOW.isoformat()}
    agenda = subprocess.run([*planner_command(), "--tz", "Europe/Berlin", "agenda"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert agenda.returncode == 0, agenda.stderr
    assert "Lunch with Sam" in agenda.stdout
