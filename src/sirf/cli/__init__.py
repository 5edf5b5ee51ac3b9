"""The ``sirf`` command line: a thin HTTP client of the API plus a few operator commands."""
