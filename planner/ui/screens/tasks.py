"""The task list (`b`): every open flexible block by deadline, with where the plan put it
or why it could not; edit, pin, tick off and delete from here, or open its day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from planner.core.moments import clock_span, day_label
from planner.core.when import format_duration
from planner.ui.markup import plain, sphere_chip
from planner.ui.messages import DataChanged, Edited, JobFailed, WritesChanged
from planner.ui.screens.dialog import Page
from planner.ui.view import MARKS, sphere_letter, state_of
from planner.ui.widgets.busy import BusyBar
from planner.ui.widgets.footer import FittingFooter

if TYPE_CHECKING:
    from planner.app.tasks import Task
    from planner.core.model import Block
    from planner.ui.jobs import Outcome, Progress
    from planner.ui.services import Services

WRITE_ACTIONS = frozenset({"edit", "pin", "done", "delete"})


class TasksLoaded(Message, bubble=False):
    def __init__(self, tasks: tuple[Task, ...], today: date) -> None:
        super().__init__()
        self.tasks = tasks
        self.today = today


class TasksScreen(Page[tuple[date, str] | None]):
    """Returns a day and block to open in the day view (o), or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "edit", "Edit", id="task-edit"),
        Binding("p", "pin", "Pin", id="task-pin"),
        Binding("space", "done", "Done", id="task-done"),
        Binding("d,delete", "delete", "Delete", id="task-delete"),
        Binding("o", "open", "Open day", id="task-open"),
        Binding("escape,b", "back", "Back", id="tasks-back"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.service = services.planner
        self.jobs = services.jobs
        self._tasks: dict[str, Task] = {}
        self._select_after: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content.assemble(plain("Tasks", "bold"), plain(
            "  open flexible blocks by deadline · enter edits", "dim")), id="tasks-header")
        yield OptionList(id="tasks-list")
        yield BusyBar(id="busy")
        yield FittingFooter()

    def on_mount(self) -> None:
        self._read()
        self.query_one(OptionList).focus()

    def _read(self) -> None:
        self.jobs.read("tasks", lambda: TasksLoaded(tuple(self.service.tasks()),
                                                   self.service.today()), reply_to=self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS and self.jobs.busy:
            return None
        return True

    # ------------------------------------------------------------------ showing

    @on(TasksLoaded)
    def _loaded(self, event: TasksLoaded) -> None:
        listing = self.query_one(OptionList)
        keep = self._select_after or self._current_id()
        self._select_after = None
        listing.clear_options()
        self._tasks = {}
        heading = None
        options: list[Option] = []
        for task in event.tasks:
            title = self._heading(task, event.today)
            if title != heading:
                options.append(Option(plain(title, "bold $accent"), disabled=True))
                heading = title
            options.append(Option(self._row(task), id=task.block.id))
            self._tasks[task.block.id] = task
        if not options:
            options.append(Option("No open tasks. Press a in the day view to add one, e.g. "
                                  "'2h write report by fri'.", disabled=True))
        listing.add_options(options)
        ids = [o.id for o in options]
        if keep is not None and keep in ids:
            listing.highlighted = ids.index(keep)
        else:
            listing.highlighted = next((n for n, o in enumerate(options) if not o.disabled),
                                       None)

    @staticmethod
    def _heading(task: Task, today: date) -> str:
        if task.overdue:
            return "Overdue"
        if task.due is None:
            return "No deadline"
        rel = {0: "today", 1: "tomorrow"}.get((task.due - today).days)
        return f"Due {rel} ({day_label(task.due)})" if rel else \
            f"Due {day_label(task.due, year=task.due.year != today.year)}"

    def _row(self, task: Task) -> Content:
        block = task.block
        chip = sphere_chip(block.sphere, MARKS[state_of(block)] + sphere_letter(block.sphere))
        length = format_duration(block.duration or block.length)
        if block.planned:
            first, last = block.planned[0][0], block.planned[-1][1]
            start, end = self.service.local(first), self.service.local(last)
            where = f"{day_label(start.date())} {clock_span(start, end)}"
            if len(block.planned) > 1:
                where += f" ({len(block.planned)} parts)"
            where_content = plain(where)
        else:
            where_content = plain(f"not placed: {task.reason or ''}", "$warning")
        return Content.assemble(chip, " ", plain(block.title), plain(f" · {length} · ", "dim"),
                                where_content)

    def _current_id(self) -> str | None:
        listing = self.query_one(OptionList)
        if listing.highlighted is None or not listing.option_count:
            return None
        return listing.get_option_at_index(listing.highlighted).id

    def _current(self) -> Block | None:
        task = self._tasks.get(self._current_id() or "")
        if task is None:
            self.notify("Choose a task first (↑/↓).", severity="warning")
            return None
        return task.block

    @on(DataChanged)
    def _data_changed(self) -> None:
        self._read()

    @on(WritesChanged)
    def _writes_changed(self, event: WritesChanged) -> None:
        self.refresh_bindings()
        busy = self.query_one(BusyBar)
        if event.description is None:
            busy.stop()
        else:
            busy.start(event.description + "…")

    @on(JobFailed)
    def _failed(self, event: JobFailed) -> None:
        self.notify(event.error, severity="error", timeout=8)

    @on(Edited)
    def _edited(self, event: Edited) -> None:
        self.notify(event.note, title=event.title)
        self._select_after = event.select

    # ------------------------------------------------------------------ acting

    def _write(self, description: str, job: Callable[[Progress], Outcome]) -> None:
        self.jobs.write(description, job, reply_to=self)

    @on(OptionList.OptionSelected)
    def _chosen(self) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        from planner.ui.screens.edit import EditScreen

        block = self._current()
        if block is None:
            return

        def saved(changes: dict[str, object] | None) -> None:
            if changes:
                self._write(f"Saving {block.title!r}", lambda progress: Edited(
                    f"Saved {self.service.update(block.id, 'edit', **changes).title!r}.",
                    block.id))

        self.app.push_screen(EditScreen(block, self.service.zone,
                                        self.service.settings.sphere_names,
                                        self.service.now()), saved)

    def action_pin(self) -> None:
        block = self._current()
        if block is not None:
            def pin(progress: Progress) -> Outcome:
                after = self.service.toggle_pin(block.id)
                return Edited(f"{after.title!r} {'pinned' if after.pinned_start else 'unpinned'}.",
                              after.id)

            self._write(f"Pinning {block.title!r}", pin)

    def action_done(self) -> None:
        block = self._current()
        if block is not None:
            def done(progress: Progress) -> Outcome:
                after = self.service.set_done(block.id, True)
                return Edited(f"Done: {after.title!r}. Press u in the day view to undo.")

            self._write(f"Ticking off {block.title!r}", done)

    def action_delete(self) -> None:
        block = self._current()
        if block is not None:
            def delete(progress: Progress) -> Outcome:
                gone = self.service.remove(block.id)
                return Edited(f"Deleted {gone.title!r}. Press u in the day view to undo.",
                              title="Deleted")

            self._write(f"Deleting {block.title!r}", delete)

    def action_open(self) -> None:
        block = self._current()
        if block is None:
            return
        if not block.planned:
            self.notify(f"{block.title!r} is not placed, so it is on no day yet.",
                        severity="warning")
            return
        self.dismiss((self.service.local(block.planned[0][0]).date(), block.id))

    def action_back(self) -> None:
        self.dismiss(None)
