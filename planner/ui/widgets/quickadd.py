"""The quick-add bar: one line of text with a live preview of what it will add."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.events import Resize
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from planner.core.safetext import printable
from planner.core.when import QuickAdd, WhenError, parse_quick_add_with_repeat

# A quick-add line is a title and a few words; keystrokes past this are refused, so the
# cost of typing (Textual's redraw, the parse) stays bounded per key whatever is pasted.
MAX_LENGTH = 200
PREVIEW_AFTER = 0.08  # seconds of quiet before the preview parses: one parse per pause,
# not per key, so holding a key or pasting costs one parse however long the line gets.

HINT = ("e.g. gym 1h this afternoon personal · standup 9:30 15m work every weekday · "
        "2h deep work by fri")
# Textual's own id for the screen's notification rack (docked at the bottom, like this bar).
TOAST_RACK = "#textual-toastrack"
CALENDAR_MARK = "@"  # "@Family": into the linked calendar Family (when it is no sphere)


def preview_line(parsed: QuickAdd, calendar: str | None = None) -> str:
    """The live preview of a line: ``→`` what will be added, ``?`` when some words were
    not understood (they are named; nothing slips quietly into the title)."""
    text = parsed.describe() + (f" · into {calendar}" if calendar else "")
    return ("? " if parsed.unclear else "→ ") + printable(text)


def calendar_key(name: str) -> str:
    """How a calendar name is typed after "@": any case, spaces as dashes."""
    return "-".join(name.split()).casefold()


def take_calendar(text: str, calendars: Sequence[str], spheres: Sequence[str]
                  ) -> tuple[str, str | None]:
    """The line without its "@NAME" word naming one of ``calendars``, and that name.

    A sphere of the same name stays a sphere ("@work" has always meant the sphere)."""
    by_key = {calendar_key(c): c for c in calendars}
    taken = {s.casefold() for s in spheres}
    words = text.split(" ")
    for n in range(len(words) - 1, -1, -1):
        word = words[n]
        key = word[1:].casefold()
        if word.startswith(CALENDAR_MARK) and key in by_key and key not in taken:
            return " ".join(words[:n] + words[n + 1:]), by_key[key]
    return text, None


class QuickAddBar(Vertical):
    """Set ``now`` and ``spheres`` before showing it; posts ``Submitted`` or ``Cancelled``."""

    DEFAULT_CSS = """
    QuickAddBar { height: auto; dock: bottom; }
    QuickAddBar #quick-preview { height: auto; max-height: 3; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="quick-add-cancel"),
    ]

    class Submitted(Message):
        def __init__(self, text: str, parsed: QuickAdd, calendar: str | None = None) -> None:
            super().__init__()
            self.text = text
            self.parsed = parsed
            self.calendar = calendar  # a linked calendar chosen with "@NAME", or None

    class Cancelled(Message):
        pass

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.now: datetime | None = None  # the real now: "tomorrow" counts from its day
        self.day: date | None = None  # the day being viewed: a time alone is on it
        self.spheres: Sequence[str] = ("work", "personal")
        self.calendars: Sequence[str] = ()
        self._confirmed = ""  # a line with words not understood, Enter pressed once
        self._preview_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(HINT, id="quick-preview", markup=False)
        yield Input(placeholder="Add a block: title, duration, when, sphere…", id="quick-input",
                    max_length=MAX_LENGTH)

    def open(self, day: date, spheres: Sequence[str], now: datetime,
             calendars: Sequence[str] = ()) -> None:
        """``calendars``: the linked calendars a block may be added to ("@NAME")."""
        self.day, self.spheres, self.now = day, spheres, now
        self.calendars = calendars
        self._confirmed = ""
        box = self.query_one("#quick-input", Input)
        box.value = ""
        self.query_one("#quick-preview", Static).update(HINT)
        self.display = True
        box.focus()
        self.call_after_refresh(self._lift_toasts)

    def close(self) -> None:
        self.display = False
        self._lift_toasts()

    def on_resize(self, _event: Resize) -> None:
        self._lift_toasts()  # the preview wraps onto more lines, or fewer

    def _lift_toasts(self) -> None:
        """Keep notifications above the open bar: the "Added ..." of the last line must
        not cover what the next one will add, which is the whole point of the preview."""
        racks = self.screen.query(TOAST_RACK)
        if not racks:
            return
        rack = racks.first()
        if self.display and self.region.height:
            below = self.screen.size.height - self.region.y  # this bar and the footer
            rack.styles.margin = (0, 0, below, 0)
        else:
            rack.styles.clear_rule("margin")  # back to Textual's place above the footer

    def parse(self, text: str) -> QuickAdd:
        """The words of a line (its "@NAME" calendar taken out first, see below)."""
        assert self.now is not None
        return parse_quick_add_with_repeat(text, now=self.now, spheres=self.spheres,
                                           day=self.day)

    def parse_with_calendar(self, text: str) -> tuple[QuickAdd, str | None]:
        rest, calendar = take_calendar(text, self.calendars, self.spheres)
        return self.parse(rest), calendar

    @on(Input.Changed, "#quick-input")
    def _typed(self) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(PREVIEW_AFTER, self._preview)

    def _preview(self) -> None:
        self._preview_timer = None
        text = self.query_one("#quick-input", Input).value
        preview = self.query_one("#quick-preview", Static)
        if not text.strip():
            preview.update(HINT)
            preview.remove_class("-error")
            return
        try:
            parsed, calendar = self.parse_with_calendar(text)
        except WhenError as exc:
            preview.update(f"✗ {printable(str(exc))}")
            preview.add_class("-error")
            return
        # Anything not understood is shown as such, never quietly made part of the title.
        preview.update(preview_line(parsed, calendar))
        preview.set_class(bool(parsed.unclear), "-error")

    @on(Input.Submitted, "#quick-input")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self.action_cancel()
            return
        if self._preview_timer is not None:  # what Enter says must not be painted over
            self._preview_timer.stop()
            self._preview_timer = None
        preview = self.query_one("#quick-preview", Static)
        try:
            parsed, calendar = self.parse_with_calendar(event.value)
        except WhenError as exc:
            preview.update(f"✗ {printable(str(exc))}")
            return
        if parsed.unclear and self._confirmed != event.value:
            # Once more to add it as shown: a typo should not slip into the title.
            self._confirmed = event.value
            preview.update(f"{preview_line(parsed, calendar)} — Enter again to add it as shown")
            preview.add_class("-error")
            return
        self.post_message(self.Submitted(event.value, parsed, calendar))

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())
