"""F7.1 / F7.2 engagement triggers: each criterion, the "several customers" threshold, SIRT, proposals."""

from datetime import timedelta

import pytest

from sirf.domain.errors import ValidationFailed
from sirf.domain.events import EngagementProposed
from sirf.domain.framework import Framework
from sirf.domain.regions import Region, Roster
from sirf.domain.roles import Role, Source
from sirf.domain.scope import IncidentKind
from sirf.domain.triggers import (
    CRITERIA,
    DEFAULT_TRIGGERS,
    ImpactFacts,
    MetCriterion,
    TriggerContext,
    TriggerRules,
    criteria_met,
)

CMOC, SMOC, IMOC = Role.CMOC, Role.SMOC, Role.IMOC
RULES = TriggerRules(DEFAULT_TRIGGERS)

# Each criterion and a fact that makes it hold (F7.1 for CMOC, F7.2 for SMOC).
FACT_FOR = {
    "several-customers-affected": {"customers_affected": 2},
    "bulk-communication-needed": {"bulk_communication_needed": True},
    "support-coordination-needed": {"support_coordination_needed": True},
    "complex-impact": {"complex_impact": True},
    "resource-conflict": {"resource_conflict": True},
    "sla-at-risk": {"sla_at_risk": True},
    "sirt-involved": {"sirt_involved": True},
}


def _context(*, kind=IncidentKind.SAAS_OUTAGE, from_security=False, several=2, **facts):
    return TriggerContext(
        facts=ImpactFacts(**facts), kind=kind, from_security=from_security, several_customers=several
    )


def _names(role, ctx, rules=RULES):
    return [met.name for met in criteria_met(rules, role, ctx)]


def test_the_catalogue_and_defaults_follow_f7():
    assert set(CRITERIA) == set(FACT_FOR)
    assert DEFAULT_TRIGGERS == {
        CMOC: ("several-customers-affected", "bulk-communication-needed", "support-coordination-needed"),
        SMOC: ("complex-impact", "resource-conflict", "sla-at-risk", "sirt-involved"),
    }


@pytest.mark.parametrize("name", list(CRITERIA))
def test_each_criterion_holds_on_its_fact_and_not_without_it(name):
    assert CRITERIA[name].test(_context(**FACT_FOR[name]))
    assert not CRITERIA[name].test(_context())


@pytest.mark.parametrize(
    ("role", "name"), [(role, name) for role, names in DEFAULT_TRIGGERS.items() for name in names]
)
def test_each_default_criterion_engages_only_its_role(role, name):
    ctx = _context(**FACT_FOR[name])
    other = SMOC if role is CMOC else CMOC
    assert criteria_met(RULES, role, ctx) == (MetCriterion(name, CRITERIA[name].description),)
    assert criteria_met(RULES, other, ctx) == ()
    assert criteria_met(RULES, IMOC, ctx) == ()


def test_several_facts_are_all_reported_in_rule_order():
    ctx = _context(
        customers_affected=50, support_coordination_needed=True, sla_at_risk=True, complex_impact=True
    )
    assert _names(CMOC, ctx) == ["several-customers-affected", "support-coordination-needed"]
    assert _names(SMOC, ctx) == ["complex-impact", "sla-at-risk"]


@pytest.mark.parametrize(
    ("several", "customers", "engaged"),
    [(2, None, False), (2, 0, False), (2, 1, False), (2, 2, True), (3, 2, False), (3, 3, True), (1, 1, True)],
)
def test_several_customers_threshold(several, customers, engaged):
    ctx = _context(several=several, customers_affected=customers)
    assert CRITERIA["several-customers-affected"].test(ctx) is engaged


@pytest.mark.parametrize(
    ("kind", "from_security", "involved"),
    [
        (IncidentKind.SECURITY_INCIDENT, False, True),
        (IncidentKind.SAAS_OUTAGE, True, True),
        (IncidentKind.SECURITY_INCIDENT, True, True),
        (IncidentKind.SAAS_OUTAGE, False, False),
        (IncidentKind.PRODUCT_ISSUE, False, False),
    ],
)
def test_security_kind_or_source_implies_sirt_involved(kind, from_security, involved):
    ctx = _context(kind=kind, from_security=from_security)
    assert ("sirt-involved" in _names(SMOC, ctx)) is involved


def test_rules_can_move_a_criterion_to_another_role():
    rules = TriggerRules({CMOC: ("sla-at-risk",)}, several_customers=5)
    ctx = _context(sla_at_risk=True, customers_affected=4)
    assert _names(CMOC, ctx, rules) == ["sla-at-risk"]
    assert _names(SMOC, ctx, rules) == []


