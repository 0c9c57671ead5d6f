"""Write blocks out as one RFC 5545 VCALENDAR.

The service picks the blocks (date range, what to include); this module only
turns them into iCalendar bytes. ``X-PLANNER-*`` properties carry what plain
iCalendar can't, so ``planner.adapters.ical.reader`` can restore sphere, kind and the
flexible-task constraints on re-import.
"""

from __future__ import annotations

import calendar as gregorian
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vDDDTypes,
    vDuration,
    vRecur,
    vText,
)

from planner.core.model import Block, Moment

DEFAULT_PRODID = "-//planner//planner 0.1//EN"
CALENDAR_NAME = "planner"
BUSY_SUMMARY = "Busy"
UID_DOMAIN = "@planner"
# Open-ended series run past every date in the file; their VTIMEZONE must
# still describe the zone this many years beyond the later of "now" and the series.
_OPEN_SERIES_YEARS = 5
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Z"})


@dataclass(frozen=True)
class ExportOptions:
    # Spheres written as "Busy": times exact, nothing about what or where.
    busy_only: frozenset[str] = frozenset()
    spheres: frozenset[str] | None = None  # only these spheres (None = all)
    prodid: str = DEFAULT_PRODID
    sphere_labels: Mapping[str, str] | None = None  # sphere -> CATEGORIES text


@dataclass(frozen=True)
class ExportResult:
    data: bytes
    events: int
    unplaced_left_out: int


def write_calendar(
    blocks: Iterable[Block], options: ExportOptions, *, now: datetime
) -> ExportResult:
    """Serialise ``blocks`` as one VCALENDAR; ``now`` becomes every DTSTAMP.

    Flexible blocks are written at their planned chunks; those with no plan are
    left out and counted. Fixed blocks without a start can't be written and are
    skipped. Raises ``ValueError`` naming the block for an unreadable RRULE.
    """
    chosen = [b for b in blocks if options.spheres is None or b.sphere in options.spheres]
    masters = _masters_by_uid(chosen)
    writer = _Writer(options, _utc(now), masters)
    unplaced = 0
    for block in _series_order(chosen):
        if block.is_flexible:
            if not block.planned:
                unplaced += 1
                continue
            writer.add_flexible(block)
        elif block.start is not None:
            writer.add_fixed(block)
    return ExportResult(writer.to_ical(), writer.event_count, unplaced)


# --- building events ------------------------------------------------------------


