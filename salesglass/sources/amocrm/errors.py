"""What can go wrong talking to amoCRM, as messages a person can act on."""

from salesglass.errors import SalesglassError


class AmoCRMError(SalesglassError):
    """An API call failed for good (after the retries it deserved)."""


class AccountBlocked(AmoCRMError):
    """amoCRM answered 403 with an HTML page: the account (or this IP) is blocked for too many requests."""


class AccountUnpaid(AmoCRMError):
    """amoCRM answered 402 Payment Required: the account's paid period ended, or its plan lacks the feature."""


class NotFound(AmoCRMError):
    """amoCRM answered 404: no such record or route."""


class AuthError(AmoCRMError):
    """No valid token: the message says what to do (re-authorize, new long-lived token)."""


class WriteUncertain(AmoCRMError):
    """A write may or may not have been applied (timeout or 5xx); it is never retried blindly."""


class Transient(Exception):
    """Internal: a failure worth retrying (429 always; 5xx and timeouts for reads only)."""

    def __init__(
        self, message: str, *, status: int | None = None, rate_limited: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.rate_limited = rate_limited
        self.retry_after = retry_after  # seconds the server asked us to wait (Retry-After), if it did
