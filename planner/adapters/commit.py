"""All-or-nothing saves across several files: pending files, a journal, then renames.

One save (a "commit") may change several files: a calendar, its day index and
``planner.json``. Renaming them one by one is not atomic as a whole: a full disk,
``ulimit -f``, SIGKILL or Ctrl+C between two renames would leave a mix. So:

1. every new file is written in full beside its target as ``.<name>.<id>.tmp`` and
   fsynced; a failure here deletes them all and nothing has changed;
2. backups of the files about to be replaced are taken (hard links);
3. the journal ``.commit`` listing every (pending, target) pair is written atomically
   (temp file, fsync, rename, fsync of the folder). Its rename is the commit point;
4. the pending files are renamed over their targets (and deleted files removed), then
   the journal is removed.

A process that dies after step 3 leaves the journal: the next writer (under the lock)
rolls the commit forward, and readers meanwhile read the pending files the journal
names, so everyone sees the old state or the new one, never a mix. A commit of a single
file skips the journal: one rename is atomic by itself.

Errors become ``StoreError`` sentences that name the path and say truthfully whether
anything was saved.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from planner.adapters.files import read_regular
from planner.core.errors import Busy, PlannerError

JOURNAL = ".commit"


def _token() -> str:
    # Unique names for pending files; `secrets` would cost an import on every start.
    return os.urandom(4).hex()

BACKUPS_KEPT = 5


class StoreError(PlannerError):
    """The store cannot be read or written; the message is one sentence for the user."""


class StoreBusy(StoreError, Busy):
    """Another planner process holds the write lock."""


class ReadOnlyCalendar(StoreError):
    """A block of a calendar linked read-only was to be changed."""


def os_reason(exc: OSError) -> str:
    """What went wrong, in words a user recognises."""
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno == errno.EFBIG:
        return "the file would be larger than this process may write (ulimit -f)"
    if exc.errno in (errno.EROFS,):
        return "the file system is read-only"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EDQUOT:
        return "the disk quota is exceeded"
    return (exc.strerror or str(exc)).rstrip(".").lower() or type(exc).__name__


def broken_message(path: Path, why: str) -> str:
    """A data file that fails to load: what is wrong and how to get it back."""
    root = path.parent.parent if path.parent.name == "calendars" else path.parent
    return (f"Cannot load {path}: {why}. It was left untouched; run `planner restore` "
            f"to bring back the last good copy from {root / 'backups'}")


def pending_name(target: Path, commit_id: str) -> Path:
    return target.with_name(f".{target.name}.{commit_id}.tmp")


def is_pending_name(name: str) -> bool:
    return name.startswith(".") and name.endswith(".tmp") and name.count(".") >= 3


def real_target(path: Path) -> Path:
    """Where a save really goes: a symlinked data file is written through, not replaced."""
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


Payload = bytes | Sequence[bytes]  # one buffer, or pieces written in order (no join)


def write_synced(path: Path, payload: Payload) -> os.stat_result:
    """Create ``path`` (it must not exist), write, fsync; return its final stat."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        for piece in (payload,) if isinstance(payload, bytes | bytearray) else payload:
            view = memoryview(piece)
            while view:
                written = os.write(fd, view)
                view = view[written:]
        os.fsync(fd)
        return os.fstat(fd)
    finally:
        os.close(fd)


def private_folders(folder: Path) -> None:
    """Create ``folder`` and any missing parents, each readable by the user only."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700)


def fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_derived(target: Path, payload: Payload) -> None:
    """Replace a derived file (no backup, no journal): temp file, fsync, rename."""
    pending = pending_name(target, _token())
    try:
        write_synced(pending, payload)
        os.replace(pending, target)
    except BaseException:
        with contextlib.suppress(OSError):
            pending.unlink()
        raise


# --------------------------------------------------------------------------- backups


def rotate_backup(path: Path, backup_dir: Path) -> None:
    """Keep the state about to be replaced as ``backup_dir/<name>.1`` (older ones shift).

    A hard link is instant and costs no space until the live file is replaced; the
    live file is always replaced by a rename, so the two never share an inode after.
    """
    private_folders(backup_dir)
    stem = path.name
    with contextlib.suppress(FileNotFoundError):
        (backup_dir / f"{stem}.{BACKUPS_KEPT}").unlink()
    for n in range(BACKUPS_KEPT - 1, 0, -1):
        src = backup_dir / f"{stem}.{n}"
        if src.exists():
            os.replace(src, backup_dir / f"{stem}.{n + 1}")
    target = backup_dir / f"{stem}.1"
    try:
        os.link(path, target)
    except OSError:
        import shutil  # a file system without hard links only

        shutil.copy2(path, target)
        os.chmod(target, 0o600)


# --------------------------------------------------------------------------- commit


@dataclass
class _Entry:
    target: Path
    pending: Path | None  # None: the target is deleted
    backup_dir: Path | None


@dataclass
class Commit:
    """Collects the files of one save; ``apply()`` makes them all visible, or none."""

    root: Path
    commit_id: str = field(default_factory=_token)
    entries: list[_Entry] = field(default_factory=list)

    def write(self, target: Path, payload: Payload, backup_dir: Path | None = None
              ) -> os.stat_result:
        """Stage ``payload`` for ``target``; the stat is the target's once committed."""
        target = real_target(target)
        _make_folder(target.parent)
        pending = pending_name(target, self.commit_id)
        self.entries.append(_Entry(target, pending, backup_dir))
        try:
            return write_synced(pending, payload)
        except OSError as exc:
            self.abort()
            raise StoreError(f"Cannot save {target}: {os_reason(exc)}; nothing was "
                             "changed.") from exc
        except BaseException:
            self.abort()
            raise

    def delete(self, target: Path, backup_dir: Path | None = None) -> None:
        self.entries.append(_Entry(real_target(target), None, backup_dir))

    def abort(self) -> None:
        for entry in self.entries:
            if entry.pending is not None:
                with contextlib.suppress(OSError):
                    entry.pending.unlink()
        self.entries.clear()

    def apply(self, *, before_commit_point: Callable[[], None] | None = None) -> None:
        if not self.entries:
            return
        try:
            for folder in {e.target.parent for e in self.entries}:
                fsync_dir(folder)
            for entry in self.entries:
                if entry.backup_dir is not None and entry.target.exists():
                    rotate_backup(entry.target, entry.backup_dir)
            if before_commit_point is not None:
                before_commit_point()  # fault injection in tests
            journalled = len(self.entries) > 1 or self.entries[0].pending is None
            if journalled:
                _write_journal(self.root, self.entries)
            else:  # one file: its rename is the commit point
                only = self.entries[0]
                os.replace(only.pending, only.target)  # type: ignore[arg-type]
                fsync_dir(only.target.parent)
        except OSError as exc:
            self.abort()
            path = getattr(exc, "filename", None) or self.root
            raise StoreError(f"Cannot save to {path}: {os_reason(exc)}; nothing was "
                             "changed.") from exc
        except BaseException:
            self.abort()
            raise
        # Committed: from here on the change stands, whatever happens to this process.
        if journalled:
            _finish(self.root, self.entries)
        self.entries.clear()


