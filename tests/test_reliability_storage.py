"""Saves across several files are all or nothing, whatever fails and wherever it fails.

Real faults, no sleeps: os calls monkeypatched to fail (disk full, Ctrl+C), a child
process SIGKILLed at a chosen rename, a CLI run under ``ulimit -f`` (RLIMIT_FSIZE).
Also: backups per file, odd homes, symlinked data files, years before 1000.
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from planner.adapters import commit as commit_module
from planner.adapters.store import BACKUP_DIR, CALENDAR_DIR, MAIN_FILE, Store, StoreError
from planner.core.model import Block, Kind, Source
from tests.conftest import PINNED_NOW, ZONE, planner_command

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def personal(n: int, notes: str = "") -> Block:
    start = T0 + timedelta(hours=n)
    return Block(id=f"p{n}", title=f"personal {n}", kind=Kind.FIXED, start=start,
                 end=start + timedelta(minutes=30), tzid="UTC", notes=notes)


def meeting(n: int, calendar: str = "Work") -> Block:
    start = T0 + timedelta(days=n)
    return Block(id=f"w{n}", title=f"meeting {n}", sphere="work", start=start,
                 end=start + timedelta(hours=1), tzid="UTC",
                 source=Source(calendar, f"uid-{n}", content_hash=str(n)))


def seed(root: Path) -> None:
    store = Store(root)
    with store.transaction():
        store.put(personal(1))
        store.write_calendar("Work", upsert=[meeting(1)], meta={"sphere": "work"})


def change_both(store: Store) -> None:
    """One commit that changes the calendar, its day index and planner.json."""
    with store.transaction():
        store.put(personal(2))
        store.write_calendar("Work", upsert=[meeting(2)], meta={"sphere": "work"})


def state(root: Path) -> tuple[set[str], set[str]]:
    store = Store(root)
    return ({b.id for b in store.user_blocks()}, {b.id for b in store.calendar_blocks("Work")})


OLD = ({"p1"}, {"w1"})
NEW = ({"p1", "p2"}, {"w1", "w2"})


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".tmp") or p.name == ".commit"]


def fail_on_call(n: int, exc: BaseException, real: Callable[..., object]
                 ) -> Callable[..., object]:
    calls = {"n": 0}

    def fake(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == n:
            raise exc
        return real(*args, **kwargs)

    return fake


# --------------------------------------------------------------------------- in process


@pytest.mark.parametrize("nth_write", [1, 2, 3])
def test_a_full_disk_while_writing_any_file_changes_no_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nth_write: int) -> None:
    seed(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.json")}
    store = Store(tmp_path)
    monkeypatch.setattr(commit_module.os, "write", fail_on_call(
        nth_write, OSError(errno.ENOSPC, "No space left on device"), os.write))
    with pytest.raises(StoreError, match=r"disk is full; nothing was changed"):
        change_both(store)
    monkeypatch.undo()
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.json")} == before
    assert state(tmp_path) == OLD and not leftovers(tmp_path)


def test_a_failed_journal_write_changes_no_file(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    seed(tmp_path)
    store = Store(tmp_path)

    def no_journal(root: Path, entries: object) -> None:
        raise OSError(errno.EFBIG, "File too large", str(root / ".commit"))

    monkeypatch.setattr(commit_module, "_write_journal", no_journal)
    with pytest.raises(StoreError, match=r"ulimit -f.*nothing was changed"):
        change_both(store)
    monkeypatch.undo()
    assert state(tmp_path) == OLD and not leftovers(tmp_path)


def test_ctrl_c_between_two_renames_still_saves_every_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(tmp_path)
    store = Store(tmp_path)
    real = os.replace

    def interrupted(src: object, dst: object) -> None:
        real(src, dst)  # type: ignore[arg-type]
        if str(dst).endswith(MAIN_FILE):
            raise KeyboardInterrupt  # Ctrl+C right after one of the files was put in place

    monkeypatch.setattr(commit_module.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        change_both(store)
    monkeypatch.undo()
    assert state(tmp_path) == NEW and not leftovers(tmp_path)


def test_a_journal_back_after_a_crash_once_its_files_are_in_place_is_harmless(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Removing the journal is not synced (it saves a flush per save): after a crash it
    may come back naming pending files that were already renamed into place. Readers
    still see the new state and the next writer just drops it."""
    seed(tmp_path)
    kept: list[bytes] = []
    real_unlink = Path.unlink

    def keep_journal(path: Path, missing_ok: bool = False) -> None:
        if path.name == commit_module.JOURNAL:
            kept.append(path.read_bytes())
        real_unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", keep_journal)
    change_both(Store(tmp_path))
    monkeypatch.undo()
    assert kept, "a save of two files went through the journal"
    (tmp_path / commit_module.JOURNAL).write_bytes(kept[-1])  # the crash "undid" the unlink
    assert state(tmp_path) == NEW
    store = Store(tmp_path)
    with store.transaction():
        store.put(personal(9))
    users, events = state(tmp_path)
    assert (users - {"p9"}, events) == NEW
    assert not leftovers(tmp_path)


