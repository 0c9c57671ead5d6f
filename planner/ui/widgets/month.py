"""The month grid: six weeks of days, each with its count, a work-vs-personal bar and a
mark where blocks clash. A click posts ``Picked``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual import events
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from planner.core.model import PERSONAL, WORK
from planner.core.moments import WEEKDAY_NAMES
from planner.core.month import DaySummary
from planner.core.safetext import printable
from planner.ui.markup import bar, joined, plain
from planner.ui.palette import sphere_variable
from planner.ui.view import with_lock
from planner.ui.widgets.timeline import fit

MIN_CELL_LINES = 3  # day number and count, the bar, a blank line between weeks
HEADER_LINES = 1
FULL_DAY_MINUTES = 10 * 60  # a bar spans the cell at this many minutes


@dataclass(frozen=True)
class MonthGridData:
    month: date  # the first of the month shown
    days: tuple[DaySummary, ...]  # 42, Monday first
    selected: date
    today: date


class MonthGrid(Widget):
    DEFAULT_CSS = """
    MonthGrid { height: 1fr; width: 1fr; padding: 0 1; }
    """

    data: reactive[MonthGridData | None] = reactive(None, always_update=True)

    class Picked(Message):
        def __init__(self, day: date, opened: bool) -> None:
            super().__init__()
            self.day = day
            self.opened = opened

    def _cell_width(self) -> int:
        return max(6, self.size.width // 7)

    def _cell_lines(self) -> int:
        """Rows per week: the grid fills the height; spare rows list the day's titles."""
        return max(MIN_CELL_LINES, (self.size.height - HEADER_LINES) // 6)

    def on_click(self, event: events.Click) -> None:
        data = self.data
        if data is None or event.y < HEADER_LINES:
            return
        column = min(6, max(0, event.x // self._cell_width()))
        row = min(5, (event.y - HEADER_LINES) // self._cell_lines())
        self.post_message(self.Picked(data.days[row * 7 + column].day, event.chain >= 2))

    def render(self) -> Content:
        data = self.data
        if data is None:
            return Content("")
        width = self._cell_width()
        extra = self._cell_lines() - MIN_CELL_LINES  # rows for titles
        lines: list[Content | str] = [joined(plain(f"{name:<{width}}", "bold $text-muted")
                                             for name in WEEKDAY_NAMES)]
        for week in range(6):
            days = data.days[week * 7:(week + 1) * 7]
            lines.append(joined(self._head(s, data, width) for s in days))
            lines.append(joined(self._bar(s, data, width) for s in days))
            for n in range(extra):
                lines.append(joined(self._title(s, n, extra, data, width) for s in days))
            lines.append("")
        return joined(lines, "\n")

    @staticmethod
    def _title(summary: DaySummary, n: int, rows: int, data: MonthGridData,
               width: int) -> Content:
        """Row ``n`` of a day's titles; the last row says how many more there are."""
        titles = summary.titles
        more = summary.count - (rows - 1)
        if n == rows - 1 and more > 1:
            return plain(fit(f"+{more} more", width - 1) + " ", "dim")
        if n >= len(titles):
            return Content(" " * width)
        title, sphere, private = titles[n]
        dim = " dim" if summary.day.month != data.month.month else ""
        # The lock as in the day view, without its space: a cell is 9 wide at 80 columns.
        text = with_lock(printable(title), private)
        return Content.assemble(plain("▏", f"${sphere_variable(sphere)}{dim}"),
                                plain(fit(text, width - 2) + " ", dim.strip()))

    @staticmethod
    def _head(summary: DaySummary, data: MonthGridData, width: int) -> Content:
        day = summary.day
        text = f"{day.day:>2}" + (f" {summary.count}" if summary.count else "")
        clash = " !" if summary.conflicts else ""
        pad = " " * max(0, width - len(text) - len(clash))
        inside = day.month == data.month.month
        style = "bold reverse" if day == data.selected else (
            "bold $accent" if day == data.today else ("" if inside else "dim"))
        return Content.assemble(plain(text, style), plain(clash, "bold $error"), pad)

    @staticmethod
    def _bar(summary: DaySummary, data: MonthGridData, width: int) -> Content:
        cells = width - 2
        minutes = {WORK: summary.work_minutes, PERSONAL: summary.personal_minutes}
        if not any(minutes.values()):
            return Content(" " * width)
        shown = bar(minutes, FULL_DAY_MINUTES / cells, cells)
        if summary.day.month != data.month.month:
            shown = shown.stylize("dim")
        return Content.assemble(shown, "  ")
