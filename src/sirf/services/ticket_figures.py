"""The numbers the tickets give (F8.5, F8.6, F9.4, F9.5): customer impact, first-response SLA,
CSAT against its baseline and surges of similar tickets; and feeding them back into the incident's
impact facts, so the F7 engagement triggers ("several customers affected", "an SLA is at risk")
follow the tickets without anyone retyping a number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sirf.domain.impact import ImpactFigures, compute_impact
from sirf.domain.raci import Actor, OrgRole
from sirf.domain.similarity import top_issues
from sirf.domain.sla import SlaAssessment, assess_all, at_risk, breached, compliance
from sirf.domain.surge import Surge, detect_surges
from sirf.domain.tickets import Ticket
from sirf.services.context import Env, get_or_raise
from sirf.services.ports import UnitOfWork

SYSTEM_ACTOR = Actor("sirf", OrgRole.ADMIN)


@dataclass(frozen=True)
class IncidentFigures:
    incident_id: int
    impact: ImpactFigures
    sla: list[SlaAssessment]

    @property
    def at_risk(self) -> list[SlaAssessment]:
        return at_risk(self.sla)

    @property
    def breached(self) -> list[SlaAssessment]:
        return breached(self.sla)

    @property
    def compliance(self) -> float | None:
        return compliance(self.sla)


def incident_figures(
    incident_id: int, *, uow: UnitOfWork, env: Env, system: str | None = None
) -> IncidentFigures:
    with uow(write=False):
        get_or_raise(uow, incident_id, roles_only=True)
        return figures_in(uow, env, incident_id, system)


def figures_in(uow: UnitOfWork, env: Env, incident_id: int, system: str | None = None) -> IncidentFigures:
    """Inside the caller's unit of work (drafting an update reads them in its own transaction)."""
    now = env.clock.now()
    policy = env.framework.tickets
    tickets = [stored.ticket for stored in uow.tickets.linked(incident_id)]
    since = now - timedelta(days=policy.csat_baseline_days)
    good, bad = uow.tickets.satisfaction_counts(system, since, excluding_incident=incident_id)
    baseline = 100.0 * good / (good + bad) if good + bad else None
    impact = compute_impact(
        tickets,
        now=now,
        thresholds=policy.queue_health,
        csat_baseline_percent=baseline,
        top_issues=_top(tickets),
    )
    return IncidentFigures(incident_id, impact, assess_all(tickets, now, policy.sla))


def _top(tickets: list[Ticket]) -> list[tuple[str, int]]:
    # Grouping is the costly part; the newest 5,000 tickets say what customers report now.
    newest = sorted(tickets, key=lambda t: t.created_at, reverse=True)[:5000]
    return top_issues(newest, limit=5)


def find_surges(*, uow: UnitOfWork, env: Env, system: str, now: datetime | None = None) -> list[Surge]:
    """Surges among all incoming tickets, against the same hours of the previous days."""
    now = now or env.clock.now()
    policy = env.framework.tickets.surge
    with uow(write=False):
        recent = uow.tickets.created_between(system, now - policy.window, now + timedelta(seconds=1))
        history = uow.tickets.created_between(
            system, now - policy.window - timedelta(days=policy.baseline_days), now - policy.window
        )
    return detect_surges(recent, history, now=now, policy=policy)


def refresh_impact_facts(incident_id: int, *, uow: UnitOfWork, env: Env, system: str | None = None) -> bool:
    """Raise the incident's "customers affected" to what the tickets show and set "SLA at risk"
    from the SLA clock; True when a fact changed (the triggers then re-run, F7)."""
    from sirf.services.engagement import update_impact

    with uow(write=False):
        incident = get_or_raise(uow, incident_id, roles_only=True)
        if not incident.active or uow.tickets.linked_count(incident_id) == 0:
            return False
        figures = figures_in(uow, env, incident_id, system)
    changes: dict[str, object] = {}
    customers = figures.impact.customers
    if customers > (incident.facts.customers_affected or 0):
        changes["customers_affected"] = customers
    sla_at_risk = bool(figures.at_risk or figures.breached)
    if sla_at_risk != incident.facts.sla_at_risk:
        changes["sla_at_risk"] = sla_at_risk
    if not changes:
        return False
    update_impact(incident_id, changes, actor=SYSTEM_ACTOR, uow=uow, env=env)
    return True
