"""ISO 8601 timestamps as the APIs send them, read the same way by every source."""

from __future__ import annotations

from typing import Any

import pendulum


def parse_timestamp(value: Any) -> pendulum.DateTime | None:
    """A date-time string as a DateTime; None for anything else (null, a bare date, garbage)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = pendulum.parse(value)
    except ValueError:
        return None
    return moment if isinstance(moment, pendulum.DateTime) else None
