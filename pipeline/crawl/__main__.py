"""`python -m pipeline.crawl --raw DIR < config.json`: one crawl in a fresh process.

`run_crawl` starts this; people use `nianbao crawl`. The lock is taken before Scrapy is
even imported, so a second run fails within moments. Started with `--parent PID`, the crawl
dies with that process on Linux, even by SIGKILL, and the kernel then frees its lock.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import signal
import sys
from pathlib import Path

from pipeline.config import config_from_json
from pipeline.crawl.lock import EXIT_LOCKED, CrawlLocked, crawl_lock

EXIT_FAILED = 1
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.crawl",
                                     description="Crawl into a raw/ directory; the config (JSON) comes on stdin.")
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--parent", type=int, help="pid of the process to die with")
    args = parser.parse_args(argv)
    if args.parent is not None:
        _die_with(args.parent)
    config = config_from_json(sys.stdin.read())
    try:
        with crawl_lock(args.raw):
            from pipeline.crawl.process import crawl_blocking

            reason = crawl_blocking(config, args.raw, args.log_level)
    except CrawlLocked as exc:
        print(f"nianbao crawl: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    return 0 if reason else EXIT_FAILED


def _die_with(parent: int) -> None:
    """Have the kernel SIGKILL this process when `parent` (the thread that started it) ends.

    Every write to raw/ survives a SIGKILL, so nothing gentler is needed. The parent may
    have died before the request was made: then this process was already handed to
    another parent, and it stops here.
    """
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        sys.exit(EXIT_FAILED)


if __name__ == "__main__":
    sys.exit(main())
