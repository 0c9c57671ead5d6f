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
import dataclasses
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document

from planner.adapters import dayfile
from planner.adapters.codec import CodecError, Doc, block_from_doc, block_to_doc
from planner.adapters.commit import (
    BACKUPS_KEPT,
    Commit,
    ReadOnlyCalendar,
    StoreBusy,
    StoreError,
    broken_message,
    os_reason,
    overlay,
    recover,
    write_derived,
)
from planner.adapters.files import NotRegularFile, read_regular
from planner.core.model import Block

if TYPE_CHECKING:
    from filelock import FileLock

SCHEMA_VERSION = 1
MAIN_FILE = "planner.json"
CALENDAR_DIR = "calendars"
BACKUP_DIR = "backups"
LOCK_FILE = ".lock"
HISTORY_FILE = "history.json"
PENDING_TABLE = "pending"  # a linked calendar's queue of local changes not yet pushed
# A removed calendar keeps its file under a name starting with this, for undo.
TRASH_MARK = "\x00"

__all__ = ["BACKUPS_KEPT", "BACKUP_DIR", "CALENDAR_DIR", "MAIN_FILE", "SCHEMA_VERSION",
           "ReadOnlyCalendar", "Store", "StoreBusy", "StoreError", "check_data_file",
           "list_backups", "restore_latest_good", "slugify"]

# --------------------------------------------------------------------------- storage


class AtomicJSONStorage(Storage):
    """TinyDB storage: reads once, buffers writes; the store commits them all at once.

    A file that fails to load raises ``StoreError`` and is never written over.
    """

    def __init__(self, path: str | Path, backup_dir: Path | None = None,
                 read_from: Path | None = None) -> None:
        self.path = Path(path)
        self.backup_dir = backup_dir
        self.read_from = read_from  # a committed but unfinished save (see commit.py)
        self._data: dict[str, dict[str, Any]] | None = None
        self._dirty = False
        self.stamp = _stamp(self.path)
        self.loaded_stamp: tuple[int, int, int] | None = None  # of the bytes we parsed

    def read(self) -> dict[str, dict[str, Any]] | None:
        if self._data is None:
            self._data, self.loaded_stamp = _load_json(self.path, self.read_from)
        return self._data

    @property
    def loaded(self) -> bool:
        return self._data is not None

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self._data = data
        self._dirty = True

    @property
    def dirty(self) -> bool:
        return self._dirty

    def stage(self, commit: Commit) -> os.stat_result | None:
        """Add this file's new content to ``commit``; its stat once committed."""
        if not self._dirty or self._data is None:
            return None
        return commit.write(self.path, orjson.dumps(self._data), self.backup_dir)

    def saved(self) -> None:
        self._dirty = False
        self.read_from = None
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
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _load_json(path: Path, read_from: Path | None = None
               ) -> tuple[dict[str, dict[str, Any]] | None, tuple[int, int, int] | None]:
    """The file's tables (None if there is no file) and the stamp of what was read."""
    try:
        raw, stamp = _read_committed(path, read_from)
    except FileNotFoundError:
        return None, None
    except IsADirectoryError as exc:
        raise StoreError(f"{path} is a folder, not a planner data file; move it away.") from exc
    except NotRegularFile as exc:
        raise StoreError(f"{path} is {exc.kind}, not a planner data file; move it "
                         "away.") from exc
    except OSError as exc:
        raise StoreError(f"Cannot read {path}: {os_reason(exc)}.") from exc
    if not raw.strip():
        raise StoreError(broken_message(path, "the file is empty"))
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise StoreError(broken_message(path, f"it is not valid JSON ({exc})")) from exc
    if not isinstance(data, dict) or not all(_is_table(v) for v in data.values()):
        raise StoreError(broken_message(path, "it does not hold planner tables"))
    return data, stamp


