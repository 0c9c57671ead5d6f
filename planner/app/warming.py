"""Keep the weeks around today expanded on disk after an import or a sync.

A fresh import (or a sync that changed series) leaves no week of expanded series kept
(``adapters/weekcache``): the next session's first day would expand every series live
that week (~0.1-0.2 s at 50,000 events). The import already waits for its save, so it
expands yesterday, today and tomorrow (in the session's zone) right after committing,
reading the day indexes it just wrote: the weeks are keyed by the digests of exactly
those stored series, so the next session finds them valid. Weeks are content-keyed
derived data written without the lock by design, so this needs no transaction.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from planner.app.session import Session
from planner.core.errors import PlannerError


def keep_weeks_around_today(session: Session) -> None:
    """Expand (or load) and keep the weeks the next session's first days read."""
    # The index a write left was built from documents in memory (the day indexes were
    # stale until the commit): rebuild it on the day indexes just written.
    session.invalidate()
    today = session.today()
    start = session.day_start(today - timedelta(days=1))
    end = session.day_start(today + timedelta(days=2))
    # The save is done whatever happens here: a store that cannot be read says so on
    # the next read, not as a failed import.
    with contextlib.suppress(PlannerError):
        session.index.keep_series_weeks(start, end, session.zone)
