"""Keeping the garbage collector off the loaded store."""

from __future__ import annotations

import gc


def freeze_heap() -> None:
    """Take what is alive now (the loaded store, its index) out of the collector's sight.

    With 50,000 events in memory every full collection walks them all, which showed up
    as stalls of tens of milliseconds in random places (a paint, a key press). They are
    long-lived by nature, and refcounting still frees them when the store drops them.
    """
    gc.freeze()


def thaw_heap() -> None:
    """Hand the frozen objects back to the collector (the app is closing)."""
    gc.unfreeze()