def _read_committed(path: Path, read_from: Path | None
                    ) -> tuple[bytes, tuple[int, int, int]]:
    if read_from is not None:
        try:
            return _read_stamped(read_from)
        except FileNotFoundError:
            pass  # the writer finished meanwhile: the target holds the new state
    return _read_stamped(path)


def _read_stamped(path: Path) -> tuple[bytes, tuple[int, int, int]]:
    raw, st = read_regular(path)
    return raw, (st.st_ino, st.st_size, st.st_mtime_ns)


def _is_table(table: object) -> bool:
    # TinyDB turns keys into ints and documents into dicts: a hand-edit that breaks
    # either must be a clear load error, not a crash deep inside TinyDB.
    return isinstance(table, dict) and all(
        key.isdigit() and isinstance(doc, dict) for key, doc in table.items())


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
                    raise StoreError(broken_message(self.path, "a stored block has no id"))
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
            raise StoreError(broken_message(self.path, f"a stored {exc}")) from exc
        self._blocks[block_id] = found
        return found

    def blocks(self) -> dict[str, Block]:
        return {block_id: self.block(block_id) for block_id in self._load()}  # type: ignore[misc]

    def put(self, block: Block) -> None:
        docs = self._load()
        doc = block_to_doc(block)
        if block.id in docs:
            doc_id = docs[block.id][0]
            # Replace, not upsert: TinyDB's upsert merges, so a field cleared by an edit
            # (notes emptied, a pin or a repeat removed) would stay in the file.
            self.table.remove(doc_ids=[doc_id])
            self.table.insert(Document(doc, doc_id=doc_id))
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
    days_path: Path
    days: dayfile.DayFile | None = None  # the day index, when it matches the file
    removed: bool = False

    def meta(self) -> dict[str, Any]:
        if self.days is not None and not self.storage.loaded:
            return self.days.meta
        docs = self.db.table("meta").all()
        return dict(docs[0]) if docs else {"name": self.name}

    def size(self) -> int:
        if self.days is not None and not self.storage.loaded:
            return self.days.count
        return sum(1 for _ in self.events.docs())

    def fresh_days(self) -> dayfile.DayFile | None:
        """The day index, if it describes the file as saved and nothing is unsaved."""
        return None if self.storage.dirty else self.days

    @property
    def link(self) -> dict[str, Any] | None:
        """The server link of a calendar synced both ways (None for imports)."""
        link = self.meta().get("link")
        return link if isinstance(link, dict) else None

    def note_change(self, uid: str) -> None:
        """Queue the resource ``uid`` for the next push, in the same file as the data.

        Each note bumps a counter, so a sync clears only the version it pushed; an edit
        made while it talked to the server stays queued.
        """
        table = self.db.table(PENDING_TABLE)
        for doc in table.all():
            if doc.get("uid") == uid:
                table.update({"n": int(doc.get("n", 0)) + 1}, doc_ids=[doc.doc_id])
                return
        table.insert({"uid": uid, "n": 1})


def _check_version(meta: Mapping[str, Any], path: Path) -> None:
    version = meta.get("schema")
    if version is not None and (not isinstance(version, int) or version > SCHEMA_VERSION):
        raise StoreError(f"{path} was written by a newer planner (schema {version}); "
                         "upgrade planner to open it.")


# --------------------------------------------------------------------------- store


