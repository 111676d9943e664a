"""nianbao command line: run, extract, status (crawl, export and query join them)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from pipeline import DEFAULT_WAREHOUSE as _WAREHOUSE
from pipeline.config import ConfigError, CrawlConfig, load_sources, single_source_config
from pipeline.limits import LimitError
from pipeline.limits import validate as validate_limits

# The stages (jieba, pandas, pdfplumber …) are imported by the commands that use them, so
# `nianbao --help` or a usage error costs no second of start-up.
DEFAULT_WAREHOUSE = Path(_WAREHOUSE)

if TYPE_CHECKING:
    from pipeline.crawl import CrawlStats
    from pipeline.model import SourceDoc

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help="政府信息公开工作年度报告 → DuckDB")

EXIT_OK, EXIT_DOC_FAILED, EXIT_USAGE = 0, 1, 2


@app.callback()
def main() -> None:
    """Turn government information-disclosure annual reports into a research dataset."""
    try:
        validate_limits()
    except LimitError as exc:
        typer.echo(f"nianbao: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc


@app.command()
def extract(path: Path = typer.Argument(..., help="one saved document: HTML, PDF, Word or text"),
            as_json: bool = typer.Option(False, "--json", help="print the extraction contract's JSON")) -> None:
    """Extract one document and print its figures (shared/eval/CONTRACT.md)."""
    from pipeline.process import process_path, to_contract

    if not path.is_file():
        typer.echo(f"nianbao: {printable(path)}: no such file", err=True)
        raise typer.Exit(EXIT_USAGE)
    result = process_path(path)
    if result.error:
        typer.echo(f"nianbao: {printable(path)}: {printable(result.error)}", err=True)
        raise typer.Exit(EXIT_DOC_FAILED)
    payload = to_contract(result)
    if as_json:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        return
    doc = payload["document"]
    typer.echo(f"{path}: {doc['title']} | {doc['issuer']} {doc['adcode']} {doc['year']} {doc['format']}"
               f" | {len(payload['figures'])} figures, {sum(1 for c in payload['checks'] if c['ok'] is False)} failed checks")


SAMPLES = Path("raw/samples")


RAW = Path("raw")
_SOURCES = typer.Option(None, "--sources", help="sources file (TOML) of portal columns to crawl")
_LISTING = typer.Option(None, "--listing", help="one annual-report column URL to crawl (with --issuer, --adcode)")
_ISSUER = typer.Option(None, "--issuer", help="the issuer of --listing")
_ADCODE = typer.Option(None, "--adcode", help="the 6-digit adcode of --listing's issuer")
_RAW = typer.Option(RAW, "--raw", help="raw store directory the crawl writes")


def printable(text: object) -> str:
    """A file name or reason on one line: control characters (a newline in a file name could
    forge a line of its own) shown as escapes."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in str(text))


