"""Boundaries insights and gentle nudges, computed from a person's own plan (pure core).

The essays behind planner name what goes wrong when work and life mix badly: work
bleeds into the evening, constant switching between "work me" and "home me" drains,
rest and energizing things get squeezed out. These functions look for exactly that in
the occurrences of a day or a week and say it in a line or two.

Rules (the tests pin each one):

* **Timed only.** All-day and transparent occurrences never count toward minutes,
  switches, focus, bleed or the sleep window; all-day titles are listed in ``all_day``.
* **Clipped to the day.** A day is midnight to midnight in ``zone``; an occurrence
  counts only for the part inside it, in *real elapsed* minutes (the DST days in
  Europe are 23 h and 25 h long). Naive (floating) times are wall time in ``zone``.
* **Time counts once.** ``minutes_by_sphere`` (and the parent, fixed/flexible and
  energy totals) are the measure of the *union* of the intervals in each group, so two
  overlapping one-hour work meetings give 90 min of work, not 120, wherever the totals
  are shown. ``bleed_minutes`` counts clock minutes too; each ``BleedEvent`` carries
  that block's own minutes.
* **Conflicts.** Where two or more blocking fixed occurrences (not transparent, not
  all-day) overlap, the overlap is a ``Conflict``: a double booking the person must
  resolve. Overlaps that touch or chain make one conflict naming every block in it.
* **Switches** walk the timed occurrences sorted by (clipped start, end, title, id)
  and count how often the parent sphere changes from one to the next.
* **Longest focus** is the longest run of consecutive work-parent occurrences (in the
  same order, no personal occurrence between them) where each next one starts at most
  ``FOCUS_GAP`` after the run's end so far; its length is wall time from the run's
  first start to its last end, short gaps included.
* **Bleed** is work-parent time inside ``settings.protected`` hours
  (``work-into-protected``) or after ``settings.shutdown[weekday]`` until midnight
  (``work-after-shutdown``). A minute that is both counts once, as protected.
  Personal blocks inside work hours are *not* bleed: mixing them in is the point of
  integration, and there is no rule that tells a welcome school run from an intrusion,
  so ``personal-into-work`` is reserved and never produced.
* **Sleep window** is everything outside ``day_start..day_end`` (a window with
  ``day_end <= day_start`` wraps past midnight). It is kept when no timed occurrence
  touches it.
* **Exercise or hobby**: a personal-parent occurrence (all-day ones included) whose
  title words, tags or sphere name contain a word from ``EXERCISE_OR_HOBBY_WORDS``.
  The planner's own bridge (titled ``settings.bridge_title`` or tagged ``bridge``) is
  a transition, not exercise, and does not count.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

from planner.core.conflicts import Conflict, day_conflicts
from planner.core.intervals import intersect, merge, subtract
from planner.core.model import (
    MAX_TRAVEL,
    PERSONAL,
    WORK,
    Block,
    Energy,
    Kind,
    Occurrence,
)
from planner.core.moments import clock_span, in_zone
from planner.core.settings import Settings, WeeklyHours
from planner.core.wording import counted, noun

BleedKind = Literal["work-into-protected", "work-after-shutdown", "personal-into-work"]

# Work blocks this close together still make one focus stretch (a coffee, a room change).
FOCUS_GAP = timedelta(minutes=10)

# Lower-case whole words; matched against title words, tags and the sphere name.
EXERCISE_OR_HOBBY_WORDS: frozenset[str] = frozenset({
    "run", "running", "jog", "jogging", "gym", "workout", "exercise", "sport", "sports",
    "training", "walk", "walking", "hike", "hiking", "yoga", "pilates", "stretch",
    "stretching", "swim", "swimming", "bike", "biking", "cycle", "cycling", "ride",
    "climb", "climbing", "bouldering", "tennis", "football", "soccer", "basketball",
    "badminton", "squash", "dance", "dancing", "skate", "skating", "ski", "skiing",
    "row", "rowing", "hobby", "hobbies", "guitar", "piano", "music", "choir", "paint",
    "painting", "draw", "drawing", "knit", "knitting", "garden", "gardening", "read",
    "reading", "craft", "crafts", "pottery", "photography",
})

# Nudge thresholds: a day with this many switches, or work that long without a
# focus stretch of FOCUS_NUDGE_MIN, earns a line.
SWITCH_NUDGE_AT = 6
MORNING_SWITCH_NUDGE_AT = 4  # a morning this choppy is worth one line on its own
FOCUS_NUDGE_MIN = 60
FOCUS_NUDGE_WORK = 4 * 60

_WORD = re.compile(r"[^\W_]+")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Interval = tuple[datetime, datetime]  # UTC instants, start < end


@dataclass(frozen=True, slots=True)
class BleedEvent:
    block_id: str
    title: str
    sphere: str
    minutes: int
    kind: BleedKind


@dataclass(frozen=True, slots=True)
class DayInsights:
    date: date
    minutes_by_sphere: dict[str, int]
    minutes_by_parent: dict[str, int]
    fixed_minutes: int
    flexible_minutes: int
    switches: int
    longest_focus_minutes: int
    bleed_minutes: int
    bleed: list[BleedEvent]
    sleep_window_kept: bool
    has_exercise_or_hobby: bool
    energizing_minutes: int
    draining_minutes: int
    unplaced_work: int
    all_day: list[str]
    # Extra detail for nudges and the review (not in the brief's minimum).
    protected_bleed_minutes: int = 0
    shutdown_bleed_minutes: int = 0
    # Clock minutes of work after the shutdown time, protected or not ("did the line hold").
    after_shutdown_minutes: int = 0
    sleep_window_minutes: int = 0
    # Work running into the leave-by time of a personal commitment with travel.
    travel_conflicts: list[TravelConflict] = field(default_factory=list)
    switches_before_noon: int = 0
    conflicts: list[Conflict] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TravelConflict:
    """A block that runs into the travel lead-in of a fixed personal commitment."""

    block_id: str
    title: str
    commitment: str
    leave_by: str  # "16:40" in the viewing zone
    minutes: int  # how far it runs into the lead-in


@dataclass(frozen=True, slots=True)
class WeekInsights:
    days: list[DayInsights]
    minutes_by_sphere: dict[str, int] = field(default_factory=dict)
    minutes_by_parent: dict[str, int] = field(default_factory=dict)
    fixed_minutes: int = 0
    flexible_minutes: int = 0
    switches: int = 0
    longest_focus_minutes: int = 0
    bleed_minutes: int = 0
    protected_bleed_minutes: int = 0
    shutdown_bleed_minutes: int = 0
    energizing_minutes: int = 0
    draining_minutes: int = 0
    sleep_window_days_kept: int = 0
    exercise_or_hobby_days: int = 0
    unplaced_work: int = 0  # distinct work blocks left unplaced on any day

    @property
    def has_exercise_or_hobby(self) -> bool:
        return self.exercise_or_hobby_days > 0


# --------------------------------------------------------------------------- time


def _instant(moment: datetime, zone: ZoneInfo) -> datetime:
    return in_zone(moment, zone).astimezone(UTC)


def _wall(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _day_bounds(day: date, zone: ZoneInfo) -> Interval:
    return _wall(day, time(0), zone), _wall(day + timedelta(days=1), time(0), zone)


def _minutes(intervals: Iterable[Interval]) -> int:
    seconds = sum((end - start).total_seconds() for start, end in intervals)
    return int(seconds // 60)


def _ends_at_midnight(at: time) -> bool:
    # Config writes "all day" as 00:00-23:59:59; the last second belongs to the range.
    return at >= time(23, 59, 59)


def _wall_ranges(day: date, hours: WeeklyHours, zone: ZoneInfo) -> list[Interval]:
    """The weekly ``hours`` that fall on ``day``, including yesterday's ranges that wrap
    past midnight (end before start)."""
    out: list[Interval] = []
    yesterday = day - timedelta(days=1)
    for start, end in hours.get(day.weekday(), ()):
        if _ends_at_midnight(end) or end < start:
            out.append((_wall(day, start, zone), _wall(day + timedelta(days=1), time(0), zone)))
        elif start < end:
            out.append((_wall(day, start, zone), _wall(day, end, zone)))
    for start, end in hours.get(yesterday.weekday(), ()):
        if end < start and not _ends_at_midnight(end):
            out.append((_wall(day, time(0), zone), _wall(day, end, zone)))
    return intersect(out, [_day_bounds(day, zone)])


def _sleep_window(day: date, settings: Settings, zone: ZoneInfo) -> list[Interval]:
    start, end = settings.day_start, settings.day_end
    midnight, next_midnight = _day_bounds(day, zone)
    if start < end:
        return merge([(midnight, _wall(day, start, zone)), (_wall(day, end, zone), next_midnight)])
    return merge([(_wall(day, end, zone), _wall(day, start, zone))])


# ---------------------------------------------------------------------- one day


@dataclass(frozen=True, slots=True)
class _Timed:
    occurrence: Occurrence
    span: Interval  # clipped to the day, UTC
    parent: str

    @property
    def minutes(self) -> int:
        return _minutes([self.span])

    @property
    def sort_key(self) -> tuple[datetime, datetime, str, str]:
        return (self.span[0], self.span[1], self.occurrence.title, self.occurrence.block.id)


def _covers_day(occurrence: Occurrence, day: date) -> bool:
    start, end = occurrence.start, occurrence.end
    first = start.date() if isinstance(start, datetime) else start
    last = end.date() if isinstance(end, datetime) else end
    return first <= day < max(last, first + timedelta(days=1))


def _timed_on(day: date, occurrences: Sequence[Occurrence], zone: ZoneInfo,
              settings: Settings) -> list[_Timed]:
    bounds = _day_bounds(day, zone)
    timed: list[_Timed] = []
    for occ in occurrences:
        if occ.all_day or occ.block.transparent:
            continue
        if not (isinstance(occ.start, datetime) and isinstance(occ.end, datetime)):
            continue  # malformed (date mixed with datetime): nothing sensible to count
        span = (max(_instant(occ.start, zone), bounds[0]), min(_instant(occ.end, zone), bounds[1]))
        if span[0] < span[1]:
            timed.append(_Timed(occ, span, settings.parent_of(occ.sphere)))
    timed.sort(key=lambda t: t.sort_key)
    return timed


def _switches(timed: Sequence[_Timed]) -> int:
    return sum(1 for a, b in pairwise(timed) if a.parent != b.parent)


def _longest_focus(timed: Sequence[_Timed]) -> int:
    best = 0
    run: Interval | None = None
    for item in timed:
        if item.parent != WORK:
            run = None
            continue
        start, end = item.span
        if run is not None and start - run[1] <= FOCUS_GAP:
            run = (run[0], max(run[1], end))
        else:
            run = (start, end)
        best = max(best, _minutes([run]))
    return best


def _words(occurrence: Occurrence) -> set[str]:
    block = occurrence.block
    words = set(_WORD.findall(block.title.lower()))
    for text in (*block.tags, block.sphere):
        words.add(text.lower())
        words.update(_WORD.findall(text.lower()))
    return words


def _is_bridge(occurrence: Occurrence, settings: Settings) -> bool:
    block = occurrence.block
    return block.title == settings.bridge_title or "bridge" in (t.lower() for t in block.tags)


def _is_exercise_or_hobby(occurrence: Occurrence, settings: Settings) -> bool:
    if settings.parent_of(occurrence.sphere) != PERSONAL or _is_bridge(occurrence, settings):
        return False
    return not EXERCISE_OR_HOBBY_WORDS.isdisjoint(_words(occurrence))


def _bleed(day: date, timed: Sequence[_Timed], zone: ZoneInfo,
           settings: Settings) -> tuple[list[BleedEvent], int, int, int]:
    """Bleed events (merged per block and kind, in timeline order) plus the clock
    minutes of work in protected time, after shutdown only (protected wins), and
    after shutdown at all."""
    protected = _wall_ranges(day, settings.protected, zone)
    shutdown_at = settings.shutdown.get(day.weekday())
    after = [(_wall(day, shutdown_at, zone), _day_bounds(day, zone)[1])] if shutdown_at else []
    after_only = subtract(after, protected)

    zones: tuple[tuple[BleedKind, list[Interval]], ...] = (
        ("work-into-protected", protected), ("work-after-shutdown", after_only))
    events: dict[tuple[str, str], BleedEvent] = {}
    work: list[Interval] = []
    for item in timed:
        if item.parent != WORK:
            continue
        work.append(item.span)
        for kind, zone_intervals in zones:
            minutes = _minutes(intersect([item.span], zone_intervals))
            if minutes <= 0:
                continue
            block = item.occurrence.block
            key = (block.id, kind)
            previous = events.get(key)
            total = minutes + (previous.minutes if previous else 0)
            events[key] = BleedEvent(block.id, block.title, block.sphere, total, kind)
    return (list(events.values()), _minutes(intersect(work, protected)),
            _minutes(intersect(work, after_only)), _minutes(intersect(work, after)))


def day_insights(day: date, occurrences: Sequence[Occurrence], zone: ZoneInfo,
                 settings: Settings, unplaced: Sequence[Block] = ()) -> DayInsights:
    """Balance, switches, focus, bleed and rest for ``day`` as cut in ``zone``.

    ``occurrences`` may include ones that miss the day (they are ignored) and the
    planned chunks of flexible blocks; ``unplaced`` are flexible blocks that did not fit.
    """
    timed = _timed_on(day, occurrences, zone, settings)
    # Each total is the measure of a union of intervals: overlapping time counts once.
    by_sphere = _union_minutes(timed, lambda t: t.occurrence.sphere)
    by_parent = {WORK: 0, PERSONAL: 0, **_union_minutes(timed, lambda t: t.parent)}
    by_kind = _union_minutes(timed, lambda t: t.occurrence.kind.value)
    by_energy = _union_minutes(timed, lambda t: t.occurrence.block.energy)
    fixed, flexible = by_kind.get(Kind.FIXED.value, 0), by_kind.get(Kind.FLEXIBLE.value, 0)
    energizing = by_energy.get(Energy.ENERGIZING, 0)
    draining = by_energy.get(Energy.DRAINING, 0)

    events, protected_minutes, shutdown_minutes, after_shutdown = _bleed(day, timed, zone, settings)
    in_sleep = intersect([t.span for t in timed], _sleep_window(day, settings, zone))
    on_day = [o for o in occurrences if o.all_day and _covers_day(o, day)]
    exercise = any(_is_exercise_or_hobby(o, settings)
                   for o in [t.occurrence for t in timed] + on_day)
    noon = _wall(day, time(12), zone)
    return DayInsights(
        travel_conflicts=_travel_conflicts(day, occurrences, timed, zone),
        switches_before_noon=_switches([t for t in timed if t.span[0] < noon]),
        date=day,
        minutes_by_sphere=dict(sorted(by_sphere.items())),
        minutes_by_parent=by_parent,
        fixed_minutes=fixed,
        flexible_minutes=flexible,
        switches=_switches(timed),
        longest_focus_minutes=_longest_focus(timed),
        bleed_minutes=protected_minutes + shutdown_minutes,
        bleed=events,
        sleep_window_kept=not in_sleep,
        has_exercise_or_hobby=exercise,
        energizing_minutes=energizing,
        draining_minutes=draining,
        unplaced_work=sum(1 for b in unplaced if settings.is_work(b.sphere)),
        all_day=[o.title for o in on_day],
        protected_bleed_minutes=protected_minutes,
        shutdown_bleed_minutes=shutdown_minutes,
        after_shutdown_minutes=after_shutdown,
        sleep_window_minutes=_minutes(in_sleep),
        conflicts=day_conflicts(day, occurrences, zone),
    )


def _union_minutes(timed: Sequence[_Timed], key: Callable[[_Timed], object]
                   ) -> dict[str, int]:
    groups: dict[object, list[Interval]] = {}
    for item in timed:
        groups.setdefault(key(item), []).append(item.span)
    return {k: _minutes(merge(spans)) for k, spans in groups.items()}  # type: ignore[misc]


def _travel_conflicts(day: date, occurrences: Sequence[Occurrence], timed: Sequence[_Timed],
                      zone: ZoneInfo) -> list[TravelConflict]:
    """Blocks overlapping [start - travel, start) of a commitment that needs travel."""
    conflicts = []
    for commitment in occurrences:
        travel = commitment.block.travel
        if not travel or commitment.all_day or not isinstance(commitment.start, datetime):
            continue
        travel = min(travel, MAX_TRAVEL)  # a home saved before the bound may hold more
        arrive = _instant(commitment.start, zone)
        leave = arrive - travel
        if leave.astimezone(zone).date() != day:
            continue
        for item in timed:
            if item.occurrence.block.id == commitment.block.id:
                continue
            overlap = min(item.span[1], arrive) - max(item.span[0], leave)
            if overlap > timedelta(0):
                conflicts.append(TravelConflict(
                    item.occurrence.block.id, item.occurrence.title, commitment.title,
                    leave.astimezone(zone).strftime("%H:%M"),
                    int(overlap.total_seconds() // 60)))
    return conflicts


# --------------------------------------------------------------------- one week


def _add(into: dict[str, int], more: Mapping[str, int]) -> None:
    for key, value in more.items():
        into[key] = into.get(key, 0) + value


def week_insights(days: Sequence[date], occurrences_by_day: Mapping[date, Sequence[Occurrence]],
                  zone: ZoneInfo, settings: Settings,
                  unplaced_by_day: Mapping[date, Sequence[Block]] | None = None) -> WeekInsights:
    """``day_insights`` for each of ``days`` (in the order given) plus week totals.

    An occurrence crossing midnight may sit in two days' lists; clipping keeps each
    minute on its own day. ``unplaced_work`` counts distinct blocks, so a task carried
    over from Monday to Friday counts once.
    """
    unplaced_by_day = unplaced_by_day or {}
    per_day = [day_insights(d, occurrences_by_day.get(d, ()), zone, settings,
                            unplaced_by_day.get(d, ())) for d in days]
    by_sphere: dict[str, int] = {}
    by_parent: dict[str, int] = {WORK: 0, PERSONAL: 0}
    for d in per_day:
        _add(by_sphere, d.minutes_by_sphere)
        _add(by_parent, d.minutes_by_parent)
    unplaced_work = {b.id for blocks in unplaced_by_day.values() for b in blocks
                     if settings.is_work(b.sphere)}
    return WeekInsights(
        days=per_day,
        minutes_by_sphere=dict(sorted(by_sphere.items())),
        minutes_by_parent=by_parent,
        fixed_minutes=sum(d.fixed_minutes for d in per_day),
        flexible_minutes=sum(d.flexible_minutes for d in per_day),
        switches=sum(d.switches for d in per_day),
        longest_focus_minutes=max((d.longest_focus_minutes for d in per_day), default=0),
        bleed_minutes=sum(d.bleed_minutes for d in per_day),
        protected_bleed_minutes=sum(d.protected_bleed_minutes for d in per_day),
        shutdown_bleed_minutes=sum(d.shutdown_bleed_minutes for d in per_day),
        energizing_minutes=sum(d.energizing_minutes for d in per_day),
        draining_minutes=sum(d.draining_minutes for d in per_day),
        sleep_window_days_kept=sum(1 for d in per_day if d.sleep_window_kept),
        exercise_or_hobby_days=sum(1 for d in per_day if d.has_exercise_or_hobby),
        unplaced_work=len(unplaced_work),
    )


# ----------------------------------------------------------------------- nudges


def format_minutes(minutes: int) -> str:
    """``40 min``, ``2 h``, ``1 h 30 min``."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" if not rest else f"{hours} h {rest} min"


