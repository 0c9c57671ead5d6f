"""Misbehaving HTTP servers on 127.0.0.1 for the fault tests: each answers every request
the same broken way (an error status, garbage instead of XML, or never)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def answering(status: int, body: bytes, content_type: str = "text/xml") -> Iterator[str]:
    """A server that answers every request with ``status`` and ``body``; its URL."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_OPTIONS = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/alice/work/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def silent() -> Iterator[str]:
    """A server that accepts connections and never answers: every request times out."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/alice/work/"
    finally:
        sock.close()


@contextmanager
def trickling() -> Iterator[str]:
    """A server that starts an answer and then sends one header byte a second, forever:
    every read gets a byte before its timeout, so only a total deadline (or giving up on
    the thread) ends the wait."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    stop = threading.Event()

    def drip(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                while not stop.wait(1.0):
                    conn.sendall(b"X")
            except OSError:
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/work.ics"
    finally:
        stop.set()
        sock.close()


class KillingProxy:
    """A proxy to a real server that SIGKILLs a client at one exact moment: when the
    ``nth`` request with ``method`` has been carried out by the server, before the answer
    reaches the client. That is the moment a push is on the server and not yet recorded
    locally, the worst place for a sync to die."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.victim: int | None = None
        self.kill_on: tuple[str, int] | None = None
        self.seen: dict[str, int] = {}
        self.refuse: set[str] = set()  # paths answered 400 without asking the server
        self.killed = threading.Event()
        self._victim_known = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                import http.client
                import os
                import signal

                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if self.command == "PUT" and any(p in self.path for p in proxy.refuse):
                    self.send_response(400, "Bad Request")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port,
                                                      timeout=30)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection")}
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                upstream.close()
                count = proxy.seen[self.command] = proxy.seen.get(self.command, 0) + 1
                if proxy.kill_on == (self.command, count) and answer.status < 400:
                    proxy._victim_known.wait(30)
                    if proxy.victim is not None:
                        # Flag first: the test wakes as soon as the client dies, and this
                        # thread may be preempted right after the kill (seen under load).
                        proxy.killed.set()
                        os.kill(proxy.victim, signal.SIGKILL)
                        self.close_connection = True
                        return
                self.send_response(answer.status, answer.reason)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection",
                                           "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_OPTIONS = _forward
            do_MKCALENDAR = _forward

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def arm(self, method: str, nth: int) -> None:
        self.kill_on, self.seen, self.victim = (method, nth), {}, None
        self.killed.clear()
        self._victim_known.clear()

    def aim(self, pid: int) -> None:
        self.victim = pid
        self._victim_known.set()

    def __enter__(self) -> KillingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._victim_known.set()
        self.server.shutdown()
        self.server.server_close()
