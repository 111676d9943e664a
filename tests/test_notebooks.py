"""The example notebooks run against the sample warehouse, and their Chinese labels are drawn
with a CJK font (characters, not boxes)."""
from __future__ import annotations

import json
import os
import re
import shutil
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


@pytest.fixture(scope="module")
def project(sample_warehouse, tmp_path_factory) -> Path:
    """A nianbao project as a user has it: pyproject.toml, warehouse/nianbao.duckdb (the samples')
    and the notebooks in notebooks/."""
    root = tmp_path_factory.mktemp("project")
    (root / "pyproject.toml").write_text('[project]\nname = "nianbao"\n', encoding="utf-8")
    (root / "warehouse").mkdir()
    shutil.copyfile(sample_warehouse, root / "warehouse" / "nianbao.duckdb")
    (root / "notebooks").mkdir()
    for path in NOTEBOOKS:
        shutil.copyfile(path, root / "notebooks" / path.name)
    return root


def _execute(path: Path, kernel_dir: Path, monkeypatch, **env: str) -> list[dict]:
    """Run the notebook as Jupyter does, in its own folder, and return its outputs."""
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.delenv("NIANBAO_WAREHOUSE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name=KERNEL, resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    assert "Glyph" not in stderr and "missing from font" not in stderr, stderr
    assert any("image/png" in o.get("data", {}) for o in outputs), "the notebook drew no plot"
    return outputs


def _printed(outputs: list[dict]) -> list[str]:
    return "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout").splitlines()


@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS], ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_from_its_folder(name, project, kernel_dir, monkeypatch):
    """No NIANBAO_WAREHOUSE: the notebook finds the project's warehouse by walking up from notebooks/."""
    outputs = _execute(project / "notebooks" / name, kernel_dir, monkeypatch)
    assert _printed(outputs)[0] == str(project / "warehouse" / "nianbao.duckdb")


@pytest.fixture(scope="module")
def districts(tmp_path_factory) -> Path:
    """Three districts of 淮安市 in 2023; 淮阴区's 行政复议 总计 (0) contradicts its parts."""
    from fixtures.reports import Spec, report_html

    from pipeline.runner import collect, process_documents

    folder = tmp_path_factory.mktemp("districts")
    for name, inconsistent in (("洪泽区", False), ("淮阴区", True), ("清江浦区", False)):
        page = report_html(Spec(inconsistent_review=inconsistent)).decode().replace("洪泽区", name)
        (folder / f"{name}.html").write_text(page, encoding="utf-8")
    warehouse = folder / "districts.duckdb"
    assert process_documents(collect([folder]), warehouse).reports == 3
    return warehouse


def test_comparison_marks_the_failing_figure(districts, kernel_dir, monkeypatch):
    """The figure the failed check reads (淮阴区's review.total) is marked; the other districts'
    figures of the same key are not, nor is the district's whole report."""
    import pipeline

    path = ROOT / "notebooks" / "02_compare_districts.ipynb"
    outputs = _execute(path, kernel_dir, monkeypatch, NIANBAO_WAREHOUSE=str(districts), NIANBAO_KEY="review.total")
    assert _printed(outputs)[:2] == [str(districts), "淮安市: 3 districts; figures read by a failed check: 1"]
    flagged = next(o["data"]["text/plain"] for o in outputs if "failed_checks" in o.get("data", {}).get("text/plain", ""))
    rows = [line.split() for line in flagged.splitlines()[1:]]
    assert rows == [["0", "淮阴区", "2023", "0", "review.sum"]], flagged
    con = pipeline.connect(str(districts))
    try:  # the failing report has many more figures, which are not marked
        keys = con.execute("SELECT count(*) FROM metric_values WHERE region LIKE '%淮阴区'").fetchall()[0][0]
    finally:
        con.close()
    assert keys > 100


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


def test_find_warehouse(tmp_path, monkeypatch):
    """$NIANBAO_WAREHOUSE first; else the nianbao project above the folder, not another project."""
    import pipeline

    root = tmp_path / "nianbao"
    (root / "notebooks" / "drafts").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "nianbao"\n', encoding="utf-8")
    other = root / "notebooks" / "other"
    other.mkdir()
    (other / "pyproject.toml").write_text('[project]\nname = "something-else"\n', encoding="utf-8")
    monkeypatch.delenv("NIANBAO_WAREHOUSE", raising=False)
    assert pipeline.find_warehouse(root / "notebooks" / "drafts") == root / "warehouse" / "nianbao.duckdb"
    assert pipeline.find_warehouse(other) == root / "warehouse" / "nianbao.duckdb"
    monkeypatch.chdir(root / "notebooks")
    assert pipeline.find_warehouse() == root / "warehouse" / "nianbao.duckdb"
    monkeypatch.setenv("NIANBAO_WAREHOUSE", str(tmp_path / "mine.duckdb"))
    assert pipeline.find_warehouse() == tmp_path / "mine.duckdb"
    monkeypatch.delenv("NIANBAO_WAREHOUSE")
    monkeypatch.chdir(tmp_path)
    assert pipeline.find_warehouse() == Path("warehouse/nianbao.duckdb")  # no project: the relative default
    with pytest.raises(FileNotFoundError, match="nianbao run"):
        pipeline.connect()


def _make_n(*args: str) -> list[str]:
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    # As a user types it: not as a sub-make of `make test`, which would print "Leaving directory".
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    done = subprocess.run(["make", "-n", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_make_notebook_builds_a_missing_warehouse_first(tmp_path):
    missing = tmp_path / "none.duckdb"
    lines = _make_n("notebook", f"WAREHOUSE={missing}")
    run = next(i for i, line in enumerate(lines) if f"nianbao run --warehouse {missing}" in line)
    lab = next(i for i, line in enumerate(lines) if line.endswith("/jupyter lab"))
    assert run < lab
    assert lines[lab].startswith(f"cd notebooks && NIANBAO_WAREHOUSE={missing} ")
    assert any("pip install --quiet -e '.[notebook]'" in line for line in lines)


def test_make_notebook_keeps_an_existing_warehouse(tmp_path):
    existing = tmp_path / "w.duckdb"
    existing.write_bytes(b"")
    lines = _make_n("notebook", f"WAREHOUSE={existing}")
    assert not [line for line in lines if "nianbao run" in line]
    assert lines[-1].startswith(f"cd notebooks && NIANBAO_WAREHOUSE={existing} ") and lines[-1].endswith("jupyter lab")


def test_notebook_extra_has_jupyterlab_and_matplotlib():
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    names = {re.split(r"[<>=\[ ]", requirement)[0] for requirement in extras["notebook"]}  # name before the version
    assert {"jupyterlab", "matplotlib"} <= names
