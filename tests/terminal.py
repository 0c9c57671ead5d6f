"""A child process on a real pseudo-terminal, its screen read back through pyte.

Pilot tests drive the app from inside; this is what a person gets: a real tty, the
terminal's own escape sequences for keys, and the screen as a terminal emulator draws it.
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
from pathlib import Path

import pyte

COLS, ROWS = 80, 24
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


def terminal_env(tmp_path: Path, home: Path, now: str) -> dict[str, str]:
    """A clean environment: pinned clock, a zone that must not matter, no real home."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),  # nothing may land in the real user's folders
        "PLANNER_HOME": str(home),
        "PLANNER_NOW": now,
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "Pacific/Apia",  # the machine's zone must not matter
    }
