"""SIGKILL the installed `planner` at random moments while it saves.

After every kill the store must load, and it must hold either the state before the
command or the state after it (never a mix, never a torn file). A command that
exited 0 ("reported as saved") must be there, every time.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

NOW = "2026-11-23T07:30:00+00:00"
DAY = "2026-11-24"
State = frozenset[tuple[str, str]]  # (title, start) of every occurrence on the days checked


def planner_command() -> list[str]:
    found = shutil.which("planner", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "planner"]


def calendar_text(version: int) -> str:
    """Two versions of one small work calendar, so re-imports really change things."""
    events = [("standup", f"Standup v{version}", 10 + version % 2),
              (f"review-{version % 3}", f"Review {version % 3}", 14)]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//crash//EN",
             "X-WR-CALNAME:Work"]
    for uid, title, hour in events:
        lines += ["BEGIN:VEVENT", f"UID:{uid}@example.com", "DTSTAMP:20261101T000000Z",
                  f"DTSTART;TZID=Europe/Berlin:20261125T{hour:02d}0000",
                  f"DTEND;TZID=Europe/Berlin:20261125T{hour:02d}3000",
                  f"SUMMARY:{title}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


class Harness:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.ics = home.parent / "work.ics"
        self.env = {**os.environ, "PLANNER_HOME": str(home), "PLANNER_NOW": NOW, "TZ": "UTC"}

    def argv(self, *args: str) -> list[str]:
        return [*planner_command(), "--tz", "Europe/Berlin", *args]

    def read(self) -> tuple[State, dict[str, str]]:
        """The visible state; the store must load (exit 0) whatever happened before."""
        result = subprocess.run(self.argv("agenda", DAY, "--days", "3", "--json"),
                                env=self.env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"store does not load after a kill: {result.stderr}"
        items = json.loads(result.stdout)
        return (frozenset((i["title"], i["start"]) for i in items),
                {i["title"]: i["id"] for i in items if i["source"] is None})

    def run_and_maybe_kill(self, args: list[str], delay: float) -> int | None:
        """Exit status, or None when the process was killed before it finished."""
        proc = subprocess.Popen(self.argv(*args), env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc.stderr.close()  # type: ignore[union-attr]
            return None
        err = proc.stderr.read().decode()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
        assert proc.returncode == 0, f"planner {args} failed: {err}"
        return 0


def berlin(day: str, hour: int, minute: int) -> str:
    return f"{day}T{hour:02d}:{minute:02d}:00+01:00"


def crash_loop(home: Path, rounds: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    h = Harness(home)
    h.ics.write_text(calendar_text(0), newline="")
    started = time.monotonic()
    state, ids = h.read()
    # Kill times scale with how long a command takes on this machine, so both outcomes
    # (finished, killed mid-way, often inside the save) keep happening under load.
    typical = time.monotonic() - started
    counts = {"saved": 0, "killed": 0, "killed_after_write": 0}
    for n in range(rounds):
        personal = sorted(ids)
        op = rng.choice(["add", "add", "edit", "rm", "import"] if personal else ["add", "import"])
        after = set(state)
        if op == "add":
            hour, minute = rng.randrange(6, 22), rng.choice((0, 15, 30, 45))
            title = f"task {n}"
            args = ["add", title, "--at", f"{DAY} {hour}:{minute:02d}", "--for", "15m"]
            after.add((title, berlin(DAY, hour, minute)))
        elif op in ("edit", "rm"):
            title = rng.choice(personal)
            start = next(s for t, s in state if t == title)
            after.discard((title, start))
            if op == "edit":
                args = ["edit", ids[title], "--title", f"{title} e{n}"]
                after.add((f"{title} e{n}", start))
            else:
                args = ["rm", ids[title]]
        else:
            version = n + 1
            h.ics.write_text(calendar_text(version), newline="")
            args = ["import", str(h.ics)]
            after = {(t, s) for t, s in after if not t.startswith(("Standup", "Review"))}
            after |= {(f"Standup v{version}", berlin("2026-11-25", 10 + version % 2, 0)),
                      (f"Review {version % 3}", berlin("2026-11-25", 14, 0))}
        status = h.run_and_maybe_kill(args, typical * rng.uniform(0.4, 1.3))
        new_state, ids = h.read()
        if status == 0:
            counts["saved"] += 1
            assert new_state == after, f"round {n}: {op} reported saved but is not there"
        else:
            counts["killed"] += 1
            assert new_state in (state, frozenset(after)), (
                f"round {n}: {op} killed, and the store holds neither the old nor the new state")
            counts["killed_after_write"] += new_state != state
        state = new_state
    # The next save sweeps away temp files that killed writers left behind.
    assert h.run_and_maybe_kill(["add", "last", "--at", f"{DAY} 23:00"], 60) == 0
    assert not [p for p in home.rglob("*.tmp")]
    return counts


def test_sigkill_at_random_moments_never_loses_a_saved_change(tmp_path: Path) -> None:
    home = tmp_path / "home"
    counts = crash_loop(home, rounds=30, seed=20261124)
    # The loop must really have killed some commands, and let some finish.
    assert counts["saved"] >= 3 and counts["killed"] >= 3, counts
    print(counts)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_sigkill_many_times(tmp_path: Path) -> None:
    home = tmp_path / "home"
    started = time.monotonic()
    counts = crash_loop(home, rounds=300, seed=7)
    assert counts["saved"] >= 30 and counts["killed"] >= 30, counts
    print(counts, f"{time.monotonic() - started:.0f} s")
