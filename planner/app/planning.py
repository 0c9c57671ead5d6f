"""Placing flexible blocks: re-plan from a day on and save where they went."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from planner.app import queries
from planner.app.session import Session
from planner.core.model import Block, Occurrence, PlanResult
from planner.core.scheduler import plan_days


def plan(session: Session, day: date) -> PlanResult:
    """Re-place flexible blocks from ``day`` on and save where they went."""
    with session.write():
        return replan_from(session, day)


def replan_from(session: Session, first: date, keep: Collection[str] = ()) -> PlanResult:
    """Re-place the flexible blocks that may go on ``first`` or later (inside a write).

    Blocks in ``keep`` stay where they are and count as busy time: a sync keeps a
    placement another device made, so two devices never move a block back and forth.
    """
    days = [first + timedelta(days=n) for n in range(queries.PLAN_HORIZON_DAYS)]
    horizon_start = session.day_start(first)
    today = session.today()
    candidates: list[Block] = []
    kept: list[Block] = []
    for block in session.flexible_blocks():
        if block.done:
            continue
        if block.id in keep and block.planned:
            kept.append(block)
            continue
        if block.planned and min(s for s, _ in block.planned) < horizon_start:
            continue  # already placed on an earlier day: history, not ours to move
        cand = queries.candidate_days(session, block) or [today]
        if cand[-1] < first or cand[0] > days[-1]:
            continue
        candidates.append(block)
    if not candidates:
        return PlanResult()
    # Only the days some candidate may go on: each day's fixed blocks cost a lookup.
    wanted: set[date] = set()
    for block in candidates:
        wanted.update(queries.candidate_days(session, block) or [today])
    days = [d for d in days if d in wanted] or [first]
    fixed_by_day = {d: list(queries.fixed_between(session, *session.day_bounds(d),
                                                  planning=True))
                    for d in days}
    for block in kept:
        for start, end in block.planned:
            for d in days:
                low, high = session.day_bounds(d)
                if start < high and end > low:
                    fixed_by_day[d].append(Occurrence(block, start, end))
    results = plan_days(days, session.zone, fixed_by_day, candidates, session.settings,
                        not_before=session.now())
    placements: dict[str, list[tuple[datetime, datetime]]] = {}
    reasons: dict[str, str] = {}
    for result in results.values():
        for placement in result.placements:
            placements.setdefault(placement.block_id, []).append(
                (placement.start.astimezone(UTC), placement.end.astimezone(UTC)))
        for unplaced in result.unplaced:
            reasons[unplaced.block_id] = unplaced.reason
    for block in candidates:
        planned = tuple(sorted(placements.get(block.id, [])))
        note = "" if planned else reasons.get(block.id, "no free time in the days it may go")
        if planned != block.planned:
            # A new time: the revision (exported as SEQUENCE) must rise, or calendar
            # apps keep showing the old placement.
            session.store.put(block.evolve(planned=planned, plan_note=note))
        elif note != block.plan_note:
            session.store.put(replace(block, plan_note=note))  # same time: not an edit
    session.flexible_changed()
    return results.get(first, PlanResult())


def replan_day_for(session: Session, block: Block) -> date:
    """The first day whose plan a change to ``block`` can affect."""
    today = session.today()
    if block.is_fixed and isinstance(block.start, datetime):
        return min(session.local(block.start).date(), today)
    days = queries.candidate_days(session, block) if block.is_flexible else []
    if block.planned:
        days = [session.local(block.planned[0][0]).date(), *days]
    return min([*days, today]) if days else today
