"""Fetching subscribed calendars from a local HTTP server (never the network)."""

from __future__ import annotations

import base64
import gzip
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from planner.adapters.ical.fetch import (
    USER_AGENT,
    FetchError,
    fetch,
    is_url,
    normalize_url,
    redact_url,
)

CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"
ETAG = '"v1"'
LAST_MODIFIED = "Mon, 04 Mar 2024 09:00:00 GMT"
TOKEN = "0123456789abcdef0123456789abcdef"
PRIVATE_PATH = f"/calendar/ical/someone%40example.com/private-{TOKEN}/basic.ics"

Route = Callable[[BaseHTTPRequestHandler], None]


class Server:
    def __init__(self) -> None:
        self.release = threading.Event()  # ends slow handlers at teardown
        self.seen_headers: list[dict[str, str]] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_port}"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.seen_headers.append(dict(self.headers.items()))
                path = self.path.split("?")[0]
                if path == "/auth-elsewhere":
                    port = server.httpd.server_port
                    _redirect_to(f"http://localhost:{port}/auth")(self)
                    return
                route = ROUTES.get(path)
                if route is None and path.startswith("/hops/"):
                    route = _hops
                if route is None:
                    self.send_error(404)
                    return
                route(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        Handler.server_state = server  # type: ignore[attr-defined]
        return Handler


def _send(handler: BaseHTTPRequestHandler, body: bytes, **headers: str) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/calendar")
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)


def _calendar(handler: BaseHTTPRequestHandler) -> None:
    if handler.headers.get("If-None-Match") == ETAG:
        handler.send_response(304)
        handler.send_header("ETag", ETAG)
        handler.end_headers()
        return
    _send(
        handler,
        CALENDAR,
        Content_Length=str(len(CALENDAR)),
        ETag=ETAG,
        Last_Modified=LAST_MODIFIED,
    )


def _since(handler: BaseHTTPRequestHandler) -> None:
    if handler.headers.get("If-Modified-Since") == LAST_MODIFIED:
        handler.send_response(304)
        handler.end_headers()
        return
    _send(handler, CALENDAR, Last_Modified=LAST_MODIFIED)


def _redirect_to(location: str) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.end_headers()

    return route


def _hops(handler: BaseHTTPRequestHandler) -> None:
    # /hops/N redirects N more times, then serves the calendar.
    left = int(handler.path.rsplit("/", 1)[1])
    if left == 0:
        _calendar(handler)
    else:
        _redirect_to(f"/hops/{left - 1}")(handler)


def _big(handler: BaseHTTPRequestHandler) -> None:
    # No Content-Length: the size is only known by reading.
    handler.send_response(200)
    handler.end_headers()
    for _ in range(40):
        handler.wfile.write(b"X" * 65536)


