"""One calm layout for every email, rendered as plain text and as simple HTML.

Templates describe an email as blocks (paragraphs and one or more actions); this module
turns them into a text part that is complete on its own and an HTML part that escapes
every value it interpolates. Templates never write markup, so they cannot forget to
escape.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from worker.mail.kinds import MailKind

_CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_URL_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f-\x9f<>]")

FONT = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
BODY_STYLE = "margin:0;padding:0;background-color:#f6f5f2;"
CARD_STYLE = (
    f"max-width:560px;margin:0 auto;padding:32px 24px;font-family:{FONT};"
    "font-size:16px;line-height:1.6;color:#2b2b2b;background-color:#ffffff;"
)
PARAGRAPH_STYLE = "margin:0 0 16px 0;"
BUTTON_STYLE = (
    "display:inline-block;padding:12px 20px;background-color:#3d6b5e;color:#ffffff;"
    "text-decoration:none;border-radius:6px;font-weight:600;"
)
FALLBACK_STYLE = "margin:0 0 24px 0;font-size:13px;color:#666666;word-break:break-all;"
FOOTER_STYLE = "margin:32px 0 0 0;font-size:13px;color:#666666;"


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str


@dataclass(frozen=True, slots=True)
class Action:
    label: str
    url: str


Block = Paragraph | Action


@dataclass(frozen=True, slots=True)
class RenderedMail:
    """A rendered email before headers: what `compose_email` turns into MIME."""

    kind: MailKind
    sender_name: str
    subject: str
    text: str
    html: str


def clean_text(value: str, *, field: str, limit: int) -> str:
    """`value` on one line (control characters and runs of spaces become one space),
    cut to `limit` characters. Raises ValueError naming `field` when nothing is left."""
    cleaned = _CONTROL_OR_SPACE.sub(" ", value).strip()
    if not cleaned:
        raise ValueError(f"{field} is empty")
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned


# What may stay in attacker-chosen text: letters, digits, spaces and punctuation no mail
# client builds a link from. A dot survives only between digits ("Firefox 128.0").
_NOT_INERT = re.compile(r"[^\w \-(),;+'.…]|_|(?<!\d)\.|\.(?!\d)")


def inert_text(value: str, *, field: str, limit: int) -> str:
    """Like `clean_text`, for text a stranger may have chosen (the device label at login):
    every character that could make a mail client turn it into a link (`:`, `/`, `@`, a
    dot between letters) becomes a space, so `https://evil.example` reads as words."""
    cleaned = clean_text(value, field=field, limit=limit)
    inert = _CONTROL_OR_SPACE.sub(" ", _NOT_INERT.sub(" ", cleaned)).strip()
    if not inert:
        raise ValueError(f"{field} is empty")
    return inert


def checked_link(url: str, *, field: str) -> str:
    """`url` unchanged if it is an absolute http(s) URL that is safe to put in a header, a
    text line and an `href`; otherwise ValueError naming `field`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or _URL_FORBIDDEN.search(url):
        raise ValueError(f"{field} must be an absolute http(s) URL without spaces")
    return url


def render_mail(
    kind: MailKind, *, sender_name: str, subject: str, blocks: Sequence[Block]
) -> RenderedMail:
    """Render `blocks` as a text part and an HTML part under the shared footer."""
    footer = (
        f"This email was sent automatically by {sender_name}. "
        "Replies to it are not read; please use Interlude instead."
    )
    return RenderedMail(
        kind=kind,
        sender_name=sender_name,
        subject=subject,
        text=_text(blocks, footer),
        html=_html(subject, blocks, footer),
    )


def _text(blocks: Sequence[Block], footer: str) -> str:
    chunks = [
        block.text if isinstance(block, Paragraph) else f"{block.label}:\n{block.url}"
        for block in blocks
    ]
    return "\n\n".join([*chunks, f"-- \n{footer}"]) + "\n"


def _html(subject: str, blocks: Sequence[Block], footer: str) -> str:
    body = "\n".join(_html_block(block) for block in blocks)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(subject)}</title>\n</head>\n"
        f'<body style="{BODY_STYLE}">\n<div style="{CARD_STYLE}">\n'
        f"{body}\n"
        f'<p style="{FOOTER_STYLE}">{_e(footer)}</p>\n'
        "</div>\n</body>\n</html>\n"
    )


def _html_block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f'<p style="{PARAGRAPH_STYLE}">{_e(block.text)}</p>'
    url = _e(block.url)
    return (
        f'<p style="margin:24px 0 8px 0;"><a href="{url}" style="{BUTTON_STYLE}">'
        f"{_e(block.label)}</a></p>\n"
        f'<p style="{FALLBACK_STYLE}">If the button does not work, copy this address into '
        f"your browser: {url}</p>"
    )


def _e(value: str) -> str:
    return html.escape(value, quote=True)
