"""Throughput benchmark: about 2,000 reports of about 100 KB each, built from raw/samples.

Prints the whole run's rate (read → … → load into a fresh warehouse) and the floor
(reading + OpenCC normalization alone, over the same files with the same pool), and as its
last line: `reports/s=<whole run> floor reports/s=<floor> ratio=<whole/floor time>`.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.normalize import build_document  # noqa: E402
from pipeline.process import process_path  # noqa: E402
from pipeline.read import read_bytes  # noqa: E402
from pipeline.read.decode import declared_charset  # noqa: E402
from pipeline.runner import collect, process_documents  # noqa: E402

PADDING = "<li><a href=\"/col/col{n}/index.html\">栏目导航 {n}：政务公开 · 政策文件 · 政策解读 · 互动交流</a></li>\n"


def report_samples(samples: Path) -> list[Path]:
    """Only the samples that are reports, so every generated file is a report too."""
    return [d.path for d in collect([samples]) if process_path(d.path).is_report]


def make_corpus(sources: list[Path], out: Path, count: int, size: int) -> None:
    """Copies of the samples padded with portal navigation to about `size` bytes, each
    made unique so it is a new document (content-addressed store)."""
    out.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        src = sources[i % len(sources)]
        data = src.read_bytes()
        if src.suffix.lower() in (".html", ".htm", ".shtml"):
            encoding = declared_charset(data) or "utf-8"
            pad = "".join(PADDING.format(n=n) for n in range(max(0, (size - len(data)) // 160)))
            marker = f"<!-- bench copy {i} -->\n<ul class=\"nav\">\n{pad}</ul>\n".encode(encoding, "ignore")
            data = data.replace(b"</body>", marker + b"</body>", 1) if b"</body>" in data else data + marker
        else:
            data = data + f"\n<!-- bench copy {i} -->".encode()
        (out / f"{i:05d}-{src.name}").write_bytes(data)


def _floor_one(path: Path) -> int:
    build_document(read_bytes(path.read_bytes(), path.name))
    return 1


def time_floor(files: list[Path], workers: int) -> float:
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        sum(pool.map(_floor_one, files, chunksize=8))
    return time.perf_counter() - began


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--samples", type=Path, default=ROOT / "raw" / "samples")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--size", type=int, default=100_000, help="target bytes per report")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()

    sources = report_samples(args.samples)
    if not sources:
        print(f"no report samples in {args.samples}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    try:
        corpus = work / "corpus"
        make_corpus(sources, corpus, args.count, args.size)
        files = sorted(corpus.iterdir())
        mb = sum(f.stat().st_size for f in files) / 1e6
        print(f"corpus: {len(files)} documents, {mb:.0f} MB, from {len(sources)} samples; {args.workers} workers")

        floor = time_floor(files, args.workers)
        print(f"floor (read + OpenCC): {floor:.1f} s, {len(files) / floor:.1f} reports/s")

        began = time.perf_counter()
        summary = process_documents(collect([corpus]), work / "bench.duckdb", workers=args.workers)
        whole = time.perf_counter() - began
        print(f"whole run: {whole:.1f} s, {summary.reports} reports, {len(summary.failed)} failed")
        print(f"reports/s={len(files) / whole:.1f} floor reports/s={len(files) / floor:.1f} ratio={whole / floor:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
