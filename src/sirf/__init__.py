"""sirf: the Support Incident Response Framework service (the customer side of incidents)."""

__version__ = "0.1.0"
