"""Customer payloads checked the way TicketSource's API validation would: a FakeError 400 for
what it would refuse. Used by the customer endpoints and the mutation helpers alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fakes.data import Record, iso
from fakes.server import FakeError

Check = Callable[[str, Any], Any]


def optional_text(name: str, value: Any) -> str | None:
    """A string field; the guide's samples turn empty strings into null."""
    if value is not None and not isinstance(value, str):
        raise FakeError(400, f"The {name} field must be a string.")
    return value or None


def _identifier(name: str, value: Any) -> str | None:
    text = optional_text(name, value)
    if text is not None and len(text) > 20:
        raise FakeError(400, f"The {name} field must not be greater than 20 characters.")
    return text


def _moment(name: str, value: Any) -> str | None:
    """A date (as the guide sends) or date-time, served as a date-time (as the spec says)."""
    text = optional_text(name, value)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FakeError(400, f"The {name} field must be a valid date.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return iso(moment.timestamp())


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise FakeError(400, f"The {name} field must be true or false.")
    return value


ADDRESS_CHECKS: dict[str, Check] = dict.fromkeys(
    ("line_1", "line_2", "line_3", "line_4", "postcode"), optional_text
)
MEMBERSHIP_CHECKS: dict[str, Check] = {
    "identifier": _identifier,
    "start_date": _moment,
    "end_date": _moment,
}
CONSENT_CHECKS: dict[str, Check] = dict.fromkeys(("email", "post", "sms"), _flag)
GROUPS = {"address": ADDRESS_CHECKS, "membership": MEMBERSHIP_CHECKS, "consent": CONSENT_CHECKS}


def _group(
    name: str, value: Any, current: Record | None, checks: dict[str, Check]
) -> Record | None:
    """A nested object merged over the current one: a new dict, as the current may be shared."""
    if value is None and name != "consent":
        return None
    if not isinstance(value, dict):
        raise FakeError(400, f"The {name} field must be an object.")
    unknown = sorted(set(value) - set(checks))
    if unknown:
        raise FakeError(400, f"The {name}.{unknown[0]} field is not allowed.")
    merged = dict.fromkeys(checks) if current is None else dict(current)
    for field, item in value.items():
        merged[field] = checks[field](f"{name}.{field}", item)
    return merged


def customer_attributes(current: Record, changes: Record) -> Record:
    """`current` customer attributes with a create or update payload's `changes` applied.

    `title` is accepted but stays null (the spec: no longer in use) and `phone` is the old name
    of `telephone` (the guide creates a customer with `phone` and reads back `telephone`).
    """
    result = dict(current)
    for name, value in changes.items():
        if name in GROUPS:
            result[name] = _group(name, value, current[name], GROUPS[name])
        elif name == "title":
            optional_text(name, value)
        elif name in ("first_name", "last_name", "telephone", "phone", "email"):
            result["telephone" if name == "phone" else name] = optional_text(name, value)
        else:
            raise FakeError(400, f"The {name} field is not allowed.")
    return result
