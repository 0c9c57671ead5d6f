"""Download a subscribed calendar (http, https, webcal) with the standard library.

Calendar URLs often carry a secret (Google's ``private-<token>``, tokens in query
strings, ``user:password@``), so every message shows the URL through ``redact_url``.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from planner.adapters.ical.addresses import (  # noqa: F401  (importers take them from here)
    UNREADABLE,
    FetchError,
    is_url,
    normalize_url,
    redact_url,
)

USER_AGENT = "planner/0.1"
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Fetched:
    data: bytes
    etag: str | None
    last_modified: str | None
    not_modified: bool


def fetch(
    url: str,
    *,
    timeout: float = 20.0,
    max_bytes: int = 50 * 2**20,
    etag: str | None = None,
    last_modified: str | None = None,
    progress: Progress | None = None,
    total_timeout: float | None = None,
) -> Fetched:
    """GET ``url``, conditionally when ``etag``/``last_modified`` are given.

    ``timeout`` bounds the connection and every read; ``total_timeout`` (default six
    times ``timeout``) bounds the whole exchange, connect, headers and body together,
    so a server trickling bytes cannot hold us forever. ``max_bytes`` caps the body,
    after decompression, as it streams.
    """
    shown = redact_url(url)
    target = normalize_url(url)
    deadline = _Deadline(total_timeout if total_timeout is not None else 6 * timeout)
    request, authorization = _build_request(target, etag, last_modified)
    opener = _opener(authorization, deadline)
    try:
        with deadline, opener.open(request, timeout=timeout) as response:
            return _read(response, shown, max_bytes, deadline.at, progress)
    except FetchError:
        raise
    except _RedirectRefused as refused:
        raise FetchError(f"Could not fetch {shown}: {refused.reason}.", url=shown) from None
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == HTTPStatus.NOT_MODIFIED:
            return Fetched(
                data=b"",
                etag=error.headers.get("ETag") or etag,
                last_modified=error.headers.get("Last-Modified") or last_modified,
                not_modified=True,
            )
        raise FetchError(
            f"Could not fetch {shown}: HTTP {error.code} {_reason(error)}.",
            url=shown,
            status=error.code,
        ) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        if deadline.expired:  # the deadline cut the connection: whatever it raised
            raise FetchError(f"Could not fetch {shown}: the download took too long.",
                             url=shown) from None
        reason = error.reason if isinstance(error, urllib.error.URLError) else error
        raise FetchError(
            f"Could not fetch {shown}: {_describe(reason, timeout)}.", url=shown
        ) from None


def _build_request(
    target: str, etag: str | None, last_modified: str | None
) -> tuple[urllib.request.Request, str | None]:
    """A GET without the credentials in the URL; they travel as a header instead."""
    parts = urllib.parse.urlsplit(target)
    authorization = None
    if parts.username is not None or parts.password is not None:
        user = urllib.parse.unquote(parts.username or "")
        password = urllib.parse.unquote(parts.password or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        authorization = f"Basic {token}"
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = f"{host}:{parts.port}" if parts.port is not None else host
        target = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    request = urllib.request.Request(target, method="GET")
    request.add_header("User-Agent", USER_AGENT)
    request.add_header("Accept", "text/calendar, text/plain;q=0.8, */*;q=0.5")
    request.add_header("Accept-Encoding", "gzip, deflate")
    if etag:
        request.add_header("If-None-Match", etag)
    if last_modified:
        request.add_header("If-Modified-Since", last_modified)
    if authorization:
        # Unredirected: credentials must not follow a redirect to another host.
        request.add_unredirected_header("Authorization", authorization)
    return request, authorization


class _RedirectRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows at most MAX_REDIRECTS hops, only to http/https."""

    def __init__(self, authorization: str | None) -> None:
        self._authorization = authorization

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise _RedirectRefused("it redirected to an address that is not http or https")
        hops = getattr(req, "planner_hops", 0) + 1
        if hops > MAX_REDIRECTS:
            raise _RedirectRefused(f"it redirected more than {MAX_REDIRECTS} times")
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is None:
            return None
        new.planner_hops = hops  # type: ignore[attr-defined]
        old_origin = urllib.parse.urlsplit(req.full_url)[:2]
        if self._authorization and urllib.parse.urlsplit(newurl)[:2] == old_origin:
            new.add_unredirected_header("Authorization", self._authorization)
        return new

    def http_error_302(self, req: Any, fp: Any, code: int, msg: str, headers: Any) -> Any:
        location = headers.get("location") or headers.get("uri") or ""
        scheme = urllib.parse.urlsplit(location).scheme.lower()
        if scheme not in ("http", "https", ""):
            raise _RedirectRefused("it redirected to an address that is not http or https")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


