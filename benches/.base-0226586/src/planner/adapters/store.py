"""Local persistence in TinyDB: safe on disk, fast for small edits.

Layout under the data folder::

    planner.json              the user's own blocks, undo history, schema version
    calendars/<slug>.json     one TinyDB file per imported calendar (events + meta)
    backups/                  the last good copies of each file (``planner restore``)
    .lock                     one writer at a time

Why this shape: TinyDB rewrites a whole file on every write, so imported calendars
(possibly 50,000 events) live in files of their own; adding or moving one personal
block rewrites only the small ``planner.json``. Every write goes through
``AtomicJSONStorage`` (temp file, fsync, rename), is deferred until the transaction
commits (one rewrite per command, not per document) and happens under a file lock.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document

from planner.adapters.codec import CodecError, Doc, block_from_doc, block_to_doc
from planner.core.model import Block

SCHEMA_VERSION = 1
MAIN_FILE = "planner.json"
CALENDAR_DIR = "calendars"
BACKUP_DIR = "backups"
BACKUPS_KEPT = 5
LOCK_FILE = ".lock"


class StoreError(Exception):
    """The store cannot be read or written; the message is one sentence for the user."""


class StoreBusy(StoreError):
    """Another planner process holds the write lock."""


# --------------------------------------------------------------------------- storage


class AtomicJSONStorage(Storage):
    """TinyDB storage: reads once, buffers writes, commits atomically.

    A file that fails to load raises ``StoreError`` and is never written over.
    """

    def __init__(self, path: str | Path, backup_dir: Path | None = None) -> None:
        self.path = Path(path)
        self.backup_dir = backup_dir
        self._data: dict[str, dict[str, Any]] | None = None
        self._dirty = False
        self.stamp = _stamp(self.path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._data is None:
            self._data = _load_json(self.path)
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self._data = data
        self._dirty = True

    @property
    def dirty(self) -> bool:
        return self._dirty

    def flush(self) -> None:
        if not self._dirty or self._data is None:
            return
        payload = orjson.dumps(self._data)
        _atomic_write(self.path, payload, self.backup_dir)
        self._dirty = False
        self.stamp = _stamp(self.path)

    def discard(self) -> None:
        """Forget unsaved changes (a failed transaction) and re-read next time."""
        self._data = None
        self._dirty = False

    def close(self) -> None:
        pass


def _stamp(path: Path) -> tuple[int, int, int] | None:
    # The inode is part of it: every save renames a new file into place, so two saves
    # within one tick of a coarse file-system clock, of the same size, still differ.
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _load_json(path: Path) -> dict[str, dict[str, Any]] | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if not raw.strip():
        raise StoreError(_broken_message(path, "the file is empty"))
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise StoreError(_broken_message(path, f"it is not valid JSON ({exc})")) from exc
    if not isinstance(data, dict) or not all(_is_table(v) for v in data.values()):
        raise StoreError(_broken_message(path, "it does not hold planner tables"))
    return data


def _is_table(table: object) -> bool:
    # TinyDB turns keys into ints and documents into dicts: a hand-edit that breaks
    # either must be a clear load error, not a crash deep inside TinyDB.
    return isinstance(table, dict) and all(
        key.isdigit() and isinstance(doc, dict) for key, doc in table.items())


def _broken_message(path: Path, why: str) -> str:
    return (f"Cannot load {path}: {why}. It was left untouched; run `planner restore` "
            f"to bring back the last good copy from {path.parent / BACKUP_DIR}"
            if path.parent.name != CALENDAR_DIR else
            f"Cannot load {path}: {why}. It was left untouched; run `planner restore` "
            f"to bring back the last good copy from {path.parent.parent / BACKUP_DIR}")


def _atomic_write(path: Path, payload: bytes, backup_dir: Path | None) -> None:
    """Write-then-rename so a crash leaves the old or the new file, never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o600)
        if backup_dir is not None and path.exists():
            _rotate_backup(path, backup_dir)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)


