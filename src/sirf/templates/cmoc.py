"""CMOC communication templates (F8.1-F8.4), field by field as the handbook lays them out."""

from __future__ import annotations

from sirf.templates.blanks import blank
from sirf.templates.context import TemplateContext
from sirf.templates.formatting import (
    clock_or_blank,
    count_or_blank,
    duration_or_blank,
    format_count,
    format_time,
    list_or_blank,
    time_or_blank,
)
from sirf.templates.layout import (
    Lines,
    action_lines,
    action_titles,
    bullets,
    document,
    fields,
    header,
    next_update,
    numbered,
    paragraph,
    section,
    stakeholders,
)


def initial(ctx: TemplateContext) -> str:
    """F8.1 initial status update."""
    return document(
        header(ctx),
        fields(
            ("Status", ctx.status),
            ("Severity", ctx.severity.label),
            ("Time Detected", format_time(ctx.detected_at)),
        ),
        section("Issue Summary", paragraph(ctx.summary, "Brief description of the issue - 1-2 sentences")),
        section("Customer Impact", _customer_impact(ctx)),
        section(
            "Current Actions",
            bullets(
                action_titles(ctx.current_actions)
                or [blank("Bullet points of what the team is currently doing")]
            ),
        ),
        next_update(ctx),
    )


def _customer_impact(ctx: TemplateContext) -> Lines:
    return bullets(
        [
            "Systems/services affected: " + list_or_blank(ctx.affected_services, "list affected services"),
            "Impact type: " + blank("complete outage/degraded performance/feature unavailability"),
            "Estimated affected customers: "
            + count_or_blank(ctx.customers_affected, "number/percentage if known"),
        ]
    )


def periodic(ctx: TemplateContext) -> str:
    """F8.2 periodic status update, numbered UPDATE #X; "Last Updated" is when this update is issued."""
    tickets = ctx.tickets
    return document(
        header(ctx, f"UPDATE #{ctx.update_number}"),
        fields(
            ("Status", ctx.status),
            ("Severity", ctx.severity.label),
            ("Time Detected", format_time(ctx.detected_at)),
            ("Last Updated", format_time(ctx.now)),
        ),
        section("Current Status", [blank("Brief description of the current state - 1-2 sentences")]),
        section(
            "Progress Since Last Update",
            bullets(
                action_titles(ctx.completed_actions)
                or [blank("Bullet points of actions taken and progress made")]
            ),
        ),
        section(
            "Ongoing Customer Impact",
            bullets(
                [
                    _impact_assessment(ctx),
                    "Current ticket volume: " + count_or_blank(tickets.active_tickets if tickets else None),
                    "Notable patterns: " + _patterns(ctx),
                ]
            ),
        ),
        section(
            "Next Steps",
            bullets(action_titles(ctx.current_actions) or [blank("Bullet points of planned actions")]),
        ),
        next_update(ctx),
    )


def _impact_assessment(ctx: TemplateContext) -> str:
    known = []
    if ctx.affected_services:
        known.append("affected services: " + ", ".join(ctx.affected_services))
    if ctx.customers_affected is not None:
        known.append("estimated affected customers: " + format_count(ctx.customers_affected))
    if not known:
        return blank("Updated impact assessment")
    text = "; ".join(known)
    return text[0].upper() + text[1:]


def _patterns(ctx: TemplateContext) -> str:
    issues = ctx.tickets.top_issues if ctx.tickets else ()
    if not issues:
        return blank("describe any patterns in customer reports")
    return "; ".join(f"{item.issue} ({format_count(item.reports)} reports)" for item in issues[:3])


def resolution(ctx: TemplateContext) -> str:
    """F8.3 resolution update, with the duration from detection to resolution."""
    total_tickets = ctx.tickets.total_tickets if ctx.tickets else None
    return document(
        header(ctx, "RESOLVED"),
        fields(
            ("Status", "Resolved"),
            ("Severity", ctx.severity.label),
            ("Time Detected", format_time(ctx.detected_at)),
            ("Time Resolved", time_or_blank(ctx.resolved_at)),
            ("Duration", duration_or_blank(ctx.duration if ctx.resolved else None, "X hours Y minutes")),
        ),
        section("Resolution Summary", [blank("Brief description of how the issue was resolved")]),
        section(
            "Final Impact Assessment",
            bullets(
                [
                    "Systems/services affected: "
                    + list_or_blank(ctx.affected_services, "list affected services"),
                    "Total customers impacted: "
                    + count_or_blank(ctx.customers_affected, "number/percentage if known"),
                    "Total tickets received: " + count_or_blank(total_tickets),
                ]
            ),
        ),
        section(
            "Follow-up Actions",
            bullets(
                [
                    blank("Any post-incident actions customers should take"),
                    blank("Any monitoring customers should perform"),
                ]
            ),
        ),
        section(
            "Additional Information",
            [
                "A full post-incident review will be conducted and findings shared as appropriate.",
                "For any additional questions, please contact support referencing "
                f"Incident #{ctx.incident_number}.",
            ],
        ),
    )


def region_handoff(ctx: TemplateContext) -> str:
    """F8.4 / F6.4 region handoff, ending with the acknowledgement request."""
    return document(
        header(ctx, "HANDOFF"),
        fields(
            ("Status", ctx.status),
            ("Current Region", ctx.region.label),
            ("Handoff To", ctx.handoff_to.label),
            ("Handoff Time", format_time(ctx.now)),
        ),
        section("Current Situation", [blank("Brief summary of current status - 2-3 sentences")]),
        section("Customer Impact Status", _ticket_status(ctx)),
        section("Communication Status", _communication_status(ctx)),
        section("Priority Actions for Next Shift", _priority_actions(ctx)),
        section("Key Stakeholders", bullets(stakeholders(ctx) or [blank("List of key contacts involved")])),
        section(
            "Handoff Acknowledgement", ["Please acknowledge receipt of this handoff in the incident channel."]
        ),
    )


def _ticket_status(ctx: TemplateContext) -> Lines:
    tickets = ctx.tickets
    return bullets(
        [
            "Active tickets: " + count_or_blank(tickets.active_tickets if tickets else None),
            "Pending responses: " + count_or_blank(tickets.pending_responses if tickets else None),
            "Escalated issues: " + count_or_blank(tickets.escalated if tickets else None),
        ]
    )


def _communication_status(ctx: TemplateContext) -> Lines:
    # No public update yet is a fact sirf knows, not a blank.
    last = format_time(ctx.last_public_update_at) if ctx.last_public_update_at else "none published yet"
    return bullets(
        [
            f"Last status.io update: {last}",
            f"Next scheduled update: {clock_or_blank(ctx.next_update_at)}",
            "Draft status update: " + blank("link or text"),
        ]
    )


def _priority_actions(ctx: TemplateContext) -> Lines:
    if ctx.current_actions:
        return numbered(action_lines(ctx.current_actions))
    return numbered(
        blank(text)
        for text in ("Most important action", "Second priority action", "Additional actions as needed")
    )
