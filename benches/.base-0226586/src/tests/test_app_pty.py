"""The installed ``planner`` command in a real pseudo-terminal, read back through pyte.

Pilot tests drive the app from inside; this one is what a person gets: the console
script, a real tty (so the CLI's "needs a terminal" check passes), the terminal's own
escape sequences for keys, and the screen as a terminal emulator draws it.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from planner.app.demo import load_demo
from planner.app.service import PlannerService

pyte = pytest.importorskip("pyte")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")

COLS, ROWS = 80, 24
NOW = "2026-11-23T10:00:00+01:00"  # a Monday, 10:00 in Berlin
PLANNER = Path(sys.executable).parent / "planner"
START_TIMEOUT = 20.0  # first frame: interpreter + Textual import on a slow machine
KEY_TIMEOUT = 8.0

RIGHT = b"\x1b[C"
ESCAPE = b"\x1b"


class Terminal:
    """A child process on a pty, its output fed into an 80x24 pyte screen."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.output = bytearray()
        pid, fd = pty.fork()
        if pid == 0:  # child: size the tty before anything asks for it, then become planner
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.status: int | None = None

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def pump(self, seconds: float) -> bool | None:
        """Feed output for up to ``seconds``: True if some came, None if none came,
        False once the child has closed the tty."""
        ready, _, _ = select.select([self.fd], [], [], seconds)
        if not ready:
            return None
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child is gone
            return False
        if not data:
            return False
        self.output += data
        self.stream.feed(data)
        return True

    def settle(self, quiet: float = 0.25, limit: float = 3.0) -> None:
        """Pump until the app has written nothing for ``quiet`` seconds: a frame can
        arrive in pieces, and a person reads the finished one."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and self.pump(quiet):
            pass

    def wait_for(self, wanted: str, *, gone: bool = False,
                 timeout: float = KEY_TIMEOUT) -> str:
        """Pump until ``wanted`` is on screen (or, with ``gone``, no longer on it)."""
        deadline = time.monotonic() + timeout
        while True:
            if (wanted in self.text()) != gone:
                self.settle()
                if (wanted in self.text()) != gone:
                    return self.text()
            left = deadline - time.monotonic()
            if left <= 0 or self.pump(min(0.1, left)) is False:
                state = "still on" if gone else "not on"
                raise AssertionError(f"{wanted!r} {state} screen after {timeout}s:\n"
                                     f"{self.text()}")

    def press(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def wait_exit(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
                return os.waitstatus_to_exitcode(status)
            self.pump(0.05)  # keep draining so the child never blocks on a full tty
        return None

    def close(self) -> None:
        if self.status is None and self.wait_exit(0) is None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.status = -1
        os.close(self.fd)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    if not PLANNER.exists():
        pytest.skip(f"no installed planner command at {PLANNER}")
    home = tmp_path / "home"
    moment = datetime.fromisoformat(NOW)
    load_demo(PlannerService(home, tz="Europe/Berlin", clock=lambda: moment))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),  # nothing may land in the real user's folders
        "PLANNER_HOME": str(home),
        "PLANNER_NOW": NOW,
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "Pacific/Apia",  # the machine's zone must not matter
    }
    term = Terminal([str(PLANNER), "--tz", "Europe/Berlin"], env)
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

    # j selects the first block; the pointer shows it even where colour doesn't.
    assert "▸" not in screen
    terminal.press(b"j")
    screen = terminal.wait_for("▸○W 10:00 Deep work")
    terminal.press(b"\r")
    screen = terminal.wait_for("Edit: Deep work: Q4 roadmap")
    assert "Duration" in screen and "2h00" in screen
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
