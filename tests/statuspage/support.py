"""Publishing through the real use cases (the path POST .../publish takes), for status page tests."""

from __future__ import annotations

from collections.abc import Mapping

from sirf.bootstrap import Container
from sirf.domain.public_state import ComponentStatus, PublicState
from sirf.domain.raci import Actor, OrgRole
from sirf.domain.roles import Role, Source
from sirf.domain.severity import Severity
from sirf.services import communications as comms
from sirf.services import engagement, incidents, work
from sirf.services.accounts import create_user

ADMIN = Actor("root", OrgRole.ADMIN)
CMOC = Actor("carol", OrgRole.RESPONDER)
IMOC = Actor("ivan", OrgRole.RESPONDER)


class Publisher:
    """Declares staffed incidents and takes updates from draft to published (or not)."""

    def __init__(self, container: Container) -> None:
        self.c = container
        for person in (CMOC, IMOC):
            create_user(
                person.username, org_role=person.org_role, actor=None, uow=self.c.uow(), env=self.c.env
            )

    def declare(self, title: str, severity: Severity = Severity.SEV2) -> int:
        c = self.c
        declaration = incidents.Declaration(
            title=title, kind="saas-outage", severity=severity, source=Source.INFRASTRUCTURE
        )
        incident_id = incidents.declare_incident(declaration, actor=ADMIN, uow=c.uow(), env=c.env).id
        for role, person in ((Role.IMOC, IMOC), (Role.CMOC, CMOC)):
            engagement.assign_role(incident_id, role, person.username, actor=ADMIN, uow=c.uow(), env=c.env)
        return incident_id

    def draft(
        self,
        incident_id: int,
        body: str,
        *,
        template: str = "periodic",
        state: PublicState | None = None,
        components: Mapping[str, ComponentStatus] | None = None,
    ) -> int:
        c = self.c
        request = comms.DraftRequest(template=template, public_state=state, components=components, body=body)
        view = comms.draft_update(
            incident_id, request, actor=CMOC, uow=c.uow(), env=c.env, drafting=c.drafting
        )
        return view.update.id

    def approve(self, update_id: int) -> None:
        c = self.c
        comms.request_review(update_id, actor=CMOC, uow=c.uow(), env=c.env, drafting=c.drafting)
        for person in (IMOC, CMOC):
            etag = comms.get_update(update_id, uow=c.uow(), env=c.env, drafting=c.drafting).update.etag
            comms.approve_update(
                update_id,
                etag=etag,
                as_reviewer=None,
                actor=person,
                uow=c.uow(),
                env=c.env,
                drafting=c.drafting,
            )

    def publish(
        self,
        incident_id: int,
        body: str,
        *,
        template: str = "periodic",
        state: PublicState | None = None,
        components: Mapping[str, ComponentStatus] | None = None,
    ) -> int:
        update_id = self.draft(incident_id, body, template=template, state=state, components=components)
        self.approve(update_id)
        self._publish(update_id)
        return update_id

    def publish_internal(self, incident_id: int, body: str) -> int:
        """An internal update (region handoff): needs no approval and never reaches the page."""
        c = self.c
        update_id = self.draft(incident_id, body, template="region-handoff")
        comms.request_review(update_id, actor=CMOC, uow=c.uow(), env=c.env, drafting=c.drafting)
        self._publish(update_id)
        return update_id

    def note(self, incident_id: int, text: str) -> None:
        work.add_note(incident_id, text, actor=CMOC, uow=self.c.uow(), env=self.c.env)

    def _publish(self, update_id: int) -> None:
        c = self.c
        comms.publish_update(
            update_id, dry_run=False, actor=CMOC, uow=c.uow(), env=c.env, drafting=c.drafting
        )
