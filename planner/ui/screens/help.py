"""The help screen: every key, read from the live bindings so remapped keys show right."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Label, Static

from planner.ui.markup import joined, plain
from planner.ui.screens.dialog import Dialog
from planner.ui.view import PRIVATE_MARK

# What the marks mean: a newcomer sees "■W 09:00 🔒 Focus time" first (the lock is in the
# week and month views too).
MARKS = [("■ ○", "fixed (set time) / flexible (placed by the planner)"),
         ("◆ ✓", "pinned where you put it / done"),
         ("W P", "the sphere's first letter: work, personal, or yours"),
         ("!", "double-booked with another fixed block"),
         ("↻", "repeats"),
         (f"{PRIVATE_MARK}", "private: shared exports show it only as Busy")]
MOUSE = [("click", "select a block"), ("double-click", "edit it"),
         ("wheel", "scroll the day"), ("ctrl+p", "command palette: every action, date jumps")]


def key_rows(bindings: list[tuple[str, str]], width: int | None = None) -> Content:
    if width is None:
        width = key_width([bindings])
    return joined((Content.assemble(plain(k + " " * (width - cell_len(k)), "bold $accent"),
                                    plain(d)) for k, d in bindings), "\n")


def key_width(sections: list[list[tuple[str, str]]]) -> int:
    """One key column for every section, so descriptions line up down the whole list."""
    return max((cell_len(k) for rows in sections for k, _ in rows), default=4) + 2


class HelpScreen(Dialog[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help-close"),
    ]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        width = key_width([rows for _, rows in self.sections] + [MOUSE, MARKS])
        with VerticalScroll(classes="dialog", id="help"):
            yield Label("planner keys  (escape closes)", classes="dialog-title")
            for title, rows in self.sections:
                yield Label(title, classes="help-section")
                yield Static(key_rows(rows, width))
            yield Label("What the marks mean", classes="help-section")
            yield Static(key_rows(MARKS, width))
            yield Label("Mouse and more", classes="help-section")
            yield Static(key_rows(MOUSE, width))

    def action_close(self) -> None:
        self.dismiss(None)
