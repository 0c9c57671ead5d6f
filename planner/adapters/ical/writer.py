"""Write blocks out as one RFC 5545 VCALENDAR.

The use case picks the blocks (date range, whole series, which spheres are Busy); this
module only turns them into iCalendar bytes. ``X-PLANNER-*`` properties carry what plain
iCalendar can't, so ``planner.adapters.ical.reader`` can restore sphere, kind and the
flexible-task constraints on re-import.

Two forms of event:

* **full**: title, notes, location, one CATEGORIES (sphere label, then tags), CLASS,
  ORGANIZER/ATTENDEEs and VALARMs as imported, and the ``X-PLANNER-*`` properties.
* **busy**: SUMMARY "Busy" and nothing about what, where or who: only the times,
  recurrence (RRULE/RDATE/EXDATE/RECURRENCE-ID), TRANSP, SEQUENCE and a UID that is an
  HMAC of the real one under a per-home key, so it can't be linked to an invitation
  but stays stable, and a colleague's subscription updates in place. A flexible block
  in busy form is a plain fixed event (re-importing it does not re-place it). A series
  is busy as a whole when any of its members is, so its overrides keep matching.

Every TEXT value goes through :func:`clean_text`; every (UID, RECURRENCE-ID) pair is
written once, even when the same calendar was imported under two names.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from icalendar import Calendar, Event, vDDDTypes, vDuration, vRecur, vText

from planner.adapters.ical.alarms import alarm_component
from planner.adapters.ical.participants import add_participants
from planner.adapters.ical.text import clean_text
from planner.adapters.ical.vtimezone import HISTORY_FROM, build_vtimezone, register_zone
from planner.core.model import MAX_ICAL_INTEGER, Block, Moment
from planner.core.recurrence import rules_of
from planner.core.zonerules import zone_of

DEFAULT_PRODID = "-//planner//planner 0.1//EN"
CALENDAR_NAME = "planner"
BUSY_SUMMARY = "Busy"
UID_DOMAIN = "@planner"
# Open-ended series run past every date in the file; their VTIMEZONE must
# still describe the zone this many years beyond the later of "now" and the series.
_OPEN_SERIES_YEARS = 5
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Z"})

SeriesKey = tuple[str, str]


@dataclass(frozen=True)
class ExportOptions:
    # Spheres written as "Busy" (the caller includes each sphere's children).
    busy_only: frozenset[str] = frozenset()
    # Blocks marked CLASS:PRIVATE or CONFIDENTIAL written as "Busy" too, whatever sphere.
    private_as_busy: bool = False
    # Keys the busy UIDs (HMAC-SHA256). Empty: a fresh random key for this export only.
    uid_key: bytes = b""
    spheres: frozenset[str] | None = None  # only these spheres (None = all)
    prodid: str = DEFAULT_PRODID
    sphere_labels: Mapping[str, str] | None = None  # sphere -> CATEGORIES text
    # The range asked for, as aware instants [start, end) in the user's zone. Series
    # without an end (or ending later) then stop at its end; ``None`` writes them whole.
    bound_to: tuple[datetime, datetime] | None = None


@dataclass(frozen=True)
class ExportResult:
    data: bytes
    events: int
    unplaced_left_out: int


def is_busy(block: Block, options: ExportOptions) -> bool:
    """Whether ``block`` on its own would be written as Busy."""
    return block.sphere in options.busy_only or (options.private_as_busy and block.is_private)


def write_calendar(
    blocks: Iterable[Block], options: ExportOptions, *, now: datetime
) -> ExportResult:
    """Serialise ``blocks`` as one VCALENDAR; ``now`` becomes every DTSTAMP.

    Flexible blocks are written at their planned chunks; those with no plan are
    left out and counted. Fixed blocks without a start can't be written and are
    skipped. Raises ``ValueError`` naming the block for an unreadable RRULE.
    """
    chosen = [b for b in blocks if options.spheres is None or b.sphere in options.spheres]
    series = _series(chosen)
    writer = _Writer(options, _utc(now), series)
    unplaced = 0
    for members in series.values():
        if options.bound_to is not None:
            members = _bounded(members, options.bound_to)
        for block in members:
            if block.is_flexible:
                if not block.planned:
                    unplaced += 1
                    continue
                writer.add_flexible(block)
            elif block.start is not None:
                writer.add_fixed(block)
    return ExportResult(writer.to_ical(), writer.event_count, unplaced)


def _series(blocks: list[Block]) -> dict[SeriesKey, list[Block]]:
    """Blocks by series in input order; in each, the master first, then overrides by slot."""
    found: dict[SeriesKey, list[Block]] = {}
    for block in blocks:
        found.setdefault(block.series_key, []).append(block)
    for members in found.values():
        members.sort(key=lambda b: (_rid_text(b) is not None, _rid_text(b) or ""))
    return found


def _rid_text(block: Block) -> str | None:
    return block.source.recurrence_id if block.source is not None else None


# --- building events ------------------------------------------------------------


@dataclass
class _Writer:
    options: ExportOptions
    now: datetime
    series: Mapping[SeriesKey, list[Block]]
    events: list[Event] = field(default_factory=list)
    # TZID -> (earliest, latest) year written in that zone, to size its VTIMEZONE.
    zone_years: dict[str, tuple[int, int]] = field(default_factory=dict)
    written: set[tuple[str, str | None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.key = self.options.uid_key or secrets.token_bytes(32)
        self.busy = {key for key, members in self.series.items()
                     if any(is_busy(b, self.options) for b in members)}
        self.uids = _series_uids(self.series)

    @property
    def event_count(self) -> int:
        return len(self.events)

    def add_fixed(self, block: Block) -> None:
        assert block.start is not None
        event = self._base_event(block, self.uids[block.series_key])
        if event is None:
            return
        zone = _zone_for(block)
        event.add("DTSTART", self._moment(block.start, zone))
        if block.end is not None:
            event.add("DTEND", self._moment(block.end, zone))
        self._add_recurrence(event, block, zone)
        if _rid_text(block) is not None:
            event.add("RECURRENCE-ID", self._recurrence_id(block))
        self.events.append(event)

    def add_flexible(self, block: Block) -> None:
        zone = _zone_for(block)
        split = len(block.planned) > 1
        base_uid = self.uids[block.series_key]
        busy = self._busy(block)
        for n, (start, end) in enumerate(block.planned, start=1):
            event = self._base_event(block, _chunk_uid(base_uid, n) if split else base_uid)
            if event is None:
                continue
            event.add("DTSTART", self._moment(start, zone))
            event.add("DTEND", self._moment(end, zone))
            if not busy:
                if split:
                    _x(event, "CHUNK", str(n))
                _add_flexible_details(event, block)
            self.events.append(event)

    def to_ical(self) -> bytes:
        cal = Calendar()
        cal.add("VERSION", "2.0")
        cal.add("PRODID", clean_text(self.options.prodid))
        cal.add("CALSCALE", "GREGORIAN")
        cal.add("X-WR-CALNAME", CALENDAR_NAME)
        for tzid in sorted(self.zone_years):
            first, last = self.zone_years[tzid]
            cal.add_component(build_vtimezone(tzid, min(first, HISTORY_FROM), last))
        for event in self.events:
            cal.add_component(event)
        return cal.to_ical()

    # -- pieces

    def _busy(self, block: Block) -> bool:
        return block.series_key in self.busy

    def _base_event(self, block: Block, uid: str) -> Event | None:
        """The event's identity and details; None if its (UID, RECURRENCE-ID) was written."""
        busy = self._busy(block)
        if busy:
            uid = self._keyed(uid)
        identity = (uid, _rid_text(block))
        if identity in self.written:
            return None  # the same instance twice: readers would keep only one anyway
        self.written.add(identity)
        event = Event()
        event.add("UID", uid)
        event.add("DTSTAMP", self.now)
        # An older home may hold a SEQUENCE past the largest INTEGER (read before bounded).
        event.add("SEQUENCE", min(block.sequence, MAX_ICAL_INTEGER))
        if block.transparent:
            event.add("TRANSP", "TRANSPARENT")
        if busy:
            event.add("SUMMARY", BUSY_SUMMARY)
            return event
        event.add("SUMMARY", clean_text(block.title))
        if block.notes:
            event.add("DESCRIPTION", clean_text(block.notes))
        if block.location:
            event.add("LOCATION", clean_text(block.location))
        if block.classification is not None:
            event.add("CLASS", block.classification.value)
        event.add("CATEGORIES", self._categories(block))
        add_participants(event, [block.organizer] if block.organizer else [])
        add_participants(event, block.attendees)
        _x(event, "SPHERE", block.sphere)
        _x(event, "KIND", block.kind.value)
        _x(event, "ID", block.id)
        if block.energy is not None:
            _x(event, "ENERGY", block.energy.value)
        if block.travel is not None:
            _x(event, "TRAVEL", _duration(block.travel))
        for alarm in block.alarms:
            event.add_component(alarm_component(alarm, block.title))
        return event

    def _categories(self, block: Block) -> list[str]:
        """One CATEGORIES list: the sphere's label, then the tags (ics 0.7 takes one only)."""
        labels = self.options.sphere_labels or {}
        names = [clean_text(labels.get(block.sphere, block.sphere.capitalize()))]
        for tag in block.tags:
            tag = clean_text(tag)
            if tag and tag.lower() not in {n.lower() for n in names}:
                names.append(tag)
        return names

    def _keyed(self, uid: str) -> str:
        digest = hmac.new(self.key, uid.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"{digest[:32]}{UID_DOMAIN}"

    def _moment(self, moment: Moment, zone: tzinfo | None) -> Moment:
        """``moment`` as it should be written: in ``zone``, UTC, floating or a date."""
        if not isinstance(moment, datetime):
            return moment
        if moment.tzinfo is None:
            return moment  # floating stays floating
        if zone is None:
            return moment.astimezone(UTC)
        local = moment.astimezone(zone)
        self._note_zone(_key(zone), local.year)
        return local

    def _note_zone(self, tzid: str, year: int) -> None:
        first, last = self.zone_years.get(tzid, (year, year))
        self.zone_years[tzid] = (min(first, year), max(last, year))

    def _add_recurrence(self, event: Event, block: Block, zone: tzinfo | None) -> None:
        rec = block.recurrence
        if rec is None:
            return
        for rule in _rules(block):  # RFC 2445 files may carry several RRULEs
            event.add("RRULE", rule)
            if zone is not None:
                self._note_series_end(_key(zone), block, rule)
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
        start_year = block.start.year if block.start is not None else self.now.year
        self._note_zone(tzid, max(self.now.year, start_year) + _OPEN_SERIES_YEARS)

    def _recurrence_id(self, block: Block) -> Moment:
        """RECURRENCE-ID in the master's zone, so readers match it to the slot."""
        rid = _slot(block)
        members = self.series.get(block.series_key, [])
        master = next((b for b in members if _rid_text(b) is None), block)
        return self._moment(rid, _zone_for(master))


def _series_uids(series: Mapping[SeriesKey, list[Block]]) -> dict[SeriesKey, str]:
    """One UID per series: the imported one, unless an earlier series already took it.

    The same calendar imported under two names gives two series with one UID; the
    later one (in input order) is written under its first block's id instead.
    """
    uids: dict[SeriesKey, str] = {}
    taken: set[str] = set()
    for key, members in series.items():
        calendar, uid = key
        if not calendar:
            uid = f"{uid}{UID_DOMAIN}"  # own series: the key holds the master's id
        if uid in taken:
            uid = f"{members[0].id}{UID_DOMAIN}"
        taken.add(uid)
        uids[key] = uid
    return uids


_RULE_NUMBER = re.compile(r"(?<![A-Z])(COUNT|INTERVAL)=(\d+)", re.IGNORECASE)


def _writable_rule(text: str) -> str:
    """A COUNT or INTERVAL past the largest INTEGER (stored before the reader bounded
    them) written as that INTEGER, as planner reads it to the year 9999: a COUNT that
    large ends after 9999 unless the rule repeats by the minute; an INTERVAL that large
    has no second period before 9999 unless it repeats by the second or minute."""
    return _RULE_NUMBER.sub(
        lambda m: f"{m.group(1)}={min(int(m.group(2)), MAX_ICAL_INTEGER)}", text)


def unwritable(block: Block) -> str | None:
    """Why ``block`` cannot be written to a calendar file (a stored RRULE or recurrence
    id no file can hold, e.g. from an older planner), or None. ``write_calendar``
    refuses such a block; a caller can leave it out first and say so."""
    try:
        if block.recurrence is not None:
            _rules(block)
        if _rid_text(block) is not None:
            _slot(block)
    except ValueError as exc:
        return _reason(exc)
    return None


def _reason(exc: ValueError) -> str:
    return str(exc).split(": ", 1)[-1]


def _rules(block: Block) -> list[vRecur]:
    assert block.recurrence is not None
    rules = []
    for text in rules_of(block.recurrence.rrule):
        try:
            rules.append(vRecur.from_ical(_writable_rule(text)))
        except ValueError as exc:
            raise ValueError(f"block {block.id!r}: unreadable RRULE {text!r}") from exc
    return rules


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


# --- bounding a series to the range --------------------------------------------------


def _bounded(members: list[Block], bound: tuple[datetime, datetime]) -> list[Block]:
    """The series cut to stop at the end of ``bound`` (a range export).

    A rule without end, or ending later, gets UNTIL at the range's last second, or at
    the slot of an override moved into the range if that comes later; RDATEs and
    overrides whose slots come after it go. A COUNT rule is finite already: kept whole.
    """
    master = members[0]
    rec = master.recurrence
    if _rid_text(master) is not None or rec is None or master.start is None:
        return members
    start, end = bound
    zone = end.tzinfo
    assert zone is not None
    limit = end - timedelta(seconds=1)
    for override in members[1:]:
        if _overlaps(override, start, end, zone):
            limit = max(limit, _instant(_slot(override), zone))
    new_rules = []
    for rule in _rules(master):
        if "COUNT" in rule:
            return members
        until = rule.get("UNTIL")
        if until and _instant(until[0], zone, end_of_day=True) <= limit:
            return members
        rule["UNTIL"] = [_like(master.start, limit, zone)]
        new_rules.append(rule.to_ical().decode("ascii"))
    new_rrule = "\n".join(new_rules) or rec.rrule
    rdates = tuple(m for m in rec.rdates if _instant(m, zone) <= limit)
    bounded = replace(master, recurrence=replace(rec, rrule=new_rrule, rdates=rdates))
    kept = [o for o in members[1:] if _instant(_slot(o), zone) <= limit]
    return [bounded, *kept]


def _like(template: Moment, instant: datetime, zone: tzinfo) -> Moment:
    """``instant`` as an UNTIL for a series starting at ``template`` (RFC 5545 3.3.10)."""
    if not isinstance(template, datetime):
        return instant.astimezone(zone).date()
    if template.tzinfo is None:
        return instant.astimezone(zone).replace(tzinfo=None)
    return instant.astimezone(UTC)


def _instant(moment: Moment, zone: tzinfo, *, end_of_day: bool = False) -> datetime:
    """An aware instant; dates and floating times are read in ``zone``."""
    if isinstance(moment, datetime):
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    if end_of_day:
        return datetime.combine(moment + timedelta(days=1), time(0), zone) - timedelta(
            seconds=1)
    return datetime.combine(moment, time(0), zone)


def _overlaps(block: Block, start: datetime, end: datetime, zone: tzinfo) -> bool:
    if block.start is None or block.end is None:
        return False
    return _instant(block.start, zone) < end and _instant(block.end, zone) > start


def _slot(block: Block) -> Moment:
    """The original start of the instance an override replaces."""
    text = _rid_text(block)
    assert text is not None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        value = vDDDTypes.from_ical(text)
    except ValueError as exc:
        raise ValueError(f"block {block.id!r}: unreadable recurrence id {text!r}") from exc
    if isinstance(value, date):
        return value
    raise ValueError(f"block {block.id!r}: unreadable recurrence id {text!r}")


# --- small helpers ----------------------------------------------------------------


def _x(event: Event, name: str, value: str) -> None:
    event.add(f"X-PLANNER-{name}", vText(clean_text(value)))


def _duration(value: timedelta) -> str:
    return vDuration(value).to_ical().decode("ascii")


def _utc_text(moment: datetime) -> str:
    """UTC date-time text; a naive (floating) value keeps its wall time without Z."""
    if moment.tzinfo is None:
        return moment.strftime("%Y%m%dT%H%M%S")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _chunk_uid(base_uid: str, n: int) -> str:
    if base_uid.endswith(UID_DOMAIN):
        return f"{base_uid[: -len(UID_DOMAIN)]}-{n}{UID_DOMAIN}"
    return f"{base_uid}-{n}"


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@lru_cache(maxsize=64)
def _zone(tzid: str) -> tzinfo | None:
    if tzid in _UTC_NAMES:
        return None
    zone = zone_of(tzid)  # an IANA name, or a calendar's own VTIMEZONE (core.zonerules)
    if zone is None or zone is UTC:
        return None  # unknown name: fall back to UTC, which is still exact
    register_zone(zone)
    return zone


def _key(zone: tzinfo) -> str:
    """The TZID a zone is written under (IANA zones and registered custom ones have a key)."""
    return str(getattr(zone, "key", None) or zone)


def _zone_for(block: Block) -> tzinfo | None:
    return _zone(block.tzid) if block.tzid else None


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
