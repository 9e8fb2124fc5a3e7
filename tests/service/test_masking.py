"""Masking of personal data in text for vendor roles."""

from __future__ import annotations

from tierdesk.service.masking import mask_text


def test_email_masked() -> None:
    assert (
        mask_text("write to ana.lopez+x@mail.example.com now") == "write to [email] now"
    )


def test_phone_masked() -> None:
    assert (
        mask_text("call +44 20 7946 0958 or (212) 555-0199")
        == "call [phone] or [phone]"
    )


def test_short_numbers_kept() -> None:
    text = "order 12345 of 2024 for 99.50 EUR"
    assert mask_text(text) == text


def test_requester_names_masked() -> None:
    masked = mask_text(
        "Hi, Ana Lopez here. ANA again; Lopez signing off.", ["Ana Lopez"]
    )
    assert masked == "Hi, [name] here. [name] again; [name] signing off."


def test_short_name_parts_kept_in_words() -> None:
    assert mask_text("Jo said hello", ["Jo Smith"]) == "Jo said hello"
