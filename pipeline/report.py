"""What the CLI prints: progress, the end-of-run summary, status. Presentation only."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import duckdb
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from pipeline.runner import RunSummary
from pipeline.store import connect, scalar

console = Console(stderr=False)


@contextmanager
def progress_bar(total: int, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    if not enabled:
        yield None
        return
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True)) as bar:
        task = bar.add_task("documents", total=total)
        yield lambda n: bar.advance(task, n)


def _table(title: str, columns: list[str], rows: list[tuple]) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    return table


def print_summary(summary: RunSummary, warehouse: Path) -> None:
    with connect(warehouse, read_only=True) as con:
        rows = con.execute("""SELECT issuer, string_agg(DISTINCT CAST(year AS VARCHAR), ' ' ORDER BY CAST(year AS VARCHAR)),
                                     count(*), sum(figures), sum(failed_definitional), sum(failed_commonly_expected),
                                     sum(failed_heuristic)
                              FROM report_quality GROUP BY issuer ORDER BY issuer""").fetchall()
        errors = scalar(con, "SELECT count(*) FROM errors WHERE doc_id IS NOT NULL")  # not the crawl's pages
    console.print(_table("reports by issuer (failed checks by kind: see the view check_failures)",
                         ["issuer", "years", "reports", "figures", "failed definitional", "failed commonly expected",
                          "failed heuristic"], rows))
    console.print(f"run {summary.run_id}: {summary.documents} documents, {summary.unchanged} unchanged, "
                  f"{summary.reports} reports, {summary.not_reports} not reports, {len(summary.failed)} failed; "
                  f"{errors} documents in errors; warehouse {warehouse}")


def print_status(con: duckdb.DuckDBPyConnection) -> None:
    runs = con.execute("""SELECT run_id, command, started_at, documents, new, unchanged, reports, failed, status
                          FROM runs ORDER BY started_at DESC LIMIT 5""").fetchall()
    console.print(_table("last runs", ["run", "command", "started", "docs", "new", "unchanged", "reports", "failed",
                                       "status"], runs))
    counts = [(t, scalar(con, f"SELECT count(*) FROM {t}"))
              for t in ("documents", "reports", "figures", "checks", "errors")]
    console.print(_table("tables", ["table", "rows"], counts))
    errors = con.execute("SELECT path, reason FROM errors WHERE doc_id IS NOT NULL "
                         "ORDER BY occurred_at DESC LIMIT 10").fetchall()
    console.print(_table("errors", ["document", "reason"], errors))


def print_crawl_status(con: duckdb.DuckDBPyConnection) -> None:
    """The last crawls and the pages they could not fetch (`errors` rows without a document)."""
    crawls = con.execute("""SELECT date_trunc('second', started_at), CAST(round(epoch(finished_at - started_at)) AS INTEGER), fetched, new, unchanged, failed,
                                   refused, documents
                            FROM runs WHERE command = 'crawl' ORDER BY started_at DESC LIMIT 5""").fetchall()
    if not crawls:
        return
    console.print(_table("last crawls", ["started", "seconds", "fetched", "new", "unchanged", "failed", "refused",
                                         "new documents"], crawls))
    pages = con.execute("""SELECT url, reason FROM errors WHERE doc_id IS NULL
                           ORDER BY occurred_at DESC LIMIT 10""").fetchall()
    console.print(_table("pages not fetched", ["page", "reason"], pages))
