"""`private` in the quick add: read like `fixed`, forced anywhere with `#private`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from planner.core.when import parse_quick_add_with_repeat

NOW = datetime(2026, 11, 30, 8, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.mark.parametrize(("typed", "title", "private", "unclear"), [
    ("dentist fri 8am-9am private", "dentist", True, ()),
    ("therapy tue 17:00 1h personal private every tue", "therapy", True, ()),
    ("dentist #private fri 9:00", "dentist", True, ()),
    # Right after the title a bare word is the title's, as "deep work" keeps "work".
    ("keep it private 1h", "keep it private", False, ()),
    ("private lesson 1h", "private lesson", False, ()),
    ("therapy 17:00 privte", "therapy privte", False,
     ("'privte' (did you mean 'private'?)",)),
])
def test_private_in_a_quick_add_line(typed: str, title: str, private: bool,
                                     unclear: tuple[str, ...]) -> None:
    parsed = parse_quick_add_with_repeat(typed, now=NOW)
    assert (parsed.title, parsed.private, parsed.unclear) == (title, private, unclear)
    assert ("· private" in parsed.describe()) is private


def test_a_sphere_named_private_stays_a_sphere() -> None:
    parsed = parse_quick_add_with_repeat("call 17:00 private", now=NOW,
                                         spheres=("work", "personal", "private"))
    assert (parsed.sphere, parsed.private) == ("private", False)
