"""The errors a source raises for the user to act on: one paragraph each, free of secrets."""

from __future__ import annotations


class ApiError(Exception):
    """A failure the user has to act on; its message is one paragraph, free of secrets."""


class CredentialsError(ApiError):
    """401/403: the API refused the configured credentials."""


class RequestRejected(ApiError):
    """400/404/422 and other non-retryable answers to one request."""


class ApiUnavailable(ApiError):
    """The API could not be reached or kept failing after every retry."""


class ResponseShapeError(ApiError):
    """The API answered with JSON of the wrong shape (a missing list, a link to itself)."""


class IncompleteWalk(ApiError):
    """A page walk came up short of what the API reports: loading it would delete rows."""

    def __init__(self, source: str, path: str, problem: str) -> None:
        self.what = f"{source}: the walk over GET {path} came up short: {problem}"
        super().__init__(
            f"{self.what}. Nothing from this run was loaded, so no rows were lost or deleted; "
            "the next run starts again from the last good one. If this keeps happening, "
            "report it with this message."
        )
