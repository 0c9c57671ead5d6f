"""The edit form: every field of a block, checked inline before anything is saved.

Returns a dict of changes for ``service.update`` (only what changed), or None.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from planner.core.model import (
    Block,
    Classification,
    Energy,
    Kind,
    Moment,
    PartOfDay,
    Recurrence,
)
from planner.core.moments import in_zone
from planner.core.safetext import printable
from planner.core.when import (
    WhenError,
    describe_rule,
    format_duration,
    parse_date,
    parse_duration,
    parse_repeat,
    parse_when,
    parse_when_noted,
)
from planner.ui.screens.dialog import Dialog


def _fmt(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return ""
    local = in_zone(moment, zone)
    return f"{local:%Y-%m-%d %H:%M}"


def _mins(td: timedelta | None) -> str:
    return format_duration(td, compact=True) if td else ""


def _unless_as_shown(typed: str, stored: str, *, lines: bool = False) -> str:
    """The form shows data terminal-safe (``printable``); a field left as shown keeps the
    stored text, so opening and saving a block never rewrites its title or notes."""
    return stored if typed == printable(stored, lines=lines).strip() or \
        typed == printable(stored, lines=lines) else typed


class FormError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class EditScreen(Dialog[dict[str, Any] | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="edit-cancel"),
        Binding("ctrl+s", "save", "Save", id="edit-save"),
    ]

    def __init__(self, block: Block, zone: ZoneInfo, spheres: tuple[str, ...],
                 now: datetime, *, occurrence: tuple[Moment, Moment] | None = None) -> None:
        """``occurrence``: the start and end of the occurrence of a repeating block being
        edited (its time can then be changed; the day view asks for which ones)."""
        super().__init__()
        self.block, self.zone, self.spheres, self.now = block, zone, spheres, now
        self.occurrence = occurrence
        self.repeat_text = _repeat_text(block, zone, now)

    # ------------------------------------------------------------------ form

    def _field(self, label: str, widget: Input | Select[str], name: str) -> ComposeResult:
        yield Label(label, classes="field-label")
        yield widget
        yield Static(classes="field-error", id=f"err-{name}", markup=False)

    def compose(self) -> ComposeResult:
        b = self.block
        fixed_start = b.start if isinstance(b.start, datetime) else None
        timed = not b.is_recurring or self.occurrence is not None
        length = b.length
        if self.occurrence is not None and isinstance(self.occurrence[0], datetime):
            fixed_start = self.occurrence[0]
            length = self.occurrence[1] - self.occurrence[0]
        with VerticalScroll(classes="dialog", id="edit"):
            yield Label(f"Edit: {printable(b.title)}", classes="dialog-title", markup=False)
            yield from self._field("Title", Input(printable(b.title), id="title"), "title")
            spheres = list(self.spheres) + ([b.sphere] if b.sphere not in self.spheres else [])
            with Horizontal(classes="row"):
                with Vertical():
                    yield from self._field("Sphere", Select(
                        [(Content(printable(s)), s) for s in spheres], value=b.sphere,
                        allow_blank=False,
                        id="sphere"), "sphere")
                with Vertical():
                    yield from self._field("Kind", Select(
                        [("fixed (set time)", "fixed"), ("flexible", "flexible")],
                        value=str(b.kind), allow_blank=False, id="kind",
                        disabled=b.is_recurring or b.all_day), "kind")
            with Vertical(id="fixed-fields"):
                if b.all_day:
                    yield Static("All day: dates stay as imported.", classes="hint")
                yield from self._field("Start (2026-11-23 09:30, fri 14:00)", Input(
                    _fmt(fixed_start, self.zone) or self._suggested_start(), id="start",
                    disabled=b.all_day or not timed), "start")
                yield Static(classes="hint", id="start-note")
                yield from self._field("Duration (45m, 1h30)", Input(
                    _mins(length) if b.is_fixed else _mins(b.duration), id="fixed-duration",
                    disabled=b.all_day or not timed), "fixed-duration")
                if not _is_override(b):
                    yield from self._field(
                        "Repeat (every weekday, every mon, wed, every 2 weeks, monthly until "
                        "2027-06-30; empty: once)", Input(self.repeat_text, id="repeat"),
                        "repeat")
                    yield Static(classes="hint", id="repeat-preview", markup=False)
            with Vertical(id="flexible-fields"):
                yield from self._field("Duration (45m, 1h30)", Input(
                    _mins(b.duration) if b.is_flexible else _mins(b.length), id="duration"),
                    "duration")
                yield from self._field("Day (today, fri, 2026-11-27; empty: any)", Input(
                    b.day.isoformat() if b.day else "", id="day"), "day")
                yield from self._field("Not before (fri 10:00; empty: no limit)", Input(
                    _fmt(b.earliest, self.zone), id="earliest"), "earliest")
                yield from self._field("Deadline (fri, fri 17:00; empty: none)", Input(
                    _fmt(b.deadline, self.zone), id="deadline"), "deadline")
                with Horizontal(classes="row"):
                    with Vertical():
                        yield from self._field("Part of day", Select(
                            [(p.value, p.value) for p in PartOfDay],
                            value=str(b.part_of_day) if b.part_of_day else Select.NULL,
                            prompt="any", id="part"), "part")
                    with Vertical():
                        yield from self._field("Energy", Select(
                            [(e.value, e.value) for e in Energy],
                            value=str(b.energy) if b.energy else Select.NULL,
                            prompt="not set", id="energy"), "energy")
                with Horizontal(classes="row"):
                    with Vertical():
                        yield from self._field("Priority (0 = normal)", Input(
                            str(b.priority), id="priority", type="integer"), "priority")
                    with Vertical():
                        yield from self._field("Min chunk (empty: no split)", Input(
                            _mins(b.min_chunk), id="min-chunk"), "min-chunk")
            yield from self._field("Location", Input(printable(b.location), id="location"),
                                   "location")
            yield Checkbox("Private: shared exports show it only as Busy", b.is_private,
                           id="private")
            yield Label("Notes", classes="field-label")
            yield TextArea(printable(b.notes, lines=True), id="notes")
            # Docked: Save and Cancel stay in sight however far the form scrolls.
            with Horizontal(classes="buttons", id="edit-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save  ctrl+s", variant="primary", id="save")

    def _suggested_start(self) -> str:
        if self.block.planned:
            return _fmt(self.block.planned[0][0], self.zone)
        return _fmt(self.block.pinned_start, self.zone)

    def on_mount(self) -> None:
        self.query_one("#start-note").display = False
        if self.query("#repeat"):
            self._preview_repeat(self.repeat_text)
        self._show_kind(str(self.block.kind))
        self.query_one("#title", Input).focus()

    @on(Input.Changed, "#start")
    def _start_changed(self, event: Input.Changed) -> None:
        """Say at once when the start falls in the spring-forward gap and where it moves."""
        note = ""
        with contextlib.suppress(WhenError):  # the field's own error shows on save
            note = parse_when_noted(event.value, now=self.now)[1]
        hint = self.query_one("#start-note", Static)
        hint.update(note)
        hint.display = bool(note)

    @on(Input.Changed, "#repeat")
    def _repeat_changed(self, event: Input.Changed) -> None:
        self._preview_repeat(event.value)

    def _preview_repeat(self, text: str) -> None:
        """The rule in words as it will be saved, or what is wrong with it."""
        preview = self.query_one("#repeat-preview", Static)
        if not text.strip():
            preview.update("→ does not repeat")
            return
        try:
            rule = self._rule(text)
        except WhenError as exc:
            preview.update(f"✗ {exc}")
            return
        start = self.block.start
        preview.update("→ " + describe_rule(
            rule, start=in_zone(start, self.zone) if isinstance(start, datetime) else start,
            zone=self.zone))

    def _rule(self, text: str) -> str:
        return parse_repeat(text, today=self.now.date(), zone=self.zone,
                            all_day=self.block.all_day)

    @on(Select.Changed, "#kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        self._show_kind(str(event.value))

    def _show_kind(self, kind: str) -> None:
        self.query_one("#fixed-fields").display = kind == "fixed"
        self.query_one("#flexible-fields").display = kind == "flexible"

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        for err in self.query(".field-error"):
            assert isinstance(err, Static)
            err.update("")
            err.remove_class("-shown")
        try:
            changes = self.changes()
        except FormError as exc:
            self.query_one(f"#err-{exc.field}", Static).update(printable(str(exc)))
            self.query_one(f"#err-{exc.field}", Static).add_class("-shown")
            self.query_one(f"#{exc.field}").focus()
            return
        self.dismiss(changes)

    # ------------------------------------------------------------------ reading

    def _text(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def _select(self, name: str) -> str | None:
        value = self.query_one(f"#{name}", Select).value
        return None if value is Select.NULL else str(value)

    def _duration(self, name: str, *, required: bool) -> timedelta | None:
        text = self._text(name)
        if not text:
            if required:
                raise FormError(name, "Needs a duration, e.g. 45m or 1h30.")
            return None
        try:
            return parse_duration(text)
        except WhenError as exc:
            raise FormError(name, str(exc)) from None

    def _moment(self, name: str, *, end_of_day: bool = False) -> datetime | None:
        text = self._text(name)
        if not text:
            return None
        try:
            day = parse_date(text, today=self.now.date())
        except WhenError:
            pass
        else:  # a day alone: the start of it, or for a deadline its end
            start = datetime.combine(day + timedelta(days=1 if end_of_day else 0), time(0),
                                     tzinfo=self.zone)
            return start.astimezone(UTC)
        try:
            return parse_when(text, now=self.now).astimezone(UTC)
        except WhenError as exc:
            raise FormError(name, str(exc)) from None

    def changes(self) -> dict[str, Any]:
        """The fields that differ from the block, ready for ``service.update``."""
        b = self.block
        title = self._text("title")
        if not title:
            raise FormError("title", "A block needs a title.")
        wanted: dict[str, Any] = {
            "title": _unless_as_shown(title, b.title),
            "sphere": self._select("sphere") or b.sphere,
            "location": _unless_as_shown(self._text("location"), b.location),
            "notes": _unless_as_shown(self.query_one("#notes", TextArea).text, b.notes,
                                      lines=True),
        }
        private = self.query_one("#private", Checkbox).value
        if private != b.is_private:  # left alone, an imported CONFIDENTIAL stays as it is
            wanted["classification"] = Classification.PRIVATE if private else None
        kind = Kind(self._select("kind") or b.kind)
        if kind is Kind.FIXED and self.query("#repeat"):
            text = self._text("repeat")
            if text != self.repeat_text:
                try:
                    rule = self._rule(text) if text else None
                except WhenError as exc:
                    raise FormError("repeat", str(exc)) from None
                wanted["recurrence"] = (replace(b.recurrence or Recurrence(), rrule=rule)
                                        if rule else None)
        if kind is Kind.FIXED and b.is_recurring and self.occurrence is not None:
            start = self._moment("start")
            if start is None:
                raise FormError("start", "Give the occurrence a start, e.g. 2026-11-23 09:30.")
            length = self._duration("fixed-duration", required=True)
            assert length is not None
            begin, end = self.occurrence
            if not isinstance(begin, datetime) or start != begin.astimezone(UTC) or \
                    start + length != end:
                # For the occurrence; the day view asks which ones the change is for.
                return {**{k: v for k, v in wanted.items() if getattr(b, k) != v},
                        "start": start, "end": start + length}
        elif kind is Kind.FIXED and not (b.all_day or b.is_recurring):
            start = self._moment("start")
            if start is None:
                raise FormError("start", "A fixed block needs a start, e.g. 2026-11-23 09:30.")
            length = self._duration("fixed-duration", required=True)
            assert length is not None
            wanted.update(kind=Kind.FIXED, start=start, end=start + length)
            if b.is_flexible:
                wanted.update(tzid=self.zone.key, planned=(), plan_note="", pinned_start=None)
        elif kind is Kind.FLEXIBLE:
            duration = self._duration("duration", required=True)
            day_text = self._text("day")
            try:
                day: date | None = parse_date(day_text, today=self.now.date()) if day_text else None
            except WhenError as exc:
                raise FormError("day", str(exc)) from None
            earliest = self._moment("earliest")
            deadline = self._moment("deadline", end_of_day=True)
            if earliest and deadline and deadline <= earliest:
                raise FormError("deadline", "The deadline is before it may start.")
            priority_text = self._text("priority") or "0"
            try:
                priority = int(priority_text)
            except ValueError:
                raise FormError("priority", "Priority is a whole number.") from None
            part = self._select("part")
            energy = self._select("energy")
            wanted.update(kind=Kind.FLEXIBLE, duration=duration, day=day, earliest=earliest,
                          deadline=deadline, priority=priority,
                          part_of_day=PartOfDay(part) if part else None,
                          energy=Energy(energy) if energy else None,
                          min_chunk=self._duration("min-chunk", required=False))
            if b.is_fixed:
                wanted.update(start=None, end=None, tzid=None, pinned_start=None)
        return {k: v for k, v in wanted.items() if getattr(b, k) != v}


def _is_override(block: Block) -> bool:
    return block.source is not None and block.source.recurrence_id is not None


def _repeat_text(block: Block, zone: ZoneInfo, now: datetime) -> str:
    """The block's rule as words the field reads back the same, else as the RRULE."""
    rule = block.recurrence.rrule if block.recurrence is not None else None
    if not rule:
        return ""
    start = in_zone(block.start, zone) if isinstance(block.start, datetime) else block.start
    words = describe_rule(rule, start=start, zone=zone)
    with contextlib.suppress(WhenError):
        again = parse_repeat(words, today=now.date(), zone=zone, all_day=block.all_day)
        if _same_rule(again, rule, start):
            return words
    return rule


def _same_rule(a: str, b: str, start: object) -> bool:
    def parts(rule: str) -> dict[str, str]:
        return dict(p.split("=", 1) for p in rule.upper().split(";") if "=" in p)

    one, two = parts(a), parts(b)
    if isinstance(start, (date, datetime)) and one.get("FREQ") == "WEEKLY":
        implied = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[start.weekday()]
        for rule in (one, two):
            rule.setdefault("BYDAY", implied)
    return one == two
