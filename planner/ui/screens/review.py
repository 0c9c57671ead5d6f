"""The weekly review: what was done vs planned, energy, which boundaries held."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message

from planner.core.safetext import printable
from planner.ui.screens.dialog import Dialog
from planner.ui.widgets.footer import FittingFooter


class ReviewReady(Message, bubble=False):
    """The review's Markdown, read by a job; the day view opens the screen with it."""

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown


class ReviewScreen(Dialog[None]):
    """Shows the Markdown that `planner review` prints; the screen builds nothing itself."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,v", "close", "Close", id="review-close"),
    ]

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = printable(markdown, lines=True)

    def compose(self) -> ComposeResult:
        # Imported here: the Markdown widget (markdown-it) is ~30 ms of the app's start,
        # and the day view imports this module for ``ReviewReady`` alone.
        from textual.widgets import MarkdownViewer

        yield MarkdownViewer(self.markdown, show_table_of_contents=False, id="review")
        yield FittingFooter()

    def action_close(self) -> None:
        self.dismiss(None)
