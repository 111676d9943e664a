"""A loopback portal whose listings draw their pager with a script, written for the project.

Three annual-report columns of the invented 青禾县, served from pages built in memory:

- `/gknb/`: 23 reports and one lookalike notice over 3 pages of 10. `index.html` carries no
  pager markup, only the settings a script draws it from (`recordCount`, `prepage`), and the
  static `index_1.html`, `index_2.html` sit beside it. A stale `index_3.html` is still on the
  server, which the settings do not name: it must not be fetched.
- `/ndbg/`: 13 reports, a full first page of 10 with no pager at all, and `index_1.html` with 3.
- `/bmnb/`: exactly 10 reports on one page and nothing else: `index_1.html` is tried, and is a 404.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from portal.server import Loopback, _QuietServer, running

PAGE_SIZE = 10
NOTICE = "关于做好2024年政府信息公开工作年度报告编制发布工作的通知"  # a lookalike: never fetched


@dataclass(frozen=True)
class Column:
    folder: str
    reports: tuple[str, ...]  # report page paths, newest first
    listings: tuple[str, ...]  # the listing pages that exist and must be fetched
    guessed_missing: str | None = None  # the conventional next page tried, which is not there


def _reports(folder: str, count: int, first_year: int) -> tuple[str, ...]:
    return tuple(f"/{folder}/{first_year - n // 3}/t{first_year - n // 3}0315_{n:03d}.html" for n in range(count))


SCRIPTED = Column("gknb", _reports("gknb", 23, 2024), ("/gknb/index.html", "/gknb/index_1.html", "/gknb/index_2.html"))
UNPAGED = Column("ndbg", _reports("ndbg", 13, 2024), ("/ndbg/index.html", "/ndbg/index_1.html"))
SINGLE = Column("bmnb", _reports("bmnb", 10, 2023), ("/bmnb/index.html",), guessed_missing="/bmnb/index_1.html")
COLUMNS = (SCRIPTED, UNPAGED, SINGLE)
STALE = "/gknb/index_3.html"  # left on the server from an older layout; no setting names it
NOTICE_PAGE = "/gknb/2024/t20240110_999.html"


ISSUERS = {"gknb": "青禾县人民政府", "ndbg": "青禾县财政局", "bmnb": "青禾县教育局"}


def _title(path: str) -> str:
    folder, year = path.split("/")[1:3]
    number = int(path.rsplit("_", 1)[1].split(".")[0])
    return f"{ISSUERS[folder]}第{number + 1}分册{year}年政府信息公开工作年度报告"


def _entry(path: str, title: str) -> str:
    return f'<li><a href="{path}" title="{title}">{title[:14]}…</a><span>2024-03-15</span></li>'


def _listing(entries: list[str], script: str = "") -> bytes:
    return (f'<html><head><meta charset="utf-8"><title>年度报告</title></head><body>'
            f'<ul class="list">{"".join(entries)}</ul><div id="pager"></div>{script}'
            '<div class="footer"><a href="/">首页</a> <a href="/about.html">关于本站</a></div></body></html>'
            ).encode("utf-8")


def _scripted_pages() -> dict[str, bytes]:
    entries = [_entry(NOTICE_PAGE, NOTICE)] + [_entry(path, _title(path)) for path in SCRIPTED.reports]
    pages = {}
    for number in range(3):
        script = ("<script>var recordCount = 24; var prepage = 10;"
                  f"var currentPage = {number};drawPager('pager', recordCount, prepage, currentPage);</script>")
        name = "index.html" if number == 0 else f"index_{number}.html"
        pages[f"/gknb/{name}"] = _listing(entries[number * PAGE_SIZE:(number + 1) * PAGE_SIZE], script)
    pages[STALE] = _listing([_entry("/gknb/2015/t20150315_900.html", "青禾县2015年政府信息公开工作年度报告")])
    return pages


def _plain_pages(column: Column) -> dict[str, bytes]:
    entries = [_entry(path, _title(path)) for path in column.reports]
    return {f"/{column.folder}/{'index.html' if n == 0 else f'index_{n}.html'}":
            _listing(entries[start:start + PAGE_SIZE]) for n, start in enumerate(range(0, len(entries), PAGE_SIZE))}


def _report(title: str) -> bytes:
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1>'
            '<div class="content"><p>本报告由县政府办公室编写，所列数据统计期限为上一年度全年。</p></div></body></html>'
            ).encode("utf-8")


def site() -> dict[str, bytes]:
    pages = _scripted_pages() | _plain_pages(UNPAGED) | _plain_pages(SINGLE)
    pages |= {path: _report(_title(path)) for column in COLUMNS for path in column.reports}
    pages[NOTICE_PAGE] = _report(NOTICE)
    return pages


@dataclass
class ScriptPortal(Loopback):
    server: _QuietServer
    pages: dict[str, bytes]
    hits: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self) -> set[str]:
        with self.lock:
            return {path for path, _ in self.hits}


class _Handler(BaseHTTPRequestHandler):
    portal: ScriptPortal
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0]
        body = self.portal.pages.get(path)
        status = 200 if body is not None else 404
        body = body if body is not None else b"<html><body>404</body></html>"
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with self.portal.lock:
            self.portal.hits.append((path, status))

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: `hits` is the log tests read."""


@contextmanager
def serve_script_portal(host: str = "127.0.0.1") -> Iterator[ScriptPortal]:
    handler = type("Handler", (_Handler,), {})
    server = _QuietServer((host, 0), handler)
    portal = ScriptPortal(server=server, pages=site())
    handler.portal = portal
    with running(server):
        yield portal
