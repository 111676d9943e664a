"""What the CLI prints: progress, the end-of-run summary, status. Presentation only."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Callable, Iterator

import duckdb
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from pipeline.runner import RunSummary
from pipeline.store import connect, scalar
from pipeline.wording import plural

console = Console(stderr=False)


@contextmanager
def progress_bar(total: int, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """A bar on stderr while documents are processed, only on a terminal (a cron log gets none);
    transient, so it is gone when the run ends, well or with an error."""
    bar_console = Console(stderr=True)
    if not enabled or not bar_console.is_terminal:
        yield None
        return
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=bar_console, transient=True) as bar:
        task = bar.add_task("documents", total=total)
        yield lambda n: bar.advance(task, n)


def _table(title: str, columns: list[str], rows: list[tuple], compact: bool = False) -> Table:
    table = (Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0)) if compact
             else Table(title=title))
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    return table


def print_summary(summary: RunSummary, warehouse: Path) -> None:
    """The reports this run loaded, by issuer, and one line of counts; a run that loaded
    nothing says so in one line instead."""
    with connect(warehouse, read_only=True) as con:
        errors = scalar(con, "SELECT count(*) FROM errors WHERE doc_id IS NOT NULL")  # not the crawl's pages
        if summary.documents and summary.unchanged == summary.documents:
            console.print(f"run {summary.run_id}: nothing changed, {plural(summary.documents, 'document')} "
                          f"already stored; {plural(errors, 'document')} in errors; warehouse {warehouse}", soft_wrap=True)
            return
        rows = con.execute("""SELECT q.issuer, string_agg(DISTINCT CAST(q.year AS VARCHAR), ' ' ORDER BY CAST(q.year AS VARCHAR)),
                                     count(*), sum(q.figures), sum(q.failed_definitional), sum(q.failed_commonly_expected),
                                     sum(q.failed_heuristic)
                              FROM report_quality q JOIN documents d ON d.doc_id = q.report_id
                              WHERE d.loaded_at >= (SELECT started_at FROM runs WHERE run_id = ?)
                              GROUP BY q.issuer ORDER BY q.issuer""", [summary.run_id]).fetchall()
    if rows:
        console.print(_table("reports this run loaded, by issuer (failed checks by kind: see the view check_failures)",
                             ["issuer", "years", "reports", "figures", "failed definitional",
                              "failed commonly expected", "failed heuristic"], rows))
    console.print(f"run {summary.run_id}: {plural(summary.documents, 'document')}, {summary.unchanged} unchanged, "
                  f"{plural(summary.reports, 'report')}, {plural(summary.not_reports, 'not a report', 'not reports')}, "
                  f"{len(summary.failed)} failed; {plural(errors, 'document')} in errors; warehouse {warehouse}", soft_wrap=True)


def duration(seconds: float | None) -> str:
    """A run's duration as a person reads it: 0.8 s, 19 s, 3 min 5 s, 2 h 10 min."""
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def _runs(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    rows = con.execute("""SELECT left(run_id, 8), command, strftime(started_at, '%Y-%m-%d %H:%M'), finished_at - started_at,
                                 documents, new, unchanged, reports, failed
                          FROM runs WHERE command <> 'crawl' ORDER BY started_at DESC LIMIT 5""").fetchall()
    return [(*row[:3], _took(row[3]), *row[4:]) for row in rows]


def _took(elapsed: timedelta | None) -> str:
    return duration(elapsed.total_seconds() if isinstance(elapsed, timedelta) else None)


def print_status(con: duckdb.DuckDBPyConnection) -> None:
    """Last runs (one line each at 80 columns), table counts and the latest errors."""
    console.print(_table("last runs (started: UTC)",
                         ["run", "command", "started", "took", "docs", "new", "same", "reports", "failed"], _runs(con),
                         compact=True))
    counts = [(t, scalar(con, f"SELECT count(*) FROM {t}"))
              for t in ("documents", "reports", "figures", "checks", "errors")]
    console.print(_table("tables", ["table", "rows"], counts, compact=True))
    errors = con.execute("SELECT path, reason FROM errors WHERE doc_id IS NOT NULL "
                         "ORDER BY occurred_at DESC LIMIT 10").fetchall()
    console.print(_table("errors", ["document", "reason"], errors, compact=True))


def print_crawl_status(con: duckdb.DuckDBPyConnection) -> None:
    """The last crawls and the pages they could not fetch (`errors` rows without a document)."""
    crawls = con.execute("""SELECT strftime(started_at, '%Y-%m-%d %H:%M'), finished_at - started_at, fetched, new,
                                   unchanged, failed, refused, documents
                            FROM runs WHERE command = 'crawl' ORDER BY started_at DESC LIMIT 5""").fetchall()
    if not crawls:
        return
    console.print(_table("last crawls (started: UTC)", ["started", "took", "fetched", "new", "same", "failed", "refused",
                                                       "new docs"], [(row[0], _took(row[1]), *row[2:]) for row in crawls],
                         compact=True))
    pages = con.execute("""SELECT url, reason FROM errors WHERE doc_id IS NULL
                           ORDER BY occurred_at DESC LIMIT 10""").fetchall()
    console.print(_table("pages not fetched", ["page", "reason"], pages, compact=True))
