"""SQLAlchemy 2 storage for SQLite (embedded default) and PostgreSQL (production)."""
