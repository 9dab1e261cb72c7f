"""A fake KorusTicket API (API Platform 4, JSON-LD) and its Keycloak token endpoint, on loopback.

`model` holds the records and the helpers that change them (`ids` their UUIDv7 ids), `seed`
generates catalogs and bookings, `auth` is the Keycloak token endpoint and `api` serves the
rest over HTTP (see each module's docstring for what it assumes).

    python -m fakes.korusticket --port 8767 --orders 500 --client-id korus-test-client \\
        --client-secret korus-test-secret --latency 0 --seed 0
"""

from fakes.korusticket.api import KorusTicketFake
from fakes.korusticket.ids import uuid7_ms
from fakes.korusticket.model import HOLD

__all__ = ["HOLD", "KorusTicketFake", "uuid7_ms"]
