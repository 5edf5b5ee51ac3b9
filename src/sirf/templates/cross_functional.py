"""Cross-functional templates (F8.9 technical-to-support handoff, F8.10 executive summary)."""

from __future__ import annotations

from sirf.templates.blanks import blank
from sirf.templates.context import TemplateContext
from sirf.templates.formatting import count_or_blank, format_duration, format_time, list_or_blank
from sirf.templates.layout import bullets, document, fields, header, paragraph, section


def technical_handoff(ctx: TemplateContext) -> str:
    """F8.9: symptoms, workaround, what to say and not say, who verified technical accuracy."""
    return document(
        header(ctx, "TECHNICAL TO SUPPORT HANDOFF"),
        fields(("Status", ctx.status), ("Time", format_time(ctx.now))),
        section(
            "Technical Summary",
            [blank("Brief technical explanation of the issue - keep simple and customer-focused")],
        ),
        section(
            "Customer-Facing Impact",
            bullets(
                [
                    "What customers are seeing: " + blank("observable symptoms"),
                    "Affected components/features: "
                    + list_or_blank(ctx.affected_services, "specific details"),
                    "Scope of impact: " + blank("broad/limited/specific customers"),
                ]
            ),
        ),
        section("Workaround Instructions", [blank("Step-by-step workaround if available")]),
        section(
            "Customer Communication Guidance",
            bullets(
                [
                    "Key points to communicate: " + blank("bullet points"),
                    "Points to avoid mentioning: " + blank("bullet points"),
                    # A named person vouches for accuracy; sirf must not assume it was the IMOC.
                    "Technical accuracy verified by: " + blank("name"),
                ]
            ),
        ),
        section(
            "Expected Resolution",
            bullets(
                [
                    "Estimated time to resolution: " + blank("timeframe if known"),
                    "Fix delivery method: " + blank("hotfix/regular release/etc."),
                ]
            ),
        ),
        section(
            "Actions Needed",
            [
                f"- Support team: {blank('specific guidance on ticket handling')}",
                f"- CMOC: {blank('guidance on status.io messaging')}",
                f"- Other teams: {blank('any other coordination needed')}",
            ],
        ),
    )


def executive(ctx: TemplateContext) -> str:
    """F8.10: business impact, response status per stream, decisions needed."""
    total_tickets = ctx.tickets.total_tickets if ctx.tickets else None
    return document(
        header(ctx, "EXECUTIVE SUMMARY"),
        fields(("Status", ctx.status), ("Time", format_time(ctx.now))),
        section(
            "Situation Overview",
            paragraph(ctx.summary, "Concise explanation of the incident - 1-2 sentences"),
        ),
        section(
            "Business Impact",
            bullets(
                [
                    f"Customer impact: {blank('High/Medium/Low')} - {blank('brief description')}",
                    f"Revenue impact: {blank('Yes/No/Unknown')} - {blank('brief description if Yes')}",
                    f"Reputation risk: {blank('High/Medium/Low')} - {blank('brief explanation')}",
                ]
            ),
        ),
        section(
            "Response Status",
            bullets(
                f"{stream}: {blank('On track/Delayed/Blocked')} - {blank('brief status')}"
                for stream in ("Technical response", "Support response", "Communications")
            ),
        ),
        section(
            "Key Metrics",
            bullets(
                [
                    "Duration so far: " + format_duration(ctx.duration),
                    "Estimated time to resolution: "
                    + ("resolved" if ctx.resolved else blank("time or unknown")),
                    "Support tickets: " + count_or_blank(total_tickets),
                    "Affected customers: " + count_or_blank(ctx.customers_affected, "number/percentage"),
                ]
            ),
        ),
        section("Critical Decisions Needed", [blank("List any decisions requiring executive input")]),
        section("Next Update", [f"Next executive update scheduled for: {blank('time')} UTC"]),
    )
