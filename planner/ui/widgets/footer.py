"""A footer that shows only the key entries that fit, Help first.

Textual's Footer lays every shown binding out in one row and clips the row at the
screen's edge, so at 80 columns the last visible entry is cut mid-word and the app's
own keys (Help, Quit) never show. This footer puts `? Help` first (help lists every
key anyway), then keeps whole entries, in binding order, while they fit beside the
command-palette key; it recomposes when its width changes, so wide terminals still
see the full list.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer

HELP_ACTION = "help"
PALETTE_CLASS = "-command-palette"

# Cells around the text of a FooterKey in Textual's default (non-compact) footer CSS:
# key padding 0 1, description padding 0 1 0 0.
KEY_PADDING = 2
DESCRIPTION_PADDING = 1
# The command-palette key is docked right with padding-right 1 and a 1-cell left border.
PALETTE_EXTRA = 2


def is_entry(widget: Widget) -> bool:
    """A key entry of the footer (Textual's FooterKey, which it does not export)."""
    return hasattr(widget, "key_display") and hasattr(widget, "action")


def entry_cells(key: Widget) -> int:
    """How many cells one footer entry takes, from the footer's default CSS."""
    cells = cell_len(str(getattr(key, "key_display", ""))) + KEY_PADDING
    description = str(getattr(key, "description", ""))
    if description:
        cells += cell_len(description) + DESCRIPTION_PADDING
    if key.has_class(PALETTE_CLASS):
        cells += PALETTE_EXTRA
    return cells


def fitting(entries: list[Widget], width: int) -> list[Widget]:
    """Help first, then whole entries in order while they fit in `width` cells."""
    ordered = sorted(entries, key=lambda entry: getattr(entry, "action", "") != HELP_ACTION)
    kept: list[Widget] = []
    used = 0
    for entry in ordered:
        used += entry_cells(entry)
        if used > width:
            break
        kept.append(entry)
    return kept


class FittingFooter(Footer):
    """Footer showing whole entries only, with Help always first."""

    _laid_out_width = 0

    def compose(self) -> ComposeResult:
        widgets: list[Widget] = list(super().compose())
        palette = [w for w in widgets if is_entry(w) and w.has_class(PALETTE_CLASS)]
        entries = [w for w in widgets if is_entry(w) and w not in palette]
        others = [w for w in widgets if not is_entry(w)]
        width = self.size.width
        self._laid_out_width = width
        if not width:
            # Not laid out yet: show everything; the first resize recomposes.
            yield from widgets
            return
        width -= sum(entry_cells(key) for key in palette)
        yield from fitting(entries, width)
        # Grouped keys (KeyGroup) are not used by planner; pass any through unchanged.
        yield from others
        yield from palette

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._laid_out_width:
            self.call_after_refresh(self.recompose)
