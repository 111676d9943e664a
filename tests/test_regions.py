"""Issuer → adcode matching and the shape of the bundled division table."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from pipeline.regions import find_region, get_region, regions_frame


@pytest.mark.parametrize(
    ("issuer", "context", "adcode"),
    [
        ("淮安市洪泽区人民政府", "", "320813"),
        ("洪泽区人民政府", "淮安市2023年政府信息公开工作年度报告", "320813"),
        ("淮安市人民政府", "", "320800"),
        ("沭阳县发展和改革局", "", "321322"),
        ("随州市曾都区人民政府", "", "421303"),
        ("曾都区", "", "421303"),
        ("北京市朝阳区人民政府", "", "110105"),
        ("朝阳区人民政府", "长春市", "220104"),
        ("杭州市西湖区", "", "330106"),
        ("杭州市西湖区人民政府办公室", "", "330106"),
        ("清江浦区", "", "320812"),
        ("淮阴区", "", "320804"),
        ("淮安区", "", "320803"),
        ("成都市武侯区", "", "510107"),
        ("江苏省人民政府", "", "320000"),
        ("四川省人民政府", "", "510000"),
    ],
)
def test_brief_cases(issuer: str, context: str, adcode: str) -> None:
    region = find_region(issuer, context)
    assert region is not None and region.adcode == adcode


@pytest.mark.parametrize(
    ("issuer", "adcode"),
    [
        ("洪泽县人民政府", "320813"),  # pre-2016 name resolves to the successor
        ("吐鲁番地区行署", "650400"),
        ("石柱县人民政府", "500240"),  # 石柱土家族自治县
        ("恩施州人民政府", "422800"),
        ("平潭综合实验区管委会", "350128"),
        ("淮安经济技术开发区管委会", "320800"),
        ("淮安市 洪泽区 人民政府", "320813"),
        ("南京市人民政府驻北京办事处", "320100"),
        ("阳泉市城区人民政府", "140302"),
        ("海南州人民政府", "632500"),
        ("海南省人民政府", "460000"),
        ("重庆市两江新区管委会", "500157"),
    ],
)
def test_short_forms_and_department_names(issuer: str, adcode: str) -> None:
    region = find_region(issuer)
    assert region is not None and region.adcode == adcode


@pytest.mark.parametrize(
    ("issuer", "context"),
    [
        ("朝阳区人民政府", ""),
        ("南沙区人民政府", ""),
        ("鼓楼区人民政府", "江苏省 南京市 徐州市"),  # two supported candidates
        ("火星联邦宇宙事务管理局", ""),
        ("雄安新区", ""),  # not 安新县: a short form never starts mid-word
        ("重庆市江北区人民政府", ""),  # abolished 2025; 江北区 left is in 宁波
        (None, "淮安市洪泽区"),
        ("", ""),
    ],
)
def test_unresolvable_gives_none(issuer: str | None, context: str) -> None:
    assert find_region(issuer, context) is None


def test_context_prefers_exact_address_over_other_cities() -> None:
    region = find_region("鼓楼区人民政府", "南京市鼓楼区2023年报告……徐州市")
    assert region is not None and region.adcode == "320106"


def test_region_fields() -> None:
    region = get_region("320813")
    assert region is not None
    assert (region.name, region.full_name, region.level, region.parent) == (
        "洪泽区", "江苏省淮安市洪泽区", "county", "320800",
    )
    municipal = get_region("110105")
    assert municipal is not None and municipal.parent == "110000"
    assert get_region("999999") is None


def test_every_region_is_found_by_its_full_name_and_by_name_with_parent_context() -> None:
    for adcode in regions_frame()["adcode"]:
        region = get_region(adcode)
        assert region is not None
        assert find_region(region.full_name + "人民政府") == region, region.full_name
        parent = get_region(region.parent) if region.parent else None
        if parent:
            found = find_region(region.name + "人民政府", parent.full_name)
            assert found == region, region.full_name


def test_regions_frame_is_complete_and_consistent() -> None:
    frame = regions_frame()
    assert list(frame.columns) == [
        "adcode", "name", "full_name", "level", "parent", "province", "city",
    ]
    counts = frame["level"].value_counts()
    assert counts["province"] >= 31
    assert counts["city"] >= 330
    assert counts["county"] >= 2800
    assert frame["adcode"].is_unique
    assert frame["adcode"].str.fullmatch(r"\d{6}").all()
    parents = frame["parent"].dropna()
    assert parents.isin(frame["adcode"]).all()
    assert frame.loc[frame["level"] == "province", "parent"].isna().all()
    assert {"北京市", "香港特别行政区", "台湾省"} <= set(frame["name"])


def test_import_does_not_load_data() -> None:
    code = "import pipeline.regions as r; assert r._index.cache_info().currsize == 0"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_matching_is_fast() -> None:
    find_region("淮安市洪泽区人民政府")  # build the index outside the timing
    started = time.perf_counter()
    for _ in range(2000):
        find_region("随州市曾都区人民政府", "随州市")
    assert (time.perf_counter() - started) / 2000 < 0.001
