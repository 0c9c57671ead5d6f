"""The everyday features at scale: search, month view, task list and reminders.

    python benches/everyday_bench.py [--events 50000] [--runs 5]

Imports a generated work calendar (benches/gen_calendar.py) into a temporary home once,
then measures in fresh processes (so no cache helps the next figure):
- search as the app runs it (the nearest 100 matches before the day, 300 after): the
  first keystroke (builds the searcher's text), then each next one of "c", "co", "cus",
  "cust", "custo", "customer" (narrowing), and a new word;
- the month view's 42 days; the task list; `planner remind` and `planner search` as
  commands (process start included), beside `planner agenda` for scale.
Prints medians in milliseconds. No peer has these as commands on the same data
(khal's `search` needs its own 200 s import of 50,000 events), so none is shown.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
TZ = "Europe/Berlin"
DAY = date(2025, 3, 12)  # inside the generated years
NOW = datetime(2025, 3, 12, 7, 0, tzinfo=UTC).isoformat()
KEYS = ["c", "co", "cus", "cust", "custo", "customer", "customer call"]


def in_process(home: Path) -> dict[str, float]:
    """One fresh process's figures (ms)."""
    code = f"""
import json, sys
from datetime import UTC, date, datetime
from time import perf_counter
sys.path.insert(0, {str(ROOT)!r})
from planner.app.service import PlannerService
now = datetime.fromisoformat({NOW!r})
s = PlannerService({str(home)!r}, tz={TZ!r}, clock=lambda: now)
out = {{}}
searcher = s.searcher()
for n, key in enumerate({KEYS!r}):
    t = perf_counter()
    found, _ = searcher.find_near(key, date(2025, 3, 12), before=100, after=300)
    label = f"search {{key!r}}" + (" (first: builds the text)" if n == 0 else "")
    out[label] = (perf_counter() - t) * 1000
out["rows shown for 'customer call'"] = len(found)
t = perf_counter(); s.month(2025, 3); out["month view (42 days)"] = (perf_counter() - t) * 1000
t = perf_counter(); s.month(2025, 4); out["next month"] = (perf_counter() - t) * 1000
t = perf_counter(); s.tasks(); out["task list"] = (perf_counter() - t) * 1000
print(json.dumps(out))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


def command(home: Path, *args: str) -> float:
    env = {**os.environ, "PLANNER_HOME": str(home), "PLANNER_NOW": NOW}
    start = perf_counter()
    subprocess.run([sys.executable, "-m", "planner", "--tz", TZ, *args], env=env, cwd=ROOT,
                   capture_output=True, check=True)
    return (perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ics, home = Path(tmp) / "work.ics", Path(tmp) / "home"
        subprocess.run([sys.executable, str(ROOT / "benches" / "gen_calendar.py"),
                        str(args.events), "-o", str(ics)], check=True)
        env = {**os.environ, "PLANNER_HOME": str(home), "PLANNER_NOW": NOW}
        subprocess.run([sys.executable, "-m", "planner", "import", str(ics)], env=env,
                       cwd=ROOT, check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "planner", "add", "Customer call prep",
                        "--for", "1h", "--by", "fri", "--sphere", "work"], env=env, cwd=ROOT,
                       capture_output=True)
        runs = [in_process(home) for _ in range(args.runs)]
        commands = {
            "planner agenda (for scale)": [command(home, "agenda", str(DAY))
                                           for _ in range(args.runs)],
            "planner remind": [command(home, "remind") for _ in range(args.runs)],
            "planner search customer --from ... --to ...": [
                command(home, "search", "customer", "--from", "2025-03-01", "--to",
                        "2025-03-31") for _ in range(args.runs)],
            "planner tasks": [command(home, "tasks") for _ in range(args.runs)],
        }
    print(f"{args.events:,} events, medians of {args.runs} fresh processes (ms)")
    for key in runs[0]:
        values = [r[key] for r in runs]
        shown = f"{statistics.median(values):10.1f}" if "rows" not in key else \
            f"{statistics.median(values):10.0f}"
        print(f"  {key:<44}{shown}")
    for key, values in commands.items():
        print(f"  {key:<44}{statistics.median(values):10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