def day_name(day: date) -> str:
    return _DAY_NAMES[day.weekday()]


def _hhmm(at: time) -> str:
    return at.strftime("%H:%M")


def _bleed_lines(day: DayInsights) -> list[str]:
    lines = []
    name = day_name(day.date)
    if day.protected_bleed_minutes:
        lines.append(f"Work runs {format_minutes(day.protected_bleed_minutes)} into personal "
                     f"time on {name}.")
    if day.shutdown_bleed_minutes:
        lines.append(f"Work runs {format_minutes(day.shutdown_bleed_minutes)} past the "
                     f"shutdown on {name}.")
    return lines


def _day_concerns(day: DayInsights, settings: Settings) -> list[str]:
    name = day_name(day.date)
    lines = [f"{_and(c.titles)} overlap {clock_span(c.start, c.end)} on {name}: "
             "which one gives way?" for c in day.conflicts]
    lines += [f"{c.title} runs {format_minutes(c.minutes)} into the time to leave for "
              f"{c.commitment} ({c.leave_by}) on {name}." for c in day.travel_conflicts]
    lines += _bleed_lines(day)
    if day.switches_before_noon >= MORNING_SWITCH_NUDGE_AT and day.switches < SWITCH_NUDGE_AT:
        lines.append(f"{day.switches_before_noon} switches before noon on {name} — "
                     "could the calls be grouped?")
    if not day.sleep_window_kept:
        lines.append(f"{format_minutes(day.sleep_window_minutes)} planned in sleep hours "
                     f"({_hhmm(settings.day_end)}–{_hhmm(settings.day_start)}) on {name}.")
    if day.switches >= SWITCH_NUDGE_AT:
        lines.append(f"{day.switches} switches between work and personal on {name} — "
                     "could some be grouped?")
    work = day.minutes_by_parent.get(WORK, 0)
    if work >= FOCUS_NUDGE_WORK and day.longest_focus_minutes < FOCUS_NUDGE_MIN:
        lines.append(f"No work stretch longer than {format_minutes(day.longest_focus_minutes)} "
                     f"on {name} — room for one focus block?")
    if day.draining_minutes > max(2 * day.energizing_minutes, 60):
        lines.append(f"{format_minutes(day.draining_minutes)} draining and "
                     f"{format_minutes(day.energizing_minutes)} energizing on {name} — "
                     "something restoring would help.")
    if day.unplaced_work:
        # Not "carries over": an unplaced block has no room anywhere in its window, so
        # nothing will happen to it by itself; the person has to make room or change it.
        has = noun(day.unplaced_work, "has", "have")
        lines.append(f"{counted(day.unplaced_work, 'work task')} {has} no place in the plan: "
                     "something has to give.")
    if not day.has_exercise_or_hobby:
        lines.append(f"No exercise or hobby block on {name}.")
    return lines


