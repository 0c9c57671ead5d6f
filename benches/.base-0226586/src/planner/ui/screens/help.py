"""The help screen: every key, read from the live bindings so remapped keys show right."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from planner.ui.markup import esc

MOUSE = [("click", "select a block"), ("double-click", "edit it"),
         ("wheel", "scroll the day"), ("ctrl+p", "command palette: every action, date jumps")]


def key_rows(bindings: list[tuple[str, str]], width: int | None = None) -> str:
    if width is None:
        width = key_width([bindings])
    return "\n".join(f"[b $accent]{esc(k).ljust(width)}[/]{esc(d)}" for k, d in bindings)


def key_width(sections: list[list[tuple[str, str]]]) -> int:
    """One key column for every section, so descriptions line up down the whole list."""
    return max((len(k) for rows in sections for k, _ in rows), default=4) + 2


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help-close"),
    ]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        width = key_width([rows for _, rows in self.sections] + [MOUSE])
        with VerticalScroll(classes="dialog", id="help"):
            yield Label("planner keys  (escape closes)", classes="dialog-title")
            for title, rows in self.sections:
                yield Label(title, classes="help-section")
                yield Static(key_rows(rows, width))
            yield Label("Mouse and more", classes="help-section")
            yield Static(key_rows(MOUSE, width))

    def action_close(self) -> None:
        self.dismiss(None)
