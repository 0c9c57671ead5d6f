"""Privacy: private files, busy-only exports without details, secret URLs never printed."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]

TOKEN = "0123456789abcdef0123456789abcdef"
SECRET_PATH = f"/calendar/ical/x%40gmail.com/private-{TOKEN}/basic.ics"

WORK_ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//privacy//EN\r
X-WR-CALNAME:Team\r
BEGIN:VEVENT\r
UID:planning@example.com\r
DTSTAMP:20261101T000000Z\r
DTSTART;TZID=Europe/Berlin:20261124T100000\r
DTEND;TZID=Europe/Berlin:20261124T110000\r
SUMMARY:Sprint planning\r
END:VEVENT\r
END:VCALENDAR\r
"""

# Distinctive words that must never leave the machine in a busy-only export.
PERSONAL_SECRETS = ["Oncology", "appointment", "Dr Hartmann", "Charité", "biopsy", "results",
                    "Therapy", "Couples", "Anniversary", "Lingerie", "Secret gift"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _unfold(ics: str) -> str:
    return ics.replace("\r\n ", "").replace("\r\n\t", "")


@pytest.fixture
def private_home(cli: Run, home: Path) -> Path:
    ics = home.parent / "team.ics"
    ics.write_text(WORK_ICS, newline="")
    cli("import", str(ics), check=True)
    cli("add", "Oncology appointment", "--at", "2026-11-24 14:00", "--for", "1h",
        "--notes", "bring biopsy results", "--location", "Dr Hartmann, Charité", check=True)
    cli("add", "Therapy", "--at", "2026-11-24 18:00", "--repeat", "FREQ=WEEKLY",
        "--location", "Couples", check=True)
    cli("add", "Anniversary", "--at", "2026-11-25", "--all-day", check=True)
    cli("add", "Secret gift", "--flexible", "--for", "45m", "--on", "2026-11-24",
        "--notes", "Lingerie", check=True)
    return home


def test_every_store_file_is_private(tmp_path: Path) -> None:
    fresh = tmp_path / "new-home"  # created by planner itself
    env_home = {"PLANNER_HOME": str(fresh)}
    ics = tmp_path / "team.ics"
    ics.write_text(WORK_ICS, newline="")
    for args in (["import", str(ics)], ["add", "x", "--at", "2026-11-24 08:00"],
                 ["add", "y", "--at", "2026-11-24 09:00"]):
        proc = subprocess.run(
            [*_planner(), "--tz", "Europe/Berlin", *args],
            env={**os.environ, **env_home, "PLANNER_NOW": "2026-11-23T07:30:00+00:00"},
            capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
    files = [p for p in fresh.rglob("*") if p.is_file()]
    folders = [fresh, *(p for p in fresh.rglob("*") if p.is_dir())]
    assert len(files) >= 4 and len(folders) >= 3
    assert {str(p): oct(_mode(p)) for p in files} == {str(p): oct(0o600) for p in files}
    assert {str(p): oct(_mode(p)) for p in folders} == {str(p): oct(0o700) for p in folders}


def _planner() -> list[str]:
    found = shutil.which("planner", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "planner"]


@pytest.mark.parametrize("flags", [["--private-as-busy"], ["--busy-only", "personal"]])
def test_a_busy_only_export_holds_no_personal_details(cli: Run, private_home: Path,
                                                      flags: list[str]) -> None:
    result = cli("export", "-", "--from", "2026-11-23", "--to", "2026-11-29", *flags)
    assert result.returncode == 0, result.stderr
    ics = _unfold(result.stdout)
    leaked = [word for word in PERSONAL_SECRETS if word.lower() in ics.lower()]
    assert not leaked, leaked
    assert "Sprint planning" in ics  # work stays readable
    assert ics.count("BEGIN:VEVENT") >= 4  # the personal time is still there, as Busy
    assert "Busy" in ics


def test_a_plain_export_does_hold_the_details(cli: Run, private_home: Path) -> None:
    """The check above can fail: without the flag, the words are there."""
    ics = _unfold(cli("export", "-", "--from", "2026-11-23", "--to", "2026-11-29",
                      check=True).stdout)
    assert {"Oncology", "biopsy", "Charité", "Therapy", "Anniversary"} <= {
        w for w in PERSONAL_SECRETS if w in ics}


# ------------------------------------------------------------------ secret URLs


class _Handler(http.server.BaseHTTPRequestHandler):
    mode = "ok"

    def do_GET(self) -> None:
        if type(self).mode == "ok" and self.path == SECRET_PATH:
            body = WORK_ICS.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
        else:
            body = f"<html>Not Found: {self.path}</html>".encode()
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"mode": "ok"})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def _no_secret(result: subprocess.CompletedProcess[str]) -> None:
    for stream in (result.stdout, result.stderr):
        assert TOKEN not in stream, stream
        assert TOKEN[:12] not in stream, stream  # not even a prefix of the token
        assert "x%40gmail.com" not in stream and "x@gmail.com" not in stream, stream


def test_a_404_does_not_print_the_secret_url(cli: Run, server: tuple[str, type[_Handler]]
                                             ) -> None:
    base, handler = server
    handler.mode = "missing"
    result = cli("import", base + SECRET_PATH)
    assert result.returncode == 1
    assert "404" in result.stderr or "not found" in result.stderr.lower(), result.stderr
    _no_secret(result)


def test_an_unreachable_address_does_not_print_the_secret_url(cli: Run) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = cli("import", f"http://127.0.0.1:{port}{SECRET_PATH}")
    assert result.returncode == 1
    assert result.stderr.strip()
    _no_secret(result)


def test_a_subscription_never_shows_its_secret(cli: Run, server: tuple[str, type[_Handler]]
                                               ) -> None:
    base, handler = server
    imported = cli("import", base + SECRET_PATH)
    assert imported.returncode == 0, imported.stderr
    _no_secret(imported)
    listing = cli("calendars")
    assert listing.returncode == 0 and "127.0.0.1" in listing.stdout
    _no_secret(listing)

    handler.mode = "missing"  # the calendar went away: refresh fails, still redacted
    refreshed = cli("refresh", "-v")
    assert refreshed.returncode == 1
    _no_secret(refreshed)
    assert "Sprint planning" in cli("agenda", "2026-11-24", check=True).stdout  # kept

