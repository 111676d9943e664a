"""export and query: the warehouse's tables and views as Parquet/CSV files, and ad-hoc SQL
printed as a table. Both read the warehouse through a read-only connection."""
from __future__ import annotations

import csv
import json
import math
import re
import shutil
import sys
from pathlib import Path
from typing import IO

import duckdb

_SCHEMA = (Path(__file__).with_name("schema.sql")).read_text(encoding="utf-8")
# Every table and view the schema makes, in its order: the schema is the one list of them.
TABLES = tuple(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", _SCHEMA))
VIEWS = tuple(re.findall(r"CREATE OR REPLACE VIEW (\w+)", _SCHEMA))
FORMATS = {"parquet": "(FORMAT parquet)", "csv": "(FORMAT csv, HEADER true)"}
_BOM = "\ufeff".encode()  # Excel reads a CSV as UTF-8 only when it starts with one


class ExportError(Exception):
    """A usage problem with the export: unknown names, files already there."""


def export(con: duckdb.DuckDBPyConnection, out: Path, fmt: str, names: list[str] | None = None,
           force: bool = False) -> list[tuple[str, int, Path]]:
    """One file per table and view (or per name asked for), named after it; returns (name, rows,
    path). Existing files are kept unless `force`; each file appears whole or not at all."""
    names = names or list(TABLES + VIEWS)
    unknown = [n for n in names if n not in TABLES + VIEWS]
    if unknown:
        raise ExportError(f"no table or view named {', '.join(unknown)} (see docs/warehouse.md)")
    paths = {name: out / f"{name}.{fmt}" for name in names}
    there = [p for p in paths.values() if p.exists()]
    if there and not force:
        raise ExportError(f"{there[0]} exists ({len(there)} of the files would be replaced); use --force to replace them")
    out.mkdir(parents=True, exist_ok=True)
    return [(name, _write(con, name, path, fmt), path) for name, path in paths.items()]


def _write(con: duckdb.DuckDBPyConnection, name: str, path: Path, fmt: str) -> int:
    partial = path.with_name(f".{path.name}.partial")
    con.execute(f"COPY (SELECT * FROM {name}) TO '{_quote(partial)}' {FORMATS[fmt]}").fetchall()
    if fmt == "csv":
        _prepend_bom(partial)
    partial.replace(path)
    return con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]


def _prepend_bom(path: Path) -> None:
    """DuckDB writes CSV without a byte-order mark; the file is streamed into one that has it."""
    marked = path.with_name(path.name + ".bom")
    with path.open("rb") as plain, marked.open("wb") as out:
        out.write(_BOM)
        shutil.copyfileobj(plain, out, 1 << 20)
    marked.replace(path)


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
        write_rows(columns, rows, "tsv", sys.stdout)
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
