"""Listings whose pager a script draws from settings in the page (pipeline/data/pagers.yaml),
and full listing pages without any pager, whose conventional next page is tried once."""
from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from pipeline.crawl.links import listing_links
from pipeline.crawl.pagers import is_full_page, next_page, script_pages
from pipeline.raw import RawStore
from portal import script_pager
from portal.commands import nianbao, write_sources
from portal.script_pager import COLUMNS, NOTICE_PAGE, STALE, serve_script_portal

BASE = "http://www.qinghe.example/zwgk/gknb/index.html"


def pages(names: list[str]) -> list[str]:
    return [f"http://www.qinghe.example/zwgk/gknb/{name}" for name in names]


@pytest.mark.parametrize(("script", "url", "expected"), [
    ("var recordCount = 23; var prepage = 10;", BASE, ["index_1.html", "index_2.html"]),
    ('var pager = {"recordCount": 30, "pageSize": 15};', BASE, ["index_1.html"]),
    ("var recordCount = 30; var prepage = 10;", BASE.replace("index.html", "index_1.html"), ["index_2.html"]),
    ("var recordCount = 90; var prepage = 10; var maxStaticIndex = 2;", BASE, ["index_1.html", "index_2.html"]),
    ("var maxStaticIndex = 1;", BASE.replace("index.html", "list.shtml"), ["list_1.shtml"]),
    ('var countPage = 3;createPageHTML(countPage, 0, "index", "shtml");', BASE, ["index_1.shtml", "index_2.shtml"]),
    ("createPageHTML('pager', 2, 0, 'list', 'html', 17);", BASE, ["list_1.html"]),
    ("var recordCount = 10; var prepage = 10;", BASE, []),  # one page
    ("var recordCount = 23;", BASE, []),  # no page size: nothing implied
])
def test_settings_imply_the_static_pages(script: str, url: str, expected: list[str]) -> None:
    assert script_pages(f"<script>{script}</script>", url) == pages(expected)


def test_the_conventional_next_page() -> None:
    assert next_page(BASE) == pages(["index_1.html"])[0]
    assert next_page(BASE.replace("index.html", "index_4.shtml")) == pages(["index_5.shtml"])[0]
    assert next_page(BASE.replace("index.html", "")) == pages(["index_1.html"])[0]
    assert next_page(BASE.replace("index.html", "list.jsp")) is None


def test_a_full_page_is_a_usual_page_size_or_the_pages_own() -> None:
    assert is_full_page(10, "") and is_full_page(20, "")
    assert not is_full_page(9, "") and not is_full_page(0, "")
    assert is_full_page(8, "var pageSize = 8;") and not is_full_page(10, "var pageSize = 8;")


def listing(entries: int, extra: str = "") -> HtmlResponse:
    items = "".join(f'<li><a href="t{n}.html">青禾县{2000 + n}年政府信息公开工作年度报告</a></li>' for n in range(entries))
    return HtmlResponse(url=BASE, body=f"<html><body><ul>{items}</ul>{extra}</body></html>".encode(), encoding="utf-8")


def test_only_a_full_page_without_a_pager_guesses_its_next_page() -> None:
    assert listing_links(listing(10), None, None).guess == pages(["index_1.html"])[0]
    assert listing_links(listing(7), None, None).guess is None
    linked = listing_links(listing(10, '<a href="index_1.html">下一页</a>'), None, None)
    assert linked.guess is None and linked.pages == pages(["index_1.html"])


def test_a_script_drawn_pager_is_crawled_to_its_last_page(tmp_path: Path) -> None:
    """`nianbao crawl` on three columns: 23 reports and a notice over 3 script-paged pages, 13
    reports over a full unpaged first page and its index_1.html, and a lone full page whose
    index_1.html is a 404. Every report is fetched once, nothing else, and the 404 is no failure."""
    with serve_script_portal() as portal:
        sources = write_sources(tmp_path / "sources.toml", [
            (f"青禾县{column.folder}", "320831", portal.url(f"/{column.folder}/index.html")) for column in COLUMNS])
        result = nianbao("crawl", "--sources", str(sources), "--raw", str(tmp_path / "raw"), cwd=tmp_path)
        hits = portal.paths()
    assert result.returncode == 0, result.stderr
    reports = {path for column in COLUMNS for path in column.reports}
    listings = {path for column in COLUMNS for path in column.listings}
    assert len(reports) == 46
    assert hits == {"/robots.txt", *listings, *reports, script_pager.SINGLE.guessed_missing}
    assert STALE not in hits and NOTICE_PAGE not in hits
    records = list(RawStore(tmp_path / "raw").records())
    assert sorted(r.url for r in records if r.kind == "report") == sorted(portal.url(p) for p in reports)
    assert {r.url for r in records if r.kind == "listing"} == {portal.url(p) for p in listings}
    assert [r for r in records if r.error] == []
    assert "crawl: 52 fetched, 52 new, 0 unchanged, 0 failed" in result.stderr
