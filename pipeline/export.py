"""export and query: the warehouse's tables and views as Parquet/CSV files, and ad-hoc SQL
printed as a table. Both read the warehouse through a read-only connection."""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import IO

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


def run_query(con: duckdb.DuckDBPyConnection, sql: str, limit: int | None) -> tuple[list[str], list[tuple], int]:
    """Column names, the first `limit` rows (all when None) and the total row count."""
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description] if cursor.description else []
    rows = cursor.fetchall()
    return columns, rows if limit is None else rows[:limit], len(rows)


QUERY_FORMATS = ("table", "csv", "tsv", "json", "jsonl")


def write_rows(columns: list[str], rows: list[tuple], fmt: str, out: IO[str]) -> None:
    """A query's rows in a machine format: CSV/TSV with NULL as an empty field, JSON as one array
    of objects, JSON Lines as one object per line; no header line of counts, no footer."""
    if fmt in ("csv", "tsv"):
        writer = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(["" if v is None else show(v) for v in row] for row in rows)
        return
    records = [dict(zip(columns, (_json_value(v) for v in row))) for row in rows]
    if fmt == "json":
        out.write(json.dumps(records, ensure_ascii=False, default=str) + "\n")
    else:
        out.writelines(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records)


def _json_value(value: object) -> object:
    """JSON has no NaN or infinity: those are null; dates and decimals go as text (default=str)."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


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
