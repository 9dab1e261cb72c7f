"""The Ticket Tailor fake's HTTP side: the documented GET endpoints over the model, with Basic
auth by API key and the vendor's error shape.

Lists are newest-first by (created_at, numeric id) and page with `starting_after` /
`ending_before` like the real API. The issued tickets `status` filter takes only the values the
vendor documents, `valid` and `voided`; `voided` lists the tickets whose records say `"void"`,
and any other value (`void` too) is a 400.

Beyond orders, events, tickets, discounts and vouchers (filters inferred where the docs are
silent; id filters take "123" as well as "ev_123"):
- `/v1/event_series` (paging, `created_at.*`), `/v1/event_series/{id}`, its `/events` (the
  filters of `/v1/events`) and its `/waitlist_signups` (paging only); series counters are worked
  out when served.
- `/v1/check_ins` (`event_id`, `event_series_id`, `issued_ticket_id`, `created_at.*`,
  `check_in_at.*`) and `/v1/check_ins/{id}`.
- `/v1/products` (`event_series_id`: products listing the series or linked to all) and
  `/v1/products/{id}`, newest first by `created_at.unix`.
- `/v1/membership_types` (paging only, newest id first) and `/v1/membership_types/{id}`.
- `/v1/issued_memberships`, newest first by issue time: `created_at.*` (issue time),
  `updated_at.*` (when it last changed), `email` / `first_name` / `last_name` / `code` (whole,
  any case), `search` (part of the name or email, any case), `status` valid|invalid|both (the
  default; anything else a 400); and `/v1/issued_memberships/{id}`.
- `/v1/holds` (`event_id`, `created_at.*`, `updated_at.*`), newest first by created, and
  `/v1/holds/{id}`.

Knobs for the undocumented: `counter_excludes_voids` serves events' (and so series')
total_issued_tickets less their voided tickets; `ignore_membership_filters` makes
`/v1/issued_memberships` ignore every parameter but paging, as the live API was seen to;
`hold_updated_key` names the hold field holding updated_at ("update_at" in the vendor's example).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from http import HTTPStatus

from fakes.data import Record
from fakes.server import FakeError, FakeServer, Request, Response
from fakes.ticket_tailor.records import NO_RECORDS, Predicate, SortedRecords
from fakes.ticket_tailor.seed import SeededTicketTailor

MAX_LIMIT = 100
# GET /v1/issued_tickets: Enumerated Values status valid|voided; records show status void.
# Each value the filter takes -> the record status it selects.
ISSUED_TICKET_STATUSES = {"valid": "valid", "voided": "void"}
# GET /v1/issued_memberships status -> the is_valid values it selects
MEMBERSHIP_STATUSES = {"valid": ("true",), "invalid": ("false",), "both": ("true", "false")}
MEMBERSHIP_TEXT_FILTERS = ("email", "first_name", "last_name", "code")
# the check-in filters by id, most selective first: (parameter, id prefix)
CHECK_IN_INDEXES = (
    ("issued_ticket_id", "it"),
    ("event_id", "ev"),
    ("event_series_id", "es"),
)


def _int_param(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise FakeError(400, f"{name} must be an integer, got {raw!r}") from None


def _bounds(query: dict[str, str], name: str) -> tuple[int | None, int | None]:
    """The inclusive [low, high] given by `name`, `name.gt`, `.gte`, `.lt` and `.lte`."""
    low: int | None = None
    high: int | None = None
    for suffix in ("", ".gt", ".gte", ".lt", ".lte"):
        raw = query.get(name + suffix)
        if raw is None:
            continue
        value = _int_param(name + suffix, raw)
        if suffix in ("", ".gt", ".gte"):
            value_low = value + (suffix == ".gt")
            low = value_low if low is None else max(low, value_low)
        if suffix in ("", ".lt", ".lte"):
            value_high = value - (suffix == ".lt")
            high = value_high if high is None else min(high, value_high)
    return low, high


def _in_range(
    get: Callable[[Record], int | None], low: int | None, high: int | None
) -> Predicate | None:
    if low is None and high is None:
        return None

    def pred(record: Record) -> bool:
        value = get(record)
        return (
            value is not None and (low is None or value >= low) and (high is None or value <= high)
        )

    return pred


def _all(preds: list[Predicate | None]) -> Predicate | None:
    active = [pred for pred in preds if pred is not None]
    if not active:
        return None
    if len(active) == 1:
        return active[0]
    return lambda record: all(pred(record) for pred in active)


def _full_id(prefix: str, value: str) -> str:
    # the docs call some id filters numeric: accept "123" as well as "ev_123"
    return value if value.startswith(prefix + "_") else f"{prefix}_{value}"


def _expiry_unix(record: Record) -> int | None:
    return record["expiry"]["unix"] if record["expiry"] else None


def _equals(field: str, value: str) -> Predicate:
    return lambda record: record[field] == value


def _same_text(field: str, value: str) -> Predicate:
    wanted = value.casefold()
    return lambda record: (record[field] or "").casefold() == wanted


class TicketTailorFake(FakeServer, SeededTicketTailor):
    """Ticket Tailor's list and retrieve endpoints, with Basic auth by API key."""

    # knobs for what the docs leave open (see the module docstring)
    counter_excludes_voids: bool = False
    ignore_membership_filters: bool = False
    hold_updated_key: str = "updated_at"

    def __init__(
        self, api_key: str = "sk_test_fake", now: int | None = None, seed: int = 0
    ) -> None:
        FakeServer.__init__(self, seed)
        SeededTicketTailor.__init__(self, now, seed, self.lock)
        self.api_key = api_key
        get = self._retrieve
        for pattern, handler in (
            (r"/v1/ping", lambda request: Response(200, {"version": "pong"})),
            (r"/v1/event_series", self._list_event_series),
            (r"/v1/event_series/([^/]+)", self._get_event_series),
            (r"/v1/event_series/([^/]+)/events", self._list_series_events),
            (r"/v1/event_series/([^/]+)/waitlist_signups", self._list_waitlist_signups),
            (r"/v1/events", self._list_events),
            (r"/v1/events/([^/]+)", get(self.events, "Event", self._serve_event)),
            (r"/v1/orders", self._list_orders),
            (r"/v1/orders/([^/]+)", get(self.orders, "Order")),
            (r"/v1/issued_tickets", self._list_issued_tickets),
            (r"/v1/issued_tickets/([^/]+)", get(self.issued_tickets, "Issued ticket")),
            (r"/v1/check_ins", self._list_check_ins),
            (r"/v1/check_ins/([^/]+)", get(self.check_ins, "Check-in")),
            (r"/v1/discounts", self._list_discounts),
            (r"/v1/discounts/([^/]+)", get(self.discounts, "Discount")),
            (r"/v1/vouchers", self._list_vouchers),
            (r"/v1/vouchers/([^/]+)", get(self.vouchers, "Voucher")),
            (r"/v1/vouchers/([^/]+)/codes", self._list_voucher_codes),
            (r"/v1/products", self._list_products),
            (r"/v1/products/([^/]+)", get(self.products, "Product")),
            (r"/v1/membership_types", self._list_membership_types),
            (r"/v1/membership_types/([^/]+)", get(self.membership_types, "Membership type")),
            (r"/v1/issued_memberships", self._list_issued_memberships),
            (
                r"/v1/issued_memberships/([^/]+)",
                get(self.issued_memberships, "Issued membership"),
            ),
            (r"/v1/holds", self._list_holds),
            (r"/v1/holds/([^/]+)", get(self.holds, "Hold", self._serve_hold)),
        ):
            self.route("GET", pattern, handler)

    def credentials(self) -> str:
        return f"API key {self.api_key} (the HTTP Basic user)"

    def authorize(self, request: Request) -> Response | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        try:
            username = base64.b64decode(token, validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            username = ""
        if scheme.lower() == "basic" and username == self.api_key:
            return None
        return self.error(401, "Invalid or missing API key: use it as the Basic auth username")

    def error(self, status: int, message: str) -> Response:
        code = HTTPStatus(status).phrase.upper().replace(" ", "_").replace("-", "_")
        return Response(status, {"status": status, "error_code": code, "message": message})

    # -- records as served: copies where a knob or a live counter changes them

    def _serve_event(self, event: Record) -> Record:
        if not self.counter_excludes_voids:
            return event
        return {**event, "total_issued_tickets": self.issued_count(event, excludes_voids=True)}

    def _served(self, collection: str, record: Record) -> Record:
        """What a webhook's payload carries: the record as its GET serves it."""
        return self._serve_event(record) if collection == "events" else record

    def _serve_series(self, series: Record) -> Record:
        return self.event_series_view(series["id"], self.counter_excludes_voids)

    def _serve_hold(self, hold: Record) -> Record:
        key = self.hold_updated_key
        if key == "updated_at":
            return hold
        return {key if name == "updated_at" else name: value for name, value in hold.items()}

    def _retrieve(
        self,
        records: dict[str, Record],
        noun: str,
        serve: Callable[[Record], Record] | None = None,
    ) -> Callable[..., Response]:
        def handler(request: Request, record_id: str) -> Response:
            if record_id not in records:
                raise FakeError(404, f"{noun} {record_id} not found")
            record = records[record_id]
            return Response(200, serve(record) if serve else record)

        return handler

    def _list(
        self,
        request: Request,
        path: str,
        source: SortedRecords,
        records: dict[str, Record],
        preds: list[Predicate | None],
        created_at_filters: bool = True,
        serve: Callable[[Record], Record] | None = None,
        floor: int | None = None,
    ) -> Response:
        """A page of `source` (from the end of its key's time range if `created_at_filters`,
        and from no earlier than `floor`), each record passed through `serve`."""
        query = request.query
        limit = _int_param("limit", query.get("limit", str(MAX_LIMIT)))
        if limit < 1:
            raise FakeError(400, f"limit must be at least 1, got {limit}")
        limit = min(limit, MAX_LIMIT)
        low, high = _bounds(query, "created_at") if created_at_filters else (None, None)
        if floor is not None:
            low = floor if low is None else max(low, floor)
        start, stop = source.span(low, high)
        pred = _all(preds)
        # a cursor is placed by its sort key, so it need not match the filters
        before = query.get("ending_before")
        after = None if before else query.get("starting_after")
        cursor = before or after
        if cursor and cursor not in records:
            raise FakeError(400, f"Cursor {cursor!r} is not the id of an existing object")
        rows, more_after, more_before = source.page(
            start,
            stop,
            limit,
            pred,
            after=source.key(records[after]) if after else None,
            before=source.key(records[before]) if before else None,
        )
        links = {
            "next": f"{path}?starting_after={rows[-1]['id']}" if rows and more_after else None,
            "previous": f"{path}?ending_before={rows[0]['id']}" if rows and more_before else None,
        }
        data = [serve(row) for row in rows] if serve else rows
        return Response(200, {"data": data, "links": links})

    # -- events and series

    def _list_event_series(self, request: Request) -> Response:
        return self._list(
            request,
            "/v1/event_series",
            self._sorted["event_series"],
            self.event_series,
            [],
            serve=self._serve_series,
        )

    def _get_event_series(self, request: Request, series_id: str) -> Response:
        if series_id not in self.event_series:
            raise FakeError(404, f"Event series {series_id} not found")
        return Response(200, self._serve_series(self.event_series[series_id]))

    def _list_events(self, request: Request) -> Response:
        return self._event_list(request, "/v1/events", self._sorted["events"])

    def _list_series_events(self, request: Request, series_id: str) -> Response:
        if series_id not in self.event_series:
            raise FakeError(404, f"Event series {series_id} not found")
        path = f"/v1/event_series/{series_id}/events"
        return self._event_list(request, path, self._events_by_series[series_id])

    def _event_list(self, request: Request, path: str, source: SortedRecords) -> Response:
        query = request.query
        preds = [
            _in_range(lambda e: e["start"]["unix"], *_bounds(query, "start_at")),
            _in_range(lambda e: e["end"]["unix"], *_bounds(query, "end_at")),
        ]
        if "status" in query:
            statuses = set(query["status"].split(","))
            preds.append(lambda e: e["status"] in statuses)
        return self._list(request, path, source, self.events, preds, False, serve=self._serve_event)

    def _list_waitlist_signups(self, request: Request, series_id: str) -> Response:
        if series_id not in self.event_series:
            raise FakeError(404, f"Event series {series_id} not found")
        return self._list(
            request,
            f"/v1/event_series/{series_id}/waitlist_signups",
            self._waitlist_by_series.get(series_id, NO_RECORDS),
            self.waitlist_signups,
            [],
            False,
        )

    # -- orders, tickets and check-ins

    def _list_orders(self, request: Request) -> Response:
        query = request.query
        source = self._sorted["orders"]
        if "event_id" in query:
            source = self._orders_by_event.get(_full_id("ev", query["event_id"]), SortedRecords())
        preds: list[Predicate | None] = []
        if "status" in query:
            status = query["status"]
            preds.append(lambda o: o["status"] == status)
        return self._list(request, "/v1/orders", source, self.orders, preds)

    def _list_issued_tickets(self, request: Request) -> Response:
        query = request.query
        source = self._sorted["issued_tickets"]
        preds: list[Predicate | None] = []
        event_id = _full_id("ev", query["event_id"]) if "event_id" in query else None
        if "order_id" in query:
            order = self.orders.get(_full_id("or", query["order_id"]))
            source = SortedRecords(order["issued_tickets"] if order else ())
            if event_id:
                preds.append(lambda t: t["event_id"] == event_id)
        elif event_id:
            source = self._tickets_by_event.get(event_id, SortedRecords())
        if "status" in query:
            status = ISSUED_TICKET_STATUSES.get(query["status"])
            if status is None:
                allowed = ", ".join(ISSUED_TICKET_STATUSES)
                raise FakeError(400, f"status must be one of {allowed}, got {query['status']!r}")
            preds.append(lambda t: t["status"] == status)
        return self._list(request, "/v1/issued_tickets", source, self.issued_tickets, preds)

    def _list_check_ins(self, request: Request) -> Response:
        query = request.query
        wanted = [
            (name, _full_id(prefix, query[name]))
            for name, prefix in CHECK_IN_INDEXES
            if name in query
        ]
        source = self._sorted["check_ins"]
        if wanted:  # the most selective filter picks the index, the others are predicates
            name, value = wanted[0]
            if name == "issued_ticket_id":
                source = SortedRecords(self._check_ins_by_ticket.get(value, ()))
            elif name == "event_id":
                source = self._check_ins_by_event.get(value, NO_RECORDS)
            else:
                source = self._check_ins_by_series.get(value, NO_RECORDS)
        preds: list[Predicate | None] = [_equals(name, value) for name, value in wanted[1:]]
        low, high = _bounds(query, "check_in_at")
        preds.append(_in_range(lambda c: c["check_in_at"], low, high))
        # check_in_at <= created_at: nothing created before the lowest check_in_at can match
        return self._list(request, "/v1/check_ins", source, self.check_ins, preds, floor=low)

    # -- discounts and vouchers

    def _list_discounts(self, request: Request) -> Response:
        code = request.query.get("code")
        preds: list[Predicate | None] = [lambda d: d["code"] == code] if code else []
        return self._list(
            request, "/v1/discounts", self._sorted["discounts"], self.discounts, preds, False
        )

    def _list_vouchers(self, request: Request) -> Response:
        preds = [_in_range(_expiry_unix, *_bounds(request.query, "expiry_date"))]
        return self._list(request, "/v1/vouchers", self._sorted["vouchers"], self.vouchers, preds)

    def _list_voucher_codes(self, request: Request, voucher_id: str) -> Response:
        if voucher_id not in self.vouchers:
            raise FakeError(404, f"Voucher {voucher_id} not found")
        preds = [_in_range(_expiry_unix, *_bounds(request.query, "expiry_date"))]
        return self._list(
            request,
            f"/v1/vouchers/{voucher_id}/codes",
            self._codes_by_voucher[voucher_id],
            self.voucher_codes,
            preds,
        )

    # -- products, memberships and holds

    def _list_products(self, request: Request) -> Response:
        preds: list[Predicate | None] = []
        if "event_series_id" in request.query:
            series_id = _full_id("es", request.query["event_series_id"])
            preds.append(
                lambda p: (
                    p["linked_to_all_event_series"] == "true"
                    or series_id in (p["event_series_ids"] or ())
                )
            )
        return self._list(
            request, "/v1/products", self._sorted["products"], self.products, preds, False
        )

    def _list_membership_types(self, request: Request) -> Response:
        return self._list(
            request,
            "/v1/membership_types",
            self._sorted["membership_types"],
            self.membership_types,
            [],
            False,
        )

    def _list_issued_memberships(self, request: Request) -> Response:
        filtered = not self.ignore_membership_filters
        query = request.query if filtered else {}
        changed = self.membership_changed
        preds = [_in_range(lambda m: changed.get(m["id"]), *_bounds(query, "updated_at"))]
        texts = [name for name in MEMBERSHIP_TEXT_FILTERS if name in query]
        preds += [_same_text(name, query[name]) for name in texts]
        if "search" in query:
            text = query["search"].casefold()
            preds.append(
                lambda m: text in m["full_name"].casefold() or text in m["email"].casefold()
            )
        status = query.get("status", "both")
        if status not in MEMBERSHIP_STATUSES:
            allowed = ", ".join(MEMBERSHIP_STATUSES)
            raise FakeError(400, f"status must be one of {allowed}, got {status!r}")
        if status != "both":
            valid = MEMBERSHIP_STATUSES[status]
            preds.append(lambda m: m["is_valid"] in valid)
        return self._list(
            request,
            "/v1/issued_memberships",
            self._sorted["issued_memberships"],
            self.issued_memberships,
            preds,
            filtered,
        )

    def _list_holds(self, request: Request) -> Response:
        query = request.query
        preds = [_in_range(lambda h: h["updated_at"]["unix"], *_bounds(query, "updated_at"))]
        if "event_id" in query:
            preds.append(_equals("event_id", _full_id("ev", query["event_id"])))
        return self._list(
            request, "/v1/holds", self._sorted["holds"], self.holds, preds, serve=self._serve_hold
        )
