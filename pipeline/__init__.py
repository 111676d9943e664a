"""nianbao: Chinese government information-disclosure annual reports → DuckDB.

For notebooks and scripts::

    import pipeline
    df = pipeline.load_metrics(keys="requests.new.*", years=range(2017, 2024))
    con = pipeline.connect()            # read-only DuckDB connection to the warehouse
    con.sql("SELECT * FROM metric_yoy LIMIT 5").df()

Without a path they read ``pipeline.find_warehouse()``: ``$NIANBAO_WAREHOUSE``, else the
warehouse of the nianbao project the working directory is in (a notebook in notebooks/ finds it).

Imports stay lazy, so ``import pipeline`` costs nothing.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    import duckdb
    import pandas

__version__ = "0.1.0"
__all__ = ["connect", "load_metrics", "find_warehouse", "DEFAULT_WAREHOUSE"]

DEFAULT_WAREHOUSE = "warehouse/nianbao.duckdb"
METRIC_COLUMNS = ["adcode", "region", "issuer", "year", "key", "value", "unit", "printed_value", "printed_unit",
                  "source", "report_id"]
ALL_REPORTS_COLUMNS = ["is_primary", "primary_report_id"]


def _is_project_root(folder: Path) -> bool:
    import tomllib

    try:
        with open(folder / "pyproject.toml", "rb") as handle:
            return tomllib.load(handle).get("project", {}).get("name") == "nianbao"
    except (OSError, tomllib.TOMLDecodeError):
        return False


def find_warehouse(start: str | Path | None = None) -> Path:
    """The warehouse to read when none is named: the file ``$NIANBAO_WAREHOUSE`` names; else
    warehouse/nianbao.duckdb of the project root found by walking up from `start` (default: the
    working directory, which Jupyter sets to the notebook's folder) to the folder whose
    pyproject.toml is the nianbao project's; else the relative default."""
    if os.environ.get("NIANBAO_WAREHOUSE"):
        return Path(os.environ["NIANBAO_WAREHOUSE"])
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_project_root(folder):
            return folder / DEFAULT_WAREHOUSE
    return Path(DEFAULT_WAREHOUSE)


def connect(warehouse: str | Path | None = None) -> "duckdb.DuckDBPyConnection":
    """A read-only connection to the warehouse (default: ``find_warehouse()``). The caller
    closes it (or uses ``with``).

    It reads the snapshot it opened: a `nianbao run` meanwhile publishes a new file under the
    same name, which connections opened after the run (once this process holds none to the old
    one) see. Only a DuckDB session that holds the file for writing refuses it
    (``pipeline.store.WarehouseError``, one line).

    A warehouse written by an older nianbao may lack newer views; they are then created as
    temporary views of this connection, so the documented SQL works on it unchanged."""
    from pipeline.store import open_read_only

    path = Path(warehouse) if warehouse is not None else find_warehouse()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no warehouse here (build one with `nianbao run`)")
    con = open_read_only(path)
    try:
        _ensure_views(con)
    except Exception:
        con.close()
        raise
    return con


def _ensure_views(con: "duckdb.DuckDBPyConnection") -> None:
    import re

    from pipeline.store import key_file_tables

    sql = (Path(__file__).with_name("schema.sql")).read_text(encoding="utf-8")
    have = {name for (name,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    wanted = re.findall(r"CREATE OR REPLACE VIEW (\w+)", sql)
    if all(name in have for name in wanted):
        return
    columns = {name for (name,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'figures' AND schema_name = 'main'").fetchall()}
    if columns and "scope" not in columns:  # written before figures had a scope: all were this year's
        database = con.execute("SELECT current_database()").fetchone()[0]
        con.execute(f'CREATE TEMP VIEW figures AS SELECT *, \'year\' AS scope FROM "{database}".main.figures').fetchall()
    for name, frame in key_file_tables().items():  # the installed key files, not the old warehouse's copy
        con.register("key_file_frame", frame)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM key_file_frame").fetchall()
        con.unregister("key_file_frame")
    for statement in con.extract_statements(sql):
        text = re.sub(r"^(\s*--[^\n]*\n|\s+)*", "", statement.query)  # leading comments
        if re.match(r"CREATE OR REPLACE (VIEW|MACRO)\b", text):
            con.execute(re.sub(r"^CREATE OR REPLACE (VIEW|MACRO)", r"CREATE OR REPLACE TEMP \1", text)).fetchall()


def _as_list(value) -> list | None:
    if value is None:
        return None
    if isinstance(value, (str, int)):
        return [value]
    return list(value)


def load_metrics(warehouse: str | Path | None = None, keys: str | Iterable[str] | None = None,
                 adcode: str | Iterable[str] | None = None, issuer: str | Iterable[str] | None = None,
                 years: int | Iterable[int] | None = None, all_reports: bool = False) -> "pandas.DataFrame":
    """Canonical figures as a tidy DataFrame (warehouse default: ``find_warehouse()``), one row
    per report and key (the ``metric_values`` view): adcode, region, issuer, year, key, value and unit (the key's unit: money in 元,
    counts as integers), printed_value and printed_unit (as the report prints them), source
    ('table' or 'text'), report_id.

    Only primary reports: one per issuer and year, so a ``groupby().sum()`` counts a report
    saved twice (page and PDF) once. ``all_reports=True`` returns every report
    (``metric_values_all``), with is_primary and primary_report_id.

    Filters (each optional, combined with AND):
    - keys: a key or keys; ``*`` is a wildcard (``"requests.new.*"``);
    - adcode: one adcode or several (exact region, not its subdivisions);
    - issuer: text the issuer name contains (``"淮阴区"``), or several such texts;
    - years: a year, or an iterable of years (``range(2017, 2024)``).
    """
    where, params = [], []
    for column, values, test in (("key", _as_list(keys), "key GLOB ?"),
                                 ("adcode", _as_list(adcode), "adcode = ?"),
                                 ("issuer", _as_list(issuer), "issuer LIKE '%' || ? || '%'"),
                                 ("year", _as_list(years), "year = ?")):
        if values is None:
            continue
        if not values:
            where.append("false")
            continue
        where.append("(" + " OR ".join([test] * len(values)) + ")")
        params.extend(int(v) if column == "year" else str(v) for v in values)
    columns, view = (METRIC_COLUMNS + ALL_REPORTS_COLUMNS, "metric_values_all") if all_reports else (
        METRIC_COLUMNS, "metric_values")
    sql = (f"SELECT {', '.join(columns)} FROM {view}"
           f"{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY adcode, issuer, year, key")
    con = connect(warehouse)
    try:
        return con.execute(sql, params).df()
    finally:
        con.close()
