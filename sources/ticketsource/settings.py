"""TicketSource endpoints and defaults."""

BASE_URL = "https://api.ticketsource.io"
CREDENTIAL_KEYS = ("api_key",)

# the documented maximum of `per_page`
PAGE_SIZE = 100
# child requests in flight at once
CONCURRENCY = 20

# Bookings of dates that start in the future or ended up to this long ago are re-read every run
# (sales, refunds and cancellations happen then); the venues and dates of their events too.
ENDED_WITHIN_DAYS = 3.0
# A record whose created_at / updated_at is no more than this much older than the previous run's
# start counts as changed: it covers clock skew and records saved with an earlier timestamp.
LOOKBACK_HOURS = 1.0
# Each run also re-reads everything under 1/SWEEP_RUNS of the events and customers, so a change
# that no timestamp shows is loaded within SWEEP_RUNS runs.
SWEEP_RUNS = 24

# The API publishes no numbers. Laravel's throttle headers say how many requests are left but not
# when the window resets: once few are left they are spread over a whole window (one minute,
# Laravel's usual), the worst case.
REMAINING_HEADER = "X-RateLimit-Remaining"
RATE_LIMIT_WINDOW_SECONDS = 60.0

EVENTS_PATH = "/events"
VENUES_PATH = "/events/{event_id}/venues"
DATES_PATH = "/events/{event_id}/dates"
BOOKINGS_PATH = "/dates/{date_id}/bookings"
SEATS_PATH = "/bookings/{booking_id}/seats"
CUSTOMERS_PATH = "/customers"
CUSTOMER_PATH = "/customers/{customer_id}"
NOTES_PATH = "/customers/{customer_id}/notes"

# `links` entries that name a parent, and the column that holds the parent's id
PARENT_LINKS = {
    "event": "event_id",
    "venue": "venue_id",
    "date": "date_id",
    "customer": "customer_id",
    "booking": "booking_id",
}

# ISO 8601 fields loaded as timestamps even while every value seen is null
STAMPS = ("created_at", "updated_at")
TIMESTAMP_COLUMNS = {
    "events": STAMPS,
    "venues": STAMPS,
    "dates": (*STAMPS, "doors_open", "start", "end", "on_sale_start", "on_sale_end"),
    "bookings": STAMPS,
    "bookings__lines": STAMPS,
    "seats": STAMPS,
    "customers": (*STAMPS, "membership__start_date", "membership__end_date"),
    "customer_notes": STAMPS,
}
