"""Changing one occurrence of a series, it and the ones after, or all: as calendar apps do.

Pure: given a series (its master and the overrides stored for it) and the slot of one
occurrence (its original start, the RECURRENCE-ID), these functions say which blocks to
save and which to delete:

* **this** occurrence: deleting adds an EXDATE to the master (and drops an override of
  that slot); editing writes an override, a block of its own whose
  ``source.recurrence_id`` names the slot (RFC 5545 RECURRENCE-ID);
* **this and following**: the master ends just before the slot (UNTIL; a COUNT is
  turned into UNTIL) and, for an edit, a new series starts at the occurrence with the
  change applied (its COUNT is what was left), taking over the later overrides;
* **all**: the master changes; a change of time moves every slot by the same wall-clock
  step, so EXDATEs and overrides stay on their occurrences.

A series of the planner's own is keyed by the master's id: its overrides carry
``Source("", master id, slot)``. An imported or linked one keeps its calendar and UID.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from planner.core.errors import PlannerError
from planner.core.model import Block, Moment, Occurrence, Recurrence, Source
from planner.core.moments import RRULE_WEEKDAYS, as_aware
from planner.core.recurrence import expand_block, parse_recurrence_id, recurrence_id_text

TAIL_MARK = "_R"  # a split-off series' UID: the original's + _R + its first slot


class Scope(StrEnum):
    THIS = "this"
    FOLLOWING = "following"
    ALL = "all"


@dataclass(frozen=True)
class OccurrenceEdit:
    """What changes: a title, a new start for the occurrence, a new length."""

    title: str | None = None
    start: Moment | None = None  # aware (or naive floating) datetime; a date if all-day
    length: timedelta | None = None

    @property
    def empty(self) -> bool:
        return self.title is None and self.start is None and self.length is None


@dataclass(frozen=True)
class SeriesChange:
    saved: tuple[Block, ...] = ()  # new or changed blocks
    deleted: tuple[Block, ...] = ()
    label: str = ""


class Series:
    """One series: its master and the overrides stored for it."""

    def __init__(self, master: Block, overrides: Sequence[Block] = ()) -> None:
        if not master.is_recurring:
            raise PlannerError(f"{master.title!r} does not repeat.")
        self.master = master
        self.overrides: dict[str, Block] = {}
        for override in overrides:
            slot = _slot_of(override)
            if slot is not None:
                self.overrides[slot] = override

    @property
    def key(self) -> tuple[str, str]:
        return self.master.series_key

    # -- reading ----------------------------------------------------------------------

    def occurrence(self, slot: Moment, zone: ZoneInfo) -> Occurrence | None:
        """The occurrence of ``slot`` as it shows now (the override's, if any)."""
        text = recurrence_id_text(slot)
        override = self.overrides.get(text)
        if override is not None:
            assert override.start is not None and override.end is not None
            return Occurrence(override, _as_viewed(override.start, zone),
                              _as_viewed(override.end, zone), slot, None, slot)
        return self.generated(slot, zone)

    def generated(self, slot: Moment, zone: ZoneInfo) -> Occurrence | None:
        """The occurrence the master itself makes at ``slot`` (overrides aside)."""
        text = recurrence_id_text(slot)
        around = as_aware(slot, zone)
        span = self.master.length + timedelta(days=2)
        for occ in expand_block(self.master, around - span, around + span, zone):
            if occ.recurrence_id is not None and recurrence_id_text(occ.recurrence_id) == text:
                return occ
        return None

    def is_first(self, slot: Moment) -> bool:
        """Whether ``slot`` is the series' first instance (DTSTART): "following" = all."""
        assert self.master.start is not None
        return recurrence_id_text(slot) <= recurrence_id_text(self.master.start)

    # -- deleting ---------------------------------------------------------------------

    def remove(self, slot: Moment, scope: Scope) -> SeriesChange:
        title = self.master.title
        if scope is Scope.FOLLOWING and self.is_first(slot):
            scope = Scope.ALL
        if scope is Scope.ALL:
            return SeriesChange(deleted=(self.master, *self.overrides.values()),
                                label=f"delete series '{title}'")
        if scope is Scope.THIS:
            text = recurrence_id_text(slot)
            master = self._with_exdates(self.master, [slot])
            dropped = tuple(o for k, o in self.overrides.items() if k == text)
            return SeriesChange(saved=(master,), deleted=dropped,
                                label=f"delete one '{title}'")
        master = self._ended_before(slot)
        text = recurrence_id_text(slot)
        later = tuple(o for k, o in self.overrides.items() if k >= text)
        return SeriesChange(saved=(master,), deleted=later,
                            label=f"delete '{title}' from {_day_text(slot)}")

    # -- editing ----------------------------------------------------------------------

    def edit(self, slot: Moment, scope: Scope, change: OccurrenceEdit, zone: ZoneInfo, *,
             new_id: Callable[[], str], tail_uid: str | None = None) -> SeriesChange:
        """Apply ``change`` to the occurrence of ``slot`` (and more, by ``scope``).

        ``tail_uid``: the UID a new series takes in an imported or linked calendar.
        """
        if change.empty:
            raise PlannerError("Nothing to change: give --at, --title or --for.")
        current = self.occurrence(slot, zone)
        if current is None:
            raise PlannerError(f"{self.master.title!r} has no occurrence at "
                               f"{_day_text(slot)}.")
        if scope is Scope.FOLLOWING and self.is_first(slot):
            scope = Scope.ALL
        if scope is Scope.THIS:
            return self._edit_this(slot, current, change, zone, new_id)
        if scope is Scope.ALL:
            return self._edit_all(slot, current, change, zone)
        return self._edit_following(slot, current, change, zone, new_id, tail_uid)

    def _edit_this(self, slot: Moment, current: Occurrence, change: OccurrenceEdit,
                   zone: ZoneInfo, new_id: Callable[[], str]) -> SeriesChange:
        text = recurrence_id_text(slot)
        start, end = _moved(current, change, self.master, zone)
        existing = self.overrides.get(text)
        fields: dict[str, object] = {"start": start, "end": end}
        if change.title is not None:
            fields["title"] = change.title
        if existing is not None:
            return SeriesChange(saved=(existing.evolve(**fields),),
                                label=f"edit one '{self.master.title}'")
        calendar, uid = self.key
        source = Source(calendar, uid, text)
        if self.master.source is not None:
            source = replace(self.master.source, recurrence_id=text, content_hash="",
                             edited_from="")
        override = self.master.evolve(id=new_id(), recurrence=None, source=source,
                                      revision=0, **fields)
        return SeriesChange(saved=(override,), label=f"edit one '{self.master.title}'")

    def _edit_all(self, slot: Moment, current: Occurrence, change: OccurrenceEdit,
                  zone: ZoneInfo) -> SeriesChange:
        master = self.master
        step = _wall_step(master, slot, current, change, zone)
        length = change.length
        fields: dict[str, object] = {}
        if change.title is not None:
            fields["title"] = change.title
        if step or length is not None:
            assert master.start is not None and master.end is not None
            start = _shift(master.start, step, master)
            fields["start"] = start
            fields["end"] = _end_for(start, length or master.length, master)
            fields["recurrence"] = _shifted_recurrence(
                master, step, _day_step(master, master.start, start))
        saved = [master.evolve(**fields)]
        edited = recurrence_id_text(slot)
        for text, override in self.overrides.items():
            moved = self._follow(override, text, step, change, master, None)
            if text == edited and (change.start is not None or change.length is not None):
                # The occurrence being edited takes the time it was given.
                start, end = _moved(current, change, master, zone)
                moved = replace(moved, start=start, end=end)
            saved.append(moved)
        return SeriesChange(saved=tuple(saved), label=f"edit series '{master.title}'")

    def _edit_following(self, slot: Moment, current: Occurrence, change: OccurrenceEdit,
                        zone: ZoneInfo, new_id: Callable[[], str], tail_uid: str | None
                        ) -> SeriesChange:
        master = self.master
        text = recurrence_id_text(slot)
        step = _wall_step(master, slot, current, change, zone)
        assert master.recurrence is not None and master.start is not None
        head = self._ended_before(slot)
        begin = _shift(_slot_wall_moment(slot, master), step, master)
        rule = master.recurrence.rrule
        if rule:
            parts = _rule_parts(rule)
            if "COUNT" in parts:
                left = int(parts["COUNT"]) - self._generated_before(slot, zone)
                parts["COUNT"] = str(max(left, 1))
            parts = _shift_byday(parts, _day_step(master, slot, begin))
            rule = _rule_text(parts)
        tail_id = new_id()
        source = None
        if master.source is not None:
            source = Source(master.source.calendar, tail_uid or f"{tail_id}-tail")
        tail = master.evolve(
            id=tail_id, start=begin,
            end=_end_for(begin, change.length or master.length, master),
            recurrence=Recurrence(rrule=rule,
                                  rdates=_shift_all(_at_or_after(master.recurrence.rdates,
                                                                 text), step, master),
                                  exdates=_shift_all(_at_or_after(master.recurrence.exdates,
                                                                  text), step, master)),
            source=source, revision=0,
            **({"title": change.title} if change.title is not None else {}))
        saved = [head, tail]
        deleted = []
        for key, override in self.overrides.items():
            if key < text:
                continue
            deleted.append(override)
            if key == text and change.start is not None:
                continue  # the edited occurrence is the new series' first, at its new time
            moved = self._follow(override, key, step, change, master, tail)
            saved.append(replace(moved, id=new_id(), revision=0))
        return SeriesChange(saved=tuple(saved), deleted=tuple(deleted),
                            label=f"edit '{master.title}' from {_day_text(slot)}")

    def _follow(self, override: Block, key: str, step: timedelta, change: OccurrenceEdit,
                master: Block, tail: Block | None) -> Block:
        """An override carried along when its series moves (or splits into ``tail``)."""
        slot = parse_recurrence_id(key)
        new_slot = _shift(slot, step, master) if step else slot
        new_rid = recurrence_id_text(new_slot)
        if tail is None:
            assert override.source is not None
            source = replace(override.source, recurrence_id=new_rid)
        elif tail.source is not None:
            source = replace(tail.source, recurrence_id=new_rid)
        else:
            source = Source("", tail.id, new_rid)
        fields: dict[str, object] = {"source": source}
        assert override.start is not None and override.end is not None
        if step and _same_moment(override.start, slot):
            # Moved only by its series: it moves with it.
            fields["start"] = _shift(override.start, step, master)
            fields["end"] = _shift(override.end, step, master)
        if change.length is not None and override.length == master.length:
            start = fields.get("start", override.start)
            assert isinstance(start, (date, datetime))
            fields["end"] = _end_for(start, change.length, master)
        if change.title is not None and override.title == master.title:
            fields["title"] = change.title
        return override.evolve(**fields)

    # -- pieces -----------------------------------------------------------------------

    def _ended_before(self, slot: Moment) -> Block:
        """The master with no instance at or after ``slot``."""
        master = self.master
        assert master.recurrence is not None
        text = recurrence_id_text(slot)
        rule = master.recurrence.rrule
        if rule:
            parts = _rule_parts(rule)
            parts.pop("COUNT", None)
            parts["UNTIL"] = _until_before(slot, master)
            rule = _rule_text(parts)
        recurrence = Recurrence(
            rrule=rule,
            rdates=tuple(m for m in master.recurrence.rdates
                         if recurrence_id_text(m) < text),
            exdates=tuple(m for m in master.recurrence.exdates
                          if recurrence_id_text(m) < text))
        return master.evolve(recurrence=recurrence)

    def _generated_before(self, slot: Moment, zone: ZoneInfo) -> int:
        """How many instances the rule made before ``slot`` (what COUNT counts)."""
        master = self.master
        assert master.recurrence is not None and master.start is not None
        rule_only = replace(master, recurrence=Recurrence(rrule=master.recurrence.rrule),
                            source=None)
        start = as_aware(master.start, zone) - timedelta(days=1)
        end = as_aware(slot, zone)
        text = recurrence_id_text(slot)
        return sum(1 for o in expand_block(rule_only, start, end + master.length, zone)
                   if o.recurrence_id is not None and
                   recurrence_id_text(o.recurrence_id) < text)

    @staticmethod
    def _with_exdates(master: Block, slots: Sequence[Moment]) -> Block:
        assert master.recurrence is not None
        known = {recurrence_id_text(m) for m in master.recurrence.exdates}
        extra = tuple(_exdate_for(s, master) for s in slots
                      if recurrence_id_text(s) not in known)
        return master.evolve(recurrence=replace(master.recurrence,
                                                exdates=master.recurrence.exdates + extra))


# --------------------------------------------------------------------------- helpers


def tail_uid_for(uid: str, slot: Moment) -> str:
    """The UID of the series split off at ``slot``, as Google Calendar names it."""
    stamp = recurrence_id_text(slot).replace("-", "").replace(":", "")
    return f"{uid}{TAIL_MARK}{stamp}"


def _slot_of(block: Block) -> str | None:
    return block.source.recurrence_id if block.source is not None else None


def _day_text(slot: Moment) -> str:
    return (slot.date() if isinstance(slot, datetime) else slot).isoformat()


def _as_viewed(moment: Moment, zone: ZoneInfo) -> Moment:
    if isinstance(moment, datetime):
        return moment.astimezone(zone) if moment.tzinfo else moment.replace(tzinfo=zone)
    return moment


def _tz(master: Block) -> ZoneInfo | None:
    """The zone the master's wall times run in; None for floating and all-day series."""
    if master.all_day or not isinstance(master.start, datetime) or master.start.tzinfo is None:
        return None
    try:
        return ZoneInfo(master.tzid) if master.tzid and master.tzid != "UTC" else ZoneInfo("UTC")
    except (ValueError, OSError):
        return ZoneInfo("UTC")


def _wall(moment: Moment, master: Block) -> datetime:
    """``moment`` as the naive wall time the master's rule runs in."""
    if not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day)
    tz = _tz(master)
    if tz is None or moment.tzinfo is None:
        return moment.replace(tzinfo=None)
    return moment.astimezone(tz).replace(tzinfo=None)


