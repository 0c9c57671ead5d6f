"""Every ```console example in README.md, run as printed, in order, in one fresh home;
and every row of the README's quick-add table, typed into a fresh planner.

A line starting with ``$ planner`` is a command; the lines after it, up to the next
command or the end of the block, are what it prints (stdout, then stderr). The clock is
pinned to Monday 23 Nov 2026 08:30 and the machine's zone to Europe/Berlin, as the
README says. A block may start with ``$ export NAME=VALUE ...`` to run with its own clock
or zone, ``PLANNER_HOME=$(mktemp -d)`` giving it a home of its own; that holds for the
rest of that block only. Block ids are random, so an id the README shows stands for the
id the real run printed at that point, and later commands use the real one.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import planner_command

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
NOW = "2026-11-23T08:30:00+01:00"
ID = re.compile(r"\b[bc][0-9a-f]{12}\b")


@dataclass
class Example:
    line: int  # where the command is in README.md
    command: str
    block: int  # which ```console block it is in
    expected: list[str] = field(default_factory=list)


def examples(text: str) -> list[Example]:
    found: list[Example] = []
    inside = False
    block = 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            inside = line.strip() == "```console"
            block += inside
            continue
        if not inside:
            continue
        if line.startswith("$ "):
            found.append(Example(number, line[2:], block))
        elif found:
            found[-1].expected.append(line)
    return found


def test_the_readme_has_examples() -> None:
    found = examples(README.read_text(encoding="utf-8"))
    assert len(found) >= 20
    assert all(e.command.startswith(("planner ", "export ")) for e in found)


def _exported(command: str, env: dict[str, str], fresh: Path) -> None:
    """``export A=1 PLANNER_HOME=$(mktemp -d)``: the block's own clock, zone or home."""
    for name, value in re.findall(r"(\w+)=(\$\([^)]*\)|\S+)", command):
        if value.startswith("$("):
            fresh.mkdir(parents=True, exist_ok=True)
            value = str(fresh)
        env[name] = value


def test_every_readme_example_prints_what_the_readme_says(tmp_path: Path) -> None:
    base = {**os.environ, "PLANNER_HOME": str(tmp_path / "home"), "PLANNER_NOW": NOW,
            "TZ": "Europe/Berlin", "COLUMNS": "80"}
    base.pop("PLANNER_DEBUG", None)
    env, block = dict(base), 0
    ids: dict[str, str] = {}  # README id -> the id of this run
    for example in examples(README.read_text(encoding="utf-8")):
        if example.block != block:
            env, block = dict(base), example.block
        if example.command.startswith("export "):
            _exported(example.command, env, tmp_path / f"block-{block}")
            continue
        argv = shlex.split(ID.sub(lambda m: ids.get(m.group(), m.group()), example.command))
        result = subprocess.run([*planner_command(), *argv[1:]], env=env, cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        got = (result.stdout + result.stderr).splitlines()
        expected = example.expected
        while expected and not expected[-1].strip():
            expected = expected[:-1]
        for want, have in zip(expected, got, strict=False):
            for readme_id, real_id in zip(ID.findall(want), ID.findall(have), strict=False):
                ids.setdefault(readme_id, real_id)
        shown = [ID.sub(lambda m: _readme_id(ids, m.group()), line) for line in got]
        assert shown == expected, (
            f"README.md line {example.line}: `{example.command}` printed\n"
            + "\n".join(got))


def _readme_id(ids: dict[str, str], real: str) -> str:
    for readme_id, seen in ids.items():
        if seen == real:
            return readme_id
    return real


def test_every_quick_add_row_previews_and_lands_as_printed(tmp_path: Path) -> None:
    """The quick-add table: typed one after another into an empty planner on Monday
    30 Nov 2026 08:00 (Berlin), each previews and lands where the table says."""
    from datetime import UTC, datetime

    from planner.app.service import PlannerService
    from planner.core.moments import day_label
    from planner.core.when import parse_quick_add_with_repeat
    from planner.ui.blocks import block_from_quick_add
    from planner.ui.widgets.quickadd import preview_line

    text = README.read_text(encoding="utf-8")
    rows = []
    for line in text[text.index("<!-- readme-example: quick-add -->"):].splitlines()[1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip().strip("`") for c in line.strip("|").split(" | ")]
        if cells[0] == "you type" or set(cells[0]) <= {"-", "|"}:
            continue
        rows.append(cells)
    assert len(rows) >= 5
    now = datetime.fromisoformat("2026-11-30T08:00:00+01:00").astimezone(UTC)
    service = PlannerService(tmp_path, tz="Europe/Berlin", clock=lambda: now)
    for typed, shown, lands in rows:
        parsed = parse_quick_add_with_repeat(typed, now=service.now(),
                                             spheres=service.settings.sphere_names,
                                             day=service.today())
        assert preview_line(parsed) == shown, typed
        if lands == "(not added)":
            continue
        block = service.add(block_from_quick_add(service, parsed, service.today()))
        spans = [(block.start, block.end)] if block.is_fixed else list(block.planned)
        where = ", ".join(f"{day_label(service.local(s).date())} {service.local(s):%H:%M}–"
                          f"{service.local(e):%H:%M}" for s, e in spans)
        assert where == lands, typed


if __name__ == "__main__":  # print what the examples print now, to update the README
    pytest.main([__file__, "-q"])
