"""The TicketSource fake's HTTP side: the documented endpoints over the model, with Bearer auth
by API key, Laravel's paging and throttle headers, and JSON:API errors.

Assumptions the docs leave open about the API, as this fake answers them:
- Every list is ordered ascending by (created_at, id), so new records land on the last page.
- Lists page like Laravel's simplePaginate: `page` (from 1) and `per_page` (1..100, default 10);
  anything else answers 400. `links.first/prev/next` are absolute URLs on `link_host` carrying
  `page=N` only (not per_page), `links.last` is always null, `next` is null on the last page,
  and `meta.from/to` are null on an empty page (a page past the end is empty, not an error).
- Errors are JSON:API `{"errors": [{id, status, code, title, detail}]}`; rate-limit headers are
  Laravel's: `X-RateLimit-Limit` / `-Remaining` always, plus `Retry-After` and
  `X-RateLimit-Reset` (a unix time on the real clock) on a 429 from the limiter. An injected 429
  fault carries `Retry-After: 1` but no `X-RateLimit-Reset`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from http import HTTPStatus

import orjson

from fakes.data import Record
from fakes.server import FakeError, FakeServer, Request, Response
from fakes.ticketsource.model import LINK_HOST
from fakes.ticketsource.seed import SeededTicketSource
from fakes.ticketsource.validation import optional_text

DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
NOT_FOUND_DETAIL = "The item you are looking for can't be found."
RATE_LIMIT_DETAIL = "You have made too many requests, check the response headers for more details."
ERROR_CODES = {
    400: "validation_failed",
    401: "unauthenticated",
    404: "not_found",
    429: "rate_limit",
}
FIXED_DETAILS = {404: NOT_FOUND_DETAIL, 429: RATE_LIMIT_DETAIL}


def _payload(request: Request, kind: str) -> Record:
    """The `data` of a JSON:API write's `{"data": {"type": kind, "attributes": {...}}}`."""
    try:
        body = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        raise FakeError(400, "The request body must be JSON.") from None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise FakeError(400, "The data field is required.")
    if data.get("type") != kind:
        raise FakeError(400, f"The data.type field must be {kind}.")
    attributes = data.get("attributes", {})
    if not isinstance(attributes, dict):
        raise FakeError(400, "The data.attributes field must be an object.")
    return data


def _query_int(request: Request, name: str, default: int, maximum: int | None) -> int:
    """A paging parameter checked like Laravel's validator would (a FakeError 400 otherwise)."""
    raw = request.query.get(name)
    if raw is None:
        return default
    label = name.replace("_", " ")
    if not (raw.isascii() and raw.isdigit()):
        raise FakeError(400, f"The {label} field must be an integer.")
    value = int(raw)
    if maximum is not None and not 1 <= value <= maximum:
        raise FakeError(400, f"The {label} field must be between 1 and {maximum}.")
    if value < 1:
        raise FakeError(400, f"The {label} field must be at least 1.")
    return value


def _found(records: dict[str, Record], record_id: str) -> Record:
    record = records.get(record_id)
    if record is None:
        raise FakeError(404, f"{record_id} not found")
    return record


