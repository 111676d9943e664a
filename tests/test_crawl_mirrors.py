"""`nianbao run --listing` against saved copies of real portal structures (tests/portal_mirrors/).

Each mirror is a `wget --mirror` tree of one annual-report column of a CMS family — TRS WCM,
Hanweb jcms, a generic .shtml county site — served as-is on loopback (no robots.txt). The run
must put into `reports` exactly the annual reports the listing pages link, fetch no lookalike
and no other host, and a second run must add nothing and fetch no report page again.
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipeline.raw import RawStore
from portal.mirror import serve_mirror

ROOT = Path(__file__).resolve().parents[1]
NIANBAO = Path(sys.executable).with_name("nianbao")


@dataclass(frozen=True)
class Case:
    name: str
    listing: str
    issuer: str
    adcode: str
    years: tuple[int, ...]  # one report per year
    listings: frozenset[str]  # every request target the run may make, by kind
    reports: frozenset[str]
    attachments: frozenset[str]
    lookalikes: frozenset[str]  # in the mirror and linked from the listing, never to be fetched
    off_host: frozenset[str]  # linked report URLs on other hosts: refused, never contacted


TRS_DIR = "/zwgk/zfxxgk/zfxxgknb"
GEN_DIR = "/xxgk/xxgknb"

CASES = [
    Case(
        name="trs", listing=f"{TRS_DIR}/index.html", issuer="碧川区人民政府", adcode="330127",
        years=(2017, 2018, 2019, 2020, 2021, 2022, 2023),
        listings=frozenset({f"{TRS_DIR}/index.html", f"{TRS_DIR}/index_1.html"}),  # index_1 only via createPageHTML
        reports=frozenset(f"{TRS_DIR}/{p}" for p in (
            "202401/t20240117_4123456.html", "202301/t20230118_3987654.html", "202201/t20220120_3800001.html",
            "202101/t20210125_3600002.html", "202001/t20200120_3400003.html",
            "201903/t20190325_3200004.html",  # 二〇一八年度…
            "201803/t20180326_3000005.htm",  # 二〇一七年度…, .htm, no report title in <title>
        )),
        attachments=frozenset({f"{TRS_DIR}/202301/P020230118512345678901.pdf"}),  # the 2022 report, PDF only
        lookalikes=frozenset({f"{TRS_DIR}/202312/t20231201_4088123.html", f"{TRS_DIR}/201903/t20190301_3199000.html"}),
        off_host=frozenset(),
    ),
    Case(
        name="hanweb", listing="/col/col1234/index.html", issuer="梧溪县人民政府", adcode="330122",
        years=(2017, 2018, 2019, 2020, 2021, 2022, 2023),
        listings=frozenset({"/col/col1234/index.html"}),
        reports=frozenset({  # the last three only inside <script type="text/xml"> CDATA records
            "/art/2024/1/17/art_1234_567890.html", "/art/2023/1/30/art_1234_551234.html",
            "/art/2022/1/28/art_1234_498765.html", "/art/2021/1/29/art_1234_451122.html",
            "/art/2020/1/21/art_1234_402211.html", "/art/2019/3/28/art_1234_356789.html",
            "/art/2018/3/30/art_1234_301234.html",
        }),
        attachments=frozenset({"/module/download/downfile.jsp?classid=0&filename=2001211530456789.pdf"}),
        lookalikes=frozenset({"/art/2023/2/8/art_1234_556677.html"}),
        off_host=frozenset(),
    ),
    Case(
        name="generic", listing=f"{GEN_DIR}/index.shtml", issuer="柳塘县人民政府", adcode="440523",
        years=(2018, 2019, 2020, 2021, 2022, 2023),
        listings=frozenset({f"{GEN_DIR}/index.shtml", f"{GEN_DIR}/index.shtml?page=2"}),
        reports=frozenset(f"{GEN_DIR}/{p}.shtml" for p in (
            "202401/7d6dc281a0f9aabf1daa1353f182c0a9", "202301/611267492559b9faa736699cd5172ade",
            "202201/711a108247ff563909b92a9206435040", "202101/12586225d803bf04ad509c3cc8d78ce0",
            "202001/66574105000f35e806e66709be27ff96",  # linked as 查看 beside a plain title cell
            "201903/32a76ce5bccad9e171fe056ea9cb8490",  # GBK
        )),
        attachments=frozenset(),
        lookalikes=frozenset({
            f"{GEN_DIR}/202312/228f6875783160f030844007d2cef72a.shtml",  # 关于做好…编制发布工作的通知
            f"{GEN_DIR}/202302/b39a5cb7dca152d569ee8eea3ac0fc9b.shtml",  # 一图读懂…
            f"{GEN_DIR}/202302/ceed8d5b9dac4f8f8b5fc7424426b80a.shtml",  # …（解读）
            f"{GEN_DIR}/202203/e3baa49fc901e0b1d8fe21a7bc710099.shtml",  # 政务公开工作要点
            "/xxgk/tjxx/202203/d33777f70843a54ebddccc0ad0f14c8f.shtml",  # 统计年报
            "/xxgk/zfgzbg/202202/481bdac8cda8f599171ffd6951f2a9d0.shtml",  # 政府工作报告
        }),
        off_host=frozenset({"http://fgj.liutang.example/fgj/gknb/202301/44f4f532201b352fed8b56261629dcab.shtml"}),
    ),
]


def nianbao_run(listing: str, case: Case, tmp: Path, *, on_command_line: bool) -> subprocess.CompletedProcess:
    """`nianbao run --listing …` as a user types it (default politeness: 1 s between requests),
    or the same source from a sources file with no delay, to keep the suite quick."""
    assert NIANBAO.exists(), f"{NIANBAO}: the console script is not installed"
    if on_command_line:
        source = ["--listing", listing, "--issuer", case.issuer, "--adcode", case.adcode]
    else:
        sources = tmp / "sources.toml"
        sources.write_text(f"""\