def _rotate_backup(path: Path, backup_dir: Path) -> None:
    """Keep the previous good state: a hard link is instant and costs no copy."""
    backup_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stem = path.name
    oldest = backup_dir / f"{stem}.{BACKUPS_KEPT}"
    with contextlib.suppress(FileNotFoundError):
        oldest.unlink()
    for n in range(BACKUPS_KEPT - 1, 0, -1):
        src = backup_dir / f"{stem}.{n}"
        if src.exists():
            os.replace(src, backup_dir / f"{stem}.{n + 1}")
    target = backup_dir / f"{stem}.1"
    try:
        os.link(path, target)
    except OSError:
        shutil.copy2(path, target)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "calendar"


# --------------------------------------------------------------------------- tables


class _BlockTable:
    """A TinyDB table of block documents, turned into ``Block``s only when asked for.

    A 50,000-event calendar loads as raw documents (one JSON parse); the occurrence
    index buckets them by the date prefix of their stored times, and only the blocks
    of the days being viewed are ever decoded.
    """

    def __init__(self, db: TinyDB, name: str, path: Path, *, eager: bool = False) -> None:
        self.db = db
        self.name = name
        self.table = db.table(name)
        self.path = path
        self.eager = eager  # validate every document on load (the small main file)
        self._docs: dict[str, tuple[int, Doc]] | None = None
        self._blocks: dict[str, Block] = {}

    def _load(self) -> dict[str, tuple[int, Doc]]:
        if self._docs is None:
            raw = (self.db.storage.read() or {}).get(self.name, {})
            docs: dict[str, tuple[int, Doc]] = {}
            for doc_id, doc in raw.items():
                block_id = doc.get("id") if isinstance(doc, dict) else None
                if not isinstance(block_id, str):
                    raise StoreError(_broken_message(self.path, "a stored block has no id"))
                docs[block_id] = (int(doc_id), doc)
            self._docs = docs
            self._blocks = {}
            if self.eager:
                for block_id in docs:
                    self.block(block_id)
        return self._docs

    def docs(self) -> Iterator[Doc]:
        for _, doc in self._load().values():
            yield doc

    def __contains__(self, block_id: str) -> bool:
        return block_id in self._load()

    def block(self, block_id: str) -> Block | None:
        found = self._blocks.get(block_id)
        if found is not None:
            return found
        entry = self._load().get(block_id)
        if entry is None:
            return None
        try:
            found = block_from_doc(entry[1])
        except CodecError as exc:
            raise StoreError(_broken_message(self.path, f"a stored {exc}")) from exc
        self._blocks[block_id] = found
        return found

    def blocks(self) -> dict[str, Block]:
        return {block_id: self.block(block_id) for block_id in self._load()}  # type: ignore[misc]

    def put(self, block: Block) -> None:
        docs = self._load()
        doc = block_to_doc(block)
        if block.id in docs:
            doc_id = docs[block.id][0]
            self.table.upsert(Document(doc, doc_id=doc_id))
        else:
            doc_id = self.table.insert(doc)
        docs[block.id] = (doc_id, doc)
        self._blocks[block.id] = block

    def put_many(self, items: Iterable[Block]) -> None:
        docs = self._load()
        fresh: list[Block] = []
        for block in items:
            if block.id in docs:
                self.put(block)
            else:
                fresh.append(block)
        if fresh:
            new_ids = self.table.insert_multiple(block_to_doc(b) for b in fresh)
            # TinyDB keeps its own copy of every document: point at those rather than
            # holding a second set (50,000 events would otherwise be in memory twice).
            stored = (self.db.storage.read() or {}).get(self.name, {})
            for block, doc_id in zip(fresh, new_ids, strict=True):
                docs[block.id] = (doc_id, stored[str(doc_id)])

    def delete(self, block_ids: Iterable[str]) -> None:
        docs = self._load()
        wanted = list(block_ids)
        targets = [docs.pop(b)[0] for b in wanted if b in docs]
        if targets:
            self.table.remove(doc_ids=targets)
        for block_id in wanted:
            self._blocks.pop(block_id, None)

    def forget(self) -> None:
        self._docs = None
        self._blocks = {}


