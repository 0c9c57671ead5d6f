"""Making and changing blocks: add, edit, delete, done, fixed/flexible, pin, move.

Every change is one write: saved, recorded for undo and followed by a re-plan of the
days it can affect.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from planner.app import history, planning, queries
from planner.app.session import Session
from planner.core.errors import PlannerError
from planner.core.local_edits import fingerprint
from planner.core.model import (
    MAX_ICAL_INTEGER,
    MAX_PRIORITY,
    MAX_TRAVEL,
    Block,
    Energy,
    Kind,
    PartOfDay,
    Recurrence,
)
from planner.core.moments import as_aware
from planner.core.recurrence import RecurrenceError, parse_recurrence_id, validate_rule
from planner.core.series import Scope, Series, SeriesChange
from planner.core.when import passed_deadline

MAX_TASK = timedelta(hours=24)


def new_block_id() -> str:
    return "b" + secrets.token_hex(6)


# --------------------------------------------------------------------------- making


def make_fixed(session: Session, title: str, start: datetime, end: datetime, *, sphere: str,
               rrule: str | None = None, **extra: Any) -> Block:
    return Block(id=new_block_id(), title=title, sphere=sphere, kind=Kind.FIXED,
                 start=start.astimezone(UTC), end=end.astimezone(UTC), tzid=session.zone.key,
                 recurrence=Recurrence(rrule=rrule) if rrule else None, **extra)


def make_all_day(session: Session, title: str, day: date, days: int = 1, *, sphere: str,
                 rrule: str | None = None, **extra: Any) -> Block:
    """A date-only fixed block lasting ``days`` whole days (end exclusive)."""
    return Block(id=new_block_id(), title=title, sphere=sphere, kind=Kind.FIXED, start=day,
                 end=day + timedelta(days=max(1, days)),
                 recurrence=Recurrence(rrule=rrule) if rrule else None, **extra)


def make_flexible(session: Session, title: str, duration: timedelta, *, sphere: str,
                  day: date | None = None, earliest: datetime | None = None,
                  deadline: datetime | None = None, part: str | None = None,
                  priority: int = 0, min_chunk: timedelta | None = None,
                  energy: str | None = None, **extra: Any) -> Block:
    if day is None and earliest is None and deadline is None:
        day = session.today()
    return Block(id=new_block_id(), title=title, sphere=sphere, kind=Kind.FLEXIBLE,
                 duration=duration, day=day,
                 earliest=earliest.astimezone(UTC) if earliest else None,
                 deadline=deadline.astimezone(UTC) if deadline else None,
                 part_of_day=PartOfDay(part) if part else None, priority=priority,
                 min_chunk=min_chunk, energy=Energy(energy) if energy else None, **extra)


# --------------------------------------------------------------------------- changing


def add(session: Session, block: Block) -> Block:
    """Save a new block; a flexible one is planned at once. Anything else the plan had
    to move to make room is named in ``session.plan_notices``."""
    validate(session, block)
    with session.write() as store:
        planning.settle(session)  # catch up with the clock first: that is not this edit
        store.put(block)
        session.changed(None, block)
        moves = planning.settle(session)
        saved = store.get(block.id) or block
        history.record(session, f"add '{block.title}'",
                       [(block.id, None, saved), *_side_effects(moves, block.id)])
        session.plan_notices = planning.notices(session, moves, touched={block.id})
        return saved


def update(session: Session, block_id: str, label: str = "edit", **changes: Any) -> Block:
    with session.write() as store:
        planning.settle(session)
        before = queries.find_block(session, block_id)
        after = mark_edited(session, before, before.evolve(**changes))
        if after.is_flexible and after.plan_note and _placement_inputs_changed(before, after):
            # Changed where it may go: it is new to the plan again, and may make room.
            after = replace(after, plan_note="")
        validate(session, after, before=before)
        store.put(after)
        session.changed(before, after)
        moves = planning.settle(session)
        saved = store.get(after.id) or after
        history.record(session, f"{label} '{before.title}'",
                       [(before.id, before, saved), *_side_effects(moves, before.id)])
        session.plan_notices = planning.notices(session, moves, touched={before.id})
        return saved


def remove(session: Session, block_id: str) -> Block:
    """Delete a block; a series goes with its overrides, a changed occurrence of a
    series leaves a gap (EXDATE) rather than bringing the series' own one back."""
    with session.write() as store:
        planning.settle(session)
        before = queries.find_block(session, block_id)
        rid = before.source.recurrence_id if before.source is not None else None
        if rid is not None or before.is_recurring:
            master, overrides = queries.series_members(session, before)
            if master is not None and master.is_recurring:
                series = Series(master, overrides)
                slot = parse_recurrence_id(rid) if rid is not None else master.start
                assert slot is not None
                apply_change(session, series.remove(slot, Scope.THIS if rid else Scope.ALL))
                return before
        store.delete(before.id)
        session.changed(before, None)
        moves = planning.settle(session)
        history.record(session, f"delete '{before.title}'",
                       [(before.id, before, None), *_side_effects(moves, before.id)])
        session.plan_notices = planning.notices(session, moves, touched={before.id})
        return before


