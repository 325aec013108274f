"""Keep secrets out of log lines that other libraries write.

Uvicorn's access log writes each request's full path, query string included; the single
sign-on callback carries its authorization code there (and a careless client may put a key in
a URL). :class:`DropQueryStrings` logs the path alone.
"""

from __future__ import annotations

import logging


class DropQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def install() -> None:
    logging.getLogger("uvicorn.access").addFilter(DropQueryStrings())