_CHILD = textwrap.dedent("""
    import os, signal, sys
    from datetime import UTC, datetime, timedelta
    sys.path.insert(0, {tests!r})
    from planner.adapters import commit
    from planner.adapters.store import Store
    from test_reliability_storage import change_both
    real, files = os.replace, [0]
    def replace(src, dst):
        if "{kill_at}" == "journal" and str(dst).endswith(".commit"):
            os.kill(os.getpid(), signal.SIGKILL)  # just before the commit point
        if str(src).endswith(".tmp") and not str(dst).endswith(".commit"):
            files[0] += 1
            if "{kill_at}" == f"file{{files[0]}}":
                os.kill(os.getpid(), signal.SIGKILL)  # files before this one are in place
        return real(src, dst)
    commit.os.replace = replace
    change_both(Store({root!r}))
""")


@pytest.mark.parametrize("kill_at", ["journal", "file1", "file2", "file3"])
def test_sigkill_at_any_rename_leaves_the_old_or_the_new_state_of_every_file(
        tmp_path: Path, kill_at: str) -> None:
    """Killed before the journal's rename (the commit point): the old state of every
    file. Killed before the first, second or third file is put in place: the new state,
    seen by readers at once and finished by the next writer."""
    seed(tmp_path)
    code = _CHILD.format(tests=str(Path(__file__).parent), root=str(tmp_path),
                         kill_at=kill_at)
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    expected = OLD if kill_at == "journal" else NEW
    assert state(tmp_path) == expected  # a reader, before anyone finishes the commit
    store = Store(tmp_path)
    with store.transaction():
        store.put(personal(9))  # the next writer rolls forward (or back) first
    users, events = state(tmp_path)
    assert (users - {"p9"}, events) == expected and not leftovers(tmp_path)
    fresh = Store(tmp_path)
    days = fresh.day_sources()[1]
    assert days, "the day index matches its calendar again"


# --------------------------------------------------------------------------- from the CLI


