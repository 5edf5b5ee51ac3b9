"""The framework file's ``[tickets]`` section: tags, segments, macros, queue health, SLA and surges."""

from __future__ import annotations

import tomllib
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest

from sirf.domain.impact import QueueThresholds
from sirf.domain.regions import Region
from sirf.domain.sla import SlaPolicy
from sirf.domain.surge import SurgePolicy
from sirf.domain.ticket_policy import TicketPolicy
from sirf.domain.tickets import Segment, TagClassifier, TicketPriority
from sirf.framework.loader import FrameworkConfigError, framework_from_mapping

EXAMPLE = Path(__file__).parents[2] / "src" / "sirf" / "framework" / "example.toml"

FULL = """
[tickets]
tag_convention = "inc-{id}"
escalation_tags = ["escalated", "star"]
opted_out_organizations = ["Acme Corp", " Globex "]
csat_baseline_days = 60

[tickets.segments]
enterprise = ["sub_dotcom_ultimate", "sub_sm_ultimate"]
smb = ["sub_dotcom_premium"]

[tickets.regions]
emea = ["region_emea", "country_de"]

[tickets.macros]
first_response = "Hello {{ requester }}, we are investigating (#{{ incident_id }})."
all-clear = "Fixed: {{incident_title}}"

[tickets.queue_health]
strained_awaiting = 10
critical_response = "2h"

[tickets.sla]
targets = { urgent = "15m", low = "2h" }
always_on = ["urgent", "high"]
at_risk_fraction = 0.5
default_region = "emea"

[tickets.sla.calendars.apac]
timezone = "Asia/Tokyo"
hours = "09:00-17:00"

[tickets.surge]
multiple = 4.0
min_count = 8
window = "30m"
baseline_days = 7
"""


def tickets(section: dict[str, Any]) -> TicketPolicy:
    return framework_from_mapping({"tickets": section}, source="sirf.toml").tickets


def test_a_full_section_gives_the_policy_it_describes() -> None:
    policy = framework_from_mapping(tomllib.loads(FULL)).tickets
    defaults = TagClassifier()

    assert policy.tag_convention == "inc-{id}"
    assert policy.classifier.escalation_tags == frozenset({"escalated", "star"})
    assert policy.classifier.segment_tags == {
        Segment.ENTERPRISE: frozenset({"sub_dotcom_ultimate", "sub_sm_ultimate"}),
        Segment.SMB: frozenset({"sub_dotcom_premium"}),
        Segment.PERSONAL: defaults.segment_tags[Segment.PERSONAL],  # not named: keeps its default
    }
    assert policy.classifier.region_tags[Region.EMEA] == frozenset({"region_emea", "country_de"})
    assert policy.classifier.region_tags[Region.AMER] == frozenset({"region_amer"})
    assert policy.classifier.segment({"sub_sm_ultimate", "country_de"}) is Segment.ENTERPRISE
    assert policy.classifier.region({"sub_sm_ultimate", "country_de"}) is Region.EMEA
    assert policy.opted_out_organizations == frozenset({"Acme Corp", "Globex"})
    assert policy.csat_baseline_days == 60
    assert policy.macros == {
        "first_response": "Hello {{ requester }}, we are investigating (#{{ incident_id }}).",
        "all-clear": "Fixed: {{incident_title}}",
    }

    assert policy.queue_health == QueueThresholds(strained_awaiting=10, critical_response=timedelta(hours=2))

    sla = policy.sla
    assert sla.targets[TicketPriority.URGENT] == timedelta(minutes=15)
    assert sla.targets[TicketPriority.HIGH] == timedelta(hours=4)  # default kept
    assert sla.targets[TicketPriority.LOW] == timedelta(hours=2)
    assert sla.always_on == frozenset({TicketPriority.URGENT, TicketPriority.HIGH})
    assert sla.at_risk_fraction == 0.5
    assert sla.default_region is Region.EMEA
    apac = sla.calendars[Region.APAC]
    assert (apac.timezone, apac.start, apac.end) == ("Asia/Tokyo", time(9), time(17))
    assert sla.calendars[Region.EMEA] == SlaPolicy().calendars[Region.EMEA]

    assert policy.surge == SurgePolicy(
        multiple=4.0, min_count=8, window=timedelta(minutes=30), baseline_days=7
    )


def test_without_a_section_the_defaults_apply() -> None:
    assert framework_from_mapping({}).tickets == TicketPolicy()
    assert tickets({}) == TicketPolicy()
    assert tickets({"segments": {}, "regions": {}, "macros": {}, "sla": {}}) == TicketPolicy()


def test_a_segment_may_take_over_a_default_tag_once_its_owner_is_redefined() -> None:
    policy = tickets({"segments": {"enterprise": ["segment_smb"], "smb": ["plan_team"]}})
    assert policy.classifier.segment({"segment_smb"}) is Segment.ENTERPRISE
    assert policy.classifier.segment({"plan_team"}) is Segment.SMB


