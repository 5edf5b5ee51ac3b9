"""Adapters: implementations of the service ports (database, vendor clients, built-in equivalents)."""
