"""Pages whose report tables are pictures, and image files: each image is found (the page's
<img src>, in order and in place), fetched (from the files beside a saved page, or from the
raw store where the crawl put it with the page), OCR'd and spliced in where it stood.

OCR itself (pipeline.read.ocr) is replaced by a fake here, except in the last test, which
runs the real engine on a real report's table pages and is skipped when it is absent.
"""
from __future__ import annotations

import importlib.util
import json
import re
import sys
import types
from pathlib import Path
from urllib.parse import quote

import pytest
from fixtures.reports import Spec, expected_cells, report_html

from pipeline.model import DocumentError, RawTable, SourceDoc
from pipeline.process import process_bytes, process_path
from pipeline.raw import FetchRecord, RawStore
from pipeline.read import html, read_bytes

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PNG = b"\x89PNG\r\n\x1a\n"
TABLE_KEYS = ("proactive.", "requests.", "review.", "litigation.")


class FakeOcr:
    """Stands in for pipeline.read.ocr: each image's bytes name the blocks it 'shows'."""

    def __init__(self, shows: dict[bytes, list]) -> None:
        self.shows = shows
        self.read: list[bytes] = []

    def image_blocks(self, *images: bytes) -> list:
        self.read.extend(images)
        return [block for data in images for block in self.shows[data]]


@pytest.fixture
def fake_ocr(monkeypatch):
    def install(shows: dict[bytes, list]) -> FakeOcr:
        fake = FakeOcr(shows)
        module = types.ModuleType("pipeline.read.ocr")
        module.image_blocks = fake.image_blocks
        monkeypatch.setitem(sys.modules, "pipeline.read.ocr", module)
        return fake
    return install


def _tables_of(spec: Spec) -> list[RawTable]:
    """The invented report's grids as the HTML reader reads them: 二, 三, 四."""
    return [b for b in html.read(report_html(spec)).blocks if isinstance(b, RawTable)]


def _picture_page(spec: Spec, folder: str = "page_files") -> tuple[str, dict[bytes, list]]:
    """The invented report with each table replaced by a picture beside the page, and what
    each picture shows."""
    page = report_html(spec, images=True).decode("utf-8")
    # the fixture's /images/table二.png … become page_files/table2.png …, beside the saved page
    page = re.sub(r'src="/images/table(.)\.png"', lambda m: f'src="{folder}/table{"二三四".index(m.group(1)) + 2}.png"', page)
    shows = {PNG + f"table {n}".encode(): [table] for n, table in zip((2, 3, 4), _tables_of(spec))}
    return page, shows


def _save(tmp_path: Path, page: str, shows: dict[bytes, list], folder: str = "page_files") -> Path:
    (tmp_path / folder).mkdir()
    for n, data in zip((2, 3, 4), shows):
        (tmp_path / folder / f"table{n}.png").write_bytes(data)
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _cells(result) -> dict:
    return {f.key: f.value for f in result.figures if f.source == "table"}


# ------------------------------------------------------------------ found

def test_html_reader_notes_content_images_in_order_and_place() -> None:
    page = ('<html><body><div class="logo"><img src="/logo.png"></div><div id="zoom">'
            '<p>某某县2023年政府信息公开工作年度报告</p><p>一、总体情况</p>'
            '<p><img src="a_files/one.png"></p><p>二、主动公开政府信息情况</p>'
            '<table><tr><td>规章</td><td><img src="a_files/two.jpg"></td></tr><tr><td>x</td><td>1</td></tr></table>'
            '<p>全年收到申请<img src="icon.png">12件。</p><img src="">' + "文字" * 80 + "</div></body></html>")
    raw = html.read(page.encode("utf-8"))
    assert raw.meta["images"] == [{"src": "a_files/one.png", "at": 2}, {"src": "a_files/two.jpg", "at": 3},
                                  {"src": "icon.png", "at": 4}]
    assert raw.blocks[:3] == ["某某县2023年政府信息公开工作年度报告", "一、总体情况", "二、主动公开政府信息情况"]
    assert raw.blocks[3].rows == [["规章", ""], ["x", "1"]]
    assert raw.blocks[4] == "全年收到申请12件。"  # an inline picture splits no sentence


