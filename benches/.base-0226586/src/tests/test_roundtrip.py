"""Export, then import into a fresh home: the same agenda, day by day.

Covers the example week (Exchange series with overrides, EXDATEs, a cancelled instance,
Windows zone names; an Apple personal calendar; flexible tasks of both spheres) over
nineteen weeks that include the US (2027-03-14) and EU (2027-03-28) DST changes.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import vobject

from planner.app.demo import load_demo
from planner.app.service import PlannerService
from tests.conftest import ZONE, pinned_clock

FIRST = date(2026, 11, 23)
LAST = date(2027, 4, 4)


def _days(service: PlannerService) -> dict[date, list[tuple[str, str, str, str, str]]]:
    result = {}
    day = FIRST
    while day <= LAST:
        result[day] = sorted(
            (o.title, str(o.start if o.all_day else service.local(o.start)),  # type: ignore[arg-type]
             str(o.end if o.all_day else service.local(o.end)),  # type: ignore[arg-type]
             o.sphere, o.kind.value)
            for o in service.agenda(day))
        day += timedelta(days=1)
    return result


def test_export_then_import_into_fresh_home_gives_same_agenda(tmp_path: Path) -> None:
    original = PlannerService(tmp_path / "a", tz=ZONE, clock=pinned_clock)
    load_demo(original)
    out = tmp_path / "blended.ics"
    report = original.export(str(out), first=FIRST, last=LAST)
    assert report.events > 20

    fresh = PlannerService(tmp_path / "b", tz=ZONE, clock=pinned_clock)
    imported = fresh.import_calendar(str(out), calendar="blended")
    assert imported.skipped == []

    before, after = _days(original), _days(fresh)
    assert sum(len(v) for v in before.values()) > 500
    for day in before:
        assert after[day] == before[day], day
    # Spheres and kinds survive (X-PLANNER-SPHERE / X-PLANNER-KIND), not just times.
    kinds = {(b.sphere, b.kind.value) for b in fresh.store.calendar_blocks("blended")}
    assert kinds == {("work", "fixed"), ("personal", "fixed"), ("work", "flexible"),
                     ("personal", "flexible")}


def test_dst_weeks_keep_local_hours(tmp_path: Path) -> None:
    service = PlannerService(tmp_path / "a", tz=ZONE, clock=pinned_clock)
    load_demo(service)

    def standup(day: date) -> str:
        (occ,) = [o for o in service.agenda(day) if o.title == "Daily stand-up"]
        return service.local(occ.start).strftime("%H:%M")  # type: ignore[arg-type]

    # 09:30 New York: 15:30 in Berlin, 14:30 in the three weeks when only the US has
    # moved its clocks (14-27 March 2027), 15:30 again once Europe follows.
    assert standup(date(2027, 3, 12)) == "15:30"
    assert standup(date(2027, 3, 15)) == "14:30"
    assert standup(date(2027, 3, 26)) == "14:30"
    assert standup(date(2027, 3, 29)) == "15:30"


def test_independent_parser_accepts_export(tmp_path: Path) -> None:
    service = PlannerService(tmp_path / "a", tz=ZONE, clock=pinned_clock)
    load_demo(service)
    out = tmp_path / "blended.ics"
    service.export(str(out), first=FIRST, last=FIRST + timedelta(days=6))
    calendar = vobject.readOne(out.read_text(encoding="utf-8"))
    titles = {event.summary.value for event in calendar.vevent_list}
    assert {"Daily stand-up", "School run", "Family dinner"} <= titles
