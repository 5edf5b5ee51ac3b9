"""SMOC communication templates (F8.5-F8.8), field by field as the handbook lays them out."""

from __future__ import annotations

from sirf.domain.regions import Region
from sirf.domain.roles import Role
from sirf.templates.blanks import blank
from sirf.templates.context import TemplateContext, TicketFigures
from sirf.templates.figures import NO_FIGURES, csat, engineers, regions, segments, staff
from sirf.templates.formatting import (
    count_or_blank,
    duration_or_blank,
    format_count,
    format_duration,
    format_time,
    time_or_blank,
)
from sirf.templates.layout import (
    Lines,
    action_lines,
    bullets,
    document,
    fields,
    header,
    labelled_blanks,
    numbered,
    section,
)

# The handbook lists the regions in this order in F8.5.
ALLOCATION_ORDER = (Region.AMER, Region.EMEA, Region.APAC)


def resource_allocation(ctx: TemplateContext) -> str:
    """F8.5 support resource allocation: per-region engineer counts and queue health."""
    tickets = ctx.tickets or NO_FIGURES
    health = tickets.queue_health.label if tickets.queue_health else blank("Healthy/Strained/Critical")
    return document(
        header(ctx, "SUPPORT RESOURCES"),
        fields(
            ("Status", ctx.status),
            ("Time", format_time(ctx.now)),
            ("Resource Request Type", blank("Initial/Update/Release")),
        ),
        section(
            "Current Support Load",
            bullets(
                [
                    "Active incident-related tickets: " + count_or_blank(tickets.active_tickets),
                    "Current response time: " + duration_or_blank(tickets.current_response_time),
                    f"Queue health status: {health}",
                ]
            ),
        ),
        section("Resource Allocation", _allocation(tickets)),
        section(
            "Priority Guidelines",
            numbered(
                blank(text)
                for text in (
                    "Top priority issue type",
                    "Second priority issue type",
                    "Standard handling for other issues",
                )
            ),
        ),
        section(
            "Special Handling Instructions",
            bullets(
                [
                    blank("Any special routing or handling instructions"),
                    blank("Any customer-specific considerations"),
                ]
            ),
        ),
        section(
            "Actions Needed",
            labelled_blanks(
                ("Team leads", "Regional managers", "Other stakeholders"), "specific action requested"
            ),
        ),
        section(
            "Duration Estimate",
            [
                "This resource allocation is expected to remain in place for approximately "
                f"{blank('time period')}."
            ],
        ),
    )


def _allocation(tickets: TicketFigures) -> Lines:
    counts = {entry.region: entry.count for entry in tickets.engineers_by_region}
    return bullets(
        f"{region.label}: {engineers(counts.get(region))} allocated to incident"
        for region in ALLOCATION_ORDER
    )


def customer_impact(ctx: TemplateContext) -> str:
    """F8.6 customer impact report: top issues with counts, segments, CSAT trend."""
    tickets = ctx.tickets or NO_FIGURES
    return document(
        header(ctx, "CUSTOMER IMPACT REPORT"),
        fields(("Status", ctx.status), ("Time", format_time(ctx.now))),
        section("Impact Summary", [blank("Brief description of customer impact - 2-3 sentences")]),
        section("Impact Metrics", _impact_metrics(tickets)),
        section("Common Issues Reported", _common_issues(tickets)),
        section(
            "Customer Sentiment",
            bullets(
                [
                    "Current CSAT trending: " + csat(tickets),
                    "Notable customer concerns: " + blank("list major themes"),
                ]
            ),
        ),
        section(
            "Recommended Actions",
            labelled_blanks(
                ("Technical team", "Communications team", "Customer success"), "recommended action"
            ),
        ),
        section("Additional Information", [blank("Any other relevant details about customer impact")]),
    )


def _impact_metrics(tickets: TicketFigures) -> Lines:
    return bullets(
        [
            "Total customers reporting issues: " + count_or_blank(tickets.customers_reporting),
            "Percentage of customer base: " + blank("estimated percentage"),
            "Geographic distribution: " + regions(tickets, "regions affected"),
            "Customer segments affected: " + segments(tickets, "Enterprise/SMB/Personal"),
        ]
    )


def _common_issues(tickets: TicketFigures) -> Lines:
    if tickets.top_issues:
        return numbered(
            f"{item.issue} - {format_count(item.reports)} reports" for item in tickets.top_issues[:3]
        )
    ranks = ("Most common issue", "Second most common issue", "Third most common issue")
    return numbered(f"{blank(rank)} - {blank('X')} reports" for rank in ranks)


