"""The day's timeline: an hour ruler and every timed block placed by its time.

A Line API widget: it paints each row itself, so overlapping blocks sit in columns,
borders tell fixed (heavy) from flexible (dashed) and pinned (heavy dashed) blocks,
and the whole day scrolls without a widget per block.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from planner.core.moments import clock_span, wall_clock
from planner.ui.layout import Box, column_span, layout, row_of
from planner.ui.view import PRIVATE_MARK, Item, hhmm, minutes_text, with_lock

RULER = 6
SELECTED_MARK = "▸"  # leads the selected block's header
# (top-left, horizontal, top-right, vertical, bottom-left, bottom-right) per state.
BORDERS = {
    "fixed": ("┏", "━", "┓", "┃", "┗", "┛"),
    "flexible": ("┌", "╌", "┐", "╎", "└", "┘"),
    "pinned": ("┏", "┅", "┓", "┇", "┗", "┛"),
    "done": ("┌", "╌", "┐", "╎", "└", "┘"),
    "bridge": ("╭", "┈", "╮", "┊", "╰", "╯"),
}


@dataclass(frozen=True)
class TimelineData:
    """Everything the timeline shows; replaced as a whole on every refresh."""

    items: tuple[Item, ...] = ()
    now: datetime | None = None  # set when the day shown is today
    past: bool = False  # the whole day is over
    day_start_hour: int = 7
    day_end_hour: int = 22


def fit(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` cells at a word boundary where possible, with an ellipsis.

    Counted in terminal cells, not characters: a lock or a CJK title takes two."""
    if width <= 0:
        return ""
    cells = cell_len(text)
    if cells <= width:
        return text + " " * (width - cells)
    if width == 1:
        return set_cell_size(text, 1)
    cut = set_cell_size(text, width - 1)
    space = cut.rfind(" ")
    if space >= width // 2:
        cut = cut[:space]
    cut = cut.rstrip() + "…"
    return cut + " " * (width - cell_len(cut))


