"""The README's examples, run exactly as printed.

The `planner` session under "How planning works" is replayed command by command with
the installed CLI (only block ids, random by design, are compared as "an id"), and every
row of the quick-add table is typed into a fresh planner in order: the preview must read
as printed and the block must land where the table says.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from planner.app.service import PlannerService
from planner.core.moments import day_label
from planner.core.when import parse_quick_add
from planner.ui.blocks import block_from_quick_add
from planner.ui.widgets.quickadd import preview_line
from tests.conftest import ROOT, planner_command

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK_ID = re.compile(r"\b[bc][0-9a-f]{12}\b")


def _section(marker: str) -> list[str]:
    start = README.index(f"<!-- readme-example: {marker} -->")
    return README[start:].splitlines()[1:]


def _session() -> list[tuple[str, list[str]]]:
    """(command, its output lines) of the console block after the marker."""
    lines = _section("cli")
    assert lines[0] == "```console"
    steps: list[tuple[str, list[str]]] = []
    for line in lines[1:]:
        if line == "```":
            break
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return steps


def test_the_cli_session_prints_what_the_readme_shows(tmp_path: Path) -> None:
    steps = _session()
    assert len(steps) > 5
    env = {**os.environ}
    for command, expected in steps:
        if command.startswith("export "):  # the session's clock, zone and a fresh home
            for name, value in re.findall(r"(\w+)=(\$\([^)]*\)|\S+)", command):
                env[name] = str(tmp_path / "home") if name == "PLANNER_HOME" else value
            continue
        words = shlex.split(command)
        assert words[0] == "planner", command
        done = subprocess.run([*planner_command(), *words[1:]], env=env, capture_output=True,
                              text=True, timeout=60)
        got = (done.stdout + done.stderr).splitlines()
        assert [BLOCK_ID.sub("<id>", x) for x in got] == \
            [BLOCK_ID.sub("<id>", x) for x in expected], command


def test_every_quick_add_row_previews_and_lands_as_printed(tmp_path: Path) -> None:
    rows = []
    for line in _section("quick-add"):
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        if cells[0] in ("you type", "---|---|---") or set(cells[0]) <= {"-", "|"}:
            continue
        rows.append([c.strip("`") for c in cells])
    assert len(rows) >= 5
    now = datetime.fromisoformat("2026-11-30T08:00:00+01:00").astimezone(UTC)
    service = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: now)
    for typed, shown, lands in rows:
        parsed = parse_quick_add(typed, now=service.now(), spheres=service.settings.sphere_names,
                                 day=service.today())
        assert preview_line(parsed) == shown, typed
        if lands == "(not added)":
            continue
        block = service.add(block_from_quick_add(service, parsed, service.today()))
        spans = [(block.start, block.end)] if block.is_fixed else list(block.planned)
        where = ", ".join(f"{day_label(service.local(s).date())} {service.local(s):%H:%M}–"
                          f"{service.local(e):%H:%M}" for s, e in spans)
        assert where == lands, typed
