"""Command palette provider: every planner action and quick date jumps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from planner.core.when import WhenError, parse_date
from planner.ui.view import day_label

if TYPE_CHECKING:
    from planner.ui.app import PlannerApp

# (palette text, help, day-screen action)
ACTIONS = [
    ("Add a block (quick add)", "type 'gym 1h this afternoon personal'", "quick_add"),
    ("Edit the selected block", "every field", "edit"),
    ("Mark selected done / not done", "flexible tasks", "done"),
    ("Toggle fixed / flexible", "for the selected block", "toggle_kind"),
    ("Pin / unpin the selected block", "keep a flexible block where it is", "toggle_pin"),
    ("Move selected block 15 min earlier", "pins a flexible block", "move(-1)"),
    ("Move selected block 15 min later", "pins a flexible block", "move(1)"),
    ("Delete the selected block", "undo brings it back", "delete"),
    ("Re-plan the day", "place flexible blocks again", "replan"),
    ("Undo", "the last change", "undo"),
    ("Redo", "the last undone change", "redo"),
    ("Import a calendar file or URL", ".ics, webcal:// or https://", "import"),
    ("Export to an .ics file", "a date range, personal as busy if you like", "export"),
    ("Week view", "seven days side by side, with a week chart", "week"),
    ("Weekly review", "done vs planned, energy, boundaries — as `planner review`", "review"),
    ("Go to a date…", "fri, next week, 2027-01-04", "goto"),
    ("Toggle the side panel", "details, unplaced, insights", "toggle_side"),
    ("Scroll to the morning", "start of the waking day", "morning"),
    ("Scroll to the evening", "end of the waking day", "evening"),
]
JUMPS = ["today", "tomorrow", "yesterday", "mon", "tue", "wed", "thu", "fri", "sat", "sun",
         "next week", "last week"]
_JUMP_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
               "fri": "Friday", "sat": "Saturday", "sun": "Sunday"}


class PlannerCommands(Provider):
    """Actions run on the day view; date jumps open it on that day."""

    @property
    def planner(self) -> PlannerApp:
        return self.app  # type: ignore[return-value]

    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = self.planner
        entries: list[tuple[str, str, Callable[[], object]]] = [
            (text, help_text, partial(app.run_day_action, action))
            for text, help_text, action in ACTIONS]
        entries.append(("Help: all keys", "?", app.action_help))
        today = app.service.today()
        for word in JUMPS:
            day = parse_date(word, today=today)
            name = _JUMP_NAMES.get(word, word)
            entries.append((f"Go to {name}", day_label(day, year=True),
                            partial(app.go_to_day, day)))
        return entries

    async def discover(self) -> Hits:
        for text, help_text, callback in self._entries():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, callback in self._entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, text=text, help=help_text)
        typed = query.strip().removeprefix("go to ").strip()
        if typed:
            day = _try_date(typed, self.planner.app.service.today())
            if day is not None:
                label = f"Go to {day_label(day, year=True)}"
                yield Hit(1.0, label, partial(self.planner.go_to_day, day), text=label,
                          help=f"from '{typed}'")


def _try_date(text: str, today: date) -> date | None:
    try:
        return parse_date(text, today=today)
    except WhenError:
        return None


__all__ = ["PlannerCommands", "timedelta"]
