"""Drive many documents through process → load: skip what is already stored with this
extractor version, fan out over a process pool and load in batches (or, with a scheduler,
over a Dask cluster's workers, loading their staged rows at once: pipeline/cluster.py),
record the run."""
from __future__ import annotations

import gc
import multiprocessing
import os
import resource
import signal
import uuid
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

from duckdb import DuckDBPyConnection

from pipeline.lifetime import die_with_parent
from pipeline.limits import DOC_MEMORY, DOC_SECONDS
from pipeline.model import SourceDoc
from pipeline.process import EXTRACTOR_VERSION, Result, content_address, failed_result, process_path
from pipeline.store import (connect, for_loading, known_versions, load_batch, load_partitions, record_paths,
                            record_run, staging_root)

BATCH = 200
_SKIP_SUFFIXES = {".md", ".lock", ".jsonl"}


@dataclass
class RunSummary:
    run_id: str
    documents: int = 0
    unchanged: int = 0
    reports: int = 0
    not_reports: int = 0
    duplicates: int = 0
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


class _Timeout(Exception):
    pass


def _on_alarm(signum: int, frame: object) -> None:
    raise _Timeout


def _start_worker(parent_pid: int) -> None:
    """Pool-worker start-up: die with the run, and cap the address space, so a decompression
    bomb or a huge page is a MemoryError in that worker (its document's error row), not the
    machine's memory. What the worker inherited is frozen out of its garbage collector's
    sweeps: the loader's modules and data live as long as the worker anyway."""
    gc.freeze()
    die_with_parent(parent_pid)
    limit = _address_space() + DOC_MEMORY.value() * 1024 * 1024  # on top of what the forked worker already maps
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))


def _address_space() -> int:
    """Bytes of address space this process maps now (VmSize)."""
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(l for l in status if l.startswith("VmSize:"))
    return int(line.split()[1]) * 1024


def _work(source: SourceDoc) -> Result:
    """Runs in a pool worker: only what loading needs travels back (store.for_loading).
    The document gets DOC_SECONDS; past that it is an error row."""
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(DOC_SECONDS.value())
    try:
        result = process_path(source.path, source)
    except _Timeout:
        result = failed_result(source, DOC_SECONDS.exceeded("timed out"))
    except MemoryError:
        result = failed_result(source, DOC_MEMORY.exceeded("needs more memory than a document may use"))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return for_loading(result)


def _unique(docs: list[SourceDoc]) -> tuple[dict[str, SourceDoc], list[tuple[str, str]]]:
    """The content address: identical bytes under several names are one document, processed
    once; every (doc_id, path) it was seen at is kept."""
    first: dict[str, SourceDoc] = {}
    seen: list[tuple[str, str]] = []
    for doc in docs:
        digest = content_address(doc.path)
        first.setdefault(digest, replace(doc, doc_id=digest))
        seen.append((digest, str(doc.path)))
    return first, seen


def _pool(workers: int) -> ProcessPoolExecutor:
    """Forked workers (what `_start_worker` assumes), even in a process whose default start
    method is spawn (a Dask worker's): they start in milliseconds with everything imported."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_worker, initargs=(os.getpid(),))


def extract_in_pool(todo: list[SourceDoc], workers: int) -> Iterator[Result]:
    """Each document's result, in order, each extracted in a limited worker. A worker that dies
    (killed, out of memory in native code) breaks the pool: its documents become error rows
    and a fresh pool takes the rest."""
    done = 0
    while done < len(todo):
        pool = _pool(min(workers, len(todo) - done))
        futures = deque(pool.submit(_work, doc) for doc in todo[done:])
        try:
            while futures:  # each future let go once its result is yielded: a national run's results do not pile up
                yield futures.popleft().result()
                done += 1
        except BrokenProcessPool:
            yield _alone(todo[done])  # the pool broke on one of the documents in flight: try this one by itself
            done += 1
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _alone(doc: SourceDoc) -> Result:
    """A document in a pool of its own: its result, or its error row if it kills that process too."""
    with _pool(1) as pool:
        try:
            return pool.submit(_work, doc).result()
        except BrokenProcessPool:
            return failed_result(doc, "the extracting process died on this document (killed, or out of memory in native code)")


def process_documents(docs: list[SourceDoc], warehouse: Path, *, force: bool = False, command: str = "run",
                      progress: Callable[[int], None] | None = None, workers: int | None = None,
                      scheduler: str | None = None) -> RunSummary:
    """Extract what is new into the warehouse: in local worker processes, or with `scheduler`
    (a Dask scheduler's address) on a cluster's workers (pipeline/cluster.py)."""
    summary = RunSummary(run_id=uuid.uuid4().hex[:12])
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    unique, seen = _unique(docs)
    with connect(warehouse) as con:
        versions = {} if force else known_versions(con)
        todo = []
        for digest, doc in unique.items():
            if versions.get(digest) == EXTRACTOR_VERSION:
                summary.unchanged += 1
            else:
                todo.append(doc)
        summary.documents = len(unique)
        summary.duplicates = len(docs) - len(unique)
        tally = partial(_tally, summary, progress)
        if scheduler:
            _extract_on_cluster(con, todo, scheduler, warehouse, summary.run_id, tally)
        else:
            _extract_locally(con, todo, workers or min(os.cpu_count() or 1, 4), summary.run_id, tally)
        record_paths(con, seen)
        record_run(con, {"run_id": summary.run_id, "command": command, "started_at": started,
                         "finished_at": datetime.now(timezone.utc).replace(tzinfo=None),
                         "extractor_version": EXTRACTOR_VERSION, "documents": summary.documents,
                         "new": len(todo), "unchanged": summary.unchanged, "reports": summary.reports,
                         "not_reports": summary.not_reports, "failed": len(summary.failed),
                         "status": "failed-documents" if summary.failed else "ok"})
    return summary


def _extract_locally(con: DuckDBPyConnection, todo: list[SourceDoc], workers: int, run_id: str,
                     tally: Callable[[Result], None]) -> None:
    """What exists when the extraction starts (modules, regions, the run's documents) lives
    through it: the garbage collector's sweeps of the loader skip it until the run is loaded."""
    gc.freeze()
    try:
        batch: list[Result] = []
        for result in extract_in_pool(todo, workers):
            tally(result)
            batch.append(result)
            if len(batch) >= BATCH:
                load_batch(con, batch, run_id)
                batch = []
        load_batch(con, batch, run_id)
    finally:
        gc.unfreeze()


def _extract_on_cluster(con: DuckDBPyConnection, todo: list[SourceDoc], scheduler: str, warehouse: Path,
                        run_id: str, tally: Callable[[Result], None]) -> None:
    """Workers stage the rows as Parquet; the warehouse takes them all in one transaction."""
    from pipeline.cluster import extract_on_cluster, staged

    with staged(staging_root(warehouse), run_id) as folder:
        for result in extract_on_cluster(todo, scheduler, folder, run_id):
            tally(result)
        load_partitions(con, folder, [doc.doc_id for doc in todo])


def _tally(summary: RunSummary, progress: Callable[[int], None] | None, result: Result) -> None:
    if progress:
        progress(1)
    if result.error:
        summary.failed.append((str(result.source.path), result.error))
    elif result.is_report:
        summary.reports += 1
    else:
        summary.not_reports += 1
