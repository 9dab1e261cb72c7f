"""Ticket Tailor endpoints and defaults."""

BASE_URL = "https://api.tickettailor.com"
CREDENTIAL_KEYS = ("api_key",)

# the documented maximum page size
PAGE_SIZE = 100

# Orders and issued tickets created up to this long before the newest one loaded are re-read
# every run, catching refunds and edits of recent orders and records committed late.
LOOKBACK_DAYS = 3.0
# Events are "active" from this long before they start until ACTIVE_EVENT_DAYS after they end:
# all their orders and tickets are re-read every run then (check-ins, refunds, edits).
UPCOMING_EVENT_HOURS = 24.0
ACTIVE_EVENT_DAYS = 3.0

# Before an event is active, these status filters (with its event_id) list the few of its
# records that changed state since they were loaded.
ORDER_SWEEP_STATUSES = ("cancelled",)
# Assumption (README, "Status filters"): the issued-tickets `status` filter takes the values its
# parameter documents, `valid` and `voided`, although a voided ticket's record says "void".
VOIDED_TICKETS_FILTER = "voided"
TICKET_SWEEP_STATUSES = (VOIDED_TICKETS_FILTER,)

EVENTS_PATH = "/v1/events"
ORDERS_PATH = "/v1/orders"
ISSUED_TICKETS_PATH = "/v1/issued_tickets"
DISCOUNTS_PATH = "/v1/discounts"
VOUCHERS_PATH = "/v1/vouchers"
VOUCHER_CODES_PATH = "/v1/vouchers/{voucher_id}/codes"

# Unix-second fields loaded as UTC timestamps, by table (nested fields by their column name).
TIMESTAMP_COLUMNS = {
    "events": ("created_at", "start__unix", "end__unix"),
    "orders": ("created_at", "event_summary__start_date__unix", "event_summary__end_date__unix"),
    "issued_tickets": ("created_at", "updated_at", "voided_at"),
    "discounts": ("expires__unix",),
    "vouchers": ("created_at", "expiry__unix"),
    "voucher_codes": ("created_at", "expiry__unix", "used__unix"),
}
