"""Sub-objects that many TicketSource records share, and the money lines of bookings.

Shared objects are immutable: a helper that changes one replaces it, never edits it in place.
"""

from __future__ import annotations

from functools import cache

from fakes.data import Record

# Shared by many records: never change these in place.
NO_DISCOUNTS: Record = {"automatic": 0, "code": {"description": "", "amount": 0}}
# a line's discounts, by index: none, a code, an automatic one
DISCOUNTS: tuple[Record, ...] = (
    NO_DISCOUNTS,
    {"automatic": 0, "code": {"description": "EARLYBIRD", "amount": 2.0}},
    {"automatic": 1.5, "code": {"description": "", "amount": 0}},
)
GIFT_AID: tuple[Record, ...] = ({"gift_aid": False}, {"gift_aid": True})
NO_REFERENCE: Record = {"row": None, "seat": None}
NO_COMPANY: Record = {"name": "", "title": ""}
NO_MEMBERSHIP: Record = {"identifier": None, "start_date": None, "end_date": None}
NO_CONSENT: Record = {"email": False, "post": False, "sms": False}
NEW_CUSTOMER: Record = {
    "title": None,
    "first_name": None,
    "last_name": None,
    "address": None,
    "telephone": None,
    "email": None,
    "membership": NO_MEMBERSHIP,
    "consent": NO_CONSENT,
}


@cache
def line_amount(gross: float, online: bool, discounts: int) -> Record:
    """A line's money: online sales pay a booking fee with VAT on it, box office sales don't.
    Cached: bookings of one price share the object, which saves memory at 200,000 bookings."""
    fee = round(0.25 + 0.03 * gross, 2) if online and gross > 0 else 0.0
    fee_vat = round(fee * 0.2, 2)
    return {
        "gross": gross,
        "fee": fee,
        "fee_vat": fee_vat,
        "discounts": DISCOUNTS[discounts],
        "net": round(gross - fee - fee_vat, 2),
    }


def booking_line(line_type: str, payment_method: str, amount: Record, created_at: str) -> Record:
    return {
        "line_type": line_type,
        "payment_method": payment_method,
        "is_refund": False,
        "amount": amount,
        "created_at": created_at,
        "updated_at": None,
    }


def refund_line(tickets: Record, share: float, created_at: str) -> Record:
    """The negative of `share` of a tickets line (0.0 - x, so no amount is -0.0)."""
    paid = tickets["amount"]
    gross, fee, fee_vat = (
        0.0 - round(paid[name] * share, 2) for name in ("gross", "fee", "fee_vat")
    )
    amount = {
        "gross": gross,
        "fee": fee,
        "fee_vat": fee_vat,
        "discounts": NO_DISCOUNTS,
        "net": round(gross - fee - fee_vat, 2),
    }
    return {
        **booking_line("TICKETS", tickets["payment_method"], amount, created_at),
        "is_refund": True,
    }


class SharedParts:
    """Pools of sub-objects shared by records: one object per distinct value, which keeps a
    500,000-seat account small."""

    def __init__(self) -> None:
        self._references: dict[tuple[str, int], Record] = {}
        self._attendees: dict[tuple[str, str], Record] = {}
        self._booking_consents: dict[tuple[str, bool, bool, bool], Record] = {}
        self._customer_consents: dict[tuple[bool, bool, bool], Record] = {}

    def reference(self, row: str, number: int) -> Record:
        key = (row, number)
        reference = self._references.get(key)
        if reference is None:
            reference = self._references[key] = {"row": row, "seat": str(number)}
        return reference

    def attendee(self, customer: Record) -> Record:
        """The attendee on a booking's seats: its customer, as far as names go."""
        attributes = customer["attributes"]
        key = (attributes["first_name"] or "", attributes["last_name"] or "")
        attendee = self._attendees.get(key)
        if attendee is None:
            attendee = self._attendees[key] = {
                "title": "",
                "first_name": key[0],
                "last_name": key[1],
                "company": NO_COMPANY,
                "telephone": "",
                "email": f"{key[0]}.{key[1]}@example.com".lower() if all(key) else "",
            }
        return attendee

    def booking_consent(self, third_party: str, email: bool, post: bool, sms: bool) -> Record:
        key = (third_party, email, post, sms)
        consent = self._booking_consents.get(key)
        if consent is None:
            consent = self._booking_consents[key] = {
                "third_party": third_party,
                "email": email,
                "post": post,
                "sms": sms,
            }
        return consent

    def customer_consent(self, email: bool, post: bool, sms: bool) -> Record:
        key = (email, post, sms)
        consent = self._customer_consents.get(key)
        if consent is None:
            consent = self._customer_consents[key] = {"email": email, "post": post, "sms": sms}
        return consent
