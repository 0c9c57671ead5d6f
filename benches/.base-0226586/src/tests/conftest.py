"""Shared fixtures: a pinned clock and zone, a temporary home, the installed CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

# Monday 23 November 2026, 08:30 in Berlin: every test that needs "now" uses this.
PINNED_NOW = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
ZONE = "Europe/Berlin"
ROOT = Path(__file__).resolve().parent.parent


def pinned_clock() -> datetime:
    return PINNED_NOW


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


def planner_command() -> list[str]:
    found = shutil.which("planner", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "planner"]


@pytest.fixture
def cli(home: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed `planner` with the temporary home, zone and pinned 'today'."""

    def run(*args: str, check: bool = False, input: str | None = None
            ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PLANNER_HOME": str(home),
               "PLANNER_NOW": PINNED_NOW.isoformat(), "TZ": "UTC"}
        result = subprocess.run([*planner_command(), "--tz", ZONE, *args], env=env,
                                capture_output=True, text=True, timeout=60, input=input)
        if check and result.returncode != 0:
            raise AssertionError(f"planner {' '.join(args)} failed: {result.stderr}")
        return result

    return run
