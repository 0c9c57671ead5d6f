"""Repeats in words (core.when): what people type, the RRULE it means, and the words the
preview says back. Today is Mon 23 Nov 2026 in Berlin; expansions are checked too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from planner.core.model import Block, Kind, Recurrence
from planner.core.recurrence import occurrences
from planner.core.when import (
    QuickAdd,
    WhenError,
    describe_rule,
    first_repeat_start,
    is_repeat_start,
    parse_date,
    parse_quick_add,
    parse_quick_add_with_repeat,
    parse_repeat,
)

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 8, 30, tzinfo=BERLIN)


@pytest.mark.parametrize(("words", "rule", "said"), [
    ("every weekday", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "every weekday"),
    ("weekdays", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "every weekday"),
    ("every mon, wed", "FREQ=WEEKLY;BYDAY=MO,WE", "every Mon and Wed"),
    ("every Monday and Wednesday", "FREQ=WEEKLY;BYDAY=MO,WE", "every Mon and Wed"),
    ("daily", "FREQ=DAILY", "every day"),
    ("every day", "FREQ=DAILY", "every day"),
    ("weekly", "FREQ=WEEKLY", "every week on Mon"),
    ("every 2 weeks", "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks on Mon"),
    ("every other week on tue", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", "every 2 weeks on Tue"),
    ("fortnightly", "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks on Mon"),
    ("monthly", "FREQ=MONTHLY", "every month on the 23rd"),
    ("every 3 months", "FREQ=MONTHLY;INTERVAL=3", "every 3 months on the 23rd"),
    ("yearly", "FREQ=YEARLY", "every year"),
    ("every weekend", "FREQ=WEEKLY;BYDAY=SA,SU", "every weekend"),
    ("daily 10 times", "FREQ=DAILY;COUNT=10", "every day, 10 times"),
    ("every tue for 1 time", "FREQ=WEEKLY;BYDAY=TU;COUNT=1", "every Tue, 1 time"),
    ("every mon, wed until fri", "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261127T225959Z",
     "every Mon and Wed until Fri 27 Nov 2026"),
    ("monthly until 2027-06-30", "FREQ=MONTHLY;UNTIL=20270630T215959Z",
     "every month on the 23rd until Wed 30 Jun 2027"),
    ("FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=WEEKLY;BYDAY=MO,WE", "every Mon and Wed"),
])
def test_words_to_rule_and_back(words: str, rule: str, said: str) -> None:
    assert parse_repeat(words, today=TODAY, zone=BERLIN) == rule
    assert describe_rule(rule, start=TODAY, zone=BERLIN) == said


def test_all_day_until_is_a_date_and_unusual_rules_are_shown_as_they_are() -> None:
    assert parse_repeat("weekly until 4 jan 2027", today=TODAY, all_day=True) == \
        "FREQ=WEEKLY;UNTIL=20270104"
    assert describe_rule("FREQ=MONTHLY;BYDAY=1MO") == "repeats: FREQ=MONTHLY;BYDAY=1MO"


def test_until_includes_that_whole_day_when_expanded() -> None:
    rule = parse_repeat("every weekday until wed", today=TODAY, zone=BERLIN)
    start = datetime(2026, 11, 23, 23, 30, tzinfo=BERLIN)
    series = Block(id="s", title="Late", start=start, end=start + timedelta(minutes=15),
                   tzid="Europe/Berlin", recurrence=Recurrence(rrule=rule))
    found = occurrences([series], NOW, NOW + timedelta(days=14), BERLIN)
    assert [o.start.date().isoformat() for o in found] == [  # type: ignore[union-attr]
        "2026-11-23", "2026-11-24", "2026-11-25"]


@pytest.mark.parametrize(("words", "message"), [
    ("every blue moon", "Don't understand 'blue'"),
    ("every", "Don't understand the repeat"),
    ("daily 0 times", "at least once"),
    ("monthly on mon", "weekdays go with a weekly repeat"),
    ("weekly until 31 feb", "not a real date"),
    ("", "Say how it repeats"),
])
def test_bad_repeats_are_one_sentence(words: str, message: str) -> None:
    with pytest.raises(WhenError, match=message):
        parse_repeat(words, today=TODAY, zone=BERLIN)


def test_the_first_occurrence_is_a_day_the_rule_names() -> None:
    tuesday = datetime(2026, 11, 24, 18, 0, tzinfo=BERLIN)
    assert first_repeat_start("FREQ=WEEKLY;BYDAY=MO,TH", tuesday) == \
        datetime(2026, 11, 26, 18, 0, tzinfo=BERLIN)
    assert first_repeat_start("FREQ=WEEKLY;BYDAY=TU", tuesday) == tuesday
    assert first_repeat_start("FREQ=MONTHLY;BYDAY=1MO", tuesday) == tuesday


@pytest.mark.parametrize(("line", "title", "rule", "preview"), [
    ("standup 9:30 15m work every weekday", "standup", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
     "Fixed work · 15 min · today at 09:30 (Mon 23 Nov) · every weekday"),
    ("gym every mon, wed 18:00 1h", "gym", "FREQ=WEEKLY;BYDAY=MO,WE",
     "Fixed · 1 h · today at 18:00 (Mon 23 Nov) · every Mon and Wed"),
    ("call mom every sunday 19:00 until 2027-03-01", "call mom",
     "FREQ=WEEKLY;BYDAY=SU;UNTIL=20270301T225959Z",
     "Fixed · Sun 29 Nov at 19:00 · every Sun until Mon 1 Mar 2027"),
    ("pills 8:00 5m daily 10 times", "pills", "FREQ=DAILY;COUNT=10",
     "Fixed · 5 min · today at 08:00 (Mon 23 Nov) · every day, 10 times"),
    ("weekly review fri 16:00 every 2 weeks", "weekly review", "FREQ=WEEKLY;INTERVAL=2",
     "Fixed · Fri 27 Nov at 16:00 · every 2 weeks on Fri"),
    ("team weekly sync 10:00", "team weekly sync", None, "Fixed · today at 10:00 (Mon 23 Nov)"),
])
def test_quick_add_reads_a_repeat_after_the_title(line: str, title: str, rule: str | None,
                                                  preview: str) -> None:
    found = parse_quick_add_with_repeat(line, now=NOW)
    # The preview names the title first, then what it understood.
    assert (found.title, found.repeat, found.describe()) == (title, rule,
                                                             f'"{title}" · {preview}')


def test_quick_add_repeat_needs_a_time() -> None:
    with pytest.raises(WhenError, match="needs a time"):
        parse_quick_add_with_repeat("read every day 30m", now=NOW)


# --- a long line is read in linear time, and the bounded search finds what the full
# --- search finds ------------------------------------------------------------------


@pytest.mark.timeout(120)  # a hang guard, not a speed check
@pytest.mark.parametrize("line", [
    ("lorem ipsum dolor " * 600)[:10_000] + " every day 9:00",
    ("every day weekly " * 600)[:10_000] + " gym every mon 18:00 1h",
    ("weekdays " * 1200)[:10_000] + " 1h",
    "gym every " + ("mon " * 2500)[:10_000] + " 18:00",
    ("by fri every 2 weeks #work " * 400)[:10_000],
])
def test_a_ten_thousand_character_line_is_read(line: str) -> None:
    found = parse_quick_add_with_repeat(line, now=NOW)
    assert len(found.title) > 9_000  # the title is the long text, as typed
    assert found.title == " ".join(found.title.split())


def test_a_long_title_keeps_its_repeat() -> None:
    title = ("lorem ipsum dolor " * 600)[:10_000].strip()
    found = parse_quick_add_with_repeat(f"{title} every mon, wed 18:00 1h", now=NOW)
    assert (found.title, found.repeat) == (title, "FREQ=WEEKLY;BYDAY=MO,WE")


def _every_reading(text: str, *, now: datetime) -> QuickAdd:
    """The search as it was before it was bounded: every repeat word, every phrase
    length, each checked against the whole line (cubic in the line's length)."""
    words = text.split()
    for i in range(1, len(words)):
        if not is_repeat_start(words[i]):
            continue
        try:
            title = parse_quick_add(" ".join(words[:i]), now=now).title
        except WhenError:
            continue
        for j in range(len(words), i, -1):
            phrase, rest = _with_repeat_end_reference(words[i:j], words[j:])
            try:
                rule = parse_repeat(" ".join(phrase), today=now.date(), zone=now.tzinfo)
                found = parse_quick_add(" ".join(words[:i] + rest), now=now)
            except WhenError:
                continue
            if found.title != title:
                continue
            if found.kind != Kind.FIXED or found.start is None:
                raise WhenError("A repeating block needs a time, e.g. "
                                "'gym every mon 18:00 1h'.")
            start = first_repeat_start(rule, found.start)
            return replace(found, repeat=rule, start=start, day=start.date())
    return parse_quick_add(text, now=now)


def _with_repeat_end_reference(phrase: list[str], rest: list[str]
                               ) -> tuple[list[str], list[str]]:
    """An ``until DATE`` (1-4 words) or ``N times`` in ``rest`` belongs to the phrase."""
    lowered = [w.lower() for w in rest]
    for k, word in enumerate(lowered):
        if word.isdigit() and k + 1 < len(rest) and lowered[k + 1] in ("times", "x"):
            return phrase + rest[k:k + 2], rest[:k] + rest[k + 2:]
        if word == "until":
            for n in range(min(4, len(rest) - k - 1), 0, -1):
                try:
                    parse_date(" ".join(rest[k + 1:k + 1 + n]), today=date(2000, 1, 1))
                except WhenError as exc:
                    if str(exc).startswith("Don't understand"):
                        continue
                    raise  # "until 31 feb": an impossible date is an error
                return phrase + rest[k:k + 1 + n], rest[:k] + rest[k + 1 + n:]
    return phrase, rest


_LINE_WORDS = [
    "gym", "team", "sync", "call", "mum", "read", "plan", "every", "each", "daily", "weekly",
    "weekdays", "monthly", "fortnightly", "other", "week", "weeks", "2", "mon", "mon,", "wed",
    "and", "on", "until", "2027-03-01", "10", "times", "fri", "9:30", "18:00", "10-11", "1h",
    "15m", "work", "personal", "#work", "by", "after", "at", "tomorrow", "!", "evening", "4",
    "jan", "2027", ",", "-", "flex", "wrok", "31", "feb",
]


def _outcome(read: Callable[[], QuickAdd]) -> object:
    try:
        return read()
    except WhenError as exc:
        return str(exc)


@given(st.lists(st.sampled_from(_LINE_WORDS), min_size=1, max_size=14))
@example(["gym", "every", "day", "9:30", "until", "31", "feb"])
@example(["call", "mum", "every", "mon,", "wed", "18:00", "until", "2027-03-01", "1h"])
@example(["weekly", "review", "fri", "16:00", "every", "2", "weeks"])
@example(["plan", "4", "jan", "every", "day", "2027", "9:30"])
@example(["read", "every", "day", "10", "times", "9:30", ","])
@settings(max_examples=600, deadline=None, derandomize=True)
def test_the_bounded_search_reads_what_every_reading_reads(words: list[str]) -> None:
    line = " ".join(words)
    assert _outcome(lambda: parse_quick_add_with_repeat(line, now=NOW)) == _outcome(
        lambda: _every_reading(line, now=NOW))
