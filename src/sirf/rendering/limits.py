"""Resource limits for installation-written templates: time, output size and value size.

A render gets a ``Budget`` (held in a context variable, so concurrent renders in threads or tasks
never share one). The sandbox hooks and the hardened template code call into it at every point
where work can repeat or grow: each loop step, each call, each intercepted operator, each piece
of output. Any of them raises ``RenderLimitExceeded`` once the deadline has passed or a value or
the output would grow past its limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

# Numbers a template may pass to a call or filter (widths, counts, ranges); larger ones are bombs.
MAX_INT_ARGUMENT = 100_000
# Integers a template may compute (about 1,200 decimal digits); ``9**9**9`` is refused, not computed.
MAX_INT_BITS = 4_096
# What an object of unknown shape is assumed to cost when estimating a value's printed size.
OPAQUE_SIZE = 8


class RenderLimitExceeded(Exception):
    """A template went past a limit; the override layer reports it as a template error."""


@dataclass(frozen=True)
class RenderLimits:
    max_output_bytes: int = 64 * 1024
    max_render_seconds: float = 0.2
    max_source_chars: int = 64 * 1024

    @property
    def max_value_chars(self) -> int:
        """Largest single string or collection a template may build (room for ``{% set %}`` work)."""
        return 2 * self.max_output_bytes

    @property
    def max_emitted_chars(self) -> int:
        """All text a render may produce, captured blocks and macro output included."""
        return 4 * self.max_output_bytes


class Budget:
    def __init__(self, limits: RenderLimits, clock: Callable[[], float] = time.perf_counter) -> None:
        self.limits = limits
        self._clock = clock
        self.deadline = clock() + limits.max_render_seconds
        self.emitted = 0

    def check_time(self) -> None:
        if self._clock() > self.deadline:
            milliseconds = round(self.limits.max_render_seconds * 1000)
            raise RenderLimitExceeded(f"rendering took longer than the {milliseconds} ms limit")

    def check_size(self, size: int, what: str = "a value") -> None:
        if size > self.limits.max_value_chars:
            raise RenderLimitExceeded(
                f"{what} would be about {size:,} characters; the limit is {self.limits.max_value_chars:,}"
            )

    def check_value(self, value: Any, what: str = "a value") -> None:
        self.check_size(estimated_size(value, self.limits.max_value_chars), what)

    def count_output(self, value: Any) -> None:
        self.check_time()
        self.emitted += estimated_size(value, self.limits.max_emitted_chars)
        if self.emitted > self.limits.max_emitted_chars:
            raise RenderLimitExceeded(
                f"the template produced more than {self.limits.max_emitted_chars:,} characters of text"
            )


_ACTIVE: ContextVar[Budget | None] = ContextVar("sirf_render_budget", default=None)


def active_budget() -> Budget:
    budget = _ACTIVE.get()
    if budget is None:
        # Template code only runs inside ``budget_for``; anything else (say, constant folding
        # while compiling) must not run user code at all.
        raise RenderLimitExceeded("template code may only run while rendering")
    return budget


@contextmanager
def budget_for(limits: RenderLimits) -> Iterator[Budget]:
    budget = Budget(limits)
    token = _ACTIVE.set(budget)
    try:
        yield budget
    finally:
        _ACTIVE.reset(token)


def estimated_size(value: Any, limit: int) -> int:
    """Roughly how many characters ``value`` prints as; stops counting once past ``limit``.

    Walks containers iteratively (no recursion, so deep nesting cannot overflow the stack) and
    counts shared references every time, because printing repeats them.
    """
    total = 0
    pending = [value]
    while pending and total <= limit:
        item = pending.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, bool) or item is None:
            total += 5
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 1
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 + len(item)
            pending.extend(item)
        elif isinstance(item, dict):
            total += 2 + 2 * len(item)
            pending.extend(item.keys())
            pending.extend(item.values())
        else:
            total += OPAQUE_SIZE
    return total
