"""Documentation that must follow the code: the CLI reference and the settings list."""

from __future__ import annotations

from tierdesk.clidoc import render
from tierdesk.settings import Settings

from .conftest import ROOT


def test_cli_reference_is_current() -> None:
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == render(), "run: python -m tierdesk.clidoc > docs/cli.md"


def test_every_setting_is_documented() -> None:
    documented = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert f"`TIERDESK_{name.upper()}`" in documented, name
        assert field.description, name
