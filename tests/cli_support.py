"""Running the ``modelport`` CLI against a live test server, as a user does (a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from tests.support import ADMIN_TOKEN, ThreadServer


def cli(server: ThreadServer, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        {
            "MODELPORT_DATA_DIR": str(server.settings.data_dir),
            "MODELPORT_PORT": str(server.settings.port),
            "MODELPORT_ADMIN_TOKEN": ADMIN_TOKEN,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "modelport", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cli_json(server: ThreadServer, *args: str) -> Any:
    result = cli(server, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
