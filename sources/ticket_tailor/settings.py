"""Ticket Tailor endpoints and defaults."""

BASE_URL = "https://api.tickettailor.com"
CREDENTIAL_KEYS = ("api_key",)

# the documented maximum page size
PAGE_SIZE = 100

# Orders and holds up to this long before the newest one loaded are re-read every
# run, catching refunds and edits of recent orders and records committed late.
LOOKBACK_DAYS = 3.0
# Events are "active" from this long before they start until ACTIVE_EVENT_DAYS after they end:
# all their orders (and the tickets in them) are re-read every run then (check-ins, refunds).
UPCOMING_EVENT_HOURS = 24.0
ACTIVE_EVENT_DAYS = 3.0
# Check-ins up to this long before the newest one loaded are re-read every run. Their
# `created_at` is when the record reached the API (a late upload gets a late one), so only
# records committed late need it: much less than the orders' lookback, and check-ins are many.
CHECK_IN_LOOKBACK_HOURS = 1.0
# Issued memberships are read whole this often, whatever the `updated_at` filter returned.
MEMBERSHIP_FULL_READ_HOURS = 24.0

# Before an event is active, these status filters (with its event_id) list the few of its
# records that changed state since they were loaded.
ORDER_SWEEP_STATUSES = ("cancelled",)
# Assumption (README, "Status filters"): the issued-tickets `status` filter takes the values its
# parameter documents, `valid` and `voided`, although a voided ticket's record says "void".
VOIDED_TICKETS_FILTER = "voided"
VOIDED_TICKET_STATUS = "void"

# Filters the notes infer rather than document (README, "Endpoints beyond the first seven").
CHECK_INS_CURSOR = "created_at"
HOLDS_CHANGED_FILTER = "updated_at.gte"
MEMBERSHIPS_CHANGED_FILTER = "updated_at.gte"
# the vendor's hold example spells the field `update_at`; its filter says `updated_at`
HOLD_UPDATED_KEYS = ("updated_at", "update_at")

EVENTS_PATH = "/v1/events"
EVENT_SERIES_PATH = "/v1/event_series"
WAITLIST_SIGNUPS_PATH = "/v1/event_series/{event_series_id}/waitlist_signups"
ORDERS_PATH = "/v1/orders"
ISSUED_TICKETS_PATH = "/v1/issued_tickets"
CHECK_INS_PATH = "/v1/check_ins"
DISCOUNTS_PATH = "/v1/discounts"
VOUCHERS_PATH = "/v1/vouchers"
VOUCHER_CODES_PATH = "/v1/vouchers/{voucher_id}/codes"
PRODUCTS_PATH = "/v1/products"
MEMBERSHIP_TYPES_PATH = "/v1/membership_types"
ISSUED_MEMBERSHIPS_PATH = "/v1/issued_memberships"
HOLDS_PATH = "/v1/holds"

# Date objects ({date, formatted, iso, time, timezone, unix}) of the newer endpoints, loaded as
# one timestamp column each (the older tables keep theirs flattened, `start__unix` ...).
DATE_OBJECTS = {
    "products": ("created_at", "updated_at"),
    "waitlist_signups": ("created_at", "notified_date"),
    "membership_types": ("valid_from_date", "valid_to_date"),
    "issued_memberships": ("issue_date", "valid_from", "valid_to"),
    "holds": ("created_at", "updated_at"),
}

# Unix-second fields loaded as UTC timestamps, by table (nested fields by their column name).
TIMESTAMP_COLUMNS = {
    "events": ("created_at", "start__unix", "end__unix"),
    "event_series": ("created_at", "next_occurrence_date__unix"),
    "orders": ("created_at", "event_summary__start_date__unix", "event_summary__end_date__unix"),
    "issued_tickets": ("created_at", "updated_at", "voided_at"),
    "check_ins": ("check_in_at", "created_at"),
    "discounts": ("expires__unix",),
    "vouchers": ("created_at", "expiry__unix"),
    "voucher_codes": ("created_at", "expiry__unix", "used__unix"),
    "products": DATE_OBJECTS["products"],
    "waitlist_signups": DATE_OBJECTS["waitlist_signups"],
    "membership_types": DATE_OBJECTS["membership_types"],
    "issued_memberships": (*DATE_OBJECTS["issued_memberships"], "voided_at"),
    "holds": DATE_OBJECTS["holds"],
}

# Webhook deliveries (pipelines.webhooks) name records by `resource_url`, whose path ends like
# this; records of these collections are read again by id, on our base_url whatever host the
# URL names. Events need no read: the event list is read whole every run. Waitlist signups have
# their series re-read.
CHANGED_RECORD_PATH = r"/v1/(orders|issued_tickets|issued_memberships)/([A-Za-z0-9_-]+)/?$"
WAITLIST_SIGNUP_EVENTS = "WAITLIST_SIGNUP."
# records read by id at once (the client's pacing still keeps to the rate limit)
CHANGED_RECORD_READERS = 8
