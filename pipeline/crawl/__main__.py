"""`python -m pipeline.crawl --raw DIR < config.json`: one crawl in a fresh process.

`run_crawl` starts this; people use `nianbao crawl`. The lock is taken before Scrapy is
even imported, so a second run fails within moments. Started with `--parent PID`, the crawl
dies with that process on Linux, even by SIGKILL, and the kernel then frees its lock.
"""
from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from pathlib import Path

from pipeline.config import config_from_json
from pipeline.crawl.lock import EXIT_LOCKED, CrawlLocked, crawl_lock
from pipeline.lifetime import die_with_parent

EXIT_FAILED = 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.crawl",
                                     description="Crawl into a raw/ directory; the config (JSON) comes on stdin.")
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--log-file", help="append the log here instead of stderr (Scrapy's LOG_FILE)")
    parser.add_argument("--parent", type=int, help="pid of the process to die with")
    parser.add_argument("--redis", help="Redis URL of a frontier shared with other crawl processes")
    args = parser.parse_args(argv)
    if args.parent is not None:
        die_with_parent(args.parent)  # every write to raw/ survives a SIGKILL, so nothing gentler is needed
    config = config_from_json(sys.stdin.read())
    try:  # a shared frontier hands each URL to one process: several crawl the same raw/ at once
        with nullcontext() if args.redis else crawl_lock(args.raw):
            from pipeline.crawl.process import crawl_blocking

            reason = crawl_blocking(config, args.raw, args.log_level, args.log_file, args.redis)
    except CrawlLocked as exc:
        print(f"nianbao crawl: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    return 0 if reason else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
