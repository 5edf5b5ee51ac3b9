"""The Jinja2 environment installation overrides run in.

``ImmutableSandboxedEnvironment`` already refuses private and internal attributes and methods that
modify lists, dicts and sets. On top of it: autoescape off (the output is Markdown, sanitised when
turned into HTML), ``StrictUndefined`` (a misspelt name is an error, not a silent gap in a customer
message), no constant folding (no template code runs while compiling), a short list of globals,
guarded filters, allow-listed methods (no ``str.format``), and the budget checked on every call and on the
operators that can allocate (``+ * ** %``).
"""

from __future__ import annotations

from typing import Any

from jinja2 import StrictUndefined
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range
from jinja2.utils import Cycler, Joiner, Namespace

from sirf.rendering.filters import template_filters
from sirf.rendering.guards import allowed_methods, check_arguments, check_binop, check_method
from sirf.rendering.hardening import GUARD_FILTERS
from sirf.rendering.limits import active_budget


class GuardedSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self) -> None:
        super().__init__(
            autoescape=False,
            undefined=StrictUndefined,
            optimized=False,
            keep_trailing_newline=True,
        )
        self.filters = {**template_filters(), **GUARD_FILTERS}
        # No lipsum (its size argument is a bomb) and nothing else beyond Jinja's basics;
        # range is the sandbox's, capped at MAX_RANGE items.
        self.globals = {
            "range": safe_range,
            "dict": dict,
            "cycler": Cycler,
            "joiner": Joiner,
            "namespace": Namespace,
        }

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = active_budget()
        budget.check_time()
        check_binop(operator, left, right, budget)
        result = super().call_binop(context, operator, left, right)
        budget.check_value(result)
        return result

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        budget = active_budget()
        budget.check_time()
        check_method(__obj, args, budget)
        check_arguments(args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        budget.check_value(result)
        return result

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # Methods of the plain data are allow-listed, so ``'a'.format``, ``'a'.ljust`` and the like
        # are unsafe attributes: reading one already fails, before anything calls it.
        if not super().is_safe_attribute(obj, attr, value):
            return False
        allowed = allowed_methods(obj)
        return allowed is None or not callable(value) or attr in allowed

    def wrap_str_format(self, value: Any) -> None:
        # The sandbox would hand out a sandboxed ``str.format``; its formatter blocks attribute
        # tricks but not width bombs ("{:>999999999}"), so format is refused as an attribute instead.
        return None
