"""Bringing back the last good copy of a damaged data file (`planner restore`).

This works on a home whose files may not load, so it does not open a Session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from planner.adapters.config import resolve_paths
from planner.adapters.store import (
    CALENDAR_DIR,
    MAIN_FILE,
    StoreError,
    check_data_file,
    list_backups,
    restore_latest_good,
)


@dataclass(frozen=True)
class BackupSet:
    file_name: str
    taken: list[datetime]  # newest first


@dataclass(frozen=True)
class Restored:
    path: Path
    backup_name: str


def backups(home: str | Path | None) -> tuple[Path, list[BackupSet]]:
    """The backup folder and, per data file, when its kept copies were taken."""
    root = resolve_paths(home).data
    found = [BackupSet(name, [datetime.fromtimestamp(f.stat().st_mtime) for f in files])
             for name, files in sorted(list_backups(root).items())]
    return root / "backups", found


def restore_damaged(home: str | Path | None) -> list[Restored]:
    """Put back the newest good backup of every data file that does not load."""
    root = resolve_paths(home).data
    files = [root / MAIN_FILE]
    folder = root / CALENDAR_DIR
    if folder.is_dir():
        files += sorted(folder.glob("*.json"))
    restored = []
    for path in files:
        try:
            check_data_file(path)
            continue
        except StoreError:
            pass
        used = restore_latest_good(root, path.relative_to(root).as_posix())
        restored.append(Restored(path, used.name))
    return restored
