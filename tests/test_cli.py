"""The command line as a user (and eval/score.py) runs it: the installed `nianbao` script."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.reports import Spec, report_html

REPO = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).with_name("nianbao")


def nianbao(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-c", "from pipeline.cli import app; app()"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    return subprocess.run(command + list(args), capture_output=True, text=True, cwd=cwd or REPO, env=env, timeout=120)


def error_lines(stderr: str) -> list[str]:
    """stderr without jieba's start-up chatter."""
    noise = ("Building prefix dict", "Loading model", "Prefix dict has been built", "Dumping model")
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith(noise)]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("docs") / "hongze-2023.html"
    path.write_bytes(report_html(Spec()))
    return path


def test_extract_json(report: Path) -> None:
    proc = nianbao("extract", str(report), "--json")
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert {"document", "figures", "checks"} <= set(payload)
    doc = payload["document"]
    assert (doc["format"], doc["year"], doc["adcode"]) == ("std2021", 2023, "320813")
    assert doc["script"] == "simplified" and doc["encoding"] == "utf-8"
    table = [f for f in payload["figures"] if f["source"] == "table"]
    assert len(table) == 200
    first = next(f for f in table if f["key"] == "requests.new.natural_person")
    assert {"key", "label", "value", "unit", "approx", "implicit", "source", "start", "end"} <= set(first)
    assert isinstance(first["value"], int) and first["unit"] == "件"
    assert all(c["kind"] in ("definitional", "commonly_expected") for c in payload["checks"])
    assert {c["ok"] for c in payload["checks"] if c["kind"] == "definitional"} == {True}
    assert proc.stdout.count("\n") == 1  # one JSON object, nothing else on stdout


def test_extract_human_summary(report: Path) -> None:
    proc = nianbao("extract", str(report))
    assert proc.returncode == 0
    assert "2023" in proc.stdout and "std2021" in proc.stdout and "figures" in proc.stdout


@pytest.mark.parametrize(("name", "data"), [
    ("empty.html", b""),
    ("corrupt.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8),
    ("garbage.html", bytes(range(256)) * 16),
])
def test_extract_unreadable_document(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    proc = nianbao("extract", str(path), "--json")
    assert proc.returncode != 0
    assert proc.stdout == ""
    lines = error_lines(proc.stderr)
    assert len(lines) == 1, proc.stderr
    assert name in lines[0]


def test_extract_missing_path(tmp_path: Path) -> None:
    proc = nianbao("extract", str(tmp_path / "nope.pdf"), "--json")
    assert proc.returncode == 2
    assert "nope.pdf" in proc.stderr


def test_run_exit_codes_and_status(tmp_path: Path, report: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.html").write_bytes(report.read_bytes())
    (docs / "b.html").write_bytes(report_html(Spec(version="2019")))
    warehouse = tmp_path / "w.duckdb"

    ok = nianbao("run", str(docs), "--warehouse", str(warehouse), "--quiet")
    assert ok.returncode == 0, ok.stderr
    assert error_lines(ok.stderr) == []

    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00" * 300)
    failed = nianbao("run", str(docs), "--warehouse", str(warehouse), "--quiet")
    assert failed.returncode == 1
    assert any("broken.pdf" in line for line in error_lines(failed.stderr))

    status = nianbao("status", "--warehouse", str(warehouse))
    assert status.returncode == 0, status.stderr
    out = status.stdout
    for table, count in (("documents", 3), ("reports", 2), ("errors", 1)):
        assert any(table in line and f" {count} " in line for line in out.splitlines()), out
    assert "broken.pdf" in out


def test_run_summary_printed(tmp_path: Path, report: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    proc = nianbao("run", str(report), "--warehouse", str(warehouse))
    assert proc.returncode == 0
    assert "1 reports" in proc.stdout.replace("\n", " ")


def test_run_summary_counts_failed_checks_by_kind(tmp_path: Path) -> None:
    """A report whose 行政复议 总计 disagrees with its parts (definitional) and whose prose parts fall
    short of their total (heuristic): the summary shows both counts, check_failures both terms."""
    import pipeline

    page = report_html(Spec(inconsistent_review=True)).decode()
    total = "本机关主动公开政府信息1136条，"
    assert total in page
    path = tmp_path / "report.html"
    path.write_text(page.replace(total, total + "其中政策文件100条、政策解读50条，"), encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    proc = nianbao("run", str(path), "--warehouse", str(warehouse))
    assert proc.returncode == 0, proc.stderr
    header = next(line for line in proc.stdout.splitlines() if "failed definitional" in line)
    row = next(line for line in proc.stdout.splitlines() if "人民政府" in line)
    cells = dict(zip([c.strip() for c in header.split("┃")], [c.strip() for c in row.split("│")]))
    assert (cells["failed definitional"], cells["failed heuristic"]) == ("1", "1"), proc.stdout

    con = pipeline.connect(str(warehouse))
    try:
        terms = con.execute("SELECT kind, side, key, label, value FROM check_failures WHERE rule = 'review.sum' "
                            "ORDER BY side, position").fetchall()
        parts = con.execute("SELECT kind, side, value FROM check_failures WHERE rule LIKE 'text.part_sum.%' "
                            "ORDER BY side, position").fetchall()
    finally:
        con.close()
    assert [t[:3] for t in terms] == [("definitional", "lhs", "review.total")] + [
        ("definitional", "rhs", f"review.{k}") for k in ("upheld", "corrected", "other", "pending")]
    assert [t[4] for t in terms] == [0, 10, 1, 2, 3] and all(t[3] for t in terms)
    assert parts == [("heuristic", "lhs", 1136), ("heuristic", "rhs", 100), ("heuristic", "rhs", 50)]


def test_run_missing_path_is_usage_error(tmp_path: Path) -> None:
    proc = nianbao("run", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb"))
    assert proc.returncode == 2
    assert "nope" in proc.stderr
    assert not (tmp_path / "w.duckdb").exists()


def test_status_without_warehouse(tmp_path: Path) -> None:
    proc = nianbao("status", "--warehouse", str(tmp_path / "none.duckdb"))
    assert proc.returncode == 2
    assert "none.duckdb" in proc.stderr


def test_extract_keeps_stderr_quiet_on_success() -> None:
    """stderr carries one line per failed document; library progress chatter stays out of it."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([str(root / ".venv" / "bin" / "nianbao"), "extract", str(root / "raw" / "samples" / "wuhou-2018.html"),
                           "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == ""
