"""Ticket objects -> JSON-ready dictionaries (the shapes in docs/api.md, "Tickets")."""

from __future__ import annotations

from typing import Any

from sirf.api.serialize import iso
from sirf.domain.impact import ImpactFigures
from sirf.domain.sla import SlaAssessment
from sirf.domain.surge import Surge
from sirf.domain.tickets import Ticket
from sirf.services.bulk_replies import Planned, ReplyPlan, RunProgress
from sirf.services.ticket_figures import IncidentFigures
from sirf.services.tickets import LinkResult


def ticket_json(t: Ticket) -> dict[str, Any]:
    return {
        "ref": t.ref,
        "subject": t.subject,
        "priority": t.priority.value,
        "status": t.status.value,
        "requester": t.requester,
        "organization": t.organization,
        "form": t.form,
        "tags": sorted(t.tags),
        "public": t.public,
        "segment": t.segment.value if t.segment else None,
        "region": t.region.value if t.region else None,
        "escalated": t.escalated,
        "created_at": iso(t.created_at),
        "updated_at": iso(t.updated_at),
        "first_response_at": iso(t.first_response_at),
        "satisfaction": t.satisfaction.value if t.satisfaction else None,
    }


def link_json(result: LinkResult) -> dict[str, Any]:
    return {
        "tag": result.tag,
        "linked": list(result.linked),
        "unchanged": list(result.already),
        "total": result.total,
        "version": result.version,
    }


def planned_json(p: Planned) -> dict[str, Any]:
    return {"ref": p.ticket.ref, "subject": p.ticket.subject, "excluded": p.excluded, "text": p.text}


def plan_json(plan: ReplyPlan) -> dict[str, Any]:
    return {
        "dry_run": True,
        "source": plan.source_label,
        "body": plan.body,
        "targets": len(plan.targets),
        "excluded": len(plan.excluded),
        "items": [planned_json(p) for p in plan.items],
    }


def progress_json(progress: RunProgress) -> dict[str, Any]:
    run = progress.run
    return {
        "id": run.id,
        "incident_id": run.incident_id,
        "source": run.source.value,
        "source_ref": run.source_ref,
        "status_change": run.status_change.value if run.status_change else None,
        "public": run.public,
        "state": run.state.value,
        "created_by": run.created_by,
        "created_at": iso(run.created_at),
        "finished_at": iso(run.finished_at),
        "total": progress.total,
        "done": progress.done,
        "counts": {state.value: n for state, n in progress.counts.items()},
    }


def _duration_minutes(value: Any) -> float | None:
    return round(value.total_seconds() / 60, 1) if value is not None else None


def impact_json(figures: ImpactFigures) -> dict[str, Any]:
    return {
        "computed_at": iso(figures.computed_at),
        "total_tickets": figures.total_tickets,
        "active_tickets": figures.active_tickets,
        "awaiting_first_response": figures.awaiting_first_response,
        "escalated": figures.escalated,
        "organisations": figures.organisations,
        "customers": figures.customers,
        "segments": {segment.value: n for segment, n in figures.segments},
        "unclassified_segment": figures.unclassified_segment,
        "regions": {region.value: n for region, n in figures.regions},
        "unclassified_region": figures.unclassified_region,
        "tickets_per_hour": figures.tickets_per_hour,
        "peak_per_hour": figures.peak_per_hour,
        "peak_hour": iso(figures.peak_hour),
        "hourly": [{"hour": iso(hour), "tickets": n} for hour, n in figures.hourly[-48:]],
        "current_response_minutes": _duration_minutes(figures.current_response_time),
        "average_response_minutes": _duration_minutes(figures.average_response_time),
        "longest_wait_minutes": _duration_minutes(figures.longest_wait),
        "queue_health": figures.queue_health.value,
        "csat_percent": figures.csat_percent,
        "csat_ratings": figures.csat_ratings,
        "csat_baseline_percent": figures.csat_baseline_percent,
        "csat_trend": figures.csat_trend.value if figures.csat_trend else None,
        "top_issues": [{"issue": label, "reports": n} for label, n in figures.top_issues],
    }


def assessment_json(a: SlaAssessment) -> dict[str, Any]:
    return {
        "ref": a.ref,
        "priority": a.priority.value,
        "region": a.region.value,
        "due_at": iso(a.due_at),
        "state": a.state.value,
        "remaining_minutes": _duration_minutes(a.remaining),
    }


def sla_json(figures: IncidentFigures) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for a in figures.sla:
        counts[a.state.value] = counts.get(a.state.value, 0) + 1
    return {
        "incident_id": figures.incident_id,
        "compliance_percent": figures.compliance,
        "counts": counts,
        "at_risk": [assessment_json(a) for a in figures.at_risk],
        "breached": [assessment_json(a) for a in figures.breached],
    }


def surge_json(s: Surge) -> dict[str, Any]:
    return {
        "label": s.label,
        "keywords": list(s.keywords),
        "count": s.count,
        "baseline_per_window": round(s.baseline_per_window, 2),
        "ratio": round(s.ratio, 1),
        "hourly": [{"hour": iso(hour), "tickets": n} for hour, n in s.hourly_counts],
        "sample_subjects": list(s.sample_subjects),
        "organisations": list(s.organisations),
        "customers": s.customers,
        "refs": list(s.refs),
        "first_seen_at": iso(s.first_seen_at),
        "reason": s.reason,
    }
