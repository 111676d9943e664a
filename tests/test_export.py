"""nianbao export / query, and the Python API (pipeline.connect, pipeline.load_metrics)."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_cli import error_lines
from typer.testing import CliRunner

import pipeline
from pipeline.cli import app
from pipeline.export import TABLES, VIEWS

runner = CliRunner()


@pytest.fixture(scope="module")
def parquet_dir(sample_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    result = runner.invoke(app, ["export", "--format", "parquet", "--out", str(out), "--warehouse", str(sample_warehouse)])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("name", TABLES + VIEWS)
def test_parquet_export_round_trips(sample_warehouse, parquet_dir, name):
    path = parquet_dir / f"{name}.parquet"
    assert path.is_file()
    con = pipeline.connect(str(sample_warehouse))
    try:
        expected = con.execute(f"SELECT * FROM {name}").df()
        count = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        # the same rows, compared by DuckDB in both directions (multiset semantics)
        missing = con.execute(f"SELECT count(*) FROM (SELECT * FROM {name} EXCEPT ALL "
                              f"SELECT * FROM read_parquet(?))", [str(path)]).fetchall()[0][0]
        extra = con.execute(f"SELECT count(*) FROM (SELECT * FROM read_parquet(?) EXCEPT ALL "
                            f"SELECT * FROM {name})", [str(path)]).fetchall()[0][0]
    finally:
        con.close()
    assert (missing, extra) == (0, 0)
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()[0][0] == count
    frame = pd.read_parquet(path)
    assert len(frame) == count and list(frame.columns) == list(expected.columns)
    if count:
        pd.testing.assert_frame_equal(_plain(frame), _plain(expected), check_dtype=False)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Sorted, object dtype, None for every missing value: pandas' string and nullable dtypes
    spell missing differently depending on the reader."""
    frame = frame.sort_values(list(frame.columns)).reset_index(drop=True).astype(object)
    return frame.where(frame.notna(), None)


def test_export_has_the_reports(parquet_dir):
    assert len(pd.read_parquet(parquet_dir / "reports.parquet")) > 0
    assert len(pd.read_parquet(parquet_dir / "metric_yoy.parquet")) > 0


def test_csv_export(sample_warehouse, tmp_path):
    result = runner.invoke(app, ["export", "--format", "csv", "--out", str(tmp_path), "-w", str(sample_warehouse)])
    assert result.exit_code == 0, result.output
    assert sorted(p.stem for p in tmp_path.glob("*.csv")) == sorted(TABLES + VIEWS)
    frame = pd.read_csv(tmp_path / "metric_values.csv", dtype={"adcode": str, "value": str})
    con = pipeline.connect(str(sample_warehouse))
    try:
        assert len(frame) == con.execute("SELECT count(*) FROM metric_values").fetchall()[0][0]
    finally:
        con.close()
    assert frame.adcode.str.len().eq(6).all()
    # values are in the key's unit, as whole numbers: `4`, never `4.0`
    assert frame.value.dropna().str.fullmatch(r"-?\d+").all()
    assert set(frame.loc[frame.key == "fees.collected", "unit"]) == {"元"}


def test_export_rejects_unknown_format_and_missing_warehouse(sample_warehouse, tmp_path):
    assert runner.invoke(app, ["export", "-f", "xlsx", "-o", str(tmp_path), "-w", str(sample_warehouse)]).exit_code == 2
    assert runner.invoke(app, ["export", "-o", str(tmp_path), "-w", str(tmp_path / "none.duckdb")]).exit_code == 2
    assert not (tmp_path / "none.duckdb").exists()


def test_query_prints_a_table(sample_warehouse):
    result = runner.invoke(app, ["query", "SELECT year, count(*) AS reports FROM reports GROUP BY year ORDER BY year",
                                 "-w", str(sample_warehouse), "--format", "table"])
    assert result.exit_code == 0, result.output
    assert "reports" in result.output and "2019" in result.output and "rows" in result.output