@app.command()
def run(paths: list[Path] = typer.Argument(None, help="files or folders (default: raw/samples/ unless crawling)"),
        warehouse: Path = typer.Option(DEFAULT_WAREHOUSE, "--warehouse", "-w", help="DuckDB file"),
        force: bool = typer.Option(False, "--force", help="re-extract documents already stored"),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="no summary table"),
        sources: Path | None = _SOURCES, listing: str | None = _LISTING, issuer: str | None = _ISSUER,
        adcode: str | None = _ADCODE, raw: Path = _RAW,
        scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address (tcp://host:8786): "
                                             "extract on that cluster's workers (docs/scale.md)")) -> None:
    """Process saved documents into the warehouse (incremental: unchanged documents are skipped).

    With --sources or --listing, crawl first and process every snapshot in --raw.
    """
    from pipeline.cluster import ClusterError
    from pipeline.report import print_summary, progress_bar
    from pipeline.runner import collect, process_documents
    from pipeline.store import WarehouseError

    crawl_config = _crawl_config(sources, listing, issuer, adcode)
    crawl_stats = _crawl(crawl_config, raw) if crawl_config else None
    targets = list(paths or ([] if crawl_stats else [SAMPLES]))
    missing = [p for p in targets if not p.exists()]
    if missing:
        typer.echo(f"nianbao: {missing[0]}: no such file or folder", err=True)
        raise typer.Exit(EXIT_USAGE)
    docs = collect(targets) + (_snapshots(raw) if crawl_stats else [])
    try:
        with progress_bar(len(docs), enabled=not quiet and len(docs) > 20) as advance:
            summary = process_documents(docs, warehouse, force=force, progress=advance, scheduler=scheduler)
    except (WarehouseError, ClusterError) as exc:
        typer.echo(f"nianbao: {printable(exc)}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    for path, reason in summary.failed:
        typer.echo(f"nianbao: {printable(path)}: {printable(reason)}", err=True)
    if not quiet:
        print_summary(summary, warehouse)
    raise typer.Exit(summary.exit_code or (EXIT_DOC_FAILED if crawl_stats and crawl_stats.failed else EXIT_OK))


@app.command()
def crawl(sources: Path | None = _SOURCES, listing: str | None = _LISTING, issuer: str | None = _ISSUER,
          adcode: str | None = _ADCODE, raw: Path = _RAW,
          redis: str | None = typer.Option(None, "--redis", help="Redis URL (redis://host:6379/0) of a frontier "
                                           "shared by crawl processes on many machines (docs/scale.md)")) -> None:
    """Fetch annual reports from portal columns into the raw store: polite, incremental, resumable.

    Exit code 1 when a page could not be fetched (see raw/fetch_log.jsonl), 2 on a bad sources file or when another crawl is using the same raw store.
    """
    config = _crawl_config(sources, listing, issuer, adcode)
    if config is None:
        typer.echo("nianbao crawl: give --sources FILE, or --listing URL --issuer NAME --adcode CODE", err=True)
        raise typer.Exit(EXIT_USAGE)
    stats = _crawl(config, raw, redis)
    raise typer.Exit(EXIT_DOC_FAILED if stats.failed else EXIT_OK)


def _crawl_config(sources: Path | None, listing: str | None, issuer: str | None,
                  adcode: str | None) -> CrawlConfig | None:
    """The crawl the options ask for, or None; bad options end the command with exit code 2."""
    try:
        if sources and listing:
            raise ConfigError("give either --sources or --listing, not both")
        if sources:
            return load_sources(sources)
        if listing or issuer or adcode:
            if not (listing and issuer and adcode):
                raise ConfigError("--listing needs --issuer and --adcode")
            return single_source_config(listing, issuer, adcode)
    except ConfigError as exc:
        typer.echo(f"nianbao: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    return None


def _crawl(config: CrawlConfig, raw: Path, redis: str | None = None) -> CrawlStats:
    from pipeline.crawl import CrawlError, CrawlLocked, CrawlUnusable, run_crawl

    try:
        stats = run_crawl(config, raw, redis_url=redis)
    except (CrawlLocked, CrawlUnusable) as exc:
        typer.echo(f"nianbao: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    except CrawlError as exc:
        typer.echo(f"nianbao: {exc}", err=True)
        raise typer.Exit(EXIT_DOC_FAILED) from exc
    typer.echo(f"crawl: {stats.seen} fetched, {stats.new} new, {stats.unchanged} unchanged, {stats.failed} failed, "
               f"{stats.blocked} refused by robots.txt or host list; {len(stats.new_docs)} new documents", err=True)
    return stats


def _snapshots(raw: Path) -> list[SourceDoc]:
    from pipeline.raw import RawStore

    return RawStore(raw).snapshots()


@app.command()
def status(warehouse: Path = typer.Option(DEFAULT_WAREHOUSE, "--warehouse", "-w")) -> None:
    """Last runs, table counts and the latest errors."""
    from pipeline.report import print_status

    with _read_only(warehouse) as con:
        print_status(con)


@app.command()
def export(out: Path = typer.Option(..., "--out", "-o", help="folder for the files"),
           fmt: str = typer.Option("parquet", "--format", "-f", help="parquet or csv (UTF-8 with a BOM, for Excel)"),
           tables: str | None = typer.Option(None, "--tables", help="comma-separated tables and views (default: all)"),
           force: bool = typer.Option(False, "--force", help="replace files already in the folder"),
           warehouse: Path = typer.Option(DEFAULT_WAREHOUSE, "--warehouse", "-w")) -> None:
    """Write every table and view (or those of --tables) to one file each."""
    from pipeline.export import FORMATS, ExportError, export as write_files

    if fmt not in FORMATS:
        typer.echo(f"nianbao: --format must be one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(EXIT_USAGE)
    names = [n.strip() for n in tables.split(",") if n.strip()] if tables else None
    with _read_only(warehouse) as con:
        try:
            written = write_files(con, out, fmt, names, force)
        except ExportError as exc:
            typer.echo(f"nianbao: {printable(exc)}", err=True)
            raise typer.Exit(EXIT_USAGE) from exc
    for name, rows, path in written:
        typer.echo(f"{path}\t{rows}")


def _read_only(warehouse: Path):
    """The analyst's connection (views included); a missing warehouse, or one a foreign writer
    holds, is a usage error."""
    import pipeline
    from pipeline.store import WarehouseError

    try:
        return pipeline.connect(str(warehouse))
    except (FileNotFoundError, WarehouseError) as exc:
        typer.echo(f"nianbao: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE)


@app.command()
def query(sql: str = typer.Argument(..., help="SQL to run against the warehouse (read-only); - reads it from stdin"),
          warehouse: Path = typer.Option(DEFAULT_WAREHOUSE, "--warehouse", "-w"),
          fmt: str | None = typer.Option(None, "--format", "-f",
                                         help="table, csv, tsv, json or jsonl (default: table on a terminal, else tsv)"),
          limit: int | None = typer.Option(None, "--limit", help="rows at most; 0 = all (default: 200 in a table, "
                                                                  "all in the machine formats)")) -> None:
    """Run SQL and print the result (exit 2 on an SQL error)."""
    import duckdb

    from pipeline.export import QUERY_FORMATS, print_table, run_query, write_rows

    fmt = fmt or ("table" if sys.stdout.isatty() else "tsv")
    if fmt not in QUERY_FORMATS:
        typer.echo(f"nianbao: --format {printable(fmt)}: not one of {', '.join(QUERY_FORMATS)}", err=True)
        raise typer.Exit(EXIT_USAGE)
    if sql == "-":
        sql = sys.stdin.read()
    rows_wanted = limit if limit is not None else (200 if fmt == "table" else 0)
    with _read_only(warehouse) as con:
        try:
            columns, rows, total = run_query(con, sql, rows_wanted or None)
        except duckdb.Error as exc:
            typer.echo(f"nianbao: query failed: {str(exc).strip().splitlines()[0]}", err=True)
            raise typer.Exit(EXIT_USAGE)
    if fmt == "table":
        print_table(columns, rows, total)
    else:
        write_rows(columns, rows, fmt, sys.stdout)
