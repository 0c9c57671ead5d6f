"""Use cases: the one API the CLI and the Textual app call.

The service owns the clock, the user's zone, the store and the occurrence index. It
turns requests ("add this", "plan Thursday", "import that file") into core calls and
store transactions. Nothing here draws anything or parses command lines.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from planner.adapters.codec import block_from_doc, block_to_doc
from planner.adapters.config import Paths, load_settings, resolve_paths
from planner.adapters.index import OccurrenceIndex
from planner.adapters.store import Store, StoreBusy, StoreError
from planner.core.model import (
    Block,
    Energy,
    Kind,
    Occurrence,
    PartOfDay,
    PlanResult,
    Recurrence,
)
from planner.core.scheduler import plan_days

__all__ = ["PlannerError", "PlannerService", "StoreBusy", "StoreError"]

if TYPE_CHECKING:
    from planner.core.insights import DayInsights, WeekInsights

Clock = Callable[[], datetime]
PLAN_HORIZON_DAYS = 14
HISTORY_KEPT = 200


class PlannerError(Exception):
    """Bad input or an impossible request; the message is one sentence for the user."""


def system_clock() -> datetime:
    return datetime.now(UTC)


def resolve_zone(name: str | None) -> ZoneInfo:
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise PlannerError(f"Unknown time zone {name!r}: use an IANA name such as "
                               "'Europe/Berlin' or 'America/New_York'.") from exc
    try:
        import tzlocal

        return ZoneInfo(tzlocal.get_localzone_name() or "UTC")
    except Exception:  # an odd system setup must not stop the planner
        return ZoneInfo("UTC")


def new_block_id() -> str:
    return "b" + secrets.token_hex(6)


@dataclass(frozen=True)
class DayPlan:
    """What a day view needs: the day's occurrences, plus what could not be placed."""

    day: date
    occurrences: list[Occurrence]
    unplaced: list[tuple[Block, str]]
    bridges: list[Occurrence] = field(default_factory=list)

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


@dataclass(frozen=True)
class ImportReport:
    calendar: str
    summary: str
    skipped: list[str]
    new: int = 0
    updated: int = 0
    moved: int = 0
    removed: int = 0
    unchanged: int = 0
    not_modified: bool = False
    failed: str | None = None


@dataclass(frozen=True)
class ExportReport:
    path: str
    events: int
    unplaced_left_out: int


