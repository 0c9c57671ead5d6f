"""The Textual app: themes, the screen stack and polling for changes made elsewhere."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from planner.app.service import PlannerService
from planner.ui import palette
from planner.ui.commands import PlannerCommands
from planner.ui.memory import freeze_heap, thaw_heap
from planner.ui.screens.day import DayScreen

POLL_SECONDS = 2.0


class PlannerApp(App[None]):
    """One day, one timeline. ``service`` is the only way to the data."""

    CSS_PATH = "app.tcss"
    TITLE = "planner"
    COMMANDS = App.COMMANDS | {PlannerCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, service: PlannerService, start_day: date | None = None, *,
                 user_themes: bool = True) -> None:
        self.service = service
        self.start_day = start_day or service.today()
        self.busy = False  # a worker is talking to the service: don't poll under it
        self._user_themes = user_themes
        self._theme_ready = False
        super().__init__()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        spheres = {name: info.colour for name, info in self.service.settings.spheres.items()}
        return palette.variable_defaults(spheres)

    def on_mount(self) -> None:
        self._install_themes()
        self.push_screen(DayScreen(self.start_day))
        self.set_interval(POLL_SECONDS, self.poll_changes)

    def on_unmount(self) -> None:
        thaw_heap()  # e.g. a test run goes on in this process

    def _install_themes(self) -> None:
        user_dir = self.service.paths.themes if self._user_themes else None
        themes, problems = palette.load(user_dir)
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
            try:
                self.service.save_theme(name)
            except Exception as exc:  # unwritable config: keep the theme for this run
                self.notify(f"Could not save the theme: {exc}", severity="warning")

    # ------------------------------------------------------------------ changes elsewhere

    def poll_changes(self) -> None:
        if self.busy:
            return
        try:
            changed = self.service.reload_if_changed()
        except Exception as exc:  # a damaged file: say so, keep showing what we have
            self.notify(str(exc), severity="error", timeout=8)
            return
        if changed:
            self.refresh_screens()
            self.call_after_refresh(freeze_heap)

    def on_app_focus(self) -> None:
        self.poll_changes()

    def refresh_screens(self) -> None:
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_data", None)
            if refresh is not None:
                refresh()

    # ------------------------------------------------------------------ navigation

    def day_screen(self) -> DayScreen:
        return next(s for s in self.screen_stack if isinstance(s, DayScreen))

    def go_to_day(self, day: date) -> None:
        while not isinstance(self.screen, DayScreen):
            self.pop_screen()
        self.day_screen().go_to(day)

    def run_day_action(self, action: str) -> None:
        while not isinstance(self.screen, DayScreen):
            self.pop_screen()
        self.call_later(self.screen.run_action, action)

    def action_help(self) -> None:
        from planner.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.key_sections()))

    def key_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        from planner.ui.screens.week import WeekScreen

        sections = []
        for title, bindings in (("Day view", self._bindings_of(DayScreen)),
                                ("Week view", self._bindings_of(WeekScreen)),
                                ("Everywhere", self._bindings_of(PlannerApp))):
            sections.append((title, bindings))
        return sections

    def _bindings_of(self, cls: type) -> list[tuple[str, str]]:
        keymap = self._keymap if hasattr(self, "_keymap") else {}
        rows = []
        for binding in cls.BINDINGS:
            assert isinstance(binding, Binding)
            keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
            shown = " ".join(self.get_key_display(binding.with_key(k.strip()))
                             for k in keys.split(","))
            rows.append((shown, binding.description))
        return rows