def _make_folder(folder: Path) -> None:
    try:
        private_folders(folder)
    except FileExistsError as exc:
        raise StoreError(f"{folder} is not a folder; move it away so planner can keep its "
                         "data there.") from exc
    except OSError as exc:
        raise StoreError(f"Cannot create the folder {folder}: {os_reason(exc)}; nothing "
                         "was changed.") from exc
    if not folder.is_dir():
        raise StoreError(f"{folder} is not a folder; move it away so planner can keep its "
                         "data there.")


def _write_journal(root: Path, entries: list[_Entry]) -> None:
    doc = {"files": [{"target": os.path.relpath(e.target, root),
                      "pending": os.path.relpath(e.pending, root) if e.pending else None}
                     for e in entries]}
    journal = root / JOURNAL
    tmp = root / f"{JOURNAL}.{_token()}.tmp"
    try:
        write_synced(tmp, orjson.dumps(doc))
        os.replace(tmp, journal)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(root)


def _finish(root: Path, entries: list[_Entry]) -> None:
    """Rename every pending file into place; Ctrl+C cannot stop this half-way."""
    interrupted: BaseException | None = None
    failed: tuple[Path, OSError] | None = None
    for entry in entries:
        while True:
            try:
                if entry.pending is None:
                    with contextlib.suppress(FileNotFoundError):
                        entry.target.unlink()
                elif os.path.lexists(entry.pending):  # else: renamed before a Ctrl+C
                    os.replace(entry.pending, entry.target)
                break
            except KeyboardInterrupt as exc:  # finish first, then honour it
                interrupted = exc
            except OSError as exc:
                failed = (entry.target, exc)
                break
    for folder in {e.target.parent for e in entries}:
        fsync_dir(folder)
    if failed is None:
        # Not synced: the renames are durable (above), so a journal that comes back
        # after a crash names pending files that are gone and is simply dropped.
        with contextlib.suppress(FileNotFoundError):
            (root / JOURNAL).unlink()
    if interrupted is not None:
        raise interrupted
    if failed is not None:
        raise StoreError(f"The save was recorded but {failed[0]} could not be put in place "
                         f"({os_reason(failed[1])}); the next planner command finishes it.")


# --------------------------------------------------------------------------- recovery


def read_journal(root: Path) -> list[tuple[Path, Path | None]] | None:
    """The (target, pending) pairs of an unfinished commit, or None when there is none."""
    try:
        raw, _ = read_regular(root / JOURNAL)
    except OSError:  # none, or not a file planner wrote (e.g. a named pipe)
        return None
    try:
        doc = orjson.loads(raw)
        pairs = []
        for item in doc["files"]:
            target = _inside(root, item["target"])
            pending = _inside(root, item["pending"]) if item["pending"] else None
            pairs.append((target, pending))
        return pairs
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return []  # not ours or damaged: roll back (pending files are swept)


def _inside(root: Path, relative: str) -> Path:
    path = (root / relative).resolve()
    if not str(path).startswith(str(root.resolve()) + os.sep):
        raise ValueError(relative)
    return root / relative


def overlay(root: Path) -> dict[Path, Path | None]:
    """For readers: target -> the file that holds its committed state (None: deleted)."""
    pairs = read_journal(root) or []
    return {target: pending for target, pending in pairs
            if pending is None or pending.exists()}


def recover(root: Path, folders: list[Path]) -> None:
    """Under the lock: finish a journalled commit, then sweep every uncommitted temp file."""
    pairs = read_journal(root)
    if pairs:
        entries = [_Entry(target, pending, None) for target, pending in pairs
                   if pending is None or pending.exists()]
        _finish(root, entries)
    elif pairs is not None:
        with contextlib.suppress(FileNotFoundError):
            (root / JOURNAL).unlink()
    for folder in folders:
        for leftover in _temp_files(folder):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _temp_files(folder: Path) -> Iterator[Path]:
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if is_pending_name(name):
            yield folder / name