def _query(warehouse: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from pipeline.cli import app; app()", "query", *args,
                           "-w", str(warehouse)], capture_output=True, text=True, input=stdin, timeout=120)


_FIGURES = "SELECT report_id, figure_id, key, value FROM figures ORDER BY report_id, figure_id"


def test_query_machine_formats_are_whole_and_plain(sample_warehouse):
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        expected = con.execute(_FIGURES).fetchall()
    assert len(expected) > 200  # more than a table shows
    as_csv = list(csv.reader(io.StringIO(_query(sample_warehouse, _FIGURES, "--format", "csv").stdout)))
    assert as_csv[0] == ["report_id", "figure_id", "key", "value"] and len(as_csv) == len(expected) + 1  # no footer
    assert any(row[2] == "" for row in as_csv[1:])  # a figure without a key: NULL is an empty field
    piped = _query(sample_warehouse, _FIGURES).stdout.splitlines()  # piped, no --format: TSV, every row
    assert piped[0] == "report_id\tfigure_id\tkey\tvalue" and len(piped) == len(expected) + 1
    lines = _query(sample_warehouse, _FIGURES, "--format", "jsonl", "--limit", "5").stdout.splitlines()
    assert [json.loads(line)["figure_id"] for line in lines] == [row[1] for row in expected[:5]]
    records = json.loads(_query(sample_warehouse, _FIGURES, "--format", "json", "--limit", "0").stdout)
    assert len(records) == len(expected) and records[0]["key"] == expected[0][2]


def test_query_reads_sql_from_stdin_and_refuses_unknown_formats(sample_warehouse):
    done = _query(sample_warehouse, "-", "--format", "csv", stdin="SELECT count(*) AS n FROM reports")
    assert done.returncode == 0 and done.stdout.splitlines()[0] == "n" and int(done.stdout.splitlines()[1]) > 0
    refused = _query(sample_warehouse, "SELECT 1", "--format", "xml")
    assert refused.returncode == 2 and error_lines(refused.stderr) == [
        "nianbao: --format xml: not one of table, csv, tsv, json, jsonl"]