def test_trigger_rules_refuse_an_unknown_criterion_listing_the_known_ones():
    with pytest.raises(ValidationFailed) as info:
        TriggerRules({SMOC: ("sla-at-risk", "moon-is-full")})
    error = info.value
    assert error.details == {"field": "triggers.smoc"}
    assert "SMOC names unknown criterion 'moon-is-full'" in error.message
    for name in CRITERIA:
        assert name in error.message


@pytest.mark.parametrize("several", [0, -3])
def test_trigger_rules_refuse_a_threshold_below_one(several):
    with pytest.raises(ValidationFailed) as info:
        TriggerRules(DEFAULT_TRIGGERS, several_customers=several)
    assert info.value.details == {"field": "triggers.several_customers"}


def test_impact_facts_refuse_a_negative_customer_count():
    with pytest.raises(ValidationFailed) as info:
        ImpactFacts(customers_affected=-1)
    assert info.value.details == {"field": "customers_affected"}


# ----- on the incident: engagements and proposals from the roster ----------------------------------

ROSTER = Roster(
    {
        SMOC: {Region.EMEA: ["eve", "emil"], Region.AMER: ["al"]},
        CMOC: {Region.EMEA: ["cara"], Region.APAC: ["pia"]},
    }
)


def _verdict(incident, framework, role, at):
    return next(e for e in incident.engagements(framework, at=at) if e.role is role)


def test_security_source_engages_smoc_and_proposes_the_on_call_person_by_region(declare, clock):
    framework = Framework(roster=ROSTER)
    incident = declare(source=Source.SECURITY, framework=framework)
    emea = clock.now  # 09:00 UTC
    smoc = _verdict(incident, framework, SMOC, emea)
    assert smoc.engage
    assert smoc.vacant_but_needed
    assert [c.name for c in smoc.criteria_met] == ["sirt-involved"]
    assert (smoc.holder, smoc.proposed) == (None, "eve")

    amer = emea + timedelta(hours=7)  # 16:00 UTC
    assert _verdict(incident, framework, SMOC, amer).proposed == "al"
    apac = emea + timedelta(hours=16)  # 01:00 UTC: nobody is listed for APAC
    assert _verdict(incident, framework, SMOC, apac).proposed is None

    cmoc = _verdict(incident, framework, CMOC, emea)
    assert (cmoc.engage, cmoc.criteria_met, cmoc.proposed) == (False, (), None)


def test_security_kind_engages_smoc_even_from_a_support_source(declare, clock):
    framework = Framework(roster=ROSTER)
    incident = declare(kind=IncidentKind.SECURITY_INCIDENT, framework=framework)
    assert _verdict(incident, framework, SMOC, clock.now).engage


def test_impact_update_engages_cmoc_and_a_held_role_gets_no_proposal(incident, clock):
    framework = Framework(roster=ROSTER)
    assert not _verdict(incident, framework, CMOC, clock.now).engage
    incident.update_impact(ImpactFacts(customers_affected=3), actor="ana", at=clock.tick())
    cmoc = _verdict(incident, framework, CMOC, clock.now)
    assert cmoc.engage
    assert cmoc.proposed == "cara"

    incident.assign(CMOC, "zed", actor="ana", at=clock.tick(), framework=framework)
    cmoc = _verdict(incident, framework, CMOC, clock.now)
    assert (cmoc.engage, cmoc.holder, cmoc.proposed, cmoc.vacant_but_needed) == (True, "zed", None, False)


def test_engagements_use_the_framework_threshold(incident, clock):
    incident.update_impact(ImpactFacts(customers_affected=3), actor="ana", at=clock.tick())
    strict = Framework(triggers=TriggerRules(DEFAULT_TRIGGERS, several_customers=10))
    assert not _verdict(incident, strict, CMOC, clock.now).engage
    assert _verdict(incident, Framework(), CMOC, clock.now).engage


def test_propose_engagement_records_the_proposal(declare, clock):
    framework = Framework(roster=ROSTER)
    incident = declare(source=Source.SECURITY, framework=framework)
    incident.take_events()
    at = clock.tick()
    incident.propose_engagement(_verdict(incident, framework, SMOC, at), actor="sirf", at=at)
    [event] = incident.take_events()
    assert isinstance(event, EngagementProposed)
    assert event.payload() == {"role": "smoc", "proposed": "eve", "criteria": ["sirt-involved"]}