@dataclass
class _CalendarFile:
    name: str
    storage: AtomicJSONStorage
    db: TinyDB
    events: _BlockTable

    def meta(self) -> dict[str, Any]:
        docs = self.db.table("meta").all()
        return dict(docs[0]) if docs else {"name": self.name}


# --------------------------------------------------------------------------- store


class Store:
    """All persisted state. Reads need no lock; writes happen inside ``transaction()``."""

    def __init__(self, root: Path, *, lock_timeout: float = 10.0) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self._lock = FileLock(str(self.root / LOCK_FILE), mode=0o600, is_singleton=False)
        # Threads of one process queue on this lock; the file lock then keeps other
        # processes out. The owner and depth make a transaction re-entrant for the thread
        # that opened it only: another thread waits, it never joins.
        self._thread_lock = threading.RLock()
        self._owner: int | None = None
        self._depth = 0
        self._waiting = 0
        self._waiting_guard = threading.Lock()
        self.generation = 0
        self._open_main()
        self._calendars: dict[str, _CalendarFile] = {}
        self._calendar_index: dict[str, str] | None = None

    # -- opening ----------------------------------------------------------------------

    def _open_main(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._main_storage = AtomicJSONStorage(self.root / MAIN_FILE, self.root / BACKUP_DIR)
        self._main = TinyDB(storage=lambda: self._main_storage)  # type: ignore[arg-type]
        self._check_schema(self._main, self._main_storage.path)
        self._user = _BlockTable(self._main, "blocks", self._main_storage.path, eager=True)

    @staticmethod
    def _check_schema(db: TinyDB, path: Path) -> None:
        meta = db.table("meta").all()
        version = meta[0].get("schema") if meta else None
        if version is not None and (not isinstance(version, int) or version > SCHEMA_VERSION):
            raise StoreError(f"{path} was written by a newer planner (schema {version}); "
                             "upgrade planner to open it.")

    def _calendar_slugs(self) -> dict[str, str]:
        """Calendar name -> file slug, from the calendar files' meta tables."""
        if self._calendar_index is None:
            index: dict[str, str] = {}
            folder = self.root / CALENDAR_DIR
            if folder.is_dir():
                for path in sorted(folder.glob("*.json")):
                    cal = self._open_calendar_file(path.stem, path.stem)
                    index[cal.meta().get("name", path.stem)] = path.stem
                    self._calendars[cal.meta().get("name", path.stem)] = cal
            self._calendar_index = index
        return self._calendar_index

    def _open_calendar_file(self, name: str, slug: str) -> _CalendarFile:
        path = self.root / CALENDAR_DIR / f"{slug}.json"
        storage = AtomicJSONStorage(path, self.root / BACKUP_DIR)
        db = TinyDB(storage=lambda: storage)  # type: ignore[arg-type]
        self._check_schema(db, path)
        return _CalendarFile(name, storage, db, _BlockTable(db, "events", path))

    def _calendar(self, name: str, *, create: bool = False) -> _CalendarFile | None:
        slugs = self._calendar_slugs()
        if name in self._calendars:
            return self._calendars[name]
        if not create:
            return None
        slug = slugify(name)
        taken = set(slugs.values())
        base, n = slug, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        cal = self._open_calendar_file(name, slug)
        cal.db.table("meta").insert({"name": name, "schema": SCHEMA_VERSION})
        slugs[name] = slug
        self._calendars[name] = cal
        return cal

    # -- reading ----------------------------------------------------------------------

    def user_blocks(self) -> list[Block]:
        return list(self._user.blocks().values())

    def calendar_names(self) -> list[str]:
        return sorted(self._calendar_slugs())

    def calendar_blocks(self, name: str) -> list[Block]:
        cal = self._calendar(name)
        return list(cal.events.blocks().values()) if cal else []

    def calendar_size(self, name: str) -> int:
        """How many blocks a calendar holds, without decoding them."""
        cal = self._calendar(name)
        return sum(1 for _ in cal.events.docs()) if cal else 0

    def calendar_meta(self, name: str) -> dict[str, Any]:
        cal = self._calendar(name)
        return cal.meta() if cal else {}

    def all_blocks(self) -> Iterator[Block]:
        yield from self._user.blocks().values()
        for name in self.calendar_names():
            yield from self.calendar_blocks(name)

    def all_docs(self) -> Iterator[Doc]:
        """Every stored block as its raw document (cheap: nothing is decoded)."""
        yield from self._user.docs()
        for name in self.calendar_names():
            cal = self._calendar(name)
            if cal is not None:
                yield from cal.events.docs()

    def blocks_of_kind(self, kind: str) -> list[Block]:
        found = []
        for table in self._tables():
            for doc in table.docs():
                if doc.get("kind", "fixed") == kind:
                    block = table.block(doc["id"])
                    if block is not None:
                        found.append(block)
        return found

    def _tables(self) -> list[_BlockTable]:
        tables = [self._user]
        for name in self.calendar_names():
            cal = self._calendar(name)
            if cal is not None:
                tables.append(cal.events)
        return tables

    def get(self, block_id: str) -> Block | None:
        for table in self._tables():
            if block_id in table:
                return table.block(block_id)
        return None

    def data_files(self) -> list[Path]:
        files = [self._main_storage.path]
        files += [self.root / CALENDAR_DIR / f"{s}.json" for s in self._calendar_slugs().values()]
        return files

    def history(self) -> list[Doc]:
        return [dict(d) for d in self._main.table("history").all()]

    def history_cursor(self) -> int:
        docs = self._main.table("meta").all()
        return int(docs[0].get("history_cursor", 0)) if docs else 0

    # -- writing ----------------------------------------------------------------------

    @property
    def writers_waiting(self) -> int:
        """Threads of this process queued for the write lock (diagnostics and tests)."""
        return self._waiting

    @property
    def in_transaction(self) -> bool:
        """Whether the calling thread holds an open transaction."""
        return self._owner == threading.get_ident()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """Take the lock, pick up other processes' changes, commit atomically at the end.

        Re-entrant for the thread that holds it; any other thread waits its turn.
        """
        if self.in_transaction:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        with self._waiting_guard:
            self._waiting += 1
        try:
            self._thread_lock.acquire()
        finally:
            with self._waiting_guard:
                self._waiting -= 1
        try:
            try:
                self._lock.acquire(timeout=self.lock_timeout)
            except Timeout as exc:
                raise StoreBusy(f"Another planner is saving to {self.root}; it did not finish "
                                f"within {self.lock_timeout:g} s, so nothing was changed. "
                                "Try again in a moment.") from exc
            self._owner, self._depth = threading.get_ident(), 1
            try:
                self._remove_stale_temp_files()
                self._reload_if_changed()
                yield self
                self._flush()
            except BaseException:
                self._discard()
                raise
            finally:
                self._owner, self._depth = None, 0
                self._lock.release()
        finally:
            self._thread_lock.release()

    def _remove_stale_temp_files(self) -> None:
        # Writes only happen under the lock we hold, so a temp file here is what a
        # killed process left between writing and renaming: never read, safe to drop.
        for folder in (self.root, self.root / CALENDAR_DIR):
            for leftover in folder.glob(".*.json.*.tmp"):
                with contextlib.suppress(OSError):
                    leftover.unlink()

    def _require_transaction(self) -> None:
        if not self.in_transaction:
            raise RuntimeError("store writes must happen inside this thread's "
                               "Store.transaction()")

    def changed_on_disk(self) -> bool:
        """Whether another process saved since we last read (the app polls this)."""
        if _stamp(self._main_storage.path) != self._main_storage.stamp:
            return True
        folder = self.root / CALENDAR_DIR
        slugs = set(self._calendar_slugs().values())
        on_disk = {p.stem for p in folder.glob("*.json")} if folder.is_dir() else set()
        if on_disk != slugs:
            return True
        return any(_stamp(c.storage.path) != c.storage.stamp for c in self._calendars.values())

    def reload(self) -> None:
        self.generation += 1  # tells the service its derived views are stale
        # Fresh TinyDB objects: their cached next document ids may be stale.
        self._open_main()
        self._calendars.clear()
        self._calendar_index = None

    def _reload_if_changed(self) -> None:
        if self.changed_on_disk():
            self.reload()

    def _flush(self) -> None:
        meta = self._main.table("meta")
        if self._main_storage.dirty and not meta.all():
            meta.insert({"schema": SCHEMA_VERSION})
        for cal in self._calendars.values():
            cal.storage.flush()
        self._main_storage.flush()

    def _discard(self) -> None:
        self.reload()

    def put(self, block: Block) -> None:
        """Save a block where it lives: its calendar's file if imported, else the main file."""
        self._require_transaction()
        if block.source is not None:
            cal = self._calendar(block.source.calendar)
            if cal is not None and block.id in cal.events:
                cal.events.put(block)
                return
        self._user.put(block)

    def delete(self, block_id: str) -> Block | None:
        self._require_transaction()
        for table in self._tables():
            if block_id in table:
                block = table.block(block_id)
                table.delete([block_id])
                return block
        return None

    def write_calendar(self, name: str, *, upsert: Iterable[Block] = (),
                       remove: Iterable[str] = (), meta: dict[str, Any] | None = None) -> None:
        """Apply an import's changes to one calendar's file in a single rewrite."""
        self._require_transaction()
        cal = self._calendar(name, create=True)
        assert cal is not None
        cal.events.delete(list(remove))
        cal.events.put_many(upsert)
        if meta is not None:
            table = cal.db.table("meta")
            merged = {**cal.meta(), **meta, "name": name, "schema": SCHEMA_VERSION}
            table.truncate()
            table.insert(merged)
        cal.storage.write(cal.storage.read() or {})  # mark dirty even for a meta-only change

    def remove_calendar(self, name: str) -> None:
        self._require_transaction()
        cal = self._calendar(name)
        if cal is None:
            return
        path = cal.storage.path
        _rotate_backup(path, self.root / BACKUP_DIR) if path.exists() else None
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        self._calendars.pop(name, None)
        self._calendar_slugs().pop(name, None)

    def set_history(self, entries: list[Doc], cursor: int) -> None:
        self._require_transaction()
        table = self._main.table("history")
        table.truncate()
        if entries:
            table.insert_multiple(entries)
        self._set_meta(history_cursor=cursor)

    def _set_meta(self, **values: Any) -> None:
        meta = self._main.table("meta")
        docs = meta.all()
        merged = {**(dict(docs[0]) if docs else {}), "schema": SCHEMA_VERSION, **values}
        meta.truncate()
        meta.insert(merged)


# --------------------------------------------------------------------------- restore


def list_backups(root: Path) -> dict[str, list[Path]]:
    """Data file name -> its backups, newest first."""
    folder = Path(root) / BACKUP_DIR
    found: dict[str, list[Path]] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        stem, _, number = path.name.rpartition(".")
        if number.isdigit():
            found.setdefault(stem, []).append(path)
    for paths in found.values():
        paths.sort(key=lambda p: int(p.name.rpartition(".")[2]))
    return found


def check_data_file(path: Path) -> None:
    """Raise ``StoreError`` unless ``path`` loads the way the store would read it.

    Deeper than ``_load_json``: every block must decode, so ``planner restore`` repairs
    exactly the files the store refuses to open.
    """
    data = _load_json(path)
    if data is None:
        return
    for table in ("blocks", "events"):
        for doc in data.get(table, {}).values():
            try:
                block_from_doc(doc)
            except CodecError as exc:
                raise StoreError(_broken_message(path, f"a stored {exc}")) from exc


def restore_latest_good(root: Path, file_name: str) -> Path:
    """Put back the newest backup of ``file_name`` that loads; the broken file is kept aside."""
    root = Path(root)
    target = root / file_name if file_name == MAIN_FILE else root / CALENDAR_DIR / file_name
    for candidate in list_backups(root).get(file_name, []):
        try:
            check_data_file(candidate)
        except StoreError:
            continue
        if target.exists():
            os.replace(target, target.with_name(target.name + ".broken"))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(candidate, target)
        return candidate
    raise StoreError(f"No good backup of {file_name} was found in {root / BACKUP_DIR}.")
