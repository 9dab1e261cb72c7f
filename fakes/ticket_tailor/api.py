"""The Ticket Tailor fake's HTTP side: the documented GET endpoints over the model, with Basic
auth by API key and the vendor's error shape.

Lists are newest-first by (created_at, numeric id) and page with `starting_after` /
`ending_before` like the real API. The issued tickets `status` filter takes only the values the
vendor documents, `valid` and `voided`; `voided` lists the tickets whose records say `"void"`,
and any other value (`void` too) is a 400.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from http import HTTPStatus

from fakes.data import Record
from fakes.server import FakeError, FakeServer, Request, Response
from fakes.ticket_tailor.model import Predicate, SortedRecords, sort_key
from fakes.ticket_tailor.seed import SeededTicketTailor

MAX_LIMIT = 100
# GET /v1/issued_tickets: Enumerated Values status valid|voided; records show status void.
# Each value the filter takes -> the record status it selects.
ISSUED_TICKET_STATUSES = {"valid": "valid", "voided": "void"}


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


class TicketTailorFake(FakeServer, SeededTicketTailor):
    """Ticket Tailor's list and retrieve endpoints, with Basic auth by API key."""

    def __init__(
        self, api_key: str = "sk_test_fake", now: int | None = None, seed: int = 0
    ) -> None:
        FakeServer.__init__(self, seed)
        SeededTicketTailor.__init__(self, now, seed, self.lock)
        self.api_key = api_key
        get = self._retrieve
        for pattern, handler in (
            (r"/v1/ping", lambda request: Response(200, {"version": "pong"})),
            (r"/v1/events", self._list_events),
            (r"/v1/events/([^/]+)", get(self.events, "Event")),
            (r"/v1/orders", self._list_orders),
            (r"/v1/orders/([^/]+)", get(self.orders, "Order")),
            (r"/v1/issued_tickets", self._list_issued_tickets),
            (r"/v1/issued_tickets/([^/]+)", get(self.issued_tickets, "Issued ticket")),
            (r"/v1/discounts", self._list_discounts),
            (r"/v1/discounts/([^/]+)", get(self.discounts, "Discount")),
            (r"/v1/vouchers", self._list_vouchers),
            (r"/v1/vouchers/([^/]+)", get(self.vouchers, "Voucher")),
            (r"/v1/vouchers/([^/]+)/codes", self._list_voucher_codes),
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

    def _retrieve(self, records: dict[str, Record], noun: str) -> Callable[..., Response]:
        def handler(request: Request, record_id: str) -> Response:
            if record_id not in records:
                raise FakeError(404, f"{noun} {record_id} not found")
            return Response(200, records[record_id])

        return handler

    def _list(
        self,
        request: Request,
        path: str,
        source: SortedRecords,
        records: dict[str, Record],
        preds: list[Predicate | None],
        created_at_filters: bool = True,
    ) -> Response:
        query = request.query
        limit = _int_param("limit", query.get("limit", str(MAX_LIMIT)))
        if limit < 1:
            raise FakeError(400, f"limit must be at least 1, got {limit}")
        limit = min(limit, MAX_LIMIT)
        if created_at_filters:
            start, stop = source.span(*_bounds(query, "created_at"))
        else:
            start, stop = 0, len(source.items)
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
            after=sort_key(records[after]) if after else None,
            before=sort_key(records[before]) if before else None,
        )
        links = {
            "next": f"{path}?starting_after={rows[-1]['id']}" if rows and more_after else None,
            "previous": f"{path}?ending_before={rows[0]['id']}" if rows and more_before else None,
        }
        return Response(200, {"data": rows, "links": links})

    def _list_events(self, request: Request) -> Response:
        query = request.query
        preds = [
            _in_range(lambda e: e["start"]["unix"], *_bounds(query, "start_at")),
            _in_range(lambda e: e["end"]["unix"], *_bounds(query, "end_at")),
        ]
        if "status" in query:
            statuses = set(query["status"].split(","))
            preds.append(lambda e: e["status"] in statuses)
        return self._list(request, "/v1/events", self._sorted["events"], self.events, preds, False)

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
