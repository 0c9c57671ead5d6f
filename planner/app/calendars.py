"""The imported calendars and subscriptions: what there is, where it came from."""

from __future__ import annotations

from dataclasses import dataclass

from planner.adapters.ical.fetch import redact_url
from planner.app.session import Session


@dataclass(frozen=True)
class CalendarInfo:
    name: str
    sphere: str
    events: int
    origin: str  # the file it was imported from, or the URL with secrets masked
    imported_at: str | None  # ISO 8601 (UTC) of the last import or refresh


def list_calendars(session: Session) -> list[CalendarInfo]:
    store = session.store
    found = []
    for name in store.calendar_names():
        meta = store.calendar_meta(name)
        origin = redact_url(meta["url"]) if meta.get("url") else meta.get("path", "")
        found.append(CalendarInfo(name=name, sphere=meta.get("sphere", "work"),
                                  events=store.calendar_size(name), origin=origin,
                                  imported_at=meta.get("imported_at")))
    return found