def _from_wall(wall: datetime, master: Block) -> Moment:
    if master.all_day:
        return wall.date()
    tz = _tz(master)
    if tz is None:
        return wall
    # fold=0: a wall time in a DST gap lands shifted forward, as RFC 5545 asks.
    return datetime.fromtimestamp(wall.replace(tzinfo=tz).timestamp(), UTC)


def _shift(moment: Moment, step: timedelta, master: Block) -> Moment:
    """``moment`` moved by a wall-clock ``step`` in the master's frame."""
    if not step:
        return moment
    if not isinstance(moment, datetime):
        return moment + timedelta(days=step.days)
    if moment.tzinfo is None:
        return moment + step
    tz = _tz(master) or UTC
    wall = moment.astimezone(tz).replace(tzinfo=None) + step
    return datetime.fromtimestamp(wall.replace(tzinfo=tz).timestamp(), UTC)


def _shift_all(moments: tuple[Moment, ...], step: timedelta, master: Block
               ) -> tuple[Moment, ...]:
    return tuple(_shift(m, step, master) for m in moments)


def _at_or_after(moments: tuple[Moment, ...], text: str) -> tuple[Moment, ...]:
    return tuple(m for m in moments if recurrence_id_text(m) >= text)


def _slot_wall_moment(slot: Moment, master: Block) -> Moment:
    """The slot in the shape the master stores its start (UTC instant, naive, date)."""
    return _from_wall(_wall(slot, master), master)