def test_query_error_exits_2_with_one_line(sample_warehouse):
    done = subprocess.run([sys.executable, "-c", "from pipeline.cli import app; app()", "query",
                           "SELECT no_such_column FROM reports", "-w", str(sample_warehouse)],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "no_such_column" in done.stderr
    assert "Traceback" not in done.stderr


def test_query_is_read_only(sample_warehouse):
    result = runner.invoke(app, ["query", "DELETE FROM reports", "-w", str(sample_warehouse)])
    assert result.exit_code == 2
    con = pipeline.connect(str(sample_warehouse))
    try:
        assert con.execute("SELECT count(*) FROM reports").fetchall()[0][0] > 0
    finally:
        con.close()


# ── Python API ────────────────────────────────────────────────────────────────────────────────

def test_import_is_light():
    code = "import sys, pipeline; print(sorted(m for m in ('duckdb', 'pandas', 'matplotlib') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_load_metrics_is_tidy(sample_warehouse):
    df = pipeline.load_metrics(str(sample_warehouse))
    assert list(df.columns) == ["adcode", "region", "issuer", "year", "key", "value", "unit", "printed_value",
                                "printed_unit", "source", "report_id"]
    assert len(df) > 0 and not df.duplicated(["report_id", "key"]).any()
    assert str(df.value.dtype) == "Int64"  # counts and 元 as integers, not floats


def test_load_metrics_filters(sample_warehouse):
    wh = str(sample_warehouse)
    df = pipeline.load_metrics(wh, keys="requests.new.*", years=range(2019, 2021))
    assert len(df) and df.key.str.startswith("requests.new.").all() and set(df.year) <= {2019, 2020}
    one = pipeline.load_metrics(wh, keys=["requests.new.total", "review.total"], adcode="320804", years=2021)
    assert set(one.key) <= {"requests.new.total", "review.total"} and set(one.adcode) == {"320804"}
    assert len(one) == 2
    by_issuer = pipeline.load_metrics(wh, issuer="淮阴区", keys="requests.new.total")
    assert len(by_issuer) and by_issuer.issuer.str.contains("淮阴区").all()
    assert pipeline.load_metrics(wh, keys=[]).empty
    assert pipeline.load_metrics(wh, adcode="000000").empty


def test_load_metrics_missing_warehouse(tmp_path):
    with pytest.raises(FileNotFoundError):
        pipeline.load_metrics(str(tmp_path / "nowhere.duckdb"))


def test_connect_is_read_only(sample_warehouse):
    con = pipeline.connect(str(sample_warehouse))
    try:
        with pytest.raises(duckdb.Error):
            con.execute("CREATE TABLE scratch (x INTEGER)").fetchall()
    finally:
        con.close()


def test_connect_adds_missing_views_to_an_old_warehouse(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE reports (report_id VARCHAR, doc_id VARCHAR, title VARCHAR, issuer VARCHAR, adcode VARCHAR,"
                " region VARCHAR, year INTEGER, format VARCHAR, script VARCHAR, extractor_version VARCHAR,"
                " figures INTEGER, failed_checks INTEGER)").fetchall()
    con.execute("CREATE TABLE figures (report_id VARCHAR, figure_id INTEGER, key VARCHAR, label VARCHAR, value DOUBLE,"
                " unit VARCHAR, value_base DOUBLE, approx BOOLEAN, implicit BOOLEAN, source VARCHAR, \"start\" INTEGER,"
                " \"end\" INTEGER, snippet VARCHAR, part_of INTEGER)").fetchall()
    con.execute("CREATE TABLE checks (report_id VARCHAR, rule VARCHAR, kind VARCHAR, ok BOOLEAN, lhs DOUBLE, rhs DOUBLE)").fetchall()
    con.execute("CREATE TABLE regions (adcode VARCHAR, name VARCHAR, full_name VARCHAR, level VARCHAR, parent VARCHAR,"
                " province VARCHAR, city VARCHAR)").fetchall()
    con.execute("INSERT INTO reports (report_id, issuer, adcode, year, figures) VALUES ('a', 'X', NULL, 2020, 1)").fetchall()
    con.execute("INSERT INTO figures (report_id, figure_id, key, value, source, implicit) "
                "VALUES ('a', 0, 'review.total', 2, 'table', false)").fetchall()
    con.close()
    ro = pipeline.connect(str(path))
    try:
        assert ro.execute("SELECT value FROM metric_yoy").fetchall() == [(2,)]
        assert ro.execute("SELECT review_total FROM indicators").fetchall() == [(2,)]
    finally:
        ro.close()


def test_csv_export_opens_in_excel_and_keeps_what_is_there(sample_warehouse, tmp_path):
    args = ["export", "-f", "csv", "-o", str(tmp_path), "-w", str(sample_warehouse), "--tables", "reports,cross_year_relations"]
    assert runner.invoke(app, args).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cross_year_relations.csv", "reports.csv"]
    data = (tmp_path / "reports.csv").read_bytes()
    assert data.startswith("\ufeff".encode()) and "淮安" in data.decode("utf-8-sig")
    (tmp_path / "reports.csv").write_text("an analyst's own edits", encoding="utf-8")
    again = subprocess.run([sys.executable, "-c", "from pipeline.cli import app; app()", *args],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and len(error_lines(again.stderr)) == 1 and "--force" in again.stderr
    assert (tmp_path / "reports.csv").read_text(encoding="utf-8") == "an analyst's own edits"
    assert runner.invoke(app, args + ["--force"]).exit_code == 0
    assert (tmp_path / "reports.csv").read_bytes() == data
    unknown = runner.invoke(app, ["export", "-o", str(tmp_path), "-w", str(sample_warehouse), "--tables", "nope"])
    assert unknown.exit_code == 2
