"""How stored documents write moments: ``moment_to_text`` formats the fields at once,
and must write exactly what isoformat always wrote (stored files compare by bytes:
an unchanged re-import, a day index stamp, a sync's digest)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.adapters.codec import moment_from_text, moment_to_text, moment_to_text_by_isoformat

ZONES = st.sampled_from((None, UTC, timezone(timedelta(hours=5, minutes=30)),
                         timezone(timedelta(hours=-11)), ZoneInfo("Europe/Berlin"),
                         ZoneInfo("UTC"), ZoneInfo("Pacific/Kiritimati")))


@settings(max_examples=500, deadline=None)
@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)), ZONES,
       st.booleans())
def test_a_date_time_is_written_as_isoformat_wrote_it(
        wall: datetime, zone: timezone | ZoneInfo | None, fold: bool) -> None:
    moment = wall.replace(tzinfo=zone, fold=int(fold))
    assert moment_to_text(moment) == moment_to_text_by_isoformat(moment)


@settings(max_examples=200, deadline=None)
@given(st.dates())
def test_a_date_is_written_as_isoformat_wrote_it(day: date) -> None:
    assert moment_to_text(day) == moment_to_text_by_isoformat(day) == day.isoformat()


def test_the_edges_are_written_as_before_and_read_back() -> None:
    for moment in (datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=UTC), datetime(900, 5, 5, 9, 5, 7),
                   datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
                   datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/Berlin")),
                   datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Berlin"))):
        text = moment_to_text(moment)
        assert text == moment_to_text_by_isoformat(moment)
        # The same instant back (a wall time in a gap is the instant it stands for).
        back = moment_from_text(text)
        assert back == moment.replace(microsecond=0).astimezone(UTC) if moment.tzinfo \
            else back == moment.replace(microsecond=0)
    assert moment_to_text(datetime(900, 5, 5, 9, 5, 7)) == "0900-05-05T09:05:07"
    assert moment_to_text(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05Z"
