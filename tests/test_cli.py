"""The command line as a user (and eval/score.py) runs it: the installed `nianbao` script."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.reports import TITLE, Spec, expected_cells, report_html

REPO = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).with_name("nianbao")


def nianbao(*args: str, cwd: Path | None = None, columns: int = 200) -> subprocess.CompletedProcess:
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-c", "from pipeline.cli import app; app()"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": str(columns)}
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
    prefix = f"{report}: {TITLE} | 淮安市洪泽区人民政府 320813 2023 std2021 | "
    assert proc.stdout.startswith(prefix) and proc.stdout.endswith(" figures, 0 failed checks\n"), proc.stdout
    assert int(proc.stdout[len(prefix):].split()[0]) > len(expected_cells(Spec()))  # table cells and prose


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
    assert "1 document, 0 unchanged, 1 report, 0 not reports, 0 failed" in proc.stdout, proc.stdout
    assert "淮安市洪泽区人民政府" in proc.stdout  # the table of what this run loaded

    again = nianbao("run", str(report), "--warehouse", str(warehouse))
    assert again.returncode == 0
    assert again.stdout.splitlines() == [line for line in again.stdout.splitlines() if line.strip()]
    assert len(again.stdout.splitlines()) == 1 and "nothing changed, 1 document already stored" in again.stdout
    _status_fits_80_columns_with_durations(warehouse)


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


def test_version() -> None:
    from pipeline import __version__

    proc = nianbao("--version")
    assert proc.returncode == 0 and proc.stdout == f"nianbao {__version__}\n"


def test_extract_help_points_at_a_file_that_exists() -> None:
    import re

    proc = nianbao("extract", "--help")
    named = re.findall(r"[\w./-]+\.md", proc.stdout)  # file names the help mentions
    assert named, proc.stdout
    for name in named:
        assert (REPO / name).is_file(), name
    assert "### `nianbao extract PATH --json`" in (REPO / "README.md").read_text(encoding="utf-8")


def test_extract_says_a_non_report_is_one(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("本周食堂菜单：周一面条，周二米饭。\n", encoding="utf-8")
    proc = nianbao("extract", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{path}: not an annual report\n"


def test_extract_counts_in_the_singular(tmp_path: Path) -> None:
    one_failed = tmp_path / "one-failed.html"
    one_failed.write_bytes(report_html(Spec(inconsistent_review=True)))
    proc = nianbao("extract", str(one_failed))
    assert proc.stdout.rstrip().endswith("figures, 1 failed check"), proc.stdout


def test_run_on_an_empty_folder_is_a_warning(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = nianbao("run", str(empty), "--warehouse", str(tmp_path / "w.duckdb"))
    assert proc.returncode == 0
    assert proc.stdout == ""
    assert error_lines(proc.stderr) == [f"nianbao: warning: no documents in {empty}; nothing to do"]
    assert not (tmp_path / "w.duckdb").exists()


def _status_fits_80_columns_with_durations(warehouse: Path) -> None:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = con.execute("SELECT left(run_id, 8), date_diff('millisecond', started_at, finished_at) "
                           "FROM runs").fetchall()
    proc = nianbao("status", "--warehouse", str(warehouse), columns=80)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "took" in next(line for line in lines if line.startswith("run "))
    for run_id, millis in runs:  # each run on one line, its duration in seconds beside it
        row = next(line for line in lines if line.startswith(run_id))
        assert f" {millis / 1000:.1f} s " in row, row


def _on_a_terminal(*args: str) -> tuple[int, str]:
    """`nianbao ARGS` with stderr on a pseudo-terminal (as in an interactive shell): exit code and
    everything written there, control sequences included."""
    import pty

    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-c", "from pipeline.cli import app; app()"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "100", "TERM": "xterm"}
    master, slave = pty.openpty()
    proc = subprocess.Popen(command + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=slave, cwd=REPO, env=env)
    os.close(slave)
    written = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        written += chunk
    os.close(master)
    return proc.wait(timeout=120), written.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def many_documents(tmp_path_factory) -> Path:
    """21 short notes: enough documents for the progress bar."""
    folder = tmp_path_factory.mktemp("many")
    for i in range(21):
        (folder / f"note-{i}.txt").write_text(f"第{i}号通知：明天停水{i}小时。\n", encoding="utf-8")
    return folder


ERASE_LINE = "\x1b[2K"


def test_progress_bar_is_gone_when_the_run_ends(tmp_path: Path, many_documents: Path) -> None:
    code, terminal = _on_a_terminal("run", str(many_documents), "--warehouse", str(tmp_path / "w.duckdb"))
    assert code == 0
    assert "documents" in terminal and "21/21" in terminal  # the bar was drawn
    assert terminal.rindex(ERASE_LINE) > terminal.rindex("21/21")  # and erased after its last frame


def test_progress_bar_is_gone_after_an_error(tmp_path: Path, many_documents: Path) -> None:
    not_a_file = tmp_path / "folder.duckdb"
    not_a_file.mkdir()
    code, terminal = _on_a_terminal("run", str(many_documents), "--warehouse", str(not_a_file))
    assert code == 2
    assert "0/21" in terminal
    assert terminal.rindex(ERASE_LINE) > terminal.rindex("0/21")
    after = terminal[terminal.rindex(ERASE_LINE):]
    assert [line for line in error_lines(after.replace(ERASE_LINE, "")) if line.strip()] == [
        line for line in error_lines(after.replace(ERASE_LINE, "")) if "folder.duckdb" in line], after
