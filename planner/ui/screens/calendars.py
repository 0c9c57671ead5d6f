"""The calendars (`c`): each imported, subscribed or linked calendar with its events and
its last refresh (or sync) and how it went; refresh subscriptions, hide or show one,
move it to another sphere, rename or remove one (undo brings it back), as `planner
calendars` does; enter lists
what its last import skipped or repaired, and why (`import -v` in the app)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from planner.core.moments import day_label
from planner.core.wording import counted
from planner.ui.markup import plain, sphere_chip
from planner.ui.messages import DataChanged, Edited, JobFailed, JobProgress, WritesChanged
from planner.ui.screens.dialog import Page
from planner.ui.view import hhmm
from planner.ui.widgets.busy import BusyBar
from planner.ui.widgets.footer import FittingFooter

if TYPE_CHECKING:
    from planner.app.calendars import CalendarInfo
    from planner.app.importing import ImportReport
    from planner.ui.jobs import Outcome, Progress
    from planner.ui.services import Services

WRITE_ACTIONS = frozenset({"refresh", "toggle_hidden", "next_sphere", "rename", "remove",
                           "undo"})


class CalendarsLoaded(Message, bubble=False):
    def __init__(self, calendars: tuple[CalendarInfo, ...]) -> None:
        super().__init__()
        self.calendars = calendars


class Refreshed(Message, bubble=False):
    def __init__(self, reports: tuple[ImportReport, ...]) -> None:
        super().__init__()
        self.reports = reports


class CalendarsScreen(Page[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh subscriptions", id="calendars-refresh"),
        Binding("h", "toggle_hidden", "Hide/show", id="calendars-hide"),
        Binding("s", "next_sphere", "Sphere", id="calendars-sphere"),
        Binding("n", "rename", "Rename", id="calendars-rename"),
        Binding("x,delete", "remove", "Remove", id="calendars-remove"),
        Binding("u,ctrl+z", "undo", "Undo", id="calendars-undo"),
        Binding("escape,c", "back", "Back", id="calendars-back"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.service = services.planner
        self.jobs = services.jobs
        self._calendars: dict[str, CalendarInfo] = {}
        self._opened: set[str] = set()  # calendars whose notes are listed

    def compose(self) -> ComposeResult:
        yield Static(Content.assemble(plain("Calendars", "bold"), plain(
            "  imported files, subscriptions and linked calendars", "dim")),
            id="calendars-header")
        yield OptionList(id="calendars-list")
        yield BusyBar(id="busy")
        yield FittingFooter()

    def on_mount(self) -> None:
        self._read()
        self.query_one(OptionList).focus()

    def _read(self) -> None:
        self.jobs.read("calendars", lambda: CalendarsLoaded(tuple(self.service.calendars())),
                       reply_to=self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS and self.jobs.busy:
            return None
        return True

    @on(CalendarsLoaded)
    def _loaded(self, event: CalendarsLoaded) -> None:
        listing = self.query_one(OptionList)
        keep = listing.highlighted
        listing.clear_options()
        self._calendars = {c.name: c for c in event.calendars}
        options = [Option(self._row(c), id=c.name) for c in event.calendars]
        if not options:
            options = [Option("No calendars yet: press i in the day view to import a file or "
                              "subscribe to a URL.", disabled=True)]
        listing.add_options(options)
        listing.highlighted = keep if keep is not None and keep < len(options) else 0

    def _row(self, cal: CalendarInfo) -> Content:
        kind = "linked" if cal.linked else "subscription" if cal.subscribed else "file"
        state = plain(" (hidden, busy)" if cal.busy else " (hidden)", "$warning") \
            if cal.hidden else ""
        parts: list[Content | str] = [
            plain(cal.name, "bold"), state, "  ", sphere_chip(cal.sphere),
            f"  {counted(cal.events, 'event')} · {kind}  ", plain(cal.origin, "dim")]
        if cal.checked_at:
            when = self.service.local(datetime.fromisoformat(cal.checked_at))
            verb = "synced" if cal.linked else "refreshed"
            parts.append(f"\n   last {verb} {day_label(when.date())} {hhmm(when)} ")
            if cal.ok is False:
                parts.append(plain(f"failed: {cal.last_result or ''}", "$error"))
            elif cal.last_result:
                parts.append(plain(cal.last_result, "dim"))
        if cal.skipped or cal.repaired:
            parts += self._notes(cal) if cal.name in self._opened else \
                [plain("\n   enter: what was skipped or repaired, and why", "dim")]
        return Content.assemble(*parts)

    @staticmethod
    def _notes(cal: CalendarInfo) -> list[Content | str]:
        lines: list[Content | str] = []
        for verb, notes in (("skipped", cal.skipped), ("repaired", cal.repaired)):
            lines += [Content.assemble("\n   ", plain(verb, "$warning"), " ", plain(note))
                      for note in notes]
        left_out = cal.skipped_count + cal.repaired_count - len(cal.skipped) - \
            len(cal.repaired)
        if left_out > 0:
            lines.append(plain(f"\n   … and {left_out:,} more (`planner import -v` lists "
                               "them all)", "dim"))
        return lines

    @on(OptionList.OptionSelected)
    def _toggle_notes(self, event: OptionList.OptionSelected) -> None:
        cal = self._calendars.get(event.option.id or "")
        if cal is None:
            return
        if not (cal.skipped or cal.repaired):  # enter must answer, even with nothing to show
            self.notify(f"'{cal.name}': its last import skipped and repaired nothing.")
            return
        self._opened ^= {cal.name}
        event.option_list.replace_option_prompt(cal.name, self._row(cal))

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

    @on(JobProgress)
    def _progress(self, event: JobProgress) -> None:
        self.query_one(BusyBar).say(event.text)

    @on(JobFailed)
    def _failed(self, event: JobFailed) -> None:
        self.notify(event.error, severity="error", timeout=8)

    def action_refresh(self) -> None:
        def refresh(progress: Progress) -> Outcome:
            return Refreshed(tuple(self.service.refresh(progress=progress)))

        self.jobs.write("Refreshing subscriptions", refresh, reply_to=self)

    @on(Refreshed)
    def _refreshed(self, event: Refreshed) -> None:
        if not event.reports:
            self.notify("No subscriptions to refresh: import a calendar's URL to subscribe.",
                        severity="warning")
            return
        failed = any(r.failed for r in event.reports)
        lines = [line for r in event.reports for line in (r.summary, *r.notices[:5])]
        self.notify("\n".join(lines), title="Refresh",
                    severity="error" if failed else "information", timeout=8 if failed else 4)

    def _highlighted(self) -> CalendarInfo | None:
        listing = self.query_one(OptionList)
        if listing.highlighted is None:
            return None
        return self._calendars.get(listing.get_option_at_index(listing.highlighted).id or "")

    def action_rename(self) -> None:
        from planner.ui.screens.prompt import NamePrompt

        cal = self._highlighted()
        if cal is None:
            return

        def chosen(new: str | None) -> None:
            if new is not None:
                self.jobs.write(f"Renaming {cal.name}", lambda progress: Edited(
                    self.service.rename_calendar(cal.name, new)), reply_to=self)

        self.app.push_screen(NamePrompt(f"Rename {cal.name}", cal.name), chosen)

    def action_remove(self) -> None:
        cal = self._highlighted()
        if cal is None:
            return

        def remove(progress: Progress) -> Outcome:
            said = self.service.remove_calendar(cal.name)
            return Edited("\n".join([f"{said} Press u to bring it back.",
                                     *self.service.plan_notices()]))

        self.jobs.write(f"Removing {cal.name}", remove, reply_to=self)

    def action_undo(self) -> None:
        self.jobs.write("Undoing", lambda progress: Edited(self.service.undo()), reply_to=self)

    def action_toggle_hidden(self) -> None:
        cal = self._highlighted()
        if cal is None:
            return

        def toggle(progress: Progress) -> Outcome:
            said = (self.service.show_calendar(cal.name) if cal.hidden
                    else self.service.hide_calendar(cal.name))
            return Edited("\n".join([said, *self.service.plan_notices()]))

        self.jobs.write(f"{'Showing' if cal.hidden else 'Hiding'} {cal.name}", toggle,
                        reply_to=self)

    def action_next_sphere(self) -> None:
        """Move the calendar to the next sphere (work, personal, then the config's own),
        as `planner calendars sphere NAME SPHERE` does; u undoes it."""
        cal = self._highlighted()
        if cal is None:
            return
        spheres = list(self.service.settings.sphere_names)
        after = spheres[(spheres.index(cal.sphere) + 1) % len(spheres)] \
            if cal.sphere in spheres else spheres[0]

        def move(progress: Progress) -> Outcome:
            said = self.service.set_calendar_sphere(cal.name, after)
            return Edited("\n".join([said, *self.service.plan_notices()]))

        self.jobs.write(f"Moving {cal.name} to {after}", move, reply_to=self)

    @on(Edited)
    def _edited(self, event: Edited) -> None:
        self.notify(event.note)

    def action_back(self) -> None:
        self.dismiss(None)
