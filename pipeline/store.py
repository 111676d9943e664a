"""load: the DuckDB warehouse. A run writes a work copy beside it and publishes that whole by
a rename at its end, so readers never wait and keep the snapshot they opened. Each batch is
one transaction that replaces the rows of the documents it carries, bulk-inserted from
pandas, so re-running changes nothing. A cluster's run (pipeline/cluster.py) loads instead
the Parquet partitions its workers staged, all in one such transaction."""
from __future__ import annotations

import os
import shutil
import threading
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from decimal import Decimal
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd
import pyarrow as pa

from pipeline import DEFAULT_WAREHOUSE as _DEFAULT_WAREHOUSE
from pipeline.checks import relation_terms
from pipeline.locks import LockHeld, exclusive
from pipeline.metrics import CURRENCY, dictionary_rows, load_data
from pipeline.process import EXTRACTOR_VERSION, Result

SCHEMA = Path(__file__).with_name("schema.sql")
COMMENTS = Path(__file__).with_name("schema_comments.yaml")
DEFAULT_WAREHOUSE = Path(_DEFAULT_WAREHOUSE)
_TABLES = ("figures", "checks", "reports", "documents", "errors")


class WarehouseError(Exception):
    """The warehouse file cannot be opened or written: a usage problem, one line for the user."""


