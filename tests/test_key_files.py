"""The key files are parsed once per version of their text and then read from the cache."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline import metrics

NAMES = ["standard_metrics_2019.yaml", "standard_metrics_2021.yaml", "narrative_keys.yaml"]


@pytest.mark.parametrize("name", NAMES)
def test_cached_parse_is_the_yaml(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    expected = yaml.safe_load((metrics.HERE / name).read_text(encoding="utf-8"))
    assert metrics.load_data(metrics.HERE / name) == expected  # parsed, cache written
    assert len(list((tmp_path / "nianbao").glob("*.json"))) == 1
    assert metrics.load_data(metrics.HERE / name) == expected  # read from the cache


def test_an_edited_key_file_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "keys.yaml").write_text("keys: [a]\n", encoding="utf-8")
    assert metrics.load_data(tmp_path / "keys.yaml") == {"keys": ["a"]}
    (tmp_path / "keys.yaml").write_text("keys: [a, b]\n", encoding="utf-8")
    assert metrics.load_data(tmp_path / "keys.yaml") == {"keys": ["a", "b"]}


def test_no_writable_cache_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert metrics.load_data(metrics.HERE / "narrative_keys.yaml")["keys"]
