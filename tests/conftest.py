"""Shared fixtures. `sample_warehouse`: the pipeline run once over raw/samples/ into a temporary
warehouse, shared by every test of the session that reads a real warehouse."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "raw" / "samples"


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    from pipeline.runner import collect, process_documents

    if not SAMPLES.is_dir() or not any(SAMPLES.iterdir()):
        pytest.skip("raw/samples/ is empty")
    path = tmp_path_factory.mktemp("warehouse") / "samples.duckdb"
    summary = process_documents(collect([SAMPLES]), path)
    assert summary.reports > 0, "no report recognised in raw/samples/"
    return path