def cmoc_activation(ctx: TemplateContext) -> str:
    """F8.7 CMOC activation: the F7.1 criteria met and the communication plan."""
    tickets = ctx.tickets or NO_FIGURES
    return document(
        header(ctx, "CMOC ACTIVATION"),
        fields(
            ("Status", ctx.status),
            ("Activation Time", format_time(ctx.now)),
            ("Requested By", ctx.requested_by),
        ),
        section("Activation Criteria Met", bullets(_criteria(ctx))),
        section(
            "Current Support Status",
            bullets(
                [
                    "Active tickets: " + count_or_blank(tickets.active_tickets),
                    "Affected customers: " + count_or_blank(ctx.customers_affected, "number/types"),
                    "Current response time: " + duration_or_blank(tickets.current_response_time),
                ]
            ),
        ),
        section(
            "Initial CMOC Actions",
            numbered(
                blank(text)
                for text in ("First immediate action", "Second immediate action", "Ongoing monitoring focus")
            ),
        ),
        section(
            "Resource Requirements",
            bullets(
                [
                    "Personnel needed: " + blank("specific roles/numbers"),
                    "Tools/access needed: " + blank("specific requirements"),
                    "Stakeholder engagement needed: " + blank("specific teams"),
                ]
            ),
        ),
        section("Actions Needed", _activation_actions(ctx)),
        section("Communication Plan", _communication_plan(ctx)),
    )


def _criteria(ctx: TemplateContext) -> list[str]:
    engagement = ctx.engagement(Role.CMOC)
    met = list(engagement.criteria) if engagement else []
    return [text[0].upper() + text[1:] for text in met] or [
        blank("List specific criteria that triggered activation")
    ]


def _activation_actions(ctx: TemplateContext) -> Lines:
    engagement = ctx.engagement(Role.CMOC)
    person = ctx.holder(Role.CMOC) or (engagement.proposed if engagement else None)
    who = f"CMOC ({person})" if person else "CMOC"
    return [
        f"- {who}: Acknowledge activation and implement response plan",
        *labelled_blanks(("Regional managers", "Technical teams"), "specific action requested"),
    ]


def _communication_plan(ctx: TemplateContext) -> Lines:
    cadence = (
        f"public updates every {format_duration(ctx.update_interval)}; "
        if ctx.update_interval is not None
        else ""
    )
    return bullets(
        [
            "Initial customer communication to be sent by: " + time_or_blank(ctx.next_update_at, "time"),
            "Coordination meeting scheduled for: " + blank("time"),
            f"Reporting cadence: {cadence}CMOC-IMOC sync every {format_duration(ctx.sync_interval)}",
        ]
    )


def support_summary(ctx: TemplateContext) -> str:
    """F8.8 post-incident support summary."""
    tickets = ctx.tickets or NO_FIGURES
    end = time_or_blank(ctx.resolved_at, "end time")
    return document(
        header(ctx, "SUPPORT SUMMARY"),
        fields(
            ("Status", ctx.status),
            ("Incident Duration", f"{format_time(ctx.detected_at)} to {end}"),
            ("Report Time", format_time(ctx.now)),
        ),
        section(
            "Support Response Summary", [blank("Brief overview of the support response - 3-4 sentences")]
        ),
        section(
            "Key Metrics",
            bullets(
                [
                    "Total tickets handled: " + count_or_blank(tickets.total_tickets),
                    "Peak tickets per hour: " + count_or_blank(tickets.peak_tickets_per_hour),
                    "Average response time: " + duration_or_blank(tickets.average_response_time),
                    "Support resources utilized: " + staff(tickets.support_staff),
                ]
            ),
        ),
        section(
            "Customer Impact Analysis",
            bullets(
                [
                    "Most affected customer segments: " + segments(tickets, "details"),
                    "Geographic distribution: " + regions(tickets, "details"),
                    "Common workarounds provided: " + blank("list"),
                ]
            ),
        ),
        section(
            "Effectiveness Assessment",
            bullets(
                f"{label}: {blank('bullet points')}"
                for label in ("What worked well", "Improvement areas", "Tool/process gaps identified")
            ),
        ),
        section(
            "Follow-up Actions",
            bullets(
                action_lines(ctx.current_actions)
                or [blank("Specific action items with owners and timelines")]
            ),
        ),
        section("Lessons Learned", [blank("Key takeaways for future incident response")]),
    )
