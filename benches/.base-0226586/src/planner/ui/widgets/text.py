"""Updating a Static without a screen layout when its size cannot change.

``Static.update`` asks for a layout every time, and a layout re-renders and re-checks
every widget on the screen (the timeline's scroll bars included). On a day change
most texts keep their height, so only a text whose height really changes pays for one.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from textual.widgets import Static

_shown: WeakKeyDictionary[Static, str] = WeakKeyDictionary()


def set_text(static: Static, text: str) -> None:
    """Show ``text`` (markup) in ``static``; a layout only if its content height changes."""
    if _shown.get(static) == text:
        return
    _shown[static] = text
    region = static.content_region
    if not static.is_mounted or not static.display or not region.width:
        static.update(text)
        return
    static.update(text, layout=False)
    needed = static.get_content_height(static.parent.size if static.parent else region.size,
                                       static.app.size, region.width)
    if needed != region.height:
        static.refresh(layout=True)
