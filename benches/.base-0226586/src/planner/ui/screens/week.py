"""The week view: seven days side by side, same colours, and the week's balance."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static

from planner.core.insights import nudges
from planner.ui.markup import sphere_chip, sphere_order
from planner.ui.view import day_label, minutes_text, sphere_letter, timed_items
from planner.ui.widgets.week import DayColumn, DayColumnData, WeekChart, WeekChartData

if TYPE_CHECKING:
    from planner.app.service import PlannerService


class WeekScreen(Screen[date | None]):
    """Returns the day to show in the day view (None: stay where it was)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "shift(-1)", "Prev day", show=False, id="week-prev-day"),
        Binding("right,l", "shift(1)", "Next day", show=False, id="week-next-day"),
        Binding("pageup,shift+left,H", "shift(-7)", "Prev week", id="week-prev"),
        Binding("pagedown,shift+right,L", "shift(7)", "Next week", id="week-next"),
        Binding("t", "today", "Today", id="week-today"),
        Binding("enter", "open", "Open day", id="week-open"),
        Binding("escape,w", "back", "Back", id="week-back"),
    ]

    selected: reactive[date] = reactive(date(2000, 1, 1), init=False)

    def __init__(self, day: date) -> None:
        super().__init__()
        self.set_reactive(WeekScreen.selected, day)
        self._monday: date | None = None

    @property
    def service(self) -> PlannerService:
        return self.app.service  # type: ignore[attr-defined,no-any-return]

    def compose(self) -> ComposeResult:
        yield Static(id="week-header")
        with VerticalScroll(id="week-days"), Horizontal(id="week-columns"):
            for n in range(7):
                yield DayColumn(id=f"week-day-{n}")
        yield WeekChart(id="week-chart")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_data()

    def watch_selected(self, old: date, new: date) -> None:
        if self._monday is not None and self._monday <= new < self._monday + timedelta(days=7):
            self._fill(reload=False)
        else:
            self.refresh_data()

    def refresh_data(self) -> None:
        self._fill(reload=True)

    def _fill(self, *, reload: bool) -> None:
        service = self.service
        monday = self.selected - timedelta(days=self.selected.weekday())
        if reload or monday != self._monday or not hasattr(self, "_plans"):
            self._monday = monday
            days = [monday + timedelta(days=n) for n in range(7)]
            self._plans = {d: service.day_plan(d) for d in days}
            self._week = service.week_insights(monday)
        today = service.today()
        for n, (day, plan) in enumerate(self._plans.items()):
            self.query_one(f"#week-day-{n}", DayColumn).data = DayColumnData(
                day=day, items=tuple(timed_items(day, service.zone, plan.occurrences)),
                all_day=tuple((o.title, o.sphere) for o in plan.all_day),
                unplaced=len(plan.unplaced), today=day == today, selected=day == self.selected)
        week = self._week
        self.query_one(WeekChart).data = WeekChartData(
            days=tuple(week.days), selected=self.selected,
            nudges=tuple(nudges(week, service.settings)))
        sums = "  ".join(sphere_chip(s, f"{sphere_letter(s)} {minutes_text(m)}")
                         for s, m in sphere_order(week.minutes_by_sphere))
        self.query_one("#week-header", Static).update(
            f"[b]Week of {day_label(monday, year=True)}[/]  {sums}  "
            f"switches {week.switches}  bleed {minutes_text(week.bleed_minutes)}")

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
