"""Drive many documents through process → load: skip what is already stored with this
extractor version, fan out over a process pool, load in batches, record the run."""
from __future__ import annotations

import hashlib
import os
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from pipeline.model import SourceDoc
from pipeline.process import EXTRACTOR_VERSION, Result, process_path
from pipeline.store import connect, known_versions, load_batch, record_run

BATCH = 200
_SKIP_SUFFIXES = {".md", ".lock", ".jsonl"}


@dataclass
class RunSummary:
    run_id: str
    documents: int = 0
    unchanged: int = 0
    reports: int = 0
    not_reports: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def collect(paths: Iterable[Path]) -> list[SourceDoc]:
    """Files named on the command line, and every file below named directories."""
    docs = []
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        docs.extend(SourceDoc(path=p) for p in files
                    if not p.name.startswith(".") and p.suffix.lower() not in _SKIP_SUFFIXES)
    return docs


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _work(source: SourceDoc) -> Result:
    """Runs in a pool worker: only what loading needs travels back (the text, not the rows)."""
    result = process_path(source.path, source)
    if result.document is not None:
        result.document.rows, result.document.lines = [], []
    return result


def process_documents(docs: list[SourceDoc], warehouse: Path, *, force: bool = False, command: str = "run",
                      progress: Callable[[int], None] | None = None, workers: int | None = None) -> RunSummary:
    summary = RunSummary(run_id=uuid.uuid4().hex[:12])
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    with connect(warehouse) as con:
        versions = {} if force else known_versions(con)
        todo = []
        for doc in docs:
            if versions.get(_digest(doc.path) or "") == EXTRACTOR_VERSION:
                summary.unchanged += 1
            else:
                todo.append(doc)
        summary.documents = len(docs)
        workers = workers or min(os.cpu_count() or 1, 4)
        batch: list[Result] = []
        with ProcessPoolExecutor(max_workers=workers) if len(todo) > 8 and workers > 1 else _Inline() as pool:
            for result in pool.map(_work, todo, chunksize=4):
                _tally(summary, result)
                batch.append(result)
                if progress:
                    progress(1)
                if len(batch) >= BATCH:
                    load_batch(con, batch, summary.run_id)
                    batch = []
        load_batch(con, batch, summary.run_id)
        record_run(con, {"run_id": summary.run_id, "command": command, "started_at": started,
                         "finished_at": datetime.now(timezone.utc).replace(tzinfo=None),
                         "extractor_version": EXTRACTOR_VERSION, "documents": summary.documents,
                         "new": len(todo), "unchanged": summary.unchanged, "reports": summary.reports,
                         "not_reports": summary.not_reports, "failed": len(summary.failed),
                         "status": "failed-documents" if summary.failed else "ok"})
    return summary


def _tally(summary: RunSummary, result: Result) -> None:
    if result.error:
        summary.failed.append((str(result.source.path), result.error))
    elif result.is_report:
        summary.reports += 1
    else:
        summary.not_reports += 1


class _Inline:
    """The pool's interface without processes, for small runs where start-up costs more."""

    def __enter__(self) -> "_Inline":
        return self

    def __exit__(self, *exc) -> None:
        return None

    def map(self, fn, items, chunksize: int = 1):
        return map(fn, items)
