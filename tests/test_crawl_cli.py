"""End to end through the CLI: `nianbao run --sources` crawls the loopback portal into a
warehouse, and running it again adds nothing and fetches no report page again; the crawl's
log, its record in the warehouse, and the links a page yields (`links`, `crawl --dry-run`)."""
from __future__ import annotations

import re
import socket
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.crawl.lock import crawl_lock
from pipeline.raw import RawStore
from portal import server
from portal.commands import nianbao, write_sources
from portal.server import Portal, portal, trap  # noqa: F401 (fixtures)


def sources_file(tmp_path: Path, listing: str, adcode: str = "320831") -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(f"""\
[crawl]
user_agent_contact = "https://example.org/nianbao-tests"
delay = 0
max_bytes = 100_000
timeout = 5
retry_backoff = 0.1

[[source]]
name = "青禾县人民政府"
adcode = "{adcode}"
listing = "{listing}"
""", encoding="utf-8")
    return path


def reports(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql("select issuer, adcode, year from reports order by year").fetchall()


def test_run_crawls_then_loads_and_a_rerun_adds_nothing(portal: Portal, trap: Portal, tmp_path: Path) -> None:
    sources = sources_file(tmp_path, portal.url("/zfxxgknb/index.html"))
    warehouse = tmp_path / "nianbao.duckdb"
    args = ["run", "--sources", str(sources), "--raw", str(tmp_path / "raw"), "--warehouse", str(warehouse), "-q"]

    first = CliRunner().invoke(app, args)
    assert first.exit_code == 1, first.output  # the portal has a dead link and an oversized page
    assert "crawl: 9 fetched, 9 new, 0 unchanged, 2 failed, 2 refused" in first.output  # failures are not fetched
    expected = [("青禾县人民政府", "320831", year) for year in (2019, 2020, 2021, 2022, 2023)]
    assert reports(warehouse) == expected

    portal.clear()
    second = CliRunner().invoke(app, args)
    assert second.exit_code != 2, second.output
    assert "crawl: 2 fetched, 0 new, 2 unchanged, 0 failed" in second.output
    assert reports(warehouse) == expected
    assert {hit.path for hit in portal.hits} == {"/robots.txt", *server.LISTINGS}
    assert trap.hits == []
    with duckdb.connect(str(warehouse), read_only=True) as con:  # each crawl recorded before its run
        assert con.sql("select command, fetched from runs order by started_at").fetchall() == [
            ("crawl", 9), ("run", None), ("crawl", 2), ("run", None)]


def test_crawl_command_reports_a_bad_sources_file_with_its_line(tmp_path: Path) -> None:
    sources = sources_file(tmp_path, "http://www.qinghe.example/zfxxgknb/index.html", adcode="3209")
    result = CliRunner().invoke(app, ["crawl", "--sources", str(sources), "--raw", str(tmp_path / "raw")])
    assert result.exit_code == 2
    assert f"{sources}:10: adcode must be 6 digits, got '3209'" in result.output


def test_crawl_command_needs_a_source(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["crawl", "--listing", "http://www.qinghe.example/", "--raw", str(tmp_path)])
    assert result.exit_code == 2
    assert "--listing needs --issuer and --adcode" in result.output


def test_crawl_command_refuses_to_overlap_a_running_crawl(portal: Portal, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    args = ["crawl", "--listing", portal.url("/zfxxgknb/index.html"), "--issuer", "青禾县人民政府",
            "--adcode", "320831", "--raw", str(raw)]
    with crawl_lock(raw):
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "another crawl is running" in result.output


def closed_port(host: str) -> int:
    """A loopback port nothing listens on: connections to it are refused."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d "  # Scrapy's LOG_DATEFORMAT, and the summary's


def test_crawl_logs_to_a_file_one_line_per_dead_host_and_is_recorded(portal: Portal, tmp_path: Path) -> None:
    """Items 6 and 7: a refused host is one log line (no traceback) for its two pages; the summary
    counts only what was fetched; the crawl is a `runs` row and its failed pages `errors` rows,
    which `nianbao status` shows; a second crawl of the dead host appends to the log at its own
    level and replaces, not repeats, the error rows of the pages it tried again."""
    dead = f"http://127.0.0.3:{closed_port('127.0.0.3')}"  # its own download slot, beside the portal's
    sources = write_sources(tmp_path / "sources.toml", [
        ("青禾县人民政府", "320831", portal.url("/zfxxgknb/index.html")),
        ("青禾县财政局", "320831", f"{dead}/gknb/index.html"),
        ("青禾县教育局", "320831", f"{dead}/jyj/index.html")], crawl="max_bytes = 100_000\n")
    log, warehouse = tmp_path / "crawl.log", tmp_path / "nianbao.duckdb"
    args = ["crawl", "--sources", str(sources), "--raw", str(tmp_path / "raw"), "-w", str(warehouse),
            "--log-file", str(log)]

    first = nianbao(*args, cwd=tmp_path)
    assert first.returncode == 1, first.stderr
    [summary] = first.stderr.splitlines()  # the log went to the file
    assert re.fullmatch(STAMP + r"\[nianbao\] INFO: crawl: 9 fetched, 9 new, 0 unchanged, 4 failed, 2 refused .*",
                        summary), summary
    text = log.read_text(encoding="utf-8")
    assert "Traceback" not in text
    assert all(re.match(STAMP, line) for line in text.splitlines()), text
    assert [line for line in text.splitlines() if "cannot be reached" in line] == [
        line for line in text.splitlines() if dead.removeprefix("http://") in line]
    assert len([line for line in text.splitlines() if "cannot be reached" in line]) == 1
    assert text.rstrip().endswith(summary)
    records = list(RawStore(tmp_path / "raw").records())
    assert sum(1 for r in records if r.sha256) == 9 and len(records) == 15

    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = con.sql("select command, fetched, new, unchanged, failed, refused, status, "
                       "finished_at >= started_at from runs").fetchall()
        errors = con.sql("select url, reason from errors where doc_id is null order by url").fetchall()
    assert runs == [("crawl", 9, 9, 0, 4, 2, "failed-pages", True)]
    assert [url for url, _ in errors] == sorted([f"{dead}/gknb/index.html", f"{dead}/jyj/index.html",
                                                 portal.url(server.OVERSIZED), portal.url(server.MISSING)])
    assert all(reason.startswith(("network: ", "http: HTTP 404", "too_large: ")) for _, reason in errors)

    status = nianbao("status", "-w", str(warehouse), cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert "last crawls" in status.stdout and "pages not fetched" in status.stdout
    assert "DownloadConnectionRefusedError" in status.stdout

    dead_only = write_sources(tmp_path / "dead.toml", [("青禾县财政局", "320831", f"{dead}/gknb/index.html"),
                                                       ("青禾县教育局", "320831", f"{dead}/jyj/index.html")])
    second = nianbao("crawl", "--sources", str(dead_only), *args[3:], "--log-level", "WARNING", cwd=tmp_path)
    assert second.returncode == 1
    assert "crawl: 0 fetched, 0 new, 0 unchanged, 2 failed" in second.stderr
    appended = log.read_text(encoding="utf-8").removeprefix(text)
    assert appended and " INFO: " not in appended.splitlines()[0] and "cannot be reached" in appended
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.sql("select count(*) from runs where command = 'crawl'").fetchall() == [(2,)]
        assert con.sql("select url from errors where doc_id is null order by url").fetchall() == [
            (url,) for url, _ in errors]  # the portal's pages were not tried again: their rows stay


def test_bad_log_options_are_one_line_and_exit_2(tmp_path: Path) -> None:
    args = ["crawl", "--listing", "http://127.0.0.1:9/", "--issuer", "青禾县人民政府", "--adcode", "320831",
            "--raw", str(tmp_path / "raw")]
    level = nianbao(*args, "--log-level", "LOUD", cwd=tmp_path)
    assert level.returncode == 2
    assert level.stderr.strip() == "nianbao: --log-level LOUD: not one of CRITICAL, ERROR, WARNING, INFO, DEBUG"
    log = tmp_path / "no" / "crawl.log"
    folder = nianbao(*args, "--log-file", str(log), cwd=tmp_path)
    assert (folder.returncode, folder.stderr.strip()) == (2, f"nianbao: --log-file {log}: no such folder {log.parent}")
    assert not (tmp_path / "raw").exists()


def test_links_prints_what_one_page_yields_and_fetches_only_it(portal: Portal, tmp_path: Path) -> None:
    """Item 8: `nianbao links URL` as `scrapy parse`: the reports, the next page, nothing fetched
    but the page itself; a --link-pattern narrows the reports; a report page shows its attachments."""
    portal.clear()
    listing = portal.url("/zfxxgknb/index.html")
    result = nianbao("links", listing, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(kind, url) for kind, url, *_ in rows] == [
        ("report", portal.url("/zfxxgknb/202403/t20240320_1001.html")),
        ("report", portal.url("/zfxxgknb/202303/t20230315_0901.html")),
        ("report", portal.url(server.ROBOTS_BLOCKED)),
        ("report", portal.url("/zfxxgknb/202203/t20220310_0801.html")),
        ("report", portal.url(server.MISSING)),
        ("page", portal.url("/zfxxgknb/index_1.html"))]
    assert rows[0][2] == "青禾县2023年政府信息公开工作年度报告 青禾县2023年政府信息公开工作年度报告"
    assert result.stderr.strip() == f"{listing}: 5 reports, 1 further pages, 0 attachments"
    assert [hit.path for hit in portal.hits] == ["/zfxxgknb/index.html"]

    narrowed = nianbao("links", listing, "--link-pattern", r"/2024\d\d/", cwd=tmp_path)
    assert [line.split("\t")[:2] for line in narrowed.stdout.splitlines()] == [
        ["report", portal.url("/zfxxgknb/202403/t20240320_1001.html")], ["page", portal.url("/zfxxgknb/index_1.html")]]
    report = nianbao("links", portal.url(server.REPORTS[0]), cwd=tmp_path)
    assert [line.split("\t")[:2] for line in report.stdout.splitlines()] == [  # its link is titled as a report
        ["report", portal.url(server.ATTACHMENTS[0])], ["attachment", portal.url(server.ATTACHMENTS[0])]]

    bad = nianbao("links", listing, "--link-selector", "ul..list", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("nianbao: --link-selector: link_selector is not valid CSS")
    missing = nianbao("links", portal.url("/nothing/here.html"), cwd=tmp_path)
    assert (missing.returncode, missing.stderr.strip()) == (1, f"nianbao: {portal.url('/nothing/here.html')}: HTTP 404")


def test_crawl_dry_run_previews_every_listing_and_stores_nothing(portal: Portal, tmp_path: Path) -> None:
    portal.clear()
    sources = write_sources(tmp_path / "sources.toml", [
        ("青禾县人民政府", "320831", portal.url("/zfxxgknb/index.html"))])
    sources.write_text(sources.read_text(encoding="utf-8") + 'link_selector = "ul.list li:first-child"\n',
                       encoding="utf-8")
    result = nianbao("crawl", "--sources", str(sources), "--dry-run", "--raw", str(tmp_path / "raw"),
                     "-w", str(tmp_path / "w.duckdb"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"# 青禾县人民政府 {portal.url('/zfxxgknb/index.html')}"
    assert [line.split("\t")[:2] for line in result.stdout.splitlines()[1:]] == [
        ["report", portal.url("/zfxxgknb/202403/t20240320_1001.html")], ["page", portal.url("/zfxxgknb/index_1.html")]]
    assert [hit.path for hit in portal.hits] == ["/zfxxgknb/index.html"]
    assert not (tmp_path / "raw").exists() and not (tmp_path / "w.duckdb").exists()


def test_network_failures_in_scrapys_own_log_lines_carry_no_traceback() -> None:
    """Scrapy's robots.txt middleware logs a failed download with its traceback: for a host
    that cannot be reached (DNS, refused) the line is dropped, since the spider says it once per
    host; for a timeout the line stays, without the traceback."""
    import logging
    import sys

    from scrapy.exceptions import CannotResolveHostError, DownloadTimeoutError

    from pipeline.crawl.process import _NoNetworkTracebacks

    def record(error: Exception) -> logging.LogRecord:
        try:
            raise error
        except Exception:
            return logging.LogRecord("scrapy.downloadermiddlewares.robotstxt", logging.ERROR, __file__, 1,
                                     "Error downloading %s", ("robots.txt",), sys.exc_info())

    keep = _NoNetworkTracebacks()
    assert not keep.filter(record(CannotResolveHostError("DNS lookup failed: no results")))
    timeout = record(DownloadTimeoutError("took longer than 5 s"))
    assert keep.filter(timeout) and timeout.exc_info is None
    bug = record(KeyError("a bug"))
    assert keep.filter(bug) and bug.exc_info is not None