[crawl]
user_agent_contact = "https://example.org/nianbao-tests"
delay = 0
timeout = 10
retry_backoff = 0.1

[[source]]
name = "{case.issuer}"
adcode = "{case.adcode}"
listing = "{listing}"
""", encoding="utf-8")
        source = ["--sources", str(sources)]
    args = [str(NIANBAO), "run", *source, "--raw", str(tmp / "raw"), "--warehouse", str(tmp / "nianbao.duckdb"), "-q"]
    return subprocess.run(args, cwd=tmp, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def reports(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql("select r.issuer, r.adcode, r.year, d.url from reports r join documents d using (doc_id) "
                       "order by r.year").fetchall()


def crawl_twice(case: Case, tmp: Path, *, on_command_line: bool = False) -> None:
    with serve_mirror(case.name) as mirror:
        first = nianbao_run(mirror.url(case.listing), case, tmp, on_command_line=on_command_line)
        assert first.returncode == 0, first.stderr
        documents = case.reports | case.attachments
        assert not mirror.targets() & case.lookalikes
        assert {(r.target, r.status) for r in mirror.requests} == \
            {("/robots.txt", 404)} | {(target, 200) for target in case.listings | documents}
        assert sorted(r.target for r in mirror.requests if r.target in documents) == sorted(documents)  # once each

        loaded = reports(tmp / "nianbao.duckdb")
        assert [year for _, _, year, _ in loaded] == list(case.years)
        assert {(issuer, adcode) for issuer, adcode, _, _ in loaded} == {(case.issuer, case.adcode)}
        assert {url for *_, url in loaded} <= {mirror.url(target) for target in documents}

        records = list(RawStore(tmp / "raw").records())
        assert {record.url for record in records if record.error_code == "host"} == set(case.off_host)
        assert [record.url for record in records if record.error and record.error_code != "host"] == []

        mirror.clear()
        second = nianbao_run(mirror.url(case.listing), case, tmp, on_command_line=on_command_line)
        assert second.returncode == 0, second.stderr
        assert ", 0 new," in second.stderr and "; 0 new documents" in second.stderr, second.stderr
        pages = [r for r in mirror.requests if r.target != "/robots.txt"]
        assert {r.target for r in pages} == case.listings
        assert all(r.conditional and r.status == 304 for r in pages)
        assert reports(tmp / "nianbao.duckdb") == loaded


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_run_loads_exactly_the_linked_reports(case: Case, tmp_path: Path) -> None:
    crawl_twice(case, tmp_path)


def test_run_listing_on_the_command_line(tmp_path: Path) -> None:
    """The acceptance command itself, with its default 1 s delay, on the mirror with most traps."""
    crawl_twice(next(case for case in CASES if case.name == "generic"), tmp_path, on_command_line=True)
