"""The Ticket Tailor fake's generated box office: `seed_data` and the history it gives orders."""

from __future__ import annotations

from fakes.data import DAY, HOUR, Record, between, gc_paused, on_the_hour, pick
from fakes.ticket_tailor.model import TicketTailorModel


class SeededTicketTailor(TicketTailorModel):
    """The model plus `seed_data`, which generates a box office from the seed."""

    def seed_data(
        self,
        orders: int = 1000,
        events: int = 50,
        upcoming_events: int = 5,
        days: int = 365,
        discounts: int = 5,
        vouchers: int = 3,
        codes_per_voucher: int = 25,
        same_second_every: int = 50,
    ) -> None:
        """Generates a box office from `seed`, all created in the `days` before `now`.

        Past events end over a day before now; upcoming ones start 7 to 60 days after it. Each
        order buys 1-3 tickets for one of the next events to start after it. Every
        `same_second_every`-th order (0: none) shares the previous one's second. About 2% of
        orders are cancelled (tickets void), 1% pending, 1% of tickets void and half the tickets
        of past events checked in.
        """
        if orders and not (events or self.events):
            raise ValueError("orders need at least one event")
        rng = self.rng
        now, first = self.now, self.now - days * DAY
        with self.lock, gc_paused():
            times = []
            for i in range(events):
                if i < events - upcoming_events:
                    start = on_the_hour(rng, first, now - DAY - 7 * HOUR)
                else:
                    start = on_the_hour(rng, now + 7 * DAY, now + 60 * DAY)
                created = min(now - 1, start - between(rng, 30 * DAY, 120 * DAY))
                times.append((created, start, start + between(rng, 2, 6) * HOUR))
            for created, start, end in sorted(times):  # ids ascend with created_at
                self._add_event(created, start, end)

            stamps = sorted(between(rng, first, now - 1) for _ in range(orders))
            if same_second_every:
                for i in range(max(1, same_second_every - 1), orders, same_second_every):
                    stamps[i] = stamps[i - 1]
            choose_event = self._event_chooser()
            for stamp in stamps:
                event = choose_event(stamp)
                self._give_history(self._add_order(event, stamp), event)
            self._reindex()

            for _ in range(discounts):
                fixed = rng.random() < 0.5
                event_list = list(self.events.values())
                types = (
                    [t["id"] for t in pick(rng, event_list)["ticket_types"]] if event_list else []
                )
                discount = self.add_discount(
                    price=rng.randrange(100, 1001, 50) if fixed else None,
                    price_percent=None if fixed else pick(rng, (5, 10, 20, 50)),
                    ticket_types=rng.sample(types, between(rng, 0, len(types))),
                    expires=now + between(rng, 7, 90) * DAY if rng.random() < 0.5 else None,
                )
                discount["times_redeemed"] = between(rng, 0, discount["max_redemptions"])

            for created in sorted(between(rng, first, now - 1) for _ in range(vouchers)):
                expiry = now + between(rng, 30, 365) * DAY if rng.random() < 0.5 else None
                voucher = self._add_voucher(
                    codes_per_voucher, pick(rng, (500, 1000)), expiry, created
                )
                for code in self._codes_by_voucher[voucher["id"]].items:
                    if rng.random() < 0.3:
                        self._use_code(code, between(rng, created, now - 1))

    def _give_history(self, order: Record, event: Record) -> None:
        """Cancels, voids and checks in a seeded order's tickets as time went by."""
        rng = self.rng
        start, end = event["start"]["unix"], event["end"]["unix"]
        created = order["created_at"]
        latest = max(created, min(self.now - 1, end))
        roll = rng.random()
        if roll < 0.02:
            order["status"] = "cancelled"
            when = between(rng, created, latest)
            for ticket in order["issued_tickets"]:
                self._void(ticket, when)
            return
        if roll < 0.03:
            order["status"] = "pending"
        for ticket in order["issued_tickets"]:
            if rng.random() < 0.01:
                self._void(ticket, between(rng, created, latest))
            elif end < self.now and rng.random() < 0.5:
                ticket["checked_in"] = "true"
                ticket["updated_at"] = max(created, between(rng, start, end))
