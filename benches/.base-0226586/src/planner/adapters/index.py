"""An in-memory index of fixed blocks by day, so a day is answered without a scan.

Built from raw stored documents: single (non-recurring) blocks are bucketed by the
ISO date prefix of their stored start and end (UTC for instants, wall date for
floating and all-day ones), so building the index for 50,000 events decodes nothing.
Blocks are decoded only when a query touches their bucket (``resolve``). Series
masters and their overrides are expanded by ``recurrence`` (the source of truth) for
exactly the window asked for, and the result is cached per window.
Pure: no I/O; the caller supplies documents and the resolver.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from planner.adapters.codec import block_to_doc
from planner.core.model import Block, Occurrence
from planner.core.recurrence import occurrences

# Blocks longer than this are kept in one set scanned on every query instead of being
# copied into every day bucket they touch (a "sabbatical" all-day block, say).
_LONG_DAYS = 45
# Zones run from UTC-12 to UTC+14: a day in any zone lies within these UTC dates.
_SLACK = timedelta(days=1)
_WINDOW_CACHE = 128

Doc = Mapping[str, Any]
Resolver = Callable[[str], Block | None]


_UNTIL = re.compile(r"UNTIL=(\d{4})(\d{2})(\d{2})")


def _series_span(doc: Doc) -> tuple[date, date | None]:
    """The dates a series (or an override) can touch; None = no end. Cheap: no parsing."""
    first = date.fromisoformat(doc["start"][:10])
    length = date.fromisoformat(doc["end"][:10]) - first
    source = doc.get("source") or {}
    rid = source.get("recurrence_id")
    if rid and "recurrence" not in doc:
        slot = date.fromisoformat(rid[:10])
        return min(first, slot), max(first + length, slot)
    rec = doc.get("recurrence") or {}
    rule = rec.get("rrule") or ""
    last: date | None = first
    if rule:
        match = _UNTIL.search(rule)
        if match is None:
            return first, None  # open-ended, or COUNT: only expansion can tell
        last = date(int(match[1]), int(match[2]), int(match[3]))
    for text in rec.get("rdates", ()):
        rdate = date.fromisoformat(text[:10])
        last = max(last, rdate) if last else rdate
        first = min(first, rdate)
    return first, (last + length) if last else None


def _is_series(doc: Doc) -> bool:
    source = doc.get("source") or {}
    return "recurrence" in doc or bool(source.get("recurrence_id"))


class OccurrenceIndex:
    def __init__(self, resolve: Resolver, docs: Iterable[Doc] = ()) -> None:
        self._resolve = resolve
        self._buckets: dict[str, set[str]] = defaultdict(set)
        self._long: set[str] = set()
        self._series: dict[str, tuple[date, date | None]] = {}
        self._where: dict[str, tuple[str, ...]] = {}  # block id -> bucket keys, for discard
        self._series_cache: OrderedDict[tuple[str, datetime, datetime], list[Occurrence]] = (
            OrderedDict())
        # The app warms neighbouring days from a worker thread while the UI thread reads.
        self._lock = threading.Lock()
        for doc in docs:
            self.add_doc(doc)

    @property
    def size(self) -> int:
        return len(self._where)

    # -- building ---------------------------------------------------------------------

    def add_doc(self, doc: Doc) -> None:
        if doc.get("kind", "fixed") != "fixed" or "start" not in doc or "end" not in doc:
            return
        block_id = doc["id"]
        if block_id in self._where:
            self.discard(block_id)
        if _is_series(doc):
            try:
                self._series[block_id] = _series_span(doc)
            except ValueError:
                self._series[block_id] = (date.min, None)  # odd dates: always expand
            self._where[block_id] = ("series",)
            with self._lock:
                self._series_cache.clear()
            return
        first, last = doc["start"][:10], doc["end"][:10]
        if first == last:
            self._buckets[first].add(block_id)
            self._where[block_id] = (first,)
            return
        start_day, end_day = date.fromisoformat(first), date.fromisoformat(last)
        if (end_day - start_day).days > _LONG_DAYS:
            self._long.add(block_id)
            self._where[block_id] = ("long",)
            return
        keys = []
        day = start_day
        while day <= end_day:
            key = day.isoformat()
            self._buckets[key].add(block_id)
            keys.append(key)
            day += timedelta(days=1)
        self._where[block_id] = tuple(keys)

    def add(self, block: Block) -> None:
        self.add_doc(block_to_doc(block))

    def discard(self, block_id: str) -> None:
        keys = self._where.pop(block_id, None)
        if keys is None:
            return
        if keys == ("series",):
            self._series.pop(block_id, None)
            with self._lock:
                self._series_cache.clear()
        elif keys == ("long",):
            self._long.discard(block_id)
        else:
            for key in keys:
                self._buckets[key].discard(block_id)

    # -- querying ---------------------------------------------------------------------

    def between(self, start: datetime, end: datetime, zone: ZoneInfo) -> list[Occurrence]:
        """Every fixed occurrence overlapping [start, end), sorted by start."""
        ids: set[str] = set(self._long)
        day = (start.astimezone(UTC) - _SLACK).date()
        last = (end.astimezone(UTC) + _SLACK).date()
        while day <= last:
            bucket = self._buckets.get(day.isoformat())
            if bucket:
                ids.update(bucket)
            day += timedelta(days=1)
        blocks = [b for b in (self._resolve(i) for i in sorted(ids)) if b is not None]
        found = occurrences(blocks, start, end, zone)
        if self._series:
            found.extend(self._series_between(start, end, zone))
        found.sort(key=lambda o: (_sort_key(o.start, zone), o.block.id))
        return found

    def _series_between(self, start: datetime, end: datetime, zone: ZoneInfo
                        ) -> list[Occurrence]:
        """Series occurrences overlapping the window, from week-sized cached expansions.

        A week costs little more to expand than a day (parsing the rules dominates), so
        expanding whole UTC weeks makes paging through days nearly free.
        """
        found: list[Occurrence] = []
        seen: set[tuple[str, object]] = set()
        week = _week_start((start.astimezone(UTC) - _SLACK).date())
        while datetime.combine(week, time(0), tzinfo=UTC) < end:
            for occ in self._series_week(week, zone):
                key = (occ.block.id, occ.start)
                if key not in seen and _sort_key(occ.start, zone) < end and \
                        _sort_key(occ.end, zone) > start:
                    seen.add(key)
                    found.append(occ)
            week += timedelta(days=7)
        return found

    def _series_week(self, week: date, zone: ZoneInfo) -> list[Occurrence]:
        start = datetime.combine(week, time(0), tzinfo=UTC)
        end = start + timedelta(days=7)
        key = (zone.key, start, end)
        with self._lock:
            cached = self._series_cache.get(key)
            if cached is not None:
                self._series_cache.move_to_end(key)
                return cached
            spans = list(self._series.items())
        # Expanded outside the lock: a worker warming tomorrow must not stall today.
        # Series that ended before the week (or start after it) are skipped unparsed:
        # most of a long-lived work calendar's history.
        low, high = week - _SLACK, week + timedelta(days=8)
        live = sorted(i for i, (first, last) in spans
                      if first <= high and (last is None or last >= low))
        series = [b for b in (self._resolve(i) for i in live) if b is not None]
        expanded = occurrences(series, start, end, zone)
        with self._lock:
            self._series_cache[key] = expanded
            if len(self._series_cache) > _WINDOW_CACHE:
                self._series_cache.popitem(last=False)
        return expanded


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _sort_key(moment: datetime | date, zone: ZoneInfo) -> datetime:
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    return datetime(moment.year, moment.month, moment.day, tzinfo=zone)
