"""The one atomic file writer: a crash leaves the old file or the new one, never a torn one.

Write a temp file beside the target, fsync it, rename it over the target, fsync the
folder. The temp file is removed on any failure, Ctrl+C included. A symlinked target is
written through (the link's target is replaced), so a user's dotfile links survive.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
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


class NotRegularFile(OSError):
    """A data or config file that is a named pipe, a device or a socket: reading it would
    block forever (a pipe) or never end (``/dev/zero``), so it is refused, by name."""

    def __init__(self, path: Path, mode: int) -> None:
        self.kind = kind = ("a named pipe" if stat.S_ISFIFO(mode) else "a device"
                if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket"
                if stat.S_ISSOCK(mode) else "not a file")
        super().__init__(errno.EINVAL, f"it is {kind}, not a regular file", str(path))


def read_regular(path: Path) -> tuple[bytes, os.stat_result]:
    """The bytes of ``path`` (a symlink is followed) and the stat of what was read.

    Opened without blocking, so a named pipe in a file's place cannot hang planner; a
    folder raises ``IsADirectoryError``, anything else that is not a regular file
    ``NotRegularFile``; both are ``OSError``s.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with open(fd, "rb") as handle:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(path, st.st_mode)
        return handle.read(), st
