"""Turn the domain's ``ImpactFigures`` into the ``TicketFigures`` the F8 templates render.

Kept apart from ``sirf.domain.impact`` so the domain does not know the template context's shape,
and apart from ``context.py`` so the context stays a plain value type. Engineer counts and staff
are not ticket data: the caller passes what the roster or the SMOC says.
"""

from __future__ import annotations

from collections.abc import Iterable

from sirf.domain.impact import ImpactFigures
from sirf.domain.regions import Region
from sirf.templates.context import IssueCount, RegionCount, SegmentCount, TicketFigures


def ticket_figures(
    impact: ImpactFigures,
    *,
    engineers_by_region: Iterable[tuple[Region, int]] = (),
    support_staff: int | None = None,
) -> TicketFigures:
    """Every ticket figure the templates know; ``engineers_by_region`` also takes ``mapping.items()``.

    Unclassified segments and regions and the longest wait have no place in the templates and are
    left out; the CSAT trend is derived again by ``TicketFigures`` from the same two percentages.
    """
    return TicketFigures(
        active_tickets=impact.active_tickets,
        pending_responses=impact.awaiting_first_response,
        escalated=impact.escalated,
        total_tickets=impact.total_tickets,
        customers_reporting=impact.customers,
        tickets_per_hour=impact.tickets_per_hour,
        peak_tickets_per_hour=impact.peak_per_hour,
        current_response_time=impact.current_response_time,
        average_response_time=impact.average_response_time,
        queue_health=impact.queue_health,
        top_issues=tuple(IssueCount(label, count) for label, count in impact.top_issues),
        segments=tuple(SegmentCount(segment, count) for segment, count in impact.segments),
        regions=tuple(RegionCount(region, count) for region, count in impact.regions),
        engineers_by_region=tuple(RegionCount(region, count) for region, count in engineers_by_region),
        support_staff=support_staff,
        csat_percent=impact.csat_percent,
        csat_baseline_percent=impact.csat_baseline_percent,
    )
