"""The one error an installation's template override raises, at start-up or while rendering."""

from __future__ import annotations

from sirf.domain.errors import ValidationFailed


class TemplateOverrideError(ValidationFailed):
    """An override failed to compile or to render: sandbox refusal, limit, undefined name, bad syntax."""

    def __init__(self, template: str, reason: str, *, line: int | None = None) -> None:
        where = f", line {line}" if line else ""
        super().__init__(f"template override {template!r}{where}: {reason}", template=template, line=line)
        self.template = template
        self.reason = reason
        self.line = line