class _Writer:
    def __init__(
        self, options: ExportOptions, now_utc: datetime, masters: Mapping[str, Block]
    ) -> None:
        self._options = options
        self._now = now_utc
        self._masters = masters
        self._events: list[Event] = []
        self._master_uids: set[str] = set()
        # TZID -> (earliest, latest) year written in that zone, to size its VTIMEZONE.
        self._zone_years: dict[str, tuple[int, int]] = {}

    @property
    def event_count(self) -> int:
        return len(self._events)

    def add_fixed(self, block: Block) -> None:
        assert block.start is not None
        uid = self._uid_for(block)
        event = self._base_event(block, uid)
        zone = _zone_for(block)
        event.add("DTSTART", self._moment(block.start, zone))
        if block.end is not None:
            event.add("DTEND", self._moment(block.end, zone))
        self._add_recurrence(event, block, zone)
        if block.source is not None and block.source.recurrence_id is not None:
            event.add("RECURRENCE-ID", self._recurrence_id(block))
        self._events.append(event)

    def add_flexible(self, block: Block) -> None:
        zone = _zone_for(block)
        split = len(block.planned) > 1
        base_uid = self._uid_for(block)
        for n, (start, end) in enumerate(block.planned, start=1):
            uid = _chunk_uid(base_uid, n) if split else base_uid
            event = self._base_event(block, uid)
            event.add("DTSTART", self._moment(start, zone))
            event.add("DTEND", self._moment(end, zone))
            if split:
                _x(event, "CHUNK", str(n))
            if not self._busy(block):
                _add_flexible_details(event, block)
            self._events.append(event)

    def to_ical(self) -> bytes:
        cal = Calendar()
        cal.add("VERSION", "2.0")
        cal.add("PRODID", self._options.prodid)
        cal.add("CALSCALE", "GREGORIAN")
        cal.add("X-WR-CALNAME", CALENDAR_NAME)
        for tzid in sorted(self._zone_years):
            first, last = self._zone_years[tzid]
            cal.add_component(build_vtimezone(tzid, first, last))
        for event in self._events:
            cal.add_component(event)
        return cal.to_ical()

    # -- pieces

    def _busy(self, block: Block) -> bool:
        return block.sphere in self._options.busy_only

    def _base_event(self, block: Block, uid: str) -> Event:
        busy = self._busy(block)
        event = Event()
        event.add("UID", uid)
        event.add("DTSTAMP", self._now)
        sequence = max(block.revision, block.source.sequence if block.source else 0)
        event.add("SEQUENCE", sequence)
        event.add("SUMMARY", BUSY_SUMMARY if busy else block.title)
        if busy:
            event.add("CLASS", "PRIVATE")
        else:
            if block.notes:
                event.add("DESCRIPTION", block.notes)
            if block.location:
                event.add("LOCATION", block.location)
        if block.transparent:
            event.add("TRANSP", "TRANSPARENT")
        event.add("CATEGORIES", [self._sphere_label(block.sphere)])
        if block.tags and not busy:
            event.add("CATEGORIES", list(block.tags))
        _x(event, "SPHERE", block.sphere)
        _x(event, "KIND", block.kind.value)
        # In busy mode the id could spell out the title ("dentist-42"): hash it.
        _x(event, "ID", _opaque(block.id) if busy else block.id)
        if not busy:
            if block.energy is not None:
                _x(event, "ENERGY", block.energy.value)
            if block.travel is not None:
                _x(event, "TRAVEL", _duration(block.travel))
        return event

    def _sphere_label(self, sphere: str) -> str:
        labels = self._options.sphere_labels or {}
        return labels.get(sphere, sphere.capitalize())

    def _uid_for(self, block: Block) -> str:
        """The event's UID: the imported one if any, else derived from the block id.

        Two imported masters can share a UID (the same event pulled from two
        calendars); one file can't hold both, so the second falls back to its id.
        """
        uid = f"{block.id}{UID_DOMAIN}"
        if block.source is not None and block.source.uid:
            is_override = block.source.recurrence_id is not None
            if is_override or block.source.uid not in self._master_uids:
                uid = block.source.uid
        if block.source is None or block.source.recurrence_id is None:
            self._master_uids.add(uid)
        if self._busy(block):
            uid = f"{_opaque(uid)}{UID_DOMAIN}"
        return uid

    def _moment(self, moment: Moment, zone: ZoneInfo | None) -> Moment:
        """``moment`` as it should be written: in ``zone``, UTC, floating or a date."""
        if not isinstance(moment, datetime):
            return moment
        if moment.tzinfo is None:
            return moment  # floating stays floating
        if zone is None:
            return moment.astimezone(UTC)
        local = moment.astimezone(zone)
        self._note_zone(zone.key, local.year)
        return local

    def _note_zone(self, tzid: str, year: int) -> None:
        first, last = self._zone_years.get(tzid, (year, year))
        self._zone_years[tzid] = (min(first, year), max(last, year))

    def _add_recurrence(self, event: Event, block: Block, zone: ZoneInfo | None) -> None:
        rec = block.recurrence
        if rec is None:
            return
        if rec.rrule:
            try:
                rule = vRecur.from_ical(rec.rrule)
            except ValueError as exc:
                raise ValueError(f"block {block.id!r}: unreadable RRULE {rec.rrule!r}") from exc
            event.add("RRULE", rule)
            if zone is not None:
                self._note_series_end(zone.key, block, rule)
        for name, moments in (("RDATE", rec.rdates), ("EXDATE", rec.exdates)):
            for group in _grouped([self._moment(m, zone) for m in moments]):
                event.add(name, group)

    def _note_series_end(self, tzid: str, block: Block, rule: vRecur) -> None:
        """Stretch the zone's VTIMEZONE to cover the series' later occurrences."""
        until = rule.get("UNTIL")
        if until:
            self._note_zone(tzid, until[0].year)
            return
        # COUNT or no end: no cheap last date, so reach well past now and the start.
        start_year = block.start.year if block.start is not None else self._now.year
        self._note_zone(tzid, max(self._now.year, start_year) + _OPEN_SERIES_YEARS)

    def _recurrence_id(self, block: Block) -> Moment:
        """RECURRENCE-ID in the master's zone, so readers match it to the slot."""
        assert block.source is not None and block.source.recurrence_id is not None
        rid = _parse_recurrence_id(block.source.recurrence_id, block.id)
        master = self._masters.get(block.source.uid)
        zone = _zone_for(master) if master is not None else _zone_for(block)
        return self._moment(rid, zone)


