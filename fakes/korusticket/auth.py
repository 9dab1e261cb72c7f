"""The KorusTicket fake's Keycloak: an OAuth2 client-credentials token endpoint and the bearer
check in front of the API.

Assumptions, as this fake answers them:
- The token endpoint is served by the same fake at `token_path`; the real one is on another host
  (auth.korusticket.com). It takes a form body `grant_type=client_credentials` with the client
  id and secret either in the form or as HTTP Basic auth (RFC 6749 2.3.1; Basic wins when both
  are sent, its parts form-urldecoded). Checks run in Keycloak's order: a missing grant_type is
  400 `invalid_request`; a grant other than client_credentials / refresh_token is 400
  `unsupported_grant_type`; then a wrong or missing client id or secret is 401 `invalid_client`
  ("Invalid client or Invalid client credentials"). A JSON body is not read (it counts as a
  missing grant_type), as in Keycloak.
- The answer is `{access_token, expires_in: token_ttl, refresh_expires_in: 0, token_type:
  "Bearer", not-before-policy: 0, scope: "profile email"}` with `Cache-Control: no-store`. No
  refresh token: Keycloak issues none to client-credentials grants by default (the README's list
  names one; a client must not need it: it asks for a new token). Set `refresh_tokens = True` to
  add `refresh_token` (valid `refresh_ttl` seconds) and accept `grant_type=refresh_token`;
  without it that grant is 400 `invalid_grant` "Invalid refresh token".
- Access tokens look like Keycloak's JWTs (RS256 header; exp, iat, jti, iss, azp, scope... claims)
  but the signature is random bytes: the server trusts only its own record of what it issued
  and when each token expires (`expire_tokens()` makes the `exp` claim lie).
- `token_requests` counts successful grants only. The token endpoint shares the request log,
  latency, rate-limit window and injected faults with the API, and its faults and limiter
  answers use the API's error shape.
- The API wants `Authorization: Bearer <token>`; otherwise 401 `application/json` in Lexik's
  shape with `WWW-Authenticate: Bearer`: `{"code": 401, "message": "JWT Token not found"}`
  (no bearer token), "Invalid JWT Token" (not issued here) or "Expired JWT Token" (now() is at
  or past its expiry). Auth is checked before routing, so an unknown path without a token is a
  401, not a 404.
"""

from __future__ import annotations

import base64
import random
import re
import uuid
from collections.abc import Callable
from urllib.parse import parse_qsl, unquote_plus

import orjson

from fakes.data import Record
from fakes.server import FakeServer, Request, Response

TOKEN_PATH = "/realms/korusticket/protocol/openid-connect/token"
SCOPE = "profile email"
INVALID_CLIENT = "Invalid client or Invalid client credentials"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _oauth_error(status: int, error: str, description: str) -> Response:
    return Response(
        status,
        {"error": error, "error_description": description},
        {"Content-Type": "application/json", "Cache-Control": "no-store"},
    )


class KeycloakAuth(FakeServer):
    """A fake server whose API wants a bearer token from its Keycloak token endpoint, served at
    `token_path`; the clock (`now`) and the token's subject (`organization_id`) come from the
    data the subclass serves."""

    token_path = TOKEN_PATH
    now: Callable[[], float]
    organization_id: str

    def __init__(self, client_id: str, client_secret: str, seed: int, token_ttl: int) -> None:
        super().__init__(seed)
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        self.refresh_tokens = False
        self.refresh_ttl = 1800
        self.token_requests = 0
        self._token_rng = random.Random(f"korusticket-tokens-{seed}")
        self._tokens: dict[str, float] = {}  # access token -> expiry on the fake's clock
        self._refresh: dict[str, float] = {}
        self.route("POST", re.escape(TOKEN_PATH), self._token)

    # -- token helpers

    def expire_tokens(self) -> None:
        """Every token issued so far (access and refresh) expires now."""
        with self.lock:
            now = self.now()
            for tokens in (self._tokens, self._refresh):
                for token, expiry in tokens.items():
                    tokens[token] = min(expiry, now)

    def issued_tokens(self) -> list[str]:
        """Every access token, then every refresh token, issued so far (expired or not), in the
        order they were issued: for checking that none leaks into logs or state."""
        with self.lock:
            return [*self._tokens, *self._refresh]

    # -- HTTP

    def credentials(self) -> str:
        return (
            f"client id {self.client_id}, client secret {self.client_secret},"
            f" token URL {self.url}{TOKEN_PATH}"
        )

    def authorize(self, request: Request) -> Response | None:
        if request.path == TOKEN_PATH:
            return None
        scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return self._unauthorized("JWT Token not found")
        expiry = self._tokens.get(token)
        if expiry is None:
            return self._unauthorized("Invalid JWT Token")
        if self.now() >= expiry:
            return self._unauthorized("Expired JWT Token")
        return None

    def _unauthorized(self, message: str) -> Response:
        return Response(
            401,
            {"code": 401, "message": message},
            {"Content-Type": "application/json", "WWW-Authenticate": "Bearer"},
        )

    def _token(self, request: Request) -> Response:
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        grant = form.get("grant_type")
        if not grant:
            return _oauth_error(400, "invalid_request", "Missing form parameter: grant_type")
        if grant not in ("client_credentials", "refresh_token"):
            return _oauth_error(400, "unsupported_grant_type", "Unsupported grant_type")
        client_id, secret = form.get("client_id"), form.get("client_secret")
        scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                decoded = ""
            raw_id, _, raw_secret = decoded.partition(":")
            client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        if client_id != self.client_id or secret != self.client_secret:
            return _oauth_error(401, "invalid_client", INVALID_CLIENT)
        if grant == "refresh_token":
            refresh = form.get("refresh_token")
            if not refresh:
                return _oauth_error(400, "invalid_request", "Missing parameter: refresh_token")
            expiry = self._refresh.get(refresh)
            if not self.refresh_tokens or expiry is None or self.now() >= expiry:
                return _oauth_error(400, "invalid_grant", "Invalid refresh token")
        return self._grant()

    def _grant(self) -> Response:
        now = self.now()
        token = self._jwt(now)
        self._tokens[token] = now + self.token_ttl
        self.token_requests += 1
        body: Record = {"access_token": token, "expires_in": self.token_ttl}
        if self.refresh_tokens:
            refresh = _b64url(self._token_rng.randbytes(48))
            self._refresh[refresh] = now + self.refresh_ttl
            body.update(refresh_expires_in=self.refresh_ttl, refresh_token=refresh)
        else:
            body["refresh_expires_in"] = 0
        body.update({"token_type": "Bearer", "not-before-policy": 0, "scope": SCOPE})
        headers = {"Content-Type": "application/json", "Cache-Control": "no-store"}
        return Response(200, body, {**headers, "Pragma": "no-cache"})

    def _jwt(self, now: float) -> str:
        rng = self._token_rng
        header = {"alg": "RS256", "typ": "JWT", "kid": "korusticket-fake"}
        claims = {
            "exp": int(now + self.token_ttl),
            "iat": int(now),
            "jti": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "iss": f"{self.url}/realms/korusticket",
            "aud": "account",
            "sub": self.organization_id,
            "typ": "Bearer",
            "azp": self.client_id,
            "scope": SCOPE,
            "clientId": self.client_id,
        }
        signature = _b64url(rng.randbytes(256))
        return f"{_b64url(orjson.dumps(header))}.{_b64url(orjson.dumps(claims))}.{signature}"
