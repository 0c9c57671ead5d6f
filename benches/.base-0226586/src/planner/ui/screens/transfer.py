"""Import and export dialogs: where from / where to, checked before anything runs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from planner.core.when import WhenError, parse_date
from planner.ui.view import day_label

URL_PREFIXES = ("http://", "https://", "webcal://", "webcals://")


class PathSuggester(Suggester):
    """Completes file paths: the first entry in the folder that starts with what's typed."""

    def __init__(self, suffixes: tuple[str, ...] = (".ics", ".ical", ".ifb")) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.suffixes = suffixes

    async def get_suggestion(self, value: str) -> str | None:
        if not value or value.startswith(URL_PREFIXES):
            return None
        expanded = os.path.expanduser(value)
        folder, stem = os.path.split(expanded)
        try:
            names = sorted(os.listdir(folder or "."))
        except OSError:
            return None
        for name in names:
            if not name.startswith(stem) or name == stem or name.startswith("."):
                continue
            full = os.path.join(folder, name)
            is_dir = os.path.isdir(full)
            if not is_dir and self.suffixes and not name.lower().endswith(self.suffixes):
                continue
            return value[: len(value) - len(stem)] + name + ("/" if is_dir else "")
        return None


@dataclass(frozen=True)
class ImportRequest:
    location: str
    sphere: str
    calendar: str = ""


@dataclass(frozen=True)
class ExportRequest:
    path: str
    first: date
    last: date
    busy_only: tuple[str, ...] = ()


class _Dialog(ModalScreen[object]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog-cancel"),
    ]

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def error(self, field: str, message: str) -> None:
        self.query_one(f"#err-{field}", Static).update(message)
        self.query_one(f"#err-{field}", Static).add_class("-shown")

    def clear_errors(self) -> None:
        for err in self.query(".field-error"):
            assert isinstance(err, Static)
            err.update("")
            err.remove_class("-shown")


class ImportScreen(_Dialog):
    """Returns an :class:`ImportRequest`, or None."""

    AUTO_FOCUS = "#location"

    def __init__(self, spheres: tuple[str, ...]) -> None:
        super().__init__()
        self.spheres = spheres

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label("Import a calendar", classes="dialog-title")
            yield Label("File or URL (.ics, webcal://, https://); tab completes",
                        classes="field-label")
            yield Input(placeholder="~/Downloads/work.ics", id="location",
                        suggester=PathSuggester())
            yield Static(classes="field-error", id="err-location")
            yield Label("Sphere for its events", classes="field-label")
            default = "work" if "work" in self.spheres else self.spheres[0]
            yield Select([(s, s) for s in self.spheres], value=default, allow_blank=False,
                         id="sphere")
            yield Label("Calendar name (optional; re-importing updates it)",
                        classes="field-label")
            yield Input(placeholder="from the file name", id="calendar")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Import", variant="primary", id="ok")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.clear_errors()
        location = self.query_one("#location", Input).value.strip()
        if not location:
            self.error("location", "Type a file path or a URL.")
            return
        if not location.startswith(URL_PREFIXES):
            path = Path(location).expanduser()
            if not path.is_file():
                self.error("location", f"No file at {path}.")
                return
            location = str(path)
        sphere = self.query_one("#sphere", Select).value
        calendar = self.query_one("#calendar", Input).value.strip()
        self.dismiss(ImportRequest(location, str(sphere), calendar))


class ExportScreen(_Dialog):
    """Returns an :class:`ExportRequest`, or None."""

    AUTO_FOCUS = "#path"

    def __init__(self, first: date, last: date, today: date, spheres: tuple[str, ...]) -> None:
        super().__init__()
        self.first, self.last, self.today, self.spheres = first, last, today, spheres

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label("Export to iCalendar", classes="dialog-title")
            yield Label("Save as — tab completes", classes="field-label")
            yield Input(value="planner.ics", id="path", suggester=PathSuggester())
            yield Static(classes="field-error", id="err-path")
            yield Label("From (fri, 2027-01-04, +3 …)", classes="field-label")
            yield Input(value=self.first.isoformat(), id="first")
            yield Static(classes="field-error", id="err-first")
            yield Label("To (inclusive)", classes="field-label")
            yield Input(value=self.last.isoformat(), id="last")
            yield Static(classes="field-error", id="err-last")
            yield Checkbox("Personal blocks as \"Busy\" (for sharing)", id="busy-only")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Export", variant="primary", id="ok")

    def _date(self, field: str) -> date | None:
        text = self.query_one(f"#{field}", Input).value
        try:
            return parse_date(text, today=self.today)
        except WhenError as exc:
            self.error(field, str(exc))
            return None

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.clear_errors()
        path_text = self.query_one("#path", Input).value.strip()
        first, last = self._date("first"), self._date("last")
        if not path_text:
            self.error("path", "Type where to save the file.")
            return
        path = Path(path_text).expanduser()
        if not path.parent.is_dir():
            self.error("path", f"There is no folder {path.parent}.")
            return
        if first is None or last is None:
            return
        if last < first:
            self.error("last", f"Ends before it starts ({day_label(first)}).")
            return
        busy = ("personal",) if self.query_one("#busy-only", Checkbox).value else ()
        self.dismiss(ExportRequest(str(path), first, last, busy))
