"""Interval algebra on half-open (start, end) pairs, shared by the planner and insights.

Pure and generic: the scheduler works in integer seconds, insights in UTC datetimes.
Every function accepts intervals in any order, possibly overlapping or empty, and
returns sorted, disjoint, non-empty ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar

Point = TypeVar("Point", int, datetime)


def merge(intervals: Iterable[tuple[Point, Point]]) -> list[tuple[Point, Point]]:
    """Sorted and disjoint: overlapping or touching intervals become one."""
    merged: list[tuple[Point, Point]] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def intersect(a: Iterable[tuple[Point, Point]], b: Iterable[tuple[Point, Point]]
              ) -> list[tuple[Point, Point]]:
    """The time covered by both ``a`` and ``b``."""
    xs, ys = merge(a), merge(b)
    out: list[tuple[Point, Point]] = []
    i = j = 0
    while i < len(xs) and j < len(ys):
        lo = max(xs[i][0], ys[j][0])
        hi = min(xs[i][1], ys[j][1])
        if lo < hi:
            out.append((lo, hi))
        if xs[i][1] < ys[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Iterable[tuple[Point, Point]], b: Iterable[tuple[Point, Point]]
             ) -> list[tuple[Point, Point]]:
    """The time in ``a`` not covered by ``b``."""
    cuts = merge(b)
    out: list[tuple[Point, Point]] = []
    for start, end in merge(a):
        cursor = start
        for cut_start, cut_end in cuts:
            if cut_end <= cursor or cut_start >= end:
                continue
            if cut_start > cursor:
                out.append((cursor, cut_start))
            cursor = max(cursor, cut_end)
        if cursor < end:
            out.append((cursor, end))
    return out
