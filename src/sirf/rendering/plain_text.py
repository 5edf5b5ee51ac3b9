"""Write markdown-it tokens as plain text: what an email or ticket reply shows without Markdown.

Headings become underlined lines, emphasis markers disappear, list markers (``-``, ``1.``) stay
because they read naturally, and a link keeps its address after the text so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markdown_it.token import Token

RULE = "-" * 20


@dataclass
class _Container:
    """A list item or quote: the prefix of its first line, then of every following line."""

    first: str
    rest: str
    used: bool = False


class PlainTextWriter:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.containers: list[_Container] = []
        self.list_counters: list[int | None] = []  # None for bullet lists
        self.heading: str | None = None
        self.row: list[str] | None = None

    def write(self, tokens: Sequence[Token]) -> str:
        for token in tokens:
            handler = self._handlers().get(token.type)
            if handler:
                handler(token)
        return "\n".join(self.lines).strip("\n") + "\n"

    def _handlers(self) -> dict[str, Callable[[Token], None]]:
        return {
            "heading_open": lambda t: setattr(self, "heading", t.tag),
            "heading_close": lambda t: self._blank(),
            "inline": self._inline,
            "paragraph_close": lambda t: None if t.hidden else self._blank(),
            "bullet_list_open": lambda t: self.list_counters.append(None),
            "ordered_list_open": lambda t: self.list_counters.append(int(str(t.attrGet("start") or 1))),
            "bullet_list_close": self._close_list,
            "ordered_list_close": self._close_list,
            "list_item_open": self._open_item,
            "list_item_close": self._close_item,
            "blockquote_open": lambda t: self.containers.append(_Container("> ", "> ")),
            "blockquote_close": self._close_quote,
            "fence": self._code,
            "code_block": self._code,
            "hr": lambda t: self._emit([RULE], blank_after=True),
            "tr_open": lambda t: setattr(self, "row", []),
            "tr_close": self._close_row,
            "table_close": lambda t: self._blank(),
        }

    def _inline(self, token: Token) -> None:
        text = inline_text(token.children or [])
        if self.row is not None:
            self.row.append(text)
        elif self.heading is not None:
            underline = "=" if self.heading in ("h1", "h2") else "-"
            self._emit([text, underline * max(3, len(text))])
            self.heading = None
        else:
            self._emit(text.split("\n"))

    def _open_item(self, token: Token) -> None:
        counter = self.list_counters[-1]
        marker = "- " if counter is None else f"{counter}. "
        self.containers.append(_Container(marker, " " * len(marker)))

    def _close_item(self, token: Token) -> None:
        if not self.containers[-1].used:
            self._emit([""])  # an empty item still shows its marker
        self.containers.pop()
        counter = self.list_counters[-1]
        if counter is not None:
            self.list_counters[-1] = counter + 1

    def _close_list(self, token: Token) -> None:
        self.list_counters.pop()
        if not self.list_counters:
            self._blank()

    def _close_quote(self, token: Token) -> None:
        self.containers.pop()
        self._blank()

    def _code(self, token: Token) -> None:
        self._emit(["    " + line for line in token.content.rstrip("\n").split("\n")], blank_after=True)

    def _close_row(self, token: Token) -> None:
        self._emit([" | ".join(self.row or [])])
        self.row = None

    def _emit(self, texts: Sequence[str], *, blank_after: bool = False) -> None:
        for text in texts:
            prefix = "".join(c.rest if c.used else c.first for c in self.containers)
            self.lines.append((prefix + text).rstrip())
            for container in self.containers:
                container.used = True
        if blank_after:
            self._blank()

    def _blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")


def inline_text(children: Sequence[Token]) -> str:
    parts: list[str] = []
    links: list[tuple[str, int]] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(inline_text(child.children or []))
        elif child.type == "link_open":
            links.append((str(child.attrGet("href") or ""), len(parts)))
        elif child.type == "link_close" and links:
            href, start = links.pop()
            if href and href not in "".join(parts[start:]):
                parts.append(f" ({href})")
    return "".join(parts)