def _same_moment(a: Moment, b: Moment) -> bool:
    return recurrence_id_text(a) == recurrence_id_text(b)


def _end_for(start: Moment, length: timedelta, master: Block) -> Moment:
    if not isinstance(start, datetime):
        return start + timedelta(days=max(1, length.days))
    return start + length


def _moved(current: Occurrence, change: OccurrenceEdit, master: Block, zone: ZoneInfo
           ) -> tuple[Moment, Moment]:
    """The occurrence's new start and end in the master's storage shape."""
    length = change.length or current.length
    if master.all_day:
        first = current.start if not isinstance(current.start, datetime) else \
            current.start.date()
        if change.start is not None:
            first = change.start.date() if isinstance(change.start, datetime) else change.start
        assert isinstance(first, date)
        return first, first + timedelta(days=max(1, length.days))
    start = change.start if change.start is not None else current.start
    if not isinstance(start, datetime):
        raise PlannerError(f"{master.title!r} has times; give a time with --at, not a date.")
    if master.start is not None and isinstance(master.start, datetime) and \
            master.start.tzinfo is None:
        start = start.astimezone(zone).replace(tzinfo=None) if start.tzinfo else start
        return start, start + length
    start = start.astimezone(UTC) if start.tzinfo else start.replace(tzinfo=zone).astimezone(UTC)
    return start, start + length


