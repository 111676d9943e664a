"""The hostile-input run of issue 13: `nianbao run` over 60 good reports mixed with the bad
inputs of tests/fixtures/hostile.py (three copies of one PDF, a 100,000-deep page, a .docx
holding 1 GiB, a gzip bomb, a 2,000-page PDF, a GBK page without a charset).

Prints the wall time, the peak memory of the whole process tree (the sum of the resident
sizes of `nianbao run` and its workers, sampled every 50 ms), the exit code and the rows
stored; last line: `hostile seconds=… peak_tree_mb=… exit=… tracebacks=…`."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fixtures.hostile import write_corpus  # noqa: E402
from fixtures.processes import children  # noqa: E402


def _rss_mb(pid: int) -> float:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _tree(pid: int) -> set[int]:
    found, todo = {pid}, [pid]
    while todo:
        kids = children(todo.pop()) - found
        found |= kids
        todo.extend(kids)
    return found


def _sample_peak(pid: int, stop: threading.Event, peak: list[float]) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], sum(_rss_mb(p) for p in _tree(pid)))
        time.sleep(0.05)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="nianbao-hostile-"))
    try:
        folder, warehouse = work / "docs", work / "w.duckdb"
        write_corpus(folder, good=60)
        print(f"corpus: {sum(1 for _ in folder.iterdir())} files, {sum(f.stat().st_size for f in folder.iterdir()) / 1e6:.0f} MB")
        began = time.perf_counter()
        proc = subprocess.Popen([str(Path(sys.executable).with_name("nianbao")), "run", str(folder), "--warehouse", str(warehouse),
                                 "--quiet"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        stop, peak = threading.Event(), [0.0]
        sampler = threading.Thread(target=_sample_peak, args=(proc.pid, stop, peak))
        sampler.start()
        stderr = proc.communicate()[1]
        seconds = time.perf_counter() - began
        stop.set()
        sampler.join()
        with duckdb.connect(str(warehouse), read_only=True) as con:
            stored = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("documents", "reports", "errors")}
        print(stderr.strip())
        print(f"stored: {stored}")
        print(f"hostile seconds={seconds:.1f} peak_tree_mb={peak[0]:.0f} exit={proc.returncode} "
              f"tracebacks={stderr.count('Traceback')}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
