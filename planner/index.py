"""An in-memory index of fixed blocks by day, so a day is answered without a scan.

Single (non-recurring) blocks are bucketed by the calendar dates they touch; series
masters and their overrides are expanded by ``recurrence`` (the source of truth) once
per month window and cached. Pure: built from blocks, no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from planner.model import Block, Occurrence
from planner.recurrence import occurrences

# Blocks longer than this are kept in one list scanned on every query instead of being
# copied into every day bucket they touch (a "sabbatical" all-day block, say).
_LONG = timedelta(days=45)
# Zones run from UTC-12 to UTC+14: a day in any zone lies within these UTC dates.
_SLACK = timedelta(days=1)


def _bucket_date(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            return moment.astimezone(UTC).date()
        return moment.date()
    return moment


class OccurrenceIndex:
    def __init__(self, blocks: Iterable[Block]) -> None:
        self._buckets: dict[date, list[Block]] = defaultdict(list)
        self._long: list[Block] = []
        self._series: list[Block] = []
        # The series cache: (zone key, month start) -> occurrences of every series.
        self._month_cache: dict[tuple[str, date], list[Occurrence]] = {}
        self.size = 0
        for block in blocks:
            self.add(block)

    def add(self, block: Block) -> None:
        if not block.is_fixed or block.start is None or block.end is None:
            return
        self.size += 1
        if block.is_recurring or (block.source is not None and block.source.recurrence_id):
            # Overrides travel with their series so a moved instance replaces its slot.
            self._series.append(block)
            self._month_cache.clear()
            return
        first, last = _bucket_date(block.start), _bucket_date(block.end)
        if last - first > _LONG:
            self._long.append(block)
            return
        day = first
        while day <= last:
            self._buckets[day].append(block)
            day += timedelta(days=1)

    def between(self, start: datetime, end: datetime, zone: ZoneInfo) -> list[Occurrence]:
        """Every fixed occurrence overlapping [start, end), sorted by start."""
        candidates: dict[str, Block] = {}
        day = (start.astimezone(UTC) - _SLACK).date()
        last = (end.astimezone(UTC) + _SLACK).date()
        while day <= last:
            for block in self._buckets.get(day, ()):
                candidates[block.id] = block
            day += timedelta(days=1)
        for block in self._long:
            candidates[block.id] = block
        found = occurrences(candidates.values(), start, end, zone)
        if self._series:
            found.extend(o for o in self._series_between(start, end, zone)
                         if _overlaps(o, start, end, zone))
        found.sort(key=lambda o: (_sort_key(o.start, zone), o.block.id))
        return found

    def _series_between(self, start: datetime, end: datetime, zone: ZoneInfo) -> list[Occurrence]:
        seen: set[tuple[str, object, object]] = set()
        result: list[Occurrence] = []
        month = date(start.year, start.month, 1) - timedelta(days=1)
        month = date(month.year, month.month, 1)
        stop = end.date()
        while month <= stop:
            for occ in self._month(month, zone):
                key = (occ.block.id, occ.start, occ.chunk)
                if key not in seen:
                    seen.add(key)
                    result.append(occ)
            month = (month + timedelta(days=32)).replace(day=1)
        return result

    def _month(self, month: date, zone: ZoneInfo) -> list[Occurrence]:
        key = (zone.key, month)
        cached = self._month_cache.get(key)
        if cached is None:
            next_month = (month + timedelta(days=32)).replace(day=1)
            start = datetime(month.year, month.month, 1, tzinfo=zone)
            end = datetime(next_month.year, next_month.month, 1, tzinfo=zone)
            cached = occurrences(self._series, start, end, zone)
            self._month_cache[key] = cached
        return cached


def _sort_key(moment: datetime | date, zone: ZoneInfo) -> datetime:
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    return datetime(moment.year, moment.month, moment.day, tzinfo=zone)


def _overlaps(occ: Occurrence, start: datetime, end: datetime, zone: ZoneInfo) -> bool:
    return _sort_key(occ.start, zone) < end and _sort_key(occ.end, zone) > start
