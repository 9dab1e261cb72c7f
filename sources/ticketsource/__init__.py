"""TicketSource: an account's events, venues, dates, bookings, seats, customers and their notes.

The API has no updated-since filter, so a run's cost is its fan-out; each table stays fresh
like this (README has the guarantees in full):
- events, customers: walked whole every run (100 per request). Their `created_at` /
  `updated_at` against the previous run's start tell which are new or changed; a customer the
  walk no longer finds (and the API confirms gone) is deleted with its notes.
- venues, dates: re-read for events that are new or changed, that have a date upcoming or ended
  within `ended_within_days`, or that fall in this run's sweep slice.
- bookings: re-read for those dates that are new or changed, upcoming or recently ended, or swept.
- seats: re-read for bookings that are new or changed (`updated_at`, refund lines) or swept.
- customer_notes: re-read for customers that are new or changed, or swept.
The sweep re-reads everything under 1/`sweep_runs` of the events and customers each run, so
whatever a timestamp cannot show is loaded within `sweep_runs` runs. A re-read parent replaces
its children (child tables merge on the parent's id as well as their own). Child requests run
concurrently, at most `concurrency` in flight.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence

import dlt
import pendulum
from dlt.extract.hints import make_nested_hints
from dlt.sources import DltResource

from sources.client import (
    ApiClient,
    AsyncApiClient,
    RateLimitPacer,
    RetryPolicy,
    Run,
    source_label,
)
from sources.records import DELETED_FLAG, Record, column_hints, deletion, replace_children

from . import settings
from .helpers import Freshness, TicketSource, flatten, loaded


def columns(table: str, deletes: bool = True) -> dict[str, dict]:
    """Timestamp hints, and the flag whose rows delete (a parent with no children left, a
    deleted customer)."""
    return column_hints(settings.TIMESTAMP_COLUMNS[table], deletes)


@dlt.source(name="ticketsource")
def ticketsource_source(
    api_key: str = dlt.secrets.value,
    base_url: str = settings.BASE_URL,
    ended_within_days: float = settings.ENDED_WITHIN_DAYS,
    lookback_hours: float = settings.LOOKBACK_HOURS,
    sweep_runs: int = settings.SWEEP_RUNS,
    concurrency: int = settings.CONCURRENCY,
    rate_limit_window_seconds: float = settings.RATE_LIMIT_WINDOW_SECONDS,
    page_size: int = settings.PAGE_SIZE,
    max_attempts: int = RetryPolicy.max_attempts,
    backoff_seconds: float = RetryPolicy.backoff_base,
    run: Run | None = None,
) -> Sequence[DltResource]:
    client = ApiClient(
        source_label("ticketsource"),
        base_url,
        run=run,
        headers={"Authorization": f"Bearer {api_key}"},
        credential_keys=settings.CREDENTIAL_KEYS,
        secrets=(api_key,),
        max_connections=concurrency,
        retry=RetryPolicy(max_attempts=max_attempts, backoff_base=backoff_seconds),
        pacer=RateLimitPacer(
            reserve=2 * concurrency,
            remaining_header=settings.REMAINING_HEADER,
            reset_header=None,
            window_seconds=rate_limit_window_seconds,
        ),
    )
    api = TicketSource(AsyncApiClient(client, concurrency), page_size)
    plan = Freshness(
        ended_within=pendulum.duration(days=ended_within_days),
        lookback=pendulum.duration(hours=lookback_hours),
        sweep_runs=max(1, sweep_runs),
    )

    @dlt.resource(selected=False)
    def run_plan() -> Iterator[int]:
        """Reads and moves this source's marks and reads what the warehouse holds (in the main
        thread, where dlt's state lives); the resources below run on dlt's event loop and
        consult `plan`."""
        known_customers, event_ends = loaded()
        yield plan.start(dlt.current.source_state(), known_customers, event_ends)

    @dlt.transformer(
        data_from=run_plan,
        primary_key="id",
        write_disposition="merge",
        columns=columns("events", deletes=False),
    )
    async def events(_: int) -> AsyncIterator[list[Record]]:
        """GET /events, every page."""
        async for page in api.pages(settings.EVENTS_PATH):
            yield [flatten(event) for event in page]

    @dlt.transformer(
        data_from=events,
        primary_key="id",
        merge_key="event_id",
        write_disposition="merge",
        columns=columns("venues"),
    )
    async def venues(page: list[Record]) -> AsyncIterator[list[Record]]:
        """GET /events/{id}/venues for the events due."""
        due = [event["id"] for event in page if plan.event_due(event)]
        async for rows in api.children(settings.VENUES_PATH, "event_id", due):
            yield rows

    @dlt.transformer(
        data_from=events,
        primary_key="id",
        merge_key="event_id",
        write_disposition="merge",
        columns=columns("dates"),
    )
    async def dates(page: list[Record]) -> AsyncIterator[list[Record]]:
        """GET /events/{id}/dates for the events due."""
        due = [event["id"] for event in page if plan.event_due(event)]
        async for rows in api.children(settings.DATES_PATH, "event_id", due):
            yield rows

    @dlt.transformer(
        data_from=dates,
        primary_key="id",
        merge_key="date_id",
        write_disposition="merge",
        columns=columns("bookings"),
        nested_hints={
            "lines": make_nested_hints(columns=columns("bookings__lines", deletes=False))
        },
    )
    async def bookings(event_dates: list[Record]) -> AsyncIterator[list[Record]]:
        """GET /dates/{id}/bookings for the dates due."""
        due = [
            date["id"]
            for date in event_dates
            if not date.get(DELETED_FLAG) and plan.bookings_due(date)
        ]
        async for rows in api.children(settings.BOOKINGS_PATH, "date_id", due):
            yield rows

    @dlt.transformer(
        data_from=bookings,
        primary_key="id",
        merge_key="booking_id",
        write_disposition="merge",
        columns=columns("seats"),
    )
    async def seats(date_bookings: list[Record]) -> AsyncIterator[list[Record]]:
        """GET /bookings/{id}/seats for the bookings due."""
        due = [
            booking["id"]
            for booking in date_bookings
            if not booking.get(DELETED_FLAG) and plan.seats_due(booking)
        ]
        async for rows in api.children(settings.SEATS_PATH, "booking_id", due):
            yield rows

    @dlt.transformer(
        data_from=run_plan,
        primary_key="id",
        write_disposition="merge",
        columns=columns("customers"),
    )
    async def customers(_: int) -> AsyncIterator[list[Record]]:
        """GET /customers, every page; then deletes the customers the walk no longer finds.

        A customer missing from the walk is looked up by id first: a deletion during the walk
        shifts later pages, so the walk alone could miss one that still exists.
        """
        seen: set[str] = set()
        async for page in api.pages(settings.CUSTOMERS_PATH):
            seen.update(customer["id"] for customer in page)
            yield [flatten(customer) for customer in page]
        for customer_id in sorted(plan.known_customers - seen):
            path = settings.CUSTOMER_PATH.format(customer_id=customer_id)
            found = await api.exists(path)
            if found is None:
                yield [deletion(customer_id)]
            else:
                yield [flatten(found)]

    @dlt.transformer(
        data_from=customers,
        primary_key="id",
        merge_key="customer_id",
        write_disposition="merge",
        columns=columns("customer_notes"),
    )
    async def customer_notes(page: list[Record]) -> AsyncIterator[list[Record]]:
        """GET /customers/{id}/notes for the customers due; a deleted customer's notes go."""
        gone = [row["id"] for row in page if row.get(DELETED_FLAG)]
        for customer_id in gone:
            yield replace_children("customer_id", customer_id, [])
        due = [row["id"] for row in page if row["id"] not in gone and plan.notes_due(row)]
        async for rows in api.children(settings.NOTES_PATH, "customer_id", due):
            yield rows

    return (run_plan, events, venues, dates, bookings, seats, customers, customer_notes)
