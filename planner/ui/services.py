"""What screens are handed: the use cases and the runner for background work.

Screens get this in their constructor (``DayScreen(services, day)``) instead of reaching
for the app, so a screen can be read, and tested, on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.app.service import PlannerService
    from planner.ui.jobs import Jobs


@dataclass(frozen=True)
class Services:
    planner: PlannerService  # the use cases: read from job threads, never written from the UI
    jobs: Jobs  # writes one at a time, reads off the UI thread
