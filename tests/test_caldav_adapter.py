"""The CalDAV adapter against a real Radicale: discovery, incremental pulls, conditional
writes, and every fault turned into one sentence naming the calendar."""

from __future__ import annotations

import pytest

from planner.adapters.caldav import (
    CTAG,
    SYNC_TOKEN,
    CalDAVError,
    Connection,
    NotACalendar,
    PreconditionFailed,
    resource_href,
)
from tests.fake_servers import answering, silent, trickling
from tests.radicale_server import OTHER_PASSWORD, OTHER_USER, PASSWORD, USER


def event(uid: str, title: str = "Stand-up", day: int = 1) -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:202612{day:02d}T090000Z\r\n"
            f"DTEND:202612{day:02d}T093000Z\r\nSUMMARY:{title}\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n")


def connect(url: str, name: str = "Work", password: str = PASSWORD, **kw: object
            ) -> Connection:
    return Connection(name, url, username=USER, password=password, **kw)  # type: ignore[arg-type]


def test_check_calendar_names_it_and_a_principal_url_lists_calendars(radicale) -> None:
    url = radicale.make_calendar("team")
    with connect(url) as conn:
        assert conn.check_calendar() == "team"
    with connect(radicale.url + USER + "/", "Team") as conn, \
            pytest.raises(NotACalendar) as caught:
        conn.check_calendar()
    assert (("team", url) in caught.value.calendars)
    assert "is not a calendar collection" in str(caught.value)
    assert str(caught.value).startswith("Team: ")


@pytest.mark.parametrize("method", [SYNC_TOKEN, CTAG])
def test_pull_downloads_only_what_changed_and_unchanged_costs_one_request(
        radicale, method: str) -> None:
    url = radicale.make_calendar()
    with connect(url) as conn:
        hrefs = [resource_href(url, f"ev{n}") for n in range(5)]
        etags = [conn.create(h, event(f"ev{n}", day=n + 1)) for n, h in enumerate(hrefs)]
        first = conn.pull(method=method, token=None, ctag=None, known={})
        assert first.method == method
        assert sorted(r.href for r in first.changed) == sorted(hrefs)
        assert {r.href: r.etag for r in first.changed} == dict(zip(hrefs, etags, strict=True))
        known = {r.href: r.etag for r in first.changed}

        before = conn.requests
        again = conn.pull(method=method, token=first.token, ctag=first.ctag, known=known)
        assert (again.changed, again.deleted) == ([], [])
        assert conn.requests - before == 1

        conn.update(hrefs[1], event("ev1", "Moved"), known[hrefs[1]])
        conn.delete(hrefs[2], known[hrefs[2]])
        later = conn.pull(method=method, token=first.token, ctag=first.ctag, known=known)
        assert [r.href for r in later.changed] == [hrefs[1]]
        assert "SUMMARY:Moved" in later.changed[0].data
        assert later.deleted == [hrefs[2]]


def test_a_forgotten_sync_token_falls_back_to_a_full_listing(radicale) -> None:
    url = radicale.make_calendar()
    with connect(url) as conn:
        href = resource_href(url, "a")
        etag = conn.create(href, event("a"))
        gone = resource_href(url, "gone")
        result = conn.pull(method=SYNC_TOKEN, token="http://radicale.org/ns/sync/0000",
                           ctag=None, known={href: etag, gone: '"x"'})
        assert result.changed == [] and result.deleted == [gone]
        assert result.token and result.token.startswith("http://radicale.org/ns/sync/")


def test_conditional_writes_never_overwrite_someone_elses_change(radicale) -> None:
    url = radicale.make_calendar()
    with connect(url) as conn:
        href = resource_href(url, "x@planner")
        first = conn.create(href, event("x@planner"))
        with pytest.raises(PreconditionFailed):
            conn.create(href, event("x@planner", "Again"))
        second = conn.update(href, event("x@planner", "Edited"), first)
        with pytest.raises(PreconditionFailed):
            conn.update(href, event("x@planner", "Stale"), first)
        with pytest.raises(PreconditionFailed):
            conn.delete(href, first)
        fetched = conn.get(href)
        assert fetched is not None and "SUMMARY:Edited" in fetched.data
        assert fetched.etag == second
        conn.delete(href, second)
        assert conn.get(href) is None
        conn.delete(href, second)  # already gone: done, not an error


def test_wrong_password_is_one_sentence_naming_the_calendar(radicale) -> None:
    url = radicale.make_calendar()
    with connect(url, password="wrong") as conn, pytest.raises(CalDAVError) as caught:
        conn.pull(method=None, token=None, ctag=None, known={})
    assert str(caught.value).startswith("Work: ")
    assert "401" in str(caught.value) and "password" in str(caught.value)
    assert caught.value.kind == "auth"


def test_someone_elses_calendar_is_refused_as_forbidden(radicale) -> None:
    url = radicale.make_calendar(user=OTHER_USER, password=OTHER_PASSWORD)
    with connect(url) as conn, pytest.raises(CalDAVError) as caught:
        conn.pull(method=None, token=None, ctag=None, known={})
    assert "403" in str(caught.value)


def test_unreachable_server() -> None:
    from tests.radicale_server import free_port

    with connect(f"http://127.0.0.1:{free_port()}/alice/work/") as conn, \
            pytest.raises(CalDAVError) as caught:
        conn.pull(method=None, token=None, ctag=None, known={})
    assert str(caught.value) == ("Work: cannot reach the server at 127.0.0.1 "
                                 "(connection refused or no network).")
    assert caught.value.kind == "offline"


def test_a_server_that_never_answers_times_out() -> None:
    with silent() as url, connect(url, timeout=0.5) as conn, \
            pytest.raises(CalDAVError) as caught:
        conn.pull(method=None, token=None, ctag=None, known={})
    assert "did not answer in time" in str(caught.value)
    assert caught.value.kind == "offline"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("call", ["check", "pull", "get"])
def test_a_server_trickling_its_answer_hits_the_total_deadline(call: str) -> None:
    """Issue #18.15: a server that sends a byte of its headers before every read timeout
    kept `planner sync` waiting forever; one deadline covers connect, headers and body."""
    with trickling() as url, connect(url.rsplit("/", 1)[0] + "/", timeout=0.5) as conn, \
            pytest.raises(CalDAVError) as caught:
        if call == "check":
            conn.check_calendar()
        elif call == "pull":
            conn.pull(method=None, token=None, ctag=None, known={})
        else:
            conn.get("event.ics")
    assert "did not answer in time" in str(caught.value)
    assert str(caught.value).count("\n") == 0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(status: int) -> None:
    with answering(status, b"oops", "text/plain") as url, connect(url) as conn, \
            pytest.raises(CalDAVError) as caught:
        conn.pull(method=None, token=None, ctag=None, known={})
    assert str(caught.value).startswith("Work: the server at 127.0.0.1 failed")
    assert f"HTTP {status}" in str(caught.value)
    assert caught.value.kind == "server"


@pytest.mark.parametrize(("body", "kind"), [
    (b"<html><body>Welcome to our portal</body></html>", "text/html"),
    (b"\x00\x01garbage that is no xml at all", "text/xml"),
    (b"<?xml version='1.0'?><nope/>", "text/xml"),
])
def test_garbage_instead_of_xml(body: bytes, kind: str) -> None:
    with answering(207, body, kind) as url, connect(url) as conn, \
            pytest.raises(CalDAVError) as caught:
        conn.pull(method=None, token=None, ctag=None, known={})
    assert "not CalDAV XML" in str(caught.value)
    assert str(caught.value).startswith("Work: ")
