"""Messages that carry background work's results to the screens.

Jobs (``planner.ui.jobs``) run the use cases off the UI thread and post these; screens
handle them with ``@on``. Widgets' own messages (``Timeline.Clicked``...) live in their
widget, as Textual's guide does it; these are the app-wide ones.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from planner.app.exporting import ExportReport
    from planner.app.importing import ImportReport
    from planner.app.sync import SyncReport
    from planner.core.model import PlanResult
    from planner.core.reminders import Reminder


class DataChanged(Message, bubble=False):
    """Something was saved (here or by another process): re-read what the screen shows.

    Sent to every screen on the stack after each write and after a reload.
    """


class WritesChanged(Message, bubble=False):
    """A write started (``description`` says what) or the last one ended (None).

    Screens refresh their bindings: write actions are refused while one runs.
    """

    def __init__(self, description: str | None) -> None:
        super().__init__()
        self.description = description


class JobProgress(Message, bubble=False):
    """A running job's progress line ("Importing work.ics: 1,200 events…")."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class JobFailed(Message, bubble=False):
    """A job stopped with a user-facing error; nothing it was doing was saved."""

    def __init__(self, description: str, error: str) -> None:
        super().__init__()
        self.description = description
        self.error = error


class Edited(Message, bubble=False):
    """An edit was saved: ``note`` says what happened, ``select`` the block to select."""

    def __init__(self, note: str, select: str | None = None, *, title: str = "",
                 moved: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.note = note
        self.select = select
        self.title = title
        self.moved = moved  # what the change moved besides its own block, one line each


class PlanFinished(Message, bubble=False):
    def __init__(self, day: date, result: PlanResult) -> None:
        super().__init__()
        self.day = day
        self.result = result


class ImportFinished(Message, bubble=False):
    def __init__(self, report: ImportReport) -> None:
        super().__init__()
        self.report = report


class ExportFinished(Message, bubble=False):
    def __init__(self, report: ExportReport) -> None:
        super().__init__()
        self.report = report


class SyncFinished(Message, bubble=False):
    """A sync ran (``linked`` False: there was nothing to sync); ``background`` if the
    app started it by itself (``sync.on_start``/``sync.every``)."""

    def __init__(self, reports: tuple[SyncReport, ...], background: bool, *,
                 linked: bool = True) -> None:
        super().__init__()
        self.reports = reports
        self.background = background
        self.linked = linked


class SyncStatusRead(Message, bubble=False):
    """The header's sync line ("synced 08:30"), or None when nothing is linked."""

    def __init__(self, status: str | None) -> None:
        super().__init__()
        self.status = status


class HomeRead(Message, bubble=False):
    """Whether the home holds nothing yet (the day view then shows a welcome)."""

    def __init__(self, empty: bool) -> None:
        super().__init__()
        self.empty = empty


class RemindersDue(Message, bubble=False):
    """Reminders that went off since the last look (``until``: when that look was)."""

    def __init__(self, reminders: tuple[Reminder, ...], until: datetime) -> None:
        super().__init__()
        self.reminders = reminders
        self.until = until


# ---------------------------------------------------------------------- navigation


class DayAction(Message):
    """Run a day-view action (``"quick_add"``, ``"move(1)"``...) from anywhere."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action


class GoToDay(Message):
    """Show this day in the day view."""

    def __init__(self, day: date) -> None:
        super().__init__()
        self.day = day