def _wall_step(master: Block, slot: Moment, current: Occurrence, change: OccurrenceEdit,
               zone: ZoneInfo) -> timedelta:
    """How far the series moves in its wall time (whole days if all-day): from its own
    time at ``slot`` to the occurrence's new start."""
    if change.start is None:
        return timedelta(0)
    new_start, _ = _moved(current, change, master, zone)
    return _wall(new_start, master) - _wall(slot, master)


def _day_step(master: Block, slot: Moment, begin: Moment) -> int:
    """Whole days between the slot and where the split-off series now starts."""
    return (_wall(begin, master).date() - _wall(slot, master).date()).days


def _exdate_for(slot: Moment, master: Block) -> Moment:
    return _slot_wall_moment(slot, master)


def _shifted_recurrence(master: Block, step: timedelta, days: int) -> Recurrence | None:
    rec = master.recurrence
    if rec is None or not step:
        return rec
    rule = rec.rrule
    if rule:
        rule = _rule_text(_shift_byday(_rule_parts(rule), days))
        rule = _shift_until(rule, step, master)
    return Recurrence(rrule=rule, rdates=_shift_all(rec.rdates, step, master),
                      exdates=_shift_all(rec.exdates, step, master))


def _until_before(slot: Moment, master: Block) -> str:
    """An UNTIL that keeps every instance before ``slot`` and none from it (RFC 5545:
    a DATE for all-day series, UTC for zoned ones, wall time for floating ones)."""
    if master.all_day:
        day = (slot.date() if isinstance(slot, datetime) else slot) - timedelta(days=1)
        return f"{day:%Y%m%d}"
    wall = _wall(slot, master) - timedelta(seconds=1)
    moment = _from_wall(wall, master)
    assert isinstance(moment, datetime)
    if moment.tzinfo is None:
        return f"{moment:%Y%m%dT%H%M%S}"
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _shift_until(rule: str, step: timedelta, master: Block) -> str:
    parts = _rule_parts(rule)
    until = parts.get("UNTIL")
    if not until:
        return rule
    if len(until) == 8:
        day = datetime.strptime(until, "%Y%m%d") + timedelta(days=step.days)
        parts["UNTIL"] = f"{day:%Y%m%d}"
    elif until.endswith("Z"):
        moment = datetime.strptime(until, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        shifted = _shift(moment, step, master)
        assert isinstance(shifted, datetime)
        parts["UNTIL"] = f"{shifted.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    else:
        moment = datetime.strptime(until, "%Y%m%dT%H%M%S") + step
        parts["UNTIL"] = f"{moment:%Y%m%dT%H%M%S}"
    return _rule_text(parts)


def _rule_parts(rule: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for piece in rule.strip().removeprefix("RRULE:").split(";"):
        if piece.strip():
            key, _, value = piece.partition("=")
            parts[key.strip().upper()] = value.strip()
    return parts


def _rule_text(parts: dict[str, str]) -> str:
    return ";".join(f"{k}={v}" for k, v in parts.items())


def _shift_byday(parts: dict[str, str], days: int) -> dict[str, str]:
    """Weekdays named in BYDAY move with the series when it moves to another day."""
    days %= 7
    if not days or "BYDAY" not in parts:
        return parts
    moved = []
    for value in parts["BYDAY"].split(","):
        value = value.strip().upper()
        prefix, name = value[:-2], value[-2:]
        if name not in RRULE_WEEKDAYS:
            return parts
        moved.append(prefix + RRULE_WEEKDAYS[(RRULE_WEEKDAYS.index(name) + days) % 7])
    return {**parts, "BYDAY": ",".join(moved)}
