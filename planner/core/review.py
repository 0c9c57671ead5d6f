"""The weekly review as a Markdown document, built from insights data (pure, no I/O).

The service gathers the week's insights and, per sphere, how many flexible minutes
were done versus planned; this module only turns that into text a person can read in
the terminal, paste into notes or keep as a file.
"""

from __future__ import annotations

from collections.abc import Mapping

from planner.core.insights import (
    WeekInsights,
    day_name,
    format_minutes,
    nudges,
)
from planner.core.settings import Settings
from planner.core.wording import counted

REVIEW_NUDGES = 3


def _cell(text: str) -> str:
    # A sphere name with a pipe would otherwise split the table row.
    return text.replace("|", "\\|")


def _percent(done: int, planned: int) -> str:
    return f"{round(100 * done / planned)} %" if planned else "–"


def _done_table(done_vs_planned: Mapping[str, tuple[int, int]]) -> list[str]:
    lines = ["| Sphere | Done | Planned | Done % |", "|---|---:|---:|---:|"]
    total_done = total_planned = 0
    for sphere in sorted(done_vs_planned):
        done, planned = done_vs_planned[sphere]
        total_done += done
        total_planned += planned
        lines.append(f"| {_cell(sphere)} | {format_minutes(done)} | {format_minutes(planned)} "
                     f"| {_percent(done, planned)} |")
    lines.append(f"| **Total** | {format_minutes(total_done)} | {format_minutes(total_planned)} "
                 f"| {_percent(total_done, total_planned)} |")
    return lines


def _time_table(week: WeekInsights) -> list[str]:
    heads = [day_name(d.date)[:3] for d in week.days]
    lines = ["| Sphere | " + " | ".join([*heads, "Total"]) + " |",
             "|---|" + "---:|" * (len(heads) + 1)]
    for sphere in sorted(week.minutes_by_sphere):
        cells = [format_minutes(d.minutes_by_sphere.get(sphere, 0)) for d in week.days]
        cells.append(format_minutes(week.minutes_by_sphere[sphere]))
        lines.append(f"| {_cell(sphere)} | " + " | ".join(cells) + " |")
    return lines


def _held(label: str, broken_days: list[str], total: int, detail: str,
          unit: str = "day") -> str:
    if not broken_days:
        return f"- {label}: held every {unit}."
    return (f"- {label}: crossed on {len(broken_days)} of {counted(total, unit)} "
            f"({', '.join(broken_days)}){detail}.")


def _boundaries(week: WeekInsights, settings: Settings) -> list[str]:
    days = week.days
    protected = [day_name(d.date)[:3] for d in days if d.protected_bleed_minutes]
    workdays = [d for d in days if d.date.weekday() in settings.shutdown]
    shutdown = [day_name(d.date)[:3] for d in workdays if d.after_shutdown_minutes]
    sleep = [day_name(d.date)[:3] for d in days if not d.sleep_window_kept]
    lines = [
        _held("Personal time", protected, len(days),
              f", {format_minutes(week.protected_bleed_minutes)} of work in it"),
    ]
    if workdays:
        lines.append(_held("Shutdown", shutdown, len(workdays),
                           f", {format_minutes(sum(d.after_shutdown_minutes for d in workdays))} "
                           "of work after it", unit="workday"))
    lines.append(_held("Sleep hours", sleep, len(days), ""))
    busiest = max(days, key=lambda d: (d.switches, -d.date.toordinal()), default=None)
    switches = f"- Switches between work and personal: {week.switches}"
    if busiest is not None and busiest.switches:
        switches += f" (most on {day_name(busiest.date)}: {busiest.switches})"
    lines.append(switches + ".")
    lines.append(f"- Longest focus stretch: {format_minutes(week.longest_focus_minutes)}.")
    lines.append(f"- Exercise or hobby: on {week.exercise_or_hobby_days} of "
                 f"{counted(len(days), 'day')}.")
    return lines


def review_markdown(week: WeekInsights, done_vs_planned: Mapping[str, tuple[int, int]],
                    week_label: str, *, settings: Settings | None = None) -> str:
    """A Markdown weekly review: flexible work done vs planned per sphere, time by
    sphere per day, energizing vs draining, which boundaries held, and nudges.

    ``done_vs_planned`` maps sphere -> (done minutes, planned minutes) of flexible
    blocks. ``settings`` (default: ``Settings()``) names the workdays and decides
    whether nudges appear.
    """
    settings = settings or Settings()
    out = [f"# Weekly review — {week_label}", ""]
    out += ["## Done vs planned (flexible blocks)", ""]
    out += _done_table(done_vs_planned) if done_vs_planned else ["Nothing flexible was planned."]
    out += ["", "## Time by sphere", ""]
    out += _time_table(week) if week.minutes_by_sphere else ["No timed blocks this week."]
    out += ["", "## Energy", "",
            f"- Energizing: {format_minutes(week.energizing_minutes)}",
            f"- Draining: {format_minutes(week.draining_minutes)}"]
    out += ["", "## Boundaries", "", *_boundaries(week, settings)]
    lines = nudges(week, settings, max_lines=REVIEW_NUDGES)
    if lines:
        out += ["", "## Nudges", "", *(f"- {line}" for line in lines)]
    return "\n".join(out) + "\n"
