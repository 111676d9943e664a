"""The HTML reader on the lxml tree: what it leaves out, and pages nested past libxml2's limit."""
from __future__ import annotations

import pytest
from conftest import SAMPLES

from pipeline.model import RawTable
from pipeline.read import read_bytes

_SENTENCE = "本年度本机关主动公开政府信息三百二十条，其中规范性文件十二件。"


def _page(content: str) -> bytes:
    return f'<html><head><title>测试</title></head><body><div id="zoom">{content}</div></body></html>'.encode()


def test_scripts_widgets_and_comments_are_left_out_and_the_text_around_them_kept() -> None:
    body = (f"<p>{_SENTENCE}</p><p>本机关<script>var count = 7;</script>受理申请<noscript>请启用脚本</noscript>"
            "十五件<!-- 注释：不是正文 --><?php echo 1 ?>，均已办结<select><option>选项</option></select>。</p>")
    assert read_bytes(_page(body), "page.html").blocks == [_SENTENCE, "本机关受理申请十五件，均已办结。"]


def test_cells_join_their_runs_without_comments() -> None:
    table = ("<table><tr><th>事项</th><th>数量</th></tr>"
             "<tr><td>规范性<!-- 批注 -->文件</td><td>1<span>2</span><script>3</script></td></tr></table>")
    blocks = read_bytes(_page(f"<p>{_SENTENCE}</p>{table}"), "page.html").blocks
    assert blocks[1] == RawTable(rows=[["事项", "数量"], ["规范性文件", "12"]], origins=[[0, 1], [2, 3]])


@pytest.mark.parametrize("depth", [300, 3000])
def test_a_page_nested_past_the_tree_depth_limit_reads_as_the_flat_page(depth: int) -> None:
    """libxml2 stops building its tree 256 elements deep, dropping the rest of the page; such
    pages are parsed again without that limit, to the same document as the page without the
    nesting."""
    sample = SAMPLES / "huaiyin-2021.html"
    if not sample.is_file():
        pytest.skip(f"{sample} is absent")
    flat = sample.read_bytes()
    start = flat.index(b">", flat.index(b"<body")) + 1
    end = flat.rindex(b"</body>")
    deep = flat[:start] + b"<span>" * depth + flat[start:end] + b"</span>" * depth + flat[end:]
    expected = read_bytes(flat, sample.name)
    assert len(expected.blocks) > 10 and any(isinstance(b, RawTable) for b in expected.blocks)
    assert read_bytes(deep, sample.name) == expected
