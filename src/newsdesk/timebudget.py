"""A time budget for one item's work (one article in a stage, one request's query), checked cooperatively.

No text may hold a stage: the work on one article is bounded by making every step linear in its input and
capped in size, and, as a second line, by a deadline that long loops check between steps (`check_deadline`).
The deadline lives in a context variable, so code deep in a stage checks it without every function passing it
on, and each thread (a server's request threads, the background pass) has its own.

    with deadline(settings.article_time_budget, what=f"article {article.id}"):
        analyse(article)          # raises TimeBudgetError once the budget is spent
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from newsdesk.errors import TimeBudgetError


@dataclass(frozen=True)
class Deadline:
    at: float  # time.monotonic() value after which the work must stop
    seconds: float
    what: str

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def check(self, step: str = "") -> None:
        if time.monotonic() > self.at:
            where = f" (in {step})" if step else ""
            raise TimeBudgetError(f"{self.what}: time budget of {self.seconds:g} s spent{where}")


_current: ContextVar[Deadline | None] = ContextVar("newsdesk_deadline", default=None)


@contextmanager
def deadline(seconds: float | None, what: str = "work") -> Iterator[Deadline | None]:
    """Run the block under a budget of `seconds` (None or <= 0: no budget). An enclosing, earlier deadline stays
    in force: a nested budget can only shorten the time left, never extend it."""
    outer = _current.get()
    if seconds is None or seconds <= 0:
        yield outer
        return
    mine = Deadline(time.monotonic() + seconds, seconds, what)
    chosen = mine if outer is None or mine.at < outer.at else outer
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def check_deadline(step: str = "") -> None:
    """Raise TimeBudgetError when the current deadline (if any) has passed. Cheap: call it in long loops."""
    current = _current.get()
    if current is not None:
        current.check(step)


def current_deadline() -> Deadline | None:
    return _current.get()
