"""What a command imports and what that costs: medians of ``python -X importtime`` runs.

    python benches/importtime.py [--runs 7] [--top 25] -- --home H agenda 2025-03-12

Runs ``python -X importtime -m planner ARGS`` in fresh processes and prints, per module,
the median self and cumulative import time (µs) over the runs, the heaviest first, plus
the median total (the ``planner`` package's cumulative time plus everything imported
before it from ``-m``). ``--json`` prints the same as one JSON object for benches/run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from typing import Any

LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")


def one_run(python: str, argv: list[str]) -> dict[str, tuple[int, int, int]]:
    """module -> (self µs, cumulative µs, depth) for one fresh process."""
    proc = subprocess.run([python, "-X", "importtime", "-m", "planner", *argv],
                          capture_output=True, text=True, env=dict(os.environ))
    found: dict[str, tuple[int, int, int]] = {}
    for line in proc.stderr.splitlines():
        match = LINE.match(line)
        if match:
            own, cumulative, indent, name = match.groups()
            found[name] = (int(own), int(cumulative), len(indent) // 2)
    return found


def measure(python: str, argv: list[str], runs: int) -> dict[str, Any]:
    samples = [one_run(python, argv) for _ in range(runs)]
    names = set().union(*samples)
    rows = []
    for name in names:
        seen = [s[name] for s in samples if name in s]
        rows.append({"module": name, "self_us": statistics.median(v[0] for v in seen),
                     "cumulative_us": statistics.median(v[1] for v in seen),
                     "depth": min(v[2] for v in seen), "in_runs": len(seen)})
    # Every module imported at depth 0 (top level) adds up to the whole import cost.
    totals = [sum(v[1] for v in s.values() if v[2] == 0) for s in samples]
    planner = [sum(v[0] for k, v in s.items() if k == "planner" or k.startswith("planner."))
               for s in samples]
    rows.sort(key=lambda r: -r["cumulative_us"])
    return {"runs": runs, "total_us": statistics.median(totals),
            "planner_self_us": statistics.median(planner), "modules": len(names),
            "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--has", action="append", default=[], metavar="MODULE",
                        help="also say whether MODULE was imported (repeatable)")
    parser.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    result = measure(args.python, argv, args.runs)
    loaded = {r["module"] for r in result["rows"]}
    result["has"] = {name: name in loaded for name in args.has}
    if args.json:
        json.dump({k: v for k, v in result.items() if k != "rows"}
                  | {"rows": result["rows"][: args.top]}, sys.stdout)
        sys.stdout.write("\n")
        return
    print(f"planner {' '.join(argv)}: {result['modules']} modules, all imports "
          f"{result['total_us'] / 1000:.0f} ms (median of {args.runs}), planner's own "
          f"modules {result['planner_self_us'] / 1000:.0f} ms")
    for name, present in result["has"].items():
        print(f"  {name}: {'imported' if present else 'not imported'}")
    print(f"{'cumulative':>11} {'self':>8}  module")
    for row in result["rows"][: args.top]:
        print(f"{row['cumulative_us'] / 1000:9.1f}ms {row['self_us'] / 1000:6.1f}ms  "
              f"{'  ' * row['depth']}{row['module']}")


if __name__ == "__main__":
    main()
