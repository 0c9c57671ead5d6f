"""A per-home secret, made once and kept in the data folder (mode 0600).

Busy exports key their UIDs with it (HMAC), so the UIDs stay stable from one export
to the next but cannot be computed from, or matched to, the original invitation's UID
by anyone without the home.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from planner.adapters.files import NotRegularFile, read_regular

KEY_FILE = "export.key"
KEY_BYTES = 32


def home_secret(folder: Path, name: str = KEY_FILE) -> bytes:
    """The secret in ``folder/name``, created on first use.

    Creation is atomic and race-free: the key is written to a private temporary file,
    synced, then hard-linked into place; if another process got there first, its key
    wins and is read back. A key file too short to be one (damaged from outside) is
    replaced the same way.
    """
    path = Path(folder) / name
    existing = _read(path)
    if existing is not None:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(KEY_BYTES)
    tmp = path.with_name(f".{name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            existing = _read(path)
            if existing is not None:
                return existing
            os.replace(tmp, path)  # the one there is damaged: ours takes its place
        _sync_folder(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return key


def _read(path: Path) -> bytes | None:
    try:
        data, _ = read_regular(path)
    except (FileNotFoundError, NotRegularFile):  # a pipe or device is replaced like damage
        return None
    return data if len(data) >= KEY_BYTES else None


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
