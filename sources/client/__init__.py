"""HTTP for every source: auth, timeouts, paging, retries, rate-limit pacing and clear errors.

Each source builds one `ApiClient` per run (`client`); a source that fans out wraps it in
`AsyncApiClient` and reads parents with `fan_out` (`fan_out`). Lists are walked with the
paginator of the API's style, which fails a walk that comes up short rather than let it delete
rows (`paging`). A request is retried on 429, 5xx, connection errors and bodies that are not
complete JSON (`retry`); the API's rate-limit headers slow the client down before it starts
refusing (`pacing`). OAuth2 tokens are fetched once per lifetime (`auth`). Errors that
retrying cannot fix raise `ApiError` subclasses whose message names the config key or request
to check (`errors`), under the account's own section when the source runs for one
(`accounts`). A `Run` carries a sync's secrets and request counts (`run`); secrets never
reach an error message or a log (`redaction`).
"""

from .accounts import config_key, env_name, source_label
from .auth import ClientCredentials, TokenUnavailable
from .client import ApiClient, AsyncApiClient
from .errors import (
    ApiError,
    ApiUnavailable,
    CredentialsError,
    IncompleteWalk,
    RequestRejected,
    ResponseShapeError,
)
from .fan_out import fan_out
from .pacing import RateLimitPacer
from .paging import CursorPaging, HydraPaging, PageNumberPaging, Paging, Params
from .redaction import SecretFilter, Secrets, install_secret_filter
from .retry import RetryPolicy
from .run import RequestStats, Run

__all__ = [
    "ApiClient",
    "ApiError",
    "ApiUnavailable",
    "AsyncApiClient",
    "ClientCredentials",
    "CredentialsError",
    "CursorPaging",
    "HydraPaging",
    "IncompleteWalk",
    "PageNumberPaging",
    "Paging",
    "Params",
    "RateLimitPacer",
    "RequestRejected",
    "RequestStats",
    "ResponseShapeError",
    "RetryPolicy",
    "Run",
    "SecretFilter",
    "Secrets",
    "TokenUnavailable",
    "config_key",
    "env_name",
    "fan_out",
    "install_secret_filter",
    "source_label",
]
