"""How ticket figures read in the SMOC templates; "not known" always becomes the handbook's blank."""

from __future__ import annotations

from sirf.templates.blanks import blank
from sirf.templates.context import TicketFigures
from sirf.templates.formatting import format_count

NO_FIGURES = TicketFigures()


def engineers(count: int | None) -> str:
    if count is None:
        return f"{blank('X')} engineers"
    return f"{format_count(count)} engineer" + ("" if count == 1 else "s")


def csat(tickets: TicketFigures) -> str:
    trend = tickets.csat_trend
    if trend is None or tickets.csat_percent is None or tickets.csat_baseline_percent is None:
        return blank("Stable/Declining/Improving")
    return f"{trend.label} ({tickets.csat_percent:.0f}% now, baseline {tickets.csat_baseline_percent:.0f}%)"


def regions(tickets: TicketFigures, description: str) -> str:
    if not tickets.regions:
        return blank(description)
    return ", ".join(f"{entry.region.label} ({format_count(entry.count)})" for entry in tickets.regions)


def segments(tickets: TicketFigures, description: str) -> str:
    if not tickets.segments:
        return blank(description)
    return ", ".join(f"{entry.segment.label} ({format_count(entry.reports)})" for entry in tickets.segments)


def staff(count: int | None) -> str:
    return f"{format_count(count)} staff" if count is not None else blank("number of staff")
