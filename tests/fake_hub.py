"""A local stand-in for the Hugging Face Hub's HTTP API, serving repos a test creates.

It answers the routes ``huggingface_hub`` calls for a pull: model info with file metadata
(``/api/models/{repo}[/revision/{rev}]?blobs=true``) and ``/{repo}/resolve/{rev}/{file}`` (HEAD
with ``X-Repo-Commit``/``ETag``/``X-Linked-*``, GET with ``Range``). It can drop a connection
mid-file, go "offline" (503) and serve bytes that differ from the published checksum.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson


@dataclass
class FakeFile:
    content: bytes
    lfs: bool = True
    served: bytes | None = None  # bytes actually served, when they should not match

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def git_sha1(self) -> str:
        header = f"blob {len(self.content)}\0".encode()
        return hashlib.sha1(header + self.content, usedforsecurity=False).hexdigest()


@dataclass
class FakeRepo:
    commit: str
    files: dict[str, FakeFile]


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class FakeHub:
    repos: dict[str, FakeRepo] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    drop_after: dict[str, int] = field(default_factory=dict)  # file → bytes sent, then cut once
    offline: bool = False  # file downloads answer 503 (model info still works)
    offline_after_drop: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ranges(self, filename: str) -> list[str]:
        return [
            s.headers["range"]
            for s in self.seen
            if s.method == "GET" and s.path.endswith("/" + filename) and "range" in s.headers
        ]


_INFO = re.compile(r"^/api/models/(?P<repo>[^/]+/[^/]+)(?:/revision/(?P<rev>[^/]+))?$")
_RESOLVE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)$")


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _record(self) -> str:
            path = unquote(urlsplit(self.path).path)
            with hub.lock:
                hub.seen.append(
                    Seen(self.command, path, {k.lower(): v for k, v in self.headers.items()})
                )
            return path

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self) -> None:
            path = self._record()
            if match := _INFO.match(path):
                self._info(match["repo"], match["rev"])
            elif match := _RESOLVE.match(path):
                self._resolve(match["repo"], match["rev"], match["file"])
            else:
                self._send(404, b'{"error":"not found"}')

        do_HEAD = do_GET

        def _repo(self, repo: str, rev: str | None) -> FakeRepo | None:
            found = hub.repos.get(repo)
            if found is None or rev not in (None, "main", found.commit):
                self._send(
                    404, b'{"error":"Repository not found"}', {"X-Error-Code": "RepoNotFound"}
                )
                return None
            return found

        def _info(self, repo: str, rev: str | None) -> None:
            found = self._repo(repo, rev)
            if found is None:
                return
            siblings = []
            for name, f in found.files.items():
                sibling: dict[str, Any] = {"rfilename": name, "size": len(f.content)}
                if f.lfs:
                    sibling["blobId"] = hashlib.sha1(
                        f.sha256.encode(), usedforsecurity=False
                    ).hexdigest()  # pointer oid
                    sibling["lfs"] = {
                        "sha256": f.sha256,
                        "size": len(f.content),
                        "pointerSize": 134,
                    }
                else:
                    sibling["blobId"] = f.git_sha1
                siblings.append(sibling)
            body = orjson.dumps(
                {"id": repo, "modelId": repo, "sha": found.commit, "siblings": siblings}
            )
            self._send(200, body, {"Content-Type": "application/json"})

        def _resolve(self, repo: str, rev: str, name: str) -> None:
            found = self._repo(repo, rev)
            if found is None:
                return
            f = found.files.get(name)
            if f is None:
                self._send(404, b"", {"X-Error-Code": "EntryNotFound"})
                return
            data = f.served if f.served is not None else f.content
            headers = {"X-Repo-Commit": found.commit, "Accept-Ranges": "bytes"}
            if f.lfs:
                headers |= {
                    "ETag": f'"{f.sha256}"',
                    "X-Linked-Etag": f'"{f.sha256}"',
                    "X-Linked-Size": str(len(f.content)),
                }
            else:
                headers["ETag"] = f'"{f.git_sha1}"'
            if self.command == "GET" and hub.offline:
                self._send(503, b'{"error":"unavailable"}')
                return
            start = 0
            status = 200
            if match := re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", "")):
                start = int(match[1])
                status = 206
                headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            body = data[start:]
            cut = hub.drop_after.pop(name, None) if self.command == "GET" else None
            if cut is None:
                self._send(status, body, headers)
                return
            # Announce the whole body, send part of it, and hang up.
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:cut])
            self.wfile.flush()
            if hub.offline_after_drop:
                hub.offline = True
            self.close_connection = True
            self.connection.shutdown(2)

    return Handler


class FakeHubServer:
    def __init__(self, hub: FakeHub) -> None:
        self.hub = hub
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeHubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)