def _and(titles: Sequence[str]) -> str:
    return " and ".join([", ".join(titles[:-1]), titles[-1]] if len(titles) > 1 else titles)


def _day_praise(day: DayInsights, settings: Settings) -> list[str]:
    shutdown = settings.shutdown.get(day.date.weekday())
    if shutdown is None or day.bleed_minutes or not day.minutes_by_parent.get(WORK):
        return []
    return [f"No work after {_hhmm(shutdown)} — the shutdown line held."]


def _week_concerns(week: WeekInsights, settings: Settings) -> list[str]:
    lines: list[str] = []
    bleed_days = [d for d in week.days if d.bleed_minutes]
    if bleed_days:
        worst = max(bleed_days, key=lambda d: (d.bleed_minutes, -d.date.toordinal()))
        line = _bleed_lines(worst)[0]
        others = len(bleed_days) - 1
        if others:
            line = line[:-1] + f" (and {counted(others, 'other day')})."
        lines.append(line)
    broken = [d for d in week.days if not d.sleep_window_kept]
    if broken:
        names = ", ".join(day_name(d.date)[:3] for d in broken)
        lines.append(f"Sleep hours ({_hhmm(settings.day_end)}–{_hhmm(settings.day_start)}) "
                     f"have plans on {names}.")
    if not week.has_exercise_or_hobby and week.days:
        lines.append("No exercise or hobby block this week.")
    double = [d for d in week.days if d.conflicts]
    if double:
        count = sum(len(d.conflicts) for d in double)
        names = ", ".join(day_name(d.date)[:3] for d in double)
        lines.insert(0, f"{counted(count, 'double booking')} this week "
                        f"({names}): something has to give.")
    busy = [d for d in week.days if d.switches >= SWITCH_NUDGE_AT]
    if busy:
        worst = max(busy, key=lambda d: (d.switches, -d.date.toordinal()))
        lines.append(f"{worst.switches} switches between work and personal on "
                     f"{day_name(worst.date)} — could some be grouped?")
    if week.draining_minutes > max(2 * week.energizing_minutes, 120):
        lines.append(f"{format_minutes(week.draining_minutes)} draining and "
                     f"{format_minutes(week.energizing_minutes)} energizing this week — "
                     "plan something restoring?")
    if week.unplaced_work:
        lines.append(f"{counted(week.unplaced_work, 'work task')} didn't fit this week.")
    return lines


