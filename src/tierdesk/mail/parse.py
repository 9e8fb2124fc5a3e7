"""Reading an incoming RFC 5322 message into the parts a ticket needs.

A message is rejected, with a stable code, when it is too large, its MIME
structure is broken, or it has no usable From address or no text. Automatic
replies (RFC 3834) are rejected too, because they would reply to survey
e-mails.
"""

from __future__ import annotations

import email
import email.errors
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from tierdesk.mail.html_text import html_to_text
from tierdesk.service.errors import InvalidInput

# Subjects and bodies are cut to the ticket fields' limits.
MAX_SUBJECT = 1000
MAX_BODY = 100_000
_STRUCTURAL_DEFECTS = (
    email.errors.NoBoundaryInMultipartDefect,
    email.errors.StartBoundaryNotFoundDefect,
    email.errors.CloseBoundaryNotFoundDefect,
    email.errors.MultipartInvariantViolationDefect,
    email.errors.MissingHeaderBodySeparatorDefect,
)
_BODY_DEFECTS = (
    email.errors.InvalidBase64CharactersDefect,
    email.errors.InvalidBase64PaddingDefect,
    email.errors.InvalidBase64LengthDefect,
)
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_AUTOMATIC_PRECEDENCE = frozenset({"bulk", "junk", "auto_reply", "list"})


class EmailRejected(InvalidInput):
    """An incoming message that cannot become a ticket or a reply; nothing is stored."""


@dataclass(frozen=True)
class IncomingEmail:
    """The parts of an incoming message that tickets and threading use.

    `references` lists the Message-IDs it replies to, In-Reply-To first.
    """

    message_id: str
    sender: str
    sender_name: str | None
    subject: str
    text: str
    references: list[str]
    attachments: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False


def parse_email(raw: bytes, *, max_bytes: int) -> IncomingEmail:
    """Parse and check one message; raise EmailRejected with the reason."""
    if len(raw) > max_bytes:
        raise EmailRejected(
            "message_too_large",
            f"the message has {len(raw)} bytes, more than the limit of {max_bytes} "
            "(TIERDESK_EMAIL_MAX_BYTES)",
            field="message",
        )

    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    _check_structure(message)
    sender, sender_name = _sender(message)
    if _is_automatic(message):
        raise EmailRejected(
            "auto_reply",
            "the message is an automatic reply (Auto-Submitted or Precedence "
            "header); automatic replies do not create or answer tickets",
            field="Auto-Submitted",
        )

    body_part = message.get_body(preferencelist=("plain", "html"))
    text = _text(body_part) if body_part is not None else ""
    if not text:
        raise EmailRejected(
            "empty_body",
            "the message has no text in a text/plain or text/html part",
            field="body",
        )

    truncated = len(text) > MAX_BODY
    subject = _clean(str(message.get("Subject", "") or "")).replace("\n", " ")
    return IncomingEmail(
        message_id=_message_id(message, raw),
        sender=sender,
        sender_name=sender_name,
        subject=subject.strip()[:MAX_SUBJECT],
        text=text[:MAX_BODY],
        references=_references(message),
        attachments=_attachments(message, body_part),
        truncated=truncated,
    )


def _check_structure(message: EmailMessage) -> None:
    for part in message.walk():
        for defect in part.defects:
            if isinstance(defect, _STRUCTURAL_DEFECTS):
                raise EmailRejected(
                    "broken_mime",
                    f"the MIME structure is broken: {type(defect).__name__}",
                    field="message",
                )


def _sender(message: EmailMessage) -> tuple[str, str | None]:
    header = message.get("From")
    if header is None:
        raise EmailRejected(
            "missing_from", "the message has no From header", field="From"
        )
    addresses = getattr(header, "addresses", ())
    if len(addresses) != 1 or not _ADDRESS.match(addresses[0].addr_spec or ""):
        raise EmailRejected(
            "invalid_from",
            "the From header must hold exactly one valid e-mail address",
            field="From",
        )
    address = addresses[0]
    name = _clean(address.display_name or "").strip()[:200] or None
    return address.addr_spec.lower(), name


def _is_automatic(message: EmailMessage) -> bool:
    submitted = str(message.get("Auto-Submitted", "") or "").strip().lower()
    precedence = str(message.get("Precedence", "") or "").strip().lower()
    return (submitted not in ("", "no")) or precedence in _AUTOMATIC_PRECEDENCE


def _text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except LookupError:
        # An unknown charset; its bytes are read as UTF-8, replacing errors.
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    # The email package records base64 defects only while it decodes.
    if any(isinstance(defect, _BODY_DEFECTS) for defect in part.defects):
        raise EmailRejected(
            "broken_mime",
            "the text part's base64 encoding is broken",
            field="body",
        )
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return _clean(content).strip()


def _clean(text: str) -> str:
    # The databases store neither NUL characters nor unpaired surrogates.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return text.encode("utf-8", errors="replace").decode("utf-8")


def _message_id(message: EmailMessage, raw: bytes) -> str:
    found = _MESSAGE_ID.search(str(message.get("Message-ID", "") or ""))
    if found:
        return found.group(1)[:998]
    # A message without a Message-ID gets one from its content, so that the
    # same file ingested twice is still recognised.
    return f"sha256-{hashlib.sha256(raw).hexdigest()}@tierdesk.invalid"


def _references(message: EmailMessage) -> list[str]:
    found: list[str] = []
    for name in ("In-Reply-To", "References"):
        values = _MESSAGE_ID.findall(str(message.get(name, "") or ""))
        # References lists the oldest first; the newest is the likeliest match.
        for value in values if name == "In-Reply-To" else reversed(values):
            if value not in found:
                found.append(value[:998])
    return found


def _attachments(
    message: EmailMessage, body_part: EmailMessage | None
) -> list[dict[str, Any]]:
    found = []
    for part in message.walk():
        if part.is_multipart() or part is body_part:
            continue
        filename = part.get_filename()
        text_part = part.get_content_maintype() == "text" and filename is None
        if text_part and not part.is_attachment():
            # The other alternative of the body, such as its HTML version.
            continue
        payload = part.get_payload(decode=True) or b""
        found.append(
            {
                "filename": _clean(filename or "")[:255] or None,
                "content_type": part.get_content_type(),
                "size": len(payload),
            }
        )
    return found
