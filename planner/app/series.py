"""Series edits: one occurrence, it and the ones after, or all (`rm/edit --occurrence`).

The decisions are pure (``core.series``); this module finds the series and the slot,
writes the result in one undoable step and re-plans. Edits of a linked calendar's
series are queued by the store and pushed by `planner sync` as the override, EXDATE or
split they are; edits of an imported (read-only) calendar are marked so a re-import
keeps them while the source leaves that event alone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from planner.app import editing, queries
from planner.app.session import Session
from planner.core.errors import PlannerError
from planner.core.model import Block, Moment
from planner.core.moments import as_aware, day_label
from planner.core.recurrence import occurrences, recurrence_id_text
from planner.core.series import OccurrenceEdit, Scope, Series, SeriesChange, tail_uid_for

__all__ = ["OccurrenceEdit", "Scope", "edit_occurrence", "find_slot", "remove_occurrence",
           "series_of"]


def series_of(session: Session, block: Block) -> Series:
    """The series ``block`` (a master or one of its overrides) belongs to."""
    master, overrides = queries.series_members(session, block)
    if master is None:
        raise PlannerError(f"{block.title!r} is a changed occurrence whose series is gone; "
                           "edit or delete it as a single block.")
    return Series(master, overrides)


def find_slot(session: Session, block_id: str, on: date | datetime) -> Moment:
    """The slot (original start) of the series' occurrence on a day, or at a time."""
    block = queries.find_block(session, block_id)
    if not block.is_recurring and not (block.source and block.source.recurrence_id):
        raise PlannerError(f"{block.title!r} does not repeat; leave out --occurrence.")
    series = series_of(session, block)
    day = on.astimezone(session.zone).date() if isinstance(on, datetime) and on.tzinfo \
        else (on.date() if isinstance(on, datetime) else on)
    start, end = session.day_bounds(day)
    found = [o for o in occurrences([series.master, *series.overrides.values()], start, end,
                                    session.zone) if o.recurrence_id is not None]
    if isinstance(on, datetime):
        exact = [o for o in found if _same(o.start, on, session) or
                 _same(o.recurrence_id, on, session)]
        found = exact or found
    starting = [o for o in found if _starts_on(o.start, day, session)]
    found = starting or found
    if not found:
        raise PlannerError(f"{series.master.title!r} has no occurrence on {day_label(day)}.")
    if len(found) > 1:
        times = ", ".join(f"{session.local(o.start):%H:%M}" for o in found
                          if isinstance(o.start, datetime))
        raise PlannerError(f"{series.master.title!r} happens {len(found)} times on "
                           f"{day_label(day)} ({times}); give the time too, e.g. "
                           f"--occurrence '{day} {times.split(',')[0]}'.")
    slot = found[0].recurrence_id
    assert slot is not None
    return slot


def remove_occurrence(session: Session, block_id: str, slot: Moment,
                      scope: Scope = Scope.THIS) -> str:
    """Delete one occurrence (EXDATE), it and the following (UNTIL) or the series.
    Returns what was done, as a sentence."""
    with session.write():
        block = queries.find_block(session, block_id)
        series = series_of(session, block)
        change = series.remove(slot, scope)
        editing.apply_change(session, change)
    return _said(change, series.master)


def edit_occurrence(session: Session, block_id: str, slot: Moment, scope: Scope,
                    edit: OccurrenceEdit, details: dict[str, Any] | None = None) -> Block:
    """Change one occurrence (override), it and the following (split) or all (master).

    ``details`` (notes, location, sphere...) go to the block that then holds the
    occurrence: the override, the new series or the master. One undoable step.
    Returns that block."""
    with session.write() as store:
        block = queries.find_block(session, block_id)
        series = series_of(session, block)
        tail_uid = None
        if series.master.source is not None:
            tail_uid = tail_uid_for(series.master.source.uid, slot)
        if edit.empty and details and (scope is Scope.ALL or (
                scope is Scope.FOLLOWING and series.is_first(slot))):
            change = SeriesChange(saved=(series.master,),
                                  label=f"edit series '{series.master.title}'")
        else:
            if edit.empty and details:  # details only: the occurrence keeps its title
                current = series.occurrence(slot, session.zone)
                edit = OccurrenceEdit(title=current.title if current else series.master.title)
            change = series.edit(slot, scope, edit, session.zone,
                                 new_id=editing.new_block_id, tail_uid=tail_uid)
        held = _holder(change, series, slot, scope)
        if details:
            changed = held.evolve(**details)
            change = replace(change, saved=tuple(changed if b.id == held.id else b
                                                 for b in change.saved))
        editing.apply_change(session, change)
        return store.get(held.id) or held


def _holder(change: SeriesChange, series: Series, slot: Moment, scope: Scope) -> Block:
    text = recurrence_id_text(slot)
    if scope is Scope.THIS:
        for block in change.saved:
            if block.source is not None and block.source.recurrence_id == text:
                return block
    saved = [b for b in change.saved if b.recurrence is not None]
    return saved[-1] if saved else change.saved[0]


def _said(change: SeriesChange, master: Block) -> str:
    label = change.label
    return label[0].upper() + label[1:] if label else f"Changed {master.title}"


def _same(moment: Moment | None, wanted: datetime, session: Session) -> bool:
    if moment is None:
        return False
    return abs(as_aware(moment, session.zone) - as_aware(wanted, session.zone)) < \
        timedelta(minutes=1)


def _starts_on(moment: Moment, day: date, session: Session) -> bool:
    if isinstance(moment, datetime):
        return session.local(moment).date() == day
    return moment == day
