"""`nianbao crawl --redis`: crawl processes sharing one frontier in Redis (a redis-server on a free
loopback port, no persistence) crawl the loopback portal into one raw store: every report and
attachment fetched once, the host's delay kept across processes, and a crawler killed mid-way
loses nothing."""
from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.raw import RawStore
from portal import server
from portal.server import Portal, portal, trap  # noqa: F401 (fixtures)

NIANBAO = Path(sys.executable).with_name("nianbao")
DELAY = 0.25
_BOUND = 120  # seconds for any crawl process; a hung one fails the test


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (Debian: apt-get install redis-server); .ci/run installs it")
    port = _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture()
def fresh(redis_url: str, portal: Portal) -> str:
    import redis

    redis.Redis.from_url(redis_url).flushall()
    portal.clear()
    return redis_url


def sources_file(tmp_path: Path, listing: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(f"""\
[crawl]
user_agent_contact = "https://example.org/nianbao-tests"
delay = {DELAY}
max_bytes = 100_000
timeout = 3
deadline = 4
retry_backoff = 0.1

[[source]]
name = "青禾县人民政府"
adcode = "320831"
listing = "{listing}"
""", encoding="utf-8")
    return path


def crawler(sources: Path, raw: Path, url: str) -> subprocess.Popen:
    return subprocess.Popen([str(NIANBAO), "crawl", "--sources", str(sources), "--raw", str(raw), "--redis", url],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finished(proc: subprocess.Popen) -> int:
    try:
        proc.wait(timeout=_BOUND)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"a crawl process ran past {_BOUND} s")
    return proc.returncode


def stored_urls(raw: Path) -> set[str]:
    return {record.url for record in RawStore(raw).records() if record.sha256}


WANTED = set(server.REPORTS) | set(server.ATTACHMENTS)


def test_two_crawlers_fetch_every_report_once_and_keep_the_delay(fresh: str, portal: Portal, trap: Portal,
                                                                 tmp_path: Path) -> None:
    sources, raw = sources_file(tmp_path, portal.url("/zfxxgknb/index.html")), tmp_path / "raw"
    procs = [crawler(sources, raw, fresh) for _ in range(2)]
    codes = [finished(proc) for proc in procs]
    assert all(code in (0, 1) for code in codes), [proc.stderr.read() for proc in procs]  # 1: the dead link
    answered = Counter(hit.path for hit in portal.hits if hit.status == 200)
    assert {path: answered[path] for path in WANTED} == {path: 1 for path in WANTED}
    assert {portal.url(path) for path in WANTED} <= stored_urls(raw)
    arrivals = sorted(hit.at for hit in portal.hits)
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:])]
    assert min(gaps) >= DELAY, f"two requests {min(gaps):.3f} s apart; the delay is {DELAY} s"
    assert trap.hits == []


def test_a_crawler_killed_mid_way_loses_nothing(fresh: str, portal: Portal, tmp_path: Path) -> None:
    sources, raw = sources_file(tmp_path, portal.url("/zfxxgknb/index.html")), tmp_path / "raw"
    doomed = crawler(sources, raw, fresh)
    deadline = time.monotonic() + _BOUND
    while sum(hit.path in WANTED for hit in portal.hits) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    survivor = crawler(sources, raw, fresh)
    doomed.send_signal(signal.SIGKILL)  # its crawl process dies with it (lifetime.die_with_parent)
    doomed.wait(timeout=10)
    left = {portal.url(path) for path in WANTED} - stored_urls(raw)
    assert left, "the killed crawler had work left"
    assert finished(survivor) in (0, 1), survivor.stderr.read()
    assert {portal.url(path) for path in WANTED} <= stored_urls(raw)


def test_unreachable_redis_is_one_line_and_exit_2(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{_free_port()}/0"  # nobody listens there
    sources = sources_file(tmp_path, "http://127.0.0.1:9/zfxxgknb/index.html")
    done = subprocess.run([str(NIANBAO), "crawl", "--sources", str(sources), "--raw", str(tmp_path / "raw"),
                           "--redis", url], capture_output=True, text=True, timeout=_BOUND)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"nianbao: cannot use Redis at {url}")
    assert not (tmp_path / "raw").exists(), "nothing fetched"
