"""Random template source: the only outcomes are rendered text or our TemplateOverrideError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sirf.rendering.errors import TemplateOverrideError
from sirf.rendering.limits import RenderLimits
from sirf.rendering.overrides import TemplateOverrides
from sirf.templates.samples import full_context

CONTEXT = full_context()
LIMITS = RenderLimits(max_render_seconds=0.05)  # the reliability plan's 50 ms fuzzing budget
FRAGMENTS = [
    "{{", "}}", "{%", "%}", "{#", "#}", " ", "\n", "for ", " in ", "endfor", "if ", "endif", "else",
    "set ", "=", "endset", "macro ", "endmacro", "call ", "endcall", "caller()", "namespace(", "ns.x",
    "range(", ")", "(", "[", "]", ",", ".", "|", "~", "*", "**", "+", "%", "/", "'a'", '"b"', "10", "9",
    "x", "i", "f", "default", "title", "tickets", "current_actions", "blank(", "loop.index", "upper",
    "join", "replace", "center", "attr(", "'__class__'", "__globals__", "format", "self", "cycler",
    "dict(", "recursive", "loop(", "-", "not ", "and ", " is ", "defined", "none",
]  # fmt: skip
sources = st.one_of(st.text(max_size=200), st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sources)
def test_random_sources_render_or_fail_with_our_error(source: str) -> None:
    try:
        overrides = TemplateOverrides.compile({"periodic": source}, limits=LIMITS, check_with={})
        output = overrides.render("periodic", CONTEXT, default="DEFAULT")
    except TemplateOverrideError as error:
        failed_in = error.template
    else:
        failed_in = None
        assert len(output.encode()) <= LIMITS.max_output_bytes
    assert failed_in in (None, "periodic")
