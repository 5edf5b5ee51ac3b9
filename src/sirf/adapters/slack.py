"""Slack incoming-webhook channels: one per configured channel, each with its own webhook URL.

A message is Block Kit: a header (incident title and template), the update's Markdown converted to
Slack mrkdwn in sections of at most 3,000 characters, and a context line with severity and state;
``text`` carries the plain-text fallback Slack shows in notifications. Limits (vendor-apis.md §5.2):
header 150 characters, 50 blocks, and about 13,000 characters in all, beyond which Slack answers
``msg_blocks_too_long``; a longer update is cut with a note saying so.

Slack answers 200 ``ok``; its error bodies are short codes (400 ``invalid_payload``, 403
``action_prohibited``, 404 ``channel_not_found``, 410 ``channel_is_archived``: a person must fix
those) or 429 / 5xx, which are worth a retry. The webhook URL is the credential, so it never
appears in a message or log line.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from sirf.adapters.http import RequestSpacing, failure_for, register_secret, send
from sirf.config import Secret
from sirf.domain.updates import Audience
from sirf.services.publishing import Delivered, DeliveryFailed, Publication

EXECUTIVE_TEMPLATE = "executive"
HEADER_LIMIT = 150
SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
TOTAL_LIMIT = 12_000  # below the ~13k characters where Slack starts refusing the blocks
FALLBACK_LIMIT = 3000
CONTEXT_LINKS = 8  # a context block holds at most 10 elements; two are severity and state
TRUNCATED = "_… the update is longer than Slack shows; read it in full in sirf._"
# Slack asks for about one message per second per webhook; shared by every channel in the process.
SHARED_SPACING = RequestSpacing(1.0)

_ERROR_CODE = re.compile(r"^[a-z_]{1,64}$")


class SlackWebhookChannel:
    def __init__(
        self,
        name: str,
        url: Secret | str,
        executive: bool,
        client: httpx.Client,
        *,
        spacing: RequestSpacing = SHARED_SPACING,
    ) -> None:
        self._name = name
        self._url = url if isinstance(url, Secret) else Secret(url)
        self._executive = executive
        self._client = client
        self._spacing = spacing
        # The path (and any query) is the credential; the host is not, and helps when reading logs.
        webhook = httpx.URL(self._url.reveal())
        for part in (webhook.path, webhook.raw_path.decode("ascii"), webhook.query.decode("ascii")):
            register_secret(part)

    @property
    def name(self) -> str:
        return f"slack:{self._name}"

    def wants(self, template: str, audience: Audience) -> bool:
        if self._executive:
            return template == EXECUTIVE_TEMPLATE
        return template != EXECUTIVE_TEMPLATE and audience is not Audience.CUSTOMER

    def deliver(self, publication: Publication) -> Delivered:
        webhook = self._url.reveal()
        action = f"{self.name} webhook"
        with self._spacing.turn(webhook):
            response = send(self._client, "POST", webhook, action=action, json=build_message(publication))
        answer = response.text.strip()
        if response.status_code == 200 and answer == "ok":
            return Delivered()
        if response.is_success:
            # Not Slack's documented answer; the message may or may not show, so do not repeat it.
            raise DeliveryFailed(f"{action}: unexpected answer {_error_code(answer)}", retryable=False)
        failure = failure_for(response, action=action, reason=_error_code(answer))
        if response.status_code == 429 and failure.retry_after:
            self._spacing.back_off(webhook, failure.retry_after)
        raise failure


def _error_code(answer: str) -> str:
    # Slack's error bodies are short codes; anything else is not repeated (it could be anything).
    return answer if _ERROR_CODE.match(answer) else f"({len(answer)} characters)"


# -- the message ---------------------------------------------------------------------------------


def build_message(publication: Publication) -> dict[str, Any]:
    title = f"{publication.incident_title} · {publication.template}"
    header = {"type": "header", "text": {"type": "plain_text", "text": _clip(title, HEADER_LIMIT)}}
    sections = [_section(chunk) for chunk in _fit(chunks(to_mrkdwn(publication.markdown)))]
    fallback = f"{publication.incident_title} ({publication.severity.label}): {publication.text}"
    return {
        "text": _clip(escape(fallback), FALLBACK_LIMIT),
        "blocks": [header, *sections, _context(publication)],
    }


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(publication: Publication) -> dict[str, Any]:
    state = publication.public_state.label if publication.public_state else publication.audience.value
    texts = [f"*{publication.severity.label}*", f"State: {escape(state)}"]
    texts += [
        f"<{_link_target(url)}|{_link_label(label)}>"
        for label, url in list(publication.links.items())[:CONTEXT_LINKS]
    ]
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text} for text in texts]}


def _fit(sections: list[str]) -> list[str]:
    """Keep within the block count (header and context take two) and the total size."""
    kept: list[str] = []
    total = 0
    for section in sections:
        if len(kept) == BLOCK_LIMIT - 3 or total + len(section) > TOTAL_LIMIT:
            return [*kept, TRUNCATED]
        kept.append(section)
        total += len(section)
    return kept


def chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Pack paragraphs into pieces of at most ``limit`` characters, splitting only what is longer."""
    result: list[str] = []
    current = ""
    for paragraph in _paragraphs(text):
        for piece in _split_long(paragraph, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                result.append(current)
                current = piece
    return [*result, current] if current else result


def _paragraphs(text: str) -> list[str]:
    # Blank lines separate paragraphs, except inside a code block, which stays in one piece.
    paragraphs: list[list[str]] = [[]]
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not line.strip() and not in_code:
            paragraphs.append([])
        else:
            paragraphs[-1].append(line)
    return ["\n".join(lines) for lines in paragraphs if lines]


def _split_long(paragraph: str, limit: int) -> list[str]:
    if len(paragraph) <= limit:
        return [paragraph]
    pieces: list[str] = []
    current = ""
    for line in paragraph.split("\n"):
        for part in [line[i : i + limit] for i in range(0, len(line), limit)] or [""]:
            candidate = f"{current}\n{part}" if current else part
            if len(candidate) <= limit:
                current = candidate
            else:
                pieces.append(current)
                current = part
    return [*pieces, current] if current else pieces


# -- Markdown to Slack mrkdwn ----------------------------------------------------------------------

_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_QUOTE = re.compile(r"^ {0,3}>\s?(.*)$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_RULE = re.compile(r"^ {0,3}([-*_])(\s*\1){2,}\s*$")
_LINK = re.compile(r"!?\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<(https?://[^>\s]+)>")
_CODE_SPAN = re.compile(r"(`[^`\n]+`)")
_EMPHASIS = re.compile(
    r"\*\*(?P<bold>.+?)\*\*|__(?P<bold2>.+?)__|~~(?P<strike>.+?)~~"
    r"|(?<![\w*])\*(?!\s)(?P<italic>.+?)(?<!\s)\*(?![\w*])"
)
_PLACEHOLDER = "\ue000{}\ue001"
_PLACEHOLDER_RE = re.compile("\ue000(\\d+)\ue001")


def to_mrkdwn(markdown: str) -> str:
    """Slack's mrkdwn is not Markdown: ``*bold*``, ``_italic_``, ``~strike~``, ``<url|text>``, no
    headings, and ``&``, ``<``, ``>`` must be escaped."""
    lines: list[str] = []
    in_code = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
            lines.append("```")  # Slack shows no language tag; drop it
        else:
            lines.append(escape(line) if in_code else _line(line))
    return "\n".join(lines).strip("\n")


def _line(line: str) -> str:
    if _RULE.match(line):
        return "──────────"
    if heading := _HEADING.match(line):
        return f"*{_inline(heading.group(1)).replace('*', '')}*"  # emphasis inside bold would close it
    if quote := _QUOTE.match(line):
        return f"> {_inline(quote.group(1))}"
    if bullet := _BULLET.match(line):
        return f"{bullet.group(1)}• {_inline(bullet.group(2))}"
    return _inline(line)


def _inline(text: str) -> str:
    # Code spans are copied as they are (escaped only); everything else gets links and emphasis.
    parts = _CODE_SPAN.split(text)
    return "".join(escape(part) if index % 2 else _prose(part) for index, part in enumerate(parts))


def _prose(text: str) -> str:
    links: list[str] = []

    def hold(match: re.Match[str]) -> str:
        label, url, bare = match.group(1), match.group(2), match.group(3)
        if bare:
            links.append(f"<{_link_target(bare)}>")
        else:
            links.append(f"<{_link_target(url)}|{_link_label(label or url)}>")
        return _PLACEHOLDER.format(len(links) - 1)

    held = _LINK.sub(hold, text)
    converted = _emphasis(escape(held))
    return _PLACEHOLDER_RE.sub(lambda m: links[int(m.group(1))], converted)


def _emphasis(text: str) -> str:
    def convert(match: re.Match[str]) -> str:
        groups = match.groupdict()
        if groups["bold"] or groups["bold2"]:
            return f"*{_emphasis(groups['bold'] or groups['bold2'])}*"
        if groups["strike"]:
            return f"~{_emphasis(groups['strike'])}~"
        return f"_{_emphasis(groups['italic'])}_"

    return _EMPHASIS.sub(convert, text)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link_target(url: str) -> str:
    return url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")


def _link_label(label: str) -> str:
    return escape(label.replace("|", "/"))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
