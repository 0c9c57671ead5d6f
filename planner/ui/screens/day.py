"""The day view: one timeline for work and personal blocks, and every planning key.

It reads nothing and writes nothing itself: days are loaded by read jobs (``DayLoaded``),
every change runs as a write job that answers with a message (``Edited``,
``PlanFinished``...), and ``DataChanged`` after each write has the day read again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from planner.core.errors import PlannerError
from planner.core.model import Block
from planner.core.moments import day_label
from planner.core.reminders import lead_words
from planner.core.safetext import printable
from planner.core.when import WhenError
from planner.core.wording import counted
from planner.ui.blocks import block_from_quick_add
from planner.ui.daydata import DayCache, DayData, DayLoaded, load_days
from planner.ui.layout import opening_row
from planner.ui.markup import hidden_note, joined, plain, sphere_chip, sphere_order
from planner.ui.memory import resume_collector
from planner.ui.messages import (
    DataChanged,
    Edited,
    ExportFinished,
    HomeRead,
    ImportFinished,
    JobFailed,
    JobProgress,
    PlanFinished,
    RemindersDue,
    SyncFinished,
    SyncStatusRead,
    WritesChanged,
)
from planner.ui.screens.review import ReviewReady
from planner.ui.screens.switch import SwitchView
from planner.ui.view import (
    Item,
    hhmm,
    minutes_text,
    occurrence_key,
    sphere_letter,
    sphere_minutes,
)
from planner.ui.widgets.busy import BusyBar
from planner.ui.widgets.footer import FittingFooter
from planner.ui.widgets.quickadd import QuickAddBar
from planner.ui.widgets.side import Selection, SideData, SidePanel, unplaced_key
from planner.ui.widgets.text import set_text
from planner.ui.widgets.timeline import Timeline, TimelineData

if TYPE_CHECKING:
    from planner.app.exporting import ExportPreview
    from planner.app.series import Scope
    from planner.app.service import DayPlan
    from planner.app.sync import SyncReport
    from planner.core.model import Moment, Occurrence
    from planner.ui.jobs import Outcome, Progress
    from planner.ui.screens.transfer import ExportRequest, ImportRequest
    from planner.ui.services import Services

NARROW = 100  # below this many columns the side panel hides unless asked for
WELCOME = ("[b]Welcome to planner[/]: one timeline for work and personal life. To start:\n"
           "  [b $accent]a[/]  add a block: [i]gym 1h this afternoon personal[/], "
           "[i]standup 9:30 15m work every weekday[/]\n"
           "  [b $accent]i[/]  import a calendar: an .ics file or a subscription URL\n"
           "  [b $accent]planner demo[/]  (in a shell) an example week to look around in\n"
           "[dim]? lists every key. This note goes once there is something to show.[/]")
MOVE_STEP = timedelta(minutes=15)
REMINDER_SECONDS = 20.0  # how often the open app looks for reminders going off
REMINDER_STEP = timedelta(seconds=1)  # each look covers up to just after now
REMINDER_SHOWN = 60.0  # seconds a reminder stays on screen
LOADING_AFTER = 0.15  # seconds: a day read that quick shows no "loading" in between
# Actions that change data: refused (and shown disabled) while a write runs.
WRITE_ACTIONS = frozenset({"quick_add", "edit", "done", "toggle_kind", "toggle_pin", "move",
                           "delete", "replan", "undo", "redo", "import", "export", "sync"})


class DayScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "shift_day(-1)", "Prev day", show=False, id="day-prev"),
        Binding("right,l", "shift_day(1)", "Next day", show=False, id="day-next"),
        Binding("t", "today", "Today", show=False, id="day-today"),
        Binding("g", "goto", "Go to", id="day-goto"),
        Binding("w", "week", "Week", id="week-view"),
        Binding("m", "month", "Month", id="month-view"),
        Binding("slash", "search", "Search", id="search"),
        Binding("b", "tasks", "Tasks", show=False, id="tasks"),
        Binding("c", "calendars", "Calendars", show=False, id="calendars"),
        Binding("v", "review", "Review", show=False, id="weekly-review"),
        Binding("down,j", "select(1)", "Next block", show=False, id="select-next"),
        Binding("up,k", "select(-1)", "Prev block", show=False, id="select-prev"),
        Binding("home", "morning", "Morning", show=False, id="scroll-morning"),
        Binding("end", "evening", "Evening", show=False, id="scroll-evening"),
        Binding("enter", "edit", "Edit", id="block-edit"),
        Binding("a", "quick_add", "Add", id="quick-add"),
        Binding("space", "done", "Done", id="block-done"),
        Binding("f", "toggle_kind", "Fixed/flex", show=False, id="block-kind"),
        Binding("p", "toggle_pin", "Pin", show=False, id="block-pin"),
        Binding("shift+up", "move(-1)", "Earlier", show=False, id="block-earlier"),
        Binding("shift+down", "move(1)", "Later", show=False, id="block-later"),
        Binding("d,delete", "delete", "Delete", show=False, id="block-delete"),
        Binding("r", "replan", "Re-plan", show=False, id="day-replan"),
        Binding("u,ctrl+z", "undo", "Undo", id="undo"),
        Binding("ctrl+y", "redo", "Redo", show=False, id="redo"),
        Binding("i", "import", "Import", show=False, id="import"),
        Binding("e", "export", "Export", show=False, id="export"),
        Binding("S", "sync", "Sync", show=False, id="sync"),
        Binding("s", "toggle_side", "Side panel", show=False, id="toggle-side"),
    ]

    day: reactive[date] = reactive(date(2000, 1, 1), init=False)
    selected: reactive[str | None] = reactive(None, init=False)
    side_shown: reactive[bool | None] = reactive(None, init=False)  # None: by width

    def __init__(self, services: Services, day: date) -> None:
        super().__init__()
        self.service = services.planner
        self.jobs = services.jobs
        self.services = services
        self._plan: DayPlan | None = None
        self._data: DayData | None = None
        self._items: list[Item] = []
        self._done: list[Block] = []
        self._days = DayCache()
        self._step = 1  # the last day change, so the next day that way is read first
        self._scrolled_for: date | None = None
        self._painted = False  # a day has been painted once (start-up is over)
        self._select_after: str | None = None  # a block just saved: select it once shown
        self._loading_timer: Timer | None = None
        self.sync_timer: Timer | None = None  # `sync.every`, when configured
        self._sync_status: str | None = None  # the header's "synced 08:30"
        # Calendar -> the kind of failure last told for it ("offline", "auth", "held"…):
        # background syncs tell a failure once, not every `sync.every` (the header keeps
        # showing it; S says it again on request).
        self._failure_told: dict[str, str] = {}
        self._reminded_until = services.planner.now()
        self.set_reactive(DayScreen.day, day)

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static(id="day-header")
        yield Static(WELCOME, id="welcome")
        yield Static(id="all-day")
        with Horizontal(id="day-main"):
            yield Timeline(id="timeline")
            yield SidePanel(id="side")
        yield BusyBar(id="busy")
        yield QuickAddBar(id="quick-add")
        yield FittingFooter()

    def on_mount(self) -> None:
        self.query_one("#quick-add").display = False
        self.query_one("#welcome").display = False
        self._read_welcome()
        if self.service.settings.reminders:
            self._reminded_until = self.service.now()
            self.set_interval(REMINDER_SECONDS, self.check_reminders)
        self._apply_side()
        # No "reading…" frame up front: like a day change, a day read within
        # LOADING_AFTER paints straight away (the first frame with content is the day).
        set_text(self.query_one("#day-header", Static),
                 plain(day_label(self.day, year=True), "bold"))
        self._show_day()
        self._read_sync_status()
        self.query_one(Timeline).focus()
        settings = self.service.settings
        if settings.sync_on_start:
            self.call_after_refresh(self._start_background_sync)
        if settings.sync_every is not None:
            self.sync_timer = self.set_interval(settings.sync_every.total_seconds(),
                                                self._start_background_sync)

    def on_resize(self) -> None:
        self._apply_side()

    def watch_side_shown(self) -> None:
        self._apply_side()

    def _apply_side(self) -> None:
        shown = self.side_shown
        if shown is None:
            shown = self.size.width >= NARROW
        self.query_one(SidePanel).display = shown
        if self._plan is not None:
            self._update_header()  # the "unplaced" hint shows only while the panel is hidden

    def watch_day(self) -> None:
        self.selected = None
        self._show_day()

    def watch_selected(self) -> None:
        self.query_one(Timeline).selected = self.selected
        self._update_side()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS and self.jobs.busy:
            return None  # shown disabled in the footer; the busy line says why
        return True

    # ------------------------------------------------------------------ reading days

    def _show_day(self) -> None:
        """Paint the day from memory, or ask a read job for it (and for its neighbours)."""
        data = self._days.get(self.day, self.service.today())
        if data is not None:
            self._paint(data)
            # After the frame: the read job's thread would compete with it for the GIL.
            self.call_after_refresh(self._prefetch)
            return
        self.jobs.read("day", partial(load_days, self.service, [self.day]),
                       reply_to=self)
        if self._loading_timer is None:
            self._loading_timer = self.set_timer(LOADING_AFTER, self._show_loading)

    def _prefetch(self) -> None:
        """Read the neighbouring days, so ←/→ paints from memory, not from expansion."""
        step = timedelta(days=self._step)
        wanted = [d for d in (self.day + step, self.day - step) if d not in self._days]
        if wanted:
            self.jobs.read("prefetch", lambda: load_days(self.service, wanted), reply_to=self)

    def _show_loading(self) -> None:
        """The day asked for is still being read: say so instead of showing another day."""
        self._loading_timer = None
        if self._data is not None and self._data.day == self.day:
            return
        set_text(self.query_one("#day-header", Static), Content.assemble(
            plain(day_label(self.day, year=True), "bold"), "  ", plain("reading…", "dim")))
        self.query_one("#all-day").display = False
        self.query_one(Timeline).data = TimelineData()

    @on(DayLoaded)
    def _loaded(self, event: DayLoaded) -> None:
        for data in event.days:
            self._days.put(data)
        if any(data.day == self.day for data in event.days):
            self._show_day()

    @on(DataChanged)
    def _data_changed(self) -> None:
        """Saved here or elsewhere: forget every day read so far, read this one again.

        What is shown stays until the new read arrives, so an edit never flashes blank.
        """
        self._days.clear()
        self._show_day()
        self._read_sync_status()
        self._read_welcome()

    def _paint(self, data: DayData) -> None:
        """Hand one day's data to the widgets."""
        if self._loading_timer is not None:
            self._loading_timer.stop()
            self._loading_timer = None
        self._data = data
        self._plan = data.plan
        self._items = list(data.items)
        self._done = list(data.done)
        now = self.service.now()
        settings = self.service.settings
        end_hour = settings.day_end.hour + (1 if settings.day_end.minute else 0)
        timeline = self.query_one(Timeline)
        timeline.data = TimelineData(
            items=tuple(self._items), now=now if now.date() == self.day else None,
            past=self.day < now.date(), day_start_hour=settings.day_start.hour,
            day_end_hour=min(24, end_hour or 24))
        if self._select_after is not None:
            block_id, self._select_after = self._select_after, None
            self._select_block(block_id)
        if self.selected not in self._keys():
            # The block moved (or was undone to another time): keep it selected by its id.
            selected_id = self.selected_block_id()
            same = self._key_of(selected_id) if selected_id else None
            self.set_reactive(DayScreen.selected, same)
            timeline.selected = same
        self._update_header()
        self._update_side()
        if not self._painted:
            self._painted = True
            self.call_after_refresh(resume_collector)  # after the first frame
        if self._scrolled_for != self.day:
            self._scrolled_for = self.day
            self.call_after_refresh(self._initial_scroll)

    def _initial_scroll(self) -> None:
        timeline = self.query_one(Timeline)
        if timeline.box_for(self.selected) is not None:
            timeline.reveal_selected()  # opened on a block (search, tasks): show it
            return
        data = timeline.data
        timeline.scroll_to(y=opening_row(
            data.items, day_start_hour=data.day_start_hour,
            minutes_per_row=timeline.minutes_per_row,
            height=timeline.scrollable_content_region.height, now=data.now), animate=False)

    def _keys(self) -> list[str]:
        unplaced = self._plan.unplaced if self._plan else []
        return ([i.key for i in self._items] + [unplaced_key(b.id) for b, _ in unplaced]
                + [unplaced_key(b.id) for b in self._done])

    def _update_header(self) -> None:
        assert self._plan is not None
        today = self.service.today()
        rel = {0: "today", 1: "tomorrow", -1: "yesterday"}.get((self.day - today).days, "")
        totals = sphere_minutes(self._items)  # time counts once
        sums = joined((sphere_chip(s, f"{sphere_letter(s)} {minutes_text(m)}")
                       for s, m in sphere_order(totals)), "  ")
        parts: list[Content | str] = [plain(day_label(self.day, year=True), "bold")]
        if rel:
            parts += [" ", plain(rel, "$accent")]
        parts += ["  ", sums]
        # With the side panel hidden (narrow terminals) this is the only sign that
        # something did not fit; `s` shows the reasons.
        left_over = len(self._plan.unplaced)
        if left_over and not self.query_one(SidePanel).display:
            parts += ["  ", plain(f"{left_over} unplaced (s)", "$warning")]
        # A series repeating more often than a day can show (FREQ=SECONDLY...).
        parts.append(hidden_note(*self._plan.hidden))
        status = self._sync_status
        if status:
            colour = ("$error" if status.startswith("sync failed") else
                      "$warning" if status.startswith("offline") else "$text-muted")
            parts += ["  ", plain(f"⟳ {status}", colour)]
        parts += ["  ", plain(self.service.zone.key, "dim")]
        set_text(self.query_one("#day-header", Static), Content.assemble(*parts))
        strip = self.query_one("#all-day", Static)
        all_day = self._plan.all_day
        strip.display = bool(all_day)
        set_text(strip, joined((Content.assemble(
            sphere_chip(o.sphere, "▬" + sphere_letter(o.sphere)), " ", plain(o.title))
            for o in all_day), "  "))

    def _update_side(self) -> None:
        side = self.query_one(SidePanel)
        data = self._data
        if data is None:
            return
        side.data = SideData(selection=self.selection(), unplaced=tuple(data.plan.unplaced),
                             selected_key=self.selected, insights=data.insights,
                             nudges=data.nudges, done=data.done)

    def selection(self) -> Selection | None:
        key = self.selected
        if key is None or self._plan is None:
            return None
        for block, reason in self._plan.unplaced:
            if unplaced_key(block.id) == key:
                return Selection(block, reason=reason, due=self._due(block))
        for block in self._done:
            if unplaced_key(block.id) == key:
                return Selection(block, due=self._due(block))
        item = next((i for i in self._items if i.key == key), None)
        if item is None:
            return None
        shown = next((o.block for o in self._plan.occurrences if o.block.id == item.block_id),
                     None)
        if shown is None:
            return None
        return Selection(shown, item.start, item.end, due=self._due(shown))

    def _due(self, block: Block) -> str:
        if block.deadline is None:
            return ""
        local = self.service.local(block.deadline)
        return f"{day_label(local.date())} {hhmm(local)}"

    def selected_block_id(self) -> str | None:
        key = self.selected
        if key is None:
            return None
        if key.startswith("unplaced:"):
            return key.removeprefix("unplaced:")
        return key.split("@", 1)[0]

    # ------------------------------------------------------------------ messages up

    @on(Timeline.Clicked)
    def _clicked(self, event: Timeline.Clicked) -> None:
        self.selected = event.key
        if event.opened:
            self.run_action_checked("edit")

    def run_action_checked(self, action: str) -> None:
        """A mouse or message path to an action, refused like its key while writing."""
        if self.check_action(action, ()):
            self.call_later(self.run_action, action)
        else:
            self.notify(f"Not now: {self.jobs.writing or 'a change'} is still being saved.",
                        severity="warning")

    @on(QuickAddBar.Submitted)
    def _quick_added(self, event: QuickAddBar.Submitted) -> None:
        try:
            block = block_from_quick_add(self.service, event.parsed, self.day)
            if event.calendar is not None:
                block = self.service.in_linked_calendar(
                    block, event.calendar, keep_sphere=event.parsed.sphere is not None)
        except (PlannerError, WhenError) as exc:
            self.notify(str(exc), severity="error")
            return
        self._close_quick_add()

        def add(progress: Progress) -> Outcome:
            saved = self.service.add(block)
            into = f" to {saved.source.calendar}" if saved.source is not None else ""
            return Edited(f"Added {saved.title!r}{into}{self._where(saved)}.", saved.id,
                          title="Added")

        self._write(f"Adding {block.title!r}", add)

    def _where(self, block: Block) -> str:
        if block.is_fixed and isinstance(block.start, datetime):
            start = self.service.local(block.start)
            return f" on {day_label(start.date())} at {hhmm(start)}"
        if block.planned:
            start = self.service.local(block.planned[0][0])
            return f", planned {day_label(start.date())} {hhmm(start)}"
        return f"; not placed: {block.plan_note}" if block.plan_note else ""

    @on(QuickAddBar.Cancelled)
    def _quick_cancelled(self) -> None:
        self._close_quick_add()

    def _close_quick_add(self) -> None:
        self.query_one(QuickAddBar).close()
        self.query_one(Timeline).focus()

    def _key_of(self, block_id: str) -> str | None:
        """The first key showing this block (on the timeline or in the unplaced list)."""
        return next((key for key in self._keys()
                     if key.split("@", 1)[0] == block_id or key == unplaced_key(block_id)), None)

    def _select_block(self, block_id: str) -> None:
        key = self._key_of(block_id)
        if key is not None:
            self.selected = key

    # ------------------------------------------------------------------ moving in time

    def go_to(self, day: date) -> None:
        self.day = day

    def action_shift_day(self, days: int) -> None:
        self._step = 1 if days > 0 else -1
        self.day = self.day + timedelta(days=days)

    def action_today(self) -> None:
        self.day = self.service.today()

    def action_goto(self) -> None:
        from planner.ui.screens.prompt import DatePrompt

        def done(day: date | None) -> None:
            if day is not None:
                self.day = day

        self.app.push_screen(DatePrompt(self.service.today()), done)

    def action_review(self) -> None:
        day = self.day
        self.jobs.read("review", lambda: ReviewReady(self.service.weekly_review(day)),
                       reply_to=self)

    @on(ReviewReady)
    def _review_ready(self, event: ReviewReady) -> None:
        from planner.ui.screens.review import ReviewScreen

        self.app.push_screen(ReviewScreen(event.markdown))

    def action_week(self) -> None:
        self._open_view("week", self.day)

    def action_month(self) -> None:
        self._open_view("month", self.day)

    def _open_view(self, view: str, day: date) -> None:
        """The week or month view on ``day``; each can switch straight to the other."""
        from planner.ui.screens.month import MonthScreen
        from planner.ui.screens.week import WeekScreen

        def back(result: date | SwitchView | None) -> None:
            if isinstance(result, SwitchView):
                self._open_view(result.view, result.day)
            elif result is not None:
                self.day = result

        screen = WeekScreen(self.services, day) if view == "week" \
            else MonthScreen(self.services, day)
        self.app.push_screen(screen, back)

    def show_block(self, day: date, block_id: str) -> None:
        """Open ``day`` with ``block_id`` selected (from search or the task list)."""
        if day == self.day and self._data is not None and self._data.day == day:
            self._select_block(block_id)
        else:
            self._select_after = block_id
            self.day = day

    def action_search(self) -> None:
        from planner.ui.screens.search import Found, SearchScreen

        def opened(found: Found | None) -> None:
            if found is not None:
                self.show_block(*found)

        self.app.push_screen(SearchScreen(self.services), opened)

    def action_tasks(self) -> None:
        from planner.ui.screens.tasks import TasksScreen

        def opened(found: tuple[date, str] | None) -> None:
            if found is not None:
                self.show_block(*found)

        self.app.push_screen(TasksScreen(self.services), opened)

    def action_calendars(self) -> None:
        from planner.ui.screens.calendars import CalendarsScreen

        self.app.push_screen(CalendarsScreen(self.services))

    def action_select(self, step: int) -> None:
        keys = self._keys()
        if not keys:
            return
        if self.selected not in keys:
            self.selected = self._nearest_to_view(keys) if step > 0 else keys[-1]
            return
        index = keys.index(self.selected) + step
        self.selected = keys[max(0, min(len(keys) - 1, index))]

    def _nearest_to_view(self, keys: list[str]) -> str:
        """The first block at or after the top of the visible part of the timeline."""
        timeline = self.query_one(Timeline)
        top = int(timeline.scroll_offset.y)
        for item in self._items:
            box = timeline.box_for(item.key)
            if box is not None and box.bottom > top:
                return item.key
        return keys[0]

    def action_morning(self) -> None:
        self.query_one(Timeline).scroll_to_morning()

    def action_evening(self) -> None:
        self.query_one(Timeline).scroll_to_evening()

    def action_toggle_side(self) -> None:
        current = self.query_one(SidePanel).display
        self.side_shown = not current

    # ------------------------------------------------------------------ writing

    def _write(self, description: str, job: Callable[[Progress], Outcome]) -> None:
        """Run ``job`` as a write job; its message(s) come back here, an ``Edited`` one
        with what the change had to move to make room (read in the job's own thread,
        right after its write)."""

        def with_moves(progress: Progress) -> Outcome:
            outcome = job(progress)
            if isinstance(outcome, Edited):
                outcome.moved = tuple(self.service.plan_notices())
            return outcome

        self.jobs.write(description, with_moves, reply_to=self)

    @on(WritesChanged)
    def _writes_changed(self, event: WritesChanged) -> None:
        self.refresh_bindings()
        busy = self.query_one(BusyBar)
        if event.description is None:
            busy.stop()
        else:
            busy.start(event.description + "…")

    @on(JobProgress)
    def _progress(self, event: JobProgress) -> None:
        self.query_one(BusyBar).say(event.text)

    @on(JobFailed)
    def _failed(self, event: JobFailed) -> None:
        self.notify(event.error, severity="error", timeout=8)

    @on(Edited)
    def _edited(self, event: Edited) -> None:
        self.notify(event.note, title=event.title)
        for line in event.moved:
            self.notify(line, title="Moved to make room", severity="warning", timeout=10)
        self._select_after = event.select

    def _need_selection(self) -> Block | None:
        """The selected block as last read, or None (with a hint) if nothing is selected."""
        selection = self.selection()
        if selection is None:
            self.notify("Select a block first (j/k or a click).", severity="warning")
            return None
        return selection.block

    def action_quick_add(self) -> None:
        # "tomorrow" counts from today; a time alone is on the day being viewed.
        self.query_one(QuickAddBar).open(self.day, self.service.settings.sphere_names,
                                         self.service.now(), self.service.writable_links())

    def action_edit(self) -> None:
        from planner.ui.screens.edit import EditScreen

        block = self._need_selection()
        if block is None:
            return

        slot = self._series_slot(block)
        occurrence = self._selected_occurrence()

        def saved(changes: dict[str, object] | None) -> None:
            if not changes:
                return
            if slot is not None and set(changes) != {"recurrence"}:
                self._ask_scope(block, "edit", slot,
                                lambda scope: self._edit_series(block, slot, scope, changes))
                return

            def update(progress: Progress) -> Outcome:
                after = self.service.update(block.id, "edit", **changes)
                return Edited(f"Saved {after.title!r}.", after.id)

            self._write(f"Saving {block.title!r}", update)

        self.app.push_screen(EditScreen(
            block, self.service.zone, self.service.settings.sphere_names, self.service.now(),
            occurrence=(occurrence.start, occurrence.end) if slot is not None and occurrence
            else None), saved)

    # ------------------------------------------------------------------ repeating blocks

    def _selected_occurrence(self) -> Occurrence | None:
        key = self.selected
        if key is None or self._plan is None:
            return None
        return next((o for o in self._plan.occurrences if occurrence_key(o) == key), None)

    def _series_slot(self, block: Block) -> Moment | None:
        """The selected occurrence's slot, if the block repeats (or is a changed one)."""
        occurrence = self._selected_occurrence()
        repeats = block.is_recurring or (block.source is not None and
                                         block.source.recurrence_id is not None)
        if not repeats or occurrence is None or occurrence.block.id != block.id:
            return None
        return occurrence.recurrence_id

    def _ask_scope(self, block: Block, verb: str, slot: Moment,
                   then: Callable[[Scope], None]) -> None:
        from planner.ui.screens.scope import ScopeDialog

        day = slot.date() if isinstance(slot, datetime) else slot
        if isinstance(slot, datetime) and slot.tzinfo is not None:
            day = self.service.local(slot).date()

        def chosen(scope: Scope | None) -> None:
            if scope is not None:
                then(scope)

        self.app.push_screen(ScopeDialog(block.title, verb, day_label(day)), chosen)

    def _edit_series(self, block: Block, slot: Moment, scope: Scope,
                     changes: dict[str, object]) -> None:
        """The edit form's changes to a repeating block, for the occurrences chosen."""
        from planner.app.series import OccurrenceEdit, Scope

        rest = dict(changes)
        if scope is not Scope.ALL:
            rest.pop("recurrence", None)  # a rule belongs to the whole series
        title = rest.pop("title", None)
        start, end = rest.pop("start", None), rest.pop("end", None)
        occurrence = self._selected_occurrence()
        length = None
        if end is not None:
            begin = start if start is not None else (occurrence.start if occurrence else None)
            length = end - begin if isinstance(end, datetime) and isinstance(
                begin, datetime) else None
        edit = OccurrenceEdit(title=title if isinstance(title, str) else None,
                              start=start if isinstance(start, datetime) else None,
                              length=length)

        def job(progress: Progress) -> Outcome:
            after = self.service.edit_occurrence(block.id, slot, scope, edit, rest or None)
            return Edited(f"Saved {after.title!r}.", after.id)

        self._write(f"Saving {block.title!r}", job)

    def _edit(self, description: str, change: Callable[[], Block],
              note: Callable[[Block], str]) -> None:
        """One change to one block, saved by a write job; it is selected afterwards."""

        def job(progress: Progress) -> Outcome:
            after = change()
            return Edited(note(after), after.id)

        self._write(description, job)

    def action_done(self) -> None:
        block = self._need_selection()
        if block is None:
            return
        if block.is_fixed:
            self.notify(f"{block.title!r} is fixed; only flexible tasks get ticked off.",
                        severity="warning")
            return
        self._edit(f"Ticking off {block.title!r}",
                   lambda: self.service.set_done(block.id, not block.done),
                   lambda b: f"{'Done' if b.done else 'Not done'}: {b.title!r}.")

    def action_toggle_kind(self) -> None:
        block = self._need_selection()
        if block is not None:
            self._edit(f"Changing {block.title!r}", lambda: self.service.toggle_kind(block.id),
                       lambda b: f"{b.title!r} is now {b.kind}.")

    def action_toggle_pin(self) -> None:
        block = self._need_selection()
        if block is not None:
            self._edit(f"Pinning {block.title!r}", lambda: self.service.toggle_pin(block.id),
                       lambda b: f"{b.title!r} {'pinned' if b.pinned_start else 'unpinned'}.")

    def action_move(self, steps: int) -> None:
        block = self._need_selection()
        if block is None:
            return
        slot = self._series_slot(block)
        occurrence = self._selected_occurrence()
        if slot is not None and occurrence is not None:
            start = occurrence.start

            def move_some(scope: Scope) -> None:
                from planner.app.series import OccurrenceEdit

                self._edit(f"Moving {block.title!r}",
                           lambda: self.service.edit_occurrence(
                               block.id, slot, scope,
                               OccurrenceEdit(start=start + MOVE_STEP * steps)),
                           lambda b: f"Moved {b.title!r}.")

            self._ask_scope(block, "move", slot, move_some)
            return
        if block is not None:
            self._edit(f"Moving {block.title!r}",
                       lambda: self.service.move(block.id, MOVE_STEP * steps),
                       lambda b: f"Moved {b.title!r}{self._where(b)}.")

    def action_delete(self) -> None:
        block = self._need_selection()
        if block is None:
            return
        slot = self._series_slot(block)
        if slot is not None:
            def delete_some(scope: Scope) -> None:
                def job(progress: Progress) -> Outcome:
                    said = self.service.remove_occurrence(block.id, slot, scope)
                    return Edited(f"{said}. Press u to undo.", title="Deleted")

                self._write(f"Deleting {block.title!r}", job)

            self._ask_scope(block, "delete", slot, delete_some)
            return

        def delete(progress: Progress) -> Outcome:
            gone = self.service.remove(block.id)
            return Edited(f"Deleted {gone.title!r}. Press u to undo.", title="Deleted")

        self._write(f"Deleting {block.title!r}", delete)

    def action_undo(self) -> None:
        self._write("Undoing", lambda progress: Edited(self.service.undo()))

    def action_redo(self) -> None:
        self._write("Redoing", lambda progress: Edited(self.service.redo()))

    def action_replan(self) -> None:
        day = self.day
        self._write(f"Planning from {day_label(day)}",
                    lambda progress: PlanFinished(day, self.service.plan(day)))

    @on(PlanFinished)
    def _planned(self, event: PlanFinished) -> None:
        placed = len({p.block_id for p in event.result.placements})
        left = len(event.result.unplaced)
        self.notify(f"Planned {day_label(event.day)}: {placed} placed"
                    + (f", {left} left over" if left else "") + ".")

    # ------------------------------------------------------------------ import / export

    def action_import(self) -> None:
        from planner.ui.screens.transfer import ImportScreen

        def chosen(request: ImportRequest | None) -> None:
            if request is not None:
                self._write(f"Importing {request.location}",
                            lambda progress: self._import(request, progress))

        self.app.push_screen(ImportScreen(self.service.settings.sphere_names), chosen)

    def _import(self, request: ImportRequest, progress: Progress) -> Outcome:
        return ImportFinished(self.service.import_calendar(
            request.location, sphere=request.sphere, calendar=request.calendar or None,
            progress=progress))

    @on(ImportFinished)
    def _imported(self, event: ImportFinished) -> None:
        report = event.report
        text = report.summary
        if report.copy_of:
            text += (f"\n{report.copy_of} To keep a second copy, import it again and give "
                     "it a calendar name.")
        if report.skipped:
            text += f"\nSkipped {len(report.skipped)}: " + "; ".join(report.skipped[:3])
        for notice in report.notices[:5]:  # the source's version won over an edit made here
            text += f"\n{notice}"
        if report.skipped or report.repaired:
            text += "\nc, then enter on the calendar: what was skipped or repaired, and why."
        for line in report.shows_once[:3]:  # series whose rule never repeats
            text += f"\n{line}"
        if len(report.shows_once) > 3:
            text += f"\n… and {len(report.shows_once) - 3} more series show only once."
        for line in report.replanned[:5]:  # flexible blocks the new events pushed elsewhere
            text += f"\n{line}"
        if report.looks_personal:
            text += (f"\nImported as work, though {report.looks_personal}. If it is your "
                     "personal calendar: c, then s on it.")
        self.notify(text, severity="warning" if report.skipped or report.failed
                    or report.notices or report.shows_once else "information")

    # ------------------------------------------------------------------ CalDAV sync

    def _start_background_sync(self) -> None:
        """`sync.on_start` / `sync.every`: quietly, and never queued behind other writes."""
        if not self.jobs.busy:
            self._sync(background=True)

    def action_sync(self) -> None:
        self._sync(background=False)

    def _sync(self, *, background: bool) -> None:
        def job(progress: Progress) -> Outcome:
            if self.service.sync_status() is None:  # cheap: no linked calendar at all
                return SyncFinished((), background, linked=False)
            return SyncFinished(tuple(self.service.sync(progress=progress)), background)

        self._write("Syncing", job)

    @on(SyncFinished)
    def _synced(self, event: SyncFinished) -> None:
        if not event.linked:
            if not event.background:
                self.notify("No linked calendars yet: `planner sync add NAME URL --sphere S` "
                            "links one.", severity="warning")
            return
        reports = self._not_told_yet(event.reports, event.background)
        if not reports:
            return
        failed = any(r.failed for r in reports)
        if event.background and not failed and not any(
                r.recovered or r.changed or r.conflicts or r.pushed_new or r.pushed_updated
                or r.pushed_deleted for r in reports):
            return  # a quiet background sync that changed nothing says nothing
        severity: SeverityLevel = ("error" if failed else
                    "warning" if any(r.conflicts for r in reports) else "information")
        said = []
        for r in reports:
            if r.recovered and not r.failed:
                said.append(f"{r.calendar}: synced again")
                if event.background and not (r.changed or r.conflicts or r.notes):
                    continue  # back, and nothing else to say about it
            said += [r.summary(), *r.notes[:5]]
        self.notify("\n".join(said), title="Sync", severity=severity,
                    timeout=8 if severity != "information" else 4)

    def _not_told_yet(self, reports: tuple[SyncReport, ...], background: bool
                      ) -> list[SyncReport]:
        """The reports worth showing: a failure already told for its calendar is not told
        again by a background sync while it is the same kind of failure; a calendar that
        synced again is forgotten (a new failure is told)."""
        told = self._failure_told
        shown = [r for r in reports
                 if not (background and r.failed
                         and told.get(r.calendar) == (r.kind or "failed"))]
        for report in reports:
            if report.failed:
                told[report.calendar] = report.kind or "failed"
            else:
                told.pop(report.calendar, None)
        return shown

    # ------------------------------------------------------------------ reminders

    def check_reminders(self) -> None:
        """Show the reminders that went off since the last look (a read job)."""
        since = self._reminded_until

        def job() -> RemindersDue:
            now = self.service.now()
            return RemindersDue(tuple(self.service.reminders(REMINDER_STEP, since=since)),
                                now + REMINDER_STEP)

        self.jobs.read("reminders", job, reply_to=self)

    @on(RemindersDue)
    def _reminders_due(self, event: RemindersDue) -> None:
        self._reminded_until = max(self._reminded_until, event.until)
        for reminder in event.reminders:
            occ = reminder.occurrence
            when = ("all day" if occ.all_day or not isinstance(occ.start, datetime)
                    else hhmm(self.service.local(occ.start)))
            body = f"{occ.title} at {when} ({lead_words(reminder)})"
            if occ.block.location:
                body += f" · {occ.block.location}"
            self.notify(body, title="Reminder", timeout=REMINDER_SHOWN)
            self.jobs.background(partial(self._to_desktop, body), reply_to=self,
                                 kind="desktop-notify")

    def _to_desktop(self, body: str) -> None:
        """Runs in a job thread: `notify-send`, where config allows and there is one."""
        self.service.notify_desktop("planner reminder", body)

    # ------------------------------------------------------------------ first run

    def _read_welcome(self) -> None:
        self.jobs.read("welcome", lambda: HomeRead(self.service.is_empty()), reply_to=self)

    @on(HomeRead)
    def _home_read(self, event: HomeRead) -> None:
        self.query_one("#welcome").display = event.empty

    @on(SyncStatusRead)
    def _sync_status_read(self, event: SyncStatusRead) -> None:
        self._sync_status = event.status
        if self._plan is not None:
            self._update_header()

    def _read_sync_status(self) -> None:
        self.jobs.read("sync-status", lambda: SyncStatusRead(self.service.sync_status()),
                       reply_to=self)

    def action_export(self) -> None:
        from planner.ui.screens.transfer import ExportScreen

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self._write(f"Exporting to {request.path}",
                            lambda progress: ExportFinished(self.service.export(
                                request.path, first=request.first, last=request.last,
                                busy_only=request.busy_only,
                                private_as_busy=request.private_as_busy)))

        def preview(first: date, last: date, busy_only: tuple[str, ...],
                    private_as_busy: bool) -> ExportPreview | None:
            return self.service.export_preview(first=first, last=last, busy_only=busy_only,
                                               private_as_busy=private_as_busy)

        first = self.day - timedelta(days=self.day.weekday())
        self.app.push_screen(ExportScreen(first, first + timedelta(days=6),
                                          self.service.today(),
                                          self.service.settings.sphere_names, preview), chosen)

    @on(ExportFinished)
    def _exported(self, event: ExportFinished) -> None:
        report = event.report
        text = f"Exported {counted(report.events, 'event')} to {printable(str(report.path))}."
        if report.unplaced_left_out:
            text += f" {counted(report.unplaced_left_out, 'unplaced flexible block')} left out."
        for sentence in report.left_out:
            text += f" {printable(sentence)}"
        self.notify(text)
