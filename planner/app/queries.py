"""Reading the plan: agendas, one day as the day view shows it, insights and the review.

Nothing here writes. Fixed occurrences come from the session's occurrence index (a day
is answered from it, never a table scan); flexible blocks appear at their planned times.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from planner.app.session import Session
from planner.core.errors import PlannerError
from planner.core.model import Block, Kind, Occurrence
from planner.core.recurrence import Occurrences

if TYPE_CHECKING:  # the scheduler, insights and review load on first use: not for agendas
    from planner.core.insights import DayInsights, WeekInsights
    from planner.core.month import DaySummary


@dataclass(frozen=True)
class DayPlan:
    """What a day view needs: the day's occurrences, plus what could not be placed."""

    day: date
    occurrences: list[Occurrence]
    unplaced: list[tuple[Block, str]]
    bridges: list[Occurrence] = field(default_factory=list)

    @property
    def hidden(self) -> tuple[int, bool]:
        """Occurrences left out by the expansion bounds, and whether there are more."""
        return hidden_count(self.occurrences)

    @property
    def all_day(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.all_day]

    @property
    def timed(self) -> list[Occurrence]:
        return [o for o in self.occurrences if not o.all_day]

    @property
    def with_bridges(self) -> list[Occurrence]:
        """Everything on the day's timeline, planner-inserted bridges included."""
        return self.occurrences + self.bridges

    @property
    def unplaced_blocks(self) -> list[Block]:
        return [b for b, _ in self.unplaced]


# --------------------------------------------------------------------------- blocks


def find_block(session: Session, block_id: str) -> Block:
    """The block with this id, or with this unique id prefix (as `agenda` prints it)."""
    found = session.store.get(block_id)
    if found is not None:
        return found
    matches = [b for b in session.store.user_blocks() if b.id.startswith(block_id)]
    if len(matches) == 1:
        return matches[0]
    raise PlannerError(f"No block with id {block_id!r}; `planner agenda` shows ids.")


def is_empty(session: Session) -> bool:
    """Nothing added or imported yet (a first run)."""
    return not session.store.calendar_names() and not any(
        True for _ in session.store.series_docs(""))


def series_members(session: Session, block: Block) -> tuple[Block | None, list[Block]]:
    """The master (None if gone) and the stored overrides of ``block``'s series.

    Own series are keyed by the master's id, imported ones by (calendar, UID); raw
    documents are scanned, so nothing else is decoded.
    """
    calendar, uid = block.series_key
    ids = [doc["id"] for doc in session.store.series_docs(calendar)
           if (src := doc.get("source")) and src.get("calendar") == calendar
           and src.get("uid") == uid]
    members = [b for b in map(session.store.get, ids) if b is not None]
    overrides = [b for b in members if b.source and b.source.recurrence_id is not None]
    if calendar == "":
        master = session.store.get(uid)
    else:
        master = next((b for b in members if b.source and b.source.recurrence_id is None),
                      None)
    return master, overrides


def fixed_between(session: Session, start: datetime, end: datetime, *,
                  planning: bool = False) -> list[Occurrence]:
    """Fixed occurrences overlapping [start, end), hidden calendars left out; for
    ``planning``, a hidden calendar marked busy still counts."""
    found: list[Occurrence] = session.index.between(start, end, session.zone)
    hidden = session.hidden_calendars()
    if hidden:
        kept = [o for o in found if o.block.source is None or
                (busy := hidden.get(o.block.source.calendar)) is None or (planning and busy)]
        found = _like(found, kept)
    return found


def placed_between(session: Session, start: datetime, end: datetime) -> list[Occurrence]:
    found = []
    for block in session.flexible_blocks():
        for n, (s, e) in enumerate(block.planned):
            if s < end and e > start:
                found.append(Occurrence(block, s, e,
                                        chunk=n if len(block.planned) > 1 else None))
    return found


def agenda(session: Session, first: date, days: int = 1) -> list[Occurrence]:
    """Fixed occurrences and planned flexible blocks overlapping the days, by start."""
    start = session.day_start(first)
    end = session.day_start(first + timedelta(days=days))
    fixed = fixed_between(session, start, end)
    items = _like(fixed, fixed + placed_between(session, start, end))
    items.sort(key=lambda o: (_sort_key(session, o.start), o.block.id, o.chunk or 0))
    return items


def hidden_count(items: Iterable[Occurrence]) -> tuple[int, bool]:
    """How many occurrences the expansion bounds left out of ``items`` (see
    ``planner.core.recurrence.SERIES_DAY_LIMIT``), and whether there are more still."""
    if isinstance(items, Occurrences):
        return items.hidden, items.at_least
    return 0, False


