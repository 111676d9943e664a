"""export and query: the warehouse's tables and views as Parquet/CSV files, and ad-hoc SQL
printed as a table. Both read the warehouse through a read-only connection."""
from __future__ import annotations

import math
from pathlib import Path

import duckdb

TABLES = ("documents", "reports", "figures", "checks", "runs", "errors", "metrics", "relation_terms", "regions")
VIEWS = ("metric_values", "metric_values_all", "metric_yoy", "metric_compare", "metric_rollup", "report_quality", "indicators",
         "cross_year_checks", "report_series", "check_failures")
FORMATS = {"parquet": "(FORMAT parquet)", "csv": "(FORMAT csv, HEADER true)"}


def export(con: duckdb.DuckDBPyConnection, out: Path, fmt: str) -> list[tuple[str, int, Path]]:
    """One file per table and view, named after it; returns (name, rows, path)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLES + VIEWS:
        path = out / f"{name}.{fmt}"
        con.execute(f"COPY (SELECT * FROM {name}) TO '{_quote(path)}' {FORMATS[fmt]}").fetchall()
        rows = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        written.append((name, rows, path))
    return written


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def run_query(con: duckdb.DuckDBPyConnection, sql: str, limit: int) -> tuple[list[str], list[tuple], int]:
    """Column names, the first `limit` rows and the total row count."""
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description] if cursor.description else []
    rows = cursor.fetchall()
    return columns, rows[:limit], len(rows)


def show(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.4f}".rstrip("0").rstrip(".") if math.isfinite(value) else str(value)
    return str(value)


def print_table(columns: list[str], rows: list[tuple], total: int) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=False)
    if not console.is_terminal or len(columns) > 12:
        # Piped output and wide results: tab-separated lines, which tools and people can read.
        print("\t".join(columns))
        for row in rows:
            print("\t".join(show(v) for v in row))
        print(f"({total} rows{f', {len(rows)} shown' if total > len(rows) else ''})")
        return
    table = Table(*columns, show_lines=False)
    for col in table.columns:
        col.overflow = "fold"
    for row in rows:
        table.add_row(*(show(v) for v in row))
    console.print(table)
    more = f", {len(rows)} shown" if total > len(rows) else ""
    console.print(f"{total} rows{more}", style="dim")
