"""The day view: one timeline for work and personal blocks, and every planning key."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, LoadingIndicator, Static
from textual.worker import get_current_worker

from planner.app.service import PlannerError
from planner.core.model import Block
from planner.core.when import WhenError
from planner.ui.blocks import block_from_quick_add
from planner.ui.daydata import DayCache, DayData, Warmer
from planner.ui.markup import esc, sphere_chip, sphere_order
from planner.ui.memory import freeze_heap
from planner.ui.view import Item, day_label, hhmm, minutes_text, sphere_letter
from planner.ui.widgets.quickadd import QuickAddBar
from planner.ui.widgets.side import Selection, SideData, SidePanel, unplaced_key
from planner.ui.widgets.text import set_text
from planner.ui.widgets.timeline import Timeline, TimelineData

if TYPE_CHECKING:
    from planner.app.service import DayPlan, PlannerService
    from planner.ui.app import PlannerApp

NARROW = 100  # below this many columns the side panel hides unless asked for
MOVE_STEP = timedelta(minutes=15)


class DayScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "shift_day(-1)", "Prev day", show=False, id="day-prev"),
        Binding("right,l", "shift_day(1)", "Next day", show=False, id="day-next"),
        Binding("t", "today", "Today", show=False, id="day-today"),
        Binding("g", "goto", "Go to", id="day-goto"),
        Binding("w", "week", "Week", id="week-view"),
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
        Binding("s", "toggle_side", "Side panel", show=False, id="toggle-side"),
    ]

    day: reactive[date] = reactive(date(2000, 1, 1), init=False)
    selected: reactive[str | None] = reactive(None, init=False)
    side_shown: reactive[bool | None] = reactive(None, init=False)  # None: by width

    def __init__(self, day: date) -> None:
        super().__init__()
        self._plan: DayPlan | None = None
        self._data: DayData | None = None
        self._items: list[Item] = []
        self._done: list[Block] = []
        self._warmer = Warmer()
        self._days = DayCache(warmer=self._warmer)
        self._step = 1  # the last day change, so the next day that way is warmed first
        self._scrolled_for: date | None = None
        self.set_reactive(DayScreen.day, day)

    @property
    def service(self) -> PlannerService:
        return self.planner_app.service

    @property
    def planner_app(self) -> PlannerApp:
        return self.app  # type: ignore[return-value]

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static(id="day-header")
        yield Static(id="all-day")
        with Horizontal(id="day-main"):
            yield Timeline(id="timeline")
            yield SidePanel(id="side")
        with Horizontal(id="busy"):
            yield LoadingIndicator()
            yield Static(id="busy-label")
        yield QuickAddBar(id="quick-add")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#quick-add").display = False
        self.query_one("#busy").display = False
        self.refresh_data()
        self._apply_side()
        self.query_one(Timeline).focus()
        self.call_after_refresh(self._prefetch, self.day)
        self.call_after_refresh(freeze_heap)

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
        self.refresh_data(keep_cache=True)
        self.call_after_refresh(self._prefetch, self.day)

    @work(thread=True, exclusive=True, group="prefetch")
    def _prefetch(self, day: date) -> None:
        """Warm the neighbouring days so ←/→ paints from cache, not from expansion."""
        worker = get_current_worker()
        step = timedelta(days=self._step)
        self._warmer.warm(self.service, [day + step, day - step],
                          lambda: worker.is_cancelled)

    def watch_selected(self) -> None:
        self.query_one(Timeline).selected = self.selected
        self._update_side()

    # ------------------------------------------------------------------ data

    def refresh_data(self, *, keep_cache: bool = False) -> None:
        """Re-read the day from the service and hand it to the widgets.

        Every caller but a plain day change has just changed (or reloaded) the data,
        so the days seen so far are forgotten unless ``keep_cache``.
        """
        service = self.service
        if not keep_cache:
            self._days.clear()
        data = self._days.get(service, self.day)
        self._data = data
        self._plan = data.plan
        self._items = list(data.items)
        self._done = list(data.done)
        now = service.now()
        settings = service.settings
        end_hour = settings.day_end.hour + (1 if settings.day_end.minute else 0)
        timeline = self.query_one(Timeline)
        timeline.data = TimelineData(
            items=tuple(self._items), now=now if now.date() == self.day else None,
            past=self.day < now.date(), day_start_hour=settings.day_start.hour,
            day_end_hour=min(24, end_hour or 24))
        if self.selected not in self._keys():
            self.set_reactive(DayScreen.selected, None)
            timeline.selected = None
        self._update_header()
        self._update_side()
        if self._scrolled_for != self.day:
            self._scrolled_for = self.day
            self.call_after_refresh(self._initial_scroll)

    def _initial_scroll(self) -> None:
        timeline = self.query_one(Timeline)
        now = self.service.now()
        if now.date() == self.day and now.time() >= self.service.settings.day_start:
            timeline.scroll_to_hour(max(0, now.hour - 1))
        else:
            timeline.scroll_to_morning()

    def _keys(self) -> list[str]:
        unplaced = self._plan.unplaced if self._plan else []
        return ([i.key for i in self._items] + [unplaced_key(b.id) for b, _ in unplaced]
                + [unplaced_key(b.id) for b in self._done])

    def _update_header(self) -> None:
        assert self._plan is not None
        today = self.service.today()
        rel = {0: "today", 1: "tomorrow", -1: "yesterday"}.get((self.day - today).days, "")
        totals: dict[str, int] = {}
        for item in self._items:
            if item.state != "bridge":
                totals[item.sphere] = totals.get(item.sphere, 0) + item.minutes
        sums = "  ".join(f"{sphere_chip(s, sphere_letter(s) + ' ' + minutes_text(m))}"
                         for s, m in sphere_order(totals))
        rel_text = f" [$accent]{rel}[/]" if rel else ""
        # With the side panel hidden (narrow terminals) this is the only sign that
        # something did not fit; `s` shows the reasons.
        left_over = len(self._plan.unplaced)
        unplaced = (f"  [$warning]{left_over} unplaced (s)[/]"
                    if left_over and not self.query_one(SidePanel).display else "")
        set_text(self.query_one("#day-header", Static),
                 f"[b]{day_label(self.day, year=True)}[/]{rel_text}  {sums}{unplaced}"
                 f"  [dim]{esc(self.service.zone.key)}[/]")
        strip = self.query_one("#all-day", Static)
        all_day = self._plan.all_day
        strip.display = bool(all_day)
        set_text(strip, "  ".join(
            f"{sphere_chip(o.sphere, '▬' + sphere_letter(o.sphere))} {esc(o.title)}"
            for o in all_day))

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
        block = next((o.block for o in self._plan.occurrences if o.block.id == item.block_id),
                     None)
        if block is None:
            return None
        return Selection(block, item.start, item.end, due=self._due(block))

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
            self.action_edit()

    @on(QuickAddBar.Submitted)
    def _quick_added(self, event: QuickAddBar.Submitted) -> None:
        try:
            block = self.service.add(block_from_quick_add(self.service, event.parsed, self.day))
        except (PlannerError, WhenError) as exc:
            self.notify(str(exc), severity="error")
            return
        self._close_quick_add()
        where = self._where(block)
        self.notify(f"Added {block.title!r}{where}.", title="Added")
        self.refresh_data()
        self._select_block(block.id)

    def _where(self, block: Block) -> str:
        if block.is_fixed and isinstance(block.start, datetime):
            start = self.service.local(block.start)
            return f" on {day_label(start.date())} at {hhmm(start)}"
        if block.planned:
            start = self.service.local(block.planned[0][0])
            return f", planned {day_label(start.date())} {hhmm(start)}"
        return f"; not placed yet ({block.plan_note})" if block.plan_note else ""

    @on(QuickAddBar.Cancelled)
    def _quick_cancelled(self) -> None:
        self._close_quick_add()

    def _close_quick_add(self) -> None:
        self.query_one(QuickAddBar).display = False
        self.query_one(Timeline).focus()

    def _select_block(self, block_id: str) -> None:
        for key in self._keys():
            if key.split("@", 1)[0] == block_id or key == unplaced_key(block_id):
                self.selected = key
                return

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
        from planner.ui.screens.review import ReviewScreen

        self.app.push_screen(ReviewScreen(self.service.weekly_review(self.day)))

    def action_week(self) -> None:
        from planner.ui.screens.week import WeekScreen

        def back(day: date | None) -> None:
            if day is not None:
                self.day = day

        self.app.push_screen(WeekScreen(self.day), back)

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

    # ------------------------------------------------------------------ planning

    def _call(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Run a service call; a user error becomes a notification, not a crash."""
        try:
            return fn(*args, **kwargs)
        except (PlannerError, WhenError) as exc:
            self.notify(str(exc), severity="error")
        except Exception as exc:
            if type(exc).__name__ in ("StoreBusy", "StoreError"):
                self.notify(str(exc), severity="error", timeout=8)
            else:
                raise
        return None

    def _need_selection(self) -> str | None:
        block_id = self.selected_block_id()
        if block_id is None:
            self.notify("Select a block first (j/k or a click).", severity="warning")
        return block_id

    def action_quick_add(self) -> None:
        now = self.service.now()
        at = now if self.day == now.date() else datetime.combine(
            self.day, now.time(), tzinfo=now.tzinfo)
        self.query_one(QuickAddBar).open(at, self.service.settings.sphere_names, now)

    def action_edit(self) -> None:
        from planner.ui.screens.edit import EditScreen

        block_id = self._need_selection()
        if block_id is None:
            return
        block = self._call(self.service.block, block_id)
        if block is None:
            return

        def saved(changes: dict[str, object] | None) -> None:
            if not changes:
                return
            if self._call(self.service.update, block.id, "edit", **changes) is not None:
                self.notify(f"Saved {changes.get('title', block.title)!r}.")
                self.refresh_data()
                self._select_block(block.id)

        self.app.push_screen(EditScreen(block, self.service.zone,
                                        self.service.settings.sphere_names,
                                        self.service.now()), saved)

    def _after(self, block: Block | None, message: str, block_id: str | None = None) -> None:
        if block is None:
            return
        self.notify(message)
        self.refresh_data()
        self._select_block(block_id or block.id)

    def action_done(self) -> None:
        block_id = self._need_selection()
        if block_id is None:
            return
        current = self._call(self.service.block, block_id)
        if current is None:
            return
        if current.is_fixed:
            self.notify(f"{current.title!r} is fixed; only flexible tasks get ticked off.",
                        severity="warning")
            return
        block = self._call(self.service.set_done, block_id, not current.done)
        if block is not None:
            self._after(block, f"{'Done' if block.done else 'Not done'}: {block.title!r}.")

    def action_toggle_kind(self) -> None:
        block_id = self._need_selection()
        if block_id is not None:
            block = self._call(self.service.toggle_kind, block_id)
            if block is not None:
                self._after(block, f"{block.title!r} is now {block.kind}.")

    def action_toggle_pin(self) -> None:
        block_id = self._need_selection()
        if block_id is not None:
            block = self._call(self.service.toggle_pin, block_id)
            if block is not None:
                state = "pinned" if block.pinned_start else "unpinned"
                self._after(block, f"{block.title!r} {state}.")

    def action_move(self, steps: int) -> None:
        block_id = self._need_selection()
        if block_id is not None:
            block = self._call(self.service.move, block_id, MOVE_STEP * steps)
            if block is not None:
                self._after(block, f"Moved {block.title!r}{self._where(block)}.")

    def action_delete(self) -> None:
        block_id = self._need_selection()
        if block_id is not None:
            block = self._call(self.service.remove, block_id)
            if block is not None:
                self.notify(f"Deleted {block.title!r}. Press u to undo.", title="Deleted")
                self.refresh_data()

    def action_undo(self) -> None:
        message = self._call(self.service.undo)
        if message:
            self.notify(message)
            self.refresh_data()

    def action_redo(self) -> None:
        message = self._call(self.service.redo)
        if message:
            self.notify(message)
            self.refresh_data()

    def action_replan(self) -> None:
        self.show_busy(f"Planning from {day_label(self.day)}…")
        self._replan(self.day)

    @work(thread=True, exclusive=True, group="service")
    def _replan(self, day: date) -> None:
        try:
            result = self.service.plan(day)
        except PlannerError as exc:
            self.app.call_from_thread(self._finish, str(exc), "error")
            return
        placed = len({p.block_id for p in result.placements})
        left = len(result.unplaced)
        text = f"Planned {day_label(day)}: {placed} placed" + (f", {left} left over"
                                                               if left else "") + "."
        self.app.call_from_thread(self._finish, text, "information")

    def _finish(self, message: str, severity: str) -> None:
        self.hide_busy()
        self.notify(message, severity=severity)  # type: ignore[arg-type]
        self.refresh_data()

    # ------------------------------------------------------------------ import / export

    def show_busy(self, text: str) -> None:
        self.planner_app.busy = True
        self.query_one("#busy-label", Static).update(text)
        self.query_one("#busy").display = True

    def hide_busy(self) -> None:
        self.planner_app.busy = False
        self.query_one("#busy").display = False

    def set_busy_text(self, text: str) -> None:
        self.query_one("#busy-label", Static).update(text)

    def action_import(self) -> None:
        from planner.ui.screens.transfer import ImportRequest, ImportScreen

        def chosen(request: ImportRequest | None) -> None:
            if request is not None:
                self.show_busy(f"Importing {request.location}…")
                self._import(request)

        self.app.push_screen(ImportScreen(self.service.settings.sphere_names), chosen)

    @work(thread=True, exclusive=True, group="service")
    def _import(self, request: object) -> None:
        from planner.ui.screens.transfer import ImportRequest

        assert isinstance(request, ImportRequest)

        def progress(text: str) -> None:
            self.app.call_from_thread(self.set_busy_text, text)

        try:
            report = self.service.import_calendar(request.location, sphere=request.sphere,
                                                  calendar=request.calendar or None,
                                                  progress=progress)
        except Exception as exc:  # every failure is reported, the data is untouched
            self.app.call_from_thread(self._finish, f"Import failed: {exc}", "error")
            return
        text = report.summary
        if report.skipped:
            text += f"\nSkipped {len(report.skipped)}: " + "; ".join(report.skipped[:3])
        self.app.call_from_thread(self._finish, text,
                                  "warning" if report.skipped or report.failed
                                  else "information")

    def action_export(self) -> None:
        from planner.ui.screens.transfer import ExportRequest, ExportScreen

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self.show_busy(f"Exporting to {request.path}…")
                self._export(request)

        first = self.day - timedelta(days=self.day.weekday())
        self.app.push_screen(ExportScreen(first, first + timedelta(days=6),
                                          self.service.today(),
                                          self.service.settings.sphere_names), chosen)

    @work(thread=True, exclusive=True, group="service")
    def _export(self, request: object) -> None:
        from planner.ui.screens.transfer import ExportRequest

        assert isinstance(request, ExportRequest)
        try:
            report = self.service.export(request.path, first=request.first, last=request.last,
                                         busy_only=request.busy_only)
        except Exception as exc:
            self.app.call_from_thread(self._finish, f"Export failed: {exc}", "error")
            return
        text = f"Exported {report.events} events to {report.path}."
        if report.unplaced_left_out:
            text += f" {report.unplaced_left_out} unplaced flexible blocks left out."
        self.app.call_from_thread(self._finish, text, "information")

