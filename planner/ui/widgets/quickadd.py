"""The quick-add bar: one line of text with a live preview of what it will add."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
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
        self.now: datetime | None = None
        self.today: datetime | None = None  # the real now, for "today"/"tomorrow" wording
        self.spheres: Sequence[str] = ("work", "personal")
        self._preview_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(HINT, id="quick-preview", markup=False)
        yield Input(placeholder="Add a block: title, duration, when, sphere…", id="quick-input",
                    max_length=MAX_LENGTH)

    def open(self, now: datetime, spheres: Sequence[str], real_now: datetime) -> None:
        self.now, self.spheres, self.today = now, spheres, real_now
        box = self.query_one("#quick-input", Input)
        box.value = ""
        self.query_one("#quick-preview", Static).update(HINT)
        self.display = True
        box.focus()

    def parse(self, text: str) -> QuickAdd:
        assert self.now is not None
        parsed = parse_quick_add_with_repeat(text, now=self.now, spheres=self.spheres)
        if self.today is not None:
            # Word the preview against the real today even when another day is shown.
            parsed = replace(parsed, today=self.today.date())
        return parsed

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
            return
        try:
            preview.update("→ " + printable(self.parse(text).describe()))
            preview.remove_class("-error")
        except WhenError as exc:
            preview.update(f"✗ {printable(str(exc))}")
            preview.add_class("-error")

    @on(Input.Submitted, "#quick-input")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self.action_cancel()
            return
        try:
            parsed = self.parse(event.value)
        except WhenError as exc:
            self.query_one("#quick-preview", Static).update(f"✗ {printable(str(exc))}")
            return
        self.post_message(self.Submitted(event.value, parsed))

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())
