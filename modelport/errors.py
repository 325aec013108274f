"""The one error tree of Modelport.

Every failure a user can see is one of these classes. Each carries its HTTP status and a stable
machine code; each API dialect renders the tree into its own error shape in exactly one place
(``modelport.dialects.<name>.errors``), and the management API renders it in its own.

    ModelportError                      500 internal_error
    ├── BadRequest                      400 bad_request
    │   ├── InvalidRequest              400 invalid_request   (validation; AI21, management: 422)
    │   │   ├── InvalidTrainingFile     400 invalid_training_file (each bad line, numbered)
    │   │   ├── BlocklistInvalid        400 invalid_request   (a blocklist that cannot be stored)
    │   │   ├── PromptFormatError       400 invalid_request   (the model's format cannot say it)
    │   │   └── UnsupportedParameter    400 unsupported_parameter (its model server lacks it)
    │   ├── UnknownParameter            400 unknown_parameter (extra-parameters: error)
    │   ├── ContentFiltered             400 content_filter    (prompt blocked by content safety)
    │   ├── ContextLengthExceeded       400 context_length_exceeded
    │   └── RequestTooLarge             400 request_too_large (more tokens than a minute's limit)
    ├── Unauthorized                    401 unauthorized
    ├── Forbidden                       403 forbidden
    │   ├── RegionNotOffered            403 region_not_offered
    │   ├── ServerlessNotOffered        403 serverless_not_offered (managed compute only)
    │   └── QuotaExceeded               403 quota_exceeded    (core quota; used, asked, limit)
    ├── NotFound                        404 not_found
    │   ├── DeploymentNotFound          404 deployment_not_found
    │   └── ModelNotFound               404 model_not_found  (GET /v1/models/{model})
    ├── MethodNotAllowed                405 method_not_allowed
    ├── Conflict                        409 conflict
    ├── PreconditionFailed              412 precondition_failed
    │   ├── SubscriptionRequired        412 subscription_required
    │   └── OfferNotDeployable          412 offer_not_deployable (weights/engine missing here)
    ├── PayloadTooLarge                 413 payload_too_large   (body over the limit)
    ├── Unprocessable                   422 unprocessable
    ├── RateLimited                     429 rate_limited        (+ Retry-After)
    ├── EngineFailed                    502 engine_error      (also in-band, once a stream started)
    ├── EngineTimedOut                  504 engine_timeout    (the engine stopped answering)
    ├── ServiceUnavailable              503 service_unavailable (+ Retry-After)
    │   ├── EngineUnavailable           503 engine_unavailable
    │   ├── DeploymentNotReady          503 deployment_not_ready
    │   ├── StoreUnavailable            503 store_unavailable (database lost for too long)
    │   ├── RateLimiterUnavailable      503 rate_limiter_unavailable (Redis down, fail closed)
    │   ├── NoTrafficRoute              503 no_traffic_route (an endpoint with no traffic set)
    │   └── LedgerUnavailable           503 usage_ledger_unavailable (usage not durable)
    ├── ChatTemplateError               500 chat_template_error (the model's own template is broken)
    └── ContentFilterFailed             500 content_filter_error (moderation itself failed)
        └── ClassifierError             500 content_filter_error (one classifier plug-in failed)

Errors an operator sees (start-up, configuration, catalog files, model pulls) are never rendered
to an API caller; they share their own root, and keep the built-in base their callers catch:

    OperatorError
    ├── ConfigurationError        local_secrets.py       (RuntimeError) unsafe or impossible setting
    ├── WeakSecret                access/credentials.py  (ValueError) a configured secret too weak
    ├── EnginePluginError         engines/registry.py    (LookupError) a plug-in missing or broken
    ├── EngineSettingsError       engines/host.py        (ValueError) an engine's operator settings
    ├── EngineStartError          engines/base.py        (RuntimeError) the engine cannot start
    │   └── EngineStopped                                 stopped while starting (not a failure)
    ├── ClassifierConfigError     policy/safety/classifier.py (RuntimeError) a plug-in's setup
    ├── TemplateError             policy/safety/patterns.py (ValueError) a lexicon template
    ├── WeightsUnavailable        models/weights.py      (RuntimeError) weights not on this machine
    ├── PullError                 models/pull.py         (RuntimeError) a pull did not complete
    │   └── ChecksumMismatch
    ├── GGUFError                 models/gguf_meta.py    (ValueError) not a readable GGUF
    ├── ImportFailed              models/importing.py    (RuntimeError) a model file not registered
    ├── CatalogError              domain/catalog.py      (ValueError) a bad offer file
    └── LeaseLost                 cluster/record.py      a controller's write refused: another
                                                         took over (it stops acting, stands by)

Messages are written for the caller and never contain secrets, internal paths or stack traces.
``headers`` carries response headers that belong to the error (the rate-limit figures of the
request that hit the limit); ``Retry-After`` is derived from ``retry_after``.
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
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.details = details or {}
        self.retry_after = retry_after
        self.headers = dict(headers or {})


class BadRequest(ModelportError):
    status = 400
    code = "bad_request"


class InvalidRequest(BadRequest):
    code = "invalid_request"


class PromptFormatError(InvalidRequest):
    """The conversation cannot be expressed in this model's prompt format (a 400 for the caller).

    Examples: tools sent to a model whose format has no tool support, roles that a strict format
    cannot alternate, or a model template calling ``raise_exception``.
    """


class UnsupportedParameter(InvalidRequest):
    """A parameter the API takes but the deployment's model server does not (an attached
    OpenAI-compatible server and a llama.cpp extension such as ``top_k``): refused, never sent
    or dropped silently."""

    code = "unsupported_parameter"


class UnknownParameter(BadRequest):
    code = "unknown_parameter"


class ContentFiltered(BadRequest):
    code = "content_filter"


class InvalidTrainingFile(InvalidRequest):
    """A fine-tuning file that cannot be trained on; ``details["errors"]`` lists each bad line."""

    code = "invalid_training_file"


class ContextLengthExceeded(BadRequest):
    code = "context_length_exceeded"


class RequestTooLarge(BadRequest):
    """The request reserves more tokens than its deployment allows per minute: no wait helps."""

    code = "request_too_large"


class Unauthorized(ModelportError):
    status = 401
    code = "unauthorized"


class Forbidden(ModelportError):
    status = 403
    code = "forbidden"


class RegionNotOffered(Forbidden):
    code = "region_not_offered"


class ServerlessNotOffered(Forbidden):
    """The model has no serverless (pay-as-you-go) offer: it deploys on managed compute only."""

    code = "serverless_not_offered"


class QuotaExceeded(Forbidden):
    """A managed deployment would draw more cores or GPUs than its quota has left."""

    code = "quota_exceeded"


class NotFound(ModelportError):
    status = 404
    code = "not_found"


class DeploymentNotFound(NotFound):
    code = "deployment_not_found"


class ModelNotFound(NotFound):
    code = "model_not_found"


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


class EngineTimedOut(ModelportError):
    """The engine stopped answering within the request timeout."""

    status = 504
    code = "engine_timeout"


class ServiceUnavailable(ModelportError):
    status = 503
    code = "service_unavailable"


class EngineUnavailable(ServiceUnavailable):
    code = "engine_unavailable"


class DeploymentNotReady(ServiceUnavailable):
    code = "deployment_not_ready"


class StoreUnavailable(ServiceUnavailable):
    """A gateway that has lost its database for longer than it may serve from memory."""

    code = "store_unavailable"


class RateLimiterUnavailable(ServiceUnavailable):
    """The shared limiter is unreachable and its failure policy is to refuse."""

    code = "rate_limiter_unavailable"


class NoTrafficRoute(ServiceUnavailable):
    """An endpoint whose traffic sends nothing anywhere, called without naming a deployment."""

    code = "no_traffic_route"


class LedgerUnavailable(ServiceUnavailable):
    """The request's usage record could not be made durable: it is not served as a success."""

    code = "usage_ledger_unavailable"


class ContentFilterFailed(ModelportError):
    status = 500
    code = "content_filter_error"


class ClassifierError(ContentFilterFailed):
    """A content-safety classifier failed or returned garbage; moderation cannot vouch for the
    text, so the request fails closed."""

    def __init__(self, classifier: str) -> None:
        super().__init__(f"content safety classifier {classifier!r} failed")
        self.classifier = classifier


class ChatTemplateError(ModelportError):
    """The model's own chat template is broken or unsafe (a server-side fault, 500)."""

    code = "chat_template_error"


class OperatorError(Exception):
    """The root of the errors an operator sees (see the drawing above); never an HTTP answer."""
