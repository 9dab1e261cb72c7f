"""Ticket Tailor: one box office's events, orders, tickets, check-ins, holds, products,
memberships, waitlists, discounts and vouchers.

How each table stays fresh (README has the guarantees in full):
- events, ticket_types, event_series, discounts, vouchers, products, membership_types: small
  lists, read whole every run and replaced, so edits and deletions show at once. ticket_types
  come out of each event's record.
- orders: a newest-first walk filtered server-side on `created_at`, from the newest value loaded
  minus `lookback_days` (ties in the newest second are re-read, merge keeps one row). Changes
  that `created_at` cannot show are swept per event: cancelled orders of upcoming events, and
  every order of active events (from `upcoming_event_hours` before the start until
  `active_event_days` after the end).
- issued_tickets: out of the orders, which carry them in full. An event whose live
  `total_issued_tickets` is above the tickets known for it has tickets without an order: only
  its tickets are walked (`event_id`). Voided tickets of upcoming events are swept by status.
- check_ins: append-mostly, walked newest first from the newest `created_at` loaded minus
  `check_in_lookback_hours`.
- holds: changed ones by the `updated_at` filter; the events' `total_holds` tell which events
  lost a hold (released), and only their holds are read whole to delete it.
- issued_memberships: merged from an `updated_at` walk since the last run (less the lookback),
  and read whole every `membership_full_read_hours`, since the API may ignore the filter.
- waitlist_signups: per event series, re-read for series that are current or changed; a
  series' signups replace those loaded before.
- voucher_codes: re-read for vouchers that are new or whose record changed (codes only change
  with their voucher's counts); codes of a deleted voucher are deleted.

Webhook deliveries (`changes`, passed in by the sync from pipelines.webhooks) reach what no
window does: the orders, issued tickets and issued memberships they name are read again by id
and merged, whatever their age; waitlist signups have their series re-read (see `changes`).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Sequence

import dlt
from dlt.sources import DltResource

from sources import warehouse
from sources.client import ApiClient, RetryPolicy, Run, source_label
from sources.records import ReadStamps, Record, column_hints, replace_children

from . import settings
from .changes import Change, ChangedRecords
from .helpers import (
    BoxOffice,
    event_row,
    fingerprint,
    newest,
    order_row,
    ticket_type_rows,
    with_unix_dates,
)
from .holds import read_holds
from .tickets import OrdersRead, TicketLedger


@dlt.source(name="ticket_tailor")
def ticket_tailor_source(
    api_key: str = dlt.secrets.value,
    base_url: str = settings.BASE_URL,
    lookback_days: float = settings.LOOKBACK_DAYS,
    upcoming_event_hours: float = settings.UPCOMING_EVENT_HOURS,
    active_event_days: float = settings.ACTIVE_EVENT_DAYS,
    check_in_lookback_hours: float = settings.CHECK_IN_LOOKBACK_HOURS,
    membership_full_read_hours: float = settings.MEMBERSHIP_FULL_READ_HOURS,
    holds_changed_filter: str = settings.HOLDS_CHANGED_FILTER,
    page_size: int = settings.PAGE_SIZE,
    max_attempts: int = RetryPolicy.max_attempts,
    backoff_seconds: float = RetryPolicy.backoff_base,
    run: Run | None = None,
    changes: Sequence[Change] = (),
) -> Sequence[DltResource]:
    client = ApiClient(
        source_label("ticket_tailor"),
        base_url,
        run=run,
        auth=(api_key, ""),
        credential_keys=settings.CREDENTIAL_KEYS,
        secrets=(api_key,),
        retry=RetryPolicy(max_attempts=max_attempts, backoff_base=backoff_seconds),
    )
    box_office = BoxOffice(client, page_size)
    lookback = int(lookback_days * 86400)
    # one clock for orders and the tickets read after them: the later read of a record wins
    stamps = ReadStamps()
    ledger = TicketLedger(box_office, stamps)
    changed = ChangedRecords(changes)

    @dlt.resource(selected=False)
    def event_list() -> Iterator[list[Record]]:
        """GET /v1/events, passed on whole so that a deleted event disappears."""
        yield box_office.events()

    @dlt.transformer(
        data_from=event_list,
        primary_key="id",
        write_disposition="replace",
        columns=_columns("events"),
    )
    def events(all_events: list[Record]) -> Iterator[list[Record]]:
        yield [event_row(event) for event in all_events]

    @dlt.transformer(data_from=event_list, primary_key="id", write_disposition="replace")
    def ticket_types(all_events: list[Record]) -> Iterator[list[Record]]:
        yield [row for event in all_events for row in ticket_type_rows(event)]

    @dlt.resource(selected=False)
    def series_list() -> Iterator[list[Record]]:
        """GET /v1/event_series, passed on whole: series have no `updated_at`."""
        yield box_office.read_all(settings.EVENT_SERIES_PATH)

    @dlt.transformer(
        data_from=series_list,
        primary_key="id",
        write_disposition="replace",
        columns=_columns("event_series"),
    )
    def event_series(all_series: list[Record]) -> Iterator[list[Record]]:
        yield all_series

    @dlt.transformer(
        data_from=series_list,
        primary_key="id",
        merge_key="event_series_id",
        write_disposition="merge",
        columns=_columns("waitlist_signups", deletes=True),
    )
    def waitlist_signups(all_series: list[Record]) -> Iterator[list[Record]]:
        """GET /v1/event_series/{id}/waitlist_signups for series that are current (an event not
        long past) or whose record changed; a deleted series' signups go."""
        state = dlt.current.resource_state()
        seen: dict[str, str] = state.get("fingerprints", {})
        current = {s["id"]: fingerprint(s) for s in all_series}
        active, upcoming = box_office.current_events(upcoming_event_hours, active_event_days)
        live = {*active, *upcoming}
        live_series = {e.get("event_series_id") for e in box_office.events() if e["id"] in live}
        # series with signups loaded: only their signups can need deleting
        loaded = {
            series_id
            for (series_id,) in warehouse.loaded(
                "select distinct event_series_id from {waitlist_signups}", ("waitlist_signups",)
            )
        }
        for series_id, digest in current.items():
            unchanged = seen.get(series_id) == digest and series_id not in changed.series
            if series_id not in live_series and unchanged:
                continue
            path = settings.WAITLIST_SIGNUPS_PATH.format(event_series_id=series_id)
            signups = [_dated("waitlist_signups", row) for row in box_office.read_all(path)]
            if signups or series_id in loaded:
                yield replace_children("event_series_id", series_id, signups)
        for series_id in sorted(loaded - current.keys()):
            yield replace_children("event_series_id", series_id, [])
        state["fingerprints"] = current

    @dlt.resource(selected=False, parallelized=True)
    def order_pages() -> Iterator[list[Record] | OrdersRead]:
        """GET /v1/orders: new by created_at, then what changed on current events, then those
        webhooks named (a first run reads them all anyway); then word of how much was read,
        for the tickets."""
        state = dlt.current.resource_state()
        latest = state["created_at"] if "created_at" in state else _cursor_of_old_orders()
        since = None if latest is None else latest - lookback
        ledger.incremental = since is not None
        for page in box_office.pages_since(settings.ORDERS_PATH, "created_at", since):
            latest = newest(page, "created_at", latest)
            yield stamps.stamp(page)
        active: list[str] = []
        # a first run (or a full refresh) walks every order: sweeps would read them again
        if since is not None:
            active, upcoming = box_office.current_events(upcoming_event_hours, active_event_days)
            sweeps = [{"event_id": event_id} for event_id in active] + [
                {"event_id": event_id, "status": status}
                for event_id in upcoming
                for status in settings.ORDER_SWEEP_STATUSES
            ]
            for filters in sweeps:
                for page in box_office.pages(settings.ORDERS_PATH, filters):
                    yield stamps.stamp(page)
            for page in changed.read(box_office.client, "orders"):
                yield stamps.stamp(page)
        yield OrdersRead(since, frozenset(active))
        # only the created_at walk moves the cursor: an order created during the run and met
        # by a sweep must not push it past orders the walk has not reached
        state["created_at"] = latest

    @dlt.transformer(
        data_from=order_pages,
        primary_key="id",
        write_disposition="merge",
        columns=_columns("orders", later_read_wins=True),
    )
    def orders(page: list[Record] | OrdersRead) -> Iterator[list[Record]]:
        if not isinstance(page, OrdersRead):
            yield [order_row(order) for order in page]

    @dlt.transformer(
        data_from=order_pages,
        primary_key="id",
        write_disposition="merge",
        columns=_columns("issued_tickets", later_read_wins=True),
    )
    def issued_tickets(page: list[Record] | OrdersRead) -> Iterator[list[Record]]:
        """The tickets in the orders; then those webhooks named, and GET /v1/issued_tickets
        for the events whose counter says some have no order, and the voided tickets of
        upcoming events."""
        if isinstance(page, OrdersRead):
            if page.since is not None:
                for tickets in changed.read(box_office.client, "issued_tickets"):
                    yield ledger.from_tickets(tickets)
            _, upcoming = box_office.current_events(upcoming_event_hours, active_event_days)
            yield from ledger.after_orders(page, upcoming)
        else:
            yield ledger.from_orders(page)

    @dlt.resource(
        primary_key="id",
        write_disposition="merge",
        columns=_columns("check_ins"),
        parallelized=True,
    )
    def check_ins() -> Iterator[list[Record]]:
        """GET /v1/check_ins: new ones by created_at, from the newest loaded less
        `check_in_lookback_hours` (a scanner that was offline uploads late, with an earlier
        check_in_at but a new created_at)."""
        state = dlt.current.resource_state()
        field = settings.CHECK_INS_CURSOR
        latest = state.get(field)
        since = None if latest is None else latest - int(check_in_lookback_hours * 3600)
        for page in box_office.pages_since(settings.CHECK_INS_PATH, field, since):
            latest = newest(page, field, latest)
            yield page
        state[field] = latest

    @dlt.resource(
        primary_key="id",
        write_disposition="merge",
        columns=_columns("holds", deletes=True),
    )
    def holds() -> Iterator[list[Record]]:
        """GET /v1/holds: changed ones by updated_at; the holds of events whose `total_holds`
        differs from what is loaded are read whole, and the ones gone are deleted."""
        state = dlt.current.resource_state()
        latest = state.get("updated_at")
        filtered = latest is not None and bool(holds_changed_filter)
        since = {holds_changed_filter: latest - lookback} if filtered else None
        rows, latest = read_holds(box_office, since, latest)
        yield rows
        state["updated_at"] = latest

    @dlt.resource(
        primary_key="id",
        write_disposition="merge",
        columns=_columns("issued_memberships"),
    )
    def issued_memberships() -> Iterator[list[Record]]:
        """GET /v1/issued_memberships: changed since the last run (less the lookback), and
        whole every `membership_full_read_hours`. The records have no `updated_at`, so the
        bound is the last run's start; whatever comes back is merged, with the memberships
        webhooks named."""
        state = dlt.current.resource_state()
        started, now = state.get("started_at"), int(time.time())
        whole_read_at = state.get("whole_read_at")
        whole = (
            started is None
            or whole_read_at is None
            or now - whole_read_at >= membership_full_read_hours * 3600
        )
        filters = {} if whole else {settings.MEMBERSHIPS_CHANGED_FILTER: started - lookback}
        pages = box_office.pages(settings.ISSUED_MEMBERSHIPS_PATH, filters)
        if not whole:
            pages = itertools.chain(pages, changed.read(box_office.client, "issued_memberships"))
        for page in pages:
            yield [_dated("issued_memberships", row) for row in page]
        state["started_at"] = now
        if whole:
            state["whole_read_at"] = now

    @dlt.resource(
        primary_key="id", write_disposition="replace", columns=_columns("membership_types")
    )
    def membership_types() -> Iterator[list[Record]]:
        """GET /v1/membership_types, read whole: no `updated_at`, and types can be deleted."""
        rows = box_office.read_all(settings.MEMBERSHIP_TYPES_PATH)
        yield [_dated("membership_types", row) for row in rows]

    @dlt.resource(primary_key="id", write_disposition="replace", columns=_columns("products"))
    def products() -> Iterator[list[Record]]:
        """GET /v1/products, read whole: few, edited after creation, deletable."""
        yield [_dated("products", row) for row in box_office.read_all(settings.PRODUCTS_PATH)]

    @dlt.resource(primary_key="id", write_disposition="replace", columns=_columns("discounts"))
    def discounts() -> Iterator[list[Record]]:
        """GET /v1/discounts, read whole: a deleted discount disappears."""
        yield box_office.read_all(settings.DISCOUNTS_PATH)

    @dlt.resource(selected=False)
    def voucher_list() -> Iterator[list[Record]]:
        """GET /v1/vouchers, passed on whole so that deleted vouchers can be told."""
        yield box_office.read_all(settings.VOUCHERS_PATH)

    @dlt.transformer(
        data_from=voucher_list,
        primary_key="id",
        write_disposition="replace",
        columns=_columns("vouchers"),
    )
    def vouchers(all_vouchers: list[Record]) -> Iterator[list[Record]]:
        yield all_vouchers

    @dlt.transformer(
        data_from=voucher_list,
        primary_key="id",
        merge_key="voucher_id",
        write_disposition="merge",
        columns=_columns("voucher_codes", deletes=True),
    )
    def voucher_codes(all_vouchers: list[Record]) -> Iterator[list[Record]]:
        """GET /v1/vouchers/{id}/codes for new and changed vouchers, whose codes replace those
        loaded before (see `replace_children`); a deleted voucher's codes go."""
        state = dlt.current.resource_state()
        seen: dict[str, str] = state.get("fingerprints", {})
        current = {v["id"]: fingerprint(v) for v in all_vouchers}
        for voucher_id, digest in current.items():
            if seen.get(voucher_id) == digest:
                continue
            codes = box_office.read_all(settings.VOUCHER_CODES_PATH.format(voucher_id=voucher_id))
            yield replace_children("voucher_id", voucher_id, codes)
        for voucher_id in sorted(seen.keys() - current.keys()):
            yield replace_children("voucher_id", voucher_id, [])
        state["fingerprints"] = current

    return (
        event_list,
        events,
        ticket_types,
        series_list,
        event_series,
        waitlist_signups,
        order_pages,
        orders,
        issued_tickets,
        check_ins,
        holds,
        issued_memberships,
        membership_types,
        products,
        discounts,
        voucher_list,
        vouchers,
        voucher_codes,
    )


def _cursor_of_old_orders() -> int | None:
    """Before tickets came out of the orders, the `orders` and `issued_tickets` resources kept
    their own cursors: the orders' one carries on (a run without it would read everything)."""
    resources = dlt.current.source_state().get("resources", {})
    resources.get("issued_tickets", {}).pop("created_at", None)
    return resources.get("orders", {}).pop("created_at", None)


def _dated(table: str, record: Record) -> Record:
    return with_unix_dates(record, settings.DATE_OBJECTS[table])


def _columns(table: str, deletes: bool = False, later_read_wins: bool = False) -> dict[str, dict]:
    return column_hints(settings.TIMESTAMP_COLUMNS[table], deletes, later_read_wins)
