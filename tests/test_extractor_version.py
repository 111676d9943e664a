"""The extractor version changes with the code and data that shape extraction, and only with them."""
from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.process import EXTRACTOR_VERSION, _extractor_version

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"


def test_version_follows_extraction_code_and_key_files(tmp_path: Path) -> None:
    package = tmp_path / "pipeline"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    first = _extractor_version(package)
    assert first == EXTRACTOR_VERSION
    seen = {first}
    for changed in ("extract/lexicon.py", "read/html.py", "metrics/standard_metrics_2021.yaml", "data/units.yaml"):
        with (package / changed).open("a", encoding="utf-8") as file:
            file.write("\n# changed\n")
        version = _extractor_version(package)
        assert version not in seen, changed
        seen.add(version)
    with (package / "cli.py").open("a", encoding="utf-8") as file:  # the command line does not extract
        file.write("\n# changed\n")
    assert _extractor_version(package) == version
