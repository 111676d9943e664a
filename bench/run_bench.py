"""Throughput benchmark, measured as issue 9 states it: each path against its physical floor,
on the same files with the same pool of processes.

- HTML: portal pages of about 100 KB (raw/samples padded with portal navigation); floor =
  lxml parse + the page's text + OpenCC.
- PDF: text-layer reports of a few pages (tests/fixtures/reports.py); floor = PDFium text
  with every character's box.
- cold: `nianbao extract` of one sample page in a fresh process (median of three).
- worker memory: the peak resident size of the largest pool worker over both runs (the
  kernel's maximum over the children waited for; the floors' workers are smaller), taken
  before the cold start, whose process would count too.

Prints each figure, and as its last line:
`html_ratio=… pdf_ratio=… cold_s=… html_reports/s=… pdf_reports/s=… worker_peak_mb=…`
(ratio = whole run time / floor time)."""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pipeline.process import process_path  # noqa: E402
from pipeline.read.decode import declared_charset  # noqa: E402
from pipeline.runner import collect, process_documents  # noqa: E402

PADDING = "<li><a href=\"/col/col{n}/index.html\">栏目导航 {n}：政务公开 · 政策文件 · 政策解读 · 互动交流</a></li>\n"
COLD_SAMPLE = ROOT / "raw" / "samples" / "huaiyin-2021.html"


def report_samples(samples: Path) -> list[Path]:
    """Only the HTML samples that are reports, so every generated file is a report too."""
    return [d.path for d in collect([samples]) if d.path.suffix == ".html" and process_path(d.path).is_report]


def make_html(sources: list[Path], out: Path, count: int, size: int) -> None:
    """Copies of the samples padded with portal navigation to about `size` bytes, each made
    unique so it is a new document (content-addressed store)."""
    out.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        src = sources[i % len(sources)]
        data = src.read_bytes()
        encoding = declared_charset(data) or "utf-8"
        pad = "".join(PADDING.format(n=n) for n in range(max(0, (size - len(data)) // 160)))
        marker = f"<!-- bench copy {i} -->\n<ul class=\"nav\">\n{pad}</ul>\n".encode(encoding, "ignore")
        data = data.replace(b"</body>", marker + b"</body>", 1) if b"</body>" in data else data + marker
        (out / f"{i:05d}-{src.name}").write_bytes(data)


def make_pdf(out: Path, count: int) -> None:
    """Text-layer reports of both table versions, each made unique by a comment after %%EOF."""
    from dataclasses import replace

    from fixtures.reports import Spec, report_pdf

    out.mkdir(parents=True, exist_ok=True)
    bases = [report_pdf(replace(Spec(version=v), heji=h)) for v in ("2021", "2019") for h in (False, True)]
    for i in range(count):
        (out / f"{i:05d}.pdf").write_bytes(bases[i % len(bases)] + f"\n% bench copy {i}\n".encode())


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s.json")


def _html_floor(path: Path) -> int:
    import lxml.html

    _opencc().convert(lxml.html.fromstring(path.read_bytes()).text_content())
    return 1


def _pdf_floor(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path.read_bytes())
    for page in pdf:
        text = page.get_textpage()
        for i in range(text.count_chars()):
            text.get_text_range(i, 1)
            text.get_charbox(i, loose=True)
    pdf.close()
    return 1


def timed_pool(work: Callable[[Path], int], files: list[Path], workers: int) -> float:
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        sum(pool.map(work, files, chunksize=8))
    return time.perf_counter() - began


def whole_run(folder: Path, warehouse: Path, workers: int) -> tuple[float, int]:
    began = time.perf_counter()
    summary = process_documents(collect([folder]), warehouse, workers=workers)
    return time.perf_counter() - began, summary.reports


def cold_start() -> float:
    command = [str(Path(sys.executable).with_name("nianbao")), "extract", str(COLD_SAMPLE)]
    times = []
    for _ in range(3):
        began = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--samples", type=Path, default=ROOT / "raw" / "samples")
    ap.add_argument("--html", type=int, default=600, help="HTML pages")
    ap.add_argument("--pdf", type=int, default=100, help="PDF reports")
    ap.add_argument("--size", type=int, default=100_000, help="target bytes per HTML page")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()

    sources = report_samples(args.samples)
    if not sources:
        print(f"no report samples in {args.samples}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    try:
        make_html(sources, work / "html", args.html, args.size)
        make_pdf(work / "pdf", args.pdf)
        rates = {}
        for name, floor_of in (("html", _html_floor), ("pdf", _pdf_floor)):
            files = sorted((work / name).iterdir())
            floor = timed_pool(floor_of, files, args.workers)
            whole, reports = whole_run(work / name, work / f"{name}.duckdb", args.workers)
            rates[name] = (len(files) / whole, whole / floor)
            print(f"{name}: {len(files)} files, {sum(f.stat().st_size for f in files) / 1e6:.0f} MB; "
                  f"floor {floor:.1f} s ({len(files) / floor:.0f}/s), whole run {whole:.1f} s "
                  f"({len(files) / whole:.1f}/s, {reports} reports); {args.workers} workers")
        worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # ru_maxrss is in KB
        print(f"largest pool worker: {worker_mb:.0f} MB peak resident")
        cold = cold_start()
        print(f"cold `nianbao extract {COLD_SAMPLE.name}`: {cold:.2f} s (median of 3)")
        print(f"html_ratio={rates['html'][1]:.1f} pdf_ratio={rates['pdf'][1]:.1f} cold_s={cold:.2f} "
              f"html_reports/s={rates['html'][0]:.1f} pdf_reports/s={rates['pdf'][0]:.1f} "
              f"worker_peak_mb={worker_mb:.0f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
