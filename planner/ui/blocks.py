"""Turning what the user typed into blocks, through the service's own constructors."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import TYPE_CHECKING

from planner.core.errors import PlannerError
from planner.core.model import Block, Classification
from planner.core.moments import plus_exact
from planner.core.when import QuickAdd

if TYPE_CHECKING:
    from planner.app.service import PlannerService

DEFAULT_FIXED = timedelta(hours=1)
DEFAULT_FLEXIBLE = timedelta(minutes=30)
DEFAULT_SPHERE = "personal"  # as `planner add`


def block_from_quick_add(service: PlannerService, qa: QuickAdd, day: date) -> Block:
    """A new block for a parsed quick-add line; ``day`` is the day being viewed."""
    sphere = qa.sphere or (DEFAULT_SPHERE if DEFAULT_SPHERE in service.settings.spheres
                           else next(iter(service.settings.spheres)))
    private = {"classification": Classification.PRIVATE} if qa.private else {}
    if qa.kind == "fixed":
        if qa.start is None:
            raise PlannerError("A fixed block needs a time, e.g. 'standup 9:30 15m fixed'.")
        start = service.local(qa.start)
        return service.make_fixed(qa.title, start, plus_exact(start, qa.duration or DEFAULT_FIXED),
                                  sphere=sphere, rrule=qa.repeat, **private)
    when_day = qa.day or (service.local(qa.start).date() if qa.start else None)
    if when_day is None and qa.earliest is None and qa.deadline is None:
        when_day = day
    block = service.make_flexible(
        qa.title, qa.duration or DEFAULT_FLEXIBLE, sphere=sphere, day=when_day,
        earliest=qa.earliest, deadline=qa.deadline,
        part=str(qa.part_of_day) if qa.part_of_day else None, priority=qa.priority, **private)
    if qa.start is not None:
        block = block.evolve(pinned_start=qa.start.astimezone(UTC), revision=0)
    return block
