"""F1 scope triage: in-scope kinds are accepted, out-of-scope kinds are refused with where they go."""

import pytest

from sirf.domain.errors import OutOfScope, ValidationFailed
from sirf.domain.scope import REDIRECTS, IncidentKind, OutOfScopeKind, all_kind_names, classify, refusal

# Written from FRAMEWORK.md F1.1-F1.5, independently of the enum.
IN_SCOPE = {
    "customer-emergency": IncidentKind.CUSTOMER_EMERGENCY,  # F1.1
    "saas-outage": IncidentKind.SAAS_OUTAGE,  # F1.2
    "security-incident": IncidentKind.SECURITY_INCIDENT,  # F1.3
    "product-issue": IncidentKind.PRODUCT_ISSUE,  # F1.4
    "release-impact": IncidentKind.RELEASE_IMPACT,  # F1.5
}

# F1.6-F1.10: the requirement each refusal must name and a phrase from where the report goes.
OUT_OF_SCOPE = {
    OutOfScopeKind.INFRASTRUCTURE_ONLY: ("F1.6", "infrastructure incident process"),
    OutOfScopeKind.INTERNAL_OUTAGE: ("F1.7", "internal IT"),
    OutOfScopeKind.SERVICE_REQUEST: ("F1.8", "normal support queue"),
    OutOfScopeKind.FEATURE_REQUEST: ("F1.9", "issue tracker as a feature proposal"),
    OutOfScopeKind.BUG_REPORT: ("F1.9", "issue tracker as a bug"),
    OutOfScopeKind.SUPPORT_QUESTION: ("F1.10", "normal support queue"),
}


def test_the_five_in_scope_kinds_are_exactly_f1_1_to_f1_5():
    assert {kind.value for kind in IncidentKind} == set(IN_SCOPE)


def test_every_out_of_scope_kind_has_a_redirect():
    assert set(OUT_OF_SCOPE) == set(OutOfScopeKind) == set(REDIRECTS)


@pytest.mark.parametrize(("name", "expected"), IN_SCOPE.items())
def test_classify_accepts_each_in_scope_kind(name, expected):
    kind = classify(name)
    assert kind is expected
    assert isinstance(kind, IncidentKind)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  SAAS_OUTAGE ", IncidentKind.SAAS_OUTAGE),
        ("Security-Incident", IncidentKind.SECURITY_INCIDENT),
        ("customer_emergency", IncidentKind.CUSTOMER_EMERGENCY),
        ("BUG_REPORT", OutOfScopeKind.BUG_REPORT),
    ],
)
def test_classify_normalises_case_spaces_and_underscores(raw, expected):
    assert classify(raw) is expected


@pytest.mark.parametrize("kind", list(OutOfScopeKind))
def test_out_of_scope_kind_is_classified_as_such(kind):
    classified = classify(kind.value)
    assert classified is kind
    assert not isinstance(classified, IncidentKind)


@pytest.mark.parametrize("kind", list(OutOfScopeKind))
def test_refusal_names_the_requirement_and_where_the_report_goes(kind):
    requirement, destination = OUT_OF_SCOPE[kind]
    error = refusal(kind)
    assert isinstance(error, OutOfScope)
    assert error.code == "out_of_scope"
    assert kind.value in error.message
    # "(F1.1:" must not match "(F1.10:", so anchor on the parenthesis and colon.
    assert f"({requirement}:" in error.message
    assert f"take it to {REDIRECTS[kind].where}" in error.message
    assert destination in error.message
    assert "SMOC may override" in error.message
    assert error.details == {
        "kind": kind.value,
        "requirement": requirement,
        "redirect_to": REDIRECTS[kind].where,
    }


@pytest.mark.parametrize("raw", ["outage", "", "   ", "customer emergency", "sev1", "saas-outages"])
def test_unknown_kind_is_refused_listing_the_in_scope_choices(raw):
    with pytest.raises(ValidationFailed) as info:
        classify(raw)
    error = info.value
    assert error.code == "invalid_input"
    assert error.details == {"field": "kind"}
    assert repr(raw) in error.message
    for name in IN_SCOPE:
        assert name in error.message


def test_all_kind_names_lists_in_scope_kinds_first_then_the_others():
    names = all_kind_names()
    assert names[:5] == [kind.value for kind in IncidentKind]
    assert set(names[5:]) == {kind.value for kind in OutOfScopeKind}
    assert len(names) == len(set(names)) == 11
