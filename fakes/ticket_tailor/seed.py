"""The Ticket Tailor fake's generated box office: `seed_data` and the history it gives orders."""

from __future__ import annotations

from fakes.data import DAY, HOUR, Record, between, gc_paused, on_the_hour, pick
from fakes.ticket_tailor.extras import HOLD_NOTES
from fakes.ticket_tailor.model import TicketTailorModel
from fakes.ticket_tailor.records import date_object, num

# how many occurrences a seeded series has: about two on average
SERIES_SIZES = (1, 1, 2, 2, 2, 3, 4)
# (when, ticket): the check-ins a seed makes, sorted by time before they get ids
Scan = tuple[int, Record]


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
        orderless_tickets: int | None = None,
        products: int = 6,
        membership_types: int = 3,
        issued_memberships: int = 40,
        holds: int = 6,
    ) -> None:
        """Generates a box office from `seed`, all created in the `days` before `now`.

        Past events end over a day before now; upcoming ones start 7 to 60 days after it. They
        fall into about `events // 2` series of 1-4 occurrences, past and upcoming mixed, each
        series created up to 30 days before its first occurrence was. Each order buys 1-3
        tickets for one of the next events to start after it. Every `same_second_every`-th
        order (0: none) shares the previous one's second. About 2% of orders are cancelled
        (tickets void), 1% pending, 1% of tickets void and half the tickets of past events
        checked in, each with a check-in record at that time. `orderless_tickets` (default
        orders // 100) are issued without an order for about a tenth of the events (5% voided,
        half of past events' checked in). Then come `products`, `membership_types`,
        `issued_memberships` (10% voided, 40% redeemed), 0-8 waitlist signups on each series
        with an active waitlist, and `holds`, mostly on upcoming events.

        All that came after orders draws from `extra_rng`, so a seed's events, orders, tickets,
        discounts and vouchers draw as before; only their ties to series differ (occurrences
        share their series' currency and venue), and the counters that tickets without orders
        and holds move.
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
            times.sort()  # ids ascend with created_at
            for (created, start, end), series in zip(
                times, self._seed_series([created for created, _, _ in times]), strict=True
            ):
                self._add_event(created, start, end, series)

            stamps = sorted(between(rng, first, now - 1) for _ in range(orders))
            if same_second_every:
                for i in range(max(1, same_second_every - 1), orders, same_second_every):
                    stamps[i] = stamps[i - 1]
            choose_event = self._event_chooser()
            scans: list[Scan] = []
            for stamp in stamps:
                event = choose_event(stamp)
                self._give_history(self._add_order(event, stamp), event, scans)
            extra = orders // 100 if orderless_tickets is None else orderless_tickets
            self._seed_orderless_tickets(extra, first, scans)
            scans.sort(key=lambda scan: scan[0])  # check-in ids ascend with their time
            for when, ticket in scans:
                self._add_check_in(ticket, when, when, 1)
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

            self._seed_memberships(membership_types, issued_memberships, first)
            self._seed_products(products, first)
            self._seed_waitlists()
            self._seed_holds(holds, first)

    def _give_history(self, order: Record, event: Record, scans: list[Scan]) -> None:
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
                when = max(created, between(rng, start, end))
                ticket["checked_in"] = "true"
                ticket["updated_at"] = when
                scans.append((when, ticket))

    def _seed_series(self, created: list[int]) -> list[Record]:
        """Groups the events to be made (by their sorted created_at) into new series, in a
        random mix of past and upcoming; returns each event's series."""
        rng = self.extra_rng
        order = list(range(len(created)))
        rng.shuffle(order)
        groups = []
        while order:
            size = pick(rng, SERIES_SIZES)
            groups.append(sorted(order[:size]))
            del order[:size]
        made = sorted(
            (created[group[0]] - between(rng, 0, 30) * DAY, i) for i, group in enumerate(groups)
        )
        series_of: list[Record] = [{}] * len(created)
        for when, i in made:  # series ids ascend with created_at too
            series = self._add_event_series(when)
            for event in groups[i]:
                series_of[event] = series
        return series_of

    def _seed_orderless_tickets(self, n: int, first: int, scans: list[Scan]) -> None:
        """Issues n tickets without an order over about a tenth of the events."""
        if n <= 0:
            return
        if not self.events:
            raise ValueError("tickets need at least one event")
        rng = self.extra_rng
        events = sorted(self.events.values(), key=lambda event: num(event["id"]))
        chosen = rng.sample(events, min(len(events), max(1, round(len(events) / 10))))
        for _ in range(n):
            event = pick(rng, chosen)
            start, end = event["start"]["unix"], event["end"]["unix"]
            low = max(event["created_at"], first)
            created = between(rng, low, max(low, min(start, self.now) - 1))
            ticket_type = pick(rng, event["ticket_types"])
            ticket = self._issue_ticket(event, ticket_type["id"], created, None)
            latest = max(created, min(self.now - 1, end))
            roll = rng.random()
            if roll < 0.05:
                self._void(ticket, between(rng, created, latest))
            elif end < self.now and roll < 0.55:
                when = max(created, between(rng, start, end))
                ticket.update(checked_in="true", updated_at=when)
                scans.append((when, ticket))

    def _seed_memberships(self, types: int, issued: int, first: int) -> None:
        """Membership types, and memberships issued over the seeded days: some voided, some
        redeemed at events that started while they were valid."""
        rng = self.extra_rng
        membership_types = [self._add_membership_type() for _ in range(types)]
        if not membership_types:
            return
        started = sorted(
            (event for event in self.events.values() if event["start"]["unix"] < self.now),
            key=lambda event: event["start"]["unix"],
        )
        for issued_at in sorted(between(rng, first, self.now - 1) for _ in range(issued)):
            membership = self._issue_membership(pick(rng, membership_types), issued_at)
            voided = between(rng, issued_at, self.now - 1) if rng.random() < 0.1 else None
            until = self.now - 1 if voided is None else voided
            window = [e for e in started if issued_at <= e["start"]["unix"] <= until]
            limit = self.membership_types[membership["membership_type_id"]]["max_redemptions"]
            if window and rng.random() < 0.4:
                count = min(between(rng, 1, 3), limit or 3)
                visited = rng.sample(window, min(count, len(window)))
                for event in sorted(visited, key=lambda event: event["start"]["unix"]):
                    orders = self._orders_by_event.get(event["id"])
                    order = pick(rng, orders.items) if orders and rng.random() < 0.7 else None
                    order_id = None if order is None else order["id"]
                    self._redeem(membership, event, order_id, event["start"]["unix"])
            if voided is not None:
                self._void_membership(membership, voided)

    def _seed_products(self, n: int, first: int) -> None:
        """Products: some linked to every series, some to a few, some (memberships among
        them) to none; some hidden or sold out."""
        rng = self.extra_rng
        series_ids = sorted(self.event_series, key=num)
        membership_types = sorted(self.membership_types, key=num)
        for created in sorted(between(rng, first, self.now - 1) for _ in range(n)):
            roll = rng.random()
            linked = None
            if series_ids and 0.3 <= roll < 0.7:
                linked = rng.sample(series_ids, min(len(series_ids), between(rng, 1, 2)))
            product = self._add_product(created, event_series_ids=linked)
            if roll < 0.3:
                product["linked_to_all_event_series"] = "true"
            elif roll >= 0.85 and membership_types:
                type_id = pick(rng, membership_types)
                product.update(
                    name=f"{self.membership_types[type_id]['name']}",
                    fulfilment_type="ISSUED_MEMBERSHIP",
                    fulfilment_reference_id=num(type_id),
                )
            sold = rng.random()
            product["issued_count"] = (
                product["quantity"] if sold < 0.1 else between(rng, 0, product["quantity"] - 1)
            )
            product["status"] = "SOLD_OUT" if sold < 0.1 else "HIDDEN" if sold < 0.25 else "ON_SALE"
            updated = between(rng, created, self.now - 1) if rng.random() < 0.5 else created
            product["updated_at"] = date_object(updated)

    def _seed_waitlists(self) -> None:
        """0-8 signups on each series whose waitlist is active, some for one of its events,
        some notified since."""
        rng = self.extra_rng
        signups = []
        for series_id in sorted(self.event_series, key=num):
            series = self.event_series[series_id]
            if series["waitlist_active"] != "true":
                continue
            events = [event["id"] for event in self._events_by_series[series_id].items]
            for _ in range(between(rng, 0, 8)):
                created = between(rng, min(series["created_at"], self.now - 1), self.now - 1)
                event_id = pick(rng, events) if events and rng.random() < 0.5 else None
                notified = between(rng, created, self.now - 1) if rng.random() < 0.3 else None
                signups.append((created, series_id, event_id, notified))
        for created, series_id, event_id, notified in sorted(signups, key=lambda s: s[0]):
            signup = self._add_waitlist_signup(series_id, created, None, event_id)
            signup["notified_date"] = None if notified is None else date_object(notified)

    def _seed_holds(self, n: int, first: int) -> None:
        """Holds of 1-10 tickets of one or two types, mostly on upcoming events."""
        rng = self.extra_rng
        events = sorted(self.events.values(), key=lambda event: num(event["id"]))
        if not events:
            return
        upcoming = [event for event in events if event["start"]["unix"] > self.now]
        planned = []
        for _ in range(n):
            event = pick(rng, upcoming if upcoming and rng.random() < 0.85 else events)
            low = max(event["created_at"], first)
            created = between(rng, low, max(low, min(event["start"]["unix"], self.now) - 1))
            types = rng.sample(event["ticket_types"], between(rng, 1, 2))
            quantities = {ticket_type["id"]: between(rng, 1, 10) for ticket_type in types}
            updated = between(rng, created, self.now - 1) if rng.random() < 0.5 else created
            planned.append((created, event, quantities, pick(rng, HOLD_NOTES), updated))
        for created, event, quantities, note, updated in sorted(planned, key=lambda p: p[0]):
            hold = self._add_hold(event, quantities, note, created)
            hold["updated_at"] = date_object(updated)
