"""A fake Ticket Tailor API: the documented GET endpoints over generated, mutable data.

`model` holds the records and the helpers that change them (event series and check-ins in
`series`, the rest of the newer kinds in `extras`, sorted views in `records`), `seed` generates
a box office, `api` serves them over HTTP (see each module's docstring for what it assumes).

Endpoints: /v1/ping; /v1/events, /v1/orders, /v1/issued_tickets, /v1/discounts, /v1/vouchers
(each with /{id}) and /v1/vouchers/{id}/codes; /v1/event_series (and /{id}, /{id}/events,
/{id}/waitlist_signups), /v1/check_ins, /v1/products, /v1/membership_types,
/v1/issued_memberships and /v1/holds (each with /{id}).

Webhooks: the mutation helpers append the envelopes Ticket Tailor would push to `fake.webhooks`
(oldest first; `take_webhooks()` drains it, seeding fires none), and `webhooks.send` POSTs one
signed as the vendor signs them.

Inferred where the vendor's docs are silent: the `ci_` (check-in) and `ws_` (waitlist signup)
id prefixes, every filter of check-ins and issued memberships, series counters worked out when
served, holds carrying `event_id`, and counters that count voided tickets (the
`counter_excludes_voids`, `ignore_membership_filters` and `hold_updated_key` knobs of
`TicketTailorFake` serve the other readings).

    python -m fakes.ticket_tailor --port 8765 --orders 2000 --api-key sk_test_fake
"""

from fakes.data import DAY
from fakes.ticket_tailor.api import TicketTailorFake
from fakes.ticket_tailor.model import date_object

__all__ = ["DAY", "TicketTailorFake", "date_object"]
