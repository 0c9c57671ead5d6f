"""The Textual app: themes, the screen stack, the palette's commands and quitting.

The app owns the use cases (``PlannerService``) and the job runner, and hands both to
screens as ``Services``. It never reads or writes data on the UI thread itself: polling
for other processes' saves and saving the theme are jobs too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.screen import Screen

from planner.app.service import PlannerService
from planner.core.moments import day_label
from planner.core.safetext import printable
from planner.core.when import parse_date
from planner.ui import palette
from planner.ui.commands import ACTIONS, JUMPS, TypedDates, jump_name
from planner.ui.jobs import Jobs
from planner.ui.memory import freeze_heap, pause_collector, thaw_heap
from planner.ui.messages import DataChanged, DayAction, GoToDay, JobFailed
from planner.ui.screens.day import DayScreen
from planner.ui.services import Services

POLL_SECONDS = 2.0
QUIT_GRACE_SECONDS = 3.0  # a save in progress may finish; a stuck network read may not


class PlannerApp(App[None]):
    """One day, one timeline."""

    CSS_PATH = "app.tcss"
    TITLE = "planner"
    COMMANDS = App.COMMANDS | {TypedDates}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, service: PlannerService, start_day: date | None = None, *,
                 user_themes: bool = True) -> None:
        self.service = service
        self.jobs = Jobs(self, service)
        self.services = Services(service, self.jobs)
        self.start_day = start_day or service.today()
        self.key_overrides: dict[str, str] = {}  # binding id -> keys, as set_keymap got them
        self._user_themes = user_themes
        self._theme_ready = False
        super().__init__()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        spheres = {name: info.colour for name, info in self.service.settings.spheres.items()}
        return palette.variable_defaults(spheres)

    def on_load(self) -> None:
        pause_collector()  # as the app starts; on again once the first day is painted

    def on_mount(self) -> None:
        self._install_themes()
        self.push_screen(DayScreen(self.services, self.start_day))
        self.set_interval(POLL_SECONDS, self.jobs.poll)

    def on_unmount(self) -> None:
        thaw_heap()  # e.g. a test run goes on in this process

    # ------------------------------------------------------------------ text on screen

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Notifications quote data (titles, calendar names, file names, errors), so they are
        always plain text made terminal-safe, never markup (``Widget.notify`` would ask for
        markup by default: a title like ``[/] bad`` must not crash the app)."""
        super().notify(printable(message, lines=True), title=printable(title),
                       severity=severity, timeout=timeout, markup=False)

    # ------------------------------------------------------------------ themes

    def _install_themes(self) -> None:
        bundled, user = self.service.theme_folders()
        themes, problems = palette.load(bundled, user if self._user_themes else None)
        for theme in themes:
            self.register_theme(theme)
        for problem in problems:
            self.notify(problem, title="Theme skipped", severity="warning", timeout=8)
        wanted = self.service.settings.theme
        if wanted in self.available_themes:
            self.theme = wanted
        else:
            fallback = (palette.DEFAULT_THEME if palette.DEFAULT_THEME in self.available_themes
                        else palette.FALLBACK_THEME)
            self.notify(f"Theme {wanted!r} is unknown; using {fallback!r}.", severity="warning")
            self.theme = fallback
        self._theme_ready = True

    def watch_theme(self, name: str) -> None:
        # Remember a theme picked in the palette; not the one set while starting.
        if self._theme_ready and name != self.service.settings.theme:
            self.jobs.background(lambda: self.service.save_theme(name), reply_to=self,
                                 kind="save-theme")

    @on(JobFailed)
    def _job_failed(self, event: JobFailed) -> None:
        self.notify(event.error, title=event.description, severity="warning", timeout=8)

    # ------------------------------------------------------------------ changes elsewhere

    @on(DataChanged)
    def _data_changed(self) -> None:
        self.call_after_refresh(freeze_heap)

    def on_app_focus(self) -> None:
        self.jobs.poll()

    # ------------------------------------------------------------------ navigation

    def _day_screen(self) -> DayScreen:
        """Back to the day view (it is always at the bottom of the stack)."""
        while not isinstance(self.screen, DayScreen):
            self.pop_screen()
        return self.screen

    @on(GoToDay)
    def _go_to_day(self, event: GoToDay) -> None:
        self._day_screen().go_to(event.day)

    @on(DayAction)
    async def _day_action(self, event: DayAction) -> None:
        screen = self._day_screen()
        if not await self.run_action(event.action, screen):
            self.notify(f"Not now: {self.jobs.writing or 'a change'} is still being saved.",
                        severity="warning")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for text, help_text, action in ACTIONS:
            yield SystemCommand(text, help_text,
                                lambda action=action: self.post_message(DayAction(action)))
        yield SystemCommand("Help: all keys", "?", self.action_help)
        today = self.service.today()
        for word in JUMPS:
            day = parse_date(word, today=today)
            yield SystemCommand(f"Go to {jump_name(word)}", day_label(day, year=True),
                                lambda day=day: self.post_message(GoToDay(day)))

    def today(self) -> date:
        """For the palette's typed dates (``commands.TypedDates``)."""
        return self.service.today()

    # ------------------------------------------------------------------ help and quit

    def action_help(self) -> None:
        from planner.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.key_sections()))

    def set_keymap(self, keymap: Mapping[str, str]) -> None:
        self.key_overrides = dict(keymap)
        super().set_keymap(keymap)

    def update_keymap(self, keymap: Mapping[str, str]) -> None:
        self.key_overrides.update(keymap)
        super().update_keymap(keymap)

    def key_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        from planner.ui.screens.calendars import CalendarsScreen
        from planner.ui.screens.month import MonthScreen
        from planner.ui.screens.tasks import TasksScreen
        from planner.ui.screens.week import WeekScreen

        return [("Day view", self._bindings_of(DayScreen)),
                ("Week view", self._bindings_of(WeekScreen)),
                ("Month view", self._bindings_of(MonthScreen)),
                ("Tasks (b)", self._bindings_of(TasksScreen)),
                ("Calendars (c)", self._bindings_of(CalendarsScreen)),
                ("Everywhere", self._bindings_of(PlannerApp))]

    def _bindings_of(self, cls: type[DOMNode]) -> list[tuple[str, str]]:
        rows = []
        for binding in cls.BINDINGS:
            assert isinstance(binding, Binding)
            keys = self.key_overrides.get(binding.id, binding.key) if binding.id else binding.key
            shown = " ".join(self.get_key_display(binding.with_key(k.strip()))
                             for k in keys.split(","))
            rows.append((shown, binding.description))
        return rows

    async def action_quit(self) -> None:
        """Quit at once; a save in progress gets a moment to land, a stuck job does not."""
        if not self.jobs.busy:
            self.exit()
            return
        self.notify(f"Quitting once this is saved: {self.jobs.writing or 'a change'}…",
                    timeout=QUIT_GRACE_SECONDS)
        self.run_worker(self._quit_after_writes(), group="quit", exclusive=True)

    async def _quit_after_writes(self) -> None:
        await self.jobs.wait_for_writes(QUIT_GRACE_SECONDS)
        self.workers.cancel_all()
        self.exit()