def test_page_without_images_reads_as_before() -> None:
    raw = html.read(report_html(Spec()))
    assert raw.meta["images"] == []


# ------------------------------------------------------------------ fetched, spliced

def test_saved_page_reads_the_pictures_beside_it_in_order(tmp_path: Path, fake_ocr) -> None:
    spec = Spec()
    page, shows = _picture_page(spec)
    fake = fake_ocr(shows)
    result = process_path(_save(tmp_path, page, shows))
    assert result.error is None, result.error
    assert fake.read == list(shows)  # every picture once, in the page's order
    assert result.medium == "html+ocr"
    want = {k: v for k, v in expected_cells(spec).items() if k.startswith(TABLE_KEYS)}
    assert _cells(result) == want
    assert not [c for c in result.checks if c.ok is False and c.kind == "definitional"]
    lines = result.document.text.splitlines()
    heads = [next(i for i, line in enumerate(lines) if line.startswith(h)) for h in ("二、", "三、", "四、", "五、")]
    first_cells = [next(i for i, line in enumerate(lines) if w in line) for w in ("规章\t", "本年新收", "结果维持")]
    assert heads[0] < first_cells[0] < heads[1] < first_cells[1] < heads[2] < first_cells[2] < heads[3]


def test_missing_picture_is_an_error_naming_it(tmp_path: Path, fake_ocr) -> None:
    page, shows = _picture_page(Spec())
    path = _save(tmp_path, page, shows)
    (tmp_path / "page_files" / "table3.png").unlink()
    fake_ocr(shows)
    result = process_path(path)
    assert result.error is not None and "page_files/table3.png" in result.error
    assert result.figures == []


def test_picture_outside_the_page_folder_is_not_read(tmp_path: Path, fake_ocr) -> None:
    page, shows = _picture_page(Spec(), folder="../elsewhere")
    (tmp_path / "elsewhere").mkdir()
    for n, data in zip((2, 3, 4), shows):
        (tmp_path / "elsewhere" / f"table{n}.png").write_bytes(data)
    (tmp_path / "site").mkdir()
    path = tmp_path / "site" / "report.html"
    path.write_text(page, encoding="utf-8")
    fake = fake_ocr(shows)
    result = process_path(path)
    assert result.error is not None and "../elsewhere/table2.png" in result.error
    assert fake.read == []


def test_crawled_page_reads_its_pictures_from_the_raw_store(tmp_path: Path, fake_ocr) -> None:
    """The crawl stores a page's pictures as attachments whose referrer is the page; the
    page's snapshot carries them by URL, wherever the page and the pictures are stored."""
    spec = Spec()
    page, shows = _picture_page(spec, folder="图表")  # logged escaped, as the crawl requests it
    store = RawStore(tmp_path / "raw")
    base = "http://portal.example/zfxxgknb/202403/"
    folder = quote("图表")

    def log(url: str, kind: str, body: bytes, referrer: str, content_type: str) -> None:
        store.append(FetchRecord(url=url, kind=kind, fetched_at="2024-03-20T08:00:00+00:00", status=200,
                                 referrer=referrer, sha256=store.put(body), content_type=content_type))

    log(base + "t1.html", "report", page.encode("utf-8"), "http://portal.example/list.html", "text/html")
    for n, data in zip((2, 3, 4), shows):
        log(base + f"{folder}/table{n}.png", "attachment", data, base + "t1.html", "image/png")
    docs = {doc.url: doc for doc in store.snapshots()}
    doc = docs[base + "t1.html"]
    assert doc.extra["images"] == {base + f"{folder}/table{n}.png": str(store.object_path(store.put(data)))
                                   for n, data in zip((2, 3, 4), shows)}
    fake = fake_ocr(shows)
    result = process_path(doc.path, doc)
    assert result.error is None, result.error
    assert fake.read == list(shows)
    assert _cells(result) == {k: v for k, v in expected_cells(spec).items() if k.startswith(TABLE_KEYS)}
    assert "images" not in docs[base + f"{folder}/table2.png"].extra


