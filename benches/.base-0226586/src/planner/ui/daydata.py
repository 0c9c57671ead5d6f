"""One day's view data, read from the service once and kept until something changes.

A day change used to ask the service for the same day three times (the plan, then
insights, which re-read the plan, then nudges, which re-read the insights). Here the
plan is read once and handed to ``service.insights``/``nudges``, and the result is
cached per day so going back and forth costs nothing until an edit, a reload or a new
"today" clears it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from planner.core.insights import DayInsights
from planner.core.model import Block
from planner.ui.view import Item, timed_items

if TYPE_CHECKING:
    from planner.app.service import DayPlan, PlannerService

CACHE_DAYS = 32


@dataclass(frozen=True)
class DayData:
    day: date
    plan: DayPlan
    items: tuple[Item, ...]
    done: tuple[Block, ...]  # ticked-off flexible blocks of the day (off the plan)
    insights: DayInsights | None
    nudges: tuple[str, ...]


def load_day(service: PlannerService, day: date) -> DayData:
    """The day as the day screen shows it; one ``day_plan`` call."""
    plan = service.day_plan(day)
    items = tuple(timed_items(day, service.zone, plan.occurrences, plan.bridges))
    # Ticked-off tasks leave the plan; keep them in sight so space can undo a tick.
    done = tuple(b for b in service.flexible_blocks() if b.done and not b.planned
                 and b.day == day)
    try:  # handing the plan on, so insights and nudges don't read it twice more
        ins: DayInsights | None = service.insights(day, plan)
        hints = tuple(service.nudges(day, ins))
    except Exception:  # insights are a bonus: never let them break the day view
        ins, hints = None, ()
    return DayData(day, plan, items, done, ins, hints)


class Warmer:
    """Warms days in a worker thread and lets the UI thread wait for a day in progress.

    Holding → down would otherwise have the UI thread expand the very day the worker is
    half-way through: twice the work, and both threads slowed by fighting for the GIL.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: dict[date, threading.Event] = {}

    def warm(self, service: PlannerService, days: Iterable[date],
             cancelled: Callable[[], bool]) -> None:
        """Run in a worker thread: one day at a time, stopping once superseded."""
        for day in days:
            if cancelled():
                return
            event = threading.Event()
            with self._lock:
                if day in self._busy:
                    continue
                self._busy[day] = event
            try:
                service.prefetch([day])
            except Exception:  # only a head start: the UI thread reads the day itself
                pass
            finally:
                with self._lock:
                    del self._busy[day]
                event.set()

    def wait_for(self, day: date, timeout: float = 2.0) -> None:
        with self._lock:
            event = self._busy.get(day)
        if event is not None:
            event.wait(timeout)


class DayCache:
    """Recently shown days; valid for one "today" and until ``clear``."""

    def __init__(self, size: int = CACHE_DAYS, warmer: Warmer | None = None) -> None:
        self._size = size
        self._warmer = warmer
        self._days: OrderedDict[date, DayData] = OrderedDict()
        self._today: date | None = None

    def get(self, service: PlannerService, day: date) -> DayData:
        today = service.today()
        if today != self._today:  # "overdue" unplaced blocks and the past depend on it
            self._days.clear()
            self._today = today
        data = self._days.get(day)
        if data is None:
            if self._warmer is not None:
                self._warmer.wait_for(day)
            data = load_day(service, day)
            self._days[day] = data
            if len(self._days) > self._size:
                self._days.popitem(last=False)
        else:
            self._days.move_to_end(day)
        return data

    def clear(self) -> None:
        self._days.clear()
