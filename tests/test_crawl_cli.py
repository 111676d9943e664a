"""End to end through the CLI: `nianbao run --sources` crawls the loopback portal into a
warehouse, and running it again adds nothing and fetches no report page again."""
from __future__ import annotations

from pathlib import Path

import duckdb
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.crawl.lock import crawl_lock
from portal import server
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
    assert "crawl: 13 fetched, 9 new" in first.output
    expected = [("青禾县人民政府", "320831", year) for year in (2019, 2020, 2021, 2022, 2023)]
    assert reports(warehouse) == expected

    portal.clear()
    second = CliRunner().invoke(app, args)
    assert second.exit_code != 2, second.output
    assert "crawl: 2 fetched, 0 new, 2 unchanged, 0 failed" in second.output
    assert reports(warehouse) == expected
    assert {hit.path for hit in portal.hits} == {"/robots.txt", *server.LISTINGS}
    assert trap.hits == []


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
