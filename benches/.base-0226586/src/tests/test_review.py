"""The weekly review Markdown: tables, boundaries and nudges from hand-made weeks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from planner.core.insights import WeekInsights, week_insights
from planner.core.model import Block, Energy, Occurrence
from planner.core.review import review_markdown
from planner.core.settings import Settings, SphereInfo

BER = ZoneInfo("Europe/Berlin")
MON = date(2026, 11, 23)
DAYS = [MON + timedelta(days=i) for i in range(7)]
SETTINGS = Settings(spheres={
    **Settings().spheres,
    "a|b": SphereInfo("a|b", "#fff", "personal"),
})


def block(day: date, h1: int, h2: int, sphere: str, title: str, **fields: object) -> Occurrence:
    start = datetime(day.year, day.month, day.day, h1, tzinfo=BER)
    end = datetime(day.year, day.month, day.day, h2, tzinfo=BER)
    return Occurrence(Block(id=title, title=title, sphere=sphere, **fields), start, end)  # type: ignore[arg-type]


def sample_week(settings: Settings = SETTINGS) -> WeekInsights:
    tue, thu = DAYS[1], DAYS[3]
    by_day = {
        MON: [block(MON, 9, 12, "work", "Deep work", energy=Energy.ENERGIZING),
              block(MON, 12, 13, "personal", "Lunch walk")],
        tue: [block(tue, 9, 11, "work", "Reviews", energy=Energy.DRAINING),
              block(tue, 18, 19, "work", "Late call")],
        thu: [block(thu, 22, 23, "a|b", "Gaming")],
    }
    return week_insights(DAYS, by_day, BER, settings)


def test_review_has_done_vs_planned_table_with_total() -> None:
    text = review_markdown(sample_week(), {"work": (90, 120), "personal": (30, 0)},
                           "2026-W48")
    assert text.startswith("# Weekly review — 2026-W48\n")
    assert "| Sphere | Done | Planned | Done % |" in text
    assert "| personal | 30 min | 0 min | – |" in text
    assert "| work | 1 h 30 min | 2 h | 75 % |" in text
    assert "| **Total** | 2 h | 2 h | 100 % |" in text


def test_review_has_time_by_sphere_per_day() -> None:
    text = review_markdown(sample_week(), {}, "week")
    assert "| Sphere | Mon | Tue | Wed | Thu | Fri | Sat | Sun | Total |" in text
    assert ("| work | 3 h | 3 h | 0 min | 0 min | 0 min | 0 min | 0 min | 6 h |") in text
    assert "| a\\|b | 0 min | 0 min | 0 min | 1 h | 0 min | 0 min | 0 min | 1 h |" in text
    assert "Nothing flexible was planned." in text


def test_review_lists_energy_and_which_boundaries_held() -> None:
    text = review_markdown(sample_week(), {}, "week")
    assert "- Energizing: 3 h\n- Draining: 2 h" in text
    assert "- Personal time: crossed on 1 of 7 days (Tue), 1 h of work in it." in text
    # The late call is in protected time *and* after shutdown: both lines say so.
    assert "- Shutdown: crossed on 1 of 5 workdays (Tue), 1 h of work after it." in text
    assert "- Sleep hours: crossed on 1 of 7 days (Thu)." in text
    assert "- Switches between work and personal: 1 (most on Monday: 1)." in text
    assert "- Exercise or hobby: on 1 of 7 days." in text


def test_review_nudges_follow_settings() -> None:
    text = review_markdown(sample_week(), {}, "week", settings=SETTINGS)
    assert "## Nudges\n\n- Work runs 1 h into personal time on Tuesday.\n" in text
    off = Settings(spheres=SETTINGS.spheres, nudges=False)
    assert "## Nudges" not in review_markdown(sample_week(off), {}, "week", settings=off)


def test_review_of_an_empty_week() -> None:
    text = review_markdown(week_insights(DAYS, {}, BER, SETTINGS), {}, "quiet")
    assert "No timed blocks this week." in text
    assert "- Personal time: held every day." in text
    assert "- Shutdown: held every workday." in text
    assert text.endswith("\n")
