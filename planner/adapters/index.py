"""An in-memory index of fixed blocks by day, so a day is answered without a scan.

Built from raw stored documents: single (non-recurring) blocks are bucketed by the
ISO date prefix of their stored start and end (UTC for instants, wall date for
floating and all-day ones), so building the index for 50,000 events decodes nothing.
Blocks are decoded only when a query touches their bucket (``resolve``). Series
masters and their overrides are expanded by ``recurrence`` (the source of truth) for
exactly the window asked for, and the result is cached per window.
No I/O of its own: the caller supplies documents, the resolver and day sources (a
calendar's day index on disk, read a week at a time).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from planner.adapters.codec import block_to_doc, moment_from_text
from planner.adapters.weekcache import Week, WeekCache, memory_doc_digest
from planner.core.model import Block, Occurrence
from planner.core.moments import as_aware
from planner.core.recurrence import Occurrences, occurrences, overlaps, put_in_order
from planner.core.series_window import Series, Verdict, series_in_window

# Blocks longer than this are kept in one set scanned on every query instead of being
# copied into every day bucket they touch (a "sabbatical" all-day block, say).
_LONG_DAYS = 45
# Zones run from UTC-12 to UTC+14: a day in any zone lies within these UTC dates.
_SLACK = timedelta(days=1)
_WINDOW_CACHE = 128
# Windows up to a day (25 h on a DST day, with room) may be answered without their weeks.
_ALONE_AT_MOST = timedelta(hours=26)

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
    last: date | None = first
    for rule in (rec.get("rrule") or "").split("\n"):  # one rule a line
        if not rule.strip():
            continue
        match = _UNTIL.search(rule)
        if match is None:
            return first, None  # open-ended, or COUNT: only expansion can tell
        # DTSTART is always an instance, even when UNTIL lies before it (RFC 5545).
        last = max(last or first, date(int(match[1]), int(match[2]), int(match[3])))
    for text in rec.get("rdates", ()):
        rdate = date.fromisoformat(text[:10])
        last = max(last, rdate) if last else rdate
        first = min(first, rdate)
    return first, (last + length) if last else None


def _is_series(doc: Doc) -> bool:
    source = doc.get("source") or {}
    return "recurrence" in doc or bool(source.get("recurrence_id"))


# Where a stored document goes (``doc_slot``): nowhere, the series set, the long set,
# or the day buckets (first, last) it touches.
SKIP, SERIES, LONG = "skip", "series", "long"
Slot = str | tuple[date, date]


def doc_slot(doc: Doc) -> Slot:
    """Where the index keeps ``doc``; the day index on disk uses the same rule."""
    if doc.get("kind", "fixed") != "fixed" or "start" not in doc or "end" not in doc:
        return SKIP
    if _is_series(doc):
        return SERIES
    try:
        first = date.fromisoformat(doc["start"][:10])
        last = date.fromisoformat(doc["end"][:10])
    except (TypeError, ValueError):
        return LONG  # an odd stored date: scanned on every query, never lost
    if (last - first).days > _LONG_DAYS or last < first:
        return LONG
    return first, last


def doc_days(doc: Doc) -> tuple[date, date | None]:
    """The dates a series (or an override) can touch; None = no end."""
    try:
        return _series_span(doc)
    except (TypeError, ValueError):
        return date.min, None  # odd dates: always expand


class DaySource(Protocol):
    """A calendar's documents by week, read on demand (``dayfile.DayFile``)."""

    def week(self, monday: date) -> list[Doc]: ...

    def long_docs(self) -> list[Doc]: ...

    @property
    def data_path(self) -> Path: ...

    def series(self) -> list[tuple[str, date, date | None, tuple[int, int], str | None]]: ...

    def series_doc(self, ref: tuple[int, int]) -> Doc: ...

    def block(self, doc: Doc) -> Block: ...


