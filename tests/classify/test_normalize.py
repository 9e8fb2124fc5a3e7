"""Text normalisation on the kinds of mess real help-desk exports contain."""

from __future__ import annotations

from tierdesk.classify.normalize import normalize_text


def test_excel_line_break_escapes() -> None:
    assert normalize_text("line one_x000D_\nline two") == "line one line two"


def test_mojibake_is_repaired() -> None:
    broken = "benÃ¶tige zugriff auf schichtplaner"
    assert normalize_text(broken) == "benötige zugriff auf schichtplaner"


def test_chinese_mojibake_is_repaired() -> None:
    broken = "ç”µè¯\x9dæœºæ²¡æœ‰å£°éŸ³"
    assert normalize_text(broken) == "电话机没有声音"


def test_correct_german_is_untouched() -> None:
    assert normalize_text("Drucker für Büro defekt") == "Drucker für Büro defekt"


def test_chinese_text_is_kept() -> None:
    assert normalize_text("无法登录crm系统") == "无法登录crm系统"


def test_email_header_lines_are_removed() -> None:
    text = "received from: someone.name@example.com\n\nhello team,\nmy vpn is down"
    cleaned = normalize_text(text)
    assert "received from" not in cleaned
    assert "example.com" not in cleaned
    assert cleaned == "hello team, my vpn is down"


def test_subject_prefix_keeps_subject_text() -> None:
    assert (
        normalize_text("Subject: printer jam\nit jams again")
        == "printer jam it jams again"
    )


def test_signature_is_cut() -> None:
    text = "the invoice total is wrong\n\nkind regards,\nJane Doe\nAcme Ltd\n+44 20 0000 0000"
    assert normalize_text(text) == "the invoice total is wrong"


def test_german_signature_is_cut() -> None:
    text = "Rechner startet nicht\nMit freundlichen Grüßen\nMax"
    assert normalize_text(text) == "Rechner startet nicht"


def test_leading_sign_off_keeps_text() -> None:
    assert normalize_text("Regards, the app crashes") == "Regards, the app crashes"


def test_quoted_reply_is_cut() -> None:
    text = "still broken\n\nOn Mon, 3 Jun 2024, Support wrote:\n> did you restart?"
    assert normalize_text(text) == "still broken"


def test_addresses_and_numbers_become_tokens() -> None:
    cleaned = normalize_text("mail a.b@c.com see https://x.io/a ticket 1234567")
    assert cleaned == "mail emailaddress see urladdress ticket longnumber"


def test_empty_text() -> None:
    assert normalize_text("") == ""
