"""The front ends' handle on the use cases: one object bound to one Session.

The work is done in the use-case modules (``editing``, ``history``, ``planning``,
``queries``, ``importing``, ``exporting``, ``calendars``, ``preferences``); this façade
only binds them to a session, so the CLI and the app hold one object and never reach
the store, the fetcher or the file system themselves. Each use case is imported on its
first call, so a command loads only what it runs (`planner agenda`: the queries).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from zoneinfo import ZoneInfo

from planner.app.session import Clock, Session, system_clock
from planner.core.errors import PlannerError

if TYPE_CHECKING:
    from planner.adapters.config import Paths
    from planner.app.calendars import CalendarInfo
    from planner.app.exporting import ExportPreview, ExportReport
    from planner.app.importing import ImportReport
    from planner.app.links import LinkInfo
    from planner.app.queries import DayPlan
    from planner.app.search import Searcher
    from planner.app.series import OccurrenceEdit, Scope
    from planner.app.sync import SyncReport
    from planner.app.tasks import Task
    from planner.core.insights import DayInsights, WeekInsights
    from planner.core.model import Block, Moment, Occurrence, PlanResult
    from planner.core.month import DaySummary
    from planner.core.reminders import Reminder
    from planner.core.settings import Settings

__all__ = ["DayPlan", "PlannerError", "PlannerService", "system_clock"]


def __getattr__(name: str) -> Any:
    # ``DayPlan`` stays importable from here without loading the queries up front.
    if name == "DayPlan":
        from planner.app.queries import DayPlan

        return DayPlan
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class PlannerService:
    def __init__(self, home: str | Path | None = None, *, tz: str | None = None,
                 clock: Clock = system_clock, lock_timeout: float = 10.0) -> None:
        self.session = Session(home, tz=tz, clock=clock, lock_timeout=lock_timeout)

    # ------------------------------------------------------------------ the session

    @property
    def paths(self) -> Paths:
        return self.session.paths

    @property
    def settings(self) -> Settings:
        return self.session.settings

    @property
    def zone(self) -> ZoneInfo:
        return self.session.zone

    @property
    def revision(self) -> int:
        """Bumped by every committed write of this process."""
        return self.session.revision

    def now(self) -> datetime:
        return self.session.now()

    def today(self) -> date:
        return self.session.today()

    def day_start(self, day: date) -> datetime:
        return self.session.day_start(day)

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        return self.session.day_bounds(day)

    def at(self, day: date, clock_time: time) -> datetime:
        return self.session.at(day, clock_time)

    def local(self, moment: datetime) -> datetime:
        return self.session.local(moment)

    def reload_if_changed(self) -> bool:
        return self.session.reload_if_changed()

    def check_sphere(self, sphere: str) -> None:
        self.session.check_sphere(sphere)

    # ------------------------------------------------------------------ reading

    def block(self, block_id: str) -> Block:
        from planner.app import queries

        return queries.find_block(self.session, block_id)

    def fixed_between(self, start: datetime, end: datetime) -> list[Occurrence]:
        from planner.app import queries

        return queries.fixed_between(self.session, start, end)

    def flexible_blocks(self) -> list[Block]:
        return self.session.flexible_blocks()

    def agenda(self, first: date, days: int = 1) -> list[Occurrence]:
        from planner.app import queries

        self._current()
        return queries.agenda(self.session, first, days)

    def double_booked(self, first: date, days: int, occurrences: list[Occurrence]
                      ) -> set[tuple[str, datetime | date]]:
        """(block id, start) of the occurrences that overlap another fixed one."""
        from planner.app import queries

        return queries.double_booked(self.session, first, days, occurrences)

    def double_bookings_of(self, block: Block) -> list[str]:
        """What ``block`` (just saved at a set time) is double-booked with, in words."""
        from planner.app import queries

        return queries.double_bookings_of(self.session, block)

    def _current(self) -> None:
        """Bring the saved plan up to date with the clock before a read; a home whose
        plan cannot be behind (no open task without a place, none on a day gone by)
        loads nothing for it."""
        from planner.app import queries

        if queries.plan_may_be_behind(self.session):
            from planner.app import planning

            planning.catch_up(self.session)

    def prefetch(self, days: Iterable[date]) -> None:
        from planner.app import queries

        queries.prefetch(self.session, days)

    def day_plan(self, day: date) -> DayPlan:
        from planner.app import queries

        self._current()
        return queries.day_plan(self.session, day)

    def done_on(self, day: date) -> list[Block]:
        from planner.app import queries

        return queries.done_on(self.session, day)

    def insights(self, day: date, plan: DayPlan | None = None) -> DayInsights:
        from planner.app import queries

        if plan is None:
            self._current()
        return queries.insights(self.session, day, plan)

    def week_insights(self, first: date) -> WeekInsights:
        from planner.app import queries

        self._current()
        return queries.week(self.session, first)

    def nudges(self, day: date, insights: DayInsights | None = None) -> list[str]:
        from planner.app import queries

        return queries.day_nudges(self.session, day, insights)

    def week_nudges(self, week: WeekInsights) -> list[str]:
        from planner.app import queries

        return queries.week_nudges(self.session, week)

    def weekly_review(self, day: date) -> str:
        from planner.app import queries

        self._current()
        return queries.weekly_review(self.session, day)

    def month(self, year: int, month: int) -> list[DaySummary]:
        """The month view's 42 days: counts, work vs personal minutes, conflicts."""
        from planner.app import queries

        return queries.month(self.session, year, month)

    def is_empty(self) -> bool:
        """No block and no calendar yet: a first run (the app shows a welcome)."""
        from planner.app import queries

        return queries.is_empty(self.session)

    def searcher(self) -> Searcher:
        """An incremental search over every calendar (keep it while the person types)."""
        from planner.app.search import Searcher

        return Searcher(self.session)

    def search(self, text: str, first: date | None = None, last: date | None = None
               ) -> list[Occurrence]:
        return self.searcher().find(text, first, last)

    def tasks(self) -> list[Task]:
        from planner.app.tasks import open_tasks

        return open_tasks(self.session)

    def reminders(self, within: timedelta, *, since: datetime | None = None
                  ) -> list[Reminder]:
        """Reminders going off from ``since`` (default: now) until ``within`` from now."""
        from planner.app import reminders

        return reminders.due(self.session, within, since=since)

    def notify_desktop(self, title: str, body: str) -> bool:
        """Pass a reminder to the desktop's notifier if config allows and one exists."""
        if not self.settings.reminders_desktop:
            return False
        from planner.app.notifier import desktop_notify

        return desktop_notify(title, body)

    def calendars(self) -> list[CalendarInfo]:
        from planner.app.calendars import list_calendars

        return list_calendars(self.session)

    def rename_calendar(self, old: str, new: str) -> str:
        from planner.app import calendars

        return calendars.rename(self.session, old, new)

    def remove_calendar(self, name: str) -> str:
        from planner.app import calendars

        return calendars.remove(self.session, name)

    def hide_calendar(self, name: str, *, busy: bool = False) -> str:
        from planner.app import calendars

        return calendars.set_hidden(self.session, name, True, busy=busy)

    def show_calendar(self, name: str) -> str:
        from planner.app import calendars

        return calendars.set_hidden(self.session, name, False)

    def set_calendar_sphere(self, name: str, sphere: str) -> str:
        from planner.app import calendars

        return calendars.set_sphere(self.session, name, sphere)

    # ------------------------------------------------------------------ changing

    def plan(self, day: date) -> PlanResult:
        from planner.app import planning

        return planning.plan(self.session, day)

    def plan_notices(self) -> list[str]:
        """What the last change moved besides the block it was about (one line each)."""
        return list(self.session.plan_notices)

    def make_fixed(self, title: str, start: datetime, end: datetime, *, sphere: str,
                   rrule: str | None = None, **extra: Any) -> Block:
        from planner.app import editing

        return editing.make_fixed(self.session, title, start, end, sphere=sphere, rrule=rrule,
                                  **extra)

    def make_all_day(self, title: str, day: date, days: int = 1, *, sphere: str,
                     rrule: str | None = None, **extra: Any) -> Block:
        from planner.app import editing

        return editing.make_all_day(self.session, title, day, days, sphere=sphere, rrule=rrule,
                                    **extra)

    def make_flexible(self, title: str, duration: timedelta, *, sphere: str,
                      **options: Any) -> Block:
        from planner.app import editing

        return editing.make_flexible(self.session, title, duration, sphere=sphere, **options)

    def add(self, block: Block) -> Block:
        from planner.app import editing

        return editing.add(self.session, block)

    def update(self, block_id: str, label: str = "edit", **changes: Any) -> Block:
        from planner.app import editing

        return editing.update(self.session, block_id, label, **changes)

    def remove(self, block_id: str) -> Block:
        from planner.app import editing

        return editing.remove(self.session, block_id)

    def set_done(self, block_id: str, done: bool = True) -> Block:
        from planner.app import editing

        return editing.set_done(self.session, block_id, done)

    def toggle_kind(self, block_id: str) -> Block:
        from planner.app import editing

        return editing.toggle_kind(self.session, block_id)

    def toggle_pin(self, block_id: str) -> Block:
        from planner.app import editing

        return editing.toggle_pin(self.session, block_id)

    def move(self, block_id: str, delta: timedelta) -> Block:
        from planner.app import editing

        return editing.move(self.session, block_id, delta)

    # ------------------------------------------------------------------ series

    def occurrence_slot(self, block_id: str, on: date | datetime) -> Moment:
        """The slot (original start) of a series' occurrence on a day or at a time."""
        from planner.app import series

        return series.find_slot(self.session, block_id, on)

    def has_changed_occurrences(self, block_id: str) -> bool:
        """Whether a series has occurrences changed on their own (overrides)."""
        from planner.app import queries

        return bool(queries.series_members(self.session, self.block(block_id))[1])

    def remove_occurrence(self, block_id: str, slot: Moment, scope: Scope) -> str:
        from planner.app import series

        return series.remove_occurrence(self.session, block_id, slot, scope)

    def edit_occurrence(self, block_id: str, slot: Moment, scope: Scope,
                        edit: OccurrenceEdit, details: dict[str, Any] | None = None) -> Block:
        from planner.app import series

        return series.edit_occurrence(self.session, block_id, slot, scope, edit, details)

    def undo(self) -> str:
        from planner.app import history

        return history.undo(self.session)

    def redo(self) -> str:
        from planner.app import history

        return history.redo(self.session)

    def theme_folders(self) -> tuple[Path, Path]:
        """The bundled themes and the user's own theme folder."""
        from planner.app import preferences

        return preferences.theme_folders(self.session)

    def save_theme(self, name: str) -> None:
        from planner.app import preferences

        preferences.save_theme(self.session, name)

    # ------------------------------------------------------------------ files

    def import_calendar(self, location: str, *, sphere: str | None = None,
                        calendar: str | None = None, replace: bool = False,
                        progress: Callable[[str], None] | None = None,
                        stdin: BinaryIO | None = None,
                        allow_empty: bool = False) -> ImportReport:
        from planner.app import importing  # loads icalendar: only when importing

        return importing.import_calendar(self.session, location, sphere=sphere,
                                         calendar=calendar, replace=replace, progress=progress,
                                         stdin=stdin, allow_empty=allow_empty)

    def refresh(self, progress: Callable[[str], None] | None = None,
                allow_empty: bool = False) -> list[ImportReport]:
        from planner.app import importing

        return importing.refresh_all(self.session, progress=progress,
                                     allow_empty=allow_empty)

    def export(self, out: str, *, first: date | None = None, last: date | None = None,
               busy_only: Sequence[str] = (), spheres: Sequence[str] | None = None,
               private_as_busy: bool = False, whole_series: bool = False) -> ExportReport:
        from planner.app import exporting

        self._current()
        return exporting.export(self.session, out, first=first, last=last,
                                busy_only=busy_only, spheres=spheres,
                                private_as_busy=private_as_busy, whole_series=whole_series)

    def export_preview(self, *, first: date | None = None, last: date | None = None,
                       busy_only: Sequence[str] = (), private_as_busy: bool = False,
                       spheres: Sequence[str] | None = None, whole_series: bool = False
                       ) -> ExportPreview | None:
        from planner.app import exporting

        return exporting.preview(self.session, first=first, last=last, spheres=spheres,
                                 audience=exporting.Audience(tuple(busy_only), private_as_busy),
                                 whole_series=whole_series)

    def export_review(self, day: date, out: str) -> date:
        from planner.app import exporting

        self._current()
        return exporting.export_review(self.session, day, out)

    # ------------------------------------------------------------------ CalDAV sync

    def sync_link(self, name: str, url: str, *, sphere: str, username: str | None = None,
                  password_command: str | None = None, read_only: bool = False,
                  progress: Callable[[str], None] | None = None) -> SyncReport:
        from planner.app import sync  # loads caldav: only when syncing

        return sync.link_calendar(self.session, name, url, sphere=sphere, username=username,
                                  password_command=password_command, read_only=read_only,
                                  progress=progress)

    def sync_unlink(self, name: str) -> int:
        from planner.app import links

        return links.unlink(self.session, name)

    def sync_links(self) -> list[LinkInfo]:
        from planner.app import links

        return links.links(self.session)

    def sync_status(self) -> str | None:
        """The app header's line: when linked calendars last synced and how it went."""
        from planner.app import links

        return links.status_line(self.session)

    def sync(self, names: Sequence[str] = (),
             progress: Callable[[str], None] | None = None,
             allow_empty: bool = False) -> list[SyncReport]:
        from planner.app import sync

        return sync.sync_all(self.session, names, progress=progress, allow_empty=allow_empty)

    def writable_links(self) -> list[str]:
        """Names of the linked calendars a new block may be added to."""
        from planner.app import links

        return links.writable_names(self.session)

    def in_linked_calendar(self, block: Block, name: str, *, keep_sphere: bool) -> Block:
        from planner.app import links

        return links.add_to_linked(self.session, block, name, keep_sphere=keep_sphere)

    def load_demo(self) -> list[str]:
        from planner.app.demo import load_demo

        return load_demo(self.session)
