"""The sources file: every mistake is reported as FILE:LINE: message."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import ConfigError, config_from_json, config_to_json, load_sources, single_source_config

ROOT = Path(__file__).resolve().parents[1]

GOOD = """\
[crawl]
user_agent_contact = "https://example.org/contact"
delay = 0.5

[[source]]
name = "青禾县人民政府"
adcode = "320831"
listing = "http://www.qinghe.example/zfxxgknb/index.html"

[[source]]
name = "青禾县财政局"
adcode = "320831"
listing = ["http://czj.qinghe.example/gknb/index.html"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    return str(info.value)


def test_example_file_loads() -> None:
    config = load_sources(ROOT / "sources" / "example.toml")
    assert len(config.sources) >= 3
    assert all(len(source.adcode) == 6 for source in config.sources)


def test_good_file_gets_defaults(tmp_path: Path) -> None:
    config = load_sources(write(tmp_path, GOOD))
    assert config.settings.delay == 0.5
    assert config.settings.concurrency_per_host == 1
    assert config.settings.max_bytes == 50 * 1024 * 1024
    assert config.sources[1].listing == ("http://czj.qinghe.example/gknb/index.html",)
    assert config.sources[1].allowed_hosts == ("czj.qinghe.example",)


def test_config_survives_the_trip_to_the_crawl_process(tmp_path: Path) -> None:
    config = load_sources(write(tmp_path, GOOD))
    assert config_from_json(config_to_json(config)) == config


@pytest.mark.parametrize(("old", "new", "line", "words"), [
    ('adcode = "320831"\nlisting = ["http://czj', 'adcode = "3209"\nlisting = ["http://czj', 12,
     "adcode must be 6 digits, got '3209'"),
    ('delay = 0.5', 'delay = -1', 3, "delay must be a non-negative number"),
    ('adcode = "320831"\nlisting = ["http://czj', 'adcode = "３５０１２８"\nlisting = ["http://czj', 12,
     "adcode must be 6 digits, got '３５０１２８'"),
    ('delay = 0.5', 'delay = 0.5\nretry_backoff = nan', 4, "retry_backoff must be a non-negative number, got nan"),
    ('delay = 0.5', 'delay = 0.5\nmax_seconds = inf', 4, "max_seconds must be a non-negative number, got inf"),
    ('delay = 0.5', 'delay = -inf', 3, "delay must be a non-negative number, got -inf"),
    ('name = "青禾县财政局"', 'name = "青禾县财政局"\ndelay = nan', 12, "delay must be a non-negative number of seconds, got nan"),
    ('delay = 0.5', 'delay = 0.5\ndeadline = 0', 4, "deadline must be positive, got 0"),
    ('delay = 0.5', 'delay = 0.5\nconcurrency_per_host = 4', 4, "concurrency_per_host must be 1 or 2"),
    ('delay = 0.5', 'delay = 0.5\nmax_pages = 1.5', 4, "max_pages must be a non-negative integer"),
    ('listing = "http://www.qinghe', 'listing = "ftp://www.qinghe', 8, "listing must be an http(s) URL"),
    ('name = "青禾县财政局"', 'name = "青禾县财政局"\nlink_pattern = "art_(\\\\d+"', 12, "link_pattern is not a valid regex"),
    ('name = "青禾县财政局"', 'name = "青禾县财政局"\nlink_selector = "ul..list"', 12, "link_selector is not valid CSS"),
    ('name = "青禾县财政局"', 'name = "青禾县财政局"\nlisting_url = "x"', 12, "unknown [[source]] key 'listing_url'"),
    ('name = "青禾县财政局"', 'name = "青禾县财政局"\nallowed_hosts = ["other.example"]', 12,
     "listing host 'czj.qinghe.example' is not in allowed_hosts"),
    ('name = "青禾县财政局"\n', '', 10, "name (the issuer) is required"),
    ('user_agent_contact = "https://example.org/contact"\n', '', 1, "user_agent_contact is required"),
])
def test_errors_name_file_and_line(tmp_path: Path, old: str, new: str, line: int, words: str) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    message = error_of(path)
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('adcode = "320831"\nlisting = "http', 'adcode = 320831"\nlisting = "http'))
    message = error_of(path)
    assert message.startswith(f"{path}:7: invalid TOML"), message


