"""The ``[tickets]`` section of the framework file (F5.1, F8.5, F8.6, F9.4, F9.5).

[tickets]
tag_convention = "incident_{id}"        # the tag that links a ticket to incident 42: incident_42
escalation_tags = ["escalated"]
opted_out_organizations = ["Acme Corp"]  # never sent a bulk reply
csat_baseline_days = 30                  # F9.4: CSAT is compared with all ratings of these days
[tickets.segments]                       # segment -> tags that mark it; others keep their defaults
enterprise = ["sub_dotcom_ultimate", "sub_sm_ultimate"]
[tickets.regions]                        # region -> tags that mark it; others keep their defaults
emea = ["region_emea"]
[tickets.macros]                         # approved bulk-reply texts: name -> text with merge fields
first_response = "Hello {{ requester }}, we are investigating (#{{ incident_id }})."
[tickets.queue_health]                   # see QueueThresholds.from_mapping
[tickets.sla]                            # see SlaPolicy.from_mapping
[tickets.surge]                          # see SurgePolicy.from_mapping

Everything is checked at start-up: a tag Zendesk would refuse, a tag marking two segments or a macro
with an unknown merge field stops the service with the dotted path of the entry and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from sirf.domain.bulk_reply import check_template
from sirf.domain.errors import ValidationFailed
from sirf.domain.impact import QueueThresholds
from sirf.domain.sla import SlaPolicy
from sirf.domain.surge import SurgePolicy
from sirf.domain.ticket_policy import DEFAULT_TAG_CONVENTION, TicketPolicy
from sirf.domain.tickets import TagClassifier, check_tag

KEYS = (
    "tag_convention",
    "escalation_tags",
    "opted_out_organizations",
    "csat_baseline_days",
    "segments",
    "regions",
    "macros",
    "queue_health",
    "sla",
    "surge",
)
# Incident ids grow; the convention must still give a valid tag for a ten-digit one.
_SAMPLE_ID = "1234567890"
_MACRO_NAME = re.compile(r"[A-Za-z0-9_\-]{1,64}")
_MAX_ORGANIZATION = 255

E = TypeVar("E", bound=StrEnum)
P = TypeVar("P")


class Reader(Protocol):
    def fail(self, path: str, message: str) -> Exception: ...
    def table(self, value: Any, path: str) -> Any: ...
    def only_keys(self, value: Any, allowed: tuple[str, ...], path: str) -> None: ...


def read_tickets(reader: Reader, value: Any) -> TicketPolicy:
    table = reader.table(value, "tickets")
    reader.only_keys(table, KEYS, "tickets")
    defaults = TagClassifier()
    classifier = TagClassifier(
        segment_tags=_tag_groups(
            reader, table.get("segments", {}), "tickets.segments", defaults.segment_tags
        ),
        region_tags=_tag_groups(reader, table.get("regions", {}), "tickets.regions", defaults.region_tags),
        escalation_tags=(
            _tags(reader, table["escalation_tags"], "tickets.escalation_tags")
            if "escalation_tags" in table
            else defaults.escalation_tags
        ),
    )
    return TicketPolicy(
        tag_convention=_tag_convention(reader, table.get("tag_convention", DEFAULT_TAG_CONVENTION)),
        classifier=classifier,
        opted_out_organizations=_organizations(reader, table.get("opted_out_organizations", [])),
        macros=_macros(reader, table.get("macros", {})),
        queue_health=_section(reader, QueueThresholds.from_mapping, table, "queue_health"),
        sla=_section(reader, SlaPolicy.from_mapping, table, "sla"),
        surge=_section(reader, SurgePolicy.from_mapping, table, "surge"),
        csat_baseline_days=_csat_days(reader, table.get("csat_baseline_days", 30)),
    )


def _tag_convention(reader: Reader, value: Any) -> str:
    path = "tickets.tag_convention"
    hint = 'for example tag_convention = "incident_{id}"'
    if not isinstance(value, str):
        raise reader.fail(path, f"expected a string, {hint}")
    if "{id}" not in value:
        raise reader.fail(path, f"{value!r} does not contain {{id}}, where the incident number goes; {hint}")
    try:
        check_tag(value.replace("{id}", _SAMPLE_ID))
    except ValidationFailed:
        raise reader.fail(
            path,
            f"{value!r} does not give a valid ticket tag: around {{id}}, use lower-case letters, digits, "
            f"'_', '-', '.', '/' or ':', at most {80 - len(_SAMPLE_ID)} characters; {hint}",
        ) from None
    return value


def _tags(reader: Reader, value: Any, path: str) -> frozenset[str]:
    if not isinstance(value, list):
        raise reader.fail(path, 'expected a list of ticket tags, for example ["escalated"] (or [] for none)')
    tags = set()
    for index, tag in enumerate(value):
        if not isinstance(tag, str):
            raise reader.fail(
                f"{path}[{index}]", f"expected a ticket tag in quotes, got {type(tag).__name__}"
            )
        try:
            tags.add(check_tag(tag))
        except ValidationFailed as exc:
            raise reader.fail(f"{path}[{index}]", exc.message) from None
    return frozenset(tags)


def _tag_groups(
    reader: Reader, value: Any, path: str, defaults: Mapping[E, frozenset[str]]
) -> dict[E, frozenset[str]]:
    """Segment or region -> tags: the groups named replace their defaults, the others keep them.

    A tag may mark one group only; otherwise a ticket's segment (or region) would depend on the
    order the groups are checked in, which nobody reading the file could tell.
    """
    table = reader.table(value, path)
    kind = path.rsplit(".", 1)[-1].removesuffix("s")
    names = {member.value: member for member in defaults}
    result = dict(defaults)
    owner: dict[str, tuple[str, bool]] = {}  # tag -> (group name, from the file)
    for kept, tags in defaults.items():
        if kept.value not in table:
            for tag in tags:
                owner[tag] = (kept.value, False)
    for name, tags in table.items():
        where = f"{path}.{name}"
        member = names.get(name)
        if member is None:
            raise reader.fail(where, f"unknown {kind} {name!r}; use {', '.join(names)}")
        result[member] = _tags(reader, tags, where)
        for index, tag in enumerate(tags):
            other, from_file = owner.setdefault(tag, (name, True))
            if other == name:
                continue
            also = (
                f"{path}.{other} lists it too"
                if from_file
                else f"it marks {other} by default (set {path}.{other} to change that)"
            )
            raise reader.fail(
                f"{where}[{index}]",
                f"tag {tag!r} would mark both {kind} {other} and {name}: {also}; "
                f"a tag may mark one {kind} only, so remove it from one of them",
            )
    return result


def _organizations(reader: Reader, value: Any) -> frozenset[str]:
    path = "tickets.opted_out_organizations"
    if not isinstance(value, list):
        raise reader.fail(path, 'expected a list of organisation names, for example ["Acme Corp"]')
    names = set()
    for index, name in enumerate(value):
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > _MAX_ORGANIZATION:
            raise reader.fail(
                f"{path}[{index}]",
                f"expected an organisation name as the ticket system spells it (1 to {_MAX_ORGANIZATION} "
                f'characters), for example "Acme Corp"',
            )
        names.add(name.strip())
    return frozenset(names)


def _macros(reader: Reader, value: Any) -> dict[str, str]:
    table = reader.table(value, "tickets.macros")
    macros = {}
    for name, text in table.items():
        path = f"tickets.macros.{name}"
        if not _MACRO_NAME.fullmatch(name):
            raise reader.fail(
                path, "a macro name is 1 to 64 letters, digits, '_' or '-', e.g. first_response"
            )
        if not isinstance(text, str):
            raise reader.fail(
                path, f'expected the reply text, for example {name} = "Hello {{{{ requester }}}}, ..."'
            )
        try:
            macros[name] = check_template(text)
        except ValidationFailed as exc:
            raise reader.fail(path, exc.message) from None
    return macros


def _section(reader: Reader, build: Callable[..., P], table: Mapping[str, Any], key: str) -> P:
    """Run a domain ``from_mapping`` and turn its ``ValidationFailed`` into a framework error."""
    path = f"tickets.{key}"
    try:
        return build(table.get(key, {}), path=path)
    except ValidationFailed as exc:
        field = str(exc.details.get("field") or path)
        if field != path and not field.startswith(f"{path}."):
            field = f"{path}.{field}"
        message = exc.message
        # The domain messages start with the path; the framework error shows it already.
        for prefix in (f"{field}: ", f"{path}: "):
            if message.startswith(prefix):
                message = message.removeprefix(prefix)
                break
        raise reader.fail(field, message) from None


def _csat_days(reader: Reader, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 365:
        raise reader.fail(
            "tickets.csat_baseline_days",
            f"expected a whole number of days from 1 to 365, such as 30; got {value!r}",
        )
    return value
