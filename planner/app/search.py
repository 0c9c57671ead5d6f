"""Search across every calendar (`planner search`, the app's `/`): title, location and
notes, any case, results by date.

A ``Searcher`` reads the raw stored documents once into one line of folded text per
block (nothing is decoded), so a keystroke costs a scan of short strings; a query that
extends the last one only looks again at what the last one found. Only the blocks that
match are decoded, and a series is expanded just for the dates asked about.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from planner.app.session import Session
from planner.core.errors import PlannerError
from planner.core.model import Block, Occurrence
from planner.core.moments import as_aware
from planner.core.recurrence import occurrences
from planner.core.search import Haystack, haystack_of, matching, query_words

# Days back and ahead the app's list widens through; the last is a search's default range.
NEAR_WINDOWS = ((14, 28), (56, 112), (182, 366), (365, 366))
DEFAULT_BACK = timedelta(days=NEAR_WINDOWS[-1][0])  # without --from/--to: a year back
DEFAULT_AHEAD = timedelta(days=NEAR_WINDOWS[-1][1])  # and a year ahead


@dataclass(frozen=True)
class _Row:
    block_id: str
    series: tuple[str, str] | None  # the series a master or an override belongs to
    hay: Haystack
    # The stored start and end text of a single block (UTC ISO, or a date): enough to
    # leave out what lies outside a window without decoding it. "" = no time (a task
    # not planned yet), never in a window.
    start: str = ""
    end: str = ""


class Searcher:
    """Incremental search over one session's blocks; rebuilt when the data changed."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: list[_Row] | None = None
        self._members: dict[tuple[str, str], list[str]] = {}
        self._built_at: tuple[int, int] = (-1, -1)
        self._last: tuple[tuple[str, ...], list[_Row]] | None = None
        # The app asks from job threads; a newer keystroke's job may start before an
        # older one ends.
        self._lock = threading.Lock()

    # -- the index --------------------------------------------------------------------

    def _index(self) -> list[_Row]:
        stamp = (self.session.revision, self.session.store.generation)
        if self._rows is None or stamp != self._built_at:
            rows: list[_Row] = []
            members: dict[tuple[str, str], list[str]] = {}
            hidden = self.session.hidden_calendars()
            for doc in self.session.store.all_docs():
                source = doc.get("source") or {}
                if source.get("calendar") in hidden:
                    continue
                series = None
                if source.get("recurrence_id") or "recurrence" in doc:
                    series = (source.get("calendar", ""), source["uid"]) if source.get(
                        "uid") else ("", doc["id"])
                    members.setdefault(series, []).append(doc["id"])
                start, end = _span_text(doc)
                rows.append(_Row(doc["id"], series, haystack_of(
                    doc.get("title", ""), doc.get("location", ""), doc.get("notes", "")),
                    start, end))
            self._rows, self._members, self._built_at = rows, members, stamp
            self._last = None
        return self._rows

    def _matching(self, words: tuple[str, ...]) -> list[_Row]:
        rows = self._index()
        if self._last is not None and _narrows(self._last[0], words):
            rows = self._last[1]  # typing on: only what already matched can match
        found = [r for r in rows if matching(r.hay, words)]
        self._last = (words, found)
        return found

    # -- answering --------------------------------------------------------------------

    def find(self, text: str, first: date | None = None, last: date | None = None,
             limit: int | None = None) -> list[Occurrence]:
        """Occurrences of matching blocks from ``first`` to ``last`` (inclusive), by date."""
        words = query_words(text)
        if not words:
            raise PlannerError("Type something to search for.")
        session = self.session
        today = session.today()
        first = first or today - DEFAULT_BACK
        last = last or today + DEFAULT_AHEAD
        if last < first:
            raise PlannerError(f"--to {last} is before --from {first}.")
        with self._lock:
            return self._between_days(self._matching(words), first, last, limit)

    def find_near(self, text: str, day: date, *, before: int, after: int
                  ) -> tuple[list[Occurrence], bool]:
        """Up to ``before`` matches before ``day`` and ``after`` from it, nearest first
        (the app's list), and whether there are more within a year either way. Windows
        widen from a few weeks until enough were found, so a common word costs what is
        shown, not every match of two years."""
        words = query_words(text)
        if not words:
            raise PlannerError("Type something to search for.")
        with self._lock:
            rows = self._matching(words)
            found: list[Occurrence] = []
            for back, ahead in NEAR_WINDOWS:
                first, last = day - timedelta(days=back), day + timedelta(days=ahead)
                found = self._between_days(rows, first, last, None)
                past = sum(1 for o in found if _day(self.session, o) < day)
                if past >= before and len(found) - past >= after:
                    break
            past_items = [o for o in found if _day(self.session, o) < day]
            later = found[len(past_items):]
            more = len(past_items) > before or len(later) > after
            return past_items[-before:] + later[:after] if before else later[:after], more

    def _between_days(self, rows: list[_Row], first: date, last: date, limit: int | None
                      ) -> list[Occurrence]:
        session = self.session
        start, end = session.day_start(first), session.day_start(last + timedelta(days=1))
        low = (first - timedelta(days=2)).isoformat()  # stored text is UTC: a day of slack
        high = (last + timedelta(days=2)).isoformat()
        singles = [r.block_id for r in rows if r.series is None and r.start
                   and r.start <= high and r.end >= low]
        series = {r.series for r in rows if r.series is not None}
        wanted = {r.block_id for r in rows}
        found: list[Occurrence] = []
        blocks = [b for b in map(session.store.get, singles) if b is not None]
        found += _between(session, blocks, start, end)
        for key in sorted(series):
            members = [b for b in map(session.store.get, self._members.get(key, []))
                       if b is not None]
            found += [o for o in occurrences(members, start, end, session.zone)
                      if o.block.id in wanted]
        found.sort(key=lambda o: (as_aware(o.start, session.zone), o.title.casefold(),
                                  o.block.id, o.chunk or 0))
        return found[:limit] if limit is not None else found


def _day(session: Session, occ: Occurrence) -> date:
    if isinstance(occ.start, datetime):
        return session.local(occ.start).date()
    return occ.start


def _span_text(doc: dict[str, object]) -> tuple[str, str]:
    """A single block's stored start and end text (its planned span if flexible)."""
    if doc.get("kind", "fixed") == "flexible":
        planned = doc.get("planned") or []
        if not isinstance(planned, list) or not planned:
            return "", ""
        return str(planned[0][0]), str(planned[-1][1])
    return str(doc.get("start", "")), str(doc.get("end", doc.get("start", "")))


def search(session: Session, text: str, first: date | None = None,
           last: date | None = None) -> list[Occurrence]:
    return Searcher(session).find(text, first, last)


def _between(session: Session, blocks: Iterable[Block], start: datetime, end: datetime
             ) -> list[Occurrence]:
    fixed = [b for b in blocks if b.is_fixed]
    found = occurrences(fixed, start, end, session.zone)
    for block in blocks:
        if block.is_flexible:
            for n, (s, e) in enumerate(block.planned):
                if s < end and e > start:
                    found.append(Occurrence(block, s, e,
                                            chunk=n if len(block.planned) > 1 else None))
    return found


def _narrows(before: tuple[str, ...], now: tuple[str, ...]) -> bool:
    """Whether every block matching ``now`` also matched ``before`` (words only grew)."""
    return len(now) >= len(before) and all(b in n for b, n in zip(before, now, strict=False))

