"""One warehouse, a run and its readers at once: a run builds a work copy and publishes it by
rename, so a notebook holding the warehouse open, `nianbao query` during a run, two runs at once
and a killed run each behave (issue 11, item 4)."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import duckdb
import pytest
from fixtures.processes import alive, children, wait_for
from fixtures.reports import Spec, report_html

import pipeline
from pipeline import store
from pipeline.runner import collect, process_documents
from test_cli import REPO, error_lines, nianbao

# `nianbao run` whose documents wait for a gate file (at most a minute): the run is in progress,
# its work copy open, for as long as the test needs.
_GATED_RUN = """
import sys, time
from pathlib import Path
from pipeline import runner
from pipeline.cli import app

gate, real = Path(sys.argv.pop(1)), runner.process_path

def held(path, source):
    deadline = time.monotonic() + 60
    while not gate.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return real(path, source)

runner.process_path = held  # the pool's workers fork from this process
app(prog_name="nianbao")
"""

# A notebook: one connection held open, asked the same question before and after a line on stdin.
_NOTEBOOK = """
import sys
import pipeline
from pipeline import store

con = pipeline.connect(sys.argv[1])
for _ in range(2):
    print(con.execute("SELECT count(*) FROM documents").fetchone()[0], flush=True)
    sys.stdin.readline()
"""

_ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def _python(script: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *args], env=_ENV, text=True, **kwargs)


@pytest.fixture()
def warehouse(tmp_path: Path) -> Path:
    """A warehouse of one report."""
    first = tmp_path / "first.html"
    first.write_bytes(report_html(Spec()))
    path = tmp_path / "w.duckdb"
    assert process_documents(collect([first]), path).reports == 1
    return path


@pytest.fixture()
def docs(tmp_path: Path) -> Path:
    """Two reports the warehouse does not hold yet."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(2):
        (folder / f"report-{i}.html").write_bytes(report_html(Spec()) + f"<!-- copy {i} -->".encode())
    return folder


@pytest.fixture()
def gated_run(warehouse: Path, docs: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen, Path]]:
    """A `nianbao run` of `docs` into `warehouse`, started and waiting at its documents; the
    gate file lets it go on."""
    gate = tmp_path / "gate"
    run = _python(_GATED_RUN, str(gate), "run", str(docs), "--warehouse", str(warehouse), "--quiet",
                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: bool(_work_files(warehouse)) or run.poll() is not None, 60), "the run never started"
        assert run.poll() is None, run.stderr.read() if run.stderr else ""
        yield run, gate
    finally:
        run.kill()
        run.wait(10)


def _work_files(warehouse: Path) -> list[Path]:
    return sorted(warehouse.parent.glob(f".{warehouse.name}.work-*"))


def _count(warehouse: Path) -> int:
    with pipeline.connect(str(warehouse)) as con:
        return con.execute("SELECT count(*) FROM documents").fetchone()[0]


def test_a_run_publishes_while_a_notebook_holds_the_warehouse_and_query_reads_meanwhile(
        warehouse: Path, docs: Path, gated_run: tuple[subprocess.Popen, Path]) -> None:
    run, gate = gated_run
    notebook = _python(_NOTEBOOK, str(warehouse), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert notebook.stdout.readline().strip() == "1"  # its snapshot: the warehouse of one report
        query = nianbao("query", "SELECT count(*) AS documents FROM documents", "--warehouse", str(warehouse))
        assert query.returncode == 0 and query.stdout.splitlines()[:2] == ["documents", "1"], query.stderr
        second = nianbao("run", str(docs), "--warehouse", str(warehouse), "--quiet")
        lines = error_lines(second.stderr)
        assert second.returncode == 2 and len(lines) == 1, second.stderr
        assert lines[0].startswith(f"nianbao: {warehouse}: another `nianbao run` is writing this warehouse (lock ")
        gate.touch()
        assert run.wait(120) == 0, run.stderr.read()
        notebook.stdin.write("\n")
        notebook.stdin.flush()
        assert notebook.stdout.readline().strip() == "1"  # the notebook keeps the snapshot it opened
    finally:
        notebook.kill()
        notebook.wait(10)
    assert _count(warehouse) == 3  # a connection opened now sees the published run
    assert not _work_files(warehouse)


def test_a_killed_run_leaves_the_warehouse_as_it_was(warehouse: Path, docs: Path,
                                                    gated_run: tuple[subprocess.Popen, Path]) -> None:
    run, _ = gated_run
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    assert wait_for(lambda: bool(children(run.pid)), 60), "the run never started its workers"
    workers = children(run.pid)
    run.kill()
    run.wait(10)
    assert wait_for(lambda: not any(alive(pid) for pid in workers), 10), "workers outlived the killed run"
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
    assert _count(warehouse) == 1
    assert _work_files(warehouse)  # a SIGKILL leaves its work copy: the next run clears it
    assert nianbao("run", str(docs), "--warehouse", str(warehouse), "--quiet").returncode == 0
    assert _count(warehouse) == 3 and not _work_files(warehouse)


def test_a_foreign_writer_is_one_line_for_readers(warehouse: Path) -> None:
    writer = duckdb.connect(str(warehouse))  # a DuckDB session that did not open it read-only
    try:
        proc = nianbao("query", "SELECT 1", "--warehouse", str(warehouse))
    finally:
        writer.close()
    lines = error_lines(proc.stderr)
    assert proc.returncode == 2 and len(lines) == 1 and "in use by another process" in lines[0], proc.stderr


def test_a_wal_left_by_a_crashed_writer_is_carried_into_the_published_warehouse(warehouse: Path) -> None:
    crash = ("import duckdb, os, sys; con = duckdb.connect(sys.argv[1]); "
             "con.execute(\"SET checkpoint_threshold = '1GB'\"); con.execute('CREATE TABLE note AS SELECT 42 AS x'); "
             "os._exit(0)")  # committed to the WAL, never checkpointed
    subprocess.run([sys.executable, "-c", crash, str(warehouse)], check=True, timeout=60)
    wal = warehouse.with_name(warehouse.name + ".wal")
    assert wal.exists()
    with store.connect(warehouse):
        pass
    assert not wal.exists()
    with pipeline.connect(str(warehouse)) as con:
        assert con.execute("SELECT x FROM note").fetchall() == [(42,)]
