"""A fake county portal on loopback: static pages from site/, plus the misbehaviours a
crawler meets on real ones (a flaky page, a slow page, an off-site redirect, an oversized
body, a dead link) and ETag/Last-Modified with 304 answers.
"""
from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SITE = Path(__file__).parent / "site"
LAST_MODIFIED = formatdate(1710900000, usegmt=True)  # one fixed date: conditional GETs hit

LISTINGS = ("/zfxxgknb/index.html", "/zfxxgknb/index_1.html")
FLAKY = "/zfxxgknb/202103/t20210310_0600.html"  # 500 on the first request, 200 after
SLOW = "/zfxxgknb/202003/t20200312_0500.html"  # answers after SLOW_SECONDS
REDIRECT = "/zfxxgknb/201903/t20190311_0400.html"  # 302 to the trap host
OVERSIZED = "/zfxxgknb/201803/t20180312_0300.html"  # OVERSIZED_BYTES of HTML
MISSING = "/zfxxgknb/202201/t20220105_0700.html"  # 404
ROBOTS_BLOCKED = "/private/nb2015.html"
LOOKALIKES = ("/zfxxgknb/202402/t20240205_0999.html", "/zfxxgknb/202202/t20220218_0777.html")
SLOW_SECONDS = 1.2
OVERSIZED_BYTES = 300_000

REPORTS = (
    "/zfxxgknb/202403/t20240320_1001.html",  # UTF-8, links the PDF
    "/zfxxgknb/202303/t20230315_0901.html",  # GBK declared as gb2312, shows the PNG
    "/zfxxgknb/202203/t20220310_0801.html",  # traditional script
    FLAKY,
    SLOW,
)
ATTACHMENTS = ("/zfxxgknb/202403/P020240320512345678901.pdf", "/zfxxgknb/202303/W020230315334455.png")


@dataclass
class Hit:
    path: str
    status: int
    conditional: bool
    user_agent: str
    at: float = 0.0  # time.monotonic() when the request arrived


class Loopback:
    """Addresses of a server running on 127.0.0.x (shared by the portal and the mirrors)."""

    server: ThreadingHTTPServer

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path


@dataclass
class Portal(Loopback):
    """A running server; `hits` is its request log, `url()` builds links to it."""

    server: ThreadingHTTPServer
    trap_base: str = ""
    hits: list[Hit] = field(default_factory=list)
    failed_once: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.hits.clear()


class _Handler(BaseHTTPRequestHandler):
    portal: Portal  # set on the per-server subclass
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        arrived = time.monotonic()
        path = self.path.split("?", 1)[0]
        conditional = "If-None-Match" in self.headers or "If-Modified-Since" in self.headers
        status = self._answer(path)
        with self.portal.lock:
            self.portal.hits.append(Hit(path, status, conditional, self.headers.get("User-Agent", ""), arrived))

    def _answer(self, path: str) -> int:
        if path == FLAKY and path not in self.portal.failed_once:
            self.portal.failed_once.add(path)
            return self._send(500, b"<h1>500 Internal Server Error</h1>")
        if path == REDIRECT:
            return self._send(302, b"", {"Location": f"{self.portal.trap_base}/zfxxgknb/moved.html"})
        if path == OVERSIZED:
            return self._send(200, b"<html><body>" + b"x" * OVERSIZED_BYTES + b"</body></html>")
        if path == SLOW:
            time.sleep(SLOW_SECONDS)
        file = (SITE / path.lstrip("/")).resolve()
        if SITE.resolve() not in file.parents or not file.is_file():
            return self._send(404, b"<h1>404 Not Found</h1>")
        body = file.read_bytes()
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if self.headers.get("If-None-Match") == etag or self.headers.get("If-Modified-Since") == LAST_MODIFIED:
            return self._send(304, b"", validators)
        return self._send(200, body, validators | {"Content-Type": _content_type(file)})

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> int:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler hung up, as it should on an oversized body
        return status

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the hit list is the log tests read."""


def _content_type(file: Path) -> str:
    """Like many old portals, GBK pages get a bare text/html: the meta tag names the charset."""
    return {".pdf": "application/pdf", ".png": "image/png", ".txt": "text/plain"}.get(file.suffix, "text/html")


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A crawler dropping a kept-alive connection is normal here, not worth a traceback."""


@contextmanager
def serve(host: str = "127.0.0.1", trap_base: str = "") -> Iterator[Portal]:
    """Serve the portal on an ephemeral loopback port for the duration of the block."""
    handler = type("Handler", (_Handler,), {})
    server = _QuietServer((host, 0), handler)
    portal = Portal(server=server, trap_base=trap_base)
    handler.portal = portal
    with running(server):
        yield portal


@contextmanager
def running(server: ThreadingHTTPServer) -> Iterator[None]:
    """Serve on a daemon thread for the block, then shut the server down and close it."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def trap() -> Iterator[Portal]:
    """A second host: the off-site redirect points here, and nothing may ever reach it."""
    with serve("127.0.0.2") as portal:
        yield portal


@pytest.fixture(scope="module")
def portal(trap: Portal) -> Iterator[Portal]:
    with serve(trap_base=trap.base) as portal:
        yield portal
