"""nianbao command line: run, extract, status (crawl, export and query join them)."""
from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit

import typer

from pipeline import DEFAULT_WAREHOUSE as _WAREHOUSE
from pipeline.config import ConfigError, CrawlConfig, load_sources, single_source_config
from pipeline.limits import LimitError
from pipeline.limits import validate as validate_limits

# The stages (jieba, pandas, pdfplumber …) are imported by the commands that use them, so
# `nianbao --help` or a usage error costs no second of start-up.
DEFAULT_WAREHOUSE = Path(_WAREHOUSE)

if TYPE_CHECKING:
    from pipeline.config import CrawlSettings
    from pipeline.crawl import CrawlStats
    from pipeline.model import SourceDoc

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help="政府信息公开工作年度报告 → DuckDB")

EXIT_OK, EXIT_DOC_FAILED, EXIT_USAGE = 0, 1, 2


def _print_version(wanted: bool) -> None:
    if wanted:
        from pipeline import __version__

        typer.echo(f"nianbao {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def main(version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                      help="print the version and exit")) -> None:
    """Turn government information-disclosure annual reports into a research dataset."""
    try:
        validate_limits()
    except LimitError as exc:
        typer.echo(f"nianbao: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc


@app.command()
def extract(path: Path = typer.Argument(..., help="one saved document: HTML, PDF, Word or text"),
            as_json: bool = typer.Option(False, "--json", help="print the extraction contract's JSON")) -> None:
    """Extract one document and print what it is and how many figures it yields; --json prints
    them all (the JSON is described in README.md, section `nianbao extract PATH --json`)."""
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
    typer.echo(f"{printable(path)}: {_extract_line(payload)}")


def _extract_line(payload: dict) -> str:
    """What `extract` says of a document: a non-report as such, a report's facts with the ones
    not found named so, and its counts."""
    from pipeline.wording import plural  # not pipeline.report: that imports the warehouse's libraries

    doc = payload["document"]
    if not doc["is_report"]:
        return "not an annual report" + (f" (title: {printable(doc['title'])})" if doc["title"] else "")
    facts = [doc["issuer"] or "issuer not found", doc["adcode"] or "no adcode",
             str(doc["year"]) if doc["year"] else "year not found", doc["format"]]
    failed = sum(1 for c in payload["checks"] if c["ok"] is False)
    return (f"{printable(doc['title'] or 'untitled')} | {printable(' '.join(facts))} | "
            f"{plural(len(payload['figures']), 'figure')}, {plural(failed, 'failed check')}")


SAMPLES = Path("raw/samples")


RAW = Path("raw")
_SOURCES = typer.Option(None, "--sources", help="sources file (TOML) of portal columns to crawl")
_LISTING = typer.Option(None, "--listing", help="one annual-report column URL to crawl (with --issuer, --adcode)")
_ISSUER = typer.Option(None, "--issuer", help="the issuer of --listing")
_ADCODE = typer.Option(None, "--adcode", help="the 6-digit adcode of --listing's issuer")
_RAW = typer.Option(RAW, "--raw", help="raw store directory the crawl writes")
_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")  # Scrapy's LOG_LEVEL names
_LOG_LEVEL = typer.Option("INFO", "--log-level", help="the crawl's log level: " + ", ".join(_LOG_LEVELS))
_LOG_FILE = typer.Option(None, "--log-file", help="append the crawl's log to this file instead of stderr "
                                                  "(Scrapy's LOG_FILE)")


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
        adcode: str | None = _ADCODE, raw: Path = _RAW, log_level: str = _LOG_LEVEL,
        log_file: Path | None = _LOG_FILE,
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
    crawl_stats = _crawl(crawl_config, raw, warehouse, log_level, log_file) if crawl_config else None
    targets = list(paths or ([] if crawl_stats else [SAMPLES]))
    missing = [p for p in targets if not p.exists()]
    if missing:
        typer.echo(f"nianbao: {missing[0]}: no such file or folder", err=True)
        raise typer.Exit(EXIT_USAGE)
    docs = collect(targets) + (_snapshots(raw) if crawl_stats else [])
    if not docs and not crawl_stats:
        typer.echo(f"nianbao: warning: no documents in {', '.join(printable(p) for p in targets)}; nothing to do",
                   err=True)
        raise typer.Exit(EXIT_OK)
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
          warehouse: Path = typer.Option(DEFAULT_WAREHOUSE, "--warehouse", "-w",
                                         help="DuckDB file that records the crawl (runs, errors)"),
          log_level: str = _LOG_LEVEL, log_file: Path | None = _LOG_FILE,
          dry_run: bool = typer.Option(False, "--dry-run", help="print the links each listing page yields; fetch "
                                                                "only those pages, store nothing"),
          redis: str | None = typer.Option(None, "--redis", help="Redis URL (redis://host:6379/0) of a frontier "
                                           "shared by crawl processes on many machines (docs/scale.md)")) -> None:
    """Fetch annual reports from portal columns into the raw store: polite, incremental, resumable.

    Exit code 1 when a page could not be fetched (see raw/fetch_log.jsonl and `nianbao status`), 2 on a bad sources file or when another crawl is using the same raw store.
    """
    config = _crawl_config(sources, listing, issuer, adcode)
    if config is None:
        typer.echo("nianbao crawl: give --sources FILE, or --listing URL --issuer NAME --adcode CODE", err=True)
        raise typer.Exit(EXIT_USAGE)
    if dry_run:
        raise typer.Exit(_preview_all(config))
    stats = _crawl(config, raw, warehouse, log_level, log_file, redis)
    raise typer.Exit(EXIT_DOC_FAILED if stats.failed else EXIT_OK)


@app.command()
def links(url: str = typer.Argument(..., help="a listing (or report) page"),
          link_selector: str | None = typer.Option(None, "--link-selector", help="CSS of the part holding report links"),
          link_pattern: str | None = typer.Option(None, "--link-pattern", help="regex report URLs match"),
          sources: Path | None = typer.Option(None, "--sources", help="take the rules and [crawl] settings of the "
                                                                       "source whose hosts include URL's")) -> None:
    """Print the links one page yields under the link rules, fetching only that page.

    Like `scrapy parse`: one tab-separated line a link (kind, URL, title) for the report links,
    further listing pages and attachments, so a link_selector or link_pattern can be tried.
    """
    from pipeline.config import CrawlSettings, check_link_rules
    from pipeline.urls import split_userinfo

    try:
        check_link_rules(link_selector, link_pattern)
        config = load_sources(sources) if sources else CrawlConfig()
    except ConfigError as exc:
        _config_failed(exc)
    host = urlsplit(split_userinfo(url)[0]).hostname
    source = next((s for s in config.sources if host in s.allowed_hosts), None)
    selector = link_selector or (source.link_selector if source else None)
    pattern = link_pattern or (source.link_pattern if source else None)
    raise typer.Exit(_preview(url, config.settings if sources else CrawlSettings(), selector, pattern))


def _preview_all(config: CrawlConfig) -> int:
    """`crawl --dry-run`: each source's listing pages, under a `# name` line."""
    code = EXIT_OK
    for source in config.sources:
        for url in source.listing:
            sys.stdout.write(f"# {source.name} {url}\n")
            code = max(code, _preview(url, config.settings, source.link_selector, source.link_pattern))
    return code


def _preview(url: str, settings: CrawlSettings, selector: str | None, pattern: str | None) -> int:
    from pipeline.crawl.preview import PreviewError, page_links, print_rows

    try:
        rows = page_links(url, settings, selector, pattern)
    except PreviewError as exc:
        typer.echo(f"nianbao: {printable(exc)}", err=True)
        return EXIT_DOC_FAILED
    print_rows(rows, sys.stdout)
    counts = {kind: sum(1 for row in rows if row.kind == kind) for kind in ("report", "page", "attachment")}
    typer.echo(f"{printable(url)}: {counts['report']} reports, {counts['page']} further pages, "
               f"{counts['attachment']} attachments", err=True)
    return EXIT_OK


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
        _config_failed(exc)
    return None


def _config_failed(exc: ConfigError) -> NoReturn:
    for line in str(exc).splitlines():  # a sources file's every mistake, one line each
        typer.echo(f"nianbao: {line}", err=True)
    raise typer.Exit(EXIT_USAGE) from exc


def _crawl(config: CrawlConfig, raw: Path, warehouse: Path, log_level: str, log_file: Path | None,
           redis: str | None = None) -> CrawlStats:
    """Crawl, print the summary and record the crawl in the warehouse (runs, errors)."""
    _check_log_options(log_level, log_file)
    from pipeline.crawl import CrawlError, CrawlLocked, CrawlUnusable, run_crawl
    from pipeline.crawl.record import record_crawl
    from pipeline.store import WarehouseError

    try:
        stats = run_crawl(config, raw, log_level.upper(), log_file, redis)
    except (CrawlLocked, CrawlUnusable) as exc:
        typer.echo(f"nianbao: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    except CrawlError as exc:
        typer.echo(f"nianbao: {exc}", err=True)
        raise typer.Exit(EXIT_DOC_FAILED) from exc
    _log_line(f"crawl: {stats.fetched} fetched, {stats.new} new, {stats.unchanged} unchanged, {stats.failed} failed, "
              f"{stats.blocked} refused by robots.txt or host list; {len(stats.new_docs)} new documents", log_file)
    try:
        record_crawl(warehouse, stats)
    except WarehouseError as exc:
        typer.echo(f"nianbao: the crawl is in {printable(raw)} but not recorded: {printable(exc)}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    return stats


def _check_log_options(log_level: str, log_file: Path | None) -> None:
    """Before the stages are imported, so a typo costs no second."""
    if log_level.upper() not in _LOG_LEVELS:
        typer.echo(f"nianbao: --log-level {printable(log_level)}: not one of {', '.join(_LOG_LEVELS)}", err=True)
        raise typer.Exit(EXIT_USAGE)
    if log_file and not log_file.parent.is_dir():
        typer.echo(f"nianbao: --log-file {printable(log_file)}: no such folder {printable(log_file.parent)}", err=True)
        raise typer.Exit(EXIT_USAGE)


def _log_line(message: str, log_file: Path | None) -> None:
    """A line on stderr, and at the end of the crawl's log file, stamped as the crawl's log lines are."""
    line = f"{datetime.now():%Y-%m-%d %H:%M:%S} [nianbao] INFO: {message}"
    typer.echo(line, err=True)
    if log_file:
        with open(log_file, "a", encoding="utf-8") as log:
            log.write(line + "\n")


def _snapshots(raw: Path) -> list[SourceDoc]:
    from pipeline.raw import RawStore

    return RawStore(raw).snapshots()


@app.command()
def status(warehouse: Path = typer.Option(DEFAULT_WAREHOUSE, "--warehouse", "-w")) -> None:
    """Last runs, table counts and the latest errors."""
    from pipeline.report import print_crawl_status, print_status

    with _read_only(warehouse) as con:
        print_status(con)
        print_crawl_status(con)


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
