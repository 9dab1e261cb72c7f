"""The TicketSource fake's generated account: `seed_data` and the histories it gives records."""

from __future__ import annotations

import math
import random

from fakes.data import (
    CITIES,
    DAY,
    FIRST_NAMES,
    HOUR,
    LAST_NAMES,
    STREETS,
    Record,
    between,
    gc_paused,
    iso,
    on_the_hour,
    pick,
)
from fakes.ticketsource.model import STAFF, WEEK, TicketSourceModel
from fakes.ticketsource.parts import NO_MEMBERSHIP

NOTE_TEXTS = (
    "Customer requires extra leg room",
    "Wheelchair user: needs a space",
    "Prefers the aisle",
    "Called about a refund",
    "Member of the friends scheme",
)


def _booking_count(rng: random.Random, average: float) -> int:
    """About `average` bookings for a date, a tenth of dates having none."""
    if average <= 0 or rng.random() < 0.1:
        return 0
    return between(rng, 1, max(1, round(2 * average / 0.9) - 1))


class SeededTicketSource(TicketSourceModel):
    """The model plus `seed_data`, which generates an account from the seed."""

    def seed_data(
        self,
        events: int = 20,
        dates_per_event: int = 10,
        bookings_per_date: int = 5,
        customers: int | None = None,
        notes_per_customer: float = 0.5,
        past_days: int = 365,
        future_days: int = 60,
    ) -> None:
        """Generates an account from `seed`, its dates between `past_days` before now and
        `future_days` after.

        Customers (about half as many as bookings by default) are created over the whole span,
        with 0-2x `notes_per_customer` notes each. Each event has one venue (15%: two) and its
        dates in a season of about three days per date. The signals a sync watches are never
        left to chance, however small the account: one event in ten (at least one) has its
        season after now; one date in twenty (at least one) instead ended within the last three
        days; one in thirty (at least one, if it was on sale before it started) is cancelled,
        its bookings refunded then; 30% of the events whose dates are all over (at least one)
        are archived. 10% of dates are edited. Dates average `bookings_per_date` bookings (a
        tenth have none), made between the date's creation and its start (or now) by a customer
        who existed then, of 1-4 seats (30% of dates unreserved: null seat references); 3% of
        other bookings are refunded, fully or in part.
        """
        rng = self.rng
        now = int(self.now())
        first, last = now - past_days * DAY, now + future_days * DAY
        if customers is None:
            customers = max(1, round(events * dates_per_event * bookings_per_date / 2))
        with self.lock, gc_paused():
            stamps = sorted(between(rng, first, now - 1) for _ in range(customers))
            if stamps:
                stamps[0] = first  # someone can book the first date on sale
            for stamp in stamps:
                self._seed_customer(stamp, now, notes_per_customer)
            total = events * dates_per_event
            just_over = self._few(total, 1 / 20) if now - 3 * DAY - HOUR >= first else set()
            cancelled = self._few(total, 1 / 30)
            upcoming = self._few(events, 1 / 10) if future_days > 0 else set()
            over: list[tuple[Record, int]] = []
            for i in range(events):
                numbers = range(i * dates_per_event, (i + 1) * dates_per_event)
                flags = [(n in just_over, n in cancelled) for n in numbers]
                # an upcoming event's season starts after now (as far as it fits)
                low = max(first, min(now, last)) if i in upcoming else first
                event, last_end = self._seed_event(flags, bookings_per_date, low, first, last, now)
                if flags and last_end < now:
                    over.append((event, last_end))
            for event, last_end in rng.sample(over, math.ceil(0.3 * len(over))):
                attributes = event["attributes"]
                attributes["archived"] = True
                attributes["updated_at"] = iso(between(rng, last_end, now))

    def _few(self, total: int, share: float) -> set[int]:
        """`share` of the numbers below `total`, at random; at least one if there are any."""
        return set(self.rng.sample(range(total), max(1, round(total * share)))) if total else set()

    def _seed_customer(self, created: int, now: int, notes_per_customer: float) -> None:
        rng = self.rng
        first_name, last_name = pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)
        roll = rng.random()
        if roll < 0.8:
            membership: Record | None = NO_MEMBERSHIP
        elif roll < 0.9:
            membership = None
        else:
            membership = {
                "identifier": f"M{between(rng, 10_000, 99_999)}",
                "start_date": iso(created),
                "end_date": iso(created + 365 * DAY),
            }
        customer = self._store_customer(
            {
                "title": None,
                "first_name": first_name,
                "last_name": last_name,
                "address": None if rng.random() < 0.15 else self._customer_address(),
                "telephone": f"07700 9{between(rng, 0, 99_999):05d}"
                if rng.random() < 0.8
                else None,
                "email": f"{first_name}.{last_name}.{between(rng, 1, 99_999)}@example.com".lower(),
                "membership": membership,
                "consent": self._parts.customer_consent(
                    rng.random() < 0.6, rng.random() < 0.2, rng.random() < 0.1
                ),
                "created_at": iso(created),
                "updated_at": iso(between(rng, created, now)) if rng.random() < 0.15 else None,
            }
        )
        count = round(rng.random() * 2 * notes_per_customer)
        for stamp in sorted(between(rng, created, now) for _ in range(count)):
            note = self._make_note(customer, iso(stamp), pick(rng, NOTE_TEXTS), pick(rng, STAFF))
            if rng.random() < 0.1:
                note["attributes"]["updated_at"] = iso(between(rng, stamp, now))

    def _customer_address(self) -> Record:
        rng = self.rng
        return {
            "line_1": f"{between(rng, 1, 200)} {pick(rng, STREETS)}",
            "line_2": None,
            "line_3": pick(rng, CITIES),
            "line_4": "United Kingdom" if rng.random() < 0.5 else None,
            "postcode": self._postcode(),
        }

    def _seed_event(
        self,
        flags: list[tuple[bool, bool]],
        average: float,
        low: int,
        first: int,
        last: int,
        now: int,
    ) -> tuple[Record, int]:
        """An event with a date for each (just over, cancelled) flag pair, its season starting
        after `low` where it fits, their bookings, and when its last date ends."""
        rng = self.rng
        span = min(last - first, max(DAY, len(flags) * 3 * DAY))
        season = between(rng, min(low, last - span), last - span)
        timed = sorted(
            (self._seed_start(season, span, now, over), cancel) for over, cancel in flags
        )
        earliest = timed[0][0] if timed else now
        created = max(first, min(now - HOUR, earliest - between(rng, 14 * DAY, 90 * DAY)))
        event = self._make_event(created)
        venues = [self._make_venue(event, created) for _ in range(2 if rng.random() < 0.15 else 1)]
        last_end = first
        for start, cancel in timed:
            end = start + pick(rng, (2, 2, 3)) * HOUR
            last_end = max(last_end, end)
            opened = created
            if rng.random() < 0.1:  # added to the event later
                opened = between(rng, created, max(created, min(now - 1, start - DAY)))
            date = self._make_date(event, pick(rng, venues), opened, start, end)
            self._seed_date_history(date, (opened, start, end, now), average, cancel)
        if rng.random() < 0.2:
            event["attributes"]["updated_at"] = iso(between(rng, created, now))
        return event, last_end

    def _seed_start(self, season: int, span: int, now: int, just_over: bool) -> int:
        """A date's start: within its event's season, or, `just_over`, so that it ended (at most
        three hours later) within the last three days: the dates a sync must still watch."""
        rng = self.rng
        if just_over:
            start = now - between(rng, 4 * HOUR, 3 * DAY)
            return start - start % HOUR
        return on_the_hour(rng, season, season + span)

    def _seed_date_history(
        self, date: Record, times: tuple[int, int, int, int], average: float, cancel: bool
    ) -> None:
        """A date's bookings and refunds, and its cancellation or edit; `times` are when it was
        opened, starts and ends, and now."""
        rng = self.rng
        opened, start, end, now = times
        attributes = date["attributes"]
        close = min(start, now)
        cancelled_at = None
        if cancel and close - 1 > opened:
            cancelled_at = close = between(rng, opened + 1, close - 1)
            attributes.update(cancelled=True, on_sale=False, updated_at=iso(cancelled_at))
        elif rng.random() < 0.1:
            attributes["updated_at"] = iso(between(rng, opened, now))
        count = _booking_count(rng, average)
        for stamp in sorted(between(rng, opened, close) for _ in range(count)):
            created_at = iso(stamp)
            booking = self._make_booking(
                date, created_at, self._customer_at(created_at), between(rng, 1, 4)
            )
            seats = self._seats_by_booking[booking["id"]]
            if cancelled_at is not None:
                self._refund(booking, seats, cancelled_at)
            elif rng.random() < 0.03:
                refunded = seats if rng.random() < 0.7 else seats[: between(rng, 1, len(seats))]
                self._refund(booking, refunded, between(rng, stamp, min(now, end + WEEK)))
