"""Masking of requester names, e-mail addresses and phone numbers for vendor roles.

Text is masked by pattern (e-mail addresses, phone numbers) and by the names of
the ticket's requester. A name written in a form the requester record does not
hold, such as a nickname, is not found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
NAME_MASK = "[name]"

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with common separators; runs of fewer than 7 digits, such as
# amounts and years, are left alone.
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().\-/]{5,}\d(?!\w)")
_MIN_PHONE_DIGITS = 7
# Name parts shorter than this are too likely to be ordinary words.
_MIN_NAME_PART = 3


def mask_text(text: str, names: Iterable[str] = ()) -> str:
    """Return `text` with e-mail addresses, phone numbers and `names` masked."""
    if not text:
        return text
    masked = _EMAIL.sub(EMAIL_MASK, text)
    masked = _PHONE.sub(_mask_phone, masked)
    parts = _name_parts(names)
    if parts:
        pattern = r"\b(?:" + "|".join(map(re.escape, parts)) + r")\b"
        masked = re.sub(pattern, NAME_MASK, masked, flags=re.IGNORECASE)
    return masked


def _mask_phone(match: re.Match[str]) -> str:
    digits = sum(character.isdigit() for character in match.group(0))
    return PHONE_MASK if digits >= _MIN_PHONE_DIGITS else match.group(0)


def _name_parts(names: Iterable[str]) -> list[str]:
    parts: set[str] = set()
    for name in names:
        if not name:
            continue
        parts.add(name.strip())
        parts.update(part for part in name.split() if len(part) >= _MIN_NAME_PART)
    # The longest first, so a full name is masked as one.
    return sorted((part for part in parts if part), key=len, reverse=True)
