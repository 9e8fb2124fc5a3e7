"""Open a page in Debian's Chromium through Playwright, for the HTML report tests.

The tests skip when Chromium or Playwright is missing, unless
TIERDESK_REQUIRE_BROWSER=1 (set by CI), which makes them fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("TIERDESK_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("TIERDESK_REQUIRE_BROWSER") == "1"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class OpenedPage:
    """A loaded page with what the browser reported while loading it."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def count(self, selector: str) -> int:
        return int(self.page.locator(selector).count())


def _unavailable(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason}; TIERDESK_REQUIRE_BROWSER=1 requires the browser")
    pytest.skip(reason)


@contextmanager
def open_page(path: Path) -> Iterator[OpenedPage]:
    """Load the file in headless Chromium and yield the page and its errors."""
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            opened = OpenedPage(page)
            page.on(
                "console",
                lambda message: (
                    opened.console_errors.append(message.text)
                    if message.type == "error"
                    else None
                ),
            )
            page.on("pageerror", lambda error: opened.console_errors.append(str(error)))
            page.on("request", lambda request: opened.requests.append(request.url))
            page.goto(path.resolve().as_uri(), wait_until="load")
            yield opened
        finally:
            browser.close()
