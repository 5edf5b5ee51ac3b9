"""The whole schema: importing this registers every table on the shared ``metadata``."""

from sirf.adapters.db import comms_tables, tables, ticket_tables, web_tables
from sirf.adapters.db.tables import metadata

__all__ = ["comms_tables", "metadata", "tables", "ticket_tables", "web_tables"]