def apply_change(session: Session, change: SeriesChange) -> None:
    """Write a series change (inside a write) as one undoable step, then re-plan."""
    store = session.store
    planning.settle(session)
    steps: list[history.Change] = []
    touched: set[str] = set()
    for block in change.deleted:
        store.delete(block.id)
        session.changed(block, None)
        steps.append((block.id, block, None))
        touched.add(block.id)
    for block in change.saved:
        before = store.get(block.id)
        block = mark_edited(session, before, block)
        validate(session, block, before=before)
        store.put(block)
        session.changed(before, block)
        steps.append((block.id, before, block))
        touched.add(block.id)
    moves = planning.settle(session)
    history.record(session, change.label,
                   steps + [c for c in _side_effects(moves, "") if c[0] not in touched])
    session.plan_notices = planning.notices(session, moves, touched=touched)


def mark_edited(session: Session, before: Block | None, after: Block) -> Block:
    """An event of an imported (read-only source) calendar changed here remembers what
    its source said, so a re-import keeps the change while the source leaves that event
    alone. Linked calendars need no mark: the change is pushed to the server."""
    source = after.source
    if before is None or source is None or source.edited_from or not source.content_hash:
        return after
    meta = session.store.calendar_meta(source.calendar)
    if not meta or isinstance(meta.get("link"), dict):
        return after
    return replace(after, source=replace(source, edited_from=fingerprint(before)))


def _side_effects(moves: list[planning.Moved], touched: str) -> list[history.Change]:
    """Blocks the plan moved on the way, so undo puts them back where they were."""
    return planning.side_effects(moves, {touched})


def set_done(session: Session, block_id: str, done: bool = True) -> Block:
    return update(session, block_id, "done" if done else "undone", done=done)


def toggle_kind(session: Session, block_id: str) -> Block:
    block = queries.find_block(session, block_id)
    if block.is_recurring:
        raise PlannerError(f"{block.title!r} repeats; a series stays fixed.")
    if block.is_fixed:
        if (not isinstance(block.start, datetime) or not isinstance(block.end, datetime)
                or block.all_day):
            raise PlannerError(f"{block.title!r} has no time to start from.")
        start = session.local(block.start)
        # Where it was stays its placement while that holds: nothing jumps.
        return update(session, block.id, "make flexible", kind=Kind.FLEXIBLE,
                      duration=block.length, day=start.date(), start=None, end=None,
                      tzid=None, pinned_start=None,
                      planned=((block.start.astimezone(UTC), block.end.astimezone(UTC)),))
    if block.planned:
        start, end = block.planned[0][0], block.planned[-1][1]
    elif block.pinned_start is not None:
        start = block.pinned_start
        end = start + (block.duration or timedelta(minutes=30))
    else:
        raise PlannerError(f"{block.title!r} is not placed yet, so it has no time to fix; "
                           "pin it or plan the day first.")
    return update(session, block.id, "make fixed", kind=Kind.FIXED, start=start.astimezone(UTC),
                  end=end.astimezone(UTC), tzid=session.zone.key, planned=(), plan_note="",
                  pinned_start=None)


def toggle_pin(session: Session, block_id: str) -> Block:
    block = queries.find_block(session, block_id)
    if not block.is_flexible:
        raise PlannerError(f"{block.title!r} is fixed; only flexible blocks can be pinned.")
    if block.pinned_start is not None:
        return update(session, block.id, "unpin", pinned_start=None)
    if not block.planned:
        raise PlannerError(f"{block.title!r} is not placed yet, so there is nothing to pin.")
    return update(session, block.id, "pin", pinned_start=block.planned[0][0])


