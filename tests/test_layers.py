"""The layer rules of DESIGN.md, enforced.

The import-linter contracts in pyproject.toml are the one statement of the layers
(front ends -> use cases -> adapters -> pure core; the core does no I/O; front ends never
reach storage, files or the network). Here they are run, a real `planner agenda` is
checked for what it loaded, and no private name crosses a module boundary.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "planner"
# namedtuple's public API happens to start with an underscore
NAMEDTUPLE_API = {"_replace", "_asdict", "_fields", "_make"}


def test_import_linter_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.skip("import-linter is not installed (it is in the test extra)")
    result = subprocess.run([lint], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.split("Contracts:")[-1].replace("0 broken", "")


def loaded_by(tmp_path: Path, *args: str) -> set[str]:
    """The modules a real planner command imported, from `python -X importtime`."""
    env = {**os.environ, "PLANNER_HOME": str(tmp_path), "TZ": "UTC",
           "PLANNER_NOW": "2026-11-23T08:30:00+01:00"}
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "planner", *args],
                            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    modules = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip())
    return modules


def test_a_real_agenda_loads_no_ui_parser_or_network(tmp_path: Path) -> None:
    loaded = loaded_by(tmp_path, "--tz", "Europe/Berlin", "agenda", "2026-11-23", "--json")
    assert "planner.app.session" in loaded  # the check sees the real path
    for heavy in ("textual", "icalendar", "urllib.request", "http.client", "caldav",
                  "planner.ui.app", "planner.adapters.ical.reader"):
        assert heavy not in loaded, f"`planner agenda` loaded {heavy}"


def test_importing_a_file_loads_no_network(tmp_path: Path) -> None:
    """The network (http.client, ssl, urllib.request: ~12 ms) is for a URL only."""
    ics = ROOT / "tests" / "fixtures" / "ics" / "crosses_midnight.ics"
    loaded = loaded_by(tmp_path, "--tz", "Europe/Berlin", "import", str(ics))
    assert "planner.adapters.ical.reader" in loaded  # the check sees the real path
    for heavy in ("planner.adapters.ical.fetch", "http.client", "ssl", "urllib.request"):
        assert heavy not in loaded, f"`planner import FILE` loaded {heavy}"


def _python_files() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_name_crosses_a_module(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    crossings = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("planner"):
            crossings += [f"from {node.module} import {a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]
        elif (isinstance(node, ast.Attribute) and node.attr.startswith("_")
              and not node.attr.startswith("__") and node.attr not in NAMEDTUPLE_API
              and isinstance(node.value, ast.Name) and node.value.id not in ("self", "cls")):
            crossings.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    assert not crossings, crossings


def test_an_agenda_loads_only_what_it_reads(tmp_path: Path) -> None:
    """Start-up cost (issue #16): the façade imports use cases on first use, a day
    without a series outside the fast path never loads dateutil, reading never loads
    the file lock, and an ISO date needs no date parser."""
    env = {**os.environ, "PLANNER_HOME": str(tmp_path), "TZ": "UTC",
           "PLANNER_NOW": "2026-11-23T08:30:00+01:00"}
    added = subprocess.run([sys.executable, "-m", "planner", "add", "Standup", "--at",
                            "2026-11-23 09:00", "--repeat", "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=20"],
                           capture_output=True, text=True, env=env, timeout=120)
    assert added.returncode == 0, added.stderr
    loaded = loaded_by(tmp_path, "--tz", "Europe/Berlin", "agenda", "2026-11-23")
    assert "planner.core.recurrence" in loaded  # the series was expanded
    for lazy in ("dateutil", "filelock", "planner.app.editing", "planner.app.history",
                 "planner.app.planning", "planner.core.scheduler", "planner.core.insights",
                 "planner.core.when", "tomllib", "secrets"):
        assert lazy not in loaded, f"`planner agenda` loaded {lazy}"
