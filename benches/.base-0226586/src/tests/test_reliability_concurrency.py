"""Several writers at once: no lost update, a clear busy message, an open app sees changes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from planner.adapters.store import MAIN_FILE, Store
from planner.app.service import PlannerService
from planner.core.model import Block, Kind

NOW = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
ZONE = "Europe/Berlin"


def planner_command() -> list[str]:
    found = shutil.which("planner", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "planner"]


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PLANNER_HOME": str(home), "PLANNER_NOW": NOW.isoformat(), "TZ": "UTC"}
    return subprocess.run([*planner_command(), "--tz", ZONE, *args], env=env,
                          capture_output=True, text=True, timeout=60)


def agenda_titles(home: Path, day: str = "2026-11-24") -> list[str]:
    result = run(home, "agenda", day, "--json")
    assert result.returncode == 0, result.stderr
    return [item["title"] for item in json.loads(result.stdout)]


def test_two_cli_processes_adding_at_once_lose_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    saved: list[str] = []
    busy: list[str] = []
    failures: list[str] = []

    def writer(name: str) -> None:
        for n in range(20):
            title = f"{name} {n:02d}"
            result = run(home, "add", title, "--at", f"2026-11-24 {6 + n % 16}:{n % 4 * 15:02d}",
                         "--for", "10m")
            if result.returncode == 0:
                saved.append(title)
            elif result.returncode == 75:
                # Allowed: the loser is told, once, that nothing was changed.
                assert "Another planner is saving" in result.stderr, result.stderr
                busy.append(title)
            else:
                failures.append(f"{title}: {result.returncode} {result.stderr}")

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("alpha", "beta")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures
    on_disk = agenda_titles(home)
    assert sorted(on_disk) == sorted(saved)  # every reported save is there, nothing else
    assert len(saved) + len(busy) == 40 and len(saved) >= 20
    # The undo history saw every add too: one entry per saved command.
    history = Store(home).history()
    assert len(history) == len(saved)


def test_an_open_service_sees_cli_changes_after_reload(tmp_path: Path) -> None:
    home = tmp_path / "home"
    app = PlannerService(home, tz=ZONE, clock=lambda: NOW)
    day = NOW.date() + timedelta(days=1)
    assert app.agenda(day) == []
    assert not app.reload_if_changed()

    assert run(home, "add", "From the CLI", "--at", "2026-11-24 09:00").returncode == 0
    assert app.reload_if_changed()
    assert [o.title for o in app.agenda(day)] == ["From the CLI"]
    assert not app.reload_if_changed()  # nothing new since


def test_an_open_service_that_saves_keeps_a_cli_change_it_has_not_seen(tmp_path: Path) -> None:
    home = tmp_path / "home"
    app = PlannerService(home, tz=ZONE, clock=lambda: NOW)
    start = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    app.add(app.make_fixed("From the app", start, start + timedelta(hours=1), sphere="personal"))
    assert run(home, "add", "From the CLI", "--at", "2026-11-24 09:00").returncode == 0
    # No reload_if_changed() here: the save itself must pick the CLI change up first.
    later = start + timedelta(hours=2)
    app.add(app.make_fixed("App again", later, later + timedelta(hours=1), sphere="personal"))
    assert sorted(agenda_titles(home)) == ["App again", "From the CLI", "From the app"]


def _block(n: int, title: str) -> Block:
    start = datetime(2026, 11, 24, 8, tzinfo=UTC) + timedelta(hours=n)
    return Block(id=f"p{n}", title=title, kind=Kind.FIXED, start=start,
                 end=start + timedelta(minutes=30))


def test_a_same_size_same_mtime_save_by_another_process_is_still_noticed(tmp_path: Path) -> None:
    first = Store(tmp_path)
    with first.transaction():
        first.put(_block(1, "title A"))
    second = Store(tmp_path)
    assert [b.title for b in second.user_blocks()] == ["title A"]
    old = (tmp_path / MAIN_FILE).stat()

    with first.transaction():
        first.put(_block(1, "title B"))  # same length: the file keeps its size
    new = (tmp_path / MAIN_FILE).stat()
    assert new.st_size == old.st_size
    # A coarse file-system clock can give two saves the same mtime; simulate that.
    os.utime(tmp_path / MAIN_FILE, ns=(old.st_atime_ns, old.st_mtime_ns))

    assert second.changed_on_disk()
    with second.transaction():
        second.put(_block(2, "other"))
    assert sorted(b.title for b in Store(tmp_path).user_blocks()) == ["other", "title B"]
