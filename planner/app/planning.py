"""Placing flexible blocks: keep the saved plan current and say what moved.

The saved plan (each flexible block's ``planned`` chunks and ``plan_note``) is the one
truth every view, export and sync reads. It is computed by the pure
``core.scheduler.plan_horizon`` from the blocks, their current placements and *now*:

- every write that can change it settles it (``settle``) inside the same transaction,
  first to catch up with the clock, then after the change; what the change moved
  besides the block the person touched becomes a notice (``Session.plan_notices``);
- a read that finds the saved plan behind the clock (a day rolled over, a reason went
  stale, the config changed) brings it up to date first (``catch_up``), so a reason is
  always true now and an open block is never left on a day that is over.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from planner.app import queries
from planner.app.session import Session
from planner.core.errors import Busy
from planner.core.model import Block, Occurrence, Placement, PlanResult, Unplaced
from planner.core.moments import clock_span, day_label

if TYPE_CHECKING:  # the scheduler loads when a plan is worked out, not for every read
    from planner.core.scheduler import Plan

Chunks = tuple[tuple[datetime, datetime], ...]


@dataclass(frozen=True)
class Moved:
    """A block whose saved placement changed without being asked to."""

    before: Block
    after: Block


def compute(session: Session, keep: Collection[str] = ()) -> Plan:
    """The plan as of now, keeping every saved placement that is still valid (no write).

    Blocks in ``keep`` stay exactly where they are and count as busy time: a sync keeps
    a placement another device made, so two devices never move a block back and forth.
    """
    blocks = [b for b in session.flexible_blocks() if not b.done]
    held = [b for b in blocks if b.id in keep and b.planned]

    def fixed_on(day: date) -> list[Occurrence]:
        start, end = session.day_bounds(day)
        found = list(queries.fixed_between(session, start, end, planning=True))
        found += [Occurrence(b, s, e) for b in held for s, e in b.planned
                  if s < end and e > start]
        return found

    from planner.core.scheduler import plan_horizon  # loaded when a plan is worked out

    return plan_horizon([b for b in blocks if b not in held], zone=session.zone,
                        settings=session.settings, now=session.now(), fixed_on=fixed_on)


def _saved_form(plan: Plan, block: Block) -> tuple[Chunks, str]:
    chunks = tuple(sorted((p.start.astimezone(UTC), p.end.astimezone(UTC))
                          for p in plan.placements.get(block.id, ())))
    return chunks, "" if chunks else plan.unplaced.get(block.id, "")


def _differs(session: Session, plan: Plan) -> bool:
    return any(_saved_form(plan, b) != (b.planned, b.plan_note)
               for b in session.flexible_blocks() if not b.done)


def settle(session: Session, keep: Collection[str] = ()) -> list[Moved]:
    """Save the plan as of now (inside a write); returns every block whose plan changed."""
    if all(block.done for block in session.flexible_blocks()):
        # Nothing to place (an import into a planner without tasks): no plan to work
        # out, and no scheduler to load for it.
        _remember_current(session)
        return []
    plan = compute(session, keep)
    changed: list[Moved] = []
    for block in session.flexible_blocks():
        if block.done or (block.id in keep and block.planned):
            continue
        planned, note = _saved_form(plan, block)
        if planned != block.planned:
            # A new time: the revision (exported as SEQUENCE) must rise, or calendar
            # apps keep showing the old placement.
            after = block.evolve(planned=planned, plan_note=note)
        elif note != block.plan_note:
            after = replace(block, plan_note=note)  # same time: not an edit
        else:
            continue
        session.store.put(after)
        changed.append(Moved(block, after))
    if changed:
        session.flexible_changed()
    _remember_current(session)
    return changed


def _remember_current(session: Session) -> None:
    session.plan_checked = _check_key(session)


def _check_key(session: Session) -> tuple[object, ...]:
    now = session.now()
    return (session.revision, session.store.generation, int(now.timestamp()) // 60)


def catch_up(session: Session) -> None:
    """Bring the saved plan up to date with the clock before reading it.

    Cheap when nothing changed (one check per minute and data revision); a change is
    saved in a write of its own. When another planner holds the store, the read goes
    on with what is saved: it will be caught up by the next write.
    """
    if session.store.in_transaction:
        return  # the write in progress settles the plan itself
    key = _check_key(session)
    if session.plan_checked == key:
        return
    if not _differs(session, compute(session)):
        session.plan_checked = key
        return
    try:
        with session.write():
            settle(session)
    except Busy:
        return
    _remember_current(session)


def plan(session: Session, day: date) -> PlanResult:
    """Bring the plan up to date and return ``day``'s part of it."""
    with session.write():
        settle(session)
    return day_result(session, day)


def day_result(session: Session, day: date) -> PlanResult:
    """The saved plan's placements on ``day`` and the blocks shown there as unplaced."""
    start, end = session.day_bounds(day)
    placements = sorted(
        (Placement(b.id, session.local(s), session.local(e))
         for b in session.flexible_blocks() if not b.done
         for s, e in b.planned if s < end and e > start),
        key=lambda p: (p.start, p.end, p.block_id))
    unplaced = tuple(Unplaced(b.id, b.plan_note) for b in queries.unplaced_on(session, day))
    return PlanResult(tuple(placements), unplaced)


def replan(session: Session, keep: Collection[str] = ()) -> list[Moved]:
    """Settle the plan inside the write in progress (after an import, a sync...)."""
    return settle(session, keep)


# --------------------------------------------------------------------------- notices


def side_effects(moves: list[Moved], touched: Collection[str] = ()
                 ) -> list[tuple[str, Block | None, Block | None]]:
    """History steps for the blocks a change moved on the way (besides those it was
    about), so undoing the change puts them back where they were."""
    return [(m.before.id, m.before, m.after) for m in moves if m.before.id not in touched]


def when_text(session: Session, chunks: Chunks) -> str:
    """``Tue 1 Dec 09:00–11:00`` (chunks joined with commas)."""
    parts = []
    for s, e in chunks:
        start, end = session.local(s), session.local(e)
        parts.append(f"{day_label(start.date())} {clock_span(start, end)}")
    return ", ".join(parts)


def notices(session: Session, moves: list[Moved], *, touched: Collection[str]) -> list[str]:
    """One sentence per block the person did not touch whose placement changed."""
    lines = []
    for move in sorted(moves, key=lambda m: (m.before.title.lower(), m.before.id)):
        if move.before.id in touched:
            continue
        before, after = move.before, move.after
        if before.planned and after.planned:
            lines.append(f"Moved {before.title!r} from {when_text(session, before.planned)} "
                         f"to {when_text(session, after.planned)} to make room.")
        elif before.planned:
            lines.append(f"{before.title!r} no longer fits: {after.plan_note}.")
    return lines
