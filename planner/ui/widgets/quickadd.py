"""The quick-add bar: one line of text with a live preview of what it will add."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from planner.core.safetext import printable
from planner.core.when import QuickAdd, WhenError, parse_quick_add_with_repeat

HINT = ("e.g. gym 1h this afternoon personal · standup 9:30 15m work every weekday · "
        "2h deep work by fri")


def preview_line(parsed: QuickAdd) -> str:
    """The live preview of a line: ``→`` what will be added, ``?`` when some words were
    not understood (they are named; nothing slips quietly into the title)."""
    return ("? " if parsed.unclear else "→ ") + printable(parsed.describe())


class QuickAddBar(Vertical):
    """Set ``now`` and ``spheres`` before showing it; posts ``Submitted`` or ``Cancelled``."""

    DEFAULT_CSS = """
    QuickAddBar { height: auto; dock: bottom; }
    QuickAddBar #quick-preview { height: 1; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="quick-add-cancel"),
    ]

    class Submitted(Message):
        def __init__(self, text: str, parsed: QuickAdd) -> None:
            super().__init__()
            self.text = text
            self.parsed = parsed

    class Cancelled(Message):
        pass

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.now: datetime | None = None  # the real now: "tomorrow" counts from its day
        self.day: date | None = None  # the day being viewed: a time alone is on it
        self.spheres: Sequence[str] = ("work", "personal")
        self._confirmed = ""  # a line with words not understood, Enter pressed once

    def compose(self) -> ComposeResult:
        yield Static(HINT, id="quick-preview", markup=False)
        yield Input(placeholder="Add a block: title, duration, when, sphere…", id="quick-input")

    def open(self, day: date, spheres: Sequence[str], now: datetime) -> None:
        self.day, self.spheres, self.now = day, spheres, now
        self._confirmed = ""
        box = self.query_one("#quick-input", Input)
        box.value = ""
        self.query_one("#quick-preview", Static).update(HINT)
        self.display = True
        box.focus()

    def parse(self, text: str) -> QuickAdd:
        assert self.now is not None
        return parse_quick_add_with_repeat(text, now=self.now, spheres=self.spheres,
                                           day=self.day)

    @on(Input.Changed, "#quick-input")
    def _preview(self, event: Input.Changed) -> None:
        preview = self.query_one("#quick-preview", Static)
        if not event.value.strip():
            preview.update(HINT)
            preview.remove_class("-error")
            return
        try:
            parsed = self.parse(event.value)
        except WhenError as exc:
            preview.update(f"✗ {printable(str(exc))}")
            preview.add_class("-error")
            return
        # Anything not understood is shown as such, never quietly made part of the title.
        preview.update(preview_line(parsed))
        preview.set_class(bool(parsed.unclear), "-error")

    @on(Input.Submitted, "#quick-input")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self.action_cancel()
            return
        preview = self.query_one("#quick-preview", Static)
        try:
            parsed = self.parse(event.value)
        except WhenError as exc:
            preview.update(f"✗ {printable(str(exc))}")
            return
        if parsed.unclear and self._confirmed != event.value:
            # Once more to add it as shown: a typo should not slip into the title.
            self._confirmed = event.value
            preview.update(f"{preview_line(parsed)} — Enter again to add it as shown")
            preview.add_class("-error")
            return
        self.post_message(self.Submitted(event.value, parsed))

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())
