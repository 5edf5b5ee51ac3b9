"""The filters installation templates may use: Jinja2's own, each wrapped in the budget checks.

Left out: ``format`` (printf widths allocate without bound), ``random`` (drafts must be
reproducible), ``pprint`` (indentation grows with the square of nesting depth). Filters whose
numeric argument multiplies their output get a small cap on that number; ``join``, ``replace``
and ``sum`` are estimated before they run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import pass_eval_context
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS
from jinja2.nodes import EvalContext

from sirf.rendering.guards import check_arguments, joined_size, replaced_size
from sirf.rendering.limits import MAX_INT_ARGUMENT, active_budget

EXCLUDED = frozenset({"format", "random", "pprint"})
# Filters whose numeric argument is a width or count their output grows with.
SMALL_NUMBER_CAPS: Mapping[str, int] = {
    "center": 200,
    "indent": 16,
    "wordwrap": 1_000,
    "batch": 1_000,
    "slice": 1_000,
    "round": 100,
    "tojson": 8,
}

Filter = Callable[..., Any]


def guarded(function: Filter, *, max_int: int = MAX_INT_ARGUMENT) -> Filter:
    # functools.wraps copies Jinja's pass_context/pass_eval_context marker, so Jinja still
    # passes the same first argument to the wrapper as it did to the original.
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        budget = active_budget()
        budget.check_time()
        check_arguments(args, kwargs, max_int=max_int)
        budget.check_value(list(args) + list(kwargs.values()), "the filter's input")
        result = function(*args, **kwargs)
        budget.check_value(result, "the filter's result")
        return result

    return run


@pass_eval_context
def _join(eval_ctx: EvalContext, value: Any, d: str = "", attribute: Any = None) -> str:
    items = list(value)  # materialised so its size can be measured before joining
    budget = active_budget()
    budget.check_size(joined_size(items, str(d), budget), "the joined text")
    return str(FILTERS["join"](eval_ctx, items, d, attribute))


@pass_eval_context
def _replace(eval_ctx: EvalContext, s: Any, old: Any, new: Any, count: Any = None) -> str:
    size = replaced_size(str(s), str(old), str(new), count)
    active_budget().check_size(size, "the replaced text")
    return str(FILTERS["replace"](eval_ctx, s, old, new, count))


def _sum(environment: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
    # Summing lists or strings copies quadratically; numbers are all a template needs to add.
    if not isinstance(start, int | float) or isinstance(start, bool):
        raise SecurityError("sum() adds numbers only in templates")
    return FILTERS["sum"](environment, iterable, attribute, start)


_sum.jinja_pass_arg = FILTERS["sum"].jinja_pass_arg  # type: ignore[attr-defined]

REPLACEMENTS: Mapping[str, Filter] = {"join": _join, "replace": _replace, "sum": _sum}


def template_filters() -> dict[str, Filter]:
    chosen = {
        name: REPLACEMENTS.get(name, function) for name, function in FILTERS.items() if name not in EXCLUDED
    }
    return {
        name: guarded(function, max_int=SMALL_NUMBER_CAPS.get(name, MAX_INT_ARGUMENT))
        for name, function in chosen.items()
    }
