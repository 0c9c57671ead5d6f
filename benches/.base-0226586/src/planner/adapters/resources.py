"""Files shipped with planner: themes and the example week.

In a wheel they live in ``planner/_bundled``; in a source checkout (editable install,
tests) they are the top-level ``themes/`` and ``examples/`` folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # the planner package


def bundled_dir(name: str) -> Path:
    installed = _PACKAGE / "_bundled" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def themes_dir() -> Path:
    return bundled_dir("themes")


def examples_dir() -> Path:
    return bundled_dir("examples")
