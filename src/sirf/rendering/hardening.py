"""Rewrite a parsed override so every repeating or growing construct passes through the budget.

The sandbox sees calls, attribute access and (intercepted) operators, but not the three things a
loop bomb is made of: loop steps, literal output and ``~`` concatenation. So after parsing, before
compiling, each ``{% for %}`` iterable is wrapped in ``sirf_iterate``, each piece of output
(literal text included, also inside ``{% set %}`` blocks and macros) in ``sirf_emit``, and each
``a ~ b`` becomes ``sirf_concat``. ``extends``/``include``/``import`` are refused: an override is
one self-contained template.

This cooperative deadline is our time limit. A watchdog thread was the alternative, but Python
cannot stop a thread: a timed-out render would go on burning CPU and memory in the background.
Checking the deadline inside the render stops the work itself, at a cost of one clock read per
loop step or output piece.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from jinja2 import Environment, nodes, pass_context
from jinja2.exceptions import TemplateSyntaxError
from jinja2.runtime import Context, Undefined
from jinja2.visitor import NodeTransformer

from sirf.rendering.limits import active_budget, estimated_size

EMIT = "sirf_emit"
ITERATE = "sirf_iterate"
CONCAT = "sirf_concat"


def harden(tree: nodes.Template, environment: Environment) -> nodes.Template:
    hardened = _Hardener().visit(tree)
    hardened.set_environment(environment)
    return hardened  # type: ignore[no-any-return]


class _Hardener(NodeTransformer):
    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        node.nodes = [_through(EMIT, child) for child in node.nodes]
        return node

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _through(ITERATE, node.iter)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _through(CONCAT, nodes.List(node.nodes, lineno=node.lineno))

    def visit_Extends(self, node: nodes.Extends) -> nodes.Node:
        return _refuse("extends", node)

    def visit_Include(self, node: nodes.Include) -> nodes.Node:
        return _refuse("include", node)

    def visit_Import(self, node: nodes.Import) -> nodes.Node:
        return _refuse("import", node)

    def visit_FromImport(self, node: nodes.FromImport) -> nodes.Node:
        return _refuse("from ... import", node)


def _through(name: str, node: nodes.Node) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


def _refuse(tag: str, node: nodes.Node) -> nodes.Node:
    raise TemplateSyntaxError(f"'{tag}' is not available in template overrides", node.lineno)


# The guard filters take the context so Jinja never evaluates them while compiling.


@pass_context
def emit(context: Context, value: Any) -> Any:
    if not isinstance(value, Undefined):  # printing an undefined raises the proper error itself
        active_budget().count_output(value)
    return value


@pass_context
def iterate(context: Context, iterable: Iterable[Any]) -> Iterator[Any]:
    budget = active_budget()
    for item in iterable:
        budget.check_time()
        yield item


@pass_context
def concat(context: Context, parts: list[Any]) -> str:
    budget = active_budget()
    budget.check_time()
    budget.check_size(estimated_size(parts, budget.limits.max_value_chars), "the joined text")
    return "".join(str(part) for part in parts)


GUARD_FILTERS = {EMIT: emit, ITERATE: iterate, CONCAT: concat}
