"""Extraction on a Dask distributed cluster (`nianbao run --scheduler tcp://host:8786`).

The driver (the run) keeps everything a local run does: the lock, the work copy, the choice of
what to extract and the one publishing rename. Only the per-document work moves: each task is
a chunk of documents that a worker extracts with the runner's own limited child process
(`runner.extract_in_pool`: time and memory limits, a crashing document an error row), writing the
rows as Parquet partitions under the run's staging folder. The driver then loads them in one
transaction (`store.load_partitions`).

Faults: a killed worker's tasks are retried on another one by Dask (partitions are written
whole or not at all, and one already written is kept). A chunk Dask gives up on (KilledWorker,
after the scheduler's `allowed-failures`) is split into single documents, and a single
document that still kills its worker is that document's error row. A killed driver leaves its
staging folder, which the next run removes under the warehouse's lock before staging its own.
"""
from __future__ import annotations

import multiprocessing
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.model import SourceDoc
from pipeline.process import Result, failed_result

if TYPE_CHECKING:  # distributed is imported only by a run that uses a cluster
    from distributed import Client, Future

CHUNK = 16  # documents per task: a partition's worth of rows, and few enough tasks for a national year


class ClusterError(Exception):
    """The scheduler cannot be used (unreachable, or `distributed` not installed): one line for the user."""


def _client(scheduler: str) -> Client:
    try:
        import dask
        from distributed import Client
    except ImportError as err:
        raise ClusterError("--scheduler needs Dask distributed: pip install 'dask[distributed]'") from err
    try:
        return Client(scheduler, timeout=dask.config.get("distributed.comm.timeouts.connect"), set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler} ({err})") from err


def _worker_plugin():
    from distributed import WorkerPlugin

    class Worker(WorkerPlugin):
        """On every worker (and every restarted one): the documents are extracted in a child
        process of the worker, as in a local run. Dask starts its workers as daemonic processes,
        which multiprocessing forbids to have children; the children die with the worker anyway
        (`lifetime.die_with_parent`), which is what that rule protects. jieba and its lexicon are
        loaded here once, so each chunk's forked child inherits them."""
        name = "nianbao-worker"

        def setup(self, worker) -> None:
            from pipeline.extract import lexicon

            multiprocessing.current_process().daemon = False
            lexicon.load()

    return Worker()


def _extract_chunk(docs: list[SourceDoc], folder: str, run_id: str, name: str) -> list[Result]:
    """A task on a worker: the chunk's documents extracted in a limited child process, their
    rows written as one partition; only what the driver's summary needs travels back."""
    from pipeline.runner import extract_in_pool
    from pipeline.store import write_partition

    results = list(extract_in_pool(docs, 1))
    write_partition(results, run_id, Path(folder), name)
    return [_light(r) for r in results]


def _light(result: Result) -> Result:
    """The result less its rows, staged already (its document, figures and checks were left
    behind in the extracting process, store.for_loading)."""
    return replace(result, rows=None)


@contextmanager
def staged(root: Path, run_id: str) -> Iterator[Path]:
    """The run's staging folder under `root`, removed at the end; folders a killed run left are
    removed first (the caller holds the warehouse's lock, so no live run owns them)."""
    if root.exists():
        shutil.rmtree(root)
    folder = root / run_id
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(root, ignore_errors=True)


def extract_on_cluster(todo: list[SourceDoc], scheduler: str, folder: Path, run_id: str) -> Iterator[Result]:
    """Each document's (light) result as its chunk finishes; its rows are in `folder`."""
    if not todo:
        return
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    with _client(scheduler) as client:
        client.register_plugin(_worker_plugin())
        chunks = {f"{run_id}-{i}": todo[i:i + CHUNK] for i in range(0, len(todo), CHUNK)}
        tasks = {_submit(client, docs, folder, run_id, name): (name, docs) for name, docs in chunks.items()}
        pending = as_completed(list(tasks), loop=client.loop)
        for future in pending:
            name, docs = tasks.pop(future)
            try:
                yield from future.result()
                _require_partition(folder, name)
            except KilledWorker:
                if len(docs) > 1:  # one of them (or bad luck) killed workers: each alone now
                    shutil.rmtree(folder / f"part-{name}", ignore_errors=True)
                    for doc in docs:
                        single = _submit(client, [doc], folder, run_id, f"{name}-{doc.doc_id}")
                        tasks[single] = (f"{name}-{doc.doc_id}", [doc])
                        pending.add(single)
                else:
                    yield _worker_died(docs[0], folder, run_id, name)
            except (OSError, RuntimeError, ValueError) as err:  # the task's own failure, raised again here
                raise ClusterError(f"a task failed on the cluster ({type(err).__name__}: {err})") from err


def _require_partition(folder: Path, name: str) -> None:
    """A task that says it wrote its partition where the driver cannot see it: the staging
    folder is not on a file system the workers share."""
    if not (folder / f"part-{name}").is_dir():
        raise ClusterError(f"{folder}: a worker's partition is not there; the staging folder beside the warehouse "
                           "must be on a file system every worker shares, at the same path (docs/scale.md)")


def _submit(client: Client, docs: list[SourceDoc], folder: Path, run_id: str, name: str) -> Future:
    return client.submit(_extract_chunk, docs, str(folder), run_id, name, key=f"nianbao-{name}", pure=False)


def _worker_died(doc: SourceDoc, folder: Path, run_id: str, name: str) -> Result:
    """The error row of a document that killed every worker it was given to, staged by the driver."""
    from pipeline.store import write_partition

    result = failed_result(doc, "the extracting worker died on this document every time it was tried "
                                "(killed, or out of memory in native code)")
    write_partition([result], run_id, folder, name)
    return result
