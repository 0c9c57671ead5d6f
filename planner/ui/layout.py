"""Where each timeline item goes: rows for time, side-by-side columns for overlaps.

Pure geometry, no Textual: easy to test, and the widget only paints the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from planner.ui.view import Item

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class Box:
    item: Item
    top: int  # first row
    bottom: int  # one past the last row
    column: int
    columns: int  # how many columns its overlap group uses

    @property
    def height(self) -> int:
        return self.bottom - self.top


def row_of(moment: datetime, minutes_per_row: int, *, end: bool = False) -> int:
    """The row a wall-clock time falls on; an end at midnight is the day's last row."""
    minutes = moment.hour * 60 + moment.minute
    if end and minutes == 0:
        minutes = MINUTES_PER_DAY
    if end:
        return -(-minutes // minutes_per_row)
    return minutes // minutes_per_row


def layout(items: Sequence[Item], minutes_per_row: int) -> list[Box]:
    """Rows per item and columns per overlap group (items sharing a row never overlap)."""
    spans = []
    for item in items:
        top = row_of(item.start, minutes_per_row)
        bottom = row_of(item.end, minutes_per_row, end=True)
        if bottom <= top and item.minutes > 0:
            # Ends at a wall time before its start: the clocks went back meanwhile (02:30
            # CEST–02:00 CET). Drawn as long as it really lasts, not as one row.
            bottom = top + -(-item.minutes // minutes_per_row)
        bottom = max(top + 1, bottom)
        spans.append((top, bottom, item))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0]), s[2].key))
    boxes: list[Box] = []
    group: list[tuple[int, int, Item, int]] = []
    group_end = -1
    column_ends: list[int] = []

    def close() -> None:
        width = max((c for *_, c in group), default=-1) + 1
        boxes.extend(Box(item, top, bottom, col, width) for top, bottom, item, col in group)

    for top, bottom, item in spans:
        if top >= group_end and group:
            close()
            group, column_ends = [], []
        for col, col_end in enumerate(column_ends):
            if col_end <= top:
                column_ends[col] = bottom
                break
        else:
            col = len(column_ends)
            column_ends.append(bottom)
        group.append((top, bottom, item, col))
        group_end = max(group_end, bottom) if group_end > top else bottom
    if group:
        close()
    return boxes


def column_span(column: int, columns: int, width: int) -> tuple[int, int]:
    """Start and end x of a column in ``width`` cells, one blank cell between columns."""
    x0 = column * width // columns
    x1 = (column + 1) * width // columns
    if column < columns - 1:
        x1 -= 1
    return x0, max(x0 + 1, x1)


def opening_row(items: Sequence[Item], *, day_start_hour: int, minutes_per_row: int,
                height: int, now: datetime | None = None) -> int:
    """The row a day opens scrolled to: its first block in view, and "now" on today.

    A day opens at the start of the waking day (``[day] start``), or at the full hour
    of its first block when that comes earlier (a 06:30 flight), so nothing starts
    above the view. A block running on from the night before (clipped at midnight)
    does not pull the view to 00:00. On today, the first block stays in view while
    "now" is in the upper two thirds of the view, where the next hours show below it;
    later in the day the view opens an hour before now, as the day is about what is
    next. Before the waking day starts, today opens like any other day.
    """
    per_hour = 60 // minutes_per_row
    top = day_start_hour * per_hour
    starts = [row_of(i.start, minutes_per_row) for i in items
              if i.state != "bridge" and (i.start.hour, i.start.minute) != (0, 0)]
    if starts:
        top = min(top, min(starts) // per_hour * per_hour)
    if now is not None and now.hour >= day_start_hour:
        now_row = row_of(now, minutes_per_row)
        ahead = max(1, height // 3)
        if not top <= now_row < top + max(1, height - ahead):
            top = (now.hour - 1) * per_hour
    return max(0, top)
