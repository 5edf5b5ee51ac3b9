"""The public status page: Statuspage v2 JSON, an HTML page and Atom/RSS feeds, all answered from
an in-memory snapshot of what has been published (see ``cache`` for how it stays current)."""

from sirf.statuspage.routes import install_status_page

__all__ = ["install_status_page"]
