"""Updating a Static without a screen layout when its size cannot change.

``Static.update`` asks for a layout every time, and a layout re-renders and re-checks
every widget on the screen (the timeline's scroll bars included). On a day change
most texts keep their height, so only a text whose height really changes pays for one.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

_shown: WeakKeyDictionary[Static, tuple[str, tuple[object, ...]]] = WeakKeyDictionary()


def set_text(static: Static, text: Content | str) -> None:
    """Show ``text`` (a plain ``str`` is plain text, never markup) in ``static``; a layout
    only if its content height changes."""
    if isinstance(text, str):
        text = Content(text)
    key = (text.plain, tuple(text.spans))  # Content's own == compares the text only
    if _shown.get(static) == key:
        return
    _shown[static] = key
    region = static.content_region
    if not static.is_mounted or not static.display or not region.width:
        static.update(text)
        return
    static.update(text, layout=False)
    parent = static.parent
    container = parent.size if isinstance(parent, Widget) else region.size
    needed = static.get_content_height(container, static.app.size, region.width)
    if needed != region.height:
        static.refresh(layout=True)
