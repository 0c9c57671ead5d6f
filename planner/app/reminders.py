"""Reminders due soon (`planner remind`, the open app's notifications).

Read only: the occurrences around the window come from the session's index and the
planned flexible blocks, hidden calendars left out, and ``core.reminders`` says which
alarms go off in it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from planner.app import queries
from planner.app.session import Session
from planner.core.reminders import LOOKAHEAD, LOOKBACK, Reminder, reminders_between

MAX_WINDOW = timedelta(days=366)


def due(session: Session, within: timedelta, *, since: datetime | None = None
        ) -> list[Reminder]:
    """Reminders going off from ``since`` (default: now) until ``within`` after now."""
    now = session.now()
    start = since if since is not None else now
    end = now + min(within, MAX_WINDOW)
    if end <= start:
        return []
    low, high = start - LOOKBACK, end + LOOKAHEAD
    occurrences = queries.fixed_between(session, low, high) + \
        queries.placed_between(session, low, high)
    return reminders_between(occurrences, start, end, session.zone)
