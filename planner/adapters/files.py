"""The one atomic file writer: a crash leaves the old file or the new one, never a torn one.

Write a temp file beside the target, fsync it, rename it over the target, fsync the
folder. The temp file is removed on any failure, Ctrl+C included. A symlinked target is
written through (the link's target is replaced), so a user's dotfile links survive.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, mode: int | None = None,
                     before_replace: Callable[[Path], None] | None = None) -> None:
    """Replace ``path`` with ``data``; raises ``OSError`` with nothing half-written.

    ``before_replace(target)`` runs once the new bytes are safely on disk, just before the
    rename (the store keeps its backup then).
    """
    import tempfile  # it imports shutil and random: only when something is written

    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp_name, mode)
        if before_replace is not None:
            before_replace(target)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    fsync_dir(folder)


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (best effort: not every file system can)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
