"""Text clean-up before classification, for the mess real help-desk exports carry.

Handles Excel's `_x000D_` escapes, mojibake (UTF-8 read as cp1252), e-mail
headers and quoted replies, signatures, addresses and long numbers. It keeps
the text's language and script: word and character n-grams do the rest for
English, German, Chinese and other languages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import ftfy

# Excel writes control characters in cells as _xHHHH_ (OOXML escaping).
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# A UTF-8 lead byte read as cp1252 or latin-1 (Â to ô) followed by a
# continuation byte read the same way: the signature of mojibake. Only text
# with such a pair goes through ftfy, which is slow.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4]"
    "[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_HEADER_LINE = re.compile(
    r"^\s*(received from|from|sent|to|cc|bcc|date|von|gesendet|an)"
    r"\s*:.*$",
    re.IGNORECASE | re.MULTILINE,
)
_SUBJECT_PREFIX = re.compile(
    r"^\s*(subject|betreff)\s*:\s*", re.IGNORECASE | re.MULTILINE
)
_QUOTED_REPLY = re.compile(
    r"^\s*(-{2,}\s*original message\s*-{2,}|on .{0,80} wrote:|am .{0,80} schrieb .{0,80}:)"
    r".*",
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)
_SIGNATURE = re.compile(
    r"^\s*(--\s*$|(best|kind|warm)\s+regards\b|regards\s*,|thanks\s*(&|and)\s*regards"
    r"|mit freundlichen gr(ü|ue)(ß|ss)en|viele gr(ü|ue)(ß|ss)e|sent from my )"
    r".*",
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
_LONG_NUMBER = re.compile(r"\d{5,}")
_SPACE = re.compile(r"\s+")


def _unescape_excel(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return " " if char.isspace() or not char.isprintable() else char


def normalize_text(text: str) -> str:
    """Return `text` cleaned for classification; an empty string stays empty."""
    if not text:
        return ""
    if "_x" in text:
        text = _EXCEL_ESCAPE.sub(_unescape_excel, text)
    if _MOJIBAKE_HINT.search(text):
        text = ftfy.fix_text(text, normalization="NFC")
    if ":" in text:
        text = _HEADER_LINE.sub(" ", text)
        text = _SUBJECT_PREFIX.sub("", text)
        text = _QUOTED_REPLY.sub(" ", text)
    text = _strip_signature(text)
    if "@" in text:
        text = _EMAIL.sub(" emailaddress ", text)
    if "http" in text or "www." in text:
        text = _URL.sub(" urladdress ", text)
    text = _LONG_NUMBER.sub(" longnumber ", text)
    return _SPACE.sub(" ", text).strip()


def _strip_signature(text: str) -> str:
    match = _SIGNATURE.search(text)
    # A sign-off at the very start would remove everything; keep such text whole.
    if match is None or not text[: match.start()].strip():
        return text
    return text[: match.start()]


def prepare_texts(texts: Sequence[str], normalize: bool) -> list[str]:
    """Return the texts as a classifier reads them, normalised if `normalize`."""
    if normalize:
        return [normalize_text(text) for text in texts]
    return list(texts)
