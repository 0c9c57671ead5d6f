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


def key_rows(bindings: list[tuple[str, str]]) -> str:
    width = max((len(k) for k, _ in bindings), default=4) + 2
    return "\n".join(f"[b $accent]{esc(k).ljust(width)}[/]{esc(d)}" for k, d in bindings)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help-close"),
    ]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help"):
            yield Label("planner keys  (escape closes)", classes="dialog-title")
            for title, rows in self.sections:
                yield Label(title, classes="help-section")
                yield Static(key_rows(rows))
            yield Label("Mouse and more", classes="help-section")
            yield Static(key_rows(MOUSE))

    def action_close(self) -> None:
        self.dismiss(None)
