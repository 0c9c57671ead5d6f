"""Keeping the garbage collector off the loaded store, and out of the way while starting."""

from __future__ import annotations

import gc

_paused = False  # the collector was switched off by ``pause_collector`` (and not back on)


def freeze_heap() -> None:
    """Take what is alive now (the loaded store, its index) out of the collector's sight.

    With 50,000 events in memory every full collection walks them all, which showed up
    as stalls of tens of milliseconds in random places (a paint, a key press). They are
    long-lived by nature, and refcounting still frees them when the store drops them.
    """
    gc.freeze()


def thaw_heap() -> None:
    """Hand the frozen objects back to the collector (the app is closing)."""
    global _paused
    if _paused:  # closed before the first paint: nothing to freeze first
        _paused = False
        gc.enable()
    gc.unfreeze()


def pause_collector() -> None:
    """No cyclic collections until the first day is painted (``resume_collector``).

    Starting the app makes hundreds of thousands of objects that live as long as it
    does (Textual's modules, styles and widgets, the day's blocks), and every
    collection on the way only walks them: ~20 ms of CPU before the first frame at
    50,000 events. Refcounting frees everything else as usual meanwhile.
    """
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_collector() -> None:
    """The first day is on screen: what start-up made is frozen as long-lived (as
    ``freeze_heap``), and the collector runs again. A no-op unless paused here."""
    global _paused
    if _paused:
        _paused = False
        freeze_heap()
        gc.enable()
