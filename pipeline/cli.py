"""nianbao command line: run, extract, status (crawl, export and query join them)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from pipeline.process import process_path, to_contract

app = typer.Typer(add_completion=False, no_args_is_help=True, help="政府信息公开工作年度报告 → DuckDB")

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
