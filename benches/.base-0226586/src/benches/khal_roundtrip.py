#!/usr/bin/env python3
"""Proof from outside: khal imports planner's export and lists the same days.

    benches/.env/bin/python benches/khal_roundtrip.py      (benches/run builds that env)

Loads the example week into a temporary home with a pinned clock, plans it, exports
two weeks, imports the file into a fresh khal (`khal import --batch`), then compares
`khal list` day by day with planner's own agenda: same titles at the same times.
Exits 1 and prints the differences when they disagree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.app.demo import load_demo  # noqa: E402
from planner.app.service import PlannerService  # noqa: E402

TZ = "Europe/Berlin"
FIRST = date(2026, 11, 23)
DAYS = 14
NOW = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)


def khal_config(home: Path) -> Path:
    (home / "cal").mkdir(parents=True)
    conf = home / "khal.conf"
    conf.write_text(f"""[calendars]
[[planner]]
path = {home / 'cal'}
type = calendar
[sqlite]
path = {home / 'khal.db'}
[locale]
local_timezone = {TZ}
default_timezone = {TZ}
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
[default]
default_calendar = planner
""")
    return conf


def planner_days(service: PlannerService) -> dict[date, set[str]]:
    days = {}
    for n in range(DAYS):
        day = FIRST + timedelta(days=n)
        lines = set()
        for occ in service.agenda(day):
            if occ.all_day:
                continue  # khal prints multi-day all-day events per day with its own marks
            start = service.local(occ.start)  # type: ignore[arg-type]
            end = service.local(occ.end)  # type: ignore[arg-type]
            if start.date() == day and end.date() == day:
                lines.add(f"{start:%H:%M}-{end:%H:%M} {occ.title}")
        days[day] = lines
    return days


def khal_days(khal: str, conf: Path) -> dict[date, set[str]]:
    days = {}
    for n in range(DAYS):
        day = FIRST + timedelta(days=n)
        out = subprocess.run(
            [khal, "-c", str(conf), "list", "--format", "{start-time}-{end-time} {title}",
             "--day-format", "", day.isoformat(), "1d"],
            capture_output=True, text=True, check=True).stdout
        days[day] = {line.strip() for line in out.splitlines()
                     if line.strip() and not line.startswith("-")
                     and line[:2].isdigit()}
    return days


def main() -> int:
    khal = shutil.which("khal", path=str(Path(sys.executable).parent)) or shutil.which("khal")
    if khal is None:
        print("khal is not installed here; run benches/run first (it builds benches/.env).")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        service = PlannerService(home / "planner", tz=TZ, clock=lambda: NOW)
        load_demo(service)
        out = home / "blended.ics"
        report = service.export(str(out), first=FIRST, last=FIRST + timedelta(days=DAYS - 1))
        conf = khal_config(home / "khal")
        subprocess.run([khal, "-c", str(conf), "import", "--batch", "-a", "planner", str(out)],
                       check=True, capture_output=True, text=True)
        ours, theirs = planner_days(service), khal_days(khal, conf)
    bad = 0
    for day in ours:
        if ours[day] != theirs[day]:
            bad += 1
            print(f"{day}: only planner: {sorted(ours[day] - theirs[day])}; "
                  f"only khal: {sorted(theirs[day] - ours[day])}")
    total = sum(len(v) for v in ours.values())
    print(f"khal round trip: {report.events} events exported, {total} timed occurrences "
          f"over {DAYS} days compared, {bad} days differ.")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