def _add_flexible_details(event: Event, block: Block) -> None:
    if block.duration is not None:
        _x(event, "DURATION", _duration(block.duration))
    for name, moment in (
        ("EARLIEST", block.earliest),
        ("DEADLINE", block.deadline),
        ("PINNED", block.pinned_start),
    ):
        if moment is not None:
            _x(event, name, _utc_text(moment))
    if block.part_of_day is not None:
        _x(event, "PART", block.part_of_day.value)
    if block.priority:
        _x(event, "PRIORITY", str(block.priority))
    if block.min_chunk is not None:
        _x(event, "MIN-CHUNK", _duration(block.min_chunk))
    _x(event, "DONE", "TRUE" if block.done else "FALSE")
    if block.day is not None:
        _x(event, "DAY", block.day.strftime("%Y%m%d"))


# --- small helpers ----------------------------------------------------------------


def _x(event: Event, name: str, value: str) -> None:
    event.add(f"X-PLANNER-{name}", vText(value))


def _duration(value: timedelta) -> str:
    return vDuration(value).to_ical().decode("ascii")


def _utc_text(moment: datetime) -> str:
    """UTC date-time text; a naive (floating) value keeps its wall time without Z."""
    if moment.tzinfo is None:
        return moment.strftime("%Y%m%dT%H%M%S")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _opaque(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _chunk_uid(base_uid: str, n: int) -> str:
    if base_uid.endswith(UID_DOMAIN):
        return f"{base_uid[: -len(UID_DOMAIN)]}-{n}{UID_DOMAIN}"
    return f"{base_uid}-{n}"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@lru_cache(maxsize=64)
def _zone(tzid: str) -> ZoneInfo | None:
    if tzid in _UTC_NAMES:
        return None
    try:
        return ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # unknown name: fall back to UTC, which is still exact


def _zone_for(block: Block) -> ZoneInfo | None:
    return _zone(block.tzid) if block.tzid else None


def _parse_recurrence_id(text: str, block_id: str) -> Moment:
    """``source.recurrence_id`` text: ISO date, UTC ``...Z``, naive, or iCalendar form."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        value = vDDDTypes.from_ical(text)
    except ValueError as exc:
        raise ValueError(f"block {block_id!r}: unreadable recurrence id {text!r}") from exc
    if isinstance(value, date):
        return value
    raise ValueError(f"block {block_id!r}: unreadable recurrence id {text!r}")


def _grouped(moments: list[Moment]) -> list[list[Moment]]:
    """Split RDATE/EXDATE values so each property line has one value type and TZID."""
    groups: dict[tuple[str, str], list[Moment]] = {}
    for moment in moments:
        if isinstance(moment, datetime):
            key = ("dt", str(getattr(moment.tzinfo, "key", moment.tzinfo)))
        else:
            key = ("date", "")
        groups.setdefault(key, []).append(moment)
    return list(groups.values())


def _masters_by_uid(blocks: list[Block]) -> dict[str, Block]:
    masters: dict[str, Block] = {}
    for block in blocks:
        if block.source is not None and block.source.recurrence_id is None:
            masters.setdefault(block.source.uid, block)
    return masters


def _series_order(blocks: list[Block]) -> list[Block]:
    """Input order, except that overrides follow their series master."""
    first_seen: dict[str, int] = {}
    keyed: list[tuple[int, int, str, int, Block]] = []
    for index, block in enumerate(blocks):
        series = block.source.uid if block.source is not None else f"\0{block.id}"
        position = first_seen.setdefault(series, index)
        rid = block.source.recurrence_id if block.source is not None else None
        is_override = 0 if rid is None else 1
        keyed.append((position, is_override, rid or "", index, block))
    keyed.sort(key=lambda item: item[:4])
    return [item[4] for item in keyed]


# --- VTIMEZONE ----------------------------------------------------------------------
#
# icalendar's Timezone.from_tzid lists every change as an RDATE and stops at its
# last_date; vobject/dateutil read only the first value of such an RDATE list, and an
# open-ended series outlives any last_date. So: a yearly RRULE where the zone's
# changes follow one rule up to the end of the span (what Outlook and Google write),
# else one RDATE line per change. DTSTART is the onset in the *old* offset (RFC 5545).

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_ZoneState = tuple[timedelta, bool, str]  # (UTC offset, is DST, abbreviation)


def build_vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for IANA ``tzid`` that is exact from ``first_year`` to ``last_year``."""
    zone = ZoneInfo(tzid)
    # A couple of days of margin: local New Year is up to 14 h away from UTC's.
    start = datetime(first_year, 1, 1, tzinfo=UTC) - timedelta(days=2)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC) + timedelta(days=2)
    component = Timezone()
    component.add("TZID", tzid)
    offset, is_dst, name = _state(zone, start)
    # The observance in force when the span opens, for times before the first change.
    component.add_component(
        _observance(is_dst, name, offset, offset, (start + offset).replace(tzinfo=None))
    )
    groups: dict[tuple[timedelta, timedelta, bool, str], list[datetime]] = {}
    for instant, before, after in _transitions(zone, start, end):
        onset = (instant + before[0]).replace(tzinfo=None)
        groups.setdefault((before[0], after[0], after[1], after[2]), []).append(onset)
    for (offset_from, offset_to, is_dst, name), onsets in groups.items():
        observance = _observance(is_dst, name, offset_from, offset_to, onsets[0])
        rule = _yearly_rule(onsets, last_year)
        if rule is not None:
            observance.add("RRULE", vRecur.from_ical(rule))
        else:
            for onset in onsets[1:]:
                observance.add("RDATE", onset)
        component.add_component(observance)
    return component


