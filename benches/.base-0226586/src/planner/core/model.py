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

    @property
    def identity(self) -> tuple[str, str, str | None]:
        return (self.calendar, self.uid, self.recurrence_id)


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A series master's rule, kept as in iCalendar and expanded only per window."""

    rrule: str | None = None  # the RRULE value, e.g. "FREQ=WEEKLY;BYDAY=MO,WE"
    rdates: tuple[Moment, ...] = ()
    exdates: tuple[Moment, ...] = ()


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

    def evolve(self, **changes: object) -> Self:
        """A copy with ``changes`` applied and the revision bumped."""
        changes.setdefault("revision", self.revision + 1)
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
