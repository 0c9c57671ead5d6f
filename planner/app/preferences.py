"""Settings the person changes from inside the app (the theme, for now)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from planner.adapters.config import SAMPLE_CONFIG, resolve_paths, save_top_level_setting
from planner.adapters.resources import themes_dir
from planner.app.session import Session
from planner.core.errors import PlannerError


def save_theme(session: Session, name: str) -> None:
    """Remember the theme picked in the app (written into config.toml)."""
    try:
        save_top_level_setting(session.paths, "theme", name)
    except OSError as exc:
        raise PlannerError(f"Could not save the theme in {session.paths.config_file}: "
                           f"{exc.strerror or exc}.") from exc
    session.settings = replace(session.settings, theme=name)


def theme_folders(session: Session) -> tuple[Path, Path]:
    """(bundled theme files, the user's theme folder in the config folder)."""
    return themes_dir(), session.paths.themes


def config_sample(home: str | None) -> tuple[str, bool, str, str]:
    """(config file path, whether it exists, data folder, the commented sample)."""
    paths = resolve_paths(home)
    return str(paths.config_file), paths.config_file.exists(), str(paths.data), SAMPLE_CONFIG
