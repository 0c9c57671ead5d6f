"""The busy line: what the running write is doing, and that edits wait for it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import LoadingIndicator, Static

from planner.core.safetext import printable

SHOW_AFTER = 0.3  # seconds: a quick save never flashes the line


class BusyBar(Horizontal):
    """Hidden until a write has run for ``SHOW_AFTER`` seconds; ``stop`` hides it."""

    DEFAULT_CSS = """
    BusyBar { height: 1; }  /* in the flow, above the docked footer */
    BusyBar LoadingIndicator { width: 8; height: 1; min-height: 1; }
    BusyBar Static { width: 1fr; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._timer: Timer | None = None
        self.text = ""

    def compose(self) -> ComposeResult:
        yield LoadingIndicator()
        yield Static(id="busy-label", markup=False)

    def on_mount(self) -> None:
        self.display = False

    def start(self, text: str) -> None:
        self.say(text)
        if not self.display and self._timer is None:
            self._timer = self.set_timer(SHOW_AFTER, self._show)

    def say(self, text: str) -> None:
        self.text = printable(text)
        self.query_one("#busy-label", Static).update(
            f"{self.text}  · edits wait")

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.display = False

    def _show(self) -> None:
        self._timer = None
        self.display = True
