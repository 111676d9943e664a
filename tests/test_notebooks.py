"""The example notebooks run against the sample warehouse, and their Chinese labels are drawn
with a CJK font (characters, not boxes)."""
from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "nianbao-test"


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory) -> Path:
    """A kernelspec for this interpreter, so the notebooks run in the venv that has `pipeline`
    whatever other 'python3' kernels the machine has."""
    base = tmp_path_factory.mktemp("jupyter")
    spec = base / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "nianbao tests", "language": "python"}), encoding="utf-8")
    return base


def test_there_are_notebooks():
    names = {p.name for p in NOTEBOOKS}
    assert {"01_trends.ipynb", "02_compare_districts.ipynb", "03_data_quality.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, sample_warehouse, kernel_dir, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("NIANBAO_WAREHOUSE", str(sample_warehouse))
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name=KERNEL, resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    assert "Glyph" not in stderr and "missing from font" not in stderr, stderr
    assert any("image/png" in o.get("data", {}) for o in outputs), "the notebook drew no plot"


def _draw_chinese(tmp_path: Path):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot([2017, 2018, 2019], [23, 31, 38], marker="o", label="本年新收申请")
    ax.set_title("江苏省淮安市淮阴区 政府信息公开")
    ax.set_xlabel("年度")
    ax.set_ylabel("件数")
    ax.legend()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(tmp_path / "plot.png")
    plt.close(fig)
    return ax, [str(w.message) for w in caught]


def test_plot_uses_the_cjk_font(tmp_path):
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    from pipeline.plotting import setup_cjk_font

    path = setup_cjk_font()
    charmap = FT2Font(str(path)).get_charmap()
    assert all(ord(ch) in charmap for ch in "江苏省淮安市政府信息公开年度件数")
    ax, messages = _draw_chinese(tmp_path)
    for text in (ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_legend().get_texts()):
        assert Path(font_manager.findfont(text.get_fontproperties())) == path
    assert not [m for m in messages if "Glyph" in m or "missing from font" in m], messages
    assert (tmp_path / "plot.png").stat().st_size > 5_000


def test_without_the_font_glyphs_go_missing(tmp_path):
    """The check above would notice boxes: DejaVu Sans alone has no Chinese glyphs."""
    import matplotlib

    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        _, messages = _draw_chinese(tmp_path)
    assert any("missing from font" in m for m in messages)