class TicketSourceFake(FakeServer, SeededTicketSource):
    """TicketSource's documented endpoints, with Bearer auth by API key."""

    def __init__(
        self,
        api_key: str = "skl-test-fake",
        now: float | None = None,
        seed: int = 0,
        link_host: str = LINK_HOST,
    ) -> None:
        FakeServer.__init__(self, seed)
        SeededTicketSource.__init__(self, now, seed, link_host, self.lock)
        self.api_key = api_key
        get = self._retrieve
        children = self._children
        for pattern, handler in (
            (r"/events", self._top_list(self._events)),
            (r"/events/([^/]+)", get(self.events)),
            (r"/events/([^/]+)/venues", children(self._venues_by_event)),
            (r"/events/([^/]+)/dates", children(self._dates_by_event)),
            (r"/venues/([^/]+)", get(self.venues)),
            (r"/venues/([^/]+)/dates", children(self._dates_by_venue)),
            (r"/dates/([^/]+)", get(self.dates)),
            (r"/dates/([^/]+)/bookings", children(self._bookings_by_date)),
            (r"/customers", self._top_list(self._customers)),
            (r"/customers/([^/]+)", get(self.customers)),
            (r"/customers/([^/]+)/notes", children(self._notes_by_customer)),
            (r"/customers/([^/]+)/notes/([^/]+)", self._get_note),
            (r"/customers/([^/]+)/bookings", children(self._bookings_by_customer)),
            (r"/bookings/([^/]+)", get(self.bookings)),
            (r"/bookings/([^/]+)/seats", children(self._seats_by_booking)),
            (r"/seats/([^/]+)", get(self.seats)),
        ):
            self.route("GET", pattern, handler)
        self.route("POST", r"/customers", self._post_customer)
        self.route("PATCH", r"/customers/([^/]+)", self._patch_customer)
        self.route("DELETE", r"/customers/([^/]+)", self._delete_customer)
        self.route("POST", r"/customers/([^/]+)/notes", self._post_note)
        self.route("DELETE", r"/customers/([^/]+)/notes/([^/]+)", self._delete_note)

    def credentials(self) -> str:
        return f"API key {self.api_key} (a Bearer token)"

    def authorize(self, request: Request) -> Response | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token == self.api_key:
            return None
        return self.error(401, "Unauthenticated.")

    def error(self, status: int, message: str) -> Response:
        phrase = HTTPStatus(status).phrase
        error = {
            "id": str(uuid.uuid4()),
            "status": status,
            "code": ERROR_CODES.get(status) or phrase.lower().replace(" ", "_").replace("-", "_"),
            "title": phrase,
            "detail": FIXED_DETAILS.get(status, message),
        }
        return Response(status, {"errors": [error]})

    def rate_limit_headers(
        self, limit: int, remaining: int, reset_seconds: int, limited: bool
    ) -> dict[str, str]:
        """Laravel's throttle headers; the reset time is on the real clock, as a client sleeps
        by it."""
        headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}
        if limited:
            headers["Retry-After"] = str(reset_seconds)
            headers["X-RateLimit-Reset"] = str(int(time.time()) + reset_seconds)
        return headers

    def _page(self, request: Request, items: Sequence[Record]) -> Response:
        """One page of `items`, as Laravel's simplePaginate answers."""
        page = _query_int(request, "page", 1, None)
        per_page = _query_int(request, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
        start = (page - 1) * per_page
        rows = items[start : start + per_page]
        path = self.link_host + request.path
        body = {
            "data": rows,
            "links": {
                "first": f"{path}?page=1",
                "last": None,
                "prev": f"{path}?page={page - 1}" if page > 1 else None,
                "next": f"{path}?page={page + 1}" if start + per_page < len(items) else None,
            },
            "meta": {
                "current_page": page,
                "from": start + 1 if rows else None,
                "path": path,
                "per_page": per_page,
                "to": start + len(rows) if rows else None,
            },
        }
        return Response(200, body)

    def _top_list(self, items: list[Record]) -> Callable[[Request], Response]:
        return lambda request: self._page(request, items)

    def _children(self, lists: dict[str, list[Record]]) -> Callable[[Request, str], Response]:
        def handler(request: Request, parent_id: str) -> Response:
            items = lists.get(parent_id)
            if items is None:
                raise FakeError(404, f"{parent_id} not found")
            return self._page(request, items)

        return handler

    def _retrieve(self, records: dict[str, Record]) -> Callable[[Request, str], Response]:
        def handler(request: Request, record_id: str) -> Response:
            return Response(200, {"data": _found(records, record_id)})

        return handler

    def _get_note(self, request: Request, customer_id: str, note_id: str) -> Response:
        note = self._note_of(customer_id, note_id)
        if note is None:
            raise FakeError(404, f"{note_id} not found")
        return Response(200, {"data": note})

    def _post_customer(self, request: Request) -> Response:
        data = _payload(request, "customer")
        return Response(201, {"data": self._create_customer(data.get("attributes", {}))})

    def _patch_customer(self, request: Request, customer_id: str) -> Response:
        customer = _found(self.customers, customer_id)
        data = _payload(request, "customer")
        if data.get("id") != customer_id:
            raise FakeError(400, "The data.id field must match the customer in the URL.")
        changed = self._change_customer(customer, data.get("attributes", {}))
        return Response(200, {"data": changed})

    def _delete_customer(self, request: Request, customer_id: str) -> Response:
        _found(self.customers, customer_id)
        self.delete_customer(customer_id)
        return Response(204, b"")

    def _post_note(self, request: Request, customer_id: str) -> Response:
        _found(self.customers, customer_id)
        attributes = _payload(request, "customer_note").get("attributes", {})
        unknown = sorted(set(attributes) - {"description", "created_by"})
        if unknown:
            raise FakeError(400, f"The {unknown[0]} field is not allowed.")
        description = attributes.get("description")
        if not isinstance(description, str) or not description.strip():
            raise FakeError(400, "The description field is required.")
        created_by = optional_text("created_by", attributes.get("created_by"))
        note = (
            self.add_note(customer_id, description, created_by)
            if created_by
            else self.add_note(customer_id, description)
        )
        return Response(201, {"data": note})

    def _delete_note(self, request: Request, customer_id: str, note_id: str) -> Response:
        if self._note_of(customer_id, note_id) is None:
            raise FakeError(404, f"{note_id} not found")
        self.delete_note(customer_id, note_id)
        return Response(204, b"")
