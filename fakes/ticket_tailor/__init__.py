"""A fake Ticket Tailor API: the documented GET endpoints over generated, mutable data.

`model` holds the records and the helpers that change them, `seed` generates a box office,
`api` serves them over HTTP (see each module's docstring for what it assumes).

    python -m fakes.ticket_tailor --port 8765 --orders 2000 --api-key sk_test_fake
"""

from fakes.data import DAY
from fakes.ticket_tailor.api import TicketTailorFake
from fakes.ticket_tailor.model import date_object

__all__ = ["DAY", "TicketTailorFake", "date_object"]
