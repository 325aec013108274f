"""A stand-in for ``vllm serve`` (vLLM's OpenAI server) for the vLLM adapter's tests.

Run as ``python tests/fake_vllm.py serve MODEL --host H --port P --served-model-name NAME ...``
with the API key in ``VLLM_API_KEY``. It records its argv and environment to ``FAKE_VLLM_LOG``
and serves ``/health``, ``/v1/models``, ``/tokenize`` (vLLM's shape: ``prompt`` or ``messages``)
and streamed ``/v1/chat/completions`` and ``/v1/completions``: the words "Hello from vLLM", as
many as ``max_tokens`` allows, with usage counted in words; ``{"from": "vLLM"}`` when the body
asks for JSON with ``response_format`` (llama.cpp's top-level ``json_schema`` is refused); the
end-of-turn token's text ``<|eot_id|>`` after them with ``skip_special_tokens: false``; a body
with ``use_beam_search`` is refused (Modelport never sends it).
``FAKE_VLLM_MODE``: ``ok``; ``never_ready`` (``/health`` answers 503 forever); ``crash`` (exits
3 at start-up); ``die_once`` (the first launch exits 1 s after it is ready, later ones live).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def _arg(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def main() -> int:
    argv = sys.argv[1:]
    mode = os.environ.get("FAKE_VLLM_MODE", "ok")
    log = os.environ.get("FAKE_VLLM_LOG")
    key = os.environ.get("VLLM_API_KEY", "")
    if log:
        with open(log, "a") as f:
            f.write(json.dumps({"argv": argv, "api_key": key, "env": dict(os.environ)}) + "\n")
    if mode == "crash":
        print("ValueError: experts_int8 is not supported on this GPU", flush=True)
        return 3
    name = _arg(argv, "--served-model-name")
    port = int(_arg(argv, "--port"))
    max_model_len = int(_arg(argv, "--max-model-len")) if "--max-model-len" in argv else 4096

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _json(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self) -> bool:
            if self.headers.get("Authorization") != f"Bearer {key}":
                self._json(401, {"error": "Unauthorized"})
                return False
            return True

        def do_GET(self) -> None:
            if self.path == "/health":
                if mode == "never_ready":
                    self._json(503, {})
                else:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
            elif self.path == "/v1/models" and self._authorized():
                model = {"id": name, "object": "model", "max_model_len": max_model_len}
                self._json(200, {"object": "list", "data": [model]})

        def do_POST(self) -> None:
            if not self._authorized():
                return
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            if self.path == "/tokenize":
                if body.get("model") != name:
                    self._json(400, {"error": {"message": "bad tokenize request"}})
                    return
                if "messages" in body:
                    text = " ".join(m.get("content") or "" for m in body["messages"])
                elif "prompt" in body:
                    text = body["prompt"]
                else:
                    self._json(400, {"error": {"message": "bad tokenize request"}})
                    return
                tokens = list(range(len(text.split())))
                self._json(200, {"count": len(tokens), "tokens": tokens, "max_model_len": 1024})
            elif self.path in ("/v1/chat/completions", "/v1/completions"):
                if body.get("model") != name:
                    self._json(404, {"error": {"message": f"model {body.get('model')} not found"}})
                    return
                chat = self.path == "/v1/chat/completions"
                if chat:
                    prompt = " ".join(m.get("content") or "" for m in body["messages"])
                else:
                    prompt = body.get("prompt", "")
                if "json_schema" in body:  # llama.cpp's field, which vLLM ignores: caught here
                    self._json(400, {"error": {"message": "json_schema is llama.cpp's field"}})
                    return
                if "use_beam_search" in body:  # vLLM's semantics vary by version: never sent
                    self._json(400, {"error": {"message": "use_beam_search was sent"}})
                    return
                limit = body.get("max_tokens", 3)
                words = ["Hello", " from", " vLLM"][:limit]
                if (body.get("response_format") or {}).get("type") in (
                    "json_object",
                    "json_schema",
                ):
                    words = ['{"from"', ': "vLLM"', "}"][:limit]
                if body.get("skip_special_tokens") is False and words:
                    words[-1] += "<|eot_id|>"
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for word in words:
                    piece = {"delta": {"content": word}} if chat else {"text": word}
                    chunk = {"choices": [{"index": 0, **piece}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                reason = "length" if limit < 3 else "stop"
                last = {"delta": {}} if chat else {"text": ""}
                end = {"choices": [{"index": 0, **last, "finish_reason": reason}]}
                counts = {"prompt_tokens": len(prompt.split()), "completion_tokens": len(words)}
                usage = {"choices": [], "usage": counts}
                for chunk in (end, usage):
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.close_connection = True

    server = ThreadingHTTPServer((_arg(argv, "--host"), port), Handler)
    server.daemon_threads = True
    marker = Path(os.environ.get("FAKE_VLLM_MARKER", "/nonexistent/marker"))
    if mode == "die_once" and not marker.exists():
        marker.write_text("died once")
        threading.Timer(1.0, lambda: os._exit(1)).start()
    print(f"INFO: fake vLLM serving {name} on port {port}", flush=True)
    time.sleep(0.3)  # a little start-up time, like the real thing (much less)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
