"""Serve a saved portal (a `wget --mirror` tree under tests/portal_mirrors/) on loopback, as-is.

Like the static web server in front of a real portal: a directory answers with its index
page, validators come from the file's size and mtime (304 on a match), and there is no
robots.txt unless the mirror has one. wget keeps a query string in the file name
(`index.shtml?page=2`), so `/path?query` is served from that file when it exists.
"""
from __future__ import annotations

import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote, urlsplit

from portal.server import Loopback, _QuietServer, running

MIRRORS = Path(__file__).resolve().parents[1] / "portal_mirrors"
INDEX_NAMES = ("index.html", "index.htm", "index.shtml")


@dataclass
class Request:
    target: str  # path and query as requested
    status: int
    conditional: bool


@dataclass
class Mirror(Loopback):
    server: _QuietServer
    root: Path
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()

    def targets(self) -> set[str]:
        with self.lock:
            return {request.target for request in self.requests}


class _Handler(BaseHTTPRequestHandler):
    mirror: Mirror  # set on the per-server subclass
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        conditional = "If-None-Match" in self.headers or "If-Modified-Since" in self.headers
        status = self._answer()
        with self.mirror.lock:
            self.mirror.requests.append(Request(self.path, status, conditional))

    def _answer(self) -> int:
        file = self._file()
        if file is None:
            return self._send(404, b"<html><body><h1>404 Not Found</h1></body></html>", {"Content-Type": "text/html"})
        stat = file.stat()
        etag = f'"{int(stat.st_mtime):x}-{stat.st_size:x}"'  # nginx's form
        last_modified = formatdate(int(stat.st_mtime), usegmt=True)
        validators = {"ETag": etag, "Last-Modified": last_modified}
        if self.headers.get("If-None-Match") == etag or self._not_modified_since(int(stat.st_mtime)):
            return self._send(304, b"", validators)
        return self._send(200, file.read_bytes(), validators | {"Content-Type": _content_type(file)})

    def _file(self) -> Path | None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        names = [path + "?" + unquote(parts.query)] if parts.query else []
        names.append(path)
        root = self.mirror.root.resolve()
        for name in names:
            file = (root / name.lstrip("/")).resolve()
            if file != root and root not in file.parents:
                continue
            if file.is_dir():
                file = next((file / index for index in INDEX_NAMES if (file / index).is_file()), file)
            if file.is_file():
                return file
        return None

    def _not_modified_since(self, mtime: int) -> bool:
        since = self.headers.get("If-Modified-Since")
        if not since or "If-None-Match" in self.headers:
            return False
        try:
            return mtime <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> int:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return status

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: `Mirror.requests` is the log tests read."""


def _content_type(file: Path) -> str:
    """By extension, as a static server does. A download script (`downfile.jsp?…&filename=x.pdf`,
    kept by wget under that name) answers application/octet-stream, as such scripts do."""
    base, _, query = file.name.partition("?")
    if Path(query).suffix:
        return "application/octet-stream"
    suffix = Path(base).suffix
    if suffix in (".shtml", ".jsp"):
        return "text/html"
    return mimetypes.guess_type("x" + suffix)[0] or "application/octet-stream"


@contextmanager
def serve_mirror(name: str, host: str = "127.0.0.1") -> Iterator[Mirror]:
    """Serve tests/portal_mirrors/<name>/ on an ephemeral loopback port for the block."""
    handler = type("Handler", (_Handler,), {})
    server = _QuietServer((host, 0), handler)
    mirror = Mirror(server=server, root=MIRRORS / name)
    handler.mirror = mirror
    with running(server):
        yield mirror
