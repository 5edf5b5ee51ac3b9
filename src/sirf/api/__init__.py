"""The REST API (/api/v1): parse, call one use case, render. Errors are mapped once, in errors.py."""