def test_no_sources_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.split("[[source]]")[0])
    assert "no [[source]]" in error_of(path)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    assert "cannot read" in error_of(tmp_path / "nope.toml")


def test_single_source_from_the_command_line() -> None:
    config = single_source_config("https://www.qinghe.example/zfxxgknb/index.html", "青禾县人民政府", "320831")
    assert config.sources[0].allowed_hosts == ("www.qinghe.example",)
    assert config.settings.user_agent_contact.startswith("http")
    with pytest.raises(ConfigError, match=r"^--adcode: adcode must be 6 digits"):
        single_source_config("https://www.qinghe.example/", "青禾县人民政府", "32")
    with pytest.raises(ConfigError, match=r"^--issuer: "):
        single_source_config("https://www.qinghe.example/", " ", "320831")


def test_single_source_gets_a_page_and_time_budget() -> None:
    settings = single_source_config("https://www.qinghe.example/", "青禾县人民政府", "320831").settings
    assert 0 < settings.max_pages <= 1000
    assert 0 < settings.max_seconds <= 3600


def test_every_mistake_of_a_file_is_reported_at_once_in_line_order(tmp_path: Path) -> None:
    """`nianbao crawl` on a file with five mistakes in three tables: five lines, exit 2, nothing fetched."""
    from portal.commands import nianbao

    bad = (GOOD.replace("delay = 0.5", "delay = -1\nmax_pages = 1.5")
           .replace('adcode = "320831"\nlisting = "http://www', 'adcode = "320999"\nlisting = "ftp://www')
           .replace('name = "青禾县财政局"', 'name = "青禾县财政局"\nlink_selector = "ul..list"'))
    path = write(tmp_path, bad)
    result = nianbao("crawl", "--sources", str(path), "--raw", str(tmp_path / "raw"), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert [line.split(": ", 2)[1] for line in lines] == [f"{path}:{n}" for n in (3, 4, 8, 9, 13)], result.stderr
    assert lines[0] == f"nianbao: {path}:3: delay must be a non-negative number, got -1"
    assert "max_pages must be a non-negative integer" in lines[1]
    assert "adcode 320999 is no region in the regions table" in lines[2]
    assert "listing must be an http(s) URL" in lines[3]
    assert "link_selector is not valid CSS" in lines[4]
    assert not (tmp_path / "raw").exists()


def test_an_adcode_must_be_a_region(tmp_path: Path) -> None:
    message = error_of(write(tmp_path, GOOD.replace('"320831"', '"320899"', 1)))
    assert message == (f"{tmp_path / 'sources.toml'}:7: adcode 320899 is no region in the regions table "
                       "(pipeline/data/regions.csv)")
    with pytest.raises(ConfigError, match=r"^--adcode: adcode 320899 is no region"):
        single_source_config("https://www.qinghe.example/", "青禾县人民政府", "320899")


@pytest.mark.parametrize(("contact", "sent"), [
    ("ops@qinghe.example", "mailto:ops@qinghe.example"),
    ("mailto:ops@qinghe.example", "mailto:ops@qinghe.example"),
    ("https://example.org/contact", "https://example.org/contact"),
])
def test_a_mailbox_is_a_contact(tmp_path: Path, contact: str, sent: str) -> None:
    from pipeline.crawl.settings import user_agent

    config = load_sources(write(tmp_path, GOOD.replace("https://example.org/contact", contact)))
    assert config.settings.user_agent_contact == sent
    assert user_agent(config.settings.user_agent_contact).endswith(f"(+{sent})")


@pytest.mark.parametrize("contact", ["ops at qinghe", "ops@localhost", "ftp://example.org/"])
def test_a_contact_is_a_url_or_a_mailbox(tmp_path: Path, contact: str) -> None:
    assert "user_agent_contact must be an http(s) URL or a mailbox" in error_of(
        write(tmp_path, GOOD.replace("https://example.org/contact", contact)))
