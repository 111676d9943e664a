"""`run_crawl`: crawl in a child process, then read what it did back from the fetch log.

A child process because Twisted's reactor cannot restart, and the CLI or a notebook may
crawl more than once. The log is the only channel back, so the numbers reported are
exactly what was stored, also after a crash.
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pipeline.config import CrawlConfig, config_to_json
from pipeline.crawl.lock import EXIT_LOCKED, CrawlError, CrawlLocked, CrawlUnusable, locked_message
from pipeline.model import SourceDoc
from pipeline.raw import FetchRecord, RawStore, snapshot_docs

_POLICY_ERRORS = {"host", "robots"}


@dataclass
class CrawlStats:
    """Counts of fetch-log rows written by one run, and the report documents it added."""

    seen: int = 0  # every row: fetched, failed or refused
    new: int = 0  # a body not in the store before
    unchanged: int = 0  # 304, or a body already stored
    failed: int = 0  # HTTP errors, timeouts, oversized bodies, unreachable hosts
    blocked: int = 0  # refused by robots.txt or the host allow-list: policy, not failure
    new_docs: list[SourceDoc] = field(default_factory=list)
    failures: list[FetchRecord] = field(default_factory=list)  # the rows of the pages not fetched
    urls: set[str] = field(default_factory=set)  # every URL the run tried
    started_at: datetime | None = None  # UTC
    finished_at: datetime | None = None

    @property
    def fetched(self) -> int:
        """Pages that answered with a body or a 304: what the crawl really got."""
        return self.new + self.unchanged


def run_crawl(config: CrawlConfig, raw_dir: Path, log_level: str = "INFO", log_file: Path | None = None,
              redis_url: str | None = None) -> CrawlStats:
    """Crawl every source into raw_dir; raises CrawlLocked if another crawl holds it. The
    crawl logs to stderr, or appends to `log_file`. With `redis_url` the frontier is shared with
    every crawl process using that Redis (crawl/shared.py).

    The crawl process is killed when the thread that called this ends, also by SIGKILL.
    """
    if redis_url:
        from pipeline.crawl.shared import check_redis

        if problem := check_redis(redis_url):
            raise CrawlUnusable(problem)
    started = _utc_now()
    raw_dir = Path(raw_dir)
    store = RawStore(raw_dir)
    known = {record.sha256 for record in store.records() if record.sha256}
    start = store.log_size()
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    child = subprocess.run(
        [sys.executable, "-m", "pipeline.crawl", "--raw", str(raw_dir), "--log-level", log_level,
         "--parent", str(os.getpid()), *(["--log-file", str(log_file)] if log_file else []),
         *(["--redis", redis_url] if redis_url else [])],
        input=config_to_json(config), text=True, env=env, check=False,
    )
    if child.returncode == EXIT_LOCKED:
        raise CrawlLocked(locked_message(raw_dir))
    if child.returncode != 0:
        raise CrawlError(f"the crawl process ended with exit code {child.returncode}; see its log "
                         f"{'in ' + str(log_file) if log_file else 'above'}")
    stats = summarize(store, list(store.records(start)), known)
    stats.started_at, stats.finished_at = started, _utc_now()
    return stats


def _utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)  # the warehouse's TIMESTAMPs are naive UTC


def summarize(store: RawStore, records: list[FetchRecord], known: Iterable[str]) -> CrawlStats:
    """Classify each row of a run; `known` holds the sha256s stored before it."""
    before = set(known)
    seen_bodies = set(before)
    stats = CrawlStats(seen=len(records), new_docs=snapshot_docs(store, records, known=before))
    for record in records:
        stats.urls.add(record.url)
        if record.error_code in _POLICY_ERRORS:
            stats.blocked += 1
        elif record.error:
            stats.failed += 1
            stats.failures.append(record)
        elif record.status == 304 or record.sha256 in seen_bodies:
            stats.unchanged += 1
        else:
            stats.new += 1
        if record.sha256:
            seen_bodies.add(record.sha256)
    return stats
