"""The ten F8 templates by name. The same names are used by the CLI, the API and the framework
file's ``[templates]`` section, so this table is the one place they are defined."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sirf.domain.errors import ValidationFailed
from sirf.domain.updates import Audience
from sirf.templates import cmoc, cross_functional, smoc
from sirf.templates.context import TemplateContext

Render = Callable[[TemplateContext], str]


@dataclass(frozen=True)
class TemplateSpec:
    name: str
    title: str
    audience: Audience  # the default audience of an update drafted from this template
    requirement: str  # the F-number it implements
    render: Render


TEMPLATES: dict[str, TemplateSpec] = {
    spec.name: spec
    for spec in (
        TemplateSpec("initial", "Initial status update", Audience.PUBLIC, "F8.1", cmoc.initial),
        TemplateSpec("periodic", "Periodic status update", Audience.PUBLIC, "F8.2", cmoc.periodic),
        TemplateSpec("resolution", "Resolution update", Audience.PUBLIC, "F8.3", cmoc.resolution),
        TemplateSpec("region-handoff", "Region handoff", Audience.INTERNAL, "F8.4", cmoc.region_handoff),
        TemplateSpec(
            "resource-allocation",
            "Support resource allocation",
            Audience.INTERNAL,
            "F8.5",
            smoc.resource_allocation,
        ),
        TemplateSpec(
            "customer-impact", "Customer impact report", Audience.INTERNAL, "F8.6", smoc.customer_impact
        ),
        TemplateSpec("cmoc-activation", "CMOC activation", Audience.INTERNAL, "F8.7", smoc.cmoc_activation),
        TemplateSpec(
            "support-summary",
            "Post-incident support summary",
            Audience.INTERNAL,
            "F8.8",
            smoc.support_summary,
        ),
        TemplateSpec(
            "technical-handoff",
            "Technical-to-support handoff",
            Audience.INTERNAL,
            "F8.9",
            cross_functional.technical_handoff,
        ),
        TemplateSpec(
            "executive", "Executive summary", Audience.INTERNAL, "F8.10", cross_functional.executive
        ),
    )
}


def template_names() -> list[str]:
    return list(TEMPLATES)


def get_template(name: str) -> TemplateSpec:
    spec = TEMPLATES.get(name.strip().lower())
    if spec is None:
        raise ValidationFailed(
            f"unknown template {name!r}: use one of {', '.join(TEMPLATES)}",
            field="template",
            valid=template_names(),
        )
    return spec
