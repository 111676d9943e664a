"""nianbao command line: run, extract, status (crawl, export and query join them)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from pipeline.process import process_path, to_contract
from pipeline.runner import collect, process_documents
from pipeline.store import DEFAULT_WAREHOUSE, connect

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help="政府信息公开工作年度报告 → DuckDB")

EXIT_OK, EXIT_DOC_FAILED, EXIT_USAGE = 0, 1, 2


@app.callback()
def main() -> None:
    """Turn government information-disclosure annual reports into a research dataset."""


@app.command()
def extract(path: Path = typer.Argument(..., help="one saved document: HTML, PDF, Word or text"),
            as_json: bool = typer.Option(False, "--json", help="print the extraction contract's JSON")) -> None:
    """Extract one document and print its figures (shared/eval/CONTRACT.md)."""
    if not path.is_file():
        typer.echo(f"nianbao: {path}: no such file", err=True)
        raise typer.Exit(EXIT_USAGE)
    result = process_path(path)
    if result.error:
        typer.echo(f"nianbao: {path}: {result.error}", err=True)
        raise typer.Exit(EXIT_DOC_FAILED)
    payload = to_contract(result)
    if as_json:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        return
    doc = payload["document"]
    typer.echo(f"{path}: {doc['title']} | {doc['issuer']} {doc['adcode']} {doc['year']} {doc['format']}"
               f" | {len(payload['figures'])} figures, {sum(1 for c in payload['checks'] if c['ok'] is False)} failed checks")


SAMPLES = Path("raw/samples")


@app.command()
def run(paths: list[Path] = typer.Argument(None, help="files or folders (default: raw/samples/)"),
        warehouse: Path = typer.Option(DEFAULT_WAREHOUSE, "--warehouse", "-w", help="DuckDB file"),
        force: bool = typer.Option(False, "--force", help="re-extract documents already stored"),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="no summary table")) -> None:
    """Process saved documents into the warehouse (incremental: unchanged documents are skipped)."""
    from pipeline.report import print_summary, progress_bar

    targets = list(paths or [SAMPLES])
    missing = [p for p in targets if not p.exists()]
    if missing:
        typer.echo(f"nianbao: {missing[0]}: no such file or folder", err=True)
        raise typer.Exit(EXIT_USAGE)
    docs = collect(targets)
    with progress_bar(len(docs), enabled=not quiet and len(docs) > 20) as advance:
        summary = process_documents(docs, warehouse, force=force, progress=advance)
    for path, reason in summary.failed:
        typer.echo(f"nianbao: {path}: {reason}", err=True)
    if not quiet:
        print_summary(summary, warehouse)
    raise typer.Exit(summary.exit_code)


@app.command()
def status(warehouse: Path = typer.Option(DEFAULT_WAREHOUSE, "--warehouse", "-w")) -> None:
    """Last runs, table counts and the latest errors."""
    from pipeline.report import print_status

    if not warehouse.exists():
        typer.echo(f"nianbao: {warehouse}: no warehouse yet (run `nianbao run`)", err=True)
        raise typer.Exit(EXIT_USAGE)
    with connect(warehouse, read_only=True) as con:
        print_status(con)
