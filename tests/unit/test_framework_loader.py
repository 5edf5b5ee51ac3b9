"""The framework file: shipped defaults, overrides, and start-up errors that point at the bad entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from sirf.domain.raci import Activity, Raci
from sirf.domain.regions import Region
from sirf.domain.roles import Role
from sirf.framework.loader import FrameworkConfigError, framework_from_mapping, load_framework

EXAMPLE = Path(__file__).parents[2] / "src" / "sirf" / "framework" / "example.toml"


def test_no_file_means_the_handbook_defaults() -> None:
    framework = load_framework(None)
    assert framework.raci.cell(Activity.SET_SEVERITY, Role.IMOC) is Raci.ACCOUNTABLE
    assert framework.triggers.several_customers == 2


def test_the_shipped_example_file_loads() -> None:
    framework = load_framework(EXAMPLE)
    assert framework.roster.on_call(Role.CMOC, Region.EMEA) == "alice"
    assert framework.raci.cell(Activity.APPROVE_PUBLIC_UPDATE, Role.IMOC) is Raci.ACCOUNTABLE


def test_overrides_change_only_the_cells_named() -> None:
    framework = framework_from_mapping(
        {
            "raci": {"set-severity": {"smoc": "A"}},
            "triggers": {"several_customers": 5},
            "roles": {"distinct": [["cmoc", "imoc"]]},
        }
    )
    assert framework.raci.cell(Activity.SET_SEVERITY, Role.SMOC) is Raci.ACCOUNTABLE
    assert framework.raci.cell(Activity.SET_SEVERITY, Role.IMOC) is Raci.ACCOUNTABLE
    assert framework.triggers.several_customers == 5
    assert frozenset({Role.CMOC, Role.IMOC}) in framework.distinct_roles


@pytest.mark.parametrize(
    ("data", "path", "hint"),
    [
        ({"raci": {"set-severity": {"imoc": "X"}}}, "raci.set-severity.imoc", "use R, A, C or I"),
        ({"raci": {"make-coffee": {}}}, "raci.make-coffee", "unknown RACI activity"),
        ({"raci": {"set-severity": {"ceo": "A"}}}, "raci.set-severity.ceo", "use cmoc, smoc or imoc"),
        ({"triggers": {"cmoc": ["moon-phase"]}}, "triggers.cmoc", "unknown criterion 'moon-phase'"),
        ({"triggers": {"several_customers": "two"}}, "triggers.several_customers", "whole number"),
        ({"roster": {"cmoc": {"mars": ["alice"]}}}, "roster.cmoc.mars", "use emea, amer or apac"),
        ({"roster": {"cmoc": {"emea": "alice"}}}, "roster.cmoc.emea", "list of usernames"),
        ({"regions": {"emea": {"start_hour": 25, "end_hour": 3}}}, "regions.emea.start_hour", "0 to 23"),
        ({"roles": {"distinct": [["cmoc", "cmoc"]]}}, "roles.distinct[0]", "cannot conflict with itself"),
        ({"limits": {"max_title_length": 3}}, "limits.max_title_length", "10 to 100000"),
        ({"colour": "blue"}, "colour", "unknown key"),
    ],
)
def test_a_bad_entry_fails_with_its_path_and_a_fix(data: dict[str, object], path: str, hint: str) -> None:
    with pytest.raises(FrameworkConfigError) as caught:
        framework_from_mapping(data, source="sirf.toml")
    assert caught.value.path == path
    assert str(caught.value).startswith(f"sirf.toml: {path}: ")
    assert hint in str(caught.value)


def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(FrameworkConfigError, match="file not found"):
        load_framework(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[raci\n", encoding="utf-8")
    with pytest.raises(FrameworkConfigError, match="not valid TOML"):
        load_framework(broken)


def test_cadence_and_reviewers_can_be_tuned() -> None:
    from datetime import timedelta

    from sirf.domain.public_state import PublicState
    from sirf.domain.severity import Severity

    framework = framework_from_mapping(
        {
            "cadence": {
                "sev2": {"investigating": 20},
                "sync_minutes": {"sev1": 45},
                "remind_before_minutes": 3,
            },
            "reviewers": {"sirt": ["Sam"]},
        }
    )
    cadence = framework.cadence
    assert cadence.update_interval(PublicState.INVESTIGATING, Severity.SEV2) == timedelta(minutes=20)
    assert cadence.update_interval(PublicState.IDENTIFIED, Severity.SEV2) == timedelta(minutes=30)
    assert cadence.sync_interval(Severity.SEV1) == timedelta(minutes=45)
    assert cadence.remind_before == timedelta(minutes=3)
    assert framework.sirt_reviewers == frozenset({"sam"})


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"cadence": {"sev9": {}}}, "cadence.sev9"),
        ({"cadence": {"sev1": {"resolved": 5}}}, "cadence.sev1.resolved"),
        ({"cadence": {"sev1": {"investigating": 0}}}, "cadence.sev1.investigating"),
        ({"cadence": {"sync_minutes": {"sev1": "soon"}}}, "cadence.sync_minutes.sev1"),
        ({"reviewers": {"sirt": "sam"}}, "reviewers.sirt"),
    ],
)
def test_bad_cadence_entries_are_named(data: dict[str, object], path: str) -> None:
    with pytest.raises(FrameworkConfigError) as caught:
        framework_from_mapping(data)
    assert caught.value.path == path
