"""The store on disk: atomic writes, schema, lock, refusing to overwrite, backups, modes."""

from __future__ import annotations

import os
import stat
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from planner.adapters import store as store_module
from planner.adapters.store import (
    BACKUP_DIR,
    BACKUPS_KEPT,
    CALENDAR_DIR,
    MAIN_FILE,
    SCHEMA_VERSION,
    Store,
    StoreBusy,
    StoreError,
    list_backups,
    restore_latest_good,
)
from planner.core.model import Block, Kind, Source

T0 = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


def personal(n: int, title: str | None = None) -> Block:
    start = T0 + timedelta(hours=n)
    return Block(id=f"p{n}", title=title or f"personal {n}", kind=Kind.FIXED, start=start,
                 end=start + timedelta(minutes=30), tzid="Europe/Berlin")


def imported(n: int, calendar: str = "Work") -> Block:
    start = T0 + timedelta(days=n)
    return Block(id=f"w{n}", title=f"meeting {n}", sphere="work", start=start,
                 end=start + timedelta(hours=1), tzid="Europe/Berlin",
                 source=Source(calendar, f"uid-{n}@example.com", content_hash=str(n)))


def add(root: Path, *blocks: Block) -> None:
    store = Store(root)
    with store.transaction():
        for block in blocks:
            store.put(block)


def titles(root: Path) -> set[str]:
    return {b.title for b in Store(root).all_blocks()}


