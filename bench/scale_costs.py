"""The figures of docs/scale.md: what one document costs by kind, and how fast the one writer
loads a cluster's staged partitions into DuckDB.

1. Every document of raw/samples and ../shared/corpus (when present) through `process_path`
   in this process, twice; the second, warm pass is timed, grouped by the medium read.
2. The results written as Parquet partitions (`store.write_partition`, as workers do), COPIES
   times under fresh document ids, then loaded by `store.load_partitions` into a new warehouse
   through the publishing connection; rows/s counts every row of the five tables.

Last line: `scale html_s=… pdf_s=… text_s=… load_rows=… load_rows/s=…`."""
from __future__ import annotations

import hashlib
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.process import Result, process_path  # noqa: E402
from pipeline.runner import collect  # noqa: E402
from pipeline.store import connect, load_partitions, scalar, write_partition  # noqa: E402

COPIES = 200  # a few hundred thousand figure rows: a county's decade, loaded at once


def per_document(paths: list[Path]) -> tuple[dict[str, list[float]], list[Result]]:
    for path in paths:  # cold pass: imports, jieba's dictionary
        process_path(path)
    seconds: dict[str, list[float]] = defaultdict(list)
    results = []
    for path in paths:
        start = time.perf_counter()
        result = process_path(path)
        seconds[result.medium or "unreadable"].append(time.perf_counter() - start)
        results.append(result)
    return seconds, results


def _copy(result: Result, index: int) -> Result:
    return replace(result, doc_id=hashlib.sha256(f"{result.doc_id}-{index}".encode()).hexdigest())


def load_rate(results: list[Result], folder: Path) -> tuple[int, float]:
    staging = folder / "staging"
    ids = []
    for index in range(COPIES):
        batch = [_copy(r, index) for r in results]
        write_partition(batch, "bench", staging, str(index))
        ids += [r.doc_id for r in batch]
    warehouse = folder / "w.duckdb"
    with connect(warehouse) as con:
        start = time.perf_counter()
        load_partitions(con, staging, ids)
        elapsed = time.perf_counter() - start
        rows = sum(scalar(con, f"SELECT count(*) FROM {t}") for t in ("documents", "reports", "figures", "checks", "errors"))
    return rows, elapsed


def main() -> None:
    folders = [ROOT / "raw" / "samples"] + [p for p in [ROOT.parent / "shared" / "corpus"] if p.is_dir()]
    paths = [doc.path for doc in collect(folders)]
    seconds, results = per_document(paths)
    for medium, times in sorted(seconds.items()):
        print(f"{medium}: {len(times)} documents, mean {statistics.mean(times):.3f} s, "
              f"median {statistics.median(times):.3f} s, max {max(times):.3f} s")
    with tempfile.TemporaryDirectory() as tmp:
        rows, elapsed = load_rate(results, Path(tmp))
    print(f"load: {rows} rows in {elapsed:.2f} s")
    mean = {m: statistics.mean(t) for m, t in seconds.items()}
    print(f"scale html_s={mean.get('html', 0):.3f} pdf_s={mean.get('pdf', 0):.3f} text_s={mean.get('text', 0):.3f} "
          f"load_rows={rows} load_rows/s={rows / elapsed:.0f}")


if __name__ == "__main__":
    main()
