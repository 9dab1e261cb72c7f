"""The Ticket Tailor fake's webhooks: the envelopes its mutation helpers put in `fake.webhooks`,
and how to sign and deliver one the way Ticket Tailor does.

Ticket Tailor's docs, "Webhooks": "POST requests with the following data structure: id:
idempotent key for the webhook request. created_at: date time in UTC when the event was
generated. event: type of event that triggered the webhook. resource_url: api url of the resource
affected by the change. payload: the changed resource." The `Tickettailor-Webhook-Signature`
header carries an "HMAC-SHA256 signature of the request payload combined with the timestamp":
`t=<unix seconds>,v1=<hex HMAC of str(t) + body>`. The vendor's example envelope:
{"id": "wh_15", "created_at": "2025-01-01 10:00:00", "event": "ISSUED_TICKET.CREATED",
"resource_url": "https://api.tickettailor.com/v1/issued_tickets/it_50198", "payload": {...}}.

Assumed where the docs are silent: waitlist signups' resource_url is
`/v1/waitlist_signups/{id}`, an endpoint neither the docs nor the fake serve.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import time
from datetime import UTC, datetime

import httpx
import orjson

from fakes.data import Record

API_URL = "https://api.tickettailor.com/v1"
SIGNATURE_HEADER = "Tickettailor-Webhook-Signature"


def webhook_envelope(
    webhook_id: str, created_at: int, event: str, collection: str, record: Record
) -> Record:
    """A webhook as Ticket Tailor sends it for `record` (as served) of `/v1/{collection}`; the
    payload is a deep copy, so later changes to the record leave a fired webhook as it was."""
    return {
        "id": webhook_id,
        "created_at": f"{datetime.fromtimestamp(created_at, UTC):%Y-%m-%d %H:%M:%S}",
        "event": event,
        "resource_url": f"{API_URL}/{collection}/{record['id']}",
        "payload": copy.deepcopy(record),
    }


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The `Tickettailor-Webhook-Signature` value for `body` sent at `timestamp` (default: the
    wall clock, not the fake's, since receivers check it against their own)."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), str(t).encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def send(
    url: str,
    envelope: Record,
    secret: str,
    *,
    timestamp: int | None = None,
    client: httpx.Client | None = None,
) -> httpx.Response:
    """POSTs a webhook to `url`, signed with `secret`: the bytes signed are the bytes sent."""
    body = orjson.dumps(envelope)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature_header(secret, body, timestamp),
    }
    if client is None:
        return httpx.post(url, content=body, headers=headers)
    return client.post(url, content=body, headers=headers)
