"""The Session: one user's store, zone, clock and settings, and the one way to change data.

Every use case (``editing``, ``history``, ``planning``, ``queries``, ``importing``,
``exporting``, ``calendars``, ``restore``...) takes a Session. Reads need no lock; every
change happens inside ``with session.write():``:

- re-entrant for the thread that opened it; another thread waits its turn (it never
  joins someone else's transaction, so a failed background job cannot take a
  foreground write down with it);
- the store's file lock is held across processes for the whole block;
- everything is committed atomically at the end, or nothing is;
- derived views (occurrence index, flexible-block list) are dropped when a write fails
  or another process's save was picked up, so no reader sees a rolled-back state.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from planner.adapters.config import Paths, load_settings, resolve_paths
from planner.adapters.index import OccurrenceIndex
from planner.adapters.store import Store
from planner.core.errors import PlannerError
from planner.core.model import Block
from planner.core.moments import in_zone

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def resolve_zone(name: str | None) -> ZoneInfo:
    """The IANA zone named, else the system's zone, else UTC."""
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


class Session:
    """Store + zone + clock + settings + caches for one home."""

    def __init__(self, home: str | Path | None = None, *, tz: str | None = None,
                 clock: Clock = system_clock, lock_timeout: float = 10.0) -> None:
        self.paths: Paths = resolve_paths(home)
        self.settings = load_settings(self.paths)
        self.zone = resolve_zone(tz or self.settings.timezone)
        self.clock = clock
        self.store = Store(self.paths.data, lock_timeout=lock_timeout)
        self._index: OccurrenceIndex | None = None
        self._flexible: list[Block] | None = None
        self._hidden: dict[str, bool] | None = None
        self._generation = self.store.generation
        self._views = threading.RLock()  # guards the derived views against worker threads
        self.revision = 0  # bumped by every committed write: screens compare it to redraw
        # Planning bookkeeping (planner/app/planning.py): when the saved plan was last
        # found current, and what the last write moved that nobody asked to move.
        self.plan_checked: tuple[object, ...] | None = None
        # Per thread: the app's job that made a change reads its notices after the
        # write, and a write on another thread (a sync, a catch-up) must not clear them.
        self._notices = threading.local()

    # ------------------------------------------------------------------ time

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
        return in_zone(moment, self.zone)

    @property
    def plan_notices(self) -> list[str]:
        """What this thread's last change moved besides what it was about."""
        notices: list[str] = getattr(self._notices, "lines", [])
        return notices

    @plan_notices.setter
    def plan_notices(self, lines: list[str]) -> None:
        self._notices.lines = lines

    # ------------------------------------------------------------------ writing

    @contextlib.contextmanager
    def write(self) -> Iterator[Store]:
        """The one way to change data (see the module docstring)."""
        outermost = not self.store.in_transaction
        if outermost:
            self.plan_notices = []  # each change says only what it moved itself
        try:
            with self.store.transaction() as store:
                self._drop_if_stale()
                yield store
        except BaseException:
            self.invalidate()
            raise
        if outermost:
            self.revision += 1
            self._drop_if_stale()

    # ------------------------------------------------------------------ derived views

    @property
    def index(self) -> OccurrenceIndex:
        with self._views:
            self._drop_if_stale()
            if self._index is None:
                docs, sources = self.store.day_sources()
                self._index = OccurrenceIndex(self.store.get, docs, sources, keep_weeks=True)
            return self._index

    def flexible_blocks(self) -> list[Block]:
        with self._views:
            self._drop_if_stale()
            if self._flexible is None:
                hidden = self.hidden_calendars()
                self._flexible = [b for b in self.store.blocks_of_kind("flexible")
                                  if b.source is None or b.source.calendar not in hidden]
            return self._flexible

    def hidden_calendars(self) -> dict[str, bool]:
        """Hidden calendar name -> whether its time still counts as busy (from config
        kept in each calendar's file; `planner calendars hide NAME [--busy]`)."""
        with self._views:
            self._drop_if_stale()
            if self._hidden is None:
                self._hidden = {}
                for name in self.store.calendar_names():
                    meta = self.store.calendar_meta(name)
                    if meta.get("hidden"):
                        self._hidden[name] = bool(meta.get("busy"))
            return self._hidden

    def invalidate(self) -> None:
        """Forget every derived view (after an import, a failed write or a reload)."""
        with self._views:
            self._index = None
            self._flexible = None
            self._hidden = None
            self._generation = self.store.generation

    def changed(self, before: Block | None, after: Block | None) -> None:
        """Keep the derived views in step with one edit instead of rebuilding them."""
        with self._views:
            if self._index is not None:
                if before is not None:
                    self._index.discard(before.id)
                if after is not None:
                    self._index.add(after)
            self._flexible = None

    def flexible_changed(self) -> None:
        """Planning moved flexible blocks only; the index holds fixed ones."""
        with self._views:
            self._flexible = None

    def _drop_if_stale(self) -> None:
        # The store reloaded another process's save: derived views are out of date.
        if self._generation != self.store.generation:
            self.invalidate()

    def reload_if_changed(self) -> bool:
        """Pick up changes another process (the CLI, say) saved; True if there were any."""
        if self.store.reload_if_idle():
            self.invalidate()
            return True
        return False

    # ------------------------------------------------------------------ checks

    def check_sphere(self, sphere: str) -> None:
        if sphere not in self.settings.spheres:
            raise PlannerError(f"Unknown sphere {sphere!r}; known spheres are "
                               f"{', '.join(self.settings.spheres)} (add more in config.toml).")
