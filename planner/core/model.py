"""The pure data model: blocks, their occurrences and where they came from.

Nothing here does I/O or imports Textual, TinyDB or icalendar; everything above
this layer (store, ical, service, UI) speaks in these types.

Time conventions
----------------
* A timed fixed block has an aware ``start``/``end`` (stored as UTC instants) and
  the original ``tzid`` (an IANA name) so recurrence keeps its wall-clock hour
  across DST changes. A naive datetime means *floating* time: wall time in
  whatever zone the user is viewing in.
* An all-day block has ``date`` start/end with an exclusive end (as iCalendar).
* Durations are ``timedelta``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Self

# Numbers a block can hold, checked where blocks are made (by hand or from a file):
# travel is a lead-in before one commitment, a priority is iCalendar's 0-9 range (planner
# names 0 normal, 1 high, 2 urgent).
MAX_TRAVEL = timedelta(hours=24)
MAX_PRIORITY = 9
# The largest INTEGER of RFC 5545 (3.3.8): a COUNT, INTERVAL, SEQUENCE or REPEAT past it
# cannot be written to a calendar file (icalendar refuses it, other readers hold 32 bits).
MAX_ICAL_INTEGER = 2**31 - 1

WORK = "work"
PERSONAL = "personal"
DEFAULT_SPHERES = (WORK, PERSONAL)


class Kind(StrEnum):
    FIXED = "fixed"
    FLEXIBLE = "flexible"


class Energy(StrEnum):
    ENERGIZING = "energizing"
    NEUTRAL = "neutral"
    DRAINING = "draining"


class PartOfDay(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


# Where each part of day lives on the clock, as (start hour, end hour).
PART_OF_DAY_HOURS: dict[PartOfDay, tuple[int, int]] = {
    PartOfDay.MORNING: (5, 12),
    PartOfDay.AFTERNOON: (12, 17),
    PartOfDay.EVENING: (17, 24),
}

Moment = datetime | date


@dataclass(frozen=True, slots=True)
class Source:
    """Where an imported block came from; identity is (calendar, uid, recurrence_id)."""

    calendar: str
    uid: str
    recurrence_id: str | None = None  # ISO text of the overridden occurrence's start
    content_hash: str = ""
    sequence: int = 0
    # Changed here since it was read from its (read-only) calendar: a fingerprint of the
    # event as the source had it (core.local_edits), so a re-import keeps the change while
    # the source leaves that event alone and says so when the source's version wins.
    edited_from: str = ""

    @property
    def identity(self) -> tuple[str, str, str | None]:
        return (self.calendar, self.uid, self.recurrence_id)


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A series master's rule, kept as in iCalendar and expanded only per window."""

    rrule: str | None = None  # the RRULE value, e.g. "FREQ=WEEKLY;BYDAY=MO,WE"
    rdates: tuple[Moment, ...] = ()
    exdates: tuple[Moment, ...] = ()


class Classification(StrEnum):
    """iCalendar CLASS: who may see an event's details (RFC 5545 3.8.1.3)."""

    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"
    CONFIDENTIAL = "CONFIDENTIAL"

    @classmethod
    def from_text(cls, text: str) -> Classification:
        """Read a CLASS value; an unknown value counts as PRIVATE, as RFC 5545 asks."""
        try:
            return cls(text.strip().upper())
        except ValueError:
            return cls.PRIVATE


class AlarmAction(StrEnum):
    DISPLAY = "DISPLAY"  # show a message
    AUDIO = "AUDIO"  # play a sound
    EMAIL = "EMAIL"  # send a mail to the alarm's attendees


class AlarmRelated(StrEnum):
    START = "START"
    END = "END"