class PlannerService:
    def __init__(self, home: str | Path | None = None, *, tz: str | None = None,
                 clock: Clock = system_clock, lock_timeout: float = 10.0) -> None:
        self.paths: Paths = resolve_paths(home)
        self.settings = load_settings(self.paths)
        self.zone = resolve_zone(tz or self.settings.timezone)
        self.clock = clock
        self.store = Store(self.paths.data, lock_timeout=lock_timeout)
        self._index: OccurrenceIndex | None = None
        self._flexible: list[Block] | None = None
        self._generation = self.store.generation

    # ------------------------------------------------------------------ time helpers

    def now(self) -> datetime:
        return self.clock().astimezone(self.zone)

    def today(self) -> date:
        return self.now().date()

    def day_start(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.zone)

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        return self.day_start(day), self.day_start(day + timedelta(days=1))

    def at(self, day: date, clock_time: time) -> datetime:
        return datetime.combine(day, clock_time, tzinfo=self.zone)

    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.zone)
        return moment.astimezone(self.zone)

    # ------------------------------------------------------------------ reading

    def _drop_if_stale(self) -> None:
        """The store reloaded another process's save: derived views are out of date."""
        if self._generation != self.store.generation:
            self._invalidate()

    @property
    def index(self) -> OccurrenceIndex:
        self._drop_if_stale()
        if self._index is None:
            self._index = OccurrenceIndex(self.store.get, self.store.all_docs())
        return self._index

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A store transaction whose failure also drops the derived views."""
        try:
            with self.store.transaction():
                self._drop_if_stale()
                yield
        except BaseException:
            self._invalidate()
            raise

    def _invalidate(self) -> None:
        """Forget every derived view (after an import or another process's save)."""
        self._index = None
        self._flexible = None
        self._generation = self.store.generation

    def _reindex(self, before: Block | None, after: Block | None) -> None:
        """Keep the index in step with one edit instead of rebuilding it."""
        if self._index is not None:
            if before is not None:
                self._index.discard(before.id)
            if after is not None:
                self._index.add(after)
        self._flexible = None

    def reload_if_changed(self) -> bool:
        """Pick up changes another process (the CLI, say) saved; True if there were any."""
        if self.store.changed_on_disk():
            self.store.reload()
            self._invalidate()
            return True
        return False

    def block(self, block_id: str) -> Block:
        found = self.store.get(block_id)
        if found is None:
            matches = [b for b in self.store.user_blocks() if b.id.startswith(block_id)]
            if len(matches) == 1:
                return matches[0]
            raise PlannerError(f"No block with id {block_id!r}; `planner agenda` shows ids.")
        return found

    def fixed_between(self, start: datetime, end: datetime) -> list[Occurrence]:
        return self.index.between(start, end, self.zone)

    def flexible_blocks(self) -> list[Block]:
        self._drop_if_stale()
        if self._flexible is None:
            self._flexible = self.store.blocks_of_kind("flexible")
        return self._flexible

    def placed_between(self, start: datetime, end: datetime) -> list[Occurrence]:
        found = []
        for block in self.flexible_blocks():
            for n, (s, e) in enumerate(block.planned):
                if s < end and e > start:
                    found.append(Occurrence(block, s, e, chunk=n if len(block.planned) > 1
                                            else None))
        return found

    def agenda(self, first: date, days: int = 1) -> list[Occurrence]:
        """Fixed occurrences and planned flexible blocks overlapping the days, by start."""
        start = self.day_start(first)
        end = self.day_start(first + timedelta(days=days))
        items = self.fixed_between(start, end) + self.placed_between(start, end)
        items.sort(key=lambda o: (self._sort_key(o.start), o.block.id, o.chunk or 0))
        return items

    def _sort_key(self, moment: datetime | date) -> datetime:
        if isinstance(moment, datetime):
            return self.local(moment)
        return self.day_start(moment)

    def prefetch(self, days: Iterable[date]) -> None:
        """Warm the occurrence cache for days the user is likely to look at next.

        Safe to call from a worker thread: the index guards its cache.
        """
        for day in days:
            self.fixed_between(*self.day_bounds(day))

    def day_plan(self, day: date) -> DayPlan:
        occurrences = self.agenda(day)
        unplaced = [(b, b.plan_note or "not planned yet; press r to plan the day")
                    for b in self.unplaced_on(day)]
        bridges = self._bridges_on(day, occurrences)
        return DayPlan(day, occurrences, unplaced, bridges)

    def unplaced_on(self, day: date) -> list[Block]:
        result = []
        for block in self.flexible_blocks():
            if block.done or block.planned:
                continue
            days = self._candidate_days(block)
            if days and days[0] <= day <= days[-1]:
                result.append(block)
            elif days and days[-1] < day == self.today():
                result.append(block)  # overdue: keep it in sight today
            elif not days and day == self.today():
                result.append(block)
        result.sort(key=lambda b: (-b.priority, b.title.lower(), b.id))
        return result

    def _candidate_days(self, block: Block) -> list[date]:
        first = block.day
        if block.earliest is not None:
            earliest_day = self.local(block.earliest).date()
            first = max(first, earliest_day) if first else earliest_day
        if block.pinned_start is not None:
            pin_day = self.local(block.pinned_start).date()
            return [pin_day]
        if first is None:
            first = block.deadline and self.local(block.deadline).date()
        if first is None:
            return []
        last = first
        if block.deadline is not None:
            last = max(first, self._deadline_day(block.deadline))
        span = min((last - first).days, PLAN_HORIZON_DAYS * 4)
        return [first + timedelta(days=n) for n in range(span + 1)]

    def _deadline_day(self, deadline: datetime) -> date:
        local = self.local(deadline)
        # A deadline at midnight means "by the end of the previous day".
        if local.time() == time(0):
            return (local - timedelta(microseconds=1)).date()
        return local.date()

    def _bridges_on(self, day: date, occurrences: list[Occurrence]) -> list[Occurrence]:
        if not self.settings.bridge:
            return []
        fixed = [o for o in occurrences if o.block.is_fixed]
        flexible = [o.block for o in occurrences if o.block.is_flexible]
        pinned = [replace(b, pinned_start=b.planned[0][0]) for b in flexible if b.planned
                  and len(b.planned) == 1]
        result = plan_days([day], self.zone, {day: fixed}, pinned, self.settings).get(day)
        if result is None:
            return []
        return [Occurrence(Block(id=p.block_id, title=self.settings.bridge_title,
                                 sphere="personal", kind=Kind.FLEXIBLE,
                                 duration=p.end - p.start), p.start, p.end)
                for p in result.bridges]

    # ------------------------------------------------------------------ planning

    def plan(self, day: date) -> PlanResult:
        """Re-place flexible blocks from ``day`` on and save where they went."""
        with self._writing():
            return self._replan_from(day)

    def _replan_from(self, first: date) -> PlanResult:
        days = [first + timedelta(days=n) for n in range(PLAN_HORIZON_DAYS)]
        horizon_start = self.day_start(first)
        candidates: list[Block] = []
        for block in self.flexible_blocks():
            if block.done:
                continue
            if block.planned and min(s for s, _ in block.planned) < horizon_start:
                continue  # already placed on an earlier day: history, not ours to move
            cand = self._candidate_days(block) or [self.today()]
            if cand[-1] < first or cand[0] > days[-1]:
                continue
            candidates.append(block)
        if not candidates:
            return PlanResult()
        # Only the days some candidate may go on: each day's fixed blocks cost a lookup.
        wanted: set[date] = set()
        for block in candidates:
            wanted.update(self._candidate_days(block) or [self.today()])
        days = [d for d in days if d in wanted] or [first]
        fixed_by_day = {d: self.fixed_between(*self.day_bounds(d)) for d in days}
        results = plan_days(days, self.zone, fixed_by_day, candidates, self.settings,
                            not_before=self.now())
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
            if planned != block.planned or note != block.plan_note:
                # Planning is not an edit: keep the revision so exports don't churn.
                self.store.put(replace(block, planned=planned, plan_note=note))
        self._flexible = None  # planning moves flexible blocks only; the index holds fixed ones
        return results.get(first, PlanResult())

    # ------------------------------------------------------------------ editing

    def add(self, block: Block) -> Block:
        """Save a new block; a flexible one is planned into its day(s) at once."""
        self._validate(block)
        with self._writing():
            self.store.put(block)
            self._record("add " + block.title, [(block.id, None, block)])
            self._reindex(None, block)
            self._replan_from(self._replan_day_for(block))
        return self.store.get(block.id) or block

    def update(self, block_id: str, label: str = "edit", **changes: Any) -> Block:
        with self._writing():
            before = self.block(block_id)
            after = before.evolve(**changes)
            if after.is_flexible and _placement_inputs_changed(before, after):
                after = replace(after, planned=(), plan_note="")
            self._validate(after)
            self.store.put(after)
            self._record(f"{label} {before.title}", [(before.id, before, after)])
            self._reindex(before, after)
            self._replan_from(min(self._replan_day_for(before), self._replan_day_for(after)))
        return self.store.get(after.id) or after

    def remove(self, block_id: str) -> Block:
        with self._writing():
            before = self.block(block_id)
            self.store.delete(before.id)
            self._record(f"delete {before.title}", [(before.id, before, None)])
            self._reindex(before, None)
            self._replan_from(self._replan_day_for(before))
        return before

    def set_done(self, block_id: str, done: bool = True) -> Block:
        return self.update(block_id, "done" if done else "undone", done=done)

    def toggle_kind(self, block_id: str) -> Block:
        block = self.block(block_id)
        if block.is_recurring:
            raise PlannerError(f"{block.title!r} repeats; a series stays fixed.")
        if block.is_fixed:
            if block.start is None or block.end is None or block.all_day:
                raise PlannerError(f"{block.title!r} has no time to start from.")
            start = self.local(block.start) if isinstance(block.start, datetime) else None
            assert start is not None
            return self.update(block.id, "make flexible", kind=Kind.FLEXIBLE,
                               duration=block.length, day=start.date(), start=None, end=None,
                               tzid=None, pinned_start=None)
        if block.planned:
            start, end = block.planned[0][0], block.planned[-1][1]
        elif block.pinned_start is not None:
            start = block.pinned_start
            end = start + (block.duration or timedelta(minutes=30))
        else:
            raise PlannerError(f"{block.title!r} is not placed yet, so it has no time to fix; "
                               "pin it or plan the day first.")
        return self.update(block.id, "make fixed", kind=Kind.FIXED, start=start.astimezone(UTC),
                           end=end.astimezone(UTC), tzid=self.zone.key, planned=(),
                           plan_note="", pinned_start=None)

    def toggle_pin(self, block_id: str) -> Block:
        block = self.block(block_id)
        if not block.is_flexible:
            raise PlannerError(f"{block.title!r} is fixed; only flexible blocks can be pinned.")
        if block.pinned_start is not None:
            return self.update(block.id, "unpin", pinned_start=None)
        if not block.planned:
            raise PlannerError(f"{block.title!r} is not placed yet, so there is nothing to pin.")
        return self.update(block.id, "pin", pinned_start=block.planned[0][0])

    def move(self, block_id: str, delta: timedelta) -> Block:
        """Nudge a block: a flexible one is pinned at its new time, a fixed one just moves."""
        block = self.block(block_id)
        if block.is_recurring:
            raise PlannerError(f"{block.title!r} repeats; edit the series to move it.")
        if block.is_flexible:
            if not block.planned and block.pinned_start is None:
                raise PlannerError(f"{block.title!r} is not placed yet; plan the day first.")
            current = block.pinned_start or block.planned[0][0]
            return self.update(block.id, "move", pinned_start=(current + delta).astimezone(UTC))
        if block.all_day or not isinstance(block.start, datetime) or not isinstance(
                block.end, datetime):
            raise PlannerError(f"{block.title!r} lasts all day; give it a time to move it.")
        return self.update(block.id, "move", start=block.start + delta, end=block.end + delta)

    def _replan_day_for(self, block: Block) -> date:
        if block.is_fixed and isinstance(block.start, datetime):
            return min(self.local(block.start).date(), self.today())
        days = self._candidate_days(block) if block.is_flexible else []
        if block.planned:
            days = [self.local(block.planned[0][0]).date(), *days]
        return min([*days, self.today()]) if days else self.today()

    def check_sphere(self, sphere: str) -> None:
        if sphere not in self.settings.spheres:
            raise PlannerError(f"Unknown sphere {sphere!r}; known spheres are "
                               f"{', '.join(self.settings.spheres)} (add more in config.toml).")

    def _validate(self, block: Block) -> None:
        if not block.title.strip():
            raise PlannerError("A block needs a title.")
        self.check_sphere(block.sphere)
        if block.is_fixed:
            if block.start is None or block.end is None:
                raise PlannerError(f"{block.title!r} is fixed, so it needs a start time (--at).")
            if _as_dt(block.end, self.zone) <= _as_dt(block.start, self.zone):
                raise PlannerError(f"{block.title!r} must end after it starts.")
        else:
            if block.duration is None or block.duration <= timedelta(0):
                raise PlannerError(f"{block.title!r} needs a positive duration (--for).")
            if block.duration > timedelta(hours=24):
                raise PlannerError(f"{block.title!r} is longer than a day; split it into tasks.")
            if block.min_chunk is not None and block.min_chunk <= timedelta(0):
                raise PlannerError("The smallest chunk must be a positive duration.")
            if block.earliest and block.deadline and block.deadline <= block.earliest:
                raise PlannerError(f"{block.title!r}: the deadline is before it may start.")

    # ------------------------------------------------------------------ undo / redo

    def _record(self, label: str, changes: Iterable[tuple[str, Block | None, Block | None]]
                ) -> None:
        entries = self.store.history()
        cursor = self.store.history_cursor()
        entries = entries[:cursor]
        entries.append({
            "label": label,
            "changes": [{"id": bid,
                         "before": block_to_doc(b) if b else None,
                         "after": block_to_doc(a) if a else None} for bid, b, a in changes],
        })
        entries = entries[-HISTORY_KEPT:]
        self.store.set_history(entries, len(entries))

    def undo(self) -> str:
        with self._writing():
            entries, cursor = self.store.history(), self.store.history_cursor()
            if cursor == 0:
                raise PlannerError("Nothing to undo.")
            entry = entries[cursor - 1]
            self._apply(entry, "before")
            self.store.set_history(entries, cursor - 1)
            return f"Undid {entry['label']}."

    def redo(self) -> str:
        with self._writing():
            entries, cursor = self.store.history(), self.store.history_cursor()
            if cursor >= len(entries):
                raise PlannerError("Nothing to redo.")
            entry = entries[cursor]
            self._apply(entry, "after")
            self.store.set_history(entries, cursor + 1)
            return f"Redid {entry['label']}."

    def _apply(self, entry: dict[str, Any], side: str) -> None:
        first = self.today()
        for change in entry["changes"]:
            doc = change[side]
            current = self.store.get(change["id"])
            if doc is None:
                self.store.delete(change["id"])
                self._reindex(current, None)
            else:
                block = block_from_doc(doc)
                self.store.put(block)
                self._reindex(current, block)
                first = min(first, self._replan_day_for(block))
        self._replan_from(first)

    # ------------------------------------------------------------------ import / export

    def import_calendar(self, location: str, *, sphere: str | None = None,
                        calendar: str | None = None,
                        progress: Callable[[str], None] | None = None) -> ImportReport:
        from planner.app import importing

        return importing.import_calendar(self, location, sphere=sphere, calendar=calendar,
                                         progress=progress)

    def refresh(self, progress: Callable[[str], None] | None = None) -> list[ImportReport]:
        from planner.app import importing

        return importing.refresh_all(self, progress=progress)

    def export(self, out: str, *, first: date | None = None, last: date | None = None,
               busy_only: Sequence[str] = (), spheres: Sequence[str] | None = None
               ) -> ExportReport:
        from planner.app import exporting

        return exporting.export(self, out, first=first, last=last, busy_only=busy_only,
                                spheres=spheres)

    # ------------------------------------------------------------------ insights

    def insights(self, day: date, plan: DayPlan | None = None) -> DayInsights:
        """The day's insights; pass the ``day_plan`` already read to not read it again."""
        from planner.core.insights import day_insights

        plan = plan or self.day_plan(day)
        return day_insights(day, plan.with_bridges, self.zone, self.settings,
                            plan.unplaced_blocks)

    def week_insights(self, first: date) -> WeekInsights:
        from planner.core.insights import week_insights

        days = [first + timedelta(days=n) for n in range(7)]
        plans = {d: self.day_plan(d) for d in days}
        return week_insights(days, {d: p.with_bridges for d, p in plans.items()},
                             self.zone, self.settings,
                             {d: p.unplaced_blocks for d, p in plans.items()})

    def done_vs_planned(self, first: date, days: int = 7) -> dict[str, tuple[int, int]]:
        """Per sphere: minutes of flexible work done and planned in the days."""
        start, end = self.day_start(first), self.day_start(first + timedelta(days=days))
        totals: dict[str, list[int]] = {}
        for block in self.flexible_blocks():
            minutes = sum(int((min(e, end) - max(s, start)).total_seconds() // 60)
                          for s, e in block.planned if s < end and e > start)
            if not minutes:
                continue
            entry = totals.setdefault(block.sphere, [0, 0])
            entry[1] += minutes
            if block.done:
                entry[0] += minutes
        return {k: (v[0], v[1]) for k, v in sorted(totals.items())}

    def weekly_review(self, day: date) -> str:
        """The week containing ``day`` reviewed as Markdown (`planner review`, the app)."""
        from planner.core.review import review_markdown

        first = day - timedelta(days=day.weekday())
        return review_markdown(self.week_insights(first), self.done_vs_planned(first),
                               f"Week of {first:%d %b %Y}", settings=self.settings)

    def nudges(self, day: date, insights: DayInsights | None = None) -> list[str]:
        from planner.core.insights import nudges

        return nudges(insights or self.insights(day), self.settings)

    # ------------------------------------------------------------------ settings

    def save_theme(self, name: str) -> None:
        """Remember the theme picked in the app (written into config.toml)."""
        from planner.adapters.config import save_top_level_setting

        save_top_level_setting(self.paths, "theme", name)
        self.settings = replace(self.settings, theme=name)

    # ------------------------------------------------------------------ making blocks

    def make_fixed(self, title: str, start: datetime, end: datetime, *, sphere: str,
                   rrule: str | None = None, **extra: Any) -> Block:
        return Block(id=new_block_id(), title=title, sphere=sphere, kind=Kind.FIXED,
                     start=start.astimezone(UTC), end=end.astimezone(UTC), tzid=self.zone.key,
                     recurrence=Recurrence(rrule=rrule) if rrule else None, **extra)

    def make_flexible(self, title: str, duration: timedelta, *, sphere: str,
                      day: date | None = None, earliest: datetime | None = None,
                      deadline: datetime | None = None, part: str | None = None,
                      priority: int = 0, min_chunk: timedelta | None = None,
                      energy: str | None = None, **extra: Any) -> Block:
        if day is None and earliest is None and deadline is None:
            day = self.today()
        return Block(id=new_block_id(), title=title, sphere=sphere, kind=Kind.FLEXIBLE,
                     duration=duration, day=day,
                     earliest=earliest.astimezone(UTC) if earliest else None,
                     deadline=deadline.astimezone(UTC) if deadline else None,
                     part_of_day=PartOfDay(part) if part else None, priority=priority,
                     min_chunk=min_chunk, energy=Energy(energy) if energy else None, **extra)



def _as_dt(moment: datetime | date, zone: ZoneInfo) -> datetime:
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    return datetime.combine(moment, time(0), tzinfo=zone)


def _placement_inputs_changed(before: Block, after: Block) -> bool:
    fields = ("duration", "day", "earliest", "deadline", "part_of_day", "priority",
              "min_chunk", "pinned_start", "sphere")
    return any(getattr(before, f) != getattr(after, f) for f in fields)
