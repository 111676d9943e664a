"""The crawl against a loopback portal: what is stored, what is refused, and that
re-runs, killed runs and overlapping runs never fetch or store anything twice."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from fixtures.processes import processes_mentioning, wait_for

from pipeline import __version__
from pipeline.config import CrawlConfig, config_to_json, single_source_config
from pipeline.crawl import CrawlLocked, CrawlStats, run_crawl
from pipeline.crawl.lock import crawl_lock
from pipeline.raw import FetchRecord, RawStore
from portal import server
from portal.server import Hit, Portal, portal, trap  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[1]
NIANBAO = Path(sys.executable).with_name("nianbao")
CONTACT = "https://example.org/nianbao-tests"


@dataclass
class Crawl:
    raw: Path
    stats: CrawlStats
    records: list[FetchRecord]
    hits: list[Hit]


def portal_config(portal: Portal, **settings) -> CrawlConfig:
    config = single_source_config(portal.url("/zfxxgknb/index.html"), "青禾县人民政府", "320831", contact=CONTACT)
    fast = {"delay": 0, "max_bytes": 100_000, "timeout": 5, "retry_backoff": 0.1} | settings
    return replace(config, settings=replace(config.settings, **fast))


def crawl(portal: Portal, raw: Path, **settings) -> Crawl:
    portal.clear()
    stats = run_crawl(portal_config(portal, **settings), raw, log_level="WARNING")
    return Crawl(raw, stats, list(RawStore(raw).records()), list(portal.hits))


@pytest.fixture(scope="module")
def first(portal: Portal, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """One uninterrupted crawl into a fresh raw/; later tests compare against it."""
    return crawl(portal, tmp_path_factory.mktemp("raw"))


def urls(paths: tuple[str, ...] | list[str], portal: Portal) -> set[str]:
    return {portal.url(path) for path in paths}


def stored(records: list[FetchRecord]) -> dict[str, set[str]]:
    """URLs with a body, by kind."""
    kinds: dict[str, set[str]] = {}
    for record in records:
        if record.sha256:
            kinds.setdefault(record.kind, set()).add(record.url)
    return kinds


def test_stores_exactly_the_reports_attachments_and_listings(first: Crawl, portal: Portal) -> None:
    assert stored(first.records) == {
        "listing": urls(server.LISTINGS, portal),
        "report": urls(server.REPORTS, portal),
        "attachment": urls(server.ATTACHMENTS, portal),
    }
    snapshot_urls = {doc.url for doc in RawStore(first.raw).snapshots()}
    assert snapshot_urls == urls(server.REPORTS + server.ATTACHMENTS, portal)
    assert {doc.url for doc in first.stats.new_docs} == snapshot_urls
    assert {(doc.issuer, doc.adcode) for doc in first.stats.new_docs} == {("青禾县人民政府", "320831")}


def test_a_report_page_carries_the_pictures_fetched_with_it(first: Crawl, portal: Portal) -> None:
    """The PNG its content shows is stored with the page as referrer; the page's snapshot
    finds it by URL, so a page whose tables are pictures reads them from raw/."""
    from pipeline.read.images import fetcher

    docs = {doc.url: doc for doc in RawStore(first.raw).snapshots()}
    page = docs[portal.url(server.REPORTS[1])]
    picture = portal.url(server.ATTACHMENTS[1])
    assert list(page.extra["images"]) == [picture]
    assert fetcher(page)("./W020230315334455.png") == (server.SITE / server.ATTACHMENTS[1].lstrip("/")).read_bytes()
    assert "images" not in docs[portal.url(server.REPORTS[0])].extra


def test_refuses_robots_lookalikes_other_hosts_and_page_chrome(first: Crawl, trap: Portal) -> None:
    requested = {hit.path for hit in first.hits}
    assert server.ROBOTS_BLOCKED not in requested
    assert not requested & set(server.LOOKALIKES)
    assert "/images/logo.png" not in requested and "/" not in requested
    assert trap.hits == []
    errors = {record.url.split("/", 3)[3]: record.error_code for record in first.records if record.error}
    assert errors == {
        server.ROBOTS_BLOCKED[1:]: "robots",
        server.REDIRECT[1:]: "host",
        server.MISSING[1:]: "http",
        server.OVERSIZED[1:]: "too_large",
    }


def test_retries_the_flaky_page_and_waits_for_the_slow_one(first: Crawl) -> None:
    assert [hit.status for hit in first.hits if hit.path == server.FLAKY] == [500, 200]
    assert [hit.status for hit in first.hits if hit.path == server.SLOW] == [200]


def test_identifies_itself(first: Crawl) -> None:
    assert {hit.user_agent for hit in first.hits} == {f"nianbao/{__version__} (+{CONTACT})"}


def test_stats_of_the_first_run(first: Crawl) -> None:
    stats = first.stats
    assert (stats.seen, stats.new, stats.unchanged, stats.failed, stats.blocked) == (13, 9, 0, 2, 2)


def test_second_run_only_revalidates_listings(first: Crawl, portal: Portal, trap: Portal) -> None:
    again = crawl(portal, first.raw)
    pages = [hit for hit in again.hits if hit.path != "/robots.txt"]
    assert {hit.path for hit in pages} == set(server.LISTINGS)
    assert all(hit.conditional and hit.status == 304 for hit in pages)
    assert (again.stats.new, again.stats.unchanged, again.stats.failed, again.stats.new_docs) == (0, 2, 0, [])
    assert len(RawStore(first.raw).snapshots()) == len(server.REPORTS + server.ATTACHMENTS)
    assert trap.hits == []


def test_killed_run_resumes_to_the_same_result(first: Crawl, portal: Portal, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    slow = portal_config(portal, delay=0.4)
    child = subprocess.Popen([sys.executable, "-m", "pipeline.crawl", "--raw", str(raw), "--log-level", "ERROR"],
                             cwd=ROOT, stdin=subprocess.PIPE, text=True)
    child.stdin.write(config_to_json(slow))
    child.stdin.close()
    try:
        assert wait_for(lambda: any(r.kind == "report" and r.sha256 for r in RawStore(raw).records()), 30)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert stored(list(RawStore(raw).records())).get("report") != urls(server.REPORTS, portal), "killed too late"

    resumed = crawl(portal, raw)
    store, reference = RawStore(raw), RawStore(first.raw)
    assert {(doc.url, doc.extra["sha256"]) for doc in store.snapshots()} == \
        {(doc.url, doc.extra["sha256"]) for doc in reference.snapshots()}
    assert objects(raw) == objects(first.raw)
    assert {record.url for record in resumed.records} == {record.url for record in first.records}
    bodies = [record.url for record in resumed.records if record.sha256 and record.kind != "listing"]
    assert len(bodies) == len(set(bodies)), "a report or attachment was stored twice"
    resumed_rows = warehouse_rows(raw, tmp_path / "resumed.duckdb")
    assert resumed_rows["reports"], "the portal's reports did not reach the warehouse"
    assert resumed_rows == warehouse_rows(first.raw, tmp_path / "reference.duckdb")


def warehouse_rows(raw: Path, warehouse: Path) -> dict[str, list[tuple]]:
    """What processing a raw store puts in the warehouse, without run-specific columns."""
    import duckdb

    from pipeline.runner import process_documents

    process_documents(RawStore(raw).snapshots(), warehouse, workers=1)
    queries = {
        "documents": "SELECT doc_id, url, content_type, bytes FROM documents ORDER BY doc_id",
        "reports": "SELECT report_id, title, issuer, adcode, year, format FROM reports ORDER BY report_id",
        "figures": "SELECT report_id, figure_id, key, value, start, \"end\" FROM figures ORDER BY report_id, figure_id",
        "errors": "SELECT doc_id, reason FROM errors ORDER BY doc_id",
    }
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {name: con.execute(sql).fetchall() for name, sql in queries.items()}


def test_a_killed_crawl_command_takes_its_crawler_and_lock_with_it(portal: Portal, tmp_path: Path) -> None:
    raw = tmp_path / "raw"  # unique to this test: the marker in both command lines
    command = subprocess.Popen(
        [str(NIANBAO), "crawl", "--listing", portal.url("/zfxxgknb/index.html"), "--issuer", "青禾县人民政府",
         "--adcode", "320831", "--raw", str(raw)],  # the default 1 s delay: killed long before the end
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: RawStore(raw).log_size() > 0, 30)
        crawlers = [pid for pid, line in processes_mentioning(str(raw)).items() if "pipeline.crawl" in line]
        assert len(crawlers) == 1 and crawlers[0] != command.pid
    finally:
        os.kill(command.pid, signal.SIGKILL)
        command.wait()
    try:
        assert wait_for(lambda: not processes_mentioning(str(raw)), 5)
    finally:
        for orphan in processes_mentioning(str(raw)):  # should the test fail, leave nothing running
            os.kill(orphan, signal.SIGKILL)
    resumed = crawl(portal, raw)  # takes the lock at once
    assert resumed.stats.seen > 0


def test_a_second_concurrent_run_fails_fast(portal: Portal, tmp_path: Path) -> None:
    portal.clear()
    with crawl_lock(tmp_path):
        started = time.monotonic()
        with pytest.raises(CrawlLocked, match="another crawl is running"):
            run_crawl(portal_config(portal), tmp_path)
        assert time.monotonic() - started < 10
    assert portal.hits == []


def test_page_budget_stops_the_run_early(portal: Portal, tmp_path: Path) -> None:
    budgeted = crawl(portal, tmp_path, max_pages=2)
    assert 0 < budgeted.stats.seen < 13


def objects(raw: Path) -> set[str]:
    return {path.name for path in (raw / "objects").glob("*/*")}
