"""One document's fault is that document's error row: duplicates, time and memory limits,
a worker that dies, file names that could forge output lines."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import duckdb
import pytest
from fixtures.hostile import deep_html
from fixtures.processes import alive, children, wait_for
from fixtures.reports import Spec, report_html

from pipeline import runner
from pipeline.limits import DOC_SECONDS
from pipeline.model import SourceDoc
from pipeline.runner import collect, process_documents
from test_cli import REPO, SCRIPT, error_lines, nianbao


def _reports(folder: Path, count: int) -> None:
    for i in range(count):
        (folder / f"report-{i}.html").write_bytes(report_html(Spec()) + f"<!-- copy {i} -->".encode())


def test_same_bytes_under_several_names_are_one_document(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    data = report_html(Spec())
    for name in ("a.html", "copy of a.html", "a (1).html"):
        (docs / name).write_bytes(data)
    (docs / "empty-1.txt").write_bytes(b"")
    (docs / "empty-2.txt").write_bytes(b"")
    warehouse = tmp_path / "w.duckdb"
    summary = process_documents(collect([docs]), warehouse)
    assert summary.documents == 2 and summary.duplicates == 3 and summary.reports == 1
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 2
    paths = con.execute("SELECT count(*), count(DISTINCT doc_id) FROM document_paths").fetchone()
    assert paths == (5, 2)
    con.close()
    rerun = process_documents(collect([docs]), warehouse)
    assert rerun.unchanged == 2 and not rerun.failed


def test_slow_document_is_a_timeout_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "slow.html"
    path.write_bytes(report_html(Spec()))
    monkeypatch.setenv(DOC_SECONDS.env, "1")
    monkeypatch.setattr(runner, "process_path", lambda p, s: time.sleep(30))
    started = time.monotonic()
    result = runner._work(SourceDoc(path=path))
    assert time.monotonic() - started < 5
    assert result.error and "timed out (limit 1 s; raise it with NIANBAO_DOC_TIMEOUT)" in result.error


def test_memory_hungry_document_is_a_memory_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bomb.html"
    path.write_bytes(b"<html></html>")

    def hungry(p: Path, s: SourceDoc) -> None:
        raise MemoryError

    monkeypatch.setattr(runner, "process_path", hungry)
    result = runner._work(SourceDoc(path=path))
    assert result.error and "NIANBAO_DOC_MEMORY_MB" in result.error


def test_worker_that_dies_is_replaced_and_its_document_recorded(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    _reports(docs, 11)
    (docs / "killer.html").write_bytes(b"<html>kills its worker</html>")
    (docs / "hog.html").write_bytes(b"<html>wants 4 GiB</html>")
    real = runner.process_path

    def dies_on_killer(path: Path, source: SourceDoc):
        if path.name == "killer.html":
            os._exit(9)  # a native crash: the worker process is gone
        if path.name == "hog.html":
            return bytearray(4 * 1024 ** 3)  # beyond the worker's address-space limit
        return real(path, source)

    monkeypatch.setattr(runner, "process_path", dies_on_killer)  # pool workers fork from this process
    summary = process_documents(collect([docs]), tmp_path / "w.duckdb", workers=2)
    assert summary.reports == 11
    failed = {Path(p).name: reason for p, reason in summary.failed}
    assert set(failed) == {"killer.html", "hog.html"}
    assert "died" in failed["killer.html"] and "NIANBAO_DOC_MEMORY_MB" in failed["hog.html"]


def test_file_name_with_newline_cannot_forge_a_line(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "bad\nnianbao: forged.html").write_bytes(b"\x00\x01 not a page")
    proc = nianbao("run", str(docs), "--warehouse", str(tmp_path / "w.duckdb"), "--quiet")
    lines = error_lines(proc.stderr)
    assert len(lines) == 1 and "\\n" in lines[0], proc.stderr


def test_warehouse_faults_are_one_line_and_exit_2(tmp_path: Path) -> None:
    sample = str(Path(__file__).resolve().parents[1] / "raw" / "samples" / "zengdu-2017.html")
    not_duckdb = tmp_path / "notes.duckdb"
    not_duckdb.write_text("my notes, not a database")
    proc = nianbao("run", sample, "--warehouse", str(not_duckdb), "--quiet")
    assert proc.returncode == 2 and error_lines(proc.stderr) == [f"nianbao: {not_duckdb}: not a DuckDB warehouse file"]
    assert not_duckdb.read_text() == "my notes, not a database"
    held = tmp_path / "held.duckdb"
    writer = duckdb.connect(str(held))  # a second writer holds the file
    try:
        proc = nianbao("run", sample, "--warehouse", str(held), "--quiet")
    finally:
        writer.close()
    lines = error_lines(proc.stderr)
    assert proc.returncode == 2 and len(lines) == 1 and "in use by another process" in lines[0]


@pytest.mark.parametrize("value", ["abc", "0", "１０", "-5"])
def test_unusable_limit_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(DOC_SECONDS.env, value)
    proc = nianbao("run", str(tmp_path), "--warehouse", str(tmp_path / "w.duckdb"), "--quiet")
    assert proc.returncode == 2
    assert error_lines(proc.stderr) == [f"nianbao: {DOC_SECONDS.env}={value!r}: not a whole number of s above 0"]
    assert not (tmp_path / "w.duckdb").exists()


def test_killed_run_takes_its_workers_with_it(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    deep = deep_html(100_000)
    for i in range(6):  # slow pages keep both workers busy while the run is killed
        (docs / f"deep-{i}.html").write_bytes(deep + f"<!-- {i} -->".encode())
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-c", "from pipeline.cli import app; app()"]
    run = subprocess.Popen(command + ["run", str(docs), "--warehouse", str(tmp_path / "w.duckdb"), "--quiet"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert wait_for(lambda: len(children(run.pid)) >= 2, 60), "the run never started its workers"
        workers = children(run.pid)
        run.kill()
        run.wait(10)
        assert wait_for(lambda: not any(alive(pid) for pid in workers), 10), "workers outlived the killed run"
    finally:
        run.kill()
        run.wait(10)


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB filesystem of its own (tmpfs), so a warehouse can fill it."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def test_full_disk_is_one_line_naming_the_room_and_keeps_what_was_stored(small_disk: Path) -> None:
    samples = Path(__file__).resolve().parents[1] / "raw" / "samples"
    warehouse = small_disk / "w.duckdb"
    assert nianbao("run", str(samples / "huaiyin-2017.html"), "--warehouse", str(warehouse), "--quiet").returncode == 0
    filler = small_disk / "filler"
    filler.write_bytes(bytes(shutil.disk_usage(small_disk).free - 200_000))
    proc = nianbao("run", str(samples), "--warehouse", str(warehouse), "--quiet")
    lines = error_lines(proc.stderr)
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"nianbao: {warehouse}: the disk is full: free at least ") and " MB " in lines[0]
    assert not list(small_disk.glob(".w.duckdb.work-*"))  # the partial work copy is gone
    filler.unlink()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
    assert nianbao("run", str(samples), "--warehouse", str(warehouse), "--quiet").returncode == 1  # the broken sample


def test_read_only_warehouse_is_one_line_and_exit_2(small_disk: Path) -> None:
    sample = str(Path(__file__).resolve().parents[1] / "raw" / "samples" / "huaiyin-2017.html")
    warehouse = small_disk / "w.duckdb"
    assert nianbao("run", sample, "--warehouse", str(warehouse), "--quiet").returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)  # root ignores file modes
    proc = nianbao("run", sample, "--warehouse", str(warehouse), "--quiet", "--force")
    lines = error_lines(proc.stderr)
    assert proc.returncode == 2 and lines == [f"nianbao: {warehouse}: the warehouse or its folder is not writable "
                                                   "(a run writes a work copy beside the warehouse)"], proc.stderr
