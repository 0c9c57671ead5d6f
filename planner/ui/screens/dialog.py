"""The base of every screen that closes with a result: it closes once.

``Screen.dismiss`` pops whatever screen is on top. A second Enter that arrives before the
first pop has happened would dismiss again and pop the day view under the dialog (a
blank app); a third would pop the last screen (``ScreenStackError``). Keys come in
faster than that on a real terminal, so the first dismiss wins and later ones do nothing.
"""

from __future__ import annotations

from typing import TypeVar

from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen, Screen

ResultType = TypeVar("ResultType")


async def _nothing() -> None:
    return None


class DismissOnce:
    """Mixin for ``Screen`` subclasses: the first ``dismiss`` wins."""

    dismissed = False

    def dismiss(self, result: object = None) -> AwaitComplete:
        if self.dismissed:
            return AwaitComplete(_nothing())
        self.dismissed = True
        return super().dismiss(result)  # type: ignore[misc]


class Dialog(DismissOnce, ModalScreen[ResultType]):
    """A modal screen that returns one result, once."""


class Page(DismissOnce, Screen[ResultType]):
    """A full screen (the week view) that returns one result, once."""
