"""The layer rules of DESIGN.md, enforced: the core is pure, the UI never touches storage."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ["planner.core.model", "planner.core.settings", "planner.core.recurrence",
        "planner.core.scheduler", "planner.core.insights", "planner.core.reconcile",
        "planner.core.when", "planner.adapters.index", "planner.adapters.codec",
        "planner.core.review", "planner.core.intervals"]
HEAVY = ["textual", "tinydb", "icalendar"]


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_no_io_or_ui_library(module: str) -> None:
    code = (f"import sys, {module}; "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.strip()
    assert out == "[]", f"{module} pulls in {out}"


def test_agenda_path_does_not_load_textual_or_icalendar() -> None:
    # `planner agenda` must start fast: no UI toolkit, no iCalendar parser.
    code = ("import sys; import planner.cli, planner.app.service; "
            "print([m for m in ('textual', 'icalendar') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.strip()
    assert out == "[]"


def test_import_linter_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.skip("import-linter is not installed (it is in the test extra)")
    result = subprocess.run([lint], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