def _week_praise(week: WeekInsights, settings: Settings) -> list[str]:
    workdays = [d for d in week.days if d.date.weekday() in settings.shutdown]
    if not workdays or any(d.bleed_minutes for d in week.days):
        return []
    times = {settings.shutdown[d.date.weekday()] for d in workdays}
    if len(times) == 1:
        return [f"No work after {_hhmm(times.pop())} all week — the shutdown line held."]
    return ["The shutdown line held every workday."]


def nudges(insights: DayInsights | WeekInsights, settings: Settings,
           max_lines: int = 2) -> list[str]:
    """At most ``max_lines`` short, gentle lines, most important first; deterministic.

    Concerns come first (bleed, sleep, switching, focus, energy, carry-over, missing
    exercise); a line of praise fills a free slot when a boundary held. Returns ``[]``
    when ``settings.nudges`` is off.
    """
    if not settings.nudges or max_lines <= 0:
        return []
    if isinstance(insights, WeekInsights):
        lines = _week_concerns(insights, settings) + _week_praise(insights, settings)
    else:
        lines = _day_concerns(insights, settings) + _day_praise(insights, settings)
    return lines[:max_lines]


# ------------------------------------------------------------------------- JSON


def _bleed_json(event: BleedEvent) -> dict[str, object]:
    return {"block_id": event.block_id, "title": event.title, "sphere": event.sphere,
            "minutes": event.minutes, "kind": event.kind}


