"""Import and export dialogs: where from / where to, checked before anything runs."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, Select, Static

from planner.core.moments import day_label
from planner.core.safetext import printable
from planner.core.when import WhenError, parse_date
from planner.ui.screens.dialog import Dialog

if TYPE_CHECKING:
    from planner.app.exporting import ExportPreview

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
    sphere: str | None  # None: as the calendar was (a new one: work), as `planner import`
    calendar: str = ""


@dataclass(frozen=True)
class ExportRequest:
    path: str
    first: date
    last: date
    busy_only: tuple[str, ...] = ()  # spheres (and the spheres under them) as Busy
    private_as_busy: bool = False  # personal spheres and private events as Busy


@dataclass(frozen=True)
class Audience:
    """One choice of who the file is for."""

    key: str
    label: str
    busy_only: tuple[str, ...] = ()
    private_as_busy: bool = False


AUDIENCES = (
    Audience("me", "Me: every detail"),
    Audience("colleagues", "Colleagues: personal and private blocks as Busy",
             private_as_busy=True),
    Audience("anyone", "Anyone: everything as Busy", ("work", "personal"), True),
)
# (first, last, busy_only, private_as_busy) -> the sample event as a reader sees it.
PreviewFn = Callable[[date, date, tuple[str, ...], bool], "ExportPreview | None"]


Request = TypeVar("Request")


class _Dialog(Dialog[Request | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog-cancel"),
    ]

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def error(self, field: str, message: str) -> None:
        self.query_one(f"#err-{field}", Static).update(printable(message))
        self.query_one(f"#err-{field}", Static).add_class("-shown")

    def clear_errors(self) -> None:
        for err in self.query(".field-error"):
            assert isinstance(err, Static)
            err.update("")
            err.remove_class("-shown")


class ImportScreen(_Dialog["ImportRequest"]):
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
            yield Static(classes="field-error", id="err-location", markup=False)
            yield Label("Sphere for its events", classes="field-label")
            # Left alone, a calendar imported before keeps its sphere (a default of "work"
            # would move an updated home calendar to work) and a new one is work.
            yield Select([(Content(printable(s)), s) for s in self.spheres],
                         prompt="as before (a new calendar: work)", id="sphere")
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
        self.dismiss(ImportRequest(location, None if sphere is Select.NULL else str(sphere),
                                   calendar))


class ExportScreen(_Dialog["ExportRequest"]):
    """Returns an :class:`ExportRequest`, or None.

    Below the audience choice, one sample event is shown exactly as the file will hold
    it for that audience, so what a colleague will see is checked before writing.
    """

    AUTO_FOCUS = "#path"

    def __init__(self, first: date, last: date, today: date, spheres: tuple[str, ...],
                 preview: PreviewFn | None = None) -> None:
        super().__init__()
        self.first, self.last, self.today, self.spheres = first, last, today, spheres
        self.preview = preview

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label("Export to iCalendar", classes="dialog-title")
            yield Label("Save as — tab completes", classes="field-label")
            yield Input(value="planner.ics", id="path", suggester=PathSuggester())
            yield Static(classes="field-error", id="err-path", markup=False)
            yield Label("From (fri, 2027-01-04, +3 …) to (inclusive)", classes="field-label")
            with Horizontal(id="export-range"):
                yield Input(value=self.first.isoformat(), id="first")
                yield Input(value=self.last.isoformat(), id="last")
            yield Static(classes="field-error", id="err-first", markup=False)
            yield Static(classes="field-error", id="err-last", markup=False)
            yield Label("Who is it for?", classes="field-label")
            yield Select([(a.label, a.key) for a in AUDIENCES], value=AUDIENCES[0].key,
                         allow_blank=False, id="audience")
            if self.preview is not None:
                yield Label("What a reader sees (one sample event)", classes="field-label")
                yield Static("…", id="audience-preview", markup=False)
            # Docked: the buttons stay in sight while the preview scrolls.
            with Horizontal(classes="buttons", id="export-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Export", variant="primary", id="ok")

    def on_mount(self) -> None:
        self._show_preview()

    @property
    def audience(self) -> Audience:
        chosen = self.query_one("#audience", Select).value
        return next((a for a in AUDIENCES if a.key == chosen), AUDIENCES[0])

    @on(Select.Changed, "#audience")
    @on(Input.Changed, "#first, #last")
    def _show_preview(self) -> None:
        if self.preview is None:
            return
        first, last = self._quiet_date("first"), self._quiet_date("last")
        shown = self.query_one("#audience-preview", Static)
        if first is None or last is None or last < first:
            shown.update("Give the dates to see a sample.")
            return
        audience = self.audience
        self._load_preview(first, last, audience.busy_only, audience.private_as_busy)

    @work(thread=True, exclusive=True, group="export-preview")
    def _load_preview(self, first: date, last: date, busy_only: tuple[str, ...],
                      private_as_busy: bool) -> None:
        assert self.preview is not None
        try:
            sample = self.preview(first, last, busy_only, private_as_busy)
        except Exception as exc:  # a preview must never take the dialog down
            text = f"No preview: {exc}"
        else:
            text = "Nothing in these days to show." if sample is None else (
                f"{sample.title!r} goes out {'as Busy' if sample.busy else 'in full'}:\n"
                f"{sample.text}" + "".join(f"\n{s}" for s in sample.left_out))
        self.app.call_from_thread(self._set_preview, text)

    def _set_preview(self, text: str) -> None:
        if self.is_mounted:
            self.query_one("#audience-preview", Static).update(printable(text, lines=True))

    def _quiet_date(self, field: str) -> date | None:
        try:
            return parse_date(self.query_one(f"#{field}", Input).value, today=self.today)
        except WhenError:
            return None

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
        # Whole, so "Exported … to" says where a bare "planner.ics" went: the folder the
        # app was started in is nowhere on the screen.
        path = Path(path_text).expanduser().absolute()
        if not path.parent.is_dir():
            self.error("path", f"There is no folder {path.parent}.")
            return
        if first is None or last is None:
            return
        if last < first:
            self.error("last", f"Ends before it starts ({day_label(first)}).")
            return
        audience = self.audience
        self.dismiss(ExportRequest(str(path), first, last, audience.busy_only,
                                   audience.private_as_busy))
