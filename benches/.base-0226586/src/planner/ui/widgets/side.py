"""The side panel: the selected block's details, unplaced blocks and the day's insights."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from planner.core.insights import DayInsights
from planner.core.model import Block
from planner.ui.markup import bar, esc, sphere_chip, sphere_order
from planner.ui.view import MARKS, day_label, hhmm, minutes_text, sphere_letter, state_of
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


def details_markup(sel: Selection | None) -> str:
    if sel is None:
        return "[dim]Nothing selected. j/k or a click selects a block.[/]"
    b = sel.block
    state = state_of(b)
    lines = [f"[b]{MARKS[state]} {esc(b.title)}[/]",
             f"{sphere_chip(b.sphere, sphere_letter(b.sphere) + ' ' + b.sphere)} · {state}"]
    if sel.start and sel.end:
        lines.append(f"{day_label(sel.start.date())} {hhmm(sel.start)}–{hhmm(sel.end)}")
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
    if b.location:
        lines.append(f"@ {esc(b.location)}")
    if b.source:
        lines.append(f"[dim]from {esc(b.source.calendar)}[/]")
    if sel.reason:
        lines.append(f"[$warning]not placed: {esc(sel.reason)}[/]")
    if b.notes:
        lines.append(f"[dim]{esc(b.notes.strip()[:300])}[/]")
    return "\n".join(lines)


def unplaced_markup(unplaced: tuple[tuple[Block, str], ...], selected: str | None,
                    done: tuple[Block, ...] = ()) -> str:
    lines = [] if unplaced else ["[dim]Everything flexible has a place.[/]"]
    for block, reason in unplaced:
        pointer = "▸" if selected == unplaced_key(block.id) else " "
        minutes = minutes_text(int(block.length.total_seconds() // 60))
        chip = sphere_chip(block.sphere, MARKS["flexible"] + sphere_letter(block.sphere))
        lines.append(f"{pointer}{chip} [b]{esc(block.title)}[/] {minutes}\n"
                     f"   [dim]{esc(reason)}[/]")
    for block in done:
        pointer = "▸" if selected == unplaced_key(block.id) else " "
        chip = sphere_chip(block.sphere, MARKS["done"] + sphere_letter(block.sphere))
        lines.append(f"{pointer}{chip} [s]{esc(block.title)}[/] [dim]done[/]")
    return "\n".join(lines)


def insights_markup(ins: DayInsights | None, nudges: tuple[str, ...], width: int = 14) -> str:
    if ins is None:
        return ""
    total = sum(ins.minutes_by_sphere.values())
    lines = []
    scale = max(total, 1) / width
    if total:
        lines.append(bar(ins.minutes_by_sphere, scale, width))
    for sphere, minutes in sphere_order(ins.minutes_by_sphere):
        lines.append(f"{sphere_chip(sphere, sphere_letter(sphere) + ' ' + sphere)}"
                     f" {minutes_text(minutes)}")
    lines.append(f"switches {ins.switches} · focus {minutes_text(ins.longest_focus_minutes)}")
    if ins.bleed_minutes:
        lines.append(f"[$warning]bleed {minutes_text(ins.bleed_minutes)}[/]")
    for nudge in nudges:
        lines.append(f"[i]› {esc(nudge)}[/]")
    return "\n".join(lines)


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
        set_text(self.query_one("#side-details", Static), details_markup(data.selection))
        title = f"Unplaced ({len(data.unplaced)})" if data.unplaced else "Unplaced"
        set_text(self.query_one("#side-unplaced-title", Static), title)
        set_text(self.query_one("#side-unplaced", Static),
                 unplaced_markup(data.unplaced, data.selected_key, data.done))
        width = max(8, self.size.width - 4)
        set_text(self.query_one("#side-insights", Static),
                 insights_markup(data.insights, data.nudges, width))

    def on_mount(self) -> None:
        self.watch_data(self.data)
