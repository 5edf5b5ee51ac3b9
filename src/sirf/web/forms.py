"""Reading HTML form posts (application/x-www-form-urlencoded).

The pages only ever post URL-encoded forms (no uploads), which the standard library parses; this
spares a multipart dependency. The body size is already bounded by the API's body-limit middleware.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import Request

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 200


class Form:
    def __init__(self, fields: dict[str, list[str]]) -> None:
        self.fields = fields

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def text(self, name: str) -> str:
        """The field with surrounding whitespace removed."""
        return self.get(name).strip()

    def checked(self, name: str) -> bool:
        return name in self.fields

    def all(self, name: str) -> list[str]:
        return list(self.fields.get(name, []))


async def read_form(request: Request) -> Form:
    """The posted fields; anything that is not a URL-encoded form reads as empty (and then fails
    the CSRF check, as no token is in it)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
        return Form({})
    body = await request.body()
    try:
        fields = parse_qs(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        return Form({})
    return Form(fields)
