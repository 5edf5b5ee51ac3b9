"""Installation overrides of the F8 templates, written in Jinja2 and run in a hardened sandbox.

Compiled once at start-up (``TemplateOverrides.compile``): a syntax error, an unknown name or a
template that fails on the sample incidents stops start-up with the template's name and line.
At render time the context is handed over as plain data, plus ``blank(description)``, ``default``
(the built-in rendering, to wrap or extend) and ``template`` (the name). Limits: output size, render
time, and per-value size (see ``limits`` and ``hardening``). Every failure, whatever its cause, is
one ``TemplateOverrideError``.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from typing import Any

from jinja2 import Template
from jinja2.exceptions import SecurityError, TemplateSyntaxError

from sirf.rendering.data import plain_record
from sirf.rendering.errors import TemplateOverrideError
from sirf.rendering.hardening import harden
from sirf.rendering.limits import RenderLimitExceeded, RenderLimits, budget_for
from sirf.rendering.sandbox import GuardedSandbox
from sirf.templates.blanks import blank
from sirf.templates.context import TemplateContext
from sirf.templates.registry import TEMPLATES, get_template
from sirf.templates.samples import sample_contexts


class TemplateOverrides:
    """Compiled overrides by template name; safe to share between threads."""

    def __init__(self, templates: Mapping[str, Template], limits: RenderLimits) -> None:
        self._templates = dict(templates)
        self.limits = limits

    @classmethod
    def compile(
        cls,
        sources: Mapping[str, str],
        *,
        limits: RenderLimits | None = None,
        check_with: Mapping[str, TemplateContext] | None = None,
    ) -> TemplateOverrides:
        """Compile every override, then trial-render each against ``check_with`` (default: the
        sample incidents, one just declared and one resolved) so broken templates fail now."""
        limits = limits or RenderLimits()
        environment = GuardedSandbox()
        compiled = {name: _compile(environment, name, source, limits) for name, source in sources.items()}
        overrides = cls(compiled, limits)
        contexts = sample_contexts() if check_with is None and sources else (check_with or {})
        for label, context in contexts.items():
            overrides.check(context, label=label)
        return overrides

    def __contains__(self, name: object) -> bool:
        return name in self._templates

    @property
    def names(self) -> list[str]:
        return list(self._templates)

    def render(self, name: str, context: TemplateContext, *, default: str) -> str:
        template = self._templates[name]
        data: dict[str, Any] = {**plain_record(context), "blank": blank, "default": default, "template": name}
        try:
            with budget_for(self.limits):
                output = template.render(data)
        except Exception as exc:  # installation code: every failure becomes one error
            raise TemplateOverrideError(name, _describe(exc), line=_template_line(exc, name)) from exc
        size = len(output.encode("utf-8", errors="replace"))
        if size > self.limits.max_output_bytes:
            raise TemplateOverrideError(
                name, f"the output is {size:,} bytes; the limit is {self.limits.max_output_bytes:,}"
            )
        return output

    def check(self, context: TemplateContext, *, label: str) -> None:
        for name in self._templates:
            try:
                self.render(name, context, default=get_template(name).render(context))
            except TemplateOverrideError as exc:
                raise TemplateOverrideError(
                    name, f"{exc.reason} (when rendering the {label} sample incident)", line=exc.line
                ) from exc


def _compile(environment: GuardedSandbox, name: str, source: str, limits: RenderLimits) -> Template:
    if name not in TEMPLATES:
        raise TemplateOverrideError(name, f"no such template; valid names: {', '.join(TEMPLATES)}")
    if len(source) > limits.max_source_chars:
        raise TemplateOverrideError(
            name, f"the template is {len(source):,} characters; the limit is {limits.max_source_chars:,}"
        )
    filename = _filename(name)
    try:
        tree = harden(environment.parse(source, name=name, filename=filename), environment)
        code = environment.compile(tree, name=name, filename=filename)
        return environment.template_class.from_code(environment, code, environment.make_globals(None))
    except TemplateSyntaxError as exc:
        raise TemplateOverrideError(name, exc.message or "invalid syntax", line=exc.lineno) from None
    except Exception as exc:  # e.g. RecursionError on absurd nesting
        raise TemplateOverrideError(name, f"cannot be compiled: {_describe(exc)}") from None


def _filename(name: str) -> str:
    return f"templates.{name}"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SecurityError):
        return f"refused by the sandbox: {exc}"
    if isinstance(exc, RenderLimitExceeded):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "calls nest too deeply (does a macro call itself without end?)"
    text = str(exc) or type(exc).__name__
    return text if type(exc).__module__.startswith("jinja2") else f"{type(exc).__name__}: {text}"


def _template_line(exc: BaseException, name: str) -> int | None:
    """The template line the error came from (Jinja rewrites tracebacks to template lines)."""
    filename = _filename(name)
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == filename]
    return lines[-1] if lines else None
