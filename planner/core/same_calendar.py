"""Whether a file imported as a new calendar is a calendar that is here already.

Pure: compares the UIDs of the file's events with the UIDs of each stored calendar.
A file whose events (all, or nearly all) are in one calendar is that calendar again,
under another path: the same export downloaded twice, or the demo's `home` imported
from `examples/personal.ics`. A second calendar would show every event twice, each
double-booked with itself, so the import refreshes that calendar instead (or, when a
refresh would take events away from it, asks). See ``app.importing``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

# "Nearly all": an updated export adds a few events and drops a few; a calendar that
# merely shares some meetings with another (an invitation in both) stays apart.
SHARED_SHARE = 0.8


class Overlap(Enum):
    SAME = "same"  # the file is that calendar: refresh it
    PART = "part"  # the file's events are in it, but it holds many more: refreshing
    #               would remove those, so the person decides


@dataclass(frozen=True)
class Match:
    calendar: str
    kind: Overlap
    shared: int  # UIDs in both
    in_file: int  # UIDs in the file
    in_calendar: int  # UIDs in the calendar


def calendar_holding(file_uids: set[str], calendars: Mapping[str, Iterable[str]]
                     ) -> Match | None:
    """The stored calendar that holds all, or nearly all, of ``file_uids``, if any.

    ``calendars`` maps each candidate's name to its events' UIDs. Of several, the one
    sharing the most UIDs wins (then the name, so the answer never depends on order)."""
    if not file_uids:
        return None
    best: Match | None = None
    for name in sorted(calendars):
        stored = set(calendars[name])
        shared = len(file_uids & stored)
        if shared == 0 or shared < SHARED_SHARE * len(file_uids):
            continue
        only_stored = len(stored) - shared
        kind = Overlap.SAME if only_stored <= (1 - SHARED_SHARE) * len(stored) \
            else Overlap.PART
        if best is None or shared > best.shared:
            best = Match(name, kind, shared, len(file_uids), len(stored))
    return best
