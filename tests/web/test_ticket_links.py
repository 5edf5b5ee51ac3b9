"""In the room, a Zendesk ticket's number opens it in Zendesk's agent view; built-in tickets, which
have no page of their own, are plain numbers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sirf.bootstrap import Container
from sirf.domain.raci import Actor, OrgRole
from sirf.domain.severity import Severity
from sirf.domain.tickets import Ticket
from sirf.services import incidents
from sirf.services.tickets import BUILTIN
from tests.web.conftest import Site

pytestmark = pytest.mark.storage
ROOT = Actor("root", OrgRole.ADMIN)


def linked_ticket(container: Container, system: str, ref: str) -> int:
    declaration = incidents.Declaration(title="Sign-in fails", kind="saas-outage", severity=Severity.SEV2)
    incident = incidents.declare_incident(declaration, actor=ROOT, uow=container.uow(), env=container.env)
    now = container.env.clock.now()
    uow = container.uow()
    with uow(write=True):
        ids = uow.tickets.upsert(
            system, [Ticket(ref=ref, subject="Cannot sign in", created_at=now, updated_at=now)]
        )
        uow.tickets.link(incident.id, list(ids.values()), reason="manual", by="root", at=now)
        uow.commit()
    return incident.id


def test_zendesk_tickets_link_to_the_agent_view(container: Container) -> None:
    container.settings = replace(container.settings, zendesk_url="https://acme.zendesk.com")
    incident_id = linked_ticket(container, "zendesk", "4711")
    site = Site(container)
    try:
        page = site.signed_in("alice").get(f"/incidents/{incident_id}/fragments/tickets").text
    finally:
        site.close()
    assert (
        '<a href="https://acme.zendesk.com/agent/tickets/4711" rel="noopener noreferrer" target="_blank"'
        ' data-testid="ticket-link">#4711</a>'
    ) in page


def test_built_in_tickets_are_plain_numbers(container: Container) -> None:
    incident_id = linked_ticket(container, BUILTIN, "12")
    site = Site(container)
    try:
        page = site.signed_in("alice").get(f"/incidents/{incident_id}/fragments/tickets").text
    finally:
        site.close()
    assert "<td>#12</td>" in page
    assert 'data-testid="ticket-link"' not in page
