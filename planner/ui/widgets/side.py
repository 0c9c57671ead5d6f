"""The side panel: the selected block's details, unplaced blocks and the day's insights."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from planner.core.insights import DayInsights
from planner.core.model import Block
from planner.core.moments import clock_span, day_label
from planner.ui.markup import bar, joined, plain, sphere_chip, sphere_order
from planner.ui.view import MARKS, PRIVATE_MARK, minutes_text, sphere_letter, state_of
from planner.ui.widgets.text import set_text


@dataclass(frozen=True)
class Selection:
    """The selected block and, when it is on the timeline, when this occurrence runs."""

    block: Block
    start: datetime | None = None
    end: datetime | None = None
    reason: str = ""  # why it is unplaced, if it is
    due: str = ""  # the deadline in the user's zone, ready to print


@dataclass(frozen=True)
class SideData:
    selection: Selection | None = None
    unplaced: tuple[tuple[Block, str], ...] = ()
    selected_key: str | None = None
    done: tuple[Block, ...] = ()  # ticked-off flexible blocks of the day (off the timeline)
    insights: DayInsights | None = None
    nudges: tuple[str, ...] = field(default_factory=tuple)


def unplaced_key(block_id: str) -> str:
    return f"unplaced:{block_id}"


def details_text(sel: Selection | None) -> Content:
    if sel is None:
        return plain("Nothing selected. j/k or a click selects a block.", "dim")
    b = sel.block
    state = state_of(b)
    lines: list[Content | str] = [
        plain(f"{MARKS[state]} {b.title}", "bold"),
        Content.assemble(sphere_chip(b.sphere, sphere_letter(b.sphere) + " " + b.sphere),
                         f" · {state}")]
    if sel.start and sel.end:
        lines.append(f"{day_label(sel.start.date())} {clock_span(sel.start, sel.end)}")
    if b.is_flexible:
        lines.append(f"needs {minutes_text(int(b.length.total_seconds() // 60))}"
                     + (f", chunks ≥ {minutes_text(int(b.min_chunk.total_seconds() // 60))}"
                        if b.min_chunk else ""))
        if b.part_of_day:
            lines.append(f"prefers the {b.part_of_day}")
        if sel.due:
            lines.append(f"due {sel.due}")
        if b.priority:
            lines.append(f"priority {b.priority}")
        if b.energy:
            lines.append(f"energy: {b.energy}")
    if b.is_recurring:
        lines.append("↻ repeats")
    if b.is_private:
        lines.append(f"{PRIVATE_MARK} private: shared exports show only Busy")
    if b.location:
        lines.append(plain(f"@ {b.location}"))
    if b.source:
        lines.append(plain(f"from {b.source.calendar}", "dim"))
    if sel.reason:
        lines.append(plain(f"not placed: {sel.reason}", "$warning"))
    if b.notes:
        lines.append(plain(b.notes.strip()[:300], "dim", lines=True))
    return joined(lines, "\n")


def unplaced_text(unplaced: tuple[tuple[Block, str], ...], selected: str | None,
                  done: tuple[Block, ...] = ()) -> Content:
    lines: list[Content | str] = [] if unplaced else [
        plain("Everything flexible has a place.", "dim")]
    for block, reason in unplaced:
        pointer = "▸" if selected == unplaced_key(block.id) else " "
        minutes = minutes_text(int(block.length.total_seconds() // 60))
        chip = sphere_chip(block.sphere, MARKS["flexible"] + sphere_letter(block.sphere))
        lines.append(Content.assemble(pointer, chip, " ", plain(block.title, "bold"),
                                      f" {minutes}\n   ", plain(reason, "dim")))
    for block in done:
        pointer = "▸" if selected == unplaced_key(block.id) else " "
        chip = sphere_chip(block.sphere, MARKS["done"] + sphere_letter(block.sphere))
        lines.append(Content.assemble(pointer, chip, " ", plain(block.title, "strike"),
                                      " ", plain("done", "dim")))
    return joined(lines, "\n")


def insights_text(ins: DayInsights | None, nudges: tuple[str, ...], width: int = 14
                  ) -> Content:
    if ins is None:
        return Content("")
    total = sum(ins.minutes_by_sphere.values())
    lines: list[Content | str] = []
    scale = max(total, 1) / width
    if total:
        lines.append(bar(ins.minutes_by_sphere, scale, width))
    for sphere, minutes in sphere_order(ins.minutes_by_sphere):
        lines.append(Content.assemble(
            sphere_chip(sphere, sphere_letter(sphere) + " " + sphere), f" {minutes_text(minutes)}"))
    lines.append(f"switches {ins.switches} · focus {minutes_text(ins.longest_focus_minutes)}")
    if ins.bleed_minutes:
        lines.append(plain(f"bleed {minutes_text(ins.bleed_minutes)}", "$warning"))
    for nudge in nudges:
        lines.append(plain(f"› {nudge}", "italic"))
    return joined(lines, "\n")


class SidePanel(VerticalScroll, can_focus=False):
    """Receives ``data``; shows three small sections. Posts nothing: clicks go to the timeline."""

    DEFAULT_CSS = """
    SidePanel { width: 36; padding: 0 1; }
    SidePanel .side--title { text-style: bold; color: $text-muted; margin-top: 1; }
    """

    data: reactive[SideData] = reactive(SideData, always_update=True)

    def compose(self) -> ComposeResult:
        yield Static("Selected", classes="side--title")
        yield Static(id="side-details")
        yield Static("Unplaced", classes="side--title", id="side-unplaced-title")
        yield Static(id="side-unplaced")
        yield Static("Insights", classes="side--title")
        yield Static(id="side-insights")

    def watch_data(self, data: SideData) -> None:
        if not self.is_mounted:
            return
        set_text(self.query_one("#side-details", Static), details_text(data.selection))
        title = f"Unplaced ({len(data.unplaced)})" if data.unplaced else "Unplaced"
        set_text(self.query_one("#side-unplaced-title", Static), Content(title))
        set_text(self.query_one("#side-unplaced", Static),
                 unplaced_text(data.unplaced, data.selected_key, data.done))
        width = max(8, self.size.width - 4)
        set_text(self.query_one("#side-insights", Static),
                 insights_text(data.insights, data.nudges, width))

    def on_mount(self) -> None:
        self.watch_data(self.data)

    def on_resize(self) -> None:
        # The insights bar fills the panel's width: shown after being hidden (narrow
        # terminals, `s`), the panel has its real width only now.
        self.watch_data(self.data)
