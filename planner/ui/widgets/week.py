"""Week widgets: one column per day and a chart of the week's balance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from textual import events
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from planner.core.insights import DayInsights
from planner.core.moments import day_label
from planner.core.safetext import printable
from planner.ui.markup import bar, joined, plain, sphere_chip, sphere_order
from planner.ui.view import (
    Item,
    hhmm,
    minutes_text,
    sphere_letter,
    sphere_minutes,
    with_lock,
)
from planner.ui.widgets.timeline import fit


@dataclass(frozen=True)
class DayColumnData:
    day: date
    items: tuple[Item, ...] = ()
    all_day: tuple[tuple[str, str, bool], ...] = ()  # (title, sphere, private)
    unplaced: int = 0
    today: bool = False
    selected: bool = False


class DayColumn(Widget):
    """One day of the week view; a click posts ``Picked``."""

    DEFAULT_CSS = """
    DayColumn { width: 1fr; height: auto; min-height: 100%; padding: 0 0 0 1; }
    DayColumn.-selected { background: $boost; }
    """

    data: reactive[DayColumnData | None] = reactive(None, always_update=True, layout=True)

    class Picked(Message):
        def __init__(self, day: date, opened: bool) -> None:
            super().__init__()
            self.day = day
            self.opened = opened

    def watch_data(self, data: DayColumnData | None) -> None:
        self.set_class(bool(data and data.selected), "-selected")

    def on_click(self, event: events.Click) -> None:
        if self.data is not None:
            self.post_message(self.Picked(self.data.day, opened=event.chain >= 2))

    def render(self) -> Content:
        data = self.data
        if data is None:
            return Content("")
        width = max(4, self.size.width - 1)
        label = day_label(data.day)
        head = label if len(label) <= width else label.rsplit(" ", 1)[0]  # "Mon 23"
        style = "bold reverse" if data.selected else ("bold $accent" if data.today else "bold")
        lines: list[Content | str] = [plain(head, style)]
        totals = sphere_minutes(data.items)  # time counts once, as in the header
        lines.append(_totals_line(sphere_order(totals), width) or plain("free", "dim"))
        for title, sphere, private in data.all_day:
            text = with_lock(printable(title), private)
            lines.append(Content.assemble(sphere_chip(sphere, "▬"),
                                          plain(fit(text, width - 3).rstrip())))
        wide = width >= 17
        for item in data.items:
            chip = sphere_chip(item.sphere, item.mark + item.letter)
            if wide:
                titled = with_lock(item.title, item.private, " ")  # as in the day view
                text = fit(f"{hhmm(item.start)} {titled}", width - 5).rstrip()
                lines.append(Content.assemble(chip, plain(text)))
            else:
                # A narrow column (80 columns: 9 cells) has no room beside the time: the
                # lock leads the title's line, in place of its indent.
                lead = "" if item.private else " "
                title = with_lock(item.title, item.private)
                lines.append(Content.assemble(chip, hhmm(item.start)))
                lines.append(Content.assemble(
                    lead, plain(fit(title, width - len(lead)).rstrip(), "dim")))
        if data.unplaced:
            lines.append(plain(f"{data.unplaced} unplaced", "$warning"))
        return joined(lines, "\n")


def _totals_line(totals: list[tuple[str, int]], width: int) -> str:
    """Each sphere's time on one line: a column's rows must line up with its
    neighbours', so a narrow column rounds to whole hours (the chart below is exact)."""
    exact = " ".join(f"{sphere_letter(s)}{minutes_text(m)}" for s, m in totals)
    if len(exact) <= width:
        return exact
    return " ".join(f"{sphere_letter(s)}{minutes_text(m) if m < 60 else f'{(m + 30) // 60}h'}"
                    for s, m in totals)


@dataclass(frozen=True)
class WeekChartData:
    days: tuple[DayInsights, ...] = ()
    selected: date | None = None
    nudges: tuple[str, ...] = field(default_factory=tuple)


class WeekChart(Widget):
    """Bars per day split by sphere, with switch counts and bleed."""

    DEFAULT_CSS = """
    WeekChart { height: auto; padding: 0 1; }
    """

    data: reactive[WeekChartData] = reactive(WeekChartData, always_update=True, layout=True)

    def render(self) -> Content:
        days = self.data.days
        if not days:
            return Content("")
        most = max((sum(d.minutes_by_sphere.values()) for d in days), default=0) or 1
        label_w = 7
        tail_w = 34
        bar_w = max(6, self.size.width - 2 - label_w - tail_w)
        lines: list[Content | str] = []
        for d in days:
            pointer = "▸" if d.date == self.data.selected else " "
            minutes = d.minutes_by_sphere
            sums = " ".join(f"{sphere_letter(s)} {minutes_text(m)}"
                            for s, m in sphere_order(minutes))
            extra: list[Content | str] = [f"{d.switches} sw"]
            if d.bleed_minutes:
                extra += [" · ", plain(f"bleed {minutes_text(d.bleed_minutes)}", "$warning")]
            lines.append(Content.assemble(
                f"{pointer}{day_label(d.date)[:6]:<6} ", bar(minutes, most / bar_w, bar_w),
                f" {sums or 'free'} · ", *extra))
        for nudge in self.data.nudges:
            lines.append(plain(f"› {nudge}", "italic"))
        return joined(lines, "\n")