class _Deadline:
    """One fetch's end: when it passes, every connection the fetch opened is shut
    down, so a read blocked on a server that sends a byte now and then returns."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.expired = False
        self._connections: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def watch(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            self._connections.append(connection)
            expired = self.expired
        if expired:
            _shut(connection)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            connections = list(self._connections)
        for connection in connections:
            _shut(connection)


def _shut(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _HTTPHandler(urllib.request.HTTPHandler):
    """Connections that connect within the time left and are watched by the deadline."""

    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)

    def _connection(self, host: str, **options: Any) -> http.client.HTTPConnection:
        options["timeout"] = _bounded(options.get("timeout"), self._deadline)
        connection = http.client.HTTPConnection(host, **options)
        self._deadline.watch(connection)
        return connection


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req,
                            context=self._context)  # type: ignore[attr-defined]

    def _connection(self, host: str, **options: Any) -> http.client.HTTPSConnection:
        options["timeout"] = _bounded(options.get("timeout"), self._deadline)
        connection = http.client.HTTPSConnection(host, **options)
        self._deadline.watch(connection)
        return connection


def _bounded(timeout: Any, deadline: _Deadline) -> float:
    left = max(deadline.remaining(), 0.01)
    return left if not isinstance(timeout, int | float) else min(float(timeout), left)


def _opener(authorization: str | None, deadline: _Deadline) -> urllib.request.OpenerDirector:
    # Only the handlers we need: no file://, ftp:// or data: reachable by a redirect.
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        _HTTPHandler(deadline),
        _HTTPSHandler(deadline),
        urllib.request.HTTPDefaultErrorHandler(),
        _RedirectHandler(authorization),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _read(
    response: Any,
    shown: str,
    max_bytes: int,
    deadline: float,
    progress: Progress | None,
) -> Fetched:
    headers = response.headers
    declared = _content_length(headers.get("Content-Length"))
    too_big = f"Could not fetch {shown}: it is larger than the limit of {_size(max_bytes)}."
    if declared is not None and declared > max_bytes:
        raise FetchError(too_big, url=shown)  # no need to download what we would refuse
    encoding = (headers.get("Content-Encoding") or "identity").strip().lower()
    decoder = _decoder(encoding, shown)

    body = bytearray()
    received = 0
    while True:
        if time.monotonic() > deadline:
            raise FetchError(f"Could not fetch {shown}: the download took too long.", url=shown)
        chunk = response.read1(_CHUNK) if hasattr(response, "read1") else response.read(_CHUNK)
        if not chunk:
            break
        received += len(chunk)
        if progress is not None:
            progress(received, declared)
        if decoder is None:
            body += chunk
        else:
            _inflate(decoder, chunk, body, max_bytes, too_big, shown)
        if len(body) > max_bytes or received > max_bytes:
            raise FetchError(too_big, url=shown)
    if decoder is not None:
        try:
            body += decoder.flush()
        except zlib.error:
            raise FetchError(
                f"Could not fetch {shown}: the compressed response is damaged.", url=shown
            ) from None
        if not decoder.eof:
            raise FetchError(
                f"Could not fetch {shown}: the compressed response was cut off.", url=shown
            )
        if len(body) > max_bytes:
            raise FetchError(too_big, url=shown)
    return Fetched(
        data=bytes(body),
        etag=headers.get("ETag"),
        last_modified=headers.get("Last-Modified"),
        not_modified=False,
    )


def _decoder(encoding: str, shown: str) -> Any:
    if encoding in ("identity", ""):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib or gzip header, auto
    raise FetchError(
        f"Could not fetch {shown}: the server used an unsupported encoding ({encoding}).",
        url=shown,
    )


def _inflate(
    decoder: Any, chunk: bytes, body: bytearray, max_bytes: int, too_big: str, shown: str
) -> None:
    # Bounded output per call, so a small "gzip bomb" never expands past the cap.
    data = chunk
    try:
        while data:
            room = max_bytes - len(body) + 1
            body += decoder.decompress(data, room)
            if len(body) > max_bytes:
                raise FetchError(too_big, url=shown)
            data = decoder.unconsumed_tail
    except zlib.error:
        raise FetchError(
            f"Could not fetch {shown}: the compressed response is damaged.", url=shown
        ) from None


def _content_length(value: str | None) -> int | None:
    try:
        length = int(value) if value is not None else None
    except ValueError:
        return None
    return length if length is not None and length >= 0 else None


def _reason(error: urllib.error.HTTPError) -> str:
    reason = str(error.reason or "").strip()
    if reason and "://" not in reason:
        return reason
    try:
        return HTTPStatus(error.code).phrase
    except ValueError:
        return "error"


def _describe(reason: object, timeout: float) -> str:
    """A short, URL-free clause for why the connection failed."""
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"its certificate could not be verified ({reason.verify_message})"
    if isinstance(reason, ssl.SSLError):
        return "the secure connection failed"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(reason, ConnectionResetError | http.client.RemoteDisconnected):
        return "the server closed the connection"
    if isinstance(reason, http.client.IncompleteRead):
        return "the response was cut off"
    if isinstance(reason, socket.gaierror):
        return "the host name could not be resolved"
    if isinstance(reason, OSError) and getattr(reason, "errno", None) is not None:
        return (reason.strerror or "network error").rstrip(".").lower()
    if isinstance(reason, http.client.HTTPException):
        return "the server's answer was not valid HTTP"
    text = str(reason).rstrip(".")
    return text if text and "://" not in text else "network error"


def _size(n: int) -> str:
    if n >= 2**20:
        return f"{n / 2**20:g} MB"
    if n >= 2**10:
        return f"{n / 2**10:g} KB"
    return f"{n} bytes"
