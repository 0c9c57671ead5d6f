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
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    folder = target.parent if str(target.parent) else Path(".")
    # The temp file's name is chosen before it exists, so a Ctrl+C that lands just
    # after the file is created (before its name could be returned) still finds it.
    tmp_name = os.path.join(folder, f".{target.name}.{os.urandom(6).hex()}.tmp")
    try:
        fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp_name, mode)
        if before_replace is not None:
            before_replace(target)
        os.replace(tmp_name, target)
    except FileExistsError:
        raise  # not ours to remove (a name clash: 48 random bits make it all but impossible)
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