class Store:
    """All persisted state. Reads need no lock; writes happen inside ``transaction()``."""

    def __init__(self, root: Path, *, lock_timeout: float = 10.0) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self._check_home()
        self._lock: FileLock | None = None  # made by the first write: reads never lock
        # Threads of one process queue on this lock; the file lock then keeps other
        # processes out. The owner and depth make a transaction re-entrant for the thread
        # that opened it only: another thread waits, it never joins.
        self._thread_lock = threading.RLock()
        self._owner: int | None = None
        self._depth = 0
        self._waiting = 0
        self._waiting_guard = threading.Lock()
        self.generation = 0
        self._calendars: dict[str, _CalendarFile] = {}
        self._calendar_index: dict[str, str] | None = None
        self._history: dict[str, Any] | None = None
        self._history_dirty = False
        self._history_stamp: tuple[int, int, int] | None = None
        self._left_calendar: dict[str, str] = {}
        self._open_main()

    # -- opening ----------------------------------------------------------------------

    def _check_home(self) -> None:
        """Odd homes (a file, a read-only folder, folders of the wrong type) are one
        clear sentence, never a crash deep inside a save."""
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        except FileExistsError as exc:
            raise StoreError(f"The planner home {self.root} is a file, not a folder; "
                             "choose another --home or move the file away.") from exc
        except NotADirectoryError as exc:
            raise StoreError(f"The planner home {self.root} lies inside a file, not a "
                             "folder; choose another --home.") from exc
        except OSError as exc:
            raise StoreError(f"Cannot create the planner home {self.root}: "
                             f"{os_reason(exc)}.") from exc
        if not self.root.is_dir():
            raise StoreError(f"The planner home {self.root} is not a folder; choose another "
                             "--home or move it away.")
        for name in (CALENDAR_DIR, BACKUP_DIR):
            folder = self.root / name
            if (folder.exists() or folder.is_symlink()) and not folder.is_dir():
                raise StoreError(f"{folder} should be a folder but is not; move it away so "
                                 "planner can keep its data there.")
        lock = self.root / LOCK_FILE
        if lock.is_dir():
            raise StoreError(f"{lock} should be planner's lock file but is a folder; "
                             "remove it.")

    def _open_main(self) -> None:
        self._overlay = overlay(self.root)
        path = self.root / MAIN_FILE
        self._main_storage = self._storage(path, self.root / BACKUP_DIR)
        self._main = TinyDB(storage=lambda: self._main_storage)
        self._check_schema(self._main, self._main_storage.path)
        self._user = _BlockTable(self._main, "blocks", self._main_storage.path, eager=True)

    def _storage(self, path: Path, backup_dir: Path) -> AtomicJSONStorage:
        read_from = self._overlay.get(path.resolve()) if self._overlay else None
        return AtomicJSONStorage(path, backup_dir, read_from)

    @staticmethod
    def _check_schema(db: TinyDB, path: Path) -> None:
        meta = db.table("meta").all()
        _check_version(meta[0] if meta else {}, path)

    def _calendar_slugs(self) -> dict[str, str]:
        """Calendar name -> file slug, from the day index (or the file) of each calendar."""
        if self._calendar_index is None:
            index: dict[str, str] = {}
            folder = self.root / CALENDAR_DIR
            if folder.is_dir():
                for path in sorted(folder.glob("*.json")):
                    if self._overlay.get(path.resolve(), path) is None:
                        continue  # removed by a committed, unfinished save
                    cal = self._open_calendar_file(path.stem, path.stem)
                    name = str(cal.meta().get("name", path.stem))
                    cal.name = name
                    index[name] = path.stem
                    self._calendars[name] = cal
            self._calendar_index = index
        return self._calendar_index

    def _open_calendar_file(self, name: str, slug: str, *, new: bool = False) -> _CalendarFile:
        path = self.root / CALENDAR_DIR / f"{slug}.json"
        storage = self._storage(path, self.root / BACKUP_DIR / CALENDAR_DIR)
        db = TinyDB(storage=lambda: storage)
        days_path = path.with_suffix(dayfile.SUFFIX)
        days = None
        if not new:
            stamp = _stamp(storage.read_from or path)
            days_from = self._overlay.get(days_path.resolve()) or days_path
            days = dayfile.DayFile.open(days_from, path, stamp)
        cal = _CalendarFile(name, storage, db, _BlockTable(db, "events", path), days_path, days)
        if days is not None:
            _check_version(days.meta, path)
        elif not new:
            self._check_schema(db, path)
        return cal

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
        cal = self._open_calendar_file(name, slug, new=True)
        cal.db.table("meta").insert({"name": name, "schema": SCHEMA_VERSION})
        slugs[name] = slug
        self._calendars[name] = cal
        return cal

    # -- reading ----------------------------------------------------------------------

    def user_blocks(self) -> list[Block]:
        return list(self._user.blocks().values())

    def calendar_names(self) -> list[str]:
        """The calendars in use (removed ones, kept for undo, are not among them)."""
        return sorted(n for n in self._calendar_slugs() if not n.startswith(TRASH_MARK))

    def removed_calendar_names(self) -> list[str]:
        """Calendars removed but kept so `planner undo` can bring them back."""
        return sorted(n for n in self._calendar_slugs() if n.startswith(TRASH_MARK))

    def calendar_blocks(self, name: str) -> list[Block]:
        cal = self._calendar(name)
        return list(cal.events.blocks().values()) if cal else []

    def calendar_size(self, name: str) -> int:
        """How many blocks a calendar holds, without decoding them."""
        cal = self._calendar(name)
        return cal.size() if cal else 0

    def calendar_uids(self, name: str) -> set[str]:
        """The UIDs of a calendar's events, read from the raw documents (none decoded)."""
        cal = self._calendar(name)
        if cal is None:
            return set()
        uids = set()
        for doc in cal.events.docs():
            source = doc.get("source")
            if isinstance(source, dict) and isinstance(source.get("uid"), str):
                uids.add(source["uid"])
        return uids

    def calendar_meta(self, name: str) -> dict[str, Any]:
        cal = self._calendar(name)
        return cal.meta() if cal else {}

    def pending_changes(self, name: str) -> dict[str, int]:
        """A linked calendar's queued local changes: resource UID -> change counter."""
        cal = self._calendar(name)
        if cal is None:
            return {}
        return {str(d["uid"]): int(d.get("n", 0)) for d in cal.db.table(PENDING_TABLE).all()}

    def all_blocks(self) -> Iterator[Block]:
        yield from self._user.blocks().values()
        for name in self.calendar_names():
            yield from self.calendar_blocks(name)

    def series_docs(self, calendar: str) -> Iterator[Doc]:
        """Raw documents where a series of ``calendar`` ("" = the user's own) may have
        members: the main file, plus that calendar's file (nothing is decoded)."""
        yield from self._user.docs()
        cal = self._calendar(calendar) if calendar else None
        if cal is not None:
            yield from cal.events.docs()

    def all_docs(self) -> Iterator[Doc]:
        """Every stored block as its raw document (cheap: nothing is decoded)."""
        yield from self._user.docs()
        for name in self.calendar_names():
            cal = self._calendar(name)
            if cal is not None:
                yield from cal.events.docs()

    def day_sources(self) -> tuple[list[Doc], list[dayfile.DayFile]]:
        """What an occurrence index is built from: raw documents held in memory, plus
        the day index of every calendar whose index matches its file (read on demand)."""
        docs: list[Doc] = list(self._user.docs())
        sources: list[dayfile.DayFile] = []
        for name in self.calendar_names():
            cal = self._calendar(name)
            if cal is None:
                continue
            days = cal.fresh_days()
            if days is not None:
                sources.append(days)
            else:
                docs.extend(cal.events.docs())
                if not cal.storage.dirty:
                    self._rebuild_day_index(cal)
        return docs, sources

    def _rebuild_day_index(self, cal: _CalendarFile) -> None:
        """A missing or stale day index is rebuilt from the file just read, for the
        next command. Best effort, no lock: it is derived data, stamped with what it
        was built from, and a read-only home simply goes without."""
        data, stamp = cal.storage.read() or {}, cal.storage.loaded_stamp
        if stamp is None:
            return
        meta_docs = list(data.get("meta", {}).values())
        payload = dayfile.build(data.get("events", {}).values(),
                                meta_docs[0] if meta_docs else {}, stamp)
        with contextlib.suppress(OSError):
            write_derived(cal.days_path, payload)

    def blocks_of_kind(self, kind: str) -> list[Block]:
        found: list[Block] = []
        for table in self._tables():
            cal = self._calendar_of(table)
            days = cal.fresh_days() if cal is not None and kind == "flexible" else None
            if days is not None:
                found.extend(days.block(doc) for doc in days.flexible_docs())
                continue
            for doc in table.docs():
                if doc.get("kind", "fixed") == kind:
                    block = table.block(doc["id"])
                    if block is not None:
                        found.append(block)
        return found

    def _calendar_of(self, table: _BlockTable) -> _CalendarFile | None:
        for cal in self._calendars.values():
            if cal.events is table:
                return cal
        return None

    def _tables(self) -> Iterator[_BlockTable]:
        yield self._user
        for name in self.calendar_names():
            cal = self._calendar(name)
            if cal is not None:
                yield cal.events

    def get(self, block_id: str) -> Block | None:
        for table in self._tables():
            if block_id in table:
                return table.block(block_id)
        return None

    def data_files(self) -> list[Path]:
        files = [self._main_storage.path]
        files += [self.root / CALENDAR_DIR / f"{s}.json" for s in self._calendar_slugs().values()]
        return files

    def _history_doc(self) -> dict[str, Any]:
        """Undo history, kept in ``history.json`` so no day's read ever parses it.

        Homes written before 0.2 kept it in planner.json; it moves on the next change.
        """
        if self._history is None:
            path = self.root / HISTORY_FILE
            self._history_stamp = _stamp(path)
            try:
                raw = _read_committed(path, self._overlay.get(path.resolve()))[0]
                doc = orjson.loads(raw)
                if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
                    raise ValueError("not a history")
                self._history = doc
            except FileNotFoundError:
                meta = self._main.table("meta").all()
                self._history = {
                    "entries": [dict(d) for d in self._main.table("history").all()],
                    "cursor": int(meta[0].get("history_cursor", 0)) if meta else 0}
            except (OSError, ValueError, orjson.JSONDecodeError):
                self._history = {"entries": [], "cursor": 0}  # derived comfort, not data
        return self._history

    def history(self) -> list[Doc]:
        return [dict(d) for d in self._history_doc()["entries"]]

    def history_cursor(self) -> int:
        return int(self._history_doc().get("cursor", 0))

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
            self._acquire_file_lock()
            self._owner, self._depth = threading.get_ident(), 1
            self._left_calendar = {}
            try:
                self._recover()
                self._reload_if_changed()
                yield self
                self._flush()
            except BaseException:
                self._discard()
                raise
            finally:
                self._owner, self._depth = None, 0
                self._file_lock().release()
        finally:
            self._thread_lock.release()

    def _file_lock(self) -> FileLock:
        if self._lock is None:
            from filelock import FileLock  # ~10 ms to import: only commands that write

            self._lock = FileLock(str(self.root / LOCK_FILE), mode=0o600, is_singleton=False)
        return self._lock

    def _acquire_file_lock(self) -> None:
        from filelock import Timeout

        try:
            self._file_lock().acquire(timeout=self.lock_timeout)
        except Timeout as exc:
            raise StoreBusy(f"Another planner is saving to {self.root}; it did not finish "
                            f"within {self.lock_timeout:g} s, so nothing was changed. "
                            "Try again in a moment.") from exc
        except IsADirectoryError as exc:
            raise StoreError(f"{self.root / LOCK_FILE} should be planner's lock file but is "
                             "a folder; remove it. Nothing was changed.") from exc
        except OSError as exc:
            raise StoreError(f"Cannot take the lock {self.root / LOCK_FILE}: "
                             f"{os_reason(exc)}; nothing was changed.") from exc

    def _recover(self) -> None:
        """Finish a save a killed process committed; sweep what it had not committed.

        Writes only happen under the lock we hold, so a temp file here is what a killed
        process left before its commit point: never read, safe to drop.
        """
        recover(self.root, [self.root, self.root / CALENDAR_DIR])
        if self._overlay:
            self.reload()

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
        if self._history is not None and \
                _stamp(self.root / HISTORY_FILE) != self._history_stamp:
            return True
        return any(_stamp(c.storage.path) != c.storage.stamp for c in self._calendars.values())

    def reload_if_idle(self) -> bool:
        """Re-read what another process saved, unless a thread of ours is writing.

        Never waits: the app's poll runs on the UI thread. True if anything was re-read.
        """
        if not self._thread_lock.acquire(blocking=False):
            return False
        try:
            if self._owner is not None or not self.changed_on_disk():
                return False
            self.reload()
            return True
        finally:
            self._thread_lock.release()

    def reload(self) -> None:
        self.generation += 1  # tells the service its derived views are stale
        # Fresh TinyDB objects: their cached next document ids may be stale.
        # Day indexes are not closed here: an occurrence index may still read from one
        # (a consistent snapshot); each closes its file when the last user drops it.
        self._calendars.clear()
        self._calendar_index = None
        self._history, self._history_dirty = None, False
        self._open_main()

    def _reload_if_changed(self) -> None:
        if self.changed_on_disk():
            self.reload()

    def _flush(self) -> None:
        meta = self._main.table("meta")
        if self._main_storage.dirty and not meta.all():
            meta.insert({"schema": SCHEMA_VERSION})
        commit = Commit(self.root)
        written: list[_CalendarFile] = []
        try:
            for cal in list(self._calendars.values()):
                if cal.removed:
                    commit.delete(cal.storage.path, cal.storage.backup_dir)
                    commit.delete(cal.days_path)
                    continue
                st = cal.storage.stage(commit)
                if st is not None:
                    data = cal.storage.read() or {}
                    meta_docs = list(data.get("meta", {}).values())
                    commit.write(cal.days_path, dayfile.build(
                        data.get("events", {}).values(), meta_docs[0] if meta_docs else {},
                        dayfile.file_stamp(st)))
                    written.append(cal)
            if self._history_dirty:
                commit.write(self.root / HISTORY_FILE, orjson.dumps(self._history))
            self._main_storage.stage(commit)
        except BaseException:
            commit.abort()
            raise
        commit.apply(before_commit_point=self._fault_before_commit_point)
        self._main_storage.saved()
        if self._history_dirty:
            self._history_dirty = False
            self._history_stamp = _stamp(self.root / HISTORY_FILE)
        for cal in written:
            cal.storage.saved()
            cal.days = dayfile.DayFile.open(cal.days_path, cal.storage.path, cal.storage.stamp)
        for name in [n for n, c in self._calendars.items() if c.removed]:
            self._calendars.pop(name)
        self._overlay = {}

    # Tests inject faults here (between staging every file and the commit point).
    _fault_before_commit_point: Any = None

    def _discard(self) -> None:
        self.reload()

    def put(self, block: Block, *, calendar: str | None = None) -> None:
        """Save a block where it lives: its calendar's file if imported or linked (a new
        block of a linked calendar goes there too), else the main file. ``calendar``
        names the calendar an imported block left (undo puts it back there)."""
        self._require_transaction()
        if block.source is not None:
            cal = self._calendar(block.source.calendar)
            if cal is not None and (block.id in cal.events or cal.link is not None
                                    or calendar == cal.name):
                before = cal.events.block(block.id) if block.id in cal.events else None
                if cal.link is not None:
                    self._check_linked_change(cal, before, block)
                cal.events.put(block)
                return
        self._user.put(block)

    def delete(self, block_id: str) -> Block | None:
        self._require_transaction()
        for table in self._tables():
            if block_id in table:
                block = table.block(block_id)
                cal = self._calendar(block.source.calendar) if block and block.source else None
                if cal is not None and cal.events is table:
                    self._left_calendar[block_id] = cal.name
                    if cal.link is not None:
                        self._check_linked_change(cal, block, None)
                table.delete([block_id])
                return block
        return None

    @staticmethod
    def _check_linked_change(cal: _CalendarFile, before: Block | None,
                             after: Block | None) -> None:
        """Queue a linked calendar's change for the next push, or refuse it if read-only.

        Where the planner placed a flexible block is local to this device when the link
        is read-only, and only the reason text changing is never worth a push.
        """
        link = cal.link or {}
        block = before or after
        assert block is not None and block.source is not None
        if before is not None and after is not None and \
                dataclasses.replace(before, plan_note="") == \
                dataclasses.replace(after, plan_note=""):
            return
        if link.get("read_only"):
            # A new placement bumps the revision (SEQUENCE) too; that is still local.
            if before is not None and after is not None and \
                    dataclasses.replace(before, planned=(), plan_note="", revision=0) == \
                    dataclasses.replace(after, planned=(), plan_note="", revision=0):
                return
            raise ReadOnlyCalendar(
                f"{block.title!r} is in {cal.meta().get('name', cal.name)!r}, which is "
                "linked read-only; change it "
                "on the server, or link the calendar again without --read-only.")
        uids = {b.source.uid for b in (before, after) if b is not None and b.source}
        for uid in sorted(uids):  # a block moved to another UID changes both resources
            cal.note_change(uid)

    def write_calendar(self, name: str, *, upsert: Iterable[Block] = (),
                       remove: Iterable[str] = (), meta: dict[str, Any] | None = None,
                       queue: Iterable[str] = (), done: Mapping[str, int] | None = None
                       ) -> None:
        """Apply an import's or a sync's changes to one calendar's file in a single rewrite.

        These changes come from the server, so they are not queued for a push; ``queue``
        names resource UIDs that must be, and ``done`` clears queued changes that were
        pushed (UID -> the counter read before pushing; a newer change stays queued).
        """
        self._require_transaction()
        cal = self._calendar(name, create=True)
        assert cal is not None
        removed = list(remove)
        cal.events.delete(removed)
        self._left_calendar.update(dict.fromkeys(removed, name))
        cal.events.put_many(upsert)
        for uid in queue:
            cal.note_change(uid)
        if done:
            table = cal.db.table(PENDING_TABLE)
            table.remove(doc_ids=[d.doc_id for d in table.all()
                                  if done.get(str(d.get("uid"))) == d.get("n")])
        if meta is not None:
            table = cal.db.table("meta")
            merged = {**cal.meta(), **meta, "name": name, "schema": SCHEMA_VERSION}
            table.truncate()
            table.insert(merged)
        cal.storage.write(cal.storage.read() or {})  # mark dirty even for a meta-only change

    def rename_calendar(self, old: str, new: str, *, retag: bool = True) -> None:
        """Give calendar ``old`` the name ``new`` (same file); with ``retag`` its events'
        source names the new calendar too. Raw documents are changed in place, so a
        50,000-event calendar costs one rewrite, not one per event."""
        self._require_transaction()
        slugs = self._calendar_slugs()
        cal = self._calendar(old)
        if cal is None:
            raise StoreError(f"No calendar named {old!r}.")
        if new in slugs:
            raise StoreError(f"A calendar named {new!r} already exists.")
        data = cal.storage.read() or {}
        if retag:
            for doc in data.get("events", {}).values():
                source = doc.get("source")
                if isinstance(source, dict) and source.get("calendar") == old:
                    source["calendar"] = new
        for doc in data.get("meta", {}).values():
            doc["name"] = new
        cal.storage.write(data)
        cal.events.forget()
        cal.name = new
        slugs[new] = slugs.pop(old)
        self._calendars[new] = self._calendars.pop(old)

    def calendar_it_left(self, block_id: str) -> str | None:
        """The calendar a block deleted in this transaction was in (None: planner.json)."""
        return self._left_calendar.get(block_id)

    def remove_calendar(self, name: str) -> None:
        """Delete a calendar's file (and day index) when the transaction commits."""
        self._require_transaction()
        cal = self._calendar(name)
        if cal is None:
            return
        cal.removed = True
        self._calendar_slugs().pop(name, None)

    def set_history(self, entries: list[Doc], cursor: int) -> None:
        self._require_transaction()
        self._history = {"entries": list(entries), "cursor": cursor}
        self._history_dirty = True
        if self._main.table("history").all():  # moved out of planner.json
            self._main.drop_table("history")
            self._main_storage.write(self._main_storage.read() or {})

    def _set_meta(self, **values: Any) -> None:
        meta = self._main.table("meta")
        docs = meta.all()
        merged = {**(dict(docs[0]) if docs else {}), "schema": SCHEMA_VERSION, **values}
        meta.truncate()
        meta.insert(merged)


