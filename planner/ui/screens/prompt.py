"""Small modal prompts: a date to jump to, a new name."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from planner.core.moments import day_label
from planner.core.safetext import printable
from planner.core.when import WhenError, parse_date
from planner.ui.screens.dialog import Dialog


class DatePrompt(Dialog[date | None]):
    """Ask for a date ("fri", "next week", "2027-01-04"); returns it, or None on escape."""

    AUTO_FOCUS = "#date-input"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt-cancel"),
    ]

    def __init__(self, today: date) -> None:
        super().__init__()
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Go to date", classes="dialog-title")
            yield Input(placeholder="fri · next week · 4 jan · 2027-01-04 · +3",
                        id="date-input")
            yield Static("", id="date-preview", classes="hint", markup=False)

    def _parse(self, text: str) -> date:
        return parse_date(text, today=self.today)

    @on(Input.Changed)
    def _preview(self, event: Input.Changed) -> None:
        preview = self.query_one("#date-preview", Static)
        if not event.value.strip():
            preview.update("")
            return
        try:
            preview.update(f"→ {day_label(self._parse(event.value), year=True)}")
            preview.remove_class("error")
        except WhenError as exc:
            preview.update(printable(str(exc)))
            preview.add_class("error")

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.dismiss(self._parse(event.value))
        except WhenError as exc:
            self.query_one("#date-preview", Static).update(printable(str(exc)))
            self.query_one("#date-preview", Static).add_class("error")

    def action_cancel(self) -> None:
        self.dismiss(None)


class NamePrompt(Dialog[str | None]):
    """Ask for a name (a calendar's new one), filled in with the current; returns the
    name typed, or None on escape or when it is empty or unchanged."""

    AUTO_FOCUS = "#name-input"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="name-prompt-cancel"),
    ]

    def __init__(self, title: str, current: str) -> None:
        super().__init__()
        self.title_text, self.current = title, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(printable(self.title_text), classes="dialog-title")
            yield Input(value=self.current, id="name-input")
            yield Static("enter saves · escape keeps it", classes="hint", markup=False)

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        self.dismiss(name if name and name != self.current else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