def _cli(home: Path, *args: str, fsize: int | None = None, prefix: Sequence[str] = ()
         ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PLANNER_HOME": str(home), "PLANNER_NOW": PINNED_NOW.isoformat()}

    def limit() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run([*prefix, *planner_command(), "--tz", ZONE, *args], env=env,
                          text=True, capture_output=True, timeout=60, preexec_fn=limit)


def test_ulimit_f_during_a_save_is_one_true_sentence(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert _cli(home, "add", "Dentist", "--at", "tue 10:00").returncode == 0
    before = {p: p.read_bytes() for p in home.rglob("*.json")}
    result = _cli(home, "add", "Huge", "--at", "wed 10:00", "--notes", "x" * 100_000,
                  fsize=60_000)
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1 and "ulimit -f" in result.stderr
    assert "nothing was changed" in result.stderr and "unexpected" not in result.stderr
    assert {p: p.read_bytes() for p in home.rglob("*.json")} == before
    assert not leftovers(home)


@pytest.mark.parametrize("make_odd, expect", [
    (lambda h: h.write_text("a file"), "is a file, not a folder"),
    (lambda h: (h.mkdir(), (h / CALENDAR_DIR).write_text("x")), "should be a folder"),
    (lambda h: (h.mkdir(), (h / BACKUP_DIR).write_text("x")), "should be a folder"),
    (lambda h: (h.mkdir(), (h / ".lock").mkdir()), "lock file but is a folder"),
])
def test_an_odd_home_is_one_sentence_naming_the_path(
        tmp_path: Path, make_odd: Callable[[Path], object], expect: str) -> None:
    home = tmp_path / "home"
    make_odd(home)
    result = _cli(home, "add", "Dentist", "--at", "tue 10:00")
    assert result.returncode == 1, result.stderr
    assert expect in result.stderr and str(home) in result.stderr
    assert result.stderr.count("\n") == 1 and "unexpected" not in result.stderr


CALENDAR_ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
                "UID:a@t\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261124T080000Z\r\n"
                "DTEND:20261124T090000Z\r\nSUMMARY:Standup\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def _pipe(path: Path) -> None:
    path.unlink(missing_ok=True)
    os.mkfifo(path)


def _zero(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.symlink_to("/dev/zero")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name, make_odd, said", [
    (MAIN_FILE, _pipe, "is a named pipe, not a planner data file; move it away"),
    (MAIN_FILE, _zero, "is a device, not a planner data file; move it away"),
    (f"{CALENDAR_DIR}/work.json", _pipe, "is a named pipe, not a planner data file"),
    ("config.toml", _pipe, "cannot be read (it is a named pipe, not a regular file)"),
    ("config.toml", _zero, "cannot be read (it is a device, not a regular file)"),
])
def test_a_pipe_or_device_in_a_data_files_place_is_named_not_a_hang(
        tmp_path: Path, name: str, make_odd: Callable[[Path], None], said: str) -> None:
    """A named pipe in a data file's place used to block every command forever, and
    /dev/zero behind a config.toml symlink to grow until the kernel killed planner."""
    home = tmp_path / "home"
    ics = tmp_path / "work.ics"
    ics.write_text(CALENDAR_ICS)
    assert _cli(home, "import", str(ics)).returncode == 0
    assert _cli(home, "add", "Dentist", "--at", "tue 10:00").returncode == 0
    make_odd(home / name)
    before = {p: p.read_bytes() for p in home.rglob("*.json") if p.is_file()}
    for args in (["agenda"], ["add", "Gym", "--at", "wed 10:00"], ["undo"]):
        result = _cli(home, *args)
        assert result.returncode == 1, result.stderr
        assert said in result.stderr and str(home / name) in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1 and "unexpected" not in result.stderr
    assert {p: p.read_bytes() for p in home.rglob("*.json") if p.is_file()} == before


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", [".commit", "history.json", f"{CALENDAR_DIR}/work.days"])
def test_a_pipe_in_a_derived_files_place_is_replaced_not_waited_for(
        tmp_path: Path, name: str) -> None:
    """The journal, the undo history and the day index are planner's own bookkeeping: a
    pipe in their place holds nothing to keep, so the next save puts a file there."""
    home = tmp_path / "home"
    ics = tmp_path / "work.ics"
    ics.write_text(CALENDAR_ICS)
    assert _cli(home, "import", str(ics)).returncode == 0
    _pipe(home / name)
    assert "Standup" in _cli(home, "agenda", "2026-11-24").stdout
    result = _cli(home, "add", "Gym", "--at", "wed 10:00")
    assert result.returncode == 0, result.stderr
    assert not (home / name).exists() or (home / name).is_file()
    assert "Gym" in _cli(home, "agenda", "2026-11-25").stdout


def _without_root_powers() -> list[str]:
    """A command prefix under which even root respects a folder's permission bits.

    Root writes into a read-only folder through CAP_DAC_OVERRIDE (CI runs as root), so
    the child drops that capability (and its relatives) from its bounding set with
    util-linux's setpriv; a plain user needs nothing.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux) to drop CAP_DAC_OVERRIDE")
    prefix = [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner"]
    if subprocess.run([*prefix, "true"], capture_output=True).returncode != 0:
        pytest.skip("running as root where capabilities cannot be dropped (no CAP_SETPCAP)")
    return prefix


def test_a_read_only_home_is_one_sentence(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert _cli(home, "add", "Dentist", "--at", "tue 10:00").returncode == 0
    before = {p: p.read_bytes() for p in home.rglob("*.json")}
    os.chmod(home, 0o500)
    try:
        result = _cli(home, "add", "Gym", "--at", "wed 10:00", prefix=_without_root_powers())
    finally:
        os.chmod(home, 0o700)
    assert result.stderr.count("\n") == 1 and str(home) in result.stderr
    assert {p: p.read_bytes() for p in home.rglob("*.json")} == before
    assert result.returncode == 1 and "permission denied" in result.stderr


def test_a_symlinked_data_file_is_written_through(tmp_path: Path) -> None:
    home, elsewhere = tmp_path / "home", tmp_path / "dotfiles"
    assert _cli(home, "add", "Dentist", "--at", "tue 10:00").returncode == 0
    elsewhere.mkdir()
    real = elsewhere / "planner.json"
    os.replace(home / MAIN_FILE, real)
    (home / MAIN_FILE).symlink_to(real)
    assert _cli(home, "add", "Gym", "--at", "wed 10:00").returncode == 0
    assert (home / MAIN_FILE).is_symlink()
    titles = {d["title"] for d in orjson.loads(real.read_bytes())["blocks"].values()}
    assert titles == {"Dentist", "Gym"}


# --------------------------------------------------------------------------- backups


def test_a_calendar_named_planner_has_its_own_backups_and_restore_picks_the_right_one(
        tmp_path: Path) -> None:
    home = tmp_path / "home"
    ics = tmp_path / "planner.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Planner\r\n"
                   "BEGIN:VEVENT\r\nUID:a@x\r\nDTSTART:20261124T090000Z\r\n"
                   "DTEND:20261124T100000Z\r\nSUMMARY:Team sync\r\nEND:VEVENT\r\n"
                   "END:VCALENDAR\r\n")
    assert _cli(home, "add", "Dentist", "--at", "tue 10:00").returncode == 0
    assert _cli(home, "add", "Gym", "--at", "wed 10:00").returncode == 0
    for _ in range(2):
        assert _cli(home, "import", str(ics)).returncode == 0
        ics.write_text(ics.read_text().replace("Team sync", "Team sync!"))
    assert (home / CALENDAR_DIR / "planner.json").exists()
    main_backups = sorted((home / BACKUP_DIR).glob("planner.json.*"))
    assert main_backups and all("events" not in orjson.loads(p.read_bytes())
                                for p in main_backups)
    assert list((home / BACKUP_DIR / CALENDAR_DIR).glob("planner.json.*"))
    (home / MAIN_FILE).write_text("{broken")
    restored = _cli(home, "restore")
    assert restored.returncode == 0, restored.stderr
    agenda = _cli(home, "agenda", "tue", "--json")
    titles = {item["title"] for item in orjson.loads(agenda.stdout)}
    assert "Dentist" in titles and "Team sync!" in titles


# --------------------------------------------------------------------------- odd values


def test_a_year_before_1000_round_trips(tmp_path: Path) -> None:
    home = tmp_path / "home"
    added = _cli(home, "add", "Ancient", "--at", "0900-05-05 10:00")
    assert added.returncode == 0, added.stderr
    for command in (["agenda", "0900-05-05", "--json"], ["calendars"], ["agenda"],
                    ["export", str(tmp_path / "out.ics")]):
        result = _cli(home, *command)
        assert result.returncode == 0, (command, result.stderr)
    items = orjson.loads(_cli(home, "agenda", "0900-05-05", "--json").stdout)
    assert [i["title"] for i in items] == ["Ancient"]
    assert items[0]["start"].startswith("0900-05-05T10:00")


def test_a_stored_three_digit_year_is_still_read(tmp_path: Path) -> None:
    """Files written before the fix hold '900-05-05T…': they load, never break a command."""
    home = tmp_path / "home"
    assert _cli(home, "add", "Dentist", "--at", "tue 10:00").returncode == 0
    data = orjson.loads((home / MAIN_FILE).read_bytes())
    doc = next(iter(data["blocks"].values()))
    doc["start"], doc["end"] = "900-05-05T08:00:00Z", "900-05-05T09:00:00Z"
    (home / MAIN_FILE).write_bytes(orjson.dumps(data))
    for command in (["agenda"], ["agenda", "0900-05-05", "--json"], ["calendars"]):
        result = _cli(home, *command)
        assert result.returncode == 0, (command, result.stderr)
    assert "Dentist" in _cli(home, "agenda", "0900-05-05").stdout