def insights_json(d: DayInsights) -> dict[str, object]:
    """Every field of ``d`` as JSON-ready values (ISO date, lists, plain ints)."""
    return {
        "date": d.date.isoformat(),
        "minutes_by_sphere": dict(d.minutes_by_sphere),
        "minutes_by_parent": dict(d.minutes_by_parent),
        "fixed_minutes": d.fixed_minutes,
        "flexible_minutes": d.flexible_minutes,
        "switches": d.switches,
        "longest_focus_minutes": d.longest_focus_minutes,
        "bleed_minutes": d.bleed_minutes,
        "protected_bleed_minutes": d.protected_bleed_minutes,
        "shutdown_bleed_minutes": d.shutdown_bleed_minutes,
        "after_shutdown_minutes": d.after_shutdown_minutes,
        "bleed": [_bleed_json(e) for e in d.bleed],
        "sleep_window_kept": d.sleep_window_kept,
        "sleep_window_minutes": d.sleep_window_minutes,
        "has_exercise_or_hobby": d.has_exercise_or_hobby,
        "energizing_minutes": d.energizing_minutes,
        "draining_minutes": d.draining_minutes,
        "unplaced_work": d.unplaced_work,
        "all_day": list(d.all_day),
        "switches_before_noon": d.switches_before_noon,
        "travel_conflicts": [{"block_id": c.block_id, "title": c.title,
                              "commitment": c.commitment, "leave_by": c.leave_by,
                              "minutes": c.minutes} for c in d.travel_conflicts],
        "conflicts": [{"start": c.start.isoformat(timespec="seconds"),
                       "end": c.end.isoformat(timespec="seconds"), "minutes": c.minutes,
                       "block_ids": list(c.block_ids), "titles": list(c.titles)}
                      for c in d.conflicts],
    }


def week_json(w: WeekInsights) -> dict[str, object]:
    """The week's totals plus ``days`` as ``insights_json`` objects."""
    return {
        "days": [insights_json(d) for d in w.days],
        "minutes_by_sphere": dict(w.minutes_by_sphere),
        "minutes_by_parent": dict(w.minutes_by_parent),
        "fixed_minutes": w.fixed_minutes,
        "flexible_minutes": w.flexible_minutes,
        "switches": w.switches,
        "longest_focus_minutes": w.longest_focus_minutes,
        "bleed_minutes": w.bleed_minutes,
        "protected_bleed_minutes": w.protected_bleed_minutes,
        "shutdown_bleed_minutes": w.shutdown_bleed_minutes,
        "energizing_minutes": w.energizing_minutes,
        "draining_minutes": w.draining_minutes,
        "sleep_window_days_kept": w.sleep_window_days_kept,
        "exercise_or_hobby_days": w.exercise_or_hobby_days,
        "unplaced_work": w.unplaced_work,
    }
