"""The code stays tidy: ruff over the whole tree and mypy over the package, as CI runs them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip(f"{name} is not installed (it is in the test extra)")
    return found


def test_ruff_is_clean() -> None:
    result = subprocess.run([tool("ruff"), "check", "--no-cache", "."], capture_output=True,
                            text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean(tmp_path: Path) -> None:
    # Its own cache dir: two xdist workers or a stale cache never share state.
    result = subprocess.run([tool("mypy"), "--cache-dir", str(tmp_path / "mypy")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
