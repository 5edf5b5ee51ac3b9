"""Helpers for communications tests: a drafting fake, a recording channel, and ready incidents."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from sirf.bootstrap import Container
from sirf.domain.incident import Incident
from sirf.domain.public_state import PublicState
from sirf.domain.raci import Actor, OrgRole
from sirf.domain.roles import Role, Source
from sirf.domain.severity import Severity
from sirf.domain.updates import Audience
from sirf.services import engagement, incidents
from sirf.services.accounts import create_user
from sirf.services.drafting import RenderedText, TemplateInfo
from sirf.services.publishing import Delivered, DeliveryFailed, Publication

ADMIN = Actor("root", OrgRole.ADMIN)
CMOC = Actor("carol", OrgRole.RESPONDER)
IMOC = Actor("ivan", OrgRole.RESPONDER)
SMOC = Actor("sam", OrgRole.RESPONDER)

AUDIENCES = {"initial": Audience.PUBLIC, "periodic": Audience.PUBLIC, "resolution": Audience.PUBLIC}


class FakeDrafting:
    """Templates reduced to one line each, so these tests are about the flow, not the wording."""

    def __init__(self, channels: list[str]) -> None:
        self.channels = channels

    def template(self, name: str) -> TemplateInfo:
        return TemplateInfo(name, name.title(), AUDIENCES.get(name, Audience.INTERNAL))

    def draft(
        self,
        template: str,
        incident: Incident,
        *,
        now: datetime,
        update_number: int,
        next_update_at: datetime | None,
        requested_by: str,
        public_state: PublicState | None,
        tickets: object = None,
    ) -> str:
        due = f" Next update by {next_update_at:%H:%M} UTC." if next_update_at else ""
        return f"{template} #{update_number} for {incident.title}.{due}"

    def formats(self, markdown: str) -> RenderedText:
        return RenderedText(markdown, markdown, f"<p>{markdown}</p>")

    def channels_for(self, template: str, audience: Audience) -> list[str]:
        return list(self.channels)


@dataclass
class RecordingChannel:
    """A channel that records what it was sent and fails on demand (a queue of failures)."""

    name: str = "recorder"
    failures: list[DeliveryFailed] = field(default_factory=list)
    sent: list[Publication] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wants(self, template: str, audience: Audience) -> bool:
        return True

    def deliver(self, publication: Publication) -> Delivered:
        with self.lock:
            if self.failures:
                raise self.failures.pop(0)
            self.sent.append(publication)
            return Delivered(external_ref=publication.external_ref or f"vendor-{publication.incident_id}")


def staffed_incident(container: Container, severity: Severity = Severity.SEV2) -> int:
    """An incident with CMOC carol, IMOC ivan and SMOC sam, all of whom exist as responders."""
    env, uow = container.env, container.uow
    for actor in (CMOC, IMOC, SMOC):
        create_user(actor.username, org_role=OrgRole.RESPONDER, actor=None, uow=uow(), env=env)
    declaration = incidents.Declaration(
        title="Users cannot sign in", kind="saas-outage", severity=severity, source=Source.INFRASTRUCTURE
    )
    incident_id = incidents.declare_incident(declaration, actor=ADMIN, uow=uow(), env=env).id
    for role, actor in ((Role.IMOC, IMOC), (Role.CMOC, CMOC), (Role.SMOC, SMOC)):
        engagement.assign_role(incident_id, role, actor.username, actor=ADMIN, uow=uow(), env=env)
    return incident_id
