"""The one error tree of Modelport.

Every failure a user can see is one of these classes. Each carries its HTTP status and a stable
machine code; each API dialect renders the tree into its own error shape in exactly one place
(``modelport.dialects.<name>.errors``), and the management API renders it in its own.

    ModelportError                      500 internal_error
    ├── BadRequest                      400 bad_request
    │   ├── InvalidRequest              400 invalid_request   (validation; AI21, management: 422)
    │   ├── UnknownParameter            400 unknown_parameter (extra-parameters: error)
    │   ├── ContentFiltered             400 content_filter    (prompt blocked by content safety)
    │   └── ContextLengthExceeded       400 context_length_exceeded
    ├── Unauthorized                    401 unauthorized
    ├── Forbidden                       403 forbidden
    │   └── RegionNotOffered            403 region_not_offered
    ├── NotFound                        404 not_found
    │   └── DeploymentNotFound          404 deployment_not_found
    ├── MethodNotAllowed                405 method_not_allowed
    ├── Conflict                        409 conflict
    ├── PreconditionFailed              412 precondition_failed
    │   ├── SubscriptionRequired        412 subscription_required
    │   └── OfferNotDeployable          412 offer_not_deployable (weights/engine missing here)
    ├── PayloadTooLarge                 413 payload_too_large   (body over the limit)
    ├── Unprocessable                   422 unprocessable
    ├── RateLimited                     429 rate_limited        (+ Retry-After)
    ├── EngineFailed                    502 engine_error
    ├── ServiceUnavailable              503 service_unavailable (+ Retry-After)
    │   ├── EngineUnavailable           503 engine_unavailable
    │   ├── DeploymentNotReady          503 deployment_not_ready
    │   └── LedgerUnavailable           503 usage_ledger_unavailable (usage not durable)
    └── ContentFilterFailed             500 content_filter_error (moderation itself failed)

Messages are written for the caller and never contain secrets, internal paths or stack traces.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ModelportError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        details: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.details = details or {}
        self.retry_after = retry_after


class BadRequest(ModelportError):
    status = 400
    code = "bad_request"


class InvalidRequest(BadRequest):
    code = "invalid_request"


class UnknownParameter(BadRequest):
    code = "unknown_parameter"


class ContentFiltered(BadRequest):
    code = "content_filter"


class ContextLengthExceeded(BadRequest):
    code = "context_length_exceeded"


class Unauthorized(ModelportError):
    status = 401
    code = "unauthorized"


class Forbidden(ModelportError):
    status = 403
    code = "forbidden"


class RegionNotOffered(Forbidden):
    code = "region_not_offered"


class NotFound(ModelportError):
    status = 404
    code = "not_found"


class DeploymentNotFound(NotFound):
    code = "deployment_not_found"


class MethodNotAllowed(ModelportError):
    status = 405
    code = "method_not_allowed"


class Conflict(ModelportError):
    status = 409
    code = "conflict"


class PreconditionFailed(ModelportError):
    status = 412
    code = "precondition_failed"


class SubscriptionRequired(PreconditionFailed):
    code = "subscription_required"


class OfferNotDeployable(PreconditionFailed):
    """The offer's weights or engine are not available on this machine."""

    code = "offer_not_deployable"


class PayloadTooLarge(ModelportError):
    status = 413
    code = "payload_too_large"


class Unprocessable(ModelportError):
    status = 422
    code = "unprocessable"


class RateLimited(ModelportError):
    status = 429
    code = "rate_limited"


class EngineFailed(ModelportError):
    status = 502
    code = "engine_error"


class ServiceUnavailable(ModelportError):
    status = 503
    code = "service_unavailable"


class EngineUnavailable(ServiceUnavailable):
    code = "engine_unavailable"


class DeploymentNotReady(ServiceUnavailable):
    code = "deployment_not_ready"


class LedgerUnavailable(ServiceUnavailable):
    """The request's usage record could not be made durable: it is not served as a success."""

    code = "usage_ledger_unavailable"


class ContentFilterFailed(ModelportError):
    status = 500
    code = "content_filter_error"
