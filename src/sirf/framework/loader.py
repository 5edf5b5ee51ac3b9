"""Build the ``Framework`` from the shipped defaults and an optional TOML file.

Every key is checked; an invalid file stops start-up with ``FrameworkConfigError`` naming the file,
the dotted path of the bad entry and what to write instead. Unknown keys are errors too, because a
typo silently ignored would leave a team running on defaults they meant to change.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from sirf.domain.errors import ValidationFailed
from sirf.domain.framework import Framework
from sirf.domain.raci import DEFAULT_MATRIX, Activity, Raci
from sirf.domain.regions import DEFAULT_REGION_HOURS, Region, RegionHours, Roster
from sirf.domain.roles import Role
from sirf.domain.severity import Severity
from sirf.domain.triggers import DEFAULT_TRIGGERS, TriggerRules
from sirf.framework.cadence_section import read_cadence, read_reviewers
from sirf.framework.tickets_section import read_tickets

T = TypeVar("T")
SECTIONS = (
    "raci",
    "triggers",
    "roster",
    "regions",
    "roles",
    "severities",
    "limits",
    "templates",
    "cadence",
    "reviewers",
    "tickets",
)


class FrameworkConfigError(ValueError):
    def __init__(self, source: str, path: str, message: str) -> None:
        super().__init__(f"{source}: {path}: {message}")
        self.path = path


def load_framework(path: Path | None) -> Framework:
    if path is None:
        return Framework()
    source = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FrameworkConfigError(source, "(file)", "file not found; fix SIRF_FRAMEWORK_FILE") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FrameworkConfigError(source, "(file)", f"not valid TOML: {exc}") from None
    return framework_from_mapping(data, source=source)


def framework_from_mapping(data: Mapping[str, Any], *, source: str = "framework") -> Framework:
    reader = _Reader(source)
    reader.only_keys(data, SECTIONS, "")
    raci = DEFAULT_MATRIX.with_overrides(reader.raci(data.get("raci", {})))
    limits = reader.limits(data.get("limits", {}))
    defaults = Framework()
    return Framework(
        raci=raci,
        triggers=reader.triggers(data.get("triggers", {})),
        region_hours=reader.regions(data.get("regions", {})),
        roster=reader.roster(data.get("roster", {})),
        distinct_roles=reader.distinct(data.get("roles", {})),
        severity_descriptions=reader.severities(data.get("severities", {})),
        max_title_length=limits.get("max_title_length", defaults.max_title_length),
        max_note_length=limits.get("max_note_length", defaults.max_note_length),
        template_overrides=reader.templates(data.get("templates", {})),
        cadence=read_cadence(reader, data.get("cadence", {})),
        sirt_reviewers=read_reviewers(reader, data.get("reviewers", {})),
        tickets=read_tickets(reader, data.get("tickets", {})),
    )


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> FrameworkConfigError:
        return FrameworkConfigError(self.source, path, message)

    def parse(self, path: str, parse: Callable[[str], T], value: Any) -> T:
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, got {type(value).__name__}")
        try:
            return parse(value)
        except ValidationFailed as exc:
            raise self.fail(path, exc.message) from None

    def table(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"expected a table, got {type(value).__name__}")
        return value

    def only_keys(self, value: Mapping[str, Any], allowed: tuple[str, ...], path: str) -> None:
        for key in value:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                raise self.fail(where, f"unknown key; allowed here: {', '.join(allowed)}")

    def raci(self, value: Any) -> dict[Activity, dict[Role, Raci]]:
        result: dict[Activity, dict[Role, Raci]] = {}
        for name, row in self.table(value, "raci").items():
            activity = self.parse(f"raci.{name}", Activity.parse, name)
            cells: dict[Role, Raci] = {}
            for role_name, letter in self.table(row, f"raci.{name}").items():
                path = f"raci.{name}.{role_name}"
                role = self.parse(path, Role.parse, role_name)
                if letter not in {r.value for r in Raci}:
                    raise self.fail(path, f"{letter!r} is not a RACI letter; use R, A, C or I")
                cells[role] = Raci(letter)
            result[activity] = cells
        return result

    def triggers(self, value: Any) -> TriggerRules:
        table = self.table(value, "triggers")
        by_role: dict[Role, tuple[str, ...]] = dict(DEFAULT_TRIGGERS)
        several = table.get("several_customers", 2)
        if not isinstance(several, int) or isinstance(several, bool):
            raise self.fail("triggers.several_customers", "expected a whole number")
        for key, names in table.items():
            if key == "several_customers":
                continue
            role = self.parse(f"triggers.{key}", Role.parse, key)
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise self.fail(f"triggers.{key}", "expected a list of criterion names")
            by_role[role] = tuple(names)
        try:
            return TriggerRules(by_role, several_customers=several)
        except ValidationFailed as exc:
            raise self.fail(str(exc.details.get("field", "triggers")), exc.message) from None

    def regions(self, value: Any) -> tuple[RegionHours, ...]:
        table = self.table(value, "regions")
        hours = {shift.region: shift for shift in DEFAULT_REGION_HOURS}
        for name, entry in table.items():
            path = f"regions.{name}"
            region = self.parse(path, Region.parse, name)
            entry = self.table(entry, path)
            self.only_keys(entry, ("start_hour", "end_hour"), path)
            start, end = entry.get("start_hour"), entry.get("end_hour")
            for key, hour in (("start_hour", start), ("end_hour", end)):
                if not isinstance(hour, int) or isinstance(hour, bool) or not 0 <= hour <= 23:
                    raise self.fail(f"{path}.{key}", "expected an hour from 0 to 23 (UTC)")
            hours[region] = RegionHours(region, int(start), int(end))  # type: ignore[arg-type]
        return tuple(hours.values())

    def roster(self, value: Any) -> Roster:
        entries: dict[Role, dict[Region, tuple[str, ...]]] = {}
        for role_name, regions in self.table(value, "roster").items():
            role = self.parse(f"roster.{role_name}", Role.parse, role_name)
            for region_name, people in self.table(regions, f"roster.{role_name}").items():
                path = f"roster.{role_name}.{region_name}"
                region = self.parse(path, Region.parse, region_name)
                if not isinstance(people, list) or not all(isinstance(p, str) and p.strip() for p in people):
                    raise self.fail(path, 'expected a list of usernames, for example ["alice", "bob"]')
                entries.setdefault(role, {})[region] = tuple(p.strip() for p in people)
        return Roster(entries)

    def distinct(self, value: Any) -> frozenset[frozenset[Role]]:
        table = self.table(value, "roles")
        self.only_keys(table, ("distinct",), "roles")
        pairs = table.get("distinct", [])
        if not isinstance(pairs, list):
            raise self.fail("roles.distinct", 'expected a list of role pairs, for example [["cmoc", "imoc"]]')
        result = set()
        for index, pair in enumerate(pairs):
            path = f"roles.distinct[{index}]"
            if not isinstance(pair, list) or len(pair) != 2:
                raise self.fail(path, 'expected a pair of roles, for example ["cmoc", "imoc"]')
            roles = frozenset(self.parse(path, Role.parse, name) for name in pair)
            if len(roles) != 2:
                raise self.fail(path, "a role cannot conflict with itself")
            result.add(roles)
        return frozenset(result)

    def severities(self, value: Any) -> dict[Severity, str]:
        descriptions = dict(Framework().severity_descriptions)
        for key, text in self.table(value, "severities").items():
            path = f"severities.{key}"
            severity = self.parse(path, Severity.parse, key)
            if not isinstance(text, str) or not text.strip():
                raise self.fail(path, "expected a non-empty description")
            descriptions[severity] = text.strip()
        return descriptions

    def limits(self, value: Any) -> dict[str, int]:
        table = self.table(value, "limits")
        self.only_keys(table, ("max_title_length", "max_note_length"), "limits")
        result = {}
        for key, number in table.items():
            if not isinstance(number, int) or isinstance(number, bool) or not 10 <= number <= 100_000:
                raise self.fail(f"limits.{key}", "expected a whole number from 10 to 100000")
            result[key] = number
        return result

    def templates(self, value: Any) -> dict[str, str]:
        """F8 overrides: compiled and trial-rendered now, so a broken template stops start-up."""
        # Imported here: Jinja2 is only needed when a framework file is loaded.
        from sirf.rendering.errors import TemplateOverrideError
        from sirf.rendering.overrides import TemplateOverrides
        from sirf.templates.registry import template_names

        sources: dict[str, str] = {}
        for name, source in self.table(value, "templates").items():
            path = f"templates.{name}"
            if name not in template_names():
                raise self.fail(path, f"unknown template; valid names: {', '.join(template_names())}")
            if not isinstance(source, str) or not source.strip():
                raise self.fail(path, 'expected the template text, for example initial = """{{ default }}"""')
            sources[name] = source
        try:
            TemplateOverrides.compile(sources)
        except TemplateOverrideError as exc:
            where = f"line {exc.line}: " if exc.line else ""
            raise self.fail(f"templates.{exc.template}", where + exc.reason) from None
        return sources