@dataclass(frozen=True, slots=True)
class Alarm:
    """A reminder attached to a block: iCalendar's VALARM, reduced to what is used.

    The trigger is either relative, ``offset`` from the start (or the end, when
    ``related`` is END) of each occurrence, an exact ``timedelta`` (negative = before),
    or absolute, ``at`` (an aware instant, the same for every occurrence). Build one
    with :meth:`before_start` or :meth:`at_instant`; :meth:`fires_at` says when it goes
    off for an occurrence. ``summary`` and ``attendees`` (``mailto:`` addresses) only
    matter to EMAIL alarms. ``repeat`` more firings follow the first, ``repeat_every``
    apart (VALARM's REPEAT and DURATION, which RFC 5545 says come together).
    """

    action: AlarmAction = AlarmAction.DISPLAY
    offset: timedelta | None = None
    related: AlarmRelated = AlarmRelated.START
    at: datetime | None = None
    description: str = ""
    summary: str = ""
    attendees: tuple[str, ...] = ()
    repeat: int = 0
    repeat_every: timedelta | None = None

    def __post_init__(self) -> None:
        if (self.offset is None) == (self.at is None):
            raise ValueError("an alarm has either an offset or an absolute time")
        if self.at is not None and self.at.tzinfo is None:
            raise ValueError("an absolute alarm time must carry its zone")
        if self.repeat < 0 or (self.repeat > 0) != (self.repeat_every is not None):
            raise ValueError("an alarm repeats a number of times at a given interval")
        if self.repeat_every is not None and self.repeat_every <= timedelta(0):
            raise ValueError("an alarm's repeat interval must be positive")

    @classmethod
    def before_start(cls, lead: timedelta, description: str = "") -> Alarm:
        """A DISPLAY reminder ``lead`` before each occurrence starts (``--remind 15m``)."""
        return cls(offset=-lead, description=description)

    @classmethod
    def at_instant(cls, moment: datetime, description: str = "") -> Alarm:
        return cls(at=moment, description=description)

    def fires_at(self, start: datetime, end: datetime) -> datetime:
        """When this alarm goes off for an occurrence running from ``start`` to ``end``."""
        if self.at is not None:
            return self.at
        assert self.offset is not None
        anchor = end if self.related is AlarmRelated.END else start
        return anchor + self.offset

    def firings_between(self, start: datetime, end: datetime, since: datetime,
                        until: datetime, *, limit: int = 1000
                        ) -> list[tuple[int, datetime]]:
        """When in [since, until) this alarm goes off for an occurrence running from
        ``start`` to ``end``, as (n, time): n = 0 for the first firing, then each repeat;
        at most ``limit`` of them (found by arithmetic: a huge REPEAT costs nothing)."""
        try:
            first = self.fires_at(start, end)
        except OverflowError:  # TRIGGER:-P9999999W from a file: before year 1, never fires
            return []
        if self.repeat_every is None:
            return [(0, first)] if since <= first < until else []
        step = self.repeat_every
        low = max(0, -((first - since) // step))  # ceil((since - first) / step)
        high = min(self.repeat, (until - first - timedelta(microseconds=1)) // step)
        return [(n, first + n * step) for n in range(low, min(high, low + limit - 1) + 1)]


@dataclass(frozen=True, slots=True)
class Block:
    """Anything on the timeline. ``kind`` decides which group of fields matters."""

    id: str
    title: str
    sphere: str = PERSONAL
    kind: Kind = Kind.FIXED
    notes: str = ""
    location: str = ""
    tags: tuple[str, ...] = ()
    energy: Energy | None = None
    # CLASS as the calendar said it (None: not stated, i.e. public).
    classification: Classification | None = None
    alarms: tuple[Alarm, ...] = ()
    # An imported event's ORGANIZER / ATTENDEE content lines, kept verbatim (unfolded)
    # so a full export hands them back; planner itself does not read them.
    organizer: str = ""
    attendees: tuple[str, ...] = ()
    # --- fixed ---
    start: Moment | None = None
    end: Moment | None = None
    tzid: str | None = None
    recurrence: Recurrence | None = None
    # Overridden occurrences of this series, by the ISO text of their original start;
    # the override is a block of its own whose ``source.recurrence_id`` names the slot.
    transparent: bool = False
    travel: timedelta | None = None  # lead-in before a fixed personal commitment
    # --- flexible ---
    duration: timedelta | None = None
    day: date | None = None  # the day the user meant it for
    earliest: datetime | None = None
    deadline: datetime | None = None
    part_of_day: PartOfDay | None = None
    priority: int = 0  # higher goes first
    min_chunk: timedelta | None = None  # set => may be split into chunks this long or longer
    pinned_start: datetime | None = None
    done: bool = False
    # Placement the last plan gave this flexible block: (start, end) chunks.
    planned: tuple[tuple[datetime, datetime], ...] = ()
    plan_note: str = ""  # why the last plan could not place it ("" when placed)
    # --- bookkeeping ---
    source: Source | None = None
    revision: int = 0  # bumped on every change; export maps it to SEQUENCE

    @property
    def is_fixed(self) -> bool:
        return self.kind is Kind.FIXED

    @property
    def is_flexible(self) -> bool:
        return self.kind is Kind.FLEXIBLE

    @property
    def all_day(self) -> bool:
        return isinstance(self.start, date) and not isinstance(self.start, datetime)

    @property
    def series_key(self) -> tuple[str, str]:
        """The series this block belongs to: (calendar, UID) if imported, else ("", id).

        A series master and its overrides (same calendar and UID) share it.
        """
        if self.source is not None and self.source.uid:
            return (self.source.calendar, self.source.uid)
        return ("", self.id)

    @property
    def is_private(self) -> bool:
        """Marked CLASS:PRIVATE or CONFIDENTIAL: details stay home in a shared export."""
        return self.classification in (Classification.PRIVATE, Classification.CONFIDENTIAL)

    @property
    def is_recurring(self) -> bool:
        return self.recurrence is not None and bool(self.recurrence.rrule or self.recurrence.rdates)

    @property
    def floating(self) -> bool:
        return isinstance(self.start, datetime) and self.start.tzinfo is None

    @property
    def length(self) -> timedelta:
        """Duration of one occurrence (fixed) or of the whole task (flexible)."""
        if self.is_flexible:
            return self.duration or timedelta(0)
        if self.start is None or self.end is None:
            return timedelta(0)
        return _as_datetime(self.end) - _as_datetime(self.start)

    @property
    def sequence(self) -> int:
        """The iCalendar SEQUENCE this version goes out with: our revision, or the
        imported event's own SEQUENCE if that is higher."""
        return max(self.revision, self.source.sequence if self.source is not None else 0)

    @property
    def next_revision(self) -> int:
        """The revision of the next version: above :attr:`sequence`, so a calendar app
        that saw this one takes the change (an imported event may start at SEQUENCE 5)."""
        return self.sequence + 1

    def evolve(self, **changes: object) -> Self:
        """A copy with ``changes`` applied and the revision bumped."""
        changes.setdefault("revision", self.next_revision)
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One concrete appearance of a block on the timeline.

    For a recurring block ``recurrence_id`` is the original start of this instance;
    for a split flexible block ``chunk`` numbers the piece.
    """

    block: Block
    start: Moment
    end: Moment
    recurrence_id: Moment | None = None
    chunk: int | None = None
    original_start: Moment | None = field(default=None, compare=False)

    @property
    def all_day(self) -> bool:
        return isinstance(self.start, date) and not isinstance(self.start, datetime)

    @property
    def title(self) -> str:
        return self.block.title

    @property
    def sphere(self) -> str:
        return self.block.sphere

    @property
    def kind(self) -> Kind:
        return self.block.kind

    @property
    def blocks_time(self) -> bool:
        """Whether planning must keep clear of this occurrence."""
        return not self.block.transparent and not self.all_day

    @property
    def length(self) -> timedelta:
        return _as_datetime(self.end) - _as_datetime(self.start)


def _as_datetime(moment: Moment) -> datetime:
    if isinstance(moment, datetime):
        return moment
    return datetime(moment.year, moment.month, moment.day)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the planner put (a chunk of) a flexible block."""

    block_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Unplaced:
    """A flexible block the planner could not fit, with a plain-language reason."""

    block_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class PlanResult:
    placements: tuple[Placement, ...] = ()
    unplaced: tuple[Unplaced, ...] = ()
    bridges: tuple[Placement, ...] = ()

    def for_block(self, block_id: str) -> list[Placement]:
        return [p for p in self.placements if p.block_id == block_id]
