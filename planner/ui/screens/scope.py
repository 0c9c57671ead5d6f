"""Asked when a repeating block is deleted, moved or edited: which occurrences?"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from planner.app.series import Scope
from planner.ui.screens.dialog import Dialog

VERBS = {"delete": "Delete", "move": "Move", "edit": "Change"}


class ScopeDialog(Dialog[Scope | None]):
    """"'Standup' repeats. Delete: this one / this and following / all" — returns the
    scope, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "pick('this')", "This one", id="scope-this"),
        Binding("f", "pick('following')", "This and following", id="scope-following"),
        Binding("a", "pick('all')", "All", id="scope-all"),
        Binding("escape", "cancel", "Cancel", id="scope-cancel"),
    ]

    def __init__(self, title: str, verb: str, day_text: str) -> None:
        super().__init__()
        self.block_title, self.verb, self.day_text = title, verb, day_text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="scope"):
            yield Label(f"{VERBS.get(self.verb, 'Change')} a repeating block",
                        classes="dialog-title")
            yield Static(f"{self.block_title!r} repeats. Which occurrences?", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(f"This one ({self.day_text})  t", id="scope-this", variant="primary")
                yield Button("This and following  f", id="scope-following")
                yield Button("All  a", id="scope-all")
            yield Static("escape: cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#scope-this", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id:
            self.action_pick(event.button.id.removeprefix("scope-"))

    def action_pick(self, scope: str) -> None:
        self.dismiss(Scope(scope))

    def action_cancel(self) -> None:
        self.dismiss(None)
