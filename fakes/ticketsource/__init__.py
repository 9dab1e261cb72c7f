"""A fake TicketSource API: the documented endpoints over generated, mutable data, on loopback.

`model` holds the records and the helpers that change them (with `parts`, the sub-objects records
share, and `validation`, the customer payload checks), `seed` generates an account, `api` serves
it over HTTP (see each module's docstring for what it assumes).

    python -m fakes.ticketsource --port 8766 --events 20 --api-key skl-test-fake
"""

from fakes.data import iso
from fakes.ticketsource.api import RATE_LIMIT_DETAIL, TicketSourceFake
from fakes.ticketsource.model import LINK_HOST

__all__ = ["LINK_HOST", "RATE_LIMIT_DETAIL", "TicketSourceFake", "iso"]
