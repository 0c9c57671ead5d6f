"""Background work: the use cases run off the UI thread, and writes run one at a time.

- ``write``: anything that changes data (plan, import, export, every edit). One at a
  time: while one runs, screens refuse write actions in ``check_action`` and say why.
  When it ends, every screen on the stack gets ``DataChanged``.
- ``read``: loading what a screen shows. A newer read of the same kind replaces an
  older one; a result read while the data changed under it is dropped (the
  ``DataChanged`` that follows asks again), so the UI never caches a stale day.
- ``poll``: picks up what another process saved.

The UI thread only starts jobs and handles their messages; it never waits for one.
Each job runs in a daemon thread awaited by an async Textual worker, so quitting never
waits for a thread stuck in a network read: the worker is cancelled and the thread dies
with the process. Writes are atomic, so that is no worse than a kill.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.message import Message
from textual.worker import Worker, get_current_worker

from planner.core.errors import PlannerError
from planner.ui.messages import DataChanged, JobFailed, JobProgress, WritesChanged

if TYPE_CHECKING:
    from textual.app import App
    from textual.message_pump import MessagePump

    from planner.app.service import PlannerService

T = TypeVar("T")
Progress = Callable[[str], None]
Outcome = Message | Iterable[Message] | None

WRITES = "writes"  # the one serial group
READ_ATTEMPTS = 3


class JobCancelled(BaseException):
    """Raised inside a job's thread at its next progress call once the app gave up on it.

    A BaseException, so the write path rolls back instead of treating it as an error.
    """


async def in_daemon_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn`` in a daemon thread and await its result.

    Cancelling the await leaves the thread to finish (or die with the process) and
    drops its result; a default-executor thread would be joined at exit instead.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(setter: Callable[[Any], None], value: Any) -> None:
        if not future.done():
            setter(value)

    def deliver(setter: Callable[[Any], None], value: Any) -> None:
        # A closed loop means the app is gone: nobody waits for this any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, setter, value)

    def run() -> None:
        try:
            result = fn(*args)
        except BaseException as exc:  # handed to the awaiting worker, which decides
            deliver(future.set_exception, exc)
        else:
            deliver(future.set_result, result)

    threading.Thread(target=run, name=f"planner-job-{getattr(fn, '__name__', 'job')}",
                     daemon=True).start()
    return await future


def _messages(outcome: Outcome) -> list[Message]:
    if outcome is None:
        return []
    if isinstance(outcome, Message):
        return [outcome]
    return list(outcome)


class Jobs:
    """The app's runner for background work (see the module docstring)."""

    def __init__(self, app: App[Any], service: PlannerService) -> None:
        self._app = app
        self._service = service
        self.writing: str | None = None  # what the running write is doing
        self.epoch = 0  # bumped whenever the data changed: results read before are stale
        self._mutations = 0  # writes and polls started: a read that raced one may fail
        self._polling = False
        self._writes: list[Worker[None]] = []  # running first, then those waiting their turn
        self._one_at_a_time = asyncio.Lock()

    # ------------------------------------------------------------------ writes

    @property
    def busy(self) -> bool:
        """A write runs or waits: write keys are refused until it is done."""
        return bool(self._writes)

    def write(self, description: str, job: Callable[[Progress], Outcome], *,
              reply_to: MessagePump) -> None:
        """Run ``job(progress)`` after the writes already queued, one at a time.

        ``job`` returns the message(s) for ``reply_to`` (``Edited``, ``PlanFinished``...);
        a ``PlannerError`` becomes ``JobFailed``; anything else is a bug and ends the app.
        Keys are refused while one runs (``busy``); a form saved meanwhile waits its turn.
        """
        self._mutations += 1
        worker = self._app.run_worker(
            self._write(description, job, reply_to), name=description, group=WRITES,
            description=description, exit_on_error=True)
        self._writes.append(worker)
        if len(self._writes) == 1:
            self._broadcast(lambda: WritesChanged(description))

    async def _write(self, description: str, job: Callable[[Progress], Outcome],
                     reply_to: MessagePump) -> None:
        me = get_current_worker()
        cancelled = threading.Event()

        def progress(text: str) -> None:
            if cancelled.is_set():
                raise JobCancelled(description)
            reply_to.post_message(JobProgress(text))  # thread-safe

        try:
            async with self._one_at_a_time:
                self.writing = description
                try:
                    outcome: Outcome = await in_daemon_thread(job, progress)
                except PlannerError as exc:
                    outcome = JobFailed(description, str(exc))
                except asyncio.CancelledError:
                    cancelled.set()
                    raise
                finally:
                    self.writing = None
                    self.epoch += 1
        finally:
            self._writes.remove(me)
            self._broadcast(lambda: WritesChanged(
                self._writes[0].description if self._writes else None))
        for message in _messages(outcome):
            reply_to.post_message(message)
        self._broadcast(DataChanged)

    async def wait_for_writes(self, timeout: float) -> bool:
        """Give queued and running writes up to ``timeout`` seconds; True if all ended."""
        pending = list(self._writes)
        if pending:
            waits = [asyncio.ensure_future(w.wait()) for w in pending]
            done, still = await asyncio.wait(waits, timeout=timeout)
            for task in still:
                task.cancel()
            for task in done:
                task.exception()  # a failed write was reported already; don't warn again
        return not self._writes

    # ------------------------------------------------------------------ reads

    def read(self, kind: str, job: Callable[[], Outcome], *, reply_to: MessagePump) -> None:
        """Run ``job()`` and post its message(s) to ``reply_to``, replacing an older read
        of the same ``kind``."""
        self._app.run_worker(self._read(job, reply_to), group=f"read-{kind}",
                             exclusive=True, exit_on_error=True)

    async def _read(self, job: Callable[[], Outcome], reply_to: MessagePump) -> None:
        for _ in range(READ_ATTEMPTS):
            epoch, mutations = self.epoch, self._mutations
            try:
                outcome: Outcome = await in_daemon_thread(job)
            except PlannerError as exc:  # a damaged file: say so, keep what is shown
                outcome = JobFailed("Reading", str(exc))
            except Exception:
                raced = mutations != self._mutations or self.writing or self._polling
                if not raced:
                    raise
                if self.epoch != epoch:
                    return  # the DataChanged that followed reads again
                continue  # e.g. a poll that found nothing new: read again
            if self.epoch == epoch:
                for message in _messages(outcome):
                    reply_to.post_message(message)
            return

    # ------------------------------------------------------------------ other processes

    def poll(self) -> None:
        """Pick up another process's saves; never while a write of ours runs."""
        if self._writes or self._polling:
            return
        self._polling = True
        self._mutations += 1
        self._app.run_worker(self._poll(), group="poll", exit_on_error=True)

    async def _poll(self) -> None:
        try:
            changed = await in_daemon_thread(self._service.reload_if_changed)
        except PlannerError as exc:  # a damaged file: say so, keep showing what we have
            self._app.notify(str(exc), severity="error", timeout=8)
            return
        finally:
            self._polling = False
        if changed:
            self.epoch += 1
            self._broadcast(DataChanged)

    # ------------------------------------------------------------------ other work

    def background(self, job: Callable[[], Outcome], *, reply_to: MessagePump,
                   kind: str = "background") -> None:
        """Work that touches no data (saving the theme to config.toml)."""
        self._app.run_worker(self._background(job, reply_to), group=kind, exit_on_error=True)

    async def _background(self, job: Callable[[], Outcome], reply_to: MessagePump) -> None:
        try:
            outcome = await in_daemon_thread(job)
        except PlannerError as exc:
            outcome = JobFailed("Saving", str(exc))
        for message in _messages(outcome):
            reply_to.post_message(message)

    def _broadcast(self, make: Callable[[], Message]) -> None:
        for screen in self._app.screen_stack:
            screen.post_message(make())
