"""`nianbao run --scheduler`: extraction on a Dask cluster (a LocalCluster of two worker processes
on loopback) writes the warehouse a local run writes, also when a worker is killed mid-run, and a
document that kills every worker it is given to is its error row.

Warehouses are compared table by table with a checksum over the sorted rows. Left out are the
columns that differ between any two runs by design: the run's id (`runs.run_id`, `errors.run_id`,
a fresh uuid per run) and the clock (`documents.loaded_at`, `document_paths.first_seen`,
`runs.started_at`, `runs.finished_at`, `errors.occurred_at`)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
from pathlib import Path

import duckdb
import pytest

distributed = pytest.importorskip("distributed", reason="Dask distributed is not installed")

from pipeline.runner import collect, process_documents  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "raw" / "samples"
CORPUS = ROOT.parent / "shared" / "corpus"
_CLOCK_AND_RUN = {"documents": ["loaded_at"], "document_paths": ["first_seen"],
                  "runs": ["run_id", "started_at", "finished_at"], "errors": ["run_id", "occurred_at"]}
_BOUND_SECONDS = 240  # the whole module; a hung cluster fails the test instead of the suite


@pytest.fixture(scope="module", autouse=True)
def bounded():
    def _hung(signum, frame):
        raise TimeoutError(f"the cluster tests took more than {_BOUND_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, _hung)
    signal.alarm(_BOUND_SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def cluster():
    import dask
    from distributed import Client, LocalCluster

    # No retry by Dask itself after a worker dies (its default is 3): a chunk on a killed worker is at
    # once split into single documents by the run (pipeline/cluster.py), so a crashing document costs
    # two worker restarts here, not eight. A worker holds only the task it runs (saturation 1.0), so
    # only that one is blamed for its death (docs/scale.md).
    with dask.config.set({"distributed.scheduler.allowed-failures": 0,
                          "distributed.scheduler.worker-saturation": 1.0}):
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as local, Client(local) as client:
            yield client


@pytest.fixture(scope="module")
def documents() -> list[Path]:
    """raw/samples, and the real corpus when it is there (see the corpus test)."""
    return [SAMPLES] + ([CORPUS] if CORPUS.is_dir() else [])


@pytest.fixture(scope="module")
def local_run(tmp_path_factory, documents) -> dict:
    warehouse = tmp_path_factory.mktemp("local") / "w.duckdb"
    summary = process_documents(collect(documents), warehouse, workers=2)
    assert summary.reports > 30, "the samples (and corpus) hold reports"
    return checksums(warehouse)


def checksums(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Per table: the row count and an md5 of its sorted rows, run ids and clock columns left out."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [name for (name,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        sums = {}
        for table in tables:
            left_out = ", ".join(f'"{c}"' for c in _CLOCK_AND_RUN.get(table, []))
            rows = f"SELECT * EXCLUDE ({left_out}) FROM {table}" if left_out else f"SELECT * FROM {table}"
            sums[table] = con.execute(f"SELECT count(*), md5(coalesce(string_agg(r::VARCHAR, '|' ORDER BY r::VARCHAR), ''))"
                                      f" FROM ({rows}) r").fetchall()[0]
        return sums
    finally:
        con.close()


def test_the_comparison_covers_the_corpus(local_run) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not present: {CORPUS} (the cluster runs covered raw/samples only)")
    assert local_run["documents"][0] == len(collect([SAMPLES])) + len(collect([CORPUS]))


def test_cluster_run_writes_what_a_local_run_writes(cluster, documents, local_run, tmp_path) -> None:
    warehouse = tmp_path / "w.duckdb"
    summary = process_documents(collect(documents), warehouse, scheduler=cluster.scheduler.address)
    assert checksums(warehouse) == local_run
    assert local_run["figures"][0] > 1000 and local_run["errors"][0] == len(summary.failed) == 1
    assert not (tmp_path / ".w.duckdb.staging").exists(), "the run's staging folder is removed"
    again = process_documents(collect(documents), warehouse, scheduler=cluster.scheduler.address)
    assert again.unchanged == summary.documents and again.reports == 0, "incremental: nothing is sent again"


class _KillsItsWorker(distributed.WorkerPlugin):
    """Ends the worker process as it starts a task it `dies_on`: a worker killed mid-run."""

    def setup(self, worker) -> None:
        self.worker = worker

    def transition(self, key, start, finish, **kwargs) -> None:
        task = self.worker.state.tasks.get(key)
        if finish == "executing" and task is not None and self.dies_on(task):
            os._exit(1)


class _KillOnPoison(_KillsItsWorker):
    """Every task holding a document named poison*: a document that crashes the worker itself
    (not only its extracting child), wherever it is sent."""
    name = "test-kill-on-poison"

    def dies_on(self, task) -> bool:
        return "poison" in repr(task.run_spec.args)


class _KillFirstTask(_KillsItsWorker):
    """The first task any worker starts, once: the marker file is created by one worker only."""
    name = "test-kill-first-task"

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def dies_on(self, task) -> bool:
        try:
            self.marker.touch(exist_ok=False)
        except FileExistsError:
            return False
        return True


def test_worker_killed_mid_run_changes_nothing(cluster, sample_warehouse, tmp_path) -> None:
    """Over raw/samples (the suite's local run of them is `sample_warehouse`): the first task's
    worker dies as it starts, while the other worker runs the second chunk."""
    marker = tmp_path / "killed"
    warehouse = tmp_path / "w.duckdb"
    cluster.register_plugin(_KillFirstTask(marker))
    try:
        summary = process_documents(collect([SAMPLES]), warehouse, scheduler=cluster.scheduler.address)
    finally:
        cluster.unregister_worker_plugin(_KillFirstTask.name)
    assert marker.exists(), "a worker was killed"
    assert summary.documents == len(collect([SAMPLES])) and len(summary.failed) == 1  # the broken sample only
    assert checksums(warehouse) == checksums(sample_warehouse)


def test_document_that_kills_its_workers_is_an_error_row(cluster, tmp_path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SAMPLES / "huaianqu-2019.html", folder)  # in the poison's chunk, and stored all the same
    (folder / "poison.html").write_text("<html><body><p>本页面为测试而编写。</p></body></html>", encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    cluster.register_plugin(_KillOnPoison())
    try:
        summary = process_documents(collect([folder]), warehouse, scheduler=cluster.scheduler.address)
    finally:
        cluster.unregister_worker_plugin(_KillOnPoison.name)
    assert [Path(path).name for path, _ in summary.failed] == ["poison.html"]
    assert summary.reports == 1
    con = duckdb.connect(str(warehouse), read_only=True)
    errors = con.execute("SELECT path, reason FROM errors").fetchall()
    stored = con.execute("SELECT count(*) FROM reports").fetchall()[0][0]
    con.close()
    assert len(errors) == 1 and errors[0][0].endswith("poison.html") and "worker died" in errors[0][1]
    assert stored == 1


def test_unreachable_scheduler_is_one_line_and_exit_2(tmp_path) -> None:
    import dask
    from typer.testing import CliRunner

    from pipeline.cli import app

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    warehouse = tmp_path / "w.duckdb"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = CliRunner().invoke(app, ["run", str(SAMPLES), "-w", str(warehouse), "-q",
                                          "--scheduler", f"tcp://127.0.0.1:{port}"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"nianbao: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}")
    assert not warehouse.exists(), "nothing is published"


def test_staged_partitions_load_as_a_local_run_and_a_dead_runs_are_ignored(tmp_path) -> None:
    """Without a cluster: partitions written as workers write them (one of them twice, as a
    retried task does) and loaded by the driver give the local run's rows; the staging folder
    a killed driver left is removed before anything is staged, never loaded."""
    from pipeline.cluster import staged
    from pipeline.process import process_path
    from pipeline.store import connect, load_batch, load_partitions, staging_root, write_partition

    docs = collect([SAMPLES])[:6]
    results = [process_path(doc.path, doc) for doc in docs]
    local, staged_warehouse = tmp_path / "local.duckdb", tmp_path / "staged.duckdb"
    with connect(local) as con:
        load_batch(con, results, "run-a")
    dead = staging_root(staged_warehouse) / "killed-run" / "part-0"
    dead.mkdir(parents=True)
    (dead / "figures.parquet").write_bytes(b"half written")
    with connect(staged_warehouse) as con, staged(staging_root(staged_warehouse), "run-b") as folder:
        assert not dead.parent.exists(), "the killed run's folder is gone before this run stages"
        write_partition(results[:4], "run-b", folder, "0")
        write_partition(results[:4], "run-b", folder, "0")  # a retry after its worker died: kept, not doubled
        write_partition(results[4:], "run-b", folder, "1")
        load_partitions(con, folder, [r.doc_id for r in results])
    assert checksums(staged_warehouse) == checksums(local)
    assert not staging_root(staged_warehouse).exists()
