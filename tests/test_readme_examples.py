"""Every ```console example in README.md, run as printed, in order, in one fresh home.

A line starting with ``$ planner`` is a command; the lines after it, up to the next
command or the end of the block, are what it prints (stdout, then stderr). The clock is
pinned to Monday 23 Nov 2026 08:30 and the machine's zone to Europe/Berlin, as the
README says. Block ids are random, so an id the README shows stands for the id the real
run printed at that point, and later commands use the real one.
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
    expected: list[str] = field(default_factory=list)


def examples(text: str) -> list[Example]:
    found: list[Example] = []
    inside = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            inside = line.strip() == "```console"
            continue
        if not inside:
            continue
        if line.startswith("$ "):
            found.append(Example(number, line[2:]))
        elif found:
            found[-1].expected.append(line)
    return found


def test_the_readme_has_examples() -> None:
    found = examples(README.read_text(encoding="utf-8"))
    assert len(found) >= 20
    assert all(e.command.startswith("planner ") for e in found)


def test_every_readme_example_prints_what_the_readme_says(tmp_path: Path) -> None:
    env = {**os.environ, "PLANNER_HOME": str(tmp_path / "home"), "PLANNER_NOW": NOW,
           "TZ": "Europe/Berlin", "COLUMNS": "80"}
    env.pop("PLANNER_DEBUG", None)
    ids: dict[str, str] = {}  # README id -> the id of this run
    for example in examples(README.read_text(encoding="utf-8")):
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


if __name__ == "__main__":  # print what the examples print now, to update the README
    pytest.main([__file__, "-q"])
