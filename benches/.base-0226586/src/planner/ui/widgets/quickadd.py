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
from textual.widgets import Input, Static

from planner.core.when import QuickAdd, WhenError, parse_quick_add

HINT = "e.g. gym 1h this afternoon personal · standup 9:30 15m work fixed · 2h deep work by fri"


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

    def compose(self) -> ComposeResult:
        yield Static(HINT, id="quick-preview", markup=False)
        yield Input(placeholder="Add a block: title, duration, when, sphere…", id="quick-input")

    def open(self, now: datetime, spheres: Sequence[str], real_now: datetime) -> None:
        self.now, self.spheres, self.today = now, spheres, real_now
        box = self.query_one("#quick-input", Input)
        box.value = ""
        self.query_one("#quick-preview", Static).update(HINT)
        self.display = True
        box.focus()

    def parse(self, text: str) -> QuickAdd:
        assert self.now is not None
        parsed = parse_quick_add(text, now=self.now, spheres=self.spheres)
        if self.today is not None:
            # Word the preview against the real today even when another day is shown.
            parsed = replace(parsed, today=self.today.date())
        return parsed

    @on(Input.Changed, "#quick-input")
    def _preview(self, event: Input.Changed) -> None:
        preview = self.query_one("#quick-preview", Static)
        if not event.value.strip():
            preview.update(HINT)
            return
        try:
            preview.update("→ " + self.parse(event.value).describe())
            preview.remove_class("-error")
        except WhenError as exc:
            preview.update(f"✗ {exc}")
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
            self.query_one("#quick-preview", Static).update(f"✗ {exc}")
            return
        self.post_message(self.Submitted(event.value, parsed))

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())
