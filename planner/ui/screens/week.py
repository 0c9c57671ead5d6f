"""The week view: seven days side by side, same colours, and the week's balance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from planner.core.insights import WeekInsights, nudges
from planner.core.moments import day_label
from planner.ui.markup import hidden_note, joined, plain, sphere_chip, sphere_order
from planner.ui.messages import DataChanged, JobFailed, WritesChanged
from planner.ui.screens.dialog import Page
from planner.ui.screens.switch import SwitchView
from planner.ui.view import Item, minutes_text, sphere_letter, timed_items
from planner.ui.widgets.busy import BusyBar
from planner.ui.widgets.footer import FittingFooter
from planner.ui.widgets.week import DayColumn, DayColumnData, WeekChart, WeekChartData

if TYPE_CHECKING:
    from planner.app.service import PlannerService
    from planner.ui.services import Services


@dataclass(frozen=True)
class WeekDay:
    day: date
    items: tuple[Item, ...]
    all_day: tuple[tuple[str, str, bool], ...]  # (title, sphere, private)
    unplaced: int


@dataclass(frozen=True)
class WeekData:
    monday: date
    today: date
    days: tuple[WeekDay, ...]
    insights: WeekInsights
    nudges: tuple[str, ...]
    hidden: tuple[int, bool] = (0, False)  # left out by the expansion bounds; more?


class WeekLoaded(Message, bubble=False):
    def __init__(self, data: WeekData) -> None:
        super().__init__()
        self.data = data


def load_week(service: PlannerService, monday: date) -> WeekLoaded:
    """The seven days from ``monday`` as the week view shows them. Runs in a job thread."""
    days = []
    hidden, more = 0, False
    for n in range(7):
        day = monday + timedelta(days=n)
        plan = service.day_plan(day)
        hidden, more = hidden + plan.hidden[0], more or plan.hidden[1]
        days.append(WeekDay(day, tuple(timed_items(day, service.zone, plan.occurrences)),
                            tuple((o.title, o.sphere, o.block.is_private)
                                  for o in plan.all_day),
                            len(plan.unplaced)))
    week = service.week_insights(monday)
    return WeekLoaded(WeekData(monday, service.today(), tuple(days), week,
                               tuple(nudges(week, service.settings)), (hidden, more)))


class WeekScreen(Page[date | SwitchView | None]):
    """Returns the day to show in the day view (None: stay where it was), or the month
    view to open instead."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "shift(-1)", "Prev day", show=False, id="week-prev-day"),
        Binding("right,l", "shift(1)", "Next day", show=False, id="week-next-day"),
        Binding("pageup,shift+left,H", "shift(-7)", "Prev week", id="week-prev"),
        Binding("pagedown,shift+right,L", "shift(7)", "Next week", id="week-next"),
        Binding("t", "today", "Today", id="week-today"),
        Binding("enter", "open", "Open day", id="week-open"),
        Binding("escape,w", "back", "Back", id="week-back"),
        Binding("m", "to_month", "Month", id="week-month"),
    ]

    selected: reactive[date] = reactive(date(2000, 1, 1), init=False)

    def __init__(self, services: Services, day: date) -> None:
        super().__init__()
        self.service = services.planner
        self.jobs = services.jobs
        self.set_reactive(WeekScreen.selected, day)
        self._data: WeekData | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="week-header")
        with VerticalScroll(id="week-days"), Horizontal(id="week-columns"):
            for n in range(7):
                yield DayColumn(id=f"week-day-{n}")
        yield WeekChart(id="week-chart")
        yield BusyBar(id="busy")
        yield FittingFooter()

    def on_mount(self) -> None:
        self._read()

    def _monday(self) -> date:
        return self.selected - timedelta(days=self.selected.weekday())

    def _read(self) -> None:
        monday = self._monday()
        self.jobs.read("week", lambda: load_week(self.service, monday), reply_to=self)

    def watch_selected(self) -> None:
        if self._data is not None and self._data.monday == self._monday():
            self._fill()
        else:
            self._read()

    @on(WeekLoaded)
    def _loaded(self, event: WeekLoaded) -> None:
        if event.data.monday == self._monday():
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
        for n, day in enumerate(data.days):
            self.query_one(f"#week-day-{n}", DayColumn).data = DayColumnData(
                day=day.day, items=day.items, all_day=day.all_day, unplaced=day.unplaced,
                today=day.day == data.today, selected=day.day == self.selected)
        week = data.insights
        self.query_one(WeekChart).data = WeekChartData(
            days=tuple(week.days), selected=self.selected, nudges=data.nudges)
        sums = joined((sphere_chip(s, f"{sphere_letter(s)} {minutes_text(m)}")
                       for s, m in sphere_order(week.minutes_by_sphere)), "  ")
        self.query_one("#week-header", Static).update(Content.assemble(
            plain(f"Week of {day_label(data.monday, year=True)}", "bold"), "  ", sums,
            f"  switches {week.switches}  bleed {minutes_text(week.bleed_minutes)}",
            hidden_note(*data.hidden)))

    @on(DayColumn.Picked)
    def _picked(self, event: DayColumn.Picked) -> None:
        self.selected = event.day
        if event.opened:
            self.dismiss(event.day)

    def action_shift(self, days: int) -> None:
        self.selected = self.selected + timedelta(days=days)

    def action_today(self) -> None:
        self.selected = self.service.today()

    def action_open(self) -> None:
        self.dismiss(self.selected)

    def action_back(self) -> None:
        self.dismiss(self.selected)

    def action_to_month(self) -> None:
        self.dismiss(SwitchView("month", self.selected))
