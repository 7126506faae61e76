"""Saving as people type: debounced, without threads, flushed on close and when the kernel ends.

:class:`Autosave` saves about one second after the last keystroke. Tests
pass a scheduler that only records the callback and a fake clock, so they
never wait; :func:`flush_all` saves whatever is still waiting when the
interpreter exits (how a served page's kernel ends when its tab closes).
"""

from __future__ import annotations

import asyncio
import atexit
import time
import weakref
from collections.abc import Callable

DELAY = 1.0  # seconds of quiet before an edit is saved


def _loop_scheduler(delay: float, callback: Callable[[], None]):
    """Run ``callback`` after ``delay`` on the kernel's event loop (no thread).

    Outside a running loop (a plain script) there is nothing to wait on:
    returns ``None`` and :class:`Autosave` saves at once, the safe choice.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    return loop.call_later(delay, callback)


#: Every autosave in this process with edits that may still be waiting (see :func:`flush_all`).
_LIVE: "weakref.WeakSet[Autosave]" = weakref.WeakSet()


def flush_all() -> int:
    """Save every pending edit in this process now; returns how many were saved.

    Runs when the interpreter exits, which is how a served page's kernel ends
    when its page is closed (the server shuts idle kernels down), so an edit
    typed just before closing the tab is not lost to the debounce delay.
    """
    saved = 0
    for autosave in list(_LIVE):
        if autosave.pending:
            try:
                autosave.flush()
                saved += 1
            except Exception:  # one failing save must not stop the others at exit
                pass
    return saved


atexit.register(flush_all)


class Autosave:
    """Call ``save`` once edits have been quiet for ``delay`` seconds.

    ``touch()`` after each edit; ``flush()`` saves now if anything is pending;
    ``cancel()`` forgets a pending save (the edit was undone).
    ``scheduler(delay, callback)`` returns a handle with ``cancel()``; tests
    pass one that just records the callback, and a fake ``clock``. Pending
    edits are also saved when the editor closes and when the kernel exits.
    """

    def __init__(
        self,
        save: Callable[[], None],
        delay: float = DELAY,
        scheduler: Callable | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._save, self.delay = save, delay
        self._scheduler = scheduler or _loop_scheduler
        self._clock = clock
        self._handle = None
        self._due: float | None = None
        self.pending = False
        _LIVE.add(self)

    def touch(self) -> None:
        self.pending = True
        self._due = self._clock() + self.delay
        if self._handle is None:
            self._handle = self._scheduler(self.delay, self._wake)
            if self._handle is None and self._scheduler is _loop_scheduler:
                self.flush()

    def _wake(self) -> None:
        self._handle = None
        if not self.pending:
            return
        left = (self._due or 0) - self._clock()
        if left > 0.01:  # typed again meanwhile: wait for the rest of the quiet time
            self._handle = self._scheduler(left, self._wake)
            if self._handle is not None or self._scheduler is not _loop_scheduler:
                return
        self.flush()

    def cancel(self) -> None:
        """Forget the waiting save: what is on screen is what is stored again (an edit undone)."""
        self.pending = False
        self._stop_timer()

    def _stop_timer(self) -> None:
        if self._handle is not None:
            try:
                self._handle.cancel()
            except Exception:
                pass
            self._handle = None

    def flush(self) -> None:
        self._stop_timer()
        if self.pending:
            self.pending = False
            self._save()
