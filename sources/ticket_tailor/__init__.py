"""Ticket Tailor: one box office's events, orders, tickets, discounts and vouchers.

How each table stays fresh (README has the guarantees in full):
- events, ticket_types, discounts, vouchers: small lists, read whole every run and replaced,
  so edits and deletions show at once. ticket_types come out of each event's record.
- orders, issued_tickets: newest-first walks filtered server-side on `created_at`, from the
  newest value loaded minus `lookback_days` (ties in the newest second are re-read, merge keeps
  one row). Changes that `created_at` cannot show are swept each run per event: cancelled
  orders and voided tickets of upcoming events (`status` + `event_id` filters), and every order
  and ticket of active events (from `upcoming_event_hours` before the start until
  `active_event_days` after the end).
- voucher_codes: re-read for vouchers that are new or whose record changed (codes only change
  with their voucher's counts); codes of a deleted voucher are deleted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import dlt
from dlt.sources import DltResource

from sources.client import ApiClient, Params, RetryPolicy, Run, source_label
from sources.records import ReadStamps, Record, column_hints, replace_children

from . import settings
from .helpers import (
    BoxOffice,
    created_since,
    event_row,
    order_row,
    ticket_type_rows,
    voucher_fingerprint,
)


@dlt.source(name="ticket_tailor")
def ticket_tailor_source(
    api_key: str = dlt.secrets.value,
    base_url: str = settings.BASE_URL,
    lookback_days: float = settings.LOOKBACK_DAYS,
    upcoming_event_hours: float = settings.UPCOMING_EVENT_HOURS,
    active_event_days: float = settings.ACTIVE_EVENT_DAYS,
    page_size: int = settings.PAGE_SIZE,
    max_attempts: int = RetryPolicy.max_attempts,
    backoff_seconds: float = RetryPolicy.backoff_base,
    run: Run | None = None,
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

    def changed_pages(path: str, sweeps: list[Params]) -> Iterator[list[Record]]:
        """The created_at walk from the cursor less the lookback, then the sweeps.

        Only the walk moves the cursor: a record created during the run and met by a sweep
        must not push it past records the walk has not reached. A record both read is
        stamped twice, and the later (fresher) read is the one loaded.
        """
        state = dlt.current.resource_state()
        newest = state.get("created_at")
        since = None if newest is None else newest - lookback
        stamps = ReadStamps()
        for page in box_office.pages(path, created_since(since)):
            newest = _newest(page, newest)
            yield stamps.stamp(page)
        # a first run (or a full refresh) walks every record: sweeps would read them again
        for filters in sweeps if since is not None else ():
            for page in box_office.pages(path, filters):
                yield stamps.stamp(page)
        state["created_at"] = newest

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

    @dlt.resource(
        primary_key="id",
        write_disposition="merge",
        columns=_columns("orders", later_read_wins=True),
        parallelized=True,
    )
    def orders() -> Iterator[list[Record]]:
        """GET /v1/orders: new by created_at, then what changed on current events."""
        sweeps = box_office.sweeps(
            settings.ORDER_SWEEP_STATUSES, upcoming_event_hours, active_event_days
        )
        for page in changed_pages(settings.ORDERS_PATH, sweeps):
            yield [order_row(order) for order in page]

    @dlt.resource(
        primary_key="id",
        write_disposition="merge",
        columns=_columns("issued_tickets", later_read_wins=True),
        parallelized=True,
    )
    def issued_tickets() -> Iterator[list[Record]]:
        """GET /v1/issued_tickets: new by created_at, then what changed on current events."""
        sweeps = box_office.sweeps(
            settings.TICKET_SWEEP_STATUSES, upcoming_event_hours, active_event_days
        )
        yield from changed_pages(settings.ISSUED_TICKETS_PATH, sweeps)

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
        current = {v["id"]: voucher_fingerprint(v) for v in all_vouchers}
        for voucher_id, fingerprint in current.items():
            if seen.get(voucher_id) == fingerprint:
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
        orders,
        issued_tickets,
        discounts,
        voucher_list,
        vouchers,
        voucher_codes,
    )


def _newest(page: list[Record], newest: int | None) -> int | None:
    values = [r["created_at"] for r in page if isinstance(r.get("created_at"), int)]
    return max([*values, newest] if newest is not None else values, default=None)


def _columns(table: str, deletes: bool = False, later_read_wins: bool = False) -> dict[str, dict]:
    return column_hints(settings.TIMESTAMP_COLUMNS[table], deletes, later_read_wins)
