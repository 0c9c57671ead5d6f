"""What the week and month views return to go straight to each other on the same day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal


@dataclass(frozen=True)
class SwitchView:
    """Close this view and open ``view`` on ``day`` (the day view underneath stays put)."""

    view: Literal["week", "month"]
    day: date
