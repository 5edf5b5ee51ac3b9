"""Blanks: what a template cannot know, left as ``[[TODO: description]]`` for a person to fill.

``sirf.domain.updates.blanks_in`` finds them and publishing refuses while any remain, so a blank
can never reach customers by accident. The description is the handbook's own placeholder wording.
"""

from __future__ import annotations

FALLBACK_DESCRIPTION = "fill in"


def blank_description(description: str) -> str:
    """The description as it will read inside the blank: one line, no square brackets.

    Brackets would end the blank early (the marker's pattern stops at the first ``]``) and line
    breaks would hide it from a reader skimming the draft.
    """
    text = " ".join(description.replace("[", "(").replace("]", ")").split())
    return text or FALLBACK_DESCRIPTION


def blank(description: str) -> str:
    return f"[[TODO: {blank_description(description)}]]"