class OccurrenceIndex:
    """Fixed occurrences by day, from documents in memory and day sources on disk.

    A block edited or removed in memory shadows its copy in a day source.
    """

    def __init__(self, resolve: Resolver, docs: Iterable[Doc] = (),
                 sources: Iterable[DaySource] = (), *, keep_weeks: bool = False) -> None:
        """``keep_weeks``: keep expanded weeks on disk for the next session
        (``weekcache``), while this index holds what was saved."""
        self._resolve = resolve
        self._buckets: dict[str, set[str]] = defaultdict(set)
        self._long: set[str] = set()
        self._series: dict[str, tuple[date, date | None]] = {}
        self._where: dict[str, tuple[str, ...]] = {}  # block id -> bucket keys, for discard
        self._series_cache: OrderedDict[tuple[str, datetime, datetime], Week] = OrderedDict()
        # The app warms neighbouring days from a worker thread while the UI thread reads.
        self._lock = threading.Lock()
        self._sources = list(sources)
        self._shadowed: set[str] = set()
        self._from_source: dict[str, tuple[DaySource, tuple[int, int]]] = {}
        self._decoded: dict[str, Block] = {}
        self._series_version = 0
        self._asked: set[tuple[str, date]] = set()  # (zone, week) asked for before
        # Each series' digest, for the key of the weeks kept on disk (None: unknown).
        self._digests: dict[str, str | None] = {}
        for doc in docs:
            self.add_doc(doc)
            if keep_weeks and self._where.get(doc.get("id", "")) == ("series",):
                self._digests[doc["id"]] = memory_doc_digest(doc)
        for source in self._sources:
            for doc in source.long_docs():
                self.add_doc(doc)
            for block_id, first, last, ref, digest in source.series():
                self._series[block_id] = (first, last)
                self._where[block_id] = ("series",)
                self._from_source[block_id] = (source, ref)
                self._digests[block_id] = digest
        # Weeks on disk hold what was saved: a series changed in memory stops their use
        # (``_series_changed``). The main file alone is small: nothing worth caching.
        self._disk: WeekCache | None = (WeekCache(self._sources[0].data_path.parent)
                                        if keep_weeks and self._sources else None)

    @property
    def size(self) -> int:
        return len(self._where)

    # -- building ---------------------------------------------------------------------

    def add_doc(self, doc: Doc) -> None:
        slot = doc_slot(doc)
        if slot == SKIP:
            return
        block_id = doc["id"]
        if block_id in self._where:
            self.discard(block_id)
        if slot == SERIES:
            self._series[block_id] = doc_days(doc)
            self._where[block_id] = ("series",)
            self._series_changed()
            return
        if slot == LONG:
            self._long.add(block_id)
            self._where[block_id] = ("long",)
            return
        assert not isinstance(slot, str)  # SKIP, SERIES and LONG are handled above
        start_day, end_day = slot
        keys = []
        day = start_day
        while day <= end_day:
            key = day.isoformat()
            self._buckets[key].add(block_id)
            keys.append(key)
            day += timedelta(days=1)
        self._where[block_id] = tuple(keys)

    def add(self, block: Block) -> None:
        self.discard(block.id)
        self._shadowed.add(block.id)
        self.add_doc(block_to_doc(block))

    def discard(self, block_id: str) -> None:
        if self._sources:
            self._shadowed.add(block_id)
            self._from_source.pop(block_id, None)
            self._decoded.pop(block_id, None)
        keys = self._where.pop(block_id, None)
        if keys is None:
            return
        if keys == ("series",):
            self._series.pop(block_id, None)
            self._series_changed()
        elif keys == ("long",):
            self._long.discard(block_id)
        else:
            for key in keys:
                self._buckets[key].discard(block_id)

    def _series_changed(self) -> None:
        with self._lock:
            self._series_cache.clear()
            self._disk = None
            self._series_version += 1

    def _block(self, block_id: str) -> Block | None:
        found = self._decoded.get(block_id)
        if found is not None:
            return found
        ref = self._from_source.get(block_id)
        if ref is None:
            return self._resolve(block_id)
        found = ref[0].block(ref[0].series_doc(ref[1]))
        self._decoded[block_id] = found
        return found

    def _source_singles(self, first: date, last: date) -> list[Block]:
        """Single events from the day sources touching the UTC dates first..last."""
        if not self._sources:
            return []
        low, high = first.isoformat(), last.isoformat()
        found: dict[str, Block] = {}
        for source in self._sources:
            week = week_start(first)
            while week <= last:
                for doc in source.week(week):
                    block_id = doc["id"]
                    if block_id in found or block_id in self._shadowed:
                        continue
                    if doc["start"][:10] > high or doc["end"][:10] < low:
                        continue
                    block = self._decoded.get(block_id)
                    if block is None:
                        block = source.block(doc)
                        self._decoded[block_id] = block
                    found[block_id] = block
                week += timedelta(days=7)
        return list(found.values())

    # -- querying ---------------------------------------------------------------------

    def between(self, start: datetime, end: datetime, zone: ZoneInfo) -> Occurrences:
        """Every fixed occurrence overlapping [start, end), sorted by start (within the
        bounds of ``recurrence``; what they hid is in ``hidden_days``)."""
        ids: set[str] = set(self._long)
        first = day = (start.astimezone(UTC) - _SLACK).date()
        last = (end.astimezone(UTC) + _SLACK).date()
        while day <= last:
            bucket = self._buckets.get(day.isoformat())
            if bucket:
                ids.update(bucket)
            day += timedelta(days=1)
        blocks = [b for b in (self._resolve(i) for i in sorted(ids)) if b is not None]
        blocks += self._source_singles(first, last)
        found = occurrences(blocks, start, end, zone)
        if self._series:
            found.absorb(self._series_between(start, end, zone))
        found.sort(key=lambda o: (_sort_key(o.start, zone), o.block.id))
        return found

    def keep_series_weeks(self, start: datetime, end: datetime, zone: ZoneInfo) -> None:
        """Expand (or load) the weeks of series that ``between(start, end)`` reads, and
        keep them, without decoding anything else (a warm-up: nothing is shown)."""
        weeks: list[date] = []
        week = week_start((start.astimezone(UTC) - _SLACK).date())
        while self._series and datetime.combine(week, time(0), tzinfo=UTC) < end:
            weeks.append(week)
            week += timedelta(days=7)
        together: dict[date, Week] | None = None

        def expand(week: date) -> Week | None:
            # On the first week not kept, the rest are expanded in the same pass: most
            # of a series' cost is reading its rules, paid once for two weeks.
            nonlocal together
            if together is None:
                together = self._expand_weeks(weeks[weeks.index(week):], zone) or {}
            return together.get(week)

        for week in weeks:
            self._series_week(week, zone, expand if len(weeks) > 1 else None)

    def _series_between(self, start: datetime, end: datetime, zone: ZoneInfo
                        ) -> Occurrences:
        """Series occurrences overlapping the window, from week-sized cached expansions.

        A week costs little more to expand than a day (parsing the rules dominates), so
        expanding whole UTC weeks makes paging through days nearly free. The first day
        asked in a week kept nowhere is answered alone (``_window_alone``).
        """
        found = Occurrences()
        seen: set[tuple[str, object]] = set()
        first_day = start.astimezone(zone).date()
        last_day = (end - timedelta(microseconds=1)).astimezone(zone).date()
        weeks = []
        week = week_start((start.astimezone(UTC) - _SLACK).date())
        while datetime.combine(week, time(0), tzinfo=UTC) < end:
            weeks.append(week)
            week += timedelta(days=7)
        parts = self._window_alone(weeks, start, end, zone)
        for expanded in parts or [self._series_week(week, zone) for week in weeks]:
            for day, count in expanded.hidden_days.items():
                if first_day <= day <= last_day:
                    found.hide(day, count)
                    found.at_least = found.at_least or expanded.at_least
            for block_id, begin, finish, rid in expanded.rows:
                key = (block_id, begin)
                if key not in seen and _sort_key(begin, zone) < end and \
                        _sort_key(finish, zone) > start:
                    seen.add(key)
                    block = self._block(block_id)  # decoded only for what is shown
                    if block is not None:
                        found.append(Occurrence(block, begin, finish, rid, None, rid))
        return found

    def _series_week(self, week: date, zone: ZoneInfo,
                     expand: Callable[[date], Week | None] | None = None) -> Week:
        found, pending = self._kept_week(week, zone)
        if found is not None:
            return found
        live, disk, week_key, version = pending
        start = datetime.combine(week, time(0), tzinfo=UTC)
        found = (expand(week) if expand is not None else None) or \
            self._expand_week(start, start + timedelta(days=7), zone, live)
        if disk is not None and week_key is not None:
            disk.save(week, zone, week_key, found)
        self._remember((zone.key, start, start + timedelta(days=7)), found, version)
        return found

    def _kept_week(self, week: date, zone: ZoneInfo
                   ) -> tuple[Week | None, tuple[list[str], WeekCache | None, str | None, int]]:
        """The week's series from memory or from the weeks kept on disk, else None and
        what expanding it needs: its live series, where to keep it, its key there and
        the series version it was asked at."""
        start = datetime.combine(week, time(0), tzinfo=UTC)
        key = (zone.key, start, start + timedelta(days=7))
        with self._lock:
            cached = self._series_cache.get(key)
            if cached is not None:
                self._series_cache.move_to_end(key)
                return cached, ([], None, None, 0)
            live = self._live(week)
            disk, version = self._disk, self._series_version
            digests = [self._digests.get(i) for i in live] if disk is not None else []
        week_key = None
        if disk is not None and None not in digests:
            pairs = [(i, str(d)) for i, d in zip(live, digests, strict=True)]
            week_key = disk.week_key(week, zone, pairs)
        found = disk.load(week, zone, week_key) if disk and week_key else None
        if found is not None:
            self._remember(key, found, version)
        return found, (live, disk, week_key, version)

    def _remember(self, key: tuple[str, datetime, datetime], found: Week, version: int
                  ) -> None:
        with self._lock:
            if self._series_version == version:  # no series changed meanwhile
                self._series_cache[key] = found
                self._series_cache.move_to_end(key)
                if len(self._series_cache) > _WINDOW_CACHE:
                    self._series_cache.popitem(last=False)

    def _window_alone(self, weeks: list[date], start: datetime, end: datetime,
                      zone: ZoneInfo) -> list[Week] | None:
        """A short window's series expanded on their own, or None to read its weeks.

        Done the first time a window touches weeks kept nowhere (a session's first
        day): of the ~600 series live in a week of a large work calendar only those
        that can fall in the window (``series_window``, told from their rules) are
        decoded and expanded. Its answer is what the weeks give, as long as no series
        may crowd a day (what a day shows of those depends on the window). Asked again
        in those weeks (paging through days, the app reading the neighbours), the
        weeks are expanded whole and kept.
        """
        if end - start > _ALONE_AT_MOST or not self._series:
            return None
        key = (zone.key, start, end)  # never a week's key: a week is longer
        with self._lock:
            cached = self._series_cache.get(key)
            if cached is not None:
                self._series_cache.move_to_end(key)
                return [cached]
            seen_before = any((zone.key, week) in self._asked for week in weeks)
            self._asked.update((zone.key, week) for week in weeks)
            version = self._series_version
        if seen_before or all(self._kept_week(week, zone)[0] is not None for week in weeks):
            return None
        with self._lock:
            live = sorted({i for week in weeks for i in self._live(week)})
            disk = self._disk
            digests = [self._digests.get(i) for i in live] if disk is not None else []
        # Kept on disk like a week, keyed by every series live in its weeks: the next
        # session asking the same day (a command, say) reads it back.
        window_key = None
        if disk is not None and None not in digests:
            pairs = [(i, str(d)) for i, d in zip(live, digests, strict=True)]
            window_key = disk.window_key(start, end, zone, pairs)
        found = disk.load_window(start, end, zone, window_key) if disk and window_key \
            else None
        if found is None:
            found = self._expand_window(live, start, end, zone)
            if found is not None and disk is not None and window_key is not None:
                disk.save_window(start, end, zone, window_key, found)
        if found is not None:
            self._remember(key, found, version)
        return [found] if found is not None else None

    def _expand_window(self, live: list[str], start: datetime, end: datetime,
                       zone: ZoneInfo) -> Week | None:
        chosen = []
        for block_id in live:
            block = self._decoded.get(block_id)
            ref = self._from_source.get(block_id) if block is None else None
            doc = ref[0].series_doc(ref[1]) if ref is not None else None
            if doc is None and block is None:
                block = self._resolve(block_id)
            try:
                series = _doc_series(doc) if doc is not None else \
                    _block_series(block) if block is not None else None
            except (KeyError, TypeError, ValueError, AttributeError):
                return None  # a malformed document: the weeks' reading reports it
            if series is None:
                continue  # gone meanwhile, as the weeks' reading skips it
            verdict = series_in_window(series, start, end, zone)
            if verdict is Verdict.WHOLE:
                return None
            if verdict is Verdict.KEEP:
                if block is None:
                    assert ref is not None and doc is not None
                    block = self._decoded[block_id] = ref[0].block(doc)
                chosen.append(block)
        expanded = occurrences(chosen, start, end, zone)
        if expanded.crowded or expanded.hidden_days or expanded.at_least:
            return None
        return Week([(o.block.id, o.start, o.end, o.recurrence_id) for o in expanded], {},
                    False)

    def _live(self, week: date) -> list[str]:
        """The series that may touch the UTC week (and a day either side), by id. Series
        that ended before the week (or start after it) are skipped unparsed: most of a
        long-lived work calendar's history."""
        low, high = week - _SLACK, week + timedelta(days=8)
        return sorted(i for i, (first, last) in self._series.items()
                      if first <= high and (last is None or last >= low))

    def _expand_week(self, start: datetime, end: datetime, zone: ZoneInfo, live: list[str]
                     ) -> Week:
        # Expanded outside the lock: a worker warming tomorrow must not stall today.
        if not live:
            return Week([], {}, False)
        series = [b for b in (self._block(i) for i in live) if b is not None]
        expanded = occurrences(series, start, end, zone)
        return Week([(o.block.id, o.start, o.end, o.recurrence_id) for o in expanded],
                    dict(expanded.hidden_days), expanded.at_least)


    def _expand_weeks(self, weeks: list[date], zone: ZoneInfo) -> dict[date, Week] | None:
        """Consecutive weeks' series expanded in one pass and split by week: exactly what
        ``_expand_week`` makes of each, or None where that could differ (a series
        crowded somewhere: the day's share of the crowded depends on the window)."""
        lives = {week: set(self._live(week)) for week in weeks}
        every = sorted(set().union(*lives.values()))
        series = [b for b in (self._block(i) for i in every) if b is not None]
        groups: dict[tuple[str, str], set[str]] = defaultdict(set)
        for block in series:
            groups[block.series_key].add(block.id)
        # Overrides replace their master's instances only when expanded together: a
        # series whose master and overrides are live in different weeks goes week by week
        # (conservative: the instances such a split concerns lie outside that week).
        apart = {i for ids in groups.values() if len(ids) > 1
                 for live in lives.values() if ids & live and not ids <= live for i in ids}
        first = datetime.combine(weeks[0], time(0), tzinfo=UTC)
        found = occurrences([b for b in series if b.id not in apart], first,
                            first + timedelta(days=7 * len(weeks)), zone)
        if found.crowded or found.hidden_days or found.at_least:
            return None
        result = {}
        for week, live in lives.items():
            start = datetime.combine(week, time(0), tzinfo=UTC)
            end = start + timedelta(days=7)
            shown = [o for o in found if o.block.id in live and overlaps(o, start, end, zone)]
            if apart & live:
                alone = occurrences([b for b in series if b.id in apart and b.id in live],
                                    start, end, zone)
                if alone.crowded or alone.hidden_days or alone.at_least:
                    return None
                shown += alone
                put_in_order(shown, zone)
            result[week] = Week([(o.block.id, o.start, o.end, o.recurrence_id) for o in shown],
                                {}, False)
        return result


def _doc_series(doc: Doc) -> Series:
    """What ``series_in_window`` reads of a stored series document (no decoding)."""
    rec = doc.get("recurrence") or {}
    return Series(moment_from_text(doc["start"]), moment_from_text(doc["end"]),
                  doc.get("tzid"), rec.get("rrule"), bool(rec.get("rdates")),
                  (doc.get("source") or {}).get("recurrence_id") is not None)


def _block_series(block: Block) -> Series | None:
    if block.start is None or block.end is None:
        return None
    rec = block.recurrence
    return Series(block.start, block.end, block.tzid, rec.rrule if rec else None,
                  bool(rec.rdates) if rec else False,
                  block.source is not None and block.source.recurrence_id is not None)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _sort_key(moment: datetime | date, zone: ZoneInfo) -> datetime:
    return as_aware(moment, zone)
