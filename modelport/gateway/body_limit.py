"""Request body limits, enforced before anything reads the body.

An ASGI layer in front of the app. A body whose declared ``Content-Length`` is over the limit of
its path is never read: on the data plane the first read raises
:class:`~modelport.errors.PayloadTooLarge`, which the route (having checked the key first)
renders as a 413 in its dialect's shape; on the management API and the portal the 413 is sent at
once. A body without a length (chunked) is counted as it arrives and stopped at the limit, so a
server never holds more than the limit of one request's body.

Limits: ``MODELPORT_MAX_BODY_BYTES`` (data plane; generous for long-context prompts and
documents), ``MODELPORT_MAX_MANAGEMENT_BODY_BYTES`` (management API), and a small fixed limit
for the portal's forms.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelport.errors import PayloadTooLarge
from modelport.gateway.errors import render_error

PORTAL_BODY_LIMIT = 64 * 1024


def _limit_for(scope: Scope, data_plane: int, management: int) -> tuple[int, bool]:
    """(limit, answered here): management and portal bodies are refused by this layer itself;
    data-plane routes raise from the read so that the key is checked first."""
    path: str = scope["path"]
    if path.startswith("/portal"):
        return PORTAL_BODY_LIMIT, True
    if path.startswith("/management") or path == "/metrics":
        return management, True
    return data_plane, False


def _declared(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = scope["app"].state.services.settings
        limit, answered_here = _limit_for(
            scope, settings.max_body_bytes, settings.max_management_body_bytes
        )
        declared = _declared(scope)
        too_large = PayloadTooLarge(
            f"the request body is over the limit of {limit} bytes for this endpoint"
        )
        if declared is not None and declared > limit and answered_here:
            await self._refuse(scope, receive, send, too_large)
            return
        received = 0
        tripped = False

        async def limited_receive() -> Message:
            nonlocal received, tripped
            if declared is not None and declared > limit:
                tripped = True
                raise too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    tripped = True
                    raise too_large
            return message

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                if tripped and answered_here and message["status"] != 413:
                    # The app turned the refused read into an error of its own (FastAPI: 400):
                    # answer the 413 instead, and drop what the app sends.
                    await self._refuse(scope, receive, send, too_large)
                    return
            elif tripped and answered_here and message["type"] == "http.response.body":
                return
            await send(message)

        await self.app(scope, limited_receive, guarded_send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, error: PayloadTooLarge) -> None:
        request = Request(scope)
        response = render_error(request, error)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