def _like(bounded: list[Occurrence], items: list[Occurrence]) -> list[Occurrence]:
    """``items`` keeping what ``bounded`` says was hidden."""
    if not isinstance(bounded, Occurrences):
        return items
    return Occurrences(items, bounded.hidden_days, bounded.at_least)


def _sort_key(session: Session, moment: datetime | date) -> datetime:
    if isinstance(moment, datetime):
        return session.local(moment)
    return session.day_start(moment)


def prefetch(session: Session, days: Iterable[date]) -> None:
    """Warm the occurrence cache for days the user is likely to look at next.

    Safe to call from a worker thread: the index guards its cache.
    """
    for day in days:
        fixed_between(session, *session.day_bounds(day))


# --------------------------------------------------------------------------- a day


def day_plan(session: Session, day: date) -> DayPlan:
    occurrences = agenda(session, day)
    unplaced = [(b, b.plan_note or "not planned yet; press r to plan the day")
                for b in unplaced_on(session, day)]
    return DayPlan(day, occurrences, unplaced, bridges_on(session, day, occurrences))


def plan_may_be_behind(session: Session) -> bool:
    """Whether the saved plan can be behind the clock: an open task has no place (its
    reason may be out of date) or was placed on a day gone by (it rolls forward)."""
    today = session.day_start(session.today())
    return any(not b.done and (not b.planned or b.planned[0][0] < today)
               for b in session.flexible_blocks())


def unplaced_on(session: Session, day: date) -> list[Block]:
    """Open flexible blocks with no place, shown on ``day``: every one of them today
    (nothing open is ever out of sight), and each on the days of its own window."""
    today = session.today()
    now = session.now()
    result = []
    for block in session.flexible_blocks():
        if block.done or block.planned:
            continue
        if day == today or day in _window_days(session, block, now):
            result.append(block)
    result.sort(key=lambda b: (-b.priority, b.title.lower(), b.id))
    return result


def _window_days(session: Session, block: Block, now: datetime) -> list[date]:
    from planner.core.scheduler import block_window

    start, due = block_window(block, now, session.zone)
    first = start.date()
    if due is None:
        return [first]
    last = (due - timedelta(microseconds=1)).date()  # a midnight deadline ends the day before
    if last < first:
        return []
    return [first + timedelta(days=n) for n in range(min((last - first).days, 366) + 1)]


def deadline_day(session: Session, deadline: datetime) -> date:
    """The day a deadline falls on; a deadline at midnight is the end of the day before."""
    local = session.local(deadline)
    if local.time() == time(0):
        return (local - timedelta(microseconds=1)).date()
    return local.date()


def bridges_on(session: Session, day: date, occurrences: list[Occurrence]) -> list[Occurrence]:
    """Transition blocks where the day turns from work to home (config ``bridge``)."""
    settings = session.settings
    if not settings.bridge:
        return []
    fixed = [o for o in occurrences if o.block.is_fixed]
    placed = [o for o in occurrences if o.block.is_flexible]
    from planner.core.scheduler import day_bridges
    return [Occurrence(Block(id=p.block_id, title=settings.bridge_title, sphere="personal",
                             kind=Kind.FLEXIBLE, duration=settings.bridge), p.start, p.end)
            for p in day_bridges(day, session.zone, fixed, placed, settings)]


def double_booked(session: Session, first: date, days: int,
                  occurrences: list[Occurrence]) -> set[tuple[str, datetime | date]]:
    """(block id, start) of every occurrence that overlaps another fixed one that day."""
    from planner.core.conflicts import conflict_keys, day_conflicts

    found: set[tuple[str, datetime | date]] = set()
    for n in range(days):
        day = first + timedelta(days=n)
        found |= conflict_keys(day_conflicts(day, occurrences, session.zone))
    return found


