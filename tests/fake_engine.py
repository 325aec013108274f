"""A minimal engine process for the supervisor's tests: ``python tests/fake_engine.py PORT``.

It serves ``GET /health`` (200) on 127.0.0.1:PORT. Environment switches:
``FAKE_ENGINE_REPORT`` a file it writes its environment and its child's pid to (JSON);
``FAKE_ENGINE_CHILD=1`` starts a child process in its process group (like vLLM's workers);
``FAKE_ENGINE_IGNORE_TERM=1`` ignores SIGTERM (so only SIGKILL stops it);
``FAKE_ENGINE_DIE_AFTER`` exits with code 1 that many seconds after it first answers ``/health``
(counted from the supervisor seeing it ready, not from its listening: a loaded machine may take
longer than that to probe it);
``FAKE_ENGINE_SLOW_START`` waits that many seconds before it listens.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Health(BaseHTTPRequestHandler):
    on_first_health: threading.Event | None = None

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()
        if self.path == "/health" and Health.on_first_health is not None:
            Health.on_first_health.set()


def main() -> int:
    port = int(sys.argv[1])
    if os.environ.get("FAKE_ENGINE_IGNORE_TERM") == "1":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = None
    if os.environ.get("FAKE_ENGINE_CHILD") == "1":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    report = os.environ.get("FAKE_ENGINE_REPORT")
    if report:
        with open(report, "w") as f:
            json.dump({"env": dict(os.environ), "child": child.pid if child else None}, f)
    time.sleep(float(os.environ.get("FAKE_ENGINE_SLOW_START", "0")))
    server = ThreadingHTTPServer(("127.0.0.1", port), Health)
    server.daemon_threads = True
    die_after = os.environ.get("FAKE_ENGINE_DIE_AFTER")
    if die_after:
        answered = threading.Event()
        Health.on_first_health = answered

        def die() -> None:
            answered.wait()
            time.sleep(float(die_after))
            os._exit(1)

        threading.Thread(target=die, daemon=True).start()
    print(f"fake engine listening on {port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
