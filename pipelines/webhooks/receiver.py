"""The HTTP side: verify a delivery, store it durably, answer.

Per Ticket Tailor's docs ("Webhooks", Security): the `Tickettailor-Webhook-Signature` header
is `t=<unix seconds>,v1=<hex HMAC-SHA256 of t followed by the raw body, keyed with the
account's shared secret>`, and deliveries whose `t` is over five minutes old should be refused.
The answers are the project's contract: 200 once stored (a repeated `id` too), 401 for a
missing or wrong signature or a `t` over 300 s away (either way), 400 for a signed body that is
not an envelope, 413 above 1 MB, 404 for an account with no secret. Nothing unverified is
stored, and a refusal is logged as one line saying why, never with the body.

Deliveries that arrive together are stored in one transaction (`Inbox`): each waits for the
commit that holds it, and one disk sync serves them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .store import Delivery, DeliveryStore

logger = logging.getLogger("ticketing.webhooks")

SIGNATURE_HEADER = "Tickettailor-Webhook-Signature"
MAX_BODY_BYTES = 1024 * 1024
TOLERANCE_SECONDS = 300
# fields every Ticket Tailor envelope carries, and the types each may have (the docs show
# `created_at` as a string; a unix time would do as well, and a deleted record's payload may be
# left empty)
ENVELOPE: dict[str, tuple[type, ...]] = {
    "id": (str,),
    "created_at": (str, int),
    "event": (str,),
    "resource_url": (str,),
    "payload": (dict, type(None)),
}
# longer ids, times, event names or URLs are not Ticket Tailor's
MAX_TEXT_LENGTH = 2000
# deliveries stored in one transaction at most
MAX_BATCH = 500


@dataclass(frozen=True)
class Account:
    """A Ticket Tailor account whose deliveries are received: its label, the pipeline its
    deliveries are for, and the secret that signs them."""

    label: str
    pipeline: str
    secret: str


class Refused(Exception):
    """A delivery answered with an error: the HTTP status and why (no part of the body)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def verify(header: str | None, body: bytes, secret: str, now: float) -> None:
    """Raises Refused (401) unless the header signs exactly this body with the secret, at a
    time within TOLERANCE_SECONDS of `now`."""
    if not header:
        raise Refused(401, f"no {SIGNATURE_HEADER} header")
    parts = dict(part.strip().partition("=")[::2] for part in header.split(","))
    timestamp, signature = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or not signature:
        raise Refused(401, f"the {SIGNATURE_HEADER} header is not t=<unix time>,v1=<signature>")
    expected = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.lower().encode()):
        raise Refused(401, "the signature does not match this account's webhook secret")
    skew = int(now) - int(timestamp)
    if abs(skew) > TOLERANCE_SECONDS:
        when = "ago" if skew > 0 else "in the future"
        raise Refused(401, f"it is signed for {abs(skew)} s {when}, over {TOLERANCE_SECONDS} s")


def delivery_of(body: bytes, pipeline: str) -> Delivery:
    """The envelope of a verified body, or Refused (400)."""
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "the body is not JSON") from None
    if not isinstance(envelope, dict):
        raise Refused(400, "the body is not a JSON object")
    wrong = [
        name
        for name, kinds in ENVELOPE.items()
        if name not in envelope
        or not isinstance(value := envelope[name], kinds)
        or isinstance(value, bool)
        or (isinstance(value, str) and not 0 < len(value) <= MAX_TEXT_LENGTH)
    ]
    if wrong:
        raise Refused(400, f"not a webhook envelope: {', '.join(wrong)} missing or malformed")
    return Delivery(
        pipeline,
        envelope["id"],
        envelope["event"],
        envelope["resource_url"],
        str(envelope["created_at"]),
        body,
    )


class Inbox:
    """Stores deliveries in batches: whatever arrived while the last commit ran goes in the
    next one. `put` returns once its delivery is on disk."""

    def __init__(self, store: DeliveryStore) -> None:
        self.store = store
        self._queue: asyncio.Queue[tuple[Delivery, asyncio.Future[bool]]] = asyncio.Queue()

    async def put(self, delivery: Delivery) -> bool:
        """Whether the delivery was new; raises what storing it raised."""
        stored: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        await self._queue.put((delivery, stored))
        return await stored

    async def run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty() and len(batch) < MAX_BATCH:
                batch.append(self._queue.get_nowait())
            try:
                new = await asyncio.to_thread(self.store.add, [d for d, _ in batch])
            except Exception as exc:
                for _, stored in batch:
                    if not stored.done():
                        stored.set_exception(exc)
                continue
            for (_, stored), is_new in zip(batch, new, strict=True):
                if not stored.done():  # the client may have gone
                    stored.set_result(is_new)


def create_app(accounts: Mapping[str, Account], store: DeliveryStore) -> Starlette:
    """The receiver: `accounts` by the path segment after /webhooks/ticket_tailor ("" for the
    default account)."""
    inbox = Inbox(store)

    async def receive(request: Request) -> JSONResponse:
        account = accounts.get(request.path_params.get("account", ""))
        if account is None:
            # the path is the sender's text, unverified: not logged
            return _refuse("ticket_tailor", Refused(404, "no account with a webhook secret there"))
        try:
            body = await _read_body(request)
            verify(request.headers.get(SIGNATURE_HEADER), body, account.secret, time.time())
            delivery = delivery_of(body, account.pipeline)
        except Refused as refused:
            return _refuse(account.label, refused)
        try:
            new = await inbox.put(delivery)
        except Exception as exc:
            # not stored: the vendor retries a 503
            logger.error("%s: could not store delivery %s: %s", account.label, delivery.id, exc)
            return JSONResponse({"error": "could not store the delivery"}, status_code=503)
        logger.info(
            "%s: %s delivery %s (%s)",
            account.label,
            "stored" if new else "already had",
            delivery.id,
            delivery.event,
        )
        return JSONResponse({"id": delivery.id, "stored": True, "repeated": not new})

    async def healthz(request: Request) -> JSONResponse:
        pending = await asyncio.to_thread(store.counts)
        labels = sorted(account.label for account in accounts.values())
        return JSONResponse({"status": "ok", "accounts": labels, "pending": pending})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        writer = asyncio.create_task(inbox.run())
        try:
            yield
        finally:
            writer.cancel()

    return Starlette(
        routes=[
            Route("/webhooks/ticket_tailor", receive, methods=["POST"]),
            Route("/webhooks/ticket_tailor/{account}", receive, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


async def _read_body(request: Request) -> bytes:
    """The raw body, refused (413) as soon as it is known to pass MAX_BODY_BYTES."""
    too_large = Refused(413, f"the body is over {MAX_BODY_BYTES:,} bytes")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise too_large
    return bytes(body)


def _refuse(where: str, refused: Refused) -> JSONResponse:
    logger.warning("%s: refused a delivery (%s): %s", where, refused.status, refused.reason)
    return JSONResponse({"error": refused.reason}, status_code=refused.status)
