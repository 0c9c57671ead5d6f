"""The installed ``planner`` command in a real pseudo-terminal, read back through pyte.

Pilot tests drive the app from inside; this one is what a person gets: the console
script, a real tty (so the CLI's "needs a terminal" check passes), the terminal's own
escape sequences for keys, and the screen as a terminal emulator draws it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from planner.app.service import PlannerService

pytest.importorskip("pyte")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")

from tests.terminal import (  # noqa: E402  (after the skip: it needs pyte)
    ESCAPE,
    KEY_TIMEOUT,
    PLANNER,
    RIGHT,
    START_TIMEOUT,
    Terminal,
    terminal_env,
)

NOW = "2026-11-23T10:00:00+01:00"  # a Monday, 10:00 in Berlin


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    if not PLANNER.exists():
        pytest.skip(f"no installed planner command at {PLANNER}")
    home = tmp_path / "home"
    moment = datetime.fromisoformat(NOW)
    PlannerService(home, tz="Europe/Berlin", clock=lambda: moment).load_demo()
    term = Terminal([str(PLANNER), "--tz", "Europe/Berlin"], terminal_env(tmp_path, home, NOW))
    try:
        yield term
    finally:
        term.close()  # kills the child if a failed assertion left it running


@pytest.mark.timeout(60)  # a hung child must not hang the suite; fixture kills it
def test_a_person_can_page_days_open_the_week_and_help_and_quit(terminal: Terminal) -> None:
    screen = terminal.wait_for("Mon 23 Nov 2026", timeout=START_TIMEOUT)
    assert "today" in screen.splitlines()[0]
    assert "Europe/Berlin" in screen
    # The demo's Monday at 10:00: the morning's hour marks and a work block are in view.
    assert "10:00" in screen
    assert "Deep work" in screen

    # j selects the first block in view (the day opens with its 08:00 school run in view),
    # then j the next; the pointer shows it even where colour doesn't.
    assert "▸" not in screen
    terminal.press(b"j")
    terminal.wait_for("▸■P 08:00 School run")
    terminal.press(b"j")
    screen = terminal.wait_for("▸○W 10:00 Deep work")
    terminal.press(b"\r")
    screen = terminal.wait_for("Edit: Deep work: Q4 roadmap")
    assert "Duration" in screen and "2h" in screen
    terminal.press(ESCAPE)
    terminal.wait_for("Edit: Deep work", gone=True)

    terminal.press(RIGHT)
    screen = terminal.wait_for("Tue 24 Nov")
    assert "tomorrow" in screen.splitlines()[0]
    assert "Mon 23 Nov" not in screen

    terminal.press(b"w")
    screen = terminal.wait_for("Week of Mon 23 Nov 2026")
    for day in ("Mon 23", "Tue 24", "Wed 25", "Thu 26", "Fri 27", "Sat 28", "Sun 29"):
        assert day in screen

    terminal.press(b"?")
    screen = terminal.wait_for("planner keys")
    assert "Prev day" in screen and "Next day" in screen

    terminal.press(ESCAPE)
    screen = terminal.wait_for("planner keys", gone=True)
    assert "Week of Mon 23 Nov 2026" in screen  # help closed back onto the week

    terminal.press(ESCAPE)
    screen = terminal.wait_for("Week of", gone=True)
    assert "Tue 24 Nov 2026" in screen.splitlines()[0]  # the week hands back its day

    terminal.press(b"q")
    code = terminal.wait_exit(KEY_TIMEOUT)
    assert code == 0, f"planner exited with {code}; last screen:\n{terminal.text()}"


@pytest.mark.timeout(90)
def test_quit_does_not_wait_for_an_import_stuck_in_a_network_read(terminal: Terminal) -> None:
    from tests.fake_servers import trickling

    terminal.wait_for("Mon 23 Nov 2026", timeout=START_TIMEOUT)
    with trickling() as url:
        terminal.press(b"i")
        terminal.wait_for("Import a calendar")
        terminal.press(url.encode() + b"\r")
        terminal.wait_for("edits wait")  # the busy line, with the reason
        terminal.press(b"q")
        # A save in progress gets a few seconds; a read that never ends does not.
        code = terminal.wait_exit(30)
    assert code == 0, f"planner did not quit ({code}); last screen:\n{terminal.text()}"


@pytest.mark.timeout(90)
def test_a_crash_inside_the_app_exits_non_zero(tmp_path: Path) -> None:
    home = tmp_path / "home"
    moment = datetime.fromisoformat(NOW)
    PlannerService(home, tz="Europe/Berlin", clock=lambda: moment).load_demo()
    # A bug planted in the real command: pressing t divides by zero.
    code = ("import sys\n"
            "from planner.ui.screens.day import DayScreen\n"
            "DayScreen.action_today = lambda self: 1 / 0\n"
            "from planner.cli.main import main\n"
            "sys.exit(main(['--tz', 'Europe/Berlin']))\n")
    term = Terminal([sys.executable, "-c", code], terminal_env(tmp_path, home, NOW))
    try:
        term.wait_for("Mon 23 Nov 2026", timeout=START_TIMEOUT)
        term.press(b"t")
        status = term.wait_exit(KEY_TIMEOUT * 3)
    finally:
        term.close()
    assert status not in (None, 0), f"exit status {status}; screen:\n{term.text()}"
