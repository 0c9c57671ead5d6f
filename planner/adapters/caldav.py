"""One CalDAV calendar collection on a server, through the `caldav` library.

A thin adapter: it lists what changed on the server since the last sync (RFC 6578
sync-token where the server has it, else the collection's ctag and the members' etags),
downloads only the changed resources (calendar-multiget, in batches), and writes single
resources with ``If-None-Match: *`` (new) or ``If-Match: <etag>`` (changed, deleted) so
no one else's change is ever overwritten. It knows nothing about blocks: resources go
in and out as iCalendar text.

Every failure a user can meet (server unreachable, timeout, 401/403, 5xx, an answer
that is not CalDAV XML) becomes a ``CalDAVError`` whose message is one sentence naming
the calendar and the cause. The password is held in memory only.

Hrefs are kept as unquoted paths (``/alice/work/ev 1.ics``): servers disagree on what
they percent-encode, so the unquoted path is the one spelling that compares equal.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

import caldav
import niquests
from caldav.elements import cdav, dav
from caldav.elements.base import ValuedBaseElement
from caldav.lib import error as caldav_error
from lxml import etree

TIMEOUT_SECONDS = 30
# One request (connect, headers and body) may take this many read timeouts in all, as
# for a calendar URL: a server that sends a byte before each read timeout is cut off.
TOTAL_TIMEOUTS = 6
MULTIGET_BATCH = 200  # resources per calendar-multiget REPORT
MAX_SYNC_PAGES = 100  # truncated sync-collection replies followed (RFC 6578 §3.6)
SYNC_TOKEN = "sync-token"
CTAG = "ctag"
_CALENDAR_TYPE = "text/calendar; charset=utf-8"
_PATH_SAFE = "/@:+,;=!$&'()*~"  # left as they are when an href is quoted for the wire
_AUTH_NAMES = {"HTTPBasicAuth": "basic", "HTTPDigestAuth": "digest", "HTTPBearerAuth": "bearer"}

# The library logs every odd answer at INFO or above; the user gets our one sentence.
logging.getLogger("caldav").setLevel(logging.CRITICAL)


class GetCTag(ValuedBaseElement):
    """CalendarServer's collection tag: changes whenever any member changes."""

    tag = "{http://calendarserver.org/ns/}getctag"


class CalDAVError(Exception):
    """The server could not be used; the message is one sentence for the user.

    ``kind`` sorts failures for someone told about them over and over (an app syncing
    every few minutes): "offline" (no answer: no network, server down, timeout), "auth"
    (401/403), "server" (5xx, an answer that is not CalDAV, a missing calendar) or
    "failed" (anything else)."""

    def __init__(self, message: str, kind: str = "failed") -> None:
        super().__init__(message)
        self.kind = kind


class PreconditionFailed(CalDAVError):
    """If-Match / If-None-Match did not hold: someone else changed the resource."""


class Refused(CalDAVError):
    """The server refused one resource (4xx): that event, not the whole sync."""


