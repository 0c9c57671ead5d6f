"""Every open flexible block (`planner tasks`, the app's `b`), grouped by deadline, each
with where the plan put it or why it could not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from planner.app import queries
from planner.app.session import Session
from planner.core.model import Block


@dataclass(frozen=True)
class Task:
    block: Block
    due: date | None  # the day of its deadline (a midnight deadline is the day before)
    overdue: bool
    reason: str | None  # why it is not placed; None when it is

    @property
    def placed(self) -> tuple[tuple[datetime, datetime], ...]:
        return self.block.planned


def open_tasks(session: Session) -> list[Task]:
    """Open flexible blocks: overdue first, then by deadline, then those without one;
    within a deadline by planned time, priority and title."""
    now = session.now()
    found = []
    for block in session.flexible_blocks():
        if block.done:
            continue
        due = queries.deadline_day(session, block.deadline) if block.deadline else None
        overdue = block.deadline is not None and block.deadline <= now and not block.planned
        reason = None if block.planned else (
            block.plan_note or "not planned yet; re-plan the day to place it")
        found.append(Task(block, due, overdue, reason))
    far = date.max
    found.sort(key=lambda t: (not t.overdue, t.due or far, t.block.planned[0][0].timestamp()
                              if t.block.planned else float("inf"), -t.block.priority,
                              t.block.title.casefold(), t.block.id))
    return found