def test_the_commented_example_in_example_toml_loads() -> None:
    """The shipped example keeps [tickets] commented out; uncommented, it must be a valid section."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = lines.index("# [tickets]")
    block = []
    for line in lines[start:]:
        if not line.startswith("#"):
            break
        block.append(line.removeprefix("#").removeprefix(" "))
    policy = framework_from_mapping(tomllib.loads("\n".join(block))).tickets
    assert policy.classifier.segment({"free_customer"}) is Segment.PERSONAL
    assert policy.classifier.region({"country_de"}) is Region.EMEA
    assert "{{ incident_title }}" in policy.macros["first_response"]
    assert policy.sla.calendars[Region.EMEA].timezone == "Europe/London"
    assert policy.surge == SurgePolicy()
    assert policy.queue_health == QueueThresholds()


@pytest.mark.parametrize(
    ("section", "path", "hint"),
    [
        # unknown keys, at each level
        ({"tag_conventoin": "x_{id}"}, "tickets.tag_conventoin", "unknown key; allowed here: tag_convention"),
        ({"segments": {"gold": ["plan_gold"]}}, "tickets.segments.gold", "use enterprise, smb, personal"),
        ({"regions": {"mars": ["region_mars"]}}, "tickets.regions.mars", "use emea, amer, apac"),
        (
            {"queue_health": {"strained": 5}},
            "tickets.queue_health.strained",
            "allowed here: strained_awaiting",
        ),
        ({"sla": {"target": {}}}, "tickets.sla.target", "allowed here: targets"),
        ({"sla": {"targets": {"critical": "1h"}}}, "tickets.sla.targets.critical", "urgent, high, normal"),
        (
            {"sla": {"calendars": {"emea": {"tz": "UTC"}}}},
            "tickets.sla.calendars.emea.tz",
            "allowed here: timezone, days, hours",
        ),
        ({"surge": {"multiplier": 3}}, "tickets.surge.multiplier", "unknown key 'multiplier'; use multiple"),
        # not a table
        ("yes", "tickets", "expected a table"),
        ({"segments": ["enterprise"]}, "tickets.segments", "expected a table"),
        ({"macros": "hello"}, "tickets.macros", "expected a table"),
        ({"sla": "fast"}, "tickets.sla", "expected a table"),
        # the tag convention
        ({"tag_convention": "incident"}, "tickets.tag_convention", 'tag_convention = "incident_{id}"'),
        ({"tag_convention": "Incident {id}"}, "tickets.tag_convention", "lower-case letters"),
        ({"tag_convention": 42}, "tickets.tag_convention", "expected a string"),
        # tags
        ({"escalation_tags": ["Escalated"]}, "tickets.escalation_tags[0]", "lower-case letters"),
        ({"escalation_tags": "escalated"}, "tickets.escalation_tags", 'for example ["escalated"]'),
        ({"segments": {"smb": ["ok", "two words"]}}, "tickets.segments.smb[1]", "lower-case letters"),
        ({"regions": {"emea": [7]}}, "tickets.regions.emea[0]", "expected a ticket tag in quotes"),
        (
            {"segments": {"enterprise": ["plan_a", "plan_b"], "smb": ["plan_b"]}},
            "tickets.segments.smb[0]",
            "'plan_b' would mark both segment enterprise and smb: tickets.segments.enterprise lists it too",
        ),
        (
            {"segments": {"enterprise": ["segment_smb"]}},
            "tickets.segments.enterprise[0]",
            "it marks smb by default (set tickets.segments.smb to change that)",
        ),
        (
            {"regions": {"apac": ["region_emea"]}},
            "tickets.regions.apac[0]",
            "a tag may mark one region only",
        ),
        # organisations
        ({"opted_out_organizations": "Acme"}, "tickets.opted_out_organizations", "list of organisation"),
        ({"opted_out_organizations": ["Acme", " "]}, "tickets.opted_out_organizations[1]", '"Acme Corp"'),
        # macros
        (
            {"macros": {"hello": "Hi {{ customer }}"}},
            "tickets.macros.hello",
            "unknown merge field(s) customer: use requester, ticket_id",
        ),
        ({"macros": {"hello": "  "}}, "tickets.macros.hello", "the reply text is empty"),
        ({"macros": {"hello": 1}}, "tickets.macros.hello", "expected the reply text"),
        ({"macros": {"hello there": "Hi"}}, "tickets.macros.hello there", "a macro name is 1 to 64"),
        # the domain sections
        ({"sla": {"targets": {"urgent": "soon"}}}, "tickets.sla.targets.urgent", 'such as "30m", "4h"'),
        ({"sla": {"targets": {"low": "900h"}}}, "tickets.sla.targets.low", "from 1m to 720h"),
        ({"sla": {"default_region": "mars"}}, "tickets.sla.default_region", "use emea, amer or apac"),
        ({"surge": {"multiple": 0.5}}, "tickets.surge.multiple", "a factor above 1 and at most 100"),
        ({"surge": {"window": 60}}, "tickets.surge.window", 'for example "1h" or "30m"'),
        (
            {"queue_health": {"strained_awaiting": "many"}},
            "tickets.queue_health.strained_awaiting",
            "such as 25",
        ),
        # CSAT baseline
        ({"csat_baseline_days": 0}, "tickets.csat_baseline_days", "from 1 to 365"),
        ({"csat_baseline_days": 400}, "tickets.csat_baseline_days", "from 1 to 365"),
        ({"csat_baseline_days": "30"}, "tickets.csat_baseline_days", "whole number of days"),
        ({"csat_baseline_days": True}, "tickets.csat_baseline_days", "whole number of days"),
    ],
)
def test_a_bad_entry_fails_with_its_path_and_a_fix(section: Any, path: str, hint: str) -> None:
    with pytest.raises(FrameworkConfigError) as caught:
        tickets(section)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"sirf.toml: {path}: ")
    assert hint in str(caught.value)


def test_domain_errors_do_not_repeat_the_path() -> None:
    with pytest.raises(FrameworkConfigError) as caught:
        tickets({"sla": {"at_risk_fraction": 2}})
    assert str(caught.value) == (
        "sirf.toml: tickets.sla.at_risk_fraction: "
        "expected a fraction from 0 up to (not including) 1, such as 0.25; got 2"
    )
