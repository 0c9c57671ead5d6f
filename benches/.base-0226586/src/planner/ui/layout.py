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
        bottom = max(top + 1, row_of(item.end, minutes_per_row, end=True))
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
