"""One day's view data, read from the service in a job thread and kept until data changes.

A day change used to ask the service for the same day three times (the plan, then
insights, which re-read the plan, then nudges, which re-read the insights). Here the
plan is read once and handed to ``service.insights``/``nudges``. ``load_day`` runs in a
read job (never on the UI thread); the day screen keeps the results per day, so going
back and forth paints from memory until an edit, a reload or a new "today" clears it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from textual.message import Message

from planner.core.insights import DayInsights
from planner.core.model import Block
from planner.ui.view import Item, timed_items

if TYPE_CHECKING:
    from planner.app.service import DayPlan, PlannerService

CACHE_DAYS = 32


@dataclass(frozen=True)
class DayData:
    day: date
    today: date  # "overdue" and the past depend on it
    plan: DayPlan
    items: tuple[Item, ...]
    done: tuple[Block, ...]  # ticked-off flexible blocks of the day (off the plan)
    insights: DayInsights | None
    nudges: tuple[str, ...]


class DayLoaded(Message, bubble=False):
    """Days read by a job, for the day screen's cache."""

    def __init__(self, days: tuple[DayData, ...]) -> None:
        super().__init__()
        self.days = days


def load_day(service: PlannerService, day: date) -> DayData:
    """The day as the day screen shows it; one ``day_plan`` call. Runs in a job thread."""
    today = service.today()
    plan = service.day_plan(day)
    # Ticked-off tasks leave the plan; keep them in sight so space can undo a tick.
    done = tuple(b for b in service.flexible_blocks() if b.done and not b.planned
                 and b.day == day)
    try:  # handing the plan on, so insights and nudges don't read it twice more
        ins: DayInsights | None = service.insights(day, plan)
        hints = tuple(service.nudges(day, ins))
    except Exception:  # insights are a bonus: never let them break the day view
        ins, hints = None, ()
    # Double bookings are marked on the timeline.
    items = tuple(timed_items(day, service.zone, plan.occurrences, plan.bridges,
                              ins.conflicts if ins is not None else ()))
    return DayData(day, today, plan, items, done, ins, hints)


def load_days(service: PlannerService, days: Iterable[date]) -> DayLoaded:
    return DayLoaded(tuple(load_day(service, day) for day in days))


class DayCache:
    """Recently shown days; valid for one "today" and until ``clear``."""

    def __init__(self, size: int = CACHE_DAYS) -> None:
        self._size = size
        self._days: OrderedDict[date, DayData] = OrderedDict()

    def get(self, day: date, today: date) -> DayData | None:
        data = self._days.get(day)
        if data is None:
            return None
        if data.today != today:  # a new "today": overdue blocks show elsewhere now
            self._days.clear()
            return None
        self._days.move_to_end(day)
        return data

    def put(self, data: DayData) -> None:
        self._days[data.day] = data
        self._days.move_to_end(data.day)
        while len(self._days) > self._size:
            self._days.popitem(last=False)

    def __contains__(self, day: date) -> bool:
        return day in self._days

    def clear(self) -> None:
        self._days.clear()
