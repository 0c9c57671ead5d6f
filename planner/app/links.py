"""Linked calendars as data: list them, their status, unlink, put a block in one.

Nothing here talks to a server (that is ``planner.app.sync``), so the CLI's
`add --calendar`, `sync list` and the app's header never load the CalDAV library.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from planner.app.session import Session
from planner.core.errors import PlannerError
from planner.core.model import Block, Source

UID_DOMAIN = "@planner"  # as the iCalendar writer makes UIDs from block ids


@dataclass(frozen=True)
class LinkInfo:
    name: str
    url: str
    username: str | None
    sphere: str
    read_only: bool
    events: int
    pending: int
    last_sync: str | None  # ISO instant
    last_result: str | None
    ok: bool | None

    @property
    def shown_url(self) -> str:
        """The URL with any secret in it masked, for printing."""
        from planner.adapters.ical.addresses import redact_url

        return redact_url(self.url)


def unlink(session: Session, name: str) -> int:
    """Forget a linked calendar and its local copies; the server is untouched.

    Returns how many local changes had not been pushed (they are gone too).
    """
    link_of(session, name)
    dropped = len(session.store.pending_changes(name))
    with session.write():
        session.store.remove_calendar(name)
        session.invalidate()
    return dropped


def links(session: Session) -> list[LinkInfo]:
    found = []
    for name in session.store.calendar_names():
        meta = session.store.calendar_meta(name)
        link = meta.get("link")
        if not isinstance(link, dict):
            continue
        state = meta.get("sync") or {}
        found.append(LinkInfo(name, link.get("url", ""), link.get("username"),
                              meta.get("sphere", "work"), bool(link.get("read_only")),
                              session.store.calendar_size(name),
                              len(session.store.pending_changes(name)), state.get("at"),
                              state.get("result"), state.get("ok")))
    return found


def writable_names(session: Session) -> list[str]:
    """Linked calendars a new block may be added to (not read-only); meta only, cheap
    enough for each press of the app's add key."""
    found = []
    for name in session.store.calendar_names():
        link = session.store.calendar_meta(name).get("link")
        if isinstance(link, dict) and not link.get("read_only"):
            found.append(name)
    return found


def is_linked(session: Session, name: str) -> bool:
    return isinstance(session.store.calendar_meta(name).get("link"), dict)


def in_calendar(session: Session, block: Block, name: str) -> Block:
    """A new block made part of linked calendar NAME (`planner add --calendar NAME`)."""
    link = link_of(session, name)
    if link.get("read_only"):
        raise PlannerError(f"{name!r} is linked read-only; add the block on the server, or "
                           "link the calendar again without --read-only.")
    return replace(block, source=Source(name, f"{block.id}{UID_DOMAIN}"))


def add_to_linked(session: Session, block: Block, name: str, *, keep_sphere: bool) -> Block:
    """``block`` made part of linked calendar NAME, in the calendar's sphere unless
    the person chose one."""
    if not keep_sphere:
        block = replace(block, sphere=linked_sphere(session, name))
    return in_calendar(session, block, name)


def linked_sphere(session: Session, name: str) -> str:
    return str(session.store.calendar_meta(name).get("sphere") or "work")


def link_of(session: Session, name: str) -> dict[str, Any]:
    link = session.store.calendar_meta(name).get("link")
    if not isinstance(link, dict):
        linked = [i.name for i in links(session)]
        known = f"linked calendars: {', '.join(linked)}" if linked else \
            "no calendar is linked yet (`planner sync add NAME URL --sphere S`)"
        raise PlannerError(f"No linked calendar named {name!r}; {known}.")
    return link


def status_line(session: Session) -> str | None:
    """One short line for the app's header: when the last sync ran and how it went.

    A failing calendar shows since when it fails, which stays put while the same failure
    repeats (an app syncing every few minutes on a train): "offline since 08:30: Work"
    when no server answers, else "sync failed 08:30: Work — S to retry".
    Reads only the calendars' meta and queues (cheap: no event is counted or decoded).
    """
    linked = pending = 0
    failures: list[str] = []
    kinds: set[str] = set()
    latest: datetime | None = None
    since: datetime | None = None
    for name in session.store.calendar_names():
        meta = session.store.calendar_meta(name)
        if not isinstance(meta.get("link"), dict):
            continue
        linked += 1
        pending += len(session.store.pending_changes(name))
        state = meta.get("sync") or {}
        if state.get("at"):
            at = datetime.fromisoformat(state["at"])
            latest = at if latest is None else max(latest, at)
            if state.get("ok") is False:
                failures.append(name)
                kinds.add(str(state.get("kind") or "failed"))
                began = datetime.fromisoformat(state.get("since") or state["at"])
                since = began if since is None else min(since, began)
    if not linked:
        return None
    if latest is None:
        return "not synced yet"
    when = session.local(latest).strftime("%H:%M")
    if failures and since is not None:
        began_at = session.local(since).strftime("%H:%M")
        if kinds == {"offline"}:
            return f"offline since {began_at}: {', '.join(failures)}"
        return f"sync failed {began_at}: {', '.join(failures)} — S to retry"
    return f"synced {when}" + (f", {pending} to send" if pending else "")