def test_a_write_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add(tmp_path, personal(1))
    main = tmp_path / MAIN_FILE
    before = main.read_bytes()

    def crash(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    store = Store(tmp_path)
    monkeypatch.setattr(store_module.os, "replace", crash)
    with pytest.raises(OSError), store.transaction():
        store.put(personal(2))
    monkeypatch.undo()
    assert main.read_bytes() == before  # the old state, byte for byte
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no torn leftovers
    assert {b.id for b in store.all_blocks()} == {"p1"}  # the failed change is forgotten
    with store.transaction():
        store.put(personal(3))
    assert titles(tmp_path) == {"personal 1", "personal 3"}


def test_temp_files_left_by_a_killed_writer_are_cleaned_up(tmp_path: Path) -> None:
    add(tmp_path, personal(1))
    (tmp_path / CALENDAR_DIR).mkdir()
    stale = [tmp_path / f".{MAIN_FILE}.k1ll3d.tmp", tmp_path / CALENDAR_DIR / ".work.json.x.tmp"]
    for path in stale:
        path.write_bytes(b'{"half": ')
    keep = tmp_path / "notes.tmp"  # not ours: left alone
    keep.write_bytes(b"mine")
    add(tmp_path, personal(2))
    assert not any(p.exists() for p in stale)
    assert keep.exists()
    assert titles(tmp_path) == {"personal 1", "personal 2"}


def test_schema_version_is_written_and_a_newer_one_refused(tmp_path: Path) -> None:
    add(tmp_path, personal(1))
    main = tmp_path / MAIN_FILE
    data = orjson.loads(main.read_bytes())
    assert [doc["schema"] for doc in data["meta"].values()] == [SCHEMA_VERSION]

    data["meta"]["1"]["schema"] = SCHEMA_VERSION + 1
    main.write_bytes(orjson.dumps(data))
    before = main.read_bytes()
    with pytest.raises(StoreError, match=r"newer planner.*upgrade planner"):
        Store(tmp_path)
    assert main.read_bytes() == before


def test_a_second_writer_waits_then_gets_a_clear_busy_error(tmp_path: Path) -> None:
    first, second = Store(tmp_path), Store(tmp_path, lock_timeout=0.3)
    with first.transaction():
        first.put(personal(1))
        started = time.monotonic()
        with (pytest.raises(StoreBusy, match=r"Another planner is saving.*nothing was changed"),
              second.transaction()):
            second.put(personal(2))
        assert time.monotonic() - started >= 0.25  # it waited for the lock first
    assert titles(tmp_path) == {"personal 1"}


def test_a_waiting_writer_goes_ahead_once_the_lock_is_free(tmp_path: Path) -> None:
    first, second = Store(tmp_path), Store(tmp_path, lock_timeout=10)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with first.transaction():
            first.put(personal(1))
            holding.set()
            release.wait(5)

    worker = threading.Thread(target=hold)
    worker.start()
    assert holding.wait(5)
    threading.Timer(0.3, release.set).start()
    with second.transaction():  # blocks until the first commits, then sees its change
        second.put(personal(2))
    worker.join(5)
    assert titles(tmp_path) == {"personal 1", "personal 2"}


@pytest.mark.parametrize("garbage", [
    b"", b"   \n", b'{"blocks": {"1": {"id": "p1", "tit', b"[1, 2, 3]", b"\x00\xff\xfe",
    b'{"blocks": {"1": 5}}', b'{"blocks": {"one": {"id": "p1", "title": "x"}}}',
    b'{"blocks": {"1": {"title": "no id"}}}',
    b'{"blocks": {"1": {"id": "p1", "title": "x", "start": "yesterday"}}}',
])
def test_a_main_file_that_fails_to_load_is_never_overwritten(tmp_path: Path,
                                                             garbage: bytes) -> None:
    main = tmp_path / MAIN_FILE
    main.write_bytes(garbage)
    with pytest.raises(StoreError) as caught:
        store = Store(tmp_path)
        with store.transaction():
            store.put(personal(1))
    message = str(caught.value)
    assert str(main) in message and "planner restore" in message
    assert main.read_bytes() == garbage


def test_a_calendar_file_that_fails_to_load_blocks_writes_and_stays(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction():
        store.write_calendar("Work", upsert=[imported(1)], meta={"sphere": "work"})
    cal_file = tmp_path / CALENDAR_DIR / "work.json"
    cal_file.write_bytes(cal_file.read_bytes()[:40])
    broken = cal_file.read_bytes()
    assert not (tmp_path / MAIN_FILE).exists()  # an import alone leaves planner.json alone

    fresh = Store(tmp_path)
    with pytest.raises(StoreError, match=r"work\.json.*planner restore"), fresh.transaction():
        fresh.put(personal(1))
    assert cal_file.read_bytes() == broken
    assert not (tmp_path / MAIN_FILE).exists()


def test_backups_rotate_and_keep_the_last_five(tmp_path: Path) -> None:
    for n in range(1, 9):
        add(tmp_path, personal(n))
    backups = list_backups(tmp_path)[MAIN_FILE]
    assert [p.name for p in backups] == [f"{MAIN_FILE}.{n}" for n in range(1, BACKUPS_KEPT + 1)]
    # Newest first: .1 is the state before the last save (7 blocks), .5 had 3.
    counts = [len(orjson.loads(p.read_bytes())["blocks"]) for p in backups]
    assert counts == [7, 6, 5, 4, 3]
    # A backup never shares its inode with the live file: editing one can't hurt the other.
    live = (tmp_path / MAIN_FILE).stat()
    assert all(p.stat().st_ino != live.st_ino for p in backups)
    assert live.st_nlink == 1


def test_restore_brings_back_the_newest_good_backup(tmp_path: Path) -> None:
    for n in range(1, 5):
        add(tmp_path, personal(n))
    main = tmp_path / MAIN_FILE
    main.write_bytes(b'{"blocks": ')
    newest = tmp_path / BACKUP_DIR / f"{MAIN_FILE}.1"
    newest.unlink()
    newest.write_bytes(b"also broken")  # the newest backup is damaged too: skip it

    used = restore_latest_good(tmp_path, MAIN_FILE)
    assert used.name == f"{MAIN_FILE}.2"
    assert titles(tmp_path) == {"personal 1", "personal 2"}
    assert (tmp_path / f"{MAIN_FILE}.broken").read_bytes() == b'{"blocks": '


def test_restore_without_a_good_backup_says_so(tmp_path: Path) -> None:
    (tmp_path / MAIN_FILE).write_bytes(b"nope")
    with pytest.raises(StoreError, match=r"No good backup of planner\.json"):
        restore_latest_good(tmp_path, MAIN_FILE)
    assert (tmp_path / MAIN_FILE).read_bytes() == b"nope"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_are_private(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    store = Store(root)
    for n in range(2):
        with store.transaction():
            store.put(personal(n))
            store.write_calendar("Work", upsert=[imported(n)], meta={"sphere": "work"})
    files = [root / MAIN_FILE, *(root / CALENDAR_DIR).iterdir(), *(root / BACKUP_DIR).iterdir(),
             root / ".lock"]
    assert len(files) >= 5
    assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
    folders = [root, root / CALENDAR_DIR, root / BACKUP_DIR]
    assert {p.name: _mode(p) for p in folders} == {p.name: 0o700 for p in folders}


def test_a_loose_mode_on_an_old_file_is_tightened_by_the_next_save(tmp_path: Path) -> None:
    add(tmp_path, personal(1))
    os.chmod(tmp_path / MAIN_FILE, 0o644)
    add(tmp_path, personal(2))
    assert _mode(tmp_path / MAIN_FILE) == 0o600


def test_a_personal_edit_does_not_rewrite_calendar_files(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction():
        store.write_calendar("Work", upsert=[imported(n) for n in range(50)],
                             meta={"sphere": "work"})
    cal_file = tmp_path / CALENDAR_DIR / "work.json"
    before = cal_file.stat()
    time.sleep(0.01)  # so a rewrite would show in mtime_ns even on coarse clocks

    other = Store(tmp_path)
    with other.transaction():
        other.put(personal(1))
    with other.transaction():
        other.put(personal(1, "renamed"))
        other.delete("p1")
    after = cal_file.stat()
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)
    assert not (tmp_path / BACKUP_DIR / "work.json.1").exists()


def test_an_open_store_sees_another_process_change(tmp_path: Path) -> None:
    viewer = Store(tmp_path)
    assert viewer.user_blocks() == []
    assert not viewer.changed_on_disk()
    add(tmp_path, personal(1))
    assert viewer.changed_on_disk()
    viewer.reload()
    assert [b.id for b in viewer.user_blocks()] == ["p1"]
