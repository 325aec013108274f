"""How a request ended, as recorded in the usage ledger and the request counters."""

from __future__ import annotations


class Outcome:
    OK = "ok"
    DISCONNECTED = "client_disconnected"
    FILTERED = "content_filtered"  # prompt blocked, or a choice stopped, by content safety
    FILTER_ERROR = "content_filter_error"  # content safety failed: the request failed closed
    ERROR = "error"
