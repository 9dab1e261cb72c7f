"""The vendors' documents copied into tests/vendor/ (see its README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

VENDOR = Path(__file__).resolve().parent / "vendor"


def vendored(name: str) -> Path:
    """The path of a vendored file; a missing one fails the test by name rather than with a
    FileNotFoundError from wherever it is first read."""
    path = VENDOR / name
    if not path.is_file():
        pytest.fail(f"vendored file missing: {path} (see tests/vendor/README.md)", pytrace=False)
    return path
