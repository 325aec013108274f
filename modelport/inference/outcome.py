"""How a request ended, as recorded in the usage ledger and the request counters."""

from __future__ import annotations

from modelport.errors import ContentFiltered, ContentFilterFailed
from modelport.inference.types import FinishReason


class Outcome:
    OK = "ok"
    DISCONNECTED = "client_disconnected"
    FILTERED = "content_filtered"  # prompt blocked, or a choice stopped, by content safety
    FILTER_ERROR = "content_filter_error"  # content safety failed: the request failed closed
    ERROR = "error"


def outcome_of_error(error: BaseException) -> str:
    """The outcome of a request that ended with ``error``."""
    if isinstance(error, ContentFiltered):
        return Outcome.FILTERED
    if isinstance(error, ContentFilterFailed):
        return Outcome.FILTER_ERROR
    return Outcome.ERROR


def outcome_of_finish(current: str, reason: FinishReason) -> str:
    """The outcome once a choice ended with ``reason`` (a filtered choice outranks a failed
    check, which outranks a normal end)."""
    if reason is FinishReason.CONTENT_FILTER and current in (Outcome.OK, Outcome.FILTER_ERROR):
        return Outcome.FILTERED
    if reason is FinishReason.CONTENT_FILTER_ERROR and current == Outcome.OK:
        return Outcome.FILTER_ERROR
    return current