def _open(path: Path, shown: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to `path`; a failure names `shown`, the warehouse the user gave."""
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as err:
        raise _fault(shown, err) from err


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A reader's connection. Runs never hold the published warehouse, so only a foreign writer
    (a DuckDB session not opened read-only) can refuse it: one line, a WarehouseError."""
    return _open(path, path, read_only=True)


_NOT_WRITABLE = "the warehouse or its folder is not writable (a run writes a work copy beside the warehouse)"


def _fault(path: Path, err: Exception) -> WarehouseError:
    message = f"cannot write the warehouse ({err.strerror})" if isinstance(err, OSError) and err.strerror else str(err)
    return WarehouseError(f"{path}: {_why(message, path)}")


def _why(message: str, path: Path) -> str:
    """DuckDB's (or the OS's) multi-line message, said as the cause a user can act on."""
    if "lock" in message.lower():
        return ("the warehouse is in use by another process that opened it for writing (not read-only); "
                "close that connection and run again")
    if "not a valid DuckDB database" in message or "Unable to open" in message and "header" in message:
        return "not a DuckDB warehouse file"
    if "read-only" in message.lower() or "Permission denied" in message:
        return _NOT_WRITABLE
    if "No space left" in message or "disk" in message.lower() and "full" in message.lower():
        return (f"the disk is full: free at least {_size_mb(path)} MB (a run writes a work copy of the warehouse "
                "beside it: its size, the new rows and a checkpoint) and run again; what was stored before is intact")
    return message.strip().splitlines()[0]


@contextmanager
def connect(path: Path = DEFAULT_WAREHOUSE, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse. A writing one works on a copy, published when the block
    ends without an error (see `_publishing`); readers keep the snapshot they opened."""
    if read_only:
        with _session(path, path, read_only=True) as con:
            yield con
        return
    with _publishing(path) as work, _session(work, path, read_only=False) as con:
        yield con
        execute(con, "CHECKPOINT")  # the work file is whole, with no WAL beside it, before it is published


@contextmanager
def _session(path: Path, shown: Path, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    con = _open(path, shown, read_only)
    try:
        if not read_only:
            execute(con, SCHEMA.read_text(encoding="utf-8"))
            _seed_reference(con)
            _comment(con)
        yield con
    except duckdb.Error as err:  # a write that failed (disk full, say): the open transaction is rolled back
        raise _fault(shown, err) from err
    finally:
        try:
            con.close()
        except duckdb.Error as err:  # the closing checkpoint can fail the same way
            raise _fault(shown, err) from err


@contextmanager
def _publishing(warehouse: Path) -> Iterator[Path]:
    """One writer at a time builds the new state in a work file beside the warehouse, and a
    rename publishes it whole: readers that hold the old file keep reading that snapshot, new
    readers see the new one, and a run that fails or is killed publishes nothing.

    The warehouse is held open read-only meanwhile, so a foreign DuckDB writer can neither be
    holding it at the start (one line, exit 2) nor start writing it before the rename."""
    if warehouse.exists() and not os.access(warehouse, os.W_OK):
        raise WarehouseError(f"{warehouse}: {_NOT_WRITABLE}")
    with _run_lock(warehouse), _held(warehouse):
        work = warehouse.with_name(f".{warehouse.name}.work-{os.getpid()}")
        try:
            with _said_as(warehouse):
                _copy(warehouse, work)
            yield work
            with _said_as(warehouse):
                _publish(work, warehouse)
        finally:
            _discard(work)


@contextmanager
def _said_as(warehouse: Path) -> Iterator[None]:
    """A file operation of the run's own (lock, copy, rename) that fails: one line naming the warehouse."""
    try:
        yield
    except OSError as err:
        raise _fault(warehouse, err) from err


@contextmanager
def _run_lock(warehouse: Path) -> Iterator[None]:
    """The exclusive lock on `.<name>.lock` beside the warehouse, or WarehouseError at once; work
    files a killed run left behind are removed under it."""
    lock = warehouse.with_name(f".{warehouse.name}.lock")
    with ExitStack() as held:
        try:
            with _said_as(warehouse):
                held.enter_context(exclusive(lock))
        except LockHeld as err:
            raise WarehouseError(f"{warehouse}: another `nianbao run` is writing this warehouse (lock {lock} is held); "
                                 "this run stored nothing") from err
        with _said_as(warehouse):
            for stale in warehouse.parent.glob(f".{warehouse.name}.work-*"):
                stale.unlink()
        yield


@contextmanager
def _held(warehouse: Path) -> Iterator[None]:
    if not warehouse.exists():
        yield
        return
    guard = open_read_only(warehouse)
    try:
        yield
    finally:
        guard.close()


def _copy(warehouse: Path, work: Path) -> None:
    """The published file, and its WAL if a crashed writer left one (DuckDB replays it into the
    work file). A plain file copy: 2 ms for the 4.4 MB sample warehouse, about 3 s a GiB."""
    for source, target in ((warehouse, work), (_wal(warehouse), _wal(work))):
        if source.exists():
            shutil.copyfile(source, target)
            shutil.copymode(source, target)


def _publish(work: Path, warehouse: Path) -> None:
    _wal(warehouse).unlink(missing_ok=True)  # replayed into the work file already; it belongs to the old file
    os.replace(work, warehouse)
    folder = os.open(warehouse.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a power cut
    finally:
        os.close(folder)


def _discard(work: Path) -> None:
    for path in (work, _wal(work)):
        path.unlink(missing_ok=True)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _size_mb(path: Path) -> int:
    try:
        return max(1, -(-path.stat().st_size // 2**20))
    except OSError:
        return 1


def execute(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list:
    """Run a statement and drain its result, so the connection is free for the next one."""
    return con.execute(sql, params or []).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """DuckDB 2 keeps a result open until it is fully fetched; fetchall closes it."""
    return con.execute(sql, params or []).fetchall()[0][0]


def key_file_tables() -> dict[str, pd.DataFrame]:
    """The reference tables made from the installed key files, by table name."""
    return {"metrics": pd.DataFrame(dictionary_rows()).rename(columns={"table": "table_name"}),
            "relation_terms": pd.DataFrame(relation_terms())}


def _seed_reference(con: duckdb.DuckDBPyConnection) -> None:
    """Reference data. The key-file tables are rewritten on every writing connection (a few
    hundred rows), so they always match the key files of the installed version; regions load once."""
    for name, frame in key_file_tables().items():
        execute(con, f"DELETE FROM {name}")
        con.register("key_file_frame", frame)
        execute(con, f"INSERT INTO {name} BY NAME SELECT * FROM key_file_frame")
        con.unregister("key_file_frame")
    if scalar(con, "SELECT count(*) FROM regions") == 0:
        from pipeline.regions import regions_frame

        con.register("regions_df", regions_frame())
        execute(con, "INSERT INTO regions SELECT adcode, name, full_name, level, parent, province, city FROM regions_df")
        con.unregister("regions_df")


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _comment(con: duckdb.DuckDBPyConnection) -> None:
    """COMMENT ON every table, view and column the schema made, from schema_comments.yaml: a
    recreated view has lost its comments, so they are set on every writing connection."""
    spec = load_data(COMMENTS)  # parsed once per version of the file, as the key files are
    objects = execute(con, """SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE database_name = current_database()
                                  AND schema_name = 'main' AND NOT temporary
                              UNION ALL
                              SELECT view_name, 'VIEW' FROM duckdb_views() WHERE database_name = current_database()
                                  AND schema_name = 'main' AND NOT internal AND NOT temporary""")
    columns = execute(con, "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() "
                           "AND schema_name = 'main'")
    statements = [f"COMMENT ON {kind} {name} IS {_quoted(spec['tables'][name]['comment'])}"
                  for name, kind in objects if name in spec["tables"]]
    for name, column in columns:
        text = spec["tables"].get(name, {}).get("columns", {}).get(column) or spec["columns"].get(column)
        if text:
            statements.append(f'COMMENT ON COLUMN {name}."{column}" IS {_quoted(text)}')
    execute(con, "BEGIN TRANSACTION;\n" + ";\n".join(statements) + ";\nCOMMIT")


def known_versions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """doc_id → extractor version it was last processed with (errors count as processed)."""
    rows = execute(con, "SELECT doc_id, coalesce(extractor_version, '') FROM documents")
    return {doc_id: version for doc_id, version in rows}


# Each loaded table's columns, in the order `_frames` builds its rows.
_COLUMNS = {
    "documents": ("doc_id", "path", "url", "referrer", "fetched_at", "content_type", "medium", "encoding", "bytes",
                  "loaded_at", "extractor_version"),
    "reports": ("report_id", "doc_id", "title", "issuer", "adcode", "region", "year", "format", "script",
                "extractor_version", "figures", "failed_checks"),
    "figures": ("report_id", "figure_id", "key", "label", "value", "unit", "value_base", "approx", "implicit", "source",
                "start", "end", "snippet", "part_of", "section", "scope", "ocr_confidence"),
    "checks": ("report_id", "rule", "kind", "ok", "lhs", "rhs"),
    "errors": ("run_id", "doc_id", "path", "url", "reason", "occurred_at"),
}
_FLOAT = pa.float64()


def _frames(results: list[Result], run_id: str, now: datetime) -> dict[str, pa.Table]:
    docs, reports, figures, checks, errors = [], [], [], [], []
    for res in results:
        src = res.source
        docs.append((res.doc_id, str(src.path), src.url, src.referrer, src.fetched_at, src.content_type, res.medium,
                     res.encoding, res.size, now, EXTRACTOR_VERSION))
        if res.error:
            errors.append((run_id, res.doc_id, str(src.path), src.url, res.error, now))
        rows = res.rows if res.rows is not None else report_rows(res)
        reports += rows["reports"]
        figures += rows["figures"]
        checks += rows["checks"]
    data = {"documents": docs, "reports": reports, "figures": figures, "checks": checks, "errors": errors}
    return {name: _arrow(rows, _COLUMNS[name]) for name, rows in data.items()}


def report_rows(res: Result) -> dict[str, list[tuple]]:
    """The document's rows of reports, figures and checks (none when it is no report)."""
    if not res.is_report:
        return {"reports": [], "figures": [], "checks": []}
    info, text = res.classification, res.document.text
    report = (res.doc_id, res.doc_id, info.title, info.issuer, info.adcode, info.region, info.year, info.format,
              res.document.script, EXTRACTOR_VERSION, len(res.figures),
              sum(1 for c in res.checks if c.ok is False and c.kind != "heuristic"))
    figures = [(res.doc_id, i, f.key, f.label, f.value, f.unit, in_yuan(f.value, f.unit), f.approx, f.implicit,
                f.source, f.start, f.end, text[max(0, f.start - 20):f.end + 20].replace("\n", " "), f.part_of,
                f.section, f.scope, f.ocr_confidence) for i, f in enumerate(res.figures)]
    checks = [(res.doc_id, c.rule, c.kind, c.ok, c.lhs, c.rhs) for c in res.checks]
    return {"reports": [report], "figures": figures, "checks": checks}


def for_loading(res: Result) -> Result:
    """The result as the loader takes it, made in the process that extracted it: its rows as
    plain tuples (pickled in C; a figure object cost a Python call each way) in place of the
    document, figures and checks, so the one loading process has only batches to insert."""
    return replace(res, rows=report_rows(res), document=None, figures=[], checks=[])


def _arrow(rows: list[tuple], names: tuple[str, ...]) -> pa.Table:
    """Rows as Arrow columns, which DuckDB reads in native code (a pandas frame of Python
    objects cost the loader more than its whole share of a run). `value` is always a float,
    as its column is, whether the batch's figures are whole or not."""
    columns = list(zip(*rows)) or [()] * len(names)
    return pa.Table.from_arrays([pa.array(column, type=_FLOAT if name == "value" else None)
                                 for name, column in zip(names, columns)], names=list(names))


def in_yuan(value: float | None, unit: str | None) -> float | None:
    """Money in 元 (`value_base`), computed in decimal so 7730.28 万元 is exactly 77302800 元."""
    if value is None or unit not in CURRENCY:
        return None
    return float(Decimal(str(value)) * CURRENCY[unit])


def load_batch(con: duckdb.DuckDBPyConnection, results: list[Result], run_id: str) -> None:
    """Replace everything the batch's documents had, in one transaction."""
    if not results:
        return
    frames = _frames(results, run_id, datetime.now(timezone.utc).replace(tzinfo=None))
    with _transaction(con):
        _delete_documents(con, [r.doc_id for r in results])
        _insert_frames(con, frames)


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The block's statements, committed together or rolled back."""
    execute(con, "BEGIN TRANSACTION")
    try:
        yield
        execute(con, "COMMIT")
    except Exception:
        _rollback(con)
        raise


def _delete_documents(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> None:
    """Every row the documents had, so loading them again replaces rather than adds."""
    con.register("batch_ids", pd.DataFrame({"doc_id": doc_ids}))
    for table in _TABLES:
        column = "report_id" if table in ("figures", "checks", "reports") else "doc_id"
        execute(con, f"DELETE FROM {table} WHERE {column} IN (SELECT doc_id FROM batch_ids)")
    con.unregister("batch_ids")


def _insert_frames(con: duckdb.DuckDBPyConnection, frames: dict[str, pa.Table]) -> None:
    for table in _TABLES:
        frame = frames[table]
        if frame.num_rows:
            con.register("batch_frame", frame)
            execute(con, f"INSERT INTO {table} ({', '.join(chr(34) + c + chr(34) for c in frame.column_names)}) "
                        f"SELECT * FROM batch_frame")
            con.unregister("batch_frame")


# ───────────── a cluster's run: partitions written by workers, loaded by the one writer ─────────────
_PARTITION = "part-"  # a finished partition folder; one being written has another name until its rename
_scratch = threading.local()  # each worker thread's in-memory DuckDB with the warehouse's tables


def staging_root(warehouse: Path) -> Path:
    """The folder beside the warehouse where a cluster's runs stage their partitions, one
    sub-folder per run. It must be a path every worker can write (a shared file system)."""
    return warehouse.resolve().with_name(f".{warehouse.name}.staging")


def write_partition(results: list[Result], run_id: str, folder: Path, name: str) -> None:
    """On a worker: the rows of `results` as one Parquet file per table in `folder/part-<name>/`.
    The rows are built by `_frames` and typed by the warehouse's own schema (an in-memory DuckDB),
    so loading them is what `load_batch` would have inserted. The folder appears whole (a rename)
    or not at all; a partition already there (a task retried after its worker died) is kept."""
    final = folder / f"{_PARTITION}{name}"
    if final.exists():
        return
    scratch = _scratch_connection()
    for table in _TABLES:
        execute(scratch, f"DELETE FROM {table}")  # what the thread's last partition left
    _insert_frames(scratch, _frames(results, run_id, datetime.now(timezone.utc).replace(tzinfo=None)))
    partial = folder / f".writing-{name}-{uuid.uuid4().hex[:8]}"
    partial.mkdir(parents=True)
    try:
        for table in _TABLES:
            target = str(partial / f"{table}.parquet").replace("'", "''")  # a quote in the path, doubled for SQL
            execute(scratch, f"COPY {table} TO '{target}' (FORMAT parquet)")
        os.rename(partial, final)
    except OSError:
        if not final.exists():
            raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _scratch_connection() -> duckdb.DuckDBPyConnection:
    if not hasattr(_scratch, "con"):
        _scratch.con = duckdb.connect()
        execute(_scratch.con, SCHEMA.read_text(encoding="utf-8"))
    return _scratch.con


def load_partitions(con: duckdb.DuckDBPyConnection, folder: Path, doc_ids: list[str]) -> None:
    """The driver's load: every finished partition of the run into the warehouse, in one
    transaction that first removes what the documents had (as `load_batch` does)."""
    if not doc_ids:
        return
    with _transaction(con):
        _delete_documents(con, doc_ids)
        for table in _TABLES:
            execute(con, f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet(?)",
                    [str(folder / f"{_PARTITION}*" / f"{table}.parquet")])


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        execute(con, "ROLLBACK")
    except duckdb.TransactionException:
        pass  # a COMMIT that failed has rolled the transaction back already


def record_paths(con: duckdb.DuckDBPyConnection, seen: list[tuple[str, str]]) -> None:
    """Every path a document's bytes were seen at (the same report saved under several names)."""
    if not seen:
        return
    con.register("seen_paths", pd.DataFrame(seen, columns=["doc_id", "path"]).drop_duplicates())
    execute(con, "INSERT INTO document_paths SELECT doc_id, path, current_timestamp::TIMESTAMP FROM seen_paths s "
                 "WHERE NOT EXISTS (SELECT 1 FROM document_paths d WHERE d.doc_id = s.doc_id AND d.path = s.path)")
    con.unregister("seen_paths")


def record_run(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    con.register("run_row", pd.DataFrame([row]))
    execute(con, "DELETE FROM runs WHERE run_id = ?", [row["run_id"]])
    execute(con, "INSERT INTO runs BY NAME SELECT * FROM run_row")
    con.unregister("run_row")
