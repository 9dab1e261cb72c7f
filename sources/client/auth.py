"""OAuth2 client credentials for httpx: one token per lifetime, shared by every thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import orjson

from .accounts import config_key
from .errors import CredentialsError
from .redaction import Secrets
from .run import RequestStats


class TokenUnavailable(httpx.TransportError):
    """The token endpoint failed in a way worth retrying (5xx, 429, a broken body): to the
    request that needed the token this is a transport failure, and is retried like one."""


class ClientCredentials(httpx.Auth):
    """OAuth2 client credentials: fetches a bearer token, reuses it, renews it shortly before it
    expires and once more when the API answers 401 (a token revoked or expired early).

    A token is renewed `renew_before_seconds` before it expires, or after two thirds of its
    lifetime when that comes later: short-lived tokens cost one token request per lifetime, not
    one per request. Each token joins the run's secrets as soon as it arrives.
    """

    requires_response_body = True
    # renew this long before expiry, so that no request leaves with a token about to die...
    renew_before_seconds = 60.0
    # ...or after this share of the lifetime, for tokens that live less than three minutes
    renew_at_share = 2 / 3

    def __init__(
        self,
        source: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        credential_keys: tuple[str, ...] = ("client_id", "client_secret"),
    ) -> None:
        self.source = source
        self.token_url = token_url
        self.credential_keys = credential_keys
        self.client_secret = client_secret
        self._form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        }
        self._token: str | None = None
        self._renew_at = 0.0
        self._secrets = Secrets()
        self._stats = RequestStats()
        # threads share the token: one renews, the others wait for it
        self._lock = threading.Lock()

    def bind(self, secrets: Secrets, stats: RequestStats) -> None:
        """Reports tokens and token requests to the run of the client that uses this auth."""
        self._secrets, self._stats = secrets, stats
        secrets.add(self.client_secret)

    def renewal_delay(self, lifetime: float) -> float:
        """Seconds after issue at which a token of this lifetime is renewed."""
        return max(0.0, lifetime - self.renew_before_seconds, lifetime * self.renew_at_share)

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        yield from self._renew(if_older_than=None)
        used = self._token
        request.headers["Authorization"] = f"Bearer {used}"
        response = yield request
        if response.status_code == 401:
            yield from self._renew(if_older_than=used)
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request

    def _renew(self, if_older_than: str | None) -> Iterator[httpx.Request]:
        """Fetches a token when there is none, it is due for renewal, or (after a 401) it is
        still the one the API refused."""
        with self._lock:
            refused = if_older_than is not None and self._token == if_older_than
            if not refused and self._token and time.monotonic() < self._renew_at:
                return
            self._stats.add(token_requests=1)
            issued = time.monotonic()
            response = yield httpx.Request("POST", self.token_url, data=self._form)
            self._token, lifetime = self._read_token(response)
            self._renew_at = issued + self.renewal_delay(lifetime)

    def _read_token(self, response: httpx.Response) -> tuple[str, float]:
        status = response.status_code
        if status in (400, 401, 403):
            keys = " and ".join(f"`{config_key(self.source, key)}`" for key in self.credential_keys)
            raise CredentialsError(
                f"{self.source}: the token endpoint {self.token_url} refused our client "
                f"credentials (HTTP {status}{self._oauth_error(response)}). Check {keys} in "
                f".dlt/secrets.toml, and `{config_key(self.source, 'token_url')}`."
            )
        if status >= 400:
            raise TokenUnavailable(f"HTTP {status} from the token endpoint {self.token_url}")
        try:
            body = orjson.loads(response.content)
            token, lifetime = str(body["access_token"]), float(body.get("expires_in", 300))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            raise TokenUnavailable(
                f"an answer without an access token from {self.token_url}"
            ) from None
        self._secrets.add(token)
        return token, lifetime

    def _oauth_error(self, response: httpx.Response) -> str:
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            return ""
        if not isinstance(body, dict) or "error" not in body:
            return ""
        return f": {self._secrets.redact(str(body['error']))}"