def test_page_with_its_tables_and_a_photo_is_not_ocrd(fake_ocr) -> None:
    page = report_html(Spec()).decode("utf-8").replace("<p><strong>五、", '<p><img src="photo.jpg"></p><p><strong>五、')
    fake = fake_ocr({})
    result = process_bytes(page.encode("utf-8"), SourceDoc(path=Path("report.html")))
    assert result.error is None and result.medium == "html"
    assert fake.read == []


# ------------------------------------------------------------------ image files

def test_png_file_is_read_by_ocr(fake_ocr) -> None:
    fake_ocr({PNG + b"scan": ["某某县2023年政府信息公开工作年度报告", "一、总体情况"]})
    raw = read_bytes(PNG + b"scan", "scan.png")
    assert raw.medium == "image"
    assert raw.blocks == ["某某县2023年政府信息公开工作年度报告", "一、总体情况"]


def test_image_without_ocr_is_a_one_line_error(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pipeline.read.ocr", None)  # as if the module were absent
    with pytest.raises(DocumentError, match=r"^image needs OCR, which is not available here \(.*\)$"):
        read_bytes(b"\xff\xd8\xff\xe0 photo", "photo.jpg")


def test_image_with_no_text_is_an_error(fake_ocr) -> None:
    fake_ocr({PNG + b"cat": []})
    with pytest.raises(DocumentError, match="no readable text"):
        read_bytes(PNG + b"cat", "cat.png")


# ------------------------------------------------------------------ the real engine

@pytest.mark.skipif(importlib.util.find_spec("pipeline.read.ocr") is None, reason="pipeline.read.ocr not present")
@pytest.mark.parametrize("name, pages", [("hongze-2023", (2, 3)), ("huaian-2024", (3, 4, 5))])
def test_real_report_tables_as_pictures(tmp_path: Path, name: str, pages: tuple[int, ...]) -> None:
    """A real report's table pages rendered to PNG and shown by a page: ≥ 95 % of tables 三
    and 四 right against the gold. Clean pictures box lone digits tightly (huaian-2024 read
    170 of 190 while the engine read such boxes turned on their side)."""
    import pypdfium2

    pdf_path, gold_path = SHARED / "corpus" / "real" / f"{name}.pdf", SHARED / "eval" / "gold" / f"{name}.json"
    if not pdf_path.is_file() or not gold_path.is_file():
        pytest.skip(f"shared corpus not present: {pdf_path}")
    pdf = pypdfium2.PdfDocument(pdf_path.read_bytes())
    (tmp_path / "page_files").mkdir()
    imgs = []
    for n in pages:  # the pages of tables 三 and 四
        pdf[n].render(scale=150 / 72, grayscale=True).to_pil().save(tmp_path / "page_files" / f"p{n}.png")
        imgs.append(f'<p><img src="page_files/p{n}.png"></p>')
    page = ('<html><head><meta charset="utf-8"><title>某某区2023年政府信息公开工作年度报告</title></head>'
            '<body><div id="zoom"><p>某某区2023年政府信息公开工作年度报告</p><p>一、总体情况</p>'
            '<p>本年度本机关依法做好政府信息公开工作，各项工作有序推进，详情见下列各表。</p>'
            '<p>三、收到和处理政府信息公开申请情况</p>' + "".join(imgs) +
            '<p>五、存在的主要问题及改进情况</p><p>下一步将继续加强培训，提升工作质量。</p></div></body></html>')
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    result = process_path(path)
    assert result.error is None, result.error
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    want = {k: v for k, v in gold["cells"].items() if k.startswith(("requests.", "review.", "litigation."))}
    got = _cells(result)
    right = sum(1 for k, v in want.items() if k in got and got[k] == v)
    assert right >= 0.95 * len(want), f"{right}/{len(want)} cells right"
