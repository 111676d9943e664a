"""A crawl in the warehouse: its `runs` row (command `crawl`) and one `errors` row per page it
could not fetch, written through the warehouse's one writing path (store.connect: a work copy
published whole, under the run lock)."""
from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd

from pipeline.crawl.run import CrawlStats
from pipeline.store import connect, execute, record_run


def record_crawl(warehouse: Path, stats: CrawlStats) -> str:
    """Store the crawl's row and its failed pages; returns the run id. A page's earlier crawl
    error rows are replaced by this crawl's outcome, so `errors` holds what is failing now.
    Raises store.WarehouseError (one line) when the warehouse cannot be written."""
    run_id = uuid.uuid4().hex[:12]
    with connect(warehouse) as con:
        record_run(con, {"run_id": run_id, "command": "crawl", "started_at": stats.started_at,
                         "finished_at": stats.finished_at, "documents": len(stats.new_docs),
                         "fetched": stats.fetched, "new": stats.new, "unchanged": stats.unchanged,
                         "failed": stats.failed, "refused": stats.blocked,
                         "status": "failed-pages" if stats.failed else "ok"})
        con.register("crawled_urls", pd.DataFrame({"url": sorted(stats.urls)}, dtype="string"))
        execute(con, "DELETE FROM errors WHERE doc_id IS NULL AND url IN (SELECT url FROM crawled_urls)")
        con.unregister("crawled_urls")
        rows = pd.DataFrame([{"run_id": run_id, "url": record.url, "reason": record.error,
                              "occurred_at": _naive_utc(record.fetched_at)} for record in stats.failures],
                            columns=["run_id", "url", "reason", "occurred_at"])
        if len(rows):
            con.register("failed_pages", rows)
            execute(con, "INSERT INTO errors BY NAME SELECT * FROM failed_pages")
            con.unregister("failed_pages")
    return run_id


def _naive_utc(stamp: str) -> pd.Timestamp:
    return pd.Timestamp(stamp).tz_convert("UTC").tz_localize(None)
