"""Server-sent events framing every supported client parses: ``data: <json>\\n\\n``, LF only, no
comments, no ``event:`` lines, ending with ``data: [DONE]``."""

from __future__ import annotations

from typing import Any

import orjson

DONE = b"data: [DONE]\n\n"


def frame(payload: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(payload) + b"\n\n"
