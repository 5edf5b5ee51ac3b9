"""Checks that keep one template operation from allocating or computing without bound.

The sandbox already refuses unsafe attributes; these checks refuse *expensive* operations before
they run: ``'x' * 10**9``, ``9 ** 9 ** 9``, ``s.replace('', s)``, ``'%0999999999d' % 1``,
``sep.join(huge)``, and method calls outside a short allow-list (``str.format``,
``str.ljust(10**9)``, ``dict.fromkeys(...)`` ...). Sizes are estimated first, then the operation
runs, then its result is measured again.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from typing import Any

from jinja2.exceptions import SecurityError

from sirf.rendering.limits import MAX_INT_ARGUMENT, MAX_INT_BITS, Budget, RenderLimitExceeded, estimated_size

_READ_ONLY_SEQUENCE = frozenset({"count", "index"})
# Methods a template may call on the plain data it is given; each returns at most about the size
# of its input (``replace`` and ``join`` are estimated separately).
SAFE_METHODS: Mapping[type, frozenset[str]] = {
    str: frozenset(
        [
            "capitalize",
            "casefold",
            "count",
            "endswith",
            "find",
            "isalnum",
            "isalpha",
            "isdigit",
            "islower",
            "isnumeric",
            "isspace",
            "istitle",
            "isupper",
            "join",
            "lower",
            "lstrip",
            "partition",
            "removeprefix",
            "removesuffix",
            "replace",
            "rfind",
            "rpartition",
            "rsplit",
            "rstrip",
            "split",
            "splitlines",
            "startswith",
            "strip",
            "swapcase",
            "title",
            "upper",
        ]
    ),
    dict: frozenset({"get", "items", "keys", "values"}),
    list: _READ_ONLY_SEQUENCE,
    tuple: _READ_ONLY_SEQUENCE,
}


def check_arguments(
    args: Sequence[Any], kwargs: Mapping[str, Any], *, max_int: int = MAX_INT_ARGUMENT
) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > max_int:
            raise RenderLimitExceeded(f"the number {value} is too large here (the limit is {max_int:,})")


def allowed_methods(owner: Any) -> frozenset[str] | None:
    """The methods a template may use on ``owner``; None when it is not plain data."""
    return next((names for kind, names in SAFE_METHODS.items() if isinstance(owner, kind)), None)


def check_method(method: Any, args: Sequence[Any], budget: Budget) -> None:
    """Allow-list methods of plain data; refuse any other built-in (``dict.fromkeys``, ``int.to_bytes``)."""
    owner = getattr(method, "__self__", None)
    kind = next((kind for kind in SAFE_METHODS if isinstance(owner, kind)), None)
    name = getattr(method, "__name__", "?")
    if kind is None:
        if isinstance(method, types.BuiltinMethodType):
            raise SecurityError(f"calling {name}() is not allowed in templates")
        return
    if name not in SAFE_METHODS[kind]:
        raise SecurityError(f"{kind.__name__}.{name}() is not allowed in templates")
    if kind is str and name == "replace" and len(args) >= 2:
        count = args[2] if len(args) > 2 else -1
        budget.check_size(replaced_size(str(owner), str(args[0]), str(args[1]), count), "the replaced text")
    if kind is str and name == "join" and args:
        budget.check_size(joined_size(args[0], str(owner), budget), "the joined text")


def replaced_size(text: str, old: str, new: str, count: Any) -> int:
    occurrences = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        occurrences = min(occurrences, count)
    return len(text) + occurrences * max(0, len(new) - len(old))


def joined_size(items: Any, separator: str, budget: Budget) -> int:
    if not isinstance(items, list | tuple | str):
        return 0  # generators are measured by the filter wrapper once materialised
    limit = budget.limits.max_value_chars
    return estimated_size(list(items), limit) + len(separator) * len(items)


def check_binop(operator: str, left: Any, right: Any, budget: Budget) -> None:
    if operator == "%" and isinstance(left, str):
        raise SecurityError("printf-style '%' formatting is not available in templates; use '~' or filters")
    if operator == "**":
        _check_power(left, right)
    elif operator == "*":
        _check_product(left, right, budget)
    elif operator == "+" and not _is_number(left):
        limit = budget.limits.max_value_chars
        budget.check_size(estimated_size(left, limit) + estimated_size(right, limit))


def _check_power(base: Any, exponent: Any) -> None:
    growing = _is_int(base) and _is_int(exponent) and exponent > 0 and abs(base) > 1
    if growing and base.bit_length() * exponent > MAX_INT_BITS:
        raise RenderLimitExceeded(f"{base} ** {exponent} is too large to compute")


def _check_product(left: Any, right: Any, budget: Budget) -> None:
    if _is_int(left) and _is_int(right):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise RenderLimitExceeded("the product is too large to compute")
        return
    times, sequence = (left, right) if _is_int(left) else (right, left)
    if _is_int(times) and times > 0:
        budget.check_size(
            estimated_size(sequence, budget.limits.max_value_chars) * times, "the repeated value"
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | complex)