class NotACalendar(CalDAVError):
    """The URL is a server, principal or other collection, not a calendar."""

    def __init__(self, message: str, calendars: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.calendars = calendars  # (display name, url) found below the URL


@dataclass(frozen=True)
class Resource:
    """One calendar object resource: its href (unquoted path), etag and iCalendar text."""

    href: str
    etag: str
    data: str


@dataclass
class PullResult:
    """What changed on the server since the state the caller passed in."""

    method: str  # SYNC_TOKEN or CTAG: how the server was asked
    token: str | None  # the new sync-token (sync-token method)
    ctag: str | None  # the new collection tag (ctag method)
    changed: list[Resource] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # hrefs gone from the server
    listed: int = 0  # members the server reported (changed or not)


def href_key(href: str) -> str:
    """The comparable spelling of an href or URL: its unquoted path."""
    return unquote(urlsplit(href).path)


def resource_href(collection_url: str, uid: str) -> str:
    """Where a new resource for ``uid`` goes: ``<collection>/<uid>.ics``, unquoted."""
    safe = "".join(ch if ch.isalnum() or ch in "-_.@" else "-" for ch in uid)[:120]
    return href_key(collection_url).rstrip("/") + "/" + (safe or "event") + ".ics"


def _within_deadline(request: Callable[..., Any], seconds: float) -> Callable[..., Any]:
    """``request`` with one deadline over connect, headers and body.

    The HTTP stack bounds each read, not the whole answer. The request runs on a daemon
    thread that is given up on at the deadline (it ends when the server stops or the
    process exits); the caller gets ``TimeoutError``, one sentence like any timeout.
    """

    def bounded(*args: Any, **kwargs: Any) -> Any:
        outcome: list[tuple[bool, Any]] = []

        def call() -> None:
            try:
                outcome.append((True, request(*args, **kwargs)))
            except BaseException as exc:  # handed to the caller's thread as it is
                outcome.append((False, exc))

        worker = threading.Thread(target=call, name="caldav-request", daemon=True)
        worker.start()
        worker.join(seconds)
        if not outcome:
            raise TimeoutError(f"no complete answer within {seconds:g} s")
        ok, value = outcome[0]
        if not ok:
            raise value
        return value

    return bounded


class Connection:
    """A session with one calendar collection; count of requests kept for benchmarks."""

    def __init__(self, name: str, url: str, *, username: str | None = None,
                 password: str | None = None, auth_type: str | None = None,
                 timeout: float = TIMEOUT_SECONDS) -> None:
        self.name = name
        self.url = url if url.endswith("/") else url + "/"
        self.requests = 0
        split = urlsplit(self.url)
        self._origin = f"{split.scheme}://{split.netloc}"
        self._host = split.hostname or split.netloc
        try:
            self.client = caldav.DAVClient(
                url=self.url, username=username or None, password=password,
                auth_type=auth_type if username else None, timeout=timeout,
                enable_rfc6764=False)
        except Exception as exc:  # a URL the library cannot even parse
            raise CalDAVError(f"{name}: {url!r} is not a usable CalDAV URL ({exc}).") from exc
        self.client.session.hooks.setdefault("response", []).append(self._count)
        session = self.client.session
        session.request = _within_deadline(
            session.request, TOTAL_TIMEOUTS * timeout)

    def _count(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        self.requests += 1
        return response

    @property
    def auth_type(self) -> str | None:
        """The scheme negotiated with the server, to send it up front next time."""
        return _AUTH_NAMES.get(type(self.client.auth).__name__)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- discovery --------------------------------------------------------------------

    def check_calendar(self) -> str:
        """The collection's display name; NotACalendar (listing those found) otherwise."""
        with self._errors("reading"):
            response = self.client.propfind(self.url, _propfind_body(
                [dav.ResourceType(), dav.DisplayName()]), depth=0)
            self._expect_multistatus(response)
        props = _props_by_href(response)
        mine = props.get(href_key(self.url).rstrip("/") + "/") or next(iter(props.values()), {})
        kinds = mine.get(dav.ResourceType.tag) or []
        if cdav.Calendar.tag in kinds:
            return str(mine.get(dav.DisplayName.tag) or "") or href_key(self.url)
        found = self.discover()
        where = "; ".join(f"{n} ({u})" for n, u in found) or "none"
        raise NotACalendar(f"{self.name}: {self.url} is not a calendar collection; calendars "
                           f"found there: {where}. Give one of those URLs.", found)

    def discover(self) -> list[tuple[str, str]]:
        """Calendars reachable from the URL taken as a server or principal URL."""
        with self._errors("discovering calendars at"):
            try:
                principal = self.client.principal()
                calendars = principal.calendars()
            except (caldav_error.DAVError, KeyError, ValueError, AttributeError):
                calendars = caldav.Calendar(client=self.client, url=self.url).children()
                calendars = [c for c in calendars if isinstance(c, caldav.Calendar)]
            found = []
            for cal in calendars:
                try:
                    label = cal.get_display_name() or ""
                except caldav_error.DAVError:
                    label = ""
                found.append((label or href_key(str(cal.url)).rstrip("/").rsplit("/", 1)[-1],
                              str(cal.url)))
        return found

    # -- reading ----------------------------------------------------------------------

    def pull(self, *, method: str | None, token: str | None, ctag: str | None,
             known: Mapping[str, str]) -> PullResult:
        """What changed since ``token``/``ctag``, given the etags ``known`` by href.

        ``method`` is how the server was asked last time (None: try sync-token first and
        fall back to etags if the server has no RFC 6578). Changed resources come with
        their data; deleted ones as hrefs.
        """
        if method in (None, SYNC_TOKEN):
            try:
                return self._pull_by_token(token, known)
            except _NoSyncReport:
                pass
        return self._pull_by_ctag(ctag, known)

    def _pull_by_token(self, token: str | None, known: Mapping[str, str]) -> PullResult:
        listed: dict[str, str] = {}
        deleted: set[str] = set()
        start_token = token
        for _ in range(MAX_SYNC_PAGES):
            try:
                page = self._sync_page(token)
            except _TokenExpired:
                if token is None:
                    raise _NoSyncReport() from None
                # The server forgot our token: list everything and compare etags.
                start_token, token, listed, deleted = None, None, {}, set()
                continue
            for href in page.deleted:
                deleted.add(href_key(href))
                listed.pop(href_key(href), None)
            for item in page.changed:
                key = href_key(item.href)
                if key.rstrip("/") == href_key(self.url).rstrip("/"):
                    continue  # the collection itself
                listed[key] = item.etag or ""
                deleted.discard(key)
            new_token = page.sync_token
            if not page.truncated or not new_token or new_token == token:
                token = new_token
                break
            token = new_token
        if start_token is None:
            # A full listing: whatever we knew and the server no longer lists is gone.
            deleted |= {href for href in known if href not in listed}
        wanted = [h for h, etag in listed.items() if not etag or known.get(h) != etag]
        return PullResult(SYNC_TOKEN, token, None, self.fetch(wanted),
                          sorted(h for h in deleted if h in known), len(listed))

    def _sync_page(self, token: str | None) -> Any:
        body = _xml(dav.SyncCollection().append([
            dav.SyncToken(value=token or ""), dav.SyncLevel(value="1"),
            dav.Prop().append(dav.GetEtag())]))
        with self._errors("syncing"):
            try:
                response = self.client.report(self.url, body, depth=1)
            except caldav_error.AuthorizationError as exc:
                if dav.ValidSyncToken.tag in exc.preconditions:
                    raise _TokenExpired() from exc
                if dav.SupportedReport.tag in exc.preconditions:
                    raise _NoSyncReport() from exc
                raise
            if response.status in (409, 412) or (
                    response.status == 403 and _mentions(response, "valid-sync-token")):
                raise _TokenExpired()
            if response.status in (400, 403, 405, 415, 501):
                raise _NoSyncReport()
            self._expect_multistatus(response)
            return response.parse_sync_collection()

    def _pull_by_ctag(self, ctag: str | None, known: Mapping[str, str]) -> PullResult:
        with self._errors("syncing"):
            response = self.client.propfind(self.url, _propfind_body([GetCTag()]), depth=0)
            self._expect_multistatus(response)
        current = next(iter(_props_by_href(response).values()), {}).get(GetCTag.tag)
        current = str(current) if current else None
        if ctag is not None and current == ctag:
            return PullResult(CTAG, None, current, listed=len(known))
        with self._errors("syncing"):
            response = self.client.propfind(self.url, _propfind_body([dav.GetEtag(),
                                                                      dav.ResourceType()]),
                                            depth=1)
            self._expect_multistatus(response)
        listed = {}
        own = href_key(self.url).rstrip("/")
        for href, props in _props_by_href(response).items():
            if href.rstrip("/") == own or dav.Collection.tag in (
                    props.get(dav.ResourceType.tag) or []):
                continue
            listed[href] = str(props.get(dav.GetEtag.tag) or "")
        wanted = [h for h, etag in listed.items() if not etag or known.get(h) != etag]
        deleted = sorted(h for h in known if h not in listed)
        return PullResult(CTAG, None, current, self.fetch(wanted), deleted, len(listed))

    def fetch(self, hrefs: list[str]) -> list[Resource]:
        """Download resources by href, ``MULTIGET_BATCH`` per request; missing ones skipped."""
        found: list[Resource] = []
        for start in range(0, len(hrefs), MULTIGET_BATCH):
            batch = hrefs[start:start + MULTIGET_BATCH]
            body = _xml(cdav.CalendarMultiGet().append([
                dav.Prop().append([dav.GetEtag(), cdav.CalendarData()]),
                *[dav.Href(value=quote(h, safe=_PATH_SAFE)) for h in batch]]))
            with self._errors("downloading from"):
                response = self.client.report(self.url, body, depth=None)
                self._expect_multistatus(response)
                for item in response.parse_calendar_query():
                    if item.status == 404 or item.calendar_data is None:
                        continue
                    found.append(Resource(href_key(item.href), item.etag or "",
                                          item.calendar_data))
        return found

    def get(self, href: str) -> Resource | None:
        """One resource by href, or None if it is gone."""
        with self._errors("downloading from"):
            response = self.client.request(self._url(href), "GET", "")
            if response.status == 404:
                return None
            self._raise_for_status(response, "downloading from")
            data = response.raw  # the body as text (caldav decodes non-XML bodies as they came)
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
        return Resource(href_key(href), str(response.headers.get("ETag") or ""), text)

    # -- writing ----------------------------------------------------------------------

    def create(self, href: str, data: str) -> str:
        """PUT a new resource (If-None-Match: *); its new etag ("" if the server gave none)."""
        return self._put(href, data, {"If-None-Match": "*"})

    def update(self, href: str, data: str, etag: str) -> str:
        """PUT over the version with ``etag`` (If-Match); its new etag."""
        return self._put(href, data, {"If-Match": etag} if etag else {"If-Match": "*"})

    def delete(self, href: str, etag: str) -> None:
        """DELETE the version with ``etag``; already gone counts as done."""
        with self._errors("deleting from"):
            response = self.client.delete(self._url(href),
                                          {"If-Match": etag} if etag else {})
            if response.status == 404:
                return
            if response.status == 412:
                raise PreconditionFailed(f"{self.name}: {href} changed on the server.")
            self._raise_for_status(response, "deleting from")

    def _put(self, href: str, data: str, headers: dict[str, str]) -> str:
        with self._errors("writing to"):
            response = self.client.put(self._url(href), data,
                                       {**headers, "Content-Type": _CALENDAR_TYPE})
            if response.status == 412:
                raise PreconditionFailed(f"{self.name}: {href} changed on the server.")
            self._raise_for_status(response, "writing to")
        return str(response.headers.get("ETag") or "")

    # -- plumbing ---------------------------------------------------------------------

    def _url(self, href: str) -> str:
        return urljoin(self._origin, quote(href, safe=_PATH_SAFE))

    def _expect_multistatus(self, response: Any) -> None:
        self._raise_for_status(response, "reading")
        if response.tree is None or not str(response.tree.tag).endswith("multistatus"):
            raise CalDAVError(f"{self.name}: the server at {self._host} answered with "
                              "something that is not CalDAV XML (is the URL right?).",
                              "server")

    def _raise_for_status(self, response: Any, doing: str) -> None:
        status = int(response.status)
        if status in (401, 403):
            raise CalDAVError(_auth_message(self.name, self._host, status), "auth")
        if status == 404:
            raise CalDAVError(f"{self.name}: {self.url} was not found on the server (404).",
                              "server")
        if status >= 500:
            raise CalDAVError(f"{self.name}: the server at {self._host} failed while "
                              f"{doing} it (HTTP {status}); try again later.", "server")
        if status >= 400:
            raise Refused(f"{self.name}: the server at {self._host} refused "
                          f"{doing} it (HTTP {status}).")

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn what the HTTP stack or the library raises into one CalDAVError sentence."""
        host = self._host
        try:
            yield
        except (CalDAVError, _NoSyncReport, _TokenExpired):
            raise
        except caldav_error.AuthorizationError as exc:
            status = getattr(exc, "status", None)
            raise CalDAVError(_auth_message(self.name, host, status if isinstance(
                status, int) else 401), "auth") from exc
        except (niquests.exceptions.Timeout, TimeoutError) as exc:
            raise CalDAVError(f"{self.name}: the server at {host} did not answer in time "
                              f"while {doing} it (timeout).", "offline") from exc
        except (niquests.exceptions.ConnectionError, ConnectionError) as exc:
            raise CalDAVError(f"{self.name}: cannot reach the server at {host} "
                              "(connection refused or no network).", "offline") from exc
        except etree.LxmlError as exc:
            raise CalDAVError(f"{self.name}: the server at {host} answered with "
                              "something that is not CalDAV XML (is the URL right?).",
                              "server") from exc
        except caldav_error.DAVError as exc:
            status = getattr(exc, "status", None)
            if isinstance(status, int) and status >= 500:
                raise CalDAVError(f"{self.name}: the server at {host} failed while "
                                  f"{doing} it (HTTP {status}); try again later.",
                                  "server") from exc
            raise CalDAVError(f"{self.name}: the server at {host} refused {doing} it "
                              f"({_short(exc)}).") from exc
        except (niquests.exceptions.RequestException, OSError) as exc:
            raise CalDAVError(f"{self.name}: talking to the server at {host} failed "
                              f"({type(exc).__name__}).", "offline") from exc


class _NoSyncReport(Exception):
    """The server has no RFC 6578 sync-collection report."""


class _TokenExpired(Exception):
    """The server no longer knows our sync-token."""


def _auth_message(name: str, host: str, status: int) -> str:
    if status == 403:
        return (f"{name}: the server at {host} refused access (403 Forbidden): this account "
                "may not read or write that calendar.")
    return (f"{name}: the server at {host} did not accept the username and password "
            "(401 Unauthorized); check --username and --password-command.")


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:120] or type(exc).__name__


def _mentions(response: Any, word: str) -> bool:
    raw = getattr(response, "_raw_body", b"") or b""
    return word.encode() in raw if isinstance(raw, bytes) else False


def _propfind_body(props: list[Any]) -> str:
    return _xml(dav.Propfind().append(dav.Prop().append(props)))


def _xml(root: Any) -> str:
    return etree.tostring(root.xmlelement(), encoding="utf-8",
                          xml_declaration=True).decode("utf-8")


def _props_by_href(response: Any) -> dict[str, dict[str, Any]]:
    """PROPFIND results as {unquoted href: {property tag: value}}."""
    found: dict[str, dict[str, Any]] = {}
    for result in response.parse_propfind():
        found[href_key(result.href)] = dict(result.properties)
    return found
