"""Search (`/`): type, and every calendar's matches show by date as you go; enter jumps to
the day with the block selected. The searcher narrows its last answer as the words grow,
and each keystroke's search runs as a read job that replaces the one before."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from planner.core.moments import clock_span, day_label
from planner.ui.markup import plain, sphere_chip
from planner.ui.messages import DataChanged, JobFailed
from planner.ui.screens.dialog import Page
from planner.ui.view import MARKS, sphere_letter, state_of
from planner.ui.widgets.footer import FittingFooter

if TYPE_CHECKING:
    from planner.app.search import Searcher
    from planner.core.model import Occurrence
    from planner.ui.services import Services

AHEAD = 300  # rows shown from today on; the count says when there are more
BEHIND = 100  # and the most recent ones before today


class SearchDone(Message, bubble=False):
    def __init__(self, text: str, found: tuple[Occurrence, ...], more: bool,
                 first_ahead: int) -> None:
        super().__init__()
        self.text = text
        self.found = found
        self.more = more
        self.first_ahead = first_ahead  # the first result from today on (highlighted)


Found = tuple[date, str]  # the day to open and the block to select there


class SearchScreen(Page[Found | None]):
    """Returns the day and block to show, or None."""

    AUTO_FOCUS = "#search-input"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="search-back"),
        Binding("down", "results", "Results", show=False, id="search-results-focus"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.service = services.planner
        self.jobs = services.jobs
        self.searcher: Searcher = self.service.searcher()
        self._rows: dict[str, Found] = {}

    def compose(self) -> ComposeResult:
        yield Static(Content.assemble(
            plain("Search", "bold"), plain("  title, location and notes in every calendar, "
                                           "any case; a year back and a year ahead", "dim")),
            id="search-header")
        yield Input(placeholder="Type to search…", id="search-input")
        yield Static("", id="search-count", classes="hint")
        yield OptionList(id="search-results")
        yield FittingFooter()

    # ------------------------------------------------------------------ searching

    @on(Input.Changed, "#search-input")
    def _typed(self, event: Input.Changed) -> None:
        self._search(event.value)

    def _search(self, text: str) -> None:
        if not text.strip():
            self._show((), text, more=False, first_ahead=0)
            return
        today = self.service.today()

        def job() -> SearchDone:
            found, more = self.searcher.find_near(text, today, before=BEHIND, after=AHEAD)
            past = sum(1 for o in found if self._day_of(o) < today)
            return SearchDone(text, tuple(found), more, past)

        self.jobs.read("search", job, reply_to=self)

    @on(SearchDone)
    def _done(self, event: SearchDone) -> None:
        if event.text == self.query_one("#search-input", Input).value:
            self._show(event.found, event.text, more=event.more, first_ahead=event.first_ahead)

    @on(DataChanged)
    def _data_changed(self) -> None:
        self._search(self.query_one("#search-input", Input).value)

    @on(JobFailed)
    def _failed(self, event: JobFailed) -> None:
        self.notify(event.error, severity="error", timeout=8)

    def _show(self, found: tuple[Occurrence, ...], text: str, *, more: bool,
              first_ahead: int) -> None:
        results = self.query_one(OptionList)
        results.clear_options()
        self._rows = {}
        options = []
        shown_day: date | None = None
        for n, occ in enumerate(found):
            day = self._day_of(occ)
            options.append(Option(self._prompt(occ, day, day != shown_day), id=f"r{n}"))
            self._rows[f"r{n}"] = (day, occ.block.id)
            shown_day = day
        results.add_options(options)
        count = self.query_one("#search-count", Static)
        if not text.strip():
            count.update("")
        elif not found:
            count.update(plain(f"Nothing found for {text.strip()!r}."))
        else:
            count.update(Content(f"{len(found)}{'+' if more else ''} found, the nearest from "
                                 "today highlighted · ↓ to the list, enter opens the day"))
        if found:
            results.highlighted = min(first_ahead, len(found) - 1)
            results.scroll_to_highlight(top=True)

    def _day_of(self, occ: Occurrence) -> date:
        if isinstance(occ.start, datetime):
            return self.service.local(occ.start).date()
        return occ.start

    def _prompt(self, occ: Occurrence, day: date, first_of_day: bool) -> Content:
        label = day_label(day, year=True) if first_of_day else ""
        if occ.all_day:
            when = "all day"
        else:
            start, end = occ.start, occ.end
            assert isinstance(start, datetime) and isinstance(end, datetime)
            when = clock_span(self.service.local(start), self.service.local(end))
        block = occ.block
        chip = sphere_chip(block.sphere, MARKS[state_of(block)] + sphere_letter(block.sphere))
        where = " · ".join(p for p in (block.location,
                                        block.source.calendar if block.source else "") if p)
        return Content.assemble(plain(f"{label:<16}", "bold"), f" {when:<11} ", chip, " ",
                                plain(occ.title), plain(f"  {where}", "dim") if where else "")

    # ------------------------------------------------------------------ choosing

    def action_results(self) -> None:
        results = self.query_one(OptionList)
        if results.option_count:
            results.focus()

    @on(Input.Submitted, "#search-input")
    def _submitted(self) -> None:
        results = self.query_one(OptionList)
        if results.option_count:
            self._open(results.highlighted or 0)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._open(event.option_index)

    def _open(self, index: int) -> None:
        option = self.query_one(OptionList).get_option_at_index(index)
        found = self._rows.get(option.id or "")
        if found is not None:
            self.dismiss(found)

    def action_back(self) -> None:
        self.dismiss(None)