def _observance(
    is_dst: bool, name: str, offset_from: timedelta, offset_to: timedelta, onset: datetime
) -> TimezoneStandard | TimezoneDaylight:
    observance = TimezoneDaylight() if is_dst else TimezoneStandard()
    observance.add("DTSTART", onset)
    observance.add("TZNAME", name)
    observance.TZOFFSETFROM = offset_from
    observance.TZOFFSETTO = offset_to
    return observance


def _state(zone: ZoneInfo, instant: datetime) -> _ZoneState:
    local = instant.astimezone(zone)
    return (
        local.utcoffset() or timedelta(0),
        # Dublin's "negative DST" makes winter the DST side; label it standard anyway.
        (local.dst() or timedelta(0)) > timedelta(0),
        local.tzname() or "",
    )


def _transitions(
    zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, _ZoneState, _ZoneState]]:
    """(instant, state before, state after) of each change in [start, end).

    Steps a day at a time and bisects to the second; zones never change twice in a day.
    """
    found = []
    day = timedelta(days=1)
    here, before = start, _state(zone, start)
    while here < end:
        there = here + day
        after = _state(zone, there)
        if after != before:
            low, high = here, there
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _state(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            found.append((high.replace(microsecond=0), before, _state(zone, high)))
        here, before = there, after
    return found


def _yearly_rule(onsets: list[datetime], last_year: int) -> str | None:
    """"FREQ=YEARLY;BYMONTH=m;BYDAY=nWD" if every onset fits it, one a year to the end."""
    years = [onset.year for onset in onsets]
    if len(onsets) < 2 or years != list(range(years[0], last_year + 1)):
        return None
    common: set[tuple[int, int, int, object]] | None = None
    for onset in onsets:
        weekday = onset.weekday()
        fits = {(onset.month, weekday, (onset.day - 1) // 7 + 1, onset.time())}
        if onset.day + 7 > gregorian.monthrange(onset.year, onset.month)[1]:
            fits.add((onset.month, weekday, -1, onset.time()))
        common = fits if common is None else common & fits
    if not common:
        return None
    month, weekday, nth, _ = min(common, key=lambda fit: fit[2] != -1)  # "last" reads best
    return f"FREQ=YEARLY;BYMONTH={month};BYDAY={nth}{_WEEKDAYS[weekday]}"