class Timeline(ScrollView, can_focus=True, inherit_bindings=False):
    """Scrollable day timeline. Set ``data`` and ``selected``; it posts what was clicked.

    Arrow keys are left to the screen (they change day and selection), so only
    paging is bound here.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pageup", "page_up", "Page up", show=False, id="timeline-page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="timeline-page-down"),
    ]

    DEFAULT_CSS = """
    Timeline { background: $surface; scrollbar-size-vertical: 1; overflow-x: hidden; }
    Timeline:focus { background-tint: $foreground 3%; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"timeline--ruler", "timeline--now", "timeline--hour"}

    data: reactive[TimelineData] = reactive(TimelineData, always_update=True)
    selected: reactive[str | None] = reactive(None)
    minutes_per_row: reactive[int] = reactive(15)

    class Clicked(Message):
        """A block was clicked (``opened`` on a double click)."""

        def __init__(self, key: str, opened: bool) -> None:
            super().__init__()
            self.key = key
            self.opened = opened

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._boxes: list[Box] = []
        self._by_row: dict[int, list[Box]] = {}  # by column within a row
        self._colours: dict[str, Color] = {}
        # A day has a few hundred blocks: painted rows and box styles are kept until the
        # data, the selection, the width or the theme change, so scrolling and repaints
        # after a layout cost nothing but the rows that really changed.
        self._rows_painted: dict[tuple[int, int], Strip] = {}
        self._box_styles: dict[tuple[str, str, bool, bool], tuple[Style, Style, Style]] = {}
        self._details: dict[tuple[str, int], list[str]] = {}
        self._by_key: dict[str, Box] = {}
        self._now_row_cached: int | None = None

    # ------------------------------------------------------------------ data in

    def watch_data(self) -> None:
        self._relayout()

    def watch_minutes_per_row(self) -> None:
        self._relayout()

    def watch_selected(self, old: str | None, new: str | None) -> None:
        # Only the rows of the boxes losing and gaining the selection look different.
        for key in (old, new):
            box = self.box_for(key)
            if box is not None:
                for row in range(box.top, box.bottom):
                    for cached in [k for k in self._rows_painted if k[0] == row]:
                        del self._rows_painted[cached]
        self.refresh()
        self.reveal_selected()

    def _relayout(self) -> None:
        self._boxes = layout(self.data.items, self.minutes_per_row)
        self._by_key = {box.item.key: box for box in self._boxes}
        by_row: dict[int, list[Box]] = {}
        for box in self._boxes:
            for row in range(box.top, box.bottom):
                by_row.setdefault(row, []).append(box)
        self._by_row = {row: sorted(boxes, key=lambda b: b.column)
                        for row, boxes in by_row.items()}
        self._now_row_cached = self._now_row()
        self._forget_paint()
        self.virtual_size = Size(self.scrollable_content_region.width, self.rows)
        self.refresh()

    def _forget_paint(self, colours: bool = False) -> None:
        if colours:
            self._colours.clear()
            self._box_styles.clear()
        self._rows_painted.clear()
        self._details.clear()

    @property
    def rows(self) -> int:
        return 24 * 60 // self.minutes_per_row

    def on_resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.rows)
        self._forget_paint(colours=True)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_paint(colours=True)

    # ------------------------------------------------------------------ scrolling

    def row_for_hour(self, hour: int) -> int:
        return hour * 60 // self.minutes_per_row

    def scroll_to_hour(self, hour: int, *, animate: bool = False) -> None:
        self.scroll_to(y=max(0, self.row_for_hour(hour)), animate=animate)

    def scroll_to_morning(self) -> None:
        self.scroll_to_hour(self.data.day_start_hour)

    def scroll_to_evening(self) -> None:
        bottom = self.row_for_hour(self.data.day_end_hour)
        self.scroll_to(y=max(0, bottom - self.scrollable_content_region.height + 1),
                       animate=False)

    def box_for(self, key: str | None) -> Box | None:
        return None if key is None else self._by_key.get(key)

    def reveal_selected(self) -> None:
        box = self.box_for(self.selected)
        if box is None:
            return
        height = min(box.height, max(1, self.scrollable_content_region.height - 2))
        self.scroll_to_region(Region(0, box.top, 1, height), animate=False, force=True,
                              spacing=None)

    # ------------------------------------------------------------------ mouse

    def box_at(self, x: int, row: int) -> Box | None:
        area = self.scrollable_content_region.width - RULER
        for box in self._by_row.get(row, []):
            x0, x1 = column_span(box.column, box.columns, area)
            if RULER + x0 <= x < RULER + x1:
                return box
        return None

    def on_click(self, event: events.Click) -> None:
        box = self.box_at(event.x, event.y + int(self.scroll_offset.y))
        if box is not None:
            event.stop()
            self.post_message(self.Clicked(box.item.key, opened=event.chain >= 2))

    # ------------------------------------------------------------------ painting

    def _colour(self, name: str) -> Color:
        if name not in self._colours:
            variables = self.app.theme_variables
            raw = variables.get(name) or variables.get("primary") or "#888888"
            try:
                self._colours[name] = Color.parse(raw)
            except Exception:  # a theme value we can't read must not break drawing
                self._colours[name] = Color.parse("#888888")
        return self._colours[name]

    def render_line(self, y: int) -> Strip:
        _, scroll_y = self.scroll_offset
        row = y + int(scroll_y)
        width = self.scrollable_content_region.width
        if row >= self.rows:
            return Strip.blank(width, self.rich_style)
        strip = self._rows_painted.get((row, width))
        if strip is None:
            strip = self._rows_painted[row, width] = self._paint_row(row, width)
        return strip

    def _now_row(self) -> int | None:
        now = self.data.now
        return None if now is None else row_of(now, self.minutes_per_row)

    def _is_past(self, row: int) -> bool:
        if self.data.past:
            return True
        now_row = self._now_row_cached
        return now_row is not None and row < now_row

    def _paint_row(self, row: int, width: int) -> Strip:
        background = self._colour("surface")
        foreground = self._colour("foreground")
        muted = background.blend(foreground, 0.45)
        waking = (self.row_for_hour(self.data.day_start_hour) <= row
                  < self.row_for_hour(self.data.day_end_hour))
        lane_bg = background if waking else background.blend(Color(0, 0, 0), 0.25)
        is_now = row == self._now_row_cached
        segments = [self._ruler(row, background, foreground, muted, is_now)]
        area = width - RULER
        cells: list[Segment] = []
        cursor = 0
        lane_style = Style(bgcolor=lane_bg.rich_color)
        filler = "─" if is_now else " "
        filler_style = (Style(color=self._colour("error").rich_color, bgcolor=lane_bg.rich_color)
                        if is_now else lane_style)
        for box in self._by_row.get(row, ()):
            x0, x1 = column_span(box.column, box.columns, area)
            if x0 > cursor:
                cells.append(Segment(filler * (x0 - cursor), filler_style))
            cells.extend(self._paint_box(box, row, x1 - x0, background, foreground))
            cursor = x1
        if cursor < area:
            cells.append(Segment(filler * (area - cursor), filler_style))
        segments.extend(cells)
        return Strip(segments, width).crop(0, width)

    def _ruler(self, row: int, background: Color, foreground: Color, muted: Color,
               is_now: bool) -> Segment:
        per_hour = 60 // self.minutes_per_row
        if is_now and self.data.now is not None:
            return Segment(f"{hhmm(self.data.now)}▶", Style(
                color=self._colour("error").rich_color, bgcolor=background.rich_color,
                bold=True))
        past = self._is_past(row)
        colour = muted if past else foreground.blend(background, 0.2)
        if row % per_hour == 0:
            return Segment(f"{row // per_hour:02d}:00 ", Style(
                color=colour.rich_color, bgcolor=background.rich_color, bold=not past))
        if per_hour >= 2 and row % per_hour == per_hour // 2:
            return Segment("   ·  ", Style(color=muted.rich_color,
                                           bgcolor=background.rich_color))
        return Segment(" " * RULER, Style(bgcolor=background.rich_color))

    def _paint_box(self, box: Box, row: int, width: int, background: Color,
                   foreground: Color) -> list[Segment]:
        item = box.item
        selected = item.key == self.selected
        past = self._is_past(box.bottom - 1)
        style_key = (item.sphere, item.state, selected, past)
        styles = self._box_styles.get(style_key)
        if styles is None:
            styles = self._box_styles[style_key] = self._box_style(
                item.sphere, item.state, selected, past, background, foreground)
        body, title_style, edge_style = styles
        tl, h, tr, v, bl, br = BORDERS[item.state]
        r = row - box.top
        flag = "! " if item.conflict else ""  # double-booked: marked without colour too
        titled = with_lock(item.title, item.private, " ")
        header = f"{flag}{item.mark}{item.letter} {wall_clock(item.start)} {titled}"
        if width < 3:
            return [Segment(fit(item.mark + item.letter, width), title_style)]
        # The selection also shows without colour (monochrome terminals, colour-blind
        # eyes): a pointer where the header's edge or leading space would be.
        if box.height < 3:
            inner = width - 1
            line = header if r == 0 else self._details_of(item, inner)[0]
            lead = SELECTED_MARK if selected and r == 0 else v
            return [Segment(lead, edge_style),
                    Segment(fit(line, inner), title_style if r == 0 else body)]
        inner = width - 2
        if r == 0:
            lead = SELECTED_MARK if selected else " "
            label = fit(f"{lead}{header} ", inner).rstrip()
            return [Segment(tl, edge_style), Segment(label, title_style),
                    Segment(h * (inner - cell_len(label)), edge_style), Segment(tr, edge_style)]
        if r == box.height - 1:
            return [Segment(bl + h * inner + br, edge_style)]
        details = self._details_of(item, inner - 1)
        line = details[r - 1] if r - 1 < len(details) else ""
        return [Segment(v, edge_style), Segment(fit(" " + line, inner), body),
                Segment(v, edge_style)]

    def _box_style(self, sphere: str, state: str, selected: bool, past: bool,
                   background: Color, foreground: Color) -> tuple[Style, Style, Style]:
        """Body, title and edge styles of a box (blending colours is the slow part)."""
        colour = self._colour(f"sphere-{sphere}")
        strength = 0.55 if selected else 0.22
        fill = background.blend(colour, strength)
        text = foreground if not past else foreground.blend(fill, 0.35)
        edge = colour if not past else colour.blend(fill, 0.35)
        if selected:
            edge = foreground
        body = Style(color=text.rich_color, bgcolor=fill.rich_color)
        title_style = body + Style(bold=True, strike=state == "done")
        edge_style = Style(color=edge.rich_color, bgcolor=fill.rich_color, bold=selected)
        return body, title_style, edge_style

    def _details_of(self, item: Item, width: int) -> list[str]:
        key = (item.key, width)
        lines = self._details.get(key)
        if lines is None:
            lines = self._details[key] = self._detail_lines(item, width)
        return lines

    @staticmethod
    def _detail_lines(item: Item, width: int) -> list[str]:
        # Whole pieces only: "09:00–10:00 · 1h · work" rather than a word cut in half.
        first = clock_span(item.start, item.end)
        for piece in (minutes_text(item.minutes), item.sphere, item.state):
            if len(first) + 3 + len(piece) > width:
                break
            first += f" · {piece}"
        lines = [first]
        if item.location:
            lines.append(item.location)
        if item.recurring:
            lines.append("↻ repeats")
        if item.conflict:
            lines.append("! double-booked")
        if item.private:
            lines.append(f"{PRIVATE_MARK} private")
        return lines