def _big_declared(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", str(10 * 2**20))
    handler.end_headers()
    handler.wfile.write(b"X" * 1024)


def _unsized(handler: BaseHTTPRequestHandler) -> None:
    # No Content-Length, so only counting while reading can apply the cap.
    handler.send_response(200)
    handler.end_headers()
    handler.wfile.write(CALENDAR)


def _slow(handler: BaseHTTPRequestHandler) -> None:
    handler.server_state.release.wait(5)  # type: ignore[attr-defined]
    _calendar(handler)


def _trickle(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.end_headers()
    for _ in range(50):
        if handler.server_state.release.wait(0.1):  # type: ignore[attr-defined]
            return
        handler.wfile.write(b"X")
        handler.wfile.flush()


def _gzip(handler: BaseHTTPRequestHandler) -> None:
    body = gzip.compress(CALENDAR)
    _send(handler, body, Content_Encoding="gzip", Content_Length=str(len(body)))


def _gzip_bomb(handler: BaseHTTPRequestHandler) -> None:
    body = gzip.compress(b"\0" * (8 * 2**20))  # about 8 KB on the wire
    _send(handler, body, Content_Encoding="gzip")


def _gzip_broken(handler: BaseHTTPRequestHandler) -> None:
    _send(handler, b"this is not gzip at all", Content_Encoding="gzip")


def _auth(handler: BaseHTTPRequestHandler) -> None:
    expected = "Basic " + base64.b64encode(b"me:s3cret pass").decode()
    if handler.headers.get("Authorization") != expected:
        handler.send_error(401)
        return
    _send(handler, CALENDAR)


def _error(code: int) -> Route:
    return lambda handler: handler.send_error(code)


ROUTES: dict[str, Route] = {
    "/cal.ics": _calendar,
    "/since.ics": _since,
    "/missing.ics": _error(404),
    "/boom.ics": _error(500),
    "/redirect": _redirect_to("/cal.ics"),
    "/redirect-ftp": _redirect_to("ftp://127.0.0.1/cal.ics"),
    "/redirect-file": _redirect_to("file:///etc/passwd"),
    "/big": _big,
    "/big-declared": _big_declared,
    "/small": _unsized,
    "/slow": _slow,
    "/trickle": _trickle,
    "/gzip": _gzip,
    "/gzip-bomb": _gzip_bomb,
    "/gzip-broken": _gzip_broken,
    "/auth": _auth,
    "/auth-same-host": _redirect_to("/auth"),
    PRIVATE_PATH: _error(404),
}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    # A developer's proxy settings must not send 127.0.0.1 elsewhere.
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    srv = Server()
    thread = threading.Thread(target=srv.httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.release.set()
        srv.httpd.shutdown()
        srv.httpd.server_close()
        thread.join(5)


def test_200_returns_body_and_validators(server: Server) -> None:
    seen: list[tuple[int, int | None]] = []
    got = fetch(f"{server.base}/cal.ics", progress=lambda n, total: seen.append((n, total)))
    assert got.data == CALENDAR
    assert got.etag == ETAG
    assert got.last_modified == LAST_MODIFIED
    assert not got.not_modified
    assert seen and seen[-1] == (len(CALENDAR), len(CALENDAR))
    assert server.seen_headers[-1]["User-Agent"] == USER_AGENT


def test_304_with_etag_is_not_modified(server: Server) -> None:
    got = fetch(f"{server.base}/cal.ics", etag=ETAG)
    assert got.not_modified
    assert got.data == b""
    assert got.etag == ETAG
    assert server.seen_headers[-1]["If-None-Match"] == ETAG


def test_304_with_last_modified(server: Server) -> None:
    got = fetch(f"{server.base}/since.ics", last_modified=LAST_MODIFIED)
    assert got.not_modified
    assert got.last_modified == LAST_MODIFIED  # kept from the caller when not resent
    assert fetch(f"{server.base}/since.ics").data == CALENDAR


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/missing.ics", "HTTP 404 Not Found."), ("/boom.ics", "HTTP 500 Internal Server Error.")],
)
def test_http_errors_are_one_sentence(server: Server, path: str, expected: str) -> None:
    with pytest.raises(FetchError) as caught:
        fetch(server.base + path)
    assert str(caught.value) == f"Could not fetch {server.base}{path}: {expected}"
    assert caught.value.status == int(expected.split()[1])


def test_follows_redirects(server: Server) -> None:
    assert fetch(f"{server.base}/redirect").data == CALENDAR
    assert fetch(f"{server.base}/hops/5").data == CALENDAR


def test_more_than_five_redirects_is_an_error(server: Server) -> None:
    with pytest.raises(FetchError, match="redirected more than 5 times"):
        fetch(f"{server.base}/hops/6")


@pytest.mark.parametrize("path", ["/redirect-ftp", "/redirect-file"])
def test_redirect_away_from_http_is_refused(server: Server, path: str) -> None:
    with pytest.raises(FetchError, match="not http or https") as caught:
        fetch(server.base + path)
    assert "passwd" not in str(caught.value)


def test_body_over_the_cap_is_refused_while_streaming(server: Server) -> None:
    seen: list[int] = []
    with pytest.raises(FetchError, match=r"larger than the limit of 1 MB"):
        fetch(f"{server.base}/big", max_bytes=2**20, progress=lambda n, _t: seen.append(n))
    assert max(seen) <= 2**20 + 65536  # stopped reading soon after the cap


def test_declared_oversize_is_refused_before_reading(server: Server) -> None:
    with pytest.raises(FetchError, match="larger than the limit"):
        fetch(f"{server.base}/big-declared", max_bytes=2**20)


def test_body_exactly_within_the_cap_is_fine(server: Server) -> None:
    assert fetch(f"{server.base}/small", max_bytes=len(CALENDAR)).data == CALENDAR
    with pytest.raises(FetchError, match="larger than the limit"):
        fetch(f"{server.base}/small", max_bytes=len(CALENDAR) - 1)


def test_slow_server_times_out(server: Server) -> None:
    began = time.monotonic()
    with pytest.raises(FetchError, match=r"no answer within 0\.5 s"):
        fetch(f"{server.base}/slow", timeout=0.5)
    assert time.monotonic() - began < 3


def test_trickling_server_hits_the_total_timeout(server: Server) -> None:
    began = time.monotonic()
    with pytest.raises(FetchError, match="took too long"):
        fetch(f"{server.base}/trickle", timeout=0.5, total_timeout=0.6)
    assert time.monotonic() - began < 3


def test_gzip_is_decoded(server: Server) -> None:
    got = fetch(f"{server.base}/gzip")
    assert got.data == CALENDAR
    assert "gzip" in server.seen_headers[-1]["Accept-Encoding"]


def test_gzip_bomb_is_capped_after_decompression(server: Server) -> None:
    with pytest.raises(FetchError, match="larger than the limit of 1 MB"):
        fetch(f"{server.base}/gzip-bomb", max_bytes=2**20)


def test_broken_gzip_is_a_clear_error(server: Server) -> None:
    with pytest.raises(FetchError, match="compressed response is damaged"):
        fetch(f"{server.base}/gzip-broken")


def test_credentials_in_url_become_basic_auth_and_never_show(server: Server) -> None:
    host = server.base.removeprefix("http://")
    assert fetch(f"http://me:s3cret%20pass@{host}/auth").data == CALENDAR
    with pytest.raises(FetchError) as caught:
        fetch(f"http://me:wrong@{host}/auth")
    assert "wrong" not in str(caught.value)
    assert "me:" not in str(caught.value)
    assert "HTTP 401" in str(caught.value)


def test_credentials_follow_a_redirect_only_on_the_same_host(server: Server) -> None:
    host = server.base.removeprefix("http://")
    assert fetch(f"http://me:s3cret%20pass@{host}/auth-same-host").data == CALENDAR
    with pytest.raises(FetchError, match="HTTP 401"):
        fetch(f"http://me:s3cret%20pass@{host}/auth-elsewhere")
    assert "Authorization" not in server.seen_headers[-1]


def test_error_text_never_shows_the_private_token(server: Server) -> None:
    host = server.base.removeprefix("http://")
    url = f"http://user:hunter2@{host}{PRIVATE_PATH}?key=supersecret"
    with pytest.raises(FetchError) as caught:
        fetch(url)
    text = str(caught.value)
    assert text == f"Could not fetch http://{host}/…/private-••••/basic.ics?…: HTTP 404 Not Found."
    for secret in (TOKEN, "hunter2", "supersecret", "someone"):
        assert secret not in text
    assert caught.value.url == f"http://{host}/…/private-••••/basic.ics?…"


def test_connection_refused_is_one_sentence(server: Server) -> None:
    port = server.httpd.server_port
    server.httpd.shutdown()
    server.httpd.server_close()
    with pytest.raises(FetchError, match=r"connection was refused\.$"):
        fetch(f"http://127.0.0.1:{port}/cal.ics", timeout=2)


# --- pure helpers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("webcal://example.com/cal.ics", "https://example.com/cal.ics"),
        ("WEBCAL://example.com/a/b.ics?x=1", "https://example.com/a/b.ics?x=1"),
        ("webcals://example.com/cal.ics", "https://example.com/cal.ics"),
        ("http://example.com/cal.ics", "http://example.com/cal.ics"),
        ("  HTTPS://example.com/cal.ics ", "https://example.com/cal.ics"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    "url", ["ftp://example.com/cal.ics", "file:///tmp/cal.ics", "javascript:alert(1)", "https:///x"]
)
def test_normalize_url_refuses_other_schemes(url: str) -> None:
    with pytest.raises(FetchError, match=r"^Cannot fetch .*\.$"):
        normalize_url(url)


def test_webcal_is_fetched_over_https(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []

    def fake_open(self: object, request: object, timeout: float) -> object:
        opened.append(request.full_url)  # type: ignore[attr-defined]
        raise OSError(111, "Connection refused")

    monkeypatch.setattr("urllib.request.OpenerDirector.open", fake_open)
    with pytest.raises(FetchError):
        fetch("webcal://calendar.example.com/team.ics")
    assert opened == ["https://calendar.example.com/team.ics"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"https://calendar.google.com/calendar/ical/me%40gmail.com/private-{TOKEN}/basic.ics",
            "https://calendar.google.com/…/private-••••/basic.ics",
        ),
        ("https://example.com/cal.ics", "https://example.com/cal.ics"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com", "https://example.com/"),
        (
            "https://u:p@example.com:8443/a/b/team.ics?token=abc",
            "https://example.com:8443/…/team.ics?…",
        ),
        (
            "webcal://p52-caldav.icloud.com/published/2/MTIzNDU2Nzg5MDEyMzQ1Njc4OTAx",
            "webcal://p52-caldav.icloud.com/…/••••",
        ),
        (
            "https://example.com/feeds/my-team-calendar.ics",
            "https://example.com/…/my-team-calendar.ics",
        ),
        ("https://example.com/feeds/a1b2c3d4e5f6a7b8c9d0.ics", "https://example.com/…/••••.ics"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://example.com/cal.ics", True),
        ("webcal://example.com/cal.ics", True),
        ("ftp://example.com/cal.ics", True),  # a URL, refused later with a clear message
        ("work.ics", False),
        ("/home/me/work.ics", False),
        ("C:\\Users\\me\\work.ics", False),
        ("./http:/x.ics", False),
    ],
)
def test_is_url(text: str, expected: bool) -> None:
    assert is_url(text) is expected
