"""The month view (`m`): the month's days at a glance; enter opens the day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from planner.core.moments import MONTH_NAMES
from planner.core.month import DaySummary
from planner.core.wording import counted
from planner.ui.markup import hidden_note, plain, sphere_chip
from planner.ui.messages import DataChanged, JobFailed, WritesChanged
from planner.ui.screens.dialog import Page
from planner.ui.screens.switch import SwitchView
from planner.ui.view import minutes_text
from planner.ui.widgets.busy import BusyBar
from planner.ui.widgets.footer import FittingFooter
from planner.ui.widgets.month import MonthGrid, MonthGridData
from planner.ui.widgets.text import set_text

if TYPE_CHECKING:
    from planner.app.service import PlannerService
    from planner.ui.services import Services


@dataclass(frozen=True)
class MonthData:
    month: date  # the first of the month
    today: date
    days: tuple[DaySummary, ...]


class MonthLoaded(Message, bubble=False):
    def __init__(self, data: MonthData) -> None:
        super().__init__()
        self.data = data


def load_month(service: PlannerService, first: date) -> MonthLoaded:
    """One month as the month view shows it. Runs in a job thread."""
    return MonthLoaded(MonthData(first, service.today(),
                                 tuple(service.month(first.year, first.month))))


def shift_month(day: date, months: int) -> date:
    """The same day ``months`` later, kept inside the month (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


class MonthScreen(Page[date | SwitchView | None]):
    """Returns the day to open in the day view (None: stay where it was), or the week
    view to open instead."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "shift(-1)", "Prev day", show=False, id="month-prev-day"),
        Binding("right,l", "shift(1)", "Next day", show=False, id="month-next-day"),
        Binding("up,k", "shift(-7)", "Prev week", show=False, id="month-prev-week"),
        Binding("down,j", "shift(7)", "Next week", show=False, id="month-next-week"),
        Binding("pageup,left_square_bracket,H", "month(-1)", "Prev month", id="month-prev"),
        Binding("pagedown,right_square_bracket,L", "month(1)", "Next month", id="month-next"),
        Binding("t", "today", "Today", id="month-today"),
        Binding("enter", "open", "Open day", id="month-open"),
        Binding("escape,m", "back", "Back", id="month-back"),
        Binding("w", "to_week", "Week", id="month-week"),
    ]

    selected: reactive[date] = reactive(date(2000, 1, 1), init=False)

    def __init__(self, services: Services, day: date) -> None:
        super().__init__()
        self.service = services.planner
        self.jobs = services.jobs
        self.set_reactive(MonthScreen.selected, day)
        self._data: MonthData | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="month-header")
        yield MonthGrid(id="month-grid")
        yield BusyBar(id="busy")
        yield FittingFooter()

    def on_mount(self) -> None:
        self._read()

    def _first(self) -> date:
        return self.selected.replace(day=1)

    def _read(self) -> None:
        first = self._first()
        self.jobs.read("month", lambda: load_month(self.service, first), reply_to=self)

    def watch_selected(self) -> None:
        if self._data is not None and self._data.month == self._first():
            self._fill()
        else:
            self._read()

    @on(MonthLoaded)
    def _loaded(self, event: MonthLoaded) -> None:
        if event.data.month == self._first():
            self._data = event.data
            self._fill()

    @on(DataChanged)
    def _data_changed(self) -> None:
        self._read()

    @on(WritesChanged)
    def _writes_changed(self, event: WritesChanged) -> None:
        busy = self.query_one(BusyBar)
        if event.description is None:
            busy.stop()
        else:
            busy.start(event.description + "…")

    @on(JobFailed)
    def _failed(self, event: JobFailed) -> None:
        self.notify(event.error, severity="error", timeout=8)

    def _fill(self) -> None:
        data = self._data
        assert data is not None
        self.query_one(MonthGrid).data = MonthGridData(data.month, data.days, self.selected,
                                                       data.today)
        inside = [d for d in data.days if d.day.month == data.month.month]
        work = sum(d.work_minutes for d in inside)
        personal = sum(d.personal_minutes for d in inside)
        clashes = sum(1 for d in inside if d.conflicts)
        hidden = sum(d.hidden for d in inside)
        clash_text = (plain(f"  {counted(clashes, 'day')} with clashes (!)",
                            "bold $error") if clashes else "")
        set_text(self.query_one("#month-header", Static), Content.assemble(
            plain(f"{MONTH_NAMES[data.month.month - 1]} {data.month.year}", "bold"), "  ",
            sphere_chip("work", "W " + minutes_text(work)), "  ",
            sphere_chip("personal", "P " + minutes_text(personal)), clash_text,
            hidden_note(hidden, any(d.hidden_at_least for d in inside)),
            plain("  day · blocks · bar: work█ personal▒", "dim")))

    @on(MonthGrid.Picked)
    def _picked(self, event: MonthGrid.Picked) -> None:
        self.selected = event.day
        if event.opened:
            self.dismiss(event.day)

    def action_shift(self, days: int) -> None:
        self.selected = self.selected + timedelta(days=days)

    def action_month(self, months: int) -> None:
        self.selected = shift_month(self.selected, months)

    def action_today(self) -> None:
        self.selected = self.service.today()

    def action_open(self) -> None:
        self.dismiss(self.selected)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_to_week(self) -> None:
        self.dismiss(SwitchView("week", self.selected))