# --------------------------------------------------------------------------- restore
#
# Each data file has its own backup namespace: ``backups/planner.json.N`` for the main
# file, ``backups/calendars/<slug>.json.N`` for a calendar (a calendar named "Planner"
# must never be taken for the main file). Planners before 0.2 kept calendars' backups
# beside the main file's; those are still found by what they hold.


def _backup_folder(root: Path, relative: str) -> tuple[Path, str]:
    rel = Path(relative)
    if rel.parent == Path(CALENDAR_DIR):
        return root / BACKUP_DIR / CALENDAR_DIR, rel.name
    return root / BACKUP_DIR, rel.name


def _numbered(folder: Path) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        stem, _, number = path.name.rpartition(".")
        if number.isdigit() and path.is_file():
            found.setdefault(stem, []).append(path)
    for paths in found.values():
        paths.sort(key=lambda p: int(p.name.rpartition(".")[2]))
    return found


def _holds_events(path: Path) -> bool:
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return False
    return isinstance(data, dict) and "events" in data


def list_backups(root: Path) -> dict[str, list[Path]]:
    """Data file (relative to the home) -> its backups, newest first."""
    root = Path(root)
    found: dict[str, list[Path]] = {}
    for stem, paths in _numbered(root / BACKUP_DIR).items():
        for path in paths:  # legacy flat backups of calendars are told apart by content
            if stem == MAIN_FILE and not _holds_events(path):
                key = MAIN_FILE
            else:
                key = f"{CALENDAR_DIR}/{stem}"
            found.setdefault(key, []).append(path)
    for stem, paths in _numbered(root / BACKUP_DIR / CALENDAR_DIR).items():
        # Current backups first: they are newer than any legacy one of the same name.
        found[f"{CALENDAR_DIR}/{stem}"] = [*paths, *found.get(f"{CALENDAR_DIR}/{stem}", [])]
    return found


