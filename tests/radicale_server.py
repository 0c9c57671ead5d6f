"""A real Radicale CalDAV server for the sync tests, on 127.0.0.1 and a free port.

Started as a subprocess with its own temporary storage folder and an htpasswd user
file (plain passwords: tests only). It can be stopped and started again on the same
port and storage, so tests can take the server away in the middle of a story.
Readiness is a condition (the port answers), never a fixed sleep.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import niquests

USER = "alice"
PASSWORD = "wonderland"
OTHER_USER = "bob"
OTHER_PASSWORD = "builder"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RadicaleServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "users").write_text(f"{USER}:{PASSWORD}\n{OTHER_USER}:{OTHER_PASSWORD}\n")
        (folder / "config").write_text(f"""\
[server]
hosts = 127.0.0.1:{self.port}
[auth]
type = htpasswd
htpasswd_filename = {folder / 'users'}
htpasswd_encryption = plain
delay = 0
[storage]
filesystem_folder = {folder / 'collections'}
[rights]
type = owner_only
[logging]
level = error
mask_passwords = True
""")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        log = open(self.folder / "server.log", "ab")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(self.folder / "config")],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONWARNINGS": "ignore"})
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("Radicale exited at start: "
                                   + (self.folder / "server.log").read_text()[-2000:])
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", self.port), timeout=0.5):
                return
            time.sleep(0.05)
        raise RuntimeError(f"Radicale did not listen on port {self.port} in time")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        self.process = None

    def make_calendar(self, name: str | None = None, user: str = USER,
                      password: str = PASSWORD) -> str:
        """A fresh, empty calendar collection; its URL."""
        slug = name or f"cal-{uuid.uuid4().hex[:10]}"
        url = f"{self.url}{user}/{slug}/"
        body = ('<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" '
                'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>'
                f'{slug}</D:displayname></D:prop></D:set></C:mkcalendar>')
        response = niquests.request("MKCALENDAR", url, data=body, auth=(user, password),
                                    timeout=30)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"MKCALENDAR {url} -> {response.status_code}")
        return url


class XandikosServer:
    """Xandikos, a second real CalDAV server (git-backed), for interoperability.

    It runs without authentication here: its own Basic auth needs HTTPS, and
    credentials are tested against Radicale. The same interface as ``RadicaleServer``.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        log = open(self.folder / "server.log", "ab")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "xandikos", "serve", "-d", str(self.folder / "data"),
             "--defaults", "-l", "127.0.0.1", "-p", str(self.port),
             "--state-dir", str(self.folder / "state"), "--no-detect-systemd"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("Xandikos exited at start: "
                                   + (self.folder / "server.log").read_text()[-2000:])
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", self.port), timeout=0.5):
                return
            time.sleep(0.05)
        raise RuntimeError(f"Xandikos did not listen on port {self.port} in time")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        self.process = None

    def make_calendar(self, name: str | None = None, user: str = USER,
                      password: str = PASSWORD) -> str:
        slug = name or f"cal-{uuid.uuid4().hex[:10]}"
        url = f"{self.url}user/calendars/{slug}/"
        response = niquests.request("MKCALENDAR", url, timeout=30)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"MKCALENDAR {url} -> {response.status_code}")
        return url
