"""User settings as plain data (pure core). ``config.py`` fills these from TOML."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta

from planner.core.model import PERSONAL, WORK

# Monday=0 ... Sunday=6, as datetime.weekday().
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

TimeRange = tuple[time, time]
# Weekday number -> ranges of wall-clock time in the user's zone.
WeeklyHours = dict[int, tuple[TimeRange, ...]]


@dataclass(frozen=True, slots=True)
class SphereInfo:
    name: str
    colour: str  # a CSS-like colour or a theme variable name; the UI decides
    parent: str  # "work" or "personal": what the sphere counts as


def _default_spheres() -> dict[str, SphereInfo]:
    return {
        WORK: SphereInfo(WORK, "#4f8fd8", WORK),
        PERSONAL: SphereInfo(PERSONAL, "#e08a3c", PERSONAL),
    }


def _office_hours() -> WeeklyHours:
    return {d: ((time(9, 0), time(17, 30)),) for d in range(5)}


def _evenings_and_weekends() -> WeeklyHours:
    weekday_evening = ((time(17, 30), time(21, 0)),)
    all_day = ((time(0, 0), time(23, 59, 59)),)
    return {0: weekday_evening, 1: weekday_evening, 2: weekday_evening,
            3: weekday_evening, 4: weekday_evening, 5: all_day, 6: all_day}


@dataclass(frozen=True, slots=True)
class Settings:
    timezone: str | None = None  # IANA name; None = system zone
    day_start: time = time(7, 0)  # waking hours: nothing flexible outside them
    day_end: time = time(22, 0)
    # sphere -> weekly hours; flexible blocks of that sphere go only inside them.
    working_hours: dict[str, WeeklyHours] = field(default_factory=lambda: {WORK: _office_hours()})
    # Personal time that flexible work must never take, and where fixed work is "bleed".
    protected: WeeklyHours = field(default_factory=_evenings_and_weekends)
    # Wall-clock time after which work should stop, per weekday (bleed past it).
    shutdown: dict[int, time] = field(default_factory=lambda: {d: time(17, 30) for d in range(5)})
    spheres: dict[str, SphereInfo] = field(default_factory=_default_spheres)
    bridge: timedelta = timedelta(0)  # 0 = no bridges
    bridge_title: str = "Transition walk"
    granularity: timedelta = timedelta(minutes=5)  # placements start on this grid
    theme: str = "planner-dark"
    nudges: bool = True

    def parent_of(self, sphere: str) -> str:
        info = self.spheres.get(sphere)
        return info.parent if info else (WORK if sphere == WORK else PERSONAL)

    def is_work(self, sphere: str) -> bool:
        return self.parent_of(sphere) == WORK

    @property
    def sphere_names(self) -> tuple[str, ...]:
        return tuple(self.spheres)
