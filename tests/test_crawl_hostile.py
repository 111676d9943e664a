"""The crawl against hostile loopback servers: endless pagers and the like."""
from __future__ import annotations

import base64
import gzip
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.config import LISTING_BUDGET, single_source_config
from pipeline.crawl import run_crawl
from pipeline.raw import RawStore
from pipeline.urls import redact


class _EndlessPager(BaseHTTPRequestHandler):
    """Every listing page links a next one: /list/index_N.html → index_{N+1}.html."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if not self.path.startswith("/list/index_"):
            self.send_error(404)
            return
        number = int(self.path.removeprefix("/list/index_").removesuffix(".html"))
        body = f'<html><body><a href="index_{number + 1}.html">下一页</a></body></html>'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet."""


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()


def test_endless_pager_stops_on_the_default_listing_budget(tmp_path: Path) -> None:
    with serve(_EndlessPager) as base:
        config = single_source_config(f"{base}/list/index_1.html", "青禾县人民政府", "320831")
        config = replace(config, settings=replace(config.settings, delay=0))  # the budget stays the default
        run_crawl(config, tmp_path, log_level="WARNING")
    listings = [record for record in RawStore(tmp_path).records() if record.kind == "listing"]
    # robots.txt counts as one page; Scrapy closes with a few requests already in flight.
    assert LISTING_BUDGET["max_pages"] - 1 <= len(listings) <= LISTING_BUDGET["max_pages"] + 20