def move(session: Session, block_id: str, delta: timedelta) -> Block:
    """Nudge a block: a flexible one is pinned at its new time, a fixed one just moves."""
    block = queries.find_block(session, block_id)
    if block.is_recurring:
        raise PlannerError(f"{block.title!r} repeats; edit the series to move it.")
    if block.is_flexible:
        if not block.planned and block.pinned_start is None:
            raise PlannerError(f"{block.title!r} is not placed yet; plan the day first.")
        current = block.pinned_start or block.planned[0][0]
        return update(session, block.id, "move", pinned_start=(current + delta).astimezone(UTC))
    if block.all_day or not isinstance(block.start, datetime) or not isinstance(
            block.end, datetime):
        raise PlannerError(f"{block.title!r} lasts all day; give it a time to move it.")
    return update(session, block.id, "move", start=block.start + delta, end=block.end + delta)


# --------------------------------------------------------------------------- checks


def validate(session: Session, block: Block, before: Block | None = None) -> None:
    """Every block is checked here, whichever front end made it (``before``: the block
    as it was, when this is a change)."""
    if not block.title.strip():
        raise PlannerError("A block needs a title.")
    session.check_sphere(block.sphere)
    _check_numbers(block)
    if block.is_fixed:
        if block.start is None or block.end is None:
            raise PlannerError(f"{block.title!r} is fixed, so it needs a start time (--at).")
        if as_aware(block.end, session.zone) <= as_aware(block.start, session.zone):
            raise PlannerError(f"{block.title!r} must end after it starts.")
        if block.recurrence is not None and block.recurrence.rrule:
            try:
                validate_rule(block.recurrence.rrule, block.start)
            except RecurrenceError as exc:
                raise PlannerError(f"The repeat rule (RRULE) {block.recurrence.rrule!r} cannot be "
                                   "used; write it like 'FREQ=WEEKLY;BYDAY=MO,WE'.") from exc
    else:
        if block.duration is None or block.duration <= timedelta(0):
            raise PlannerError(f"{block.title!r} needs a positive duration (--for).")
        if block.duration > MAX_TASK:
            raise PlannerError(f"{block.title!r} is longer than a day; split it into tasks.")
        if block.min_chunk is not None and block.min_chunk <= timedelta(0):
            raise PlannerError("The smallest chunk must be a positive duration.")
        if block.earliest and block.deadline and block.deadline <= block.earliest:
            raise PlannerError(f"{block.title!r}: the deadline is before it may start.")
        new_deadline = before is None or before.deadline != block.deadline
        if block.deadline and new_deadline and not block.done and \
                block.deadline <= session.now():
            raise PlannerError(passed_deadline(session.local(block.deadline)))


# A COUNT or INTERVAL past the largest iCalendar INTEGER could not be exported or synced
# (icalendar refuses it): refuse it when typed. (From files the reader keeps such a COUNT
# as the largest and such an INTERVAL as the first instance; the writer bounds both for
# rules an older home stored.)
_MAX_RULE_NUMBER = MAX_ICAL_INTEGER
_RULE_NUMBER = re.compile(r"(?:^|;)\s*(COUNT|INTERVAL)\s*=\s*\+?(\d+)", re.IGNORECASE)


def _check_numbers(block: Block) -> None:
    """Numbers a block cannot hold are one sentence, before anything is saved (a 20-digit
    priority used to fail the save itself; a travel time of a million years broke every
    later `insights`)."""
    if not 0 <= block.priority <= MAX_PRIORITY:
        shown = str(block.priority) if abs(block.priority) < 10**30 else "that number"
        raise PlannerError(f"Priority {shown} is out of range: 0 is normal, 1 high, "
                           f"2 urgent (at most {MAX_PRIORITY}).")
    if block.travel is not None and not timedelta(0) <= block.travel <= MAX_TRAVEL:
        raise PlannerError(f"Travel time before {block.title!r} is more than a day; give "
                           "at most 24 h.")
    for rule in (block.recurrence.rrule or "").splitlines() if block.recurrence else ():
        for name, digits in _RULE_NUMBER.findall(rule):
            if len(digits) > 10 or int(digits) > _MAX_RULE_NUMBER:
                raise PlannerError(f"The repeat rule's {name.upper()} {digits[:20]} is too "
                                   f"large; give at most {_MAX_RULE_NUMBER}.")


def _placement_inputs_changed(before: Block, after: Block) -> bool:
    fields = ("duration", "day", "earliest", "deadline", "part_of_day", "priority",
              "min_chunk", "pinned_start", "sphere", "done")
    return any(getattr(before, f) != getattr(after, f) for f in fields)