def double_bookings_of(session: Session, block: Block) -> list[str]:
    """One sentence per double booking ``block`` (a single one, just saved at a set
    time) is part of, so the person who made it hears of it at once."""
    from planner.core.conflicts import day_conflicts
    from planner.core.moments import clock_span, day_label

    if block.is_recurring:
        return []  # a series is marked day by day in the agenda and the day view
    if block.is_fixed and isinstance(block.start, datetime) and isinstance(block.end,
                                                                          datetime):
        spans = [(block.start, block.end)]
    elif block.is_flexible and block.pinned_start is not None and not block.done:
        spans = list(block.planned)
    else:
        return []
    said = []
    for start, end in spans:
        day = session.local(start).date()
        last = session.local(end - timedelta(microseconds=1)).date()
        while day <= last:
            first, after = session.day_bounds(day)
            for clash in day_conflicts(day, agenda(session, day), session.zone):
                others = [(o.title, o.start, o.end) for o in clash.occurrences
                          if o.block.id != block.id and isinstance(o.start, datetime)
                          and isinstance(o.end, datetime) and o.start < end and o.end > start]
                if block.id not in clash.block_ids or not others:
                    continue
                # Its own overlap that day, not the whole chain of overlaps it joined.
                lo = session.local(max(start, first, min(s for _, s, _ in others)))
                hi = session.local(min(end, after, max(e for _, _, e in others)))
                names = [repr(title) for title, _, _ in others]
                named = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1
                                     else names)
                said.append(f"Double-booked with {named} {clock_span(lo, hi)} on "
                            f"{day_label(day)}: which one gives way?")
            day += timedelta(days=1)
    return said


# --------------------------------------------------------------------------- a month


def month(session: Session, year: int, month_number: int) -> list[DaySummary]:
    """The month view's 42 days, read in one pass over the index."""
    from planner.core.month import month_grid, summarize

    days = month_grid(year, month_number)
    items = agenda(session, days[0], len(days))
    by_day: dict[date, list[Occurrence]] = {d: [] for d in days}
    for occ in items:
        first = _local_day(session, occ.start)
        last = _local_day(session, occ.end, end=True)
        day = max(first, days[0])
        while day <= min(last, days[-1]):
            by_day[day].append(occ)
            day += timedelta(days=1)
    summaries = [summarize(d, by_day[d], session.zone, session.settings) for d in days]
    if not isinstance(items, Occurrences) or not items.hidden:
        return summaries
    return [dataclasses.replace(s, hidden=items.hidden_days.get(s.day, 0),
                                hidden_at_least=items.at_least) for s in summaries]


def _local_day(session: Session, moment: datetime | date, *, end: bool = False) -> date:
    """The day a moment falls on; an end at midnight (or an all-day end) is the day before."""
    if not isinstance(moment, datetime):
        return moment - timedelta(days=1) if end else moment
    local = session.local(moment)
    if end and local.time() == time(0):
        return (local - timedelta(microseconds=1)).date()
    return local.date()


# --------------------------------------------------------------------------- insights


def insights(session: Session, day: date, plan: DayPlan | None = None) -> DayInsights:
    """The day's insights; pass the ``day_plan`` already read to not read it again."""
    from planner.core.insights import day_insights

    plan = plan or day_plan(session, day)
    return day_insights(day, plan.with_bridges, session.zone, session.settings,
                        plan.unplaced_blocks)


def week(session: Session, first: date) -> WeekInsights:
    from planner.core.insights import week_insights

    days = [first + timedelta(days=n) for n in range(7)]
    plans = {d: day_plan(session, d) for d in days}
    return week_insights(days, {d: p.with_bridges for d, p in plans.items()},
                         session.zone, session.settings,
                         {d: p.unplaced_blocks for d, p in plans.items()})


def day_nudges(session: Session, day: date, found: DayInsights | None = None) -> list[str]:
    from planner.core.insights import nudges

    return nudges(found or insights(session, day), session.settings)


def week_nudges(session: Session, found: WeekInsights) -> list[str]:
    from planner.core.insights import nudges

    return nudges(found, session.settings)


def done_vs_planned(session: Session, first: date, days: int = 7
                    ) -> dict[str, tuple[int, int]]:
    """Per sphere: minutes of flexible work done and planned in the days."""
    start, end = session.day_start(first), session.day_start(first + timedelta(days=days))
    totals: dict[str, list[int]] = {}
    for block in session.flexible_blocks():
        minutes = sum(int((min(e, end) - max(s, start)).total_seconds() // 60)
                      for s, e in block.planned if s < end and e > start)
        if not minutes:
            continue
        entry = totals.setdefault(block.sphere, [0, 0])
        entry[1] += minutes
        if block.done:
            entry[0] += minutes
    return {k: (v[0], v[1]) for k, v in sorted(totals.items())}


def weekly_review(session: Session, day: date) -> str:
    """The week containing ``day`` reviewed as Markdown (`planner review`, the app)."""
    from planner.core.review import review_markdown

    first = day - timedelta(days=day.weekday())
    return review_markdown(week(session, first), done_vs_planned(session, first),
                           f"Week of {first:%d %b %Y}", settings=session.settings)


def done_on(session: Session, day: date) -> list[Block]:
    """Ticked-off flexible blocks of the day: off the plan, kept in sight to un-tick."""
    return [b for b in session.flexible_blocks() if b.done and not b.planned and b.day == day]