class _Counting(BaseHTTPRequestHandler):
    """Answers 200 to anything but `redirects` (path → Location) and remembers the paths asked for."""

    hits: list[str] = []
    body = b"<html><body>ok</body></html>"
    redirects: dict[str, str] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.hits.append(self.path)
        if self.path in self.redirects:
            self.send_response(302)
            self.send_header("Location", self.redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet."""


def test_another_port_of_an_allowed_host_is_not_fetched(tmp_path: Path) -> None:
    other = type("Other", (_Counting,), {"hits": []})
    with serve(other) as other_base:
        report = f"{other_base}/zfxxgknb/2023nb.html"
        links = f'<a href="{report}">2023年政府信息公开工作年度报告</a><a href="2022nb.html">2022年政府信息公开工作年度报告</a>'
        listing = type("Listing", (_Counting,), {"hits": [], "body": f"<html><body>{links}</body></html>".encode(),
                                                 "redirects": {"/zfxxgknb/2022nb.html": f"{other_base}/moved.html"}})
        with serve(listing) as base:
            config = single_source_config(f"{base}/zfxxgknb/index.html", "青禾县人民政府", "320831")
            run_crawl(replace(config, settings=replace(config.settings, delay=0)), tmp_path, log_level="WARNING")
    assert other.hits == []
    assert {"/zfxxgknb/index.html", "/zfxxgknb/2022nb.html"} <= set(listing.hits)
    refused = {record.url: record.error_code for record in RawStore(tmp_path).records() if record.kind == "report"}
    assert refused == {report: "host", f"{base}/zfxxgknb/2022nb.html": "host"}  # a link, and a redirect


class _Trickle(BaseHTTPRequestHandler):
    """Promises a page and sends it a byte every INTERVAL seconds; `tries` holds how long each
    connection was kept busy, ended by the crawler hanging up or by `stop`."""

    INTERVAL = 0.2
    tries: list[float] = []
    stop = threading.Event()

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path == "/robots.txt":
            self.send_error(404)
            return
        started = time.monotonic()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        try:
            for _ in range(1000):
                if self.stop.wait(self.INTERVAL):
                    break
                self.wfile.write(b"x")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up on this try
        self.tries.append(time.monotonic() - started)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet."""


def test_a_trickling_server_costs_one_url_its_deadline_across_all_tries(tmp_path: Path) -> None:
    trickle = type("Trickle", (_Trickle,), {"tries": [], "stop": threading.Event()})
    try:
        with serve(trickle) as base:
            listing = f"{base}/zfxxgknb/index.html"
            config = single_source_config(listing, "青禾县人民政府", "320831")
            # Without a deadline: three tries of 1.5 s each.
            limits = replace(config.settings, delay=0, timeout=1.5, deadline=2.0, retry_backoff=0.1)
            run_crawl(replace(config, settings=limits), tmp_path, log_level="WARNING")
    finally:
        trickle.stop.set()
    assert len(trickle.tries) == 2, trickle.tries  # 1.5 s, then the 0.5 s left; no third try
    assert sum(trickle.tries) < limits.deadline + 2 * _Trickle.INTERVAL + 0.5
    [record] = RawStore(tmp_path).records()
    assert (record.url, record.error_code) == (listing, "timeout")
    assert f"{listing} sent no complete answer" in record.error
    assert "raise timeout or deadline under [crawl]" in record.error


class _GzipBomb(_Counting):
    """A 10 kB gzip body that inflates to 10 MB."""

    body = gzip.compress(b"\0" * 10_000_000)

    def end_headers(self) -> None:
        self.send_header("Content-Encoding", "gzip")
        super().end_headers()


def test_a_gzip_bomb_is_a_decompression_limit_failure(tmp_path: Path) -> None:
    bomb = type("Bomb", (_GzipBomb,), {"hits": []})
    with serve(bomb) as base:
        listing = f"{base}/zfxxgknb/index.html"
        config = single_source_config(listing, "青禾县人民政府", "320831")
        limits = replace(config.settings, delay=0, max_bytes=100_000)
        run_crawl(replace(config, settings=limits), tmp_path, log_level="WARNING")
    assert len(bomb.body) < limits.max_bytes
    [record] = [record for record in RawStore(tmp_path).records() if record.url == listing]
    assert record.error_code == "too_large" and record.sha256 is None
    assert f"{listing} inflates past the decompression limit max_bytes = 100000 (Content-Encoding: gzip)" in record.error
    assert "raise max_bytes under [crawl]" in record.error


class _PasswordPortal(BaseHTTPRequestHandler):
    """Pages behind Basic auth for alice; its report page redirects to a URL carrying
    mallory's password. The listing has an ETag, so a second run asks conditionally."""

    AUTH = "Basic " + base64.b64encode(b"alice:s3cret").decode()
    hits: list[tuple[str, str | None, str | None]] = []  # (path, Authorization, If-None-Match)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.hits.append((self.path, self.headers.get("Authorization"), self.headers.get("If-None-Match")))
        if self.path == "/robots.txt":
            self.send_error(404)
        elif self.headers.get("Authorization") != self.AUTH:
            self.send_error(401)
        elif self.path == "/zfxxgknb/2023nb.html":
            host, port = self.server.server_address[:2]
            self.send_response(302)
            self.send_header("Location", f"http://mallory:hunter2@{host}:{port}/moved.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
        else:
            body = '<html><body><a href="2023nb.html">2023年政府信息公开工作年度报告</a></body></html>'.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet."""


def test_url_passwords_go_as_basic_auth_and_into_no_log(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    handler = type("Handler", (_PasswordPortal,), {"hits": []})
    with serve(handler) as base:
        listing = f"{base}/zfxxgknb/index.html"
        config = single_source_config(listing.replace("://", "://alice:s3cret@"), "青禾县人民政府", "320831")
        config = replace(config, settings=replace(config.settings, delay=0))
        run_crawl(config, tmp_path, log_level="DEBUG")  # DEBUG: Scrapy prints every request and redirect
        first = capfd.readouterr()
        assert ("/zfxxgknb/2023nb.html", _PasswordPortal.AUTH, None) in handler.hits  # a relative link: same origin
        handler.hits.clear()
        run_crawl(config, tmp_path, log_level="WARNING")
    logged = (tmp_path / "fetch_log.jsonl").read_text(encoding="utf-8") + first.err + first.out + capfd.readouterr().err
    assert "s3cret" not in logged and "hunter2" not in logged
    assert "mallory:***@" in first.err  # Scrapy's redirect line, masked
    records = RawStore(tmp_path).latest_by_url()
    report = f"{base}/zfxxgknb/2023nb.html"
    assert set(records) == {listing, report}  # stored and looked up without the userinfo
    assert listing in RawStore(tmp_path).latest_stored() and records[report].error_code == "host"
    assert "credentials in a redirect target are not used" in records[report].error
    assert {(path, auth) for path, auth, _ in handler.hits} == {  # the second run
        ("/robots.txt", None), ("/zfxxgknb/index.html", _PasswordPortal.AUTH)}
    assert [etag for path, _, etag in handler.hits if path == "/zfxxgknb/index.html"] == ['"v1"']


@pytest.mark.parametrize(("text", "masked"), [
    ("GET http://alice:s3cret@h.example:8080/a", "GET http://alice:***@h.example:8080/a"),
    ("<https://a:p@ss@h.example/x?y=u:v@w>", "<https://a:***@h.example/x?y=u:v@w>"),  # an unescaped @ in the password
    ("http://h.example/p?q=a:b@c http://bob@h.example/", "http://h.example/p?q=a:b@c http://bob@h.example/"),
])
def test_redact_masks_only_passwords(text: str, masked: str) -> None:
    assert redact(text) == masked
