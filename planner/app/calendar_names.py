"""What a calendar may be called: one rule for `import --calendar`, `calendars rename`
and `sync add`, and the tidying of names planner makes up from a file or address."""

from __future__ import annotations

from planner.core.errors import PlannerError
from planner.core.safetext import printable

# Words the `calendars` and `sync` commands read as actions, not as a calendar's name.
RESERVED_NAMES = frozenset({"add", "list", "remove", "rename", "hide", "show", "sphere"})


def check_calendar_name(name: str) -> str:
    """``name`` without surrounding spaces, or one sentence saying why it cannot be one:
    a control character or escape in a name would act on every terminal that lists it."""
    name = name.strip()
    if not name:
        raise PlannerError("A calendar needs a name.")
    if not name.isprintable():
        raise PlannerError(f"The calendar name '{printable(name)}' holds a character that "
                           "is not printable; pick a name of printable characters.")
    if name in RESERVED_NAMES:
        raise PlannerError(f"{name!r} is a command word; pick another calendar name.")
    return name


def tidy_calendar_name(text: str, fallback: str) -> str:
    """A name made from a file's name or an address: each character a name may not hold
    becomes a space (the person did not choose it, so it is not refused)."""
    tidy = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return tidy or fallback
