"""The warehouse: process_documents into DuckDB, idempotent re-runs, --force, failed batches."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from fixtures.reports import Spec, report_html

from pipeline import store
from pipeline.runner import collect, process_documents

TABLES = ("documents", "reports", "figures", "checks", "errors")
ORDER = {"documents": ["doc_id"], "reports": ["report_id"], "figures": ["report_id", "figure_id"],
         "checks": ["report_id", "rule"], "errors": ["doc_id"], "runs": ["started_at"]}


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a-2021.html").write_bytes(report_html(Spec()))
    (docs / "b-2019.html").write_bytes(report_html(Spec(version="2019")))
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 64)
    return docs


def dump(warehouse: Path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t}").df().sort_values(ORDER[t]).reset_index(drop=True)
                for t in TABLES + ("runs",)}
    finally:
        con.close()


def test_first_run(folder: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    summary = process_documents(collect([folder]), warehouse)
    assert (summary.documents, summary.reports, summary.unchanged) == (3, 2, 0)
    assert summary.exit_code == 1
    [(path, reason)] = summary.failed
    assert path.endswith("broken.pdf") and "PDF" in reason

    tables = dump(warehouse)
    assert len(tables["documents"]) == 3
    reports = tables["reports"]
    assert len(reports) == 2
    assert sorted(reports["format"]) == ["std2019", "std2021"]
    assert set(reports["adcode"]) == {"320813"}
    assert set(reports["year"]) == {2023}
    errors = tables["errors"]
    assert len(errors) == 1
    assert errors.loc[0, "path"].endswith("broken.pdf")
    assert "corrupt" in errors.loc[0, "reason"]
    figures = tables["figures"]
    assert set(figures["report_id"]) == set(reports["report_id"])
    by_report = figures[figures["source"] == "table"].groupby("report_id").size()
    assert sorted(by_report) == [198, 200]
    fee = figures[figures["key"] == "proactive.admin_fees.amount"].iloc[0]
    assert (fee["value"], fee["unit"], fee["value_base"]) == (7730.28, "万元", pytest.approx(77_302_800))
    checks = tables["checks"]
    assert set(checks["report_id"]) == set(reports["report_id"])
    assert not checks[checks["kind"] == "definitional"]["ok"].eq(False).any()
    assert len(tables["runs"]) == 1
    assert tables["runs"].loc[0, "failed"] == 1


def test_second_run_changes_nothing(folder: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    process_documents(collect([folder]), warehouse)
    before = dump(warehouse)
    summary = process_documents(collect([folder]), warehouse)
    after = dump(warehouse)
    for table in ("reports", "figures", "checks"):
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)
    pd.testing.assert_frame_equal(before["documents"], after["documents"], obj="documents")
    assert len(after["runs"]) == 2
    # every stored document, the unreadable one included, was processed already with this extractor
    assert summary.unchanged == 3, summary


def test_second_run_skips_stored_reports(folder: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    process_documents(collect([folder]), warehouse)
    summary = process_documents(collect([folder]), warehouse)
    assert summary.unchanged >= 2
    assert summary.reports == 0


def test_force_re_extracts(folder: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    process_documents(collect([folder]), warehouse)
    before = dump(warehouse)
    summary = process_documents(collect([folder]), warehouse, force=True)
    assert summary.unchanged == 0
    assert summary.reports == 2
    after = dump(warehouse)
    for table in ("reports", "figures", "checks"):
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)
    assert len(after["errors"]) == 1  # replaced, not duplicated
    assert (after["documents"]["loaded_at"] >= before["documents"]["loaded_at"]).all()


def test_changed_file_replaces_its_rows(folder: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    process_documents(collect([folder]), warehouse)
    (folder / "a-2021.html").write_bytes(report_html(Spec(inconsistent_review=True)))
    summary = process_documents(collect([folder]), warehouse)
    assert summary.reports == 1
    tables = dump(warehouse)
    assert len(tables["documents"]) == 4  # a new snapshot is a new document
    assert len(tables["reports"]) == 3
    failed = tables["checks"][tables["checks"]["ok"].eq(False)]
    assert list(failed["rule"]) == ["review.sum"]


def test_failed_batch_leaves_stored_rows_intact(folder: Path, tmp_path: Path, monkeypatch) -> None:
    warehouse = tmp_path / "w.duckdb"
    process_documents(collect([folder]), warehouse)
    before = dump(warehouse)

    real_execute = store.execute

    def failing_execute(con, sql, params=None):
        if sql.startswith("INSERT INTO figures"):
            raise RuntimeError("disk full")
        return real_execute(con, sql, params)

    monkeypatch.setattr(store, "execute", failing_execute)
    with pytest.raises(RuntimeError, match="disk full"):
        process_documents(collect([folder]), warehouse, force=True)
    monkeypatch.undo()

    after = dump(warehouse)
    for table in TABLES:
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)


def test_a_run_that_fails_publishes_nothing(folder: Path, tmp_path: Path, monkeypatch) -> None:
    """The run works on a copy: one that fails after its first batch leaves the warehouse as it
    was before the run (no batch of it, no run row) and no work file beside it."""
    import pipeline.runner as runner

    warehouse = tmp_path / "w.duckdb"
    process_documents(collect([folder / "a-2021.html"]), warehouse)
    before = dump(warehouse)
    monkeypatch.setattr(runner, "BATCH", 1)
    real_execute = store.execute
    inserts = {"n": 0}

    def failing_execute(con, sql, params=None):
        if sql.startswith("INSERT INTO documents"):
            inserts["n"] += 1
            if inserts["n"] == 2:
                raise RuntimeError("killed")
        return real_execute(con, sql, params)

    monkeypatch.setattr(store, "execute", failing_execute)
    with pytest.raises(RuntimeError):
        process_documents(collect([folder]), warehouse, force=True)
    monkeypatch.undo()
    assert inserts["n"] == 2  # the first batch was committed to the work file
    after = dump(warehouse)
    for table in TABLES + ("runs",):
        pd.testing.assert_frame_equal(after[table], before[table])
    assert sorted(p.name for p in tmp_path.iterdir()) == [".w.duckdb.lock", "docs", "w.duckdb"]


def test_an_unexpected_extractor_failure_is_an_error_row_and_the_run_goes_on(tmp_path, monkeypatch) -> None:
    """A bug that raises on one odd document is recorded against that document only."""
    from pipeline import process
    from pipeline.runner import collect, process_documents

    original = process.check_document

    def boom(figures, fmt):
        if any(f.value == 4242 for f in figures):
            raise ZeroDivisionError("odd document")
        return original(figures, fmt)

    monkeypatch.setattr(process, "check_document", boom)
    folder = tmp_path / "in"
    folder.mkdir()
    body = "一、概述\n全年主动公开政府信息{n}条。\n二、主动公开政府信息情况\n三、依申请公开政府信息情况\n受理申请3件。\n四、收费\n未收取任何费用。\n五、行政复议\n未发生行政复议。"
    for name, n in (("odd.txt", 4242), ("fine.txt", 12)):
        (folder / name).write_text(f"某某县2016年政府信息公开工作年度报告\n本报告{body.format(n=n)}", encoding="utf-8")
    summary = process_documents(collect([folder]), tmp_path / "w.duckdb", workers=1)
    assert summary.reports == 1
    assert [(p.endswith("odd.txt"), "ZeroDivisionError" in why) for p, why in summary.failed] == [(True, True)]


def test_money_in_yuan_is_exact() -> None:
    from pipeline.store import in_yuan

    assert (in_yuan(1.1, "万元"), in_yuan(0.07, "万元"), in_yuan(3940, "元"), in_yuan(5, "件")) == (11000, 700, 3940, None)


def _as_before_scope(warehouse: Path) -> int:
    """Turn a warehouse into one written before figures had a scope; its metric row count."""
    con = duckdb.connect(str(warehouse))
    try:
        rows = con.execute("SELECT count(*) FROM metric_values").fetchone()[0]
        con.execute("DROP VIEW metric_values")  # the views that read scope did not exist either
        con.execute("ALTER TABLE figures DROP COLUMN scope")
        return rows
    finally:
        con.close()


def test_warehouse_from_before_scope_reads_as_this_years_figures(folder: Path, tmp_path: Path) -> None:
    import pipeline

    warehouse = tmp_path / "w.duckdb"
    process_documents(collect([folder]), warehouse)
    rows = _as_before_scope(warehouse)
    assert rows > 0
    with pipeline.connect(str(warehouse)) as con:  # read-only: the views come as temporary ones
        assert con.execute("SELECT count(*) FROM metric_values").fetchone()[0] == rows
    with store.connect(warehouse) as con:  # writable: the column is added, old rows this year's
        assert con.execute("SELECT DISTINCT scope FROM figures").fetchall() == [("year",)]
        assert con.execute("SELECT count(*) FROM metric_values").fetchone()[0] == rows


def test_a_report_saved_three_times_counts_once(tmp_path: Path) -> None:
    """The page, its PDF copy and a re-saved page (other bytes, same report) are three documents
    of one issuer and year: one is primary, the others point at it, and a sum over
    load_metrics() counts the report once, also when the copies arrive in a later run."""
    import pipeline
    from fixtures.reports import expected_cells, report_pdf

    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir(), later.mkdir()
    (first / "page.html").write_bytes(report_html(Spec()))
    (later / "copy.pdf").write_bytes(report_pdf(Spec()))
    (later / "resaved.html").write_bytes(report_html(Spec()) + b"\n<!-- saved again -->\n")
    warehouse = tmp_path / "w.duckdb"
    process_documents(collect([first]), warehouse)
    process_documents(collect([later]), warehouse)

    every = pipeline.load_metrics(str(warehouse), all_reports=True)
    assert every.report_id.nunique() == 3
    primaries = every.loc[every.is_primary, "report_id"].unique()
    assert len(primaries) == 1 and set(every.primary_report_id) == set(primaries)

    df = pipeline.load_metrics(str(warehouse))
    assert set(df.report_id) == set(primaries)
    assert not df.duplicated(["adcode", "issuer", "year", "key"]).any()
    total = df.groupby("key")["value"].sum()["requests.new.natural_person"]
    assert total == expected_cells(Spec())["requests.new.natural_person"]
    con = pipeline.connect(str(warehouse))
    try:
        for view in ("metric_values", "metric_yoy", "metric_compare", "indicators"):
            assert con.execute(f"SELECT count(DISTINCT report_id) FROM {view}").fetchall() == [(1,)], view
    finally:
        con.close()


def test_warehouse_from_before_ocr_gets_a_null_confidence_column(folder: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    process_documents(collect([folder]), warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        figures = con.execute("SELECT count(*) FROM figures").fetchone()[0]
        con.execute("ALTER TABLE figures DROP COLUMN ocr_confidence")
    finally:
        con.close()
    with store.connect(warehouse) as con:  # writable: the column is added, old rows were printed text
        assert figures > 0
        assert con.execute("SELECT count(*) FROM figures WHERE ocr_confidence IS NULL").fetchone()[0] == figures