def check_data_file(path: Path) -> None:
    """Raise ``StoreError`` unless ``path`` loads the way the store would read it.

    Deeper than ``_load_json``: every block must decode, so ``planner restore`` repairs
    exactly the files the store refuses to open.
    """
    data, _ = _load_json(path)
    if data is None:
        return
    for table in ("blocks", "events"):
        for doc in data.get(table, {}).values():
            try:
                block_from_doc(doc)
            except CodecError as exc:
                raise StoreError(broken_message(path, f"a stored {exc}")) from exc


def restore_latest_good(root: Path, file_name: str) -> Path:
    """Put back the newest backup of ``file_name`` (``planner.json`` or
    ``calendars/<slug>.json``) that loads; the broken file is kept aside."""
    root = Path(root)
    if "/" not in file_name and file_name != MAIN_FILE:
        file_name = f"{CALENDAR_DIR}/{file_name}"  # a calendar's bare file name
    target = root / file_name
    for candidate in list_backups(root).get(file_name, []):
        try:
            check_data_file(candidate)
        except StoreError:
            continue
        if target.exists():
            os.replace(target, target.with_name(target.name + ".broken"))
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        import shutil  # restoring only

        shutil.copy2(candidate, target)
        return candidate
    raise StoreError(f"No good backup of {file_name} was found in {root / BACKUP_DIR}.")
