"""Installation overrides: rendered with the context as plain data, inside a hardened sandbox."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from sirf.rendering.errors import TemplateOverrideError
from sirf.rendering.limits import RenderLimits
from sirf.rendering.overrides import TemplateOverrides
from sirf.templates.context import TemplateContext


def render(source: str, context: TemplateContext, *, limits: RenderLimits | None = None) -> str:
    overrides = TemplateOverrides.compile({"periodic": source}, limits=limits, check_with={})
    return overrides.render("periodic", context, default="DEFAULT\n")


def refused(source: str, context: TemplateContext) -> TemplateOverrideError:
    with pytest.raises(TemplateOverrideError) as caught:
        render(source, context)
    return caught.value


def test_an_override_renders_the_context_as_plain_values(full: TemplateContext) -> None:
    source = (
        "## #{{ incident_number }} {{ title }} ({{ severity }}, {{ status }})\n"
        "Detected {{ detected_at }}; duration {{ duration }}.\n"
        "{% for action in current_actions %}- {{ action.title }} ({{ action.owner }})\n{% endfor %}"
        "Top: {{ tickets.top_issues[0].issue }} / {{ tickets.csat_trend }}\n"
        "{{ blank('what customers should do') }}\n{{ default }}"
    )
    assert render(source, full) == (
        "## #42 Checkout fails for EU customers (SEV2, Resolved)\n"
        "Detected 2026-03-02 08:55 UTC; duration 3 hours 15 minutes.\n"
        "- Monitor payment error rates (erin)\n"
        "- Prepare a bulk reply macro for affected tickets (alice)\n"
        "Top: Card payment times out at checkout / Declining\n"
        "[[TODO: what customers should do]]\nDEFAULT\n"
    )


def test_the_context_exposes_no_objects_of_ours(full: TemplateContext) -> None:
    assert render("{{ roles[0] }} {{ engagements[0].criteria[0] }} {{ region }}", full) == (
        "{'role': 'CMOC', 'holder': 'alice'} several customers are affected EMEA"
    )


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ joiner.__init__.__globals__.os }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ ''|attr('__class__') }}",
        "{{ (''|attr('__class__')).__base__ }}",
        "{{ 'a'.format }}",
        "{{ '{0.__class__}'.format(1) }}",
        "{{ ''|attr('format') }}",
        "{{ ('{0.__class__.__base__}'|attr('format'))(1) }}",
        "{{ '{:>999999999}'.format_map({}) }}",
        "{{ self._TemplateReference__context }}",
        "{{ self.__init__.__globals__ }}",
        "{{ title.__len__() }}",
        "{{ range.__globals__ }}",
        "{{ blank.__globals__ }}",
        "{{ dict.fromkeys(range(10)) }}",
        "{{ 'x'.ljust(99999) }}",
        "{{ '%s' % title }}",
        "{% set f = title.encode %}{{ f('utf-8') }}",
    ],
)
def test_known_sandbox_escapes_are_refused(source: str, full: TemplateContext) -> None:
    assert "refused by the sandbox" in refused(source, full).reason


@pytest.mark.parametrize("name", ["config", "request", "lipsum", "url_for", "get_flashed_messages", "os"])
def test_framework_globals_are_absent(name: str, full: TemplateContext) -> None:
    assert refused(f"{{{{ {name} }}}}", full).reason == f"'{name}' is undefined"


@pytest.mark.parametrize(
    "source",
    [
        "{{ current_actions.append(1) }}",
        "{{ affected_services.pop() }}",
        "{{ tickets.update({'active_tickets': 0}) }}",
        "{{ tickets.clear() }}",
        "{{ tickets.setdefault('x', 1) }}",
    ],
)
def test_the_data_cannot_be_mutated(source: str, full: TemplateContext) -> None:
    assert "unsafe" in refused(source, full).reason


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{% for i in range(10**9) %}x{% endfor %}", "too large"),
        ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "200 ms"),
        (
            "{% set b %}{% for i in range(99999) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}"
            "{% endset %}",
            "",
        ),
        ("{% for c in title * 4000 %}{% for d in title * 4000 %}{% endfor %}{% endfor %}", "200 ms"),
        ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "nest too deeply"),
        ("{{ 'x' * 10**9 }}", "the limit is"),
        ("{{ 9 ** 999999 }}", "too large to compute"),
        ("{% set s = 'x' * 60000 %}{{ s.replace('', s) }}", "the limit is"),
        ("{% set s = 'x' * 60000 %}{{ s|replace('', s) }}", "the limit is"),
        ("{% set s = 'x' * 60000 %}{{ s.join(['a'] * 1000) }}", "the limit is"),
        ("{{ 'x'|center(10**9) }}", "too large"),
        ("{{ 'x'|indent(10**6) }}", "too large"),
        (
            "{% set ns = namespace(s='xy') %}"
            "{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "",
        ),
        ("{{ [[1]] * 1000|sum(start=[]) }}", "numbers only"),
        ("{% set s = 'x' * 100000 %}{{ [s, s, s, s]|join }}", "the limit is"),
    ],
)
def test_bombs_are_stopped(source: str, reason: str, full: TemplateContext) -> None:
    started = time.perf_counter()
    error = refused(source, full)
    assert reason in error.reason
    assert time.perf_counter() - started < 1.0


def test_output_over_the_size_limit_is_refused(full: TemplateContext) -> None:
    # Few loop turns with large pieces: the size limit must trip, not the time limit on a busy host.
    error = refused("{% for i in range(70) %}{{ 'x' * 1000 }}{% endfor %}", full)
    assert error.reason == "the output is 70,000 bytes; the limit is 65,536"


def test_limits_are_configurable(full: TemplateContext) -> None:
    small = RenderLimits(max_output_bytes=1024, max_render_seconds=0.05)
    with pytest.raises(TemplateOverrideError, match="50 ms"):
        render(
            "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
            full,
            limits=small,
        )
    with pytest.raises(TemplateOverrideError, match="1,024"):
        render("{{ 'x' * 1500 }}", full, limits=small)


def test_errors_name_the_template_and_line(full: TemplateContext) -> None:
    error = refused("fine\n{{ tickets.nope }}\n", full)
    assert (error.template, error.line) == ("periodic", 2)
    assert str(error).startswith("template override 'periodic', line 2: ")


def test_syntax_errors_fail_compilation_with_the_line() -> None:
    with pytest.raises(TemplateOverrideError) as caught:
        TemplateOverrides.compile({"initial": "ok\nok\n{% for x in %}"})
    assert caught.value.line == 3


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{% include 'other' %}", "'include' is not available"),
        ("{% extends 'base' %}", "'extends' is not available"),
        ("{% import 'm' as m %}", "'import' is not available"),
        ("{{ x|format(1) }}", "No filter named 'format'"),
        ("{{ x|random }}", "No filter named 'random'"),
    ],
)
def test_unsupported_features_fail_compilation(source: str, reason: str) -> None:
    with pytest.raises(TemplateOverrideError, match=reason):
        TemplateOverrides.compile({"initial": source})


def test_a_template_that_fails_on_a_new_incident_fails_at_compile_time() -> None:
    with pytest.raises(TemplateOverrideError) as caught:
        TemplateOverrides.compile({"executive": "{{ default }}\nTickets: {{ tickets.total_tickets }}"})
    assert caught.value.line == 2
    assert "minimal sample incident" in caught.value.reason


def test_guarded_templates_can_still_handle_missing_figures(minimal: TemplateContext) -> None:
    source = "Tickets: {{ tickets.total_tickets if tickets else blank('number') }}"
    overrides = TemplateOverrides.compile({"executive": source})
    assert overrides.render("executive", minimal, default="") == "Tickets: [[TODO: number]]"


def test_unknown_template_names_are_refused() -> None:
    with pytest.raises(TemplateOverrideError, match="valid names: initial, periodic"):
        TemplateOverrides.compile({"weekly": "x"})


def test_an_overlong_source_is_refused() -> None:
    with pytest.raises(TemplateOverrideError, match="characters; the limit is"):
        TemplateOverrides.compile({"initial": "x" * 70_000})


def test_concurrent_renders_keep_their_own_budgets(full: TemplateContext) -> None:
    overrides = TemplateOverrides.compile(
        {
            "initial": "{% for a in current_actions %}{{ a.title|upper }}\n{% endfor %}",
            "periodic": "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
        },
        check_with={},
    )

    def attempt(name: str) -> str:
        try:
            return overrides.render(name, full, default="")
        except TemplateOverrideError as exc:
            return exc.reason

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, ["initial", "periodic"] * 4))
    assert (
        results[0::2]
        == ["MONITOR PAYMENT ERROR RATES\nPREPARE A BULK REPLY MACRO FOR AFFECTED TICKETS\n"] * 4
    )
    assert all("200 ms" in result for result in results[1::2])
