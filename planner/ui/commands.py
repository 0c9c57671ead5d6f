"""The command palette: every day-view action, date jumps and typed dates.

The actions and jumps are the app's system commands (``PlannerApp.get_system_commands``
posts ``DayAction``/``GoToDay``); this module holds their words, and the one provider
that needs the query itself: a typed date ("2027-01-04", "next fri") to jump to.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol, runtime_checkable

from textual.command import Hit, Hits, Provider

from planner.core.moments import day_label
from planner.core.when import WhenError, parse_date
from planner.ui.messages import GoToDay

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
    ("Sync linked calendars", "two-way CalDAV sync (`planner sync`)", "sync"),
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


def jump_name(word: str) -> str:
    return _JUMP_NAMES.get(word, word)


@runtime_checkable
class Dated(Protocol):
    """An app that knows "today" (its clock, not the machine's)."""

    def today(self) -> date: ...


class TypedDates(Provider):
    """Whatever parses as a date ("2027-01-04", "next fri", "+3") becomes "Go to …"."""

    async def search(self, query: str) -> Hits:
        typed = query.strip().lower().removeprefix("go to ").strip()
        if not typed or not isinstance(self.app, Dated):
            return
        try:
            day = parse_date(typed, today=self.app.today())
        except (WhenError, OverflowError):
            return
        label = f"Go to {day_label(day, year=True)}"
        yield Hit(1.0, label, lambda: self.app.post_message(GoToDay(day)), text=label,
                  help=f"from '{typed}'")
